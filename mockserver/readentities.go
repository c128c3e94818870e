package mockserver

import (
	"encoding/json"
	"html"
	"strconv"
	"strings"

	"github.com/glclusters/clustersapi/mockserver/internal/store"
)

// The entities of the read API (readapi.go), in GitLab's field order (Community Edition,
// newest lib/api/entities/*.rb), rendered per request: who asks decides which fields there are.

// fixedCreatedAt is when the seed's users and groups were created: the seed format has no
// such field for them (GET /user shows the same time).
const fixedCreatedAt = "2019-01-02T20:10:00.000Z"

type projectLinks struct {
	Self          string `json:"self"`
	Issues        string `json:"issues"`
	MergeRequests string `json:"merge_requests"`
	RepoBranches  string `json:"repo_branches"`
	Labels        string `json:"labels"`
	Events        string `json:"events"`
	Members       string `json:"members"`
	ClusterAgents string `json:"cluster_agents"`
}

// projectCISettings are the fields of Entities::Project only callers with admin_project
// (Maintainer, Owner, admins) see. runners_token, also among them in GitLab, is left out: the
// mock sends no secret.
type projectCISettings struct {
	CIDefaultGitDepth                  int    `json:"ci_default_git_depth"`
	CIDeletePipelinesInSeconds         *int   `json:"ci_delete_pipelines_in_seconds"`
	CIForwardDeploymentEnabled         bool   `json:"ci_forward_deployment_enabled"`
	CIForwardDeploymentRollbackAllowed bool   `json:"ci_forward_deployment_rollback_allowed"`
	CIJobTokenScopeEnabled             bool   `json:"ci_job_token_scope_enabled"`
	CISeparatedCaches                  bool   `json:"ci_separated_caches"`
	CIAllowForkPipelines               bool   `json:"ci_allow_fork_pipelines_to_run_in_parent_project"`
	BuildGitStrategy                   string `json:"build_git_strategy"`
	KeepLatestArtifact                 bool   `json:"keep_latest_artifact"`
	RestrictUserDefinedVariables       bool   `json:"restrict_user_defined_variables"`
	RunnerTokenExpirationInterval      *int   `json:"runner_token_expiration_interval"`
	GroupRunnersEnabled                bool   `json:"group_runners_enabled"`
	AutoCancelPendingPipelines         string `json:"auto_cancel_pending_pipelines"`
	BuildTimeout                       int    `json:"build_timeout"`
	AutoDevopsEnabled                  bool   `json:"auto_devops_enabled"`
	AutoDevopsDeployStrategy           string `json:"auto_devops_deploy_strategy"`
}

// projectEntity is Entities::Project (lib/api/entities/project.rb) after BasicProjectDetails.
type projectEntity struct {
	projectDetailsEntity
	Links                      projectLinks    `json:"_links"`
	PackagesEnabled            bool            `json:"packages_enabled"`
	EmptyRepo                  bool            `json:"empty_repo"`
	Archived                   bool            `json:"archived"`
	Visibility                 string          `json:"visibility"`
	Owner                      json.RawMessage `json:"owner,omitempty"` // a project in a user's namespace
	ResolveOutdatedDiffs       bool            `json:"resolve_outdated_diff_discussions"`
	RepositoryObjectFormat     string          `json:"repository_object_format"`
	IssuesEnabled              bool            `json:"issues_enabled"`
	MergeRequestsEnabled       bool            `json:"merge_requests_enabled"`
	WikiEnabled                bool            `json:"wiki_enabled"`
	JobsEnabled                bool            `json:"jobs_enabled"`
	SnippetsEnabled            bool            `json:"snippets_enabled"`
	ContainerRegistryEnabled   bool            `json:"container_registry_enabled"`
	ServiceDeskEnabled         bool            `json:"service_desk_enabled"`
	CanCreateMergeRequestIn    bool            `json:"can_create_merge_request_in"`
	IssuesAccess               string          `json:"issues_access_level"`
	RepositoryAccess           string          `json:"repository_access_level"`
	MergeRequestsAccess        string          `json:"merge_requests_access_level"`
	ForkingAccess              string          `json:"forking_access_level"`
	WikiAccess                 string          `json:"wiki_access_level"`
	BuildsAccess               string          `json:"builds_access_level"`
	SnippetsAccess             string          `json:"snippets_access_level"`
	PagesAccess                string          `json:"pages_access_level"`
	AnalyticsAccess            string          `json:"analytics_access_level"`
	ContainerRegistryAccess    string          `json:"container_registry_access_level"`
	SecurityAndComplianceAcc   string          `json:"security_and_compliance_access_level"`
	ReleasesAccess             string          `json:"releases_access_level"`
	EnvironmentsAccess         string          `json:"environments_access_level"`
	FeatureFlagsAccess         string          `json:"feature_flags_access_level"`
	InfrastructureAccess       string          `json:"infrastructure_access_level"`
	MonitorAccess              string          `json:"monitor_access_level"`
	ModelExperimentsAccess     string          `json:"model_experiments_access_level"`
	ModelRegistryAccess        string          `json:"model_registry_access_level"`
	EmailsDisabled             bool            `json:"emails_disabled"`
	EmailsEnabled              bool            `json:"emails_enabled"`
	SharedRunnersEnabled       bool            `json:"shared_runners_enabled"`
	LFSEnabled                 bool            `json:"lfs_enabled"`
	CreatorID                  int             `json:"creator_id"`
	ImportURL                  json.RawMessage `json:"import_url,omitempty"`  // admin_project
	ImportType                 json.RawMessage `json:"import_type,omitempty"` // admin_project
	ImportStatus               string          `json:"import_status"`
	ImportError                json.RawMessage `json:"import_error,omitempty"` // GET /projects/:id, admin_project
	OpenIssuesCount            int             `json:"open_issues_count"`
	DescriptionHTML            string          `json:"description_html"`
	UpdatedAt                  string          `json:"updated_at"`
	*projectCISettings                         // admin_project
	CIConfigPath               json.RawMessage `json:"ci_config_path,omitempty"` // read_code
	PublicJobs                 bool            `json:"public_jobs"`
	SharedWithGroups           []struct{}      `json:"shared_with_groups"`
	OnlyMergeIfPipeline        bool            `json:"only_allow_merge_if_pipeline_succeeds"`
	AllowMergeOnSkipped        *bool           `json:"allow_merge_on_skipped_pipeline"`
	RequestAccessEnabled       bool            `json:"request_access_enabled"`
	OnlyMergeIfDiscussions     bool            `json:"only_allow_merge_if_all_discussions_are_resolved"`
	RemoveSourceBranch         bool            `json:"remove_source_branch_after_merge"`
	PrintingMergeRequestLink   bool            `json:"printing_merge_request_link_enabled"`
	MergeMethod                string          `json:"merge_method"`
	SquashOption               string          `json:"squash_option"`
	EnforceAuthChecksOnUploads bool            `json:"enforce_auth_checks_on_uploads"`
	SuggestionCommitMessage    *string         `json:"suggestion_commit_message"`
	MergeCommitTemplate        *string         `json:"merge_commit_template"`
	SquashCommitTemplate       *string         `json:"squash_commit_template"`
	IssueBranchTemplate        *string         `json:"issue_branch_template"`
	WarnAboutUnwantedChars     bool            `json:"warn_about_potentially_unwanted_characters"`
	AutocloseReferencedIssues  bool            `json:"autoclose_referenced_issues"`
	MaxArtifactsSize           *int            `json:"max_artifacts_size"`
}

type memberAccess struct {
	AccessLevel       int `json:"access_level"`
	NotificationLevel int `json:"notification_level"`
}

type projectPermissions struct {
	ProjectAccess *memberAccess `json:"project_access"`
	GroupAccess   *memberAccess `json:"group_access"`
}

// projectWithAccessEntity is Entities::ProjectWithAccess: what a signed-in caller sees.
type projectWithAccessEntity struct {
	projectEntity
	Permissions projectPermissions `json:"permissions"`
}

// notificationGlobal is NotificationSetting.levels[:global], a membership's default.
const notificationGlobal = 3

// readCode is GitLab's read_code: anyone who can read a public or internal project (its
// repository is enabled for everyone who can see it), and Reporters and above of a private
// one (a Guest of a private project cannot read its code).
func (p *project) readCode(u *user) bool {
	return p.visibleTo(u) && (p.visibility != "private" || p.accessLevel(u) >= accessReporter)
}

// projectBasic is Entities::BasicProjectDetails for u (nil: no token).
func (st *state) projectBasic(p *project, u *user) projectDetailsEntity {
	return st.projectDetails(p, p.readCode(u))
}

// projectFull is Entities::Project for u; getByID adds what only GET /projects/:id shows.
func (st *state) projectFull(p *project, u *user, getByID bool) projectEntity {
	api := st.external + "/api/v4/projects/" + strconv.Itoa(p.id)
	admin := p.accessLevel(u) >= accessMaintainer // admin_project
	pages := "enabled"
	if p.visibility == "private" {
		pages = "private"
	}
	e := projectEntity{
		projectDetailsEntity: st.projectBasic(p, u),
		Links: projectLinks{Self: api, Issues: api + "/issues", MergeRequests: api + "/merge_requests",
			RepoBranches: api + "/repository/branches", Labels: api + "/labels", Events: api + "/events",
			Members: api + "/members", ClusterAgents: api + "/cluster_agents"},
		PackagesEnabled: true, EmptyRepo: true, Visibility: p.visibility, RepositoryObjectFormat: "sha1",
		IssuesEnabled: true, MergeRequestsEnabled: true, WikiEnabled: true, JobsEnabled: true, SnippetsEnabled: true,
		ContainerRegistryEnabled: true, CanCreateMergeRequestIn: p.accessLevel(u) >= accessDeveloper,
		IssuesAccess: "enabled", RepositoryAccess: "enabled", MergeRequestsAccess: "enabled", ForkingAccess: "enabled",
		WikiAccess: "enabled", BuildsAccess: "enabled", SnippetsAccess: "enabled", PagesAccess: pages,
		AnalyticsAccess: "enabled", ContainerRegistryAccess: "enabled", SecurityAndComplianceAcc: "private",
		ReleasesAccess: "enabled", EnvironmentsAccess: "enabled", FeatureFlagsAccess: "enabled",
		InfrastructureAccess: "enabled", MonitorAccess: "enabled", ModelExperimentsAccess: "enabled",
		ModelRegistryAccess: "enabled", EmailsEnabled: true, SharedRunnersEnabled: true, LFSEnabled: true,
		CreatorID: st.creatorID, ImportStatus: "none", DescriptionHTML: descriptionHTML(p.description),
		UpdatedAt: store.FormatTime(p.createdAt), PublicJobs: true, SharedWithGroups: []struct{}{},
		RequestAccessEnabled: true, RemoveSourceBranch: true, PrintingMergeRequestLink: true, MergeMethod: "merge",
		SquashOption: "default_off", EnforceAuthChecksOnUploads: true, WarnAboutUnwantedChars: true,
		AutocloseReferencedIssues: true,
	}
	if p.ns.kind == "user" {
		e.Owner = json.RawMessage("null")
		if o := st.userNamed(p.ns.path); o != nil {
			e.Owner = o.basic
		}
	}
	null := json.RawMessage("null")
	if admin {
		e.ImportURL, e.ImportType = null, null
		if getByID {
			e.ImportError = null
		}
		e.projectCISettings = &projectCISettings{CIDefaultGitDepth: 20, CIForwardDeploymentEnabled: true,
			CIForwardDeploymentRollbackAllowed: true, CISeparatedCaches: true, CIAllowForkPipelines: true,
			BuildGitStrategy: "fetch", KeepLatestArtifact: true, GroupRunnersEnabled: true,
			AutoCancelPendingPipelines: "enabled", BuildTimeout: 3600, AutoDevopsDeployStrategy: "continuous"}
	}
	if p.readCode(u) {
		e.CIConfigPath = null
	}
	return e
}

// projectWithAccess is Entities::ProjectWithAccess for a signed-in u: project_access its own
// membership of the project, group_access its highest membership of the project's group or an
// ancestor (Group#highest_group_member), null in a user's namespace.
func (st *state) projectWithAccess(p *project, u *user, getByID bool) projectWithAccessEntity {
	e := projectWithAccessEntity{projectEntity: st.projectFull(p, u, getByID)}
	if l := p.members[u.id]; l > accessNone {
		e.Permissions.ProjectAccess = &memberAccess{l, notificationGlobal}
	}
	if p.ns.isGroup() {
		if l := p.ns.memberLevel(u); l > accessNone {
			e.Permissions.GroupAccess = &memberAccess{l, notificationGlobal}
		}
	}
	return e
}

// descriptionHTML is the description as GitLab's Markdown renders a single paragraph
// (markdown_field(:description)); "" for none.
func descriptionHTML(d string) string {
	if d == "" {
		return ""
	}
	if strings.ContainsAny(d, "\n\r") { // more than one line: sourcepos is not worked out
		return `<p dir="auto">` + html.EscapeString(d) + `</p>`
	}
	return `<p data-sourcepos="1:1-1:` + strconv.Itoa(len(d)) + `" dir="auto">` + html.EscapeString(d) + `</p>`
}

type branchProtectionAccess struct {
	AccessLevel int `json:"access_level"`
}

type branchProtectionDefaults struct {
	AllowedToPush  []branchProtectionAccess `json:"allowed_to_push"`
	AllowForcePush bool                     `json:"allow_force_push"`
	AllowedToMerge []branchProtectionAccess `json:"allowed_to_merge"`
}

// groupEntity is Entities::Group (lib/api/entities/group.rb): Entities::BasicGroupDetails
// (id, web_url, name) and the group's settings, at their defaults.
type groupEntity struct {
	ID                              int                      `json:"id"`
	WebURL                          string                   `json:"web_url"`
	Name                            string                   `json:"name"`
	Path                            string                   `json:"path"`
	Description                     string                   `json:"description"`
	Visibility                      string                   `json:"visibility"`
	ShareWithGroupLock              bool                     `json:"share_with_group_lock"`
	RequireTwoFactor                bool                     `json:"require_two_factor_authentication"`
	TwoFactorGracePeriod            int                      `json:"two_factor_grace_period"`
	ProjectCreationLevel            string                   `json:"project_creation_level"`
	AutoDevopsEnabled               *bool                    `json:"auto_devops_enabled"`
	SubgroupCreationLevel           string                   `json:"subgroup_creation_level"`
	EmailsDisabled                  bool                     `json:"emails_disabled"`
	EmailsEnabled                   bool                     `json:"emails_enabled"`
	MentionsDisabled                *bool                    `json:"mentions_disabled"`
	LFSEnabled                      bool                     `json:"lfs_enabled"`
	MathRenderingLimitsEnabled      bool                     `json:"math_rendering_limits_enabled"`
	LockMathRenderingLimitsEnabled  bool                     `json:"lock_math_rendering_limits_enabled"`
	DefaultBranch                   *string                  `json:"default_branch"`
	DefaultBranchProtection         int                      `json:"default_branch_protection"`
	DefaultBranchProtectionDefaults branchProtectionDefaults `json:"default_branch_protection_defaults"`
	AvatarURL                       *string                  `json:"avatar_url"`
	RequestAccessEnabled            bool                     `json:"request_access_enabled"`
	FullName                        string                   `json:"full_name"`
	FullPath                        string                   `json:"full_path"`
	CreatedAt                       string                   `json:"created_at"`
	ParentID                        *int                     `json:"parent_id"`
	OrganizationID                  int                      `json:"organization_id"`
	SharedRunnersSetting            string                   `json:"shared_runners_setting"`
	MaxArtifactsSize                *int                     `json:"max_artifacts_size"`
}

func (st *state) groupEntity(g *namespace) groupEntity {
	maintainers := []branchProtectionAccess{{accessMaintainer}}
	return groupEntity{ID: g.id, WebURL: st.external + "/groups/" + g.fullPath(), Name: g.name, Path: g.path,
		Visibility: g.visibility, TwoFactorGracePeriod: 48, ProjectCreationLevel: "developer",
		SubgroupCreationLevel: "maintainer", EmailsEnabled: true, LFSEnabled: true, MathRenderingLimitsEnabled: true,
		DefaultBranchProtection: 2, DefaultBranchProtectionDefaults: branchProtectionDefaults{AllowedToPush: maintainers,
			AllowedToMerge: maintainers}, RequestAccessEnabled: true, FullName: g.fullName(), FullPath: g.fullPath(),
		CreatedAt: fixedCreatedAt, ParentID: g.parentID, OrganizationID: 1, SharedRunnersSetting: "enabled"}
}

// groupDetailEntity is Entities::GroupDetail (lib/api/entities/group_detail.rb). runners_token
// (Owners and admins) is left out: the mock sends no secret.
type groupDetailEntity struct {
	groupEntity
	SharedWithGroups               []struct{}         `json:"shared_with_groups"`
	EnabledGitAccessProtocol       string             `json:"enabled_git_access_protocol,omitempty"`              // top level, admin_group
	PreventSharingOutsideHierarchy *bool              `json:"prevent_sharing_groups_outside_hierarchy,omitempty"` // top level
	Projects                       *[]json.RawMessage `json:"projects,omitempty"`                                 // with_projects
	SharedProjects                 *[]json.RawMessage `json:"shared_projects,omitempty"`                          // with_projects
}

// namespaceDetailEntity is Entities::Namespace: the counts only for admin_group.
type namespaceDetailEntity struct {
	namespaceEntity
	MembersCountWithDescendants *int `json:"members_count_with_descendants,omitempty"`
	RootRepositorySize          *int `json:"root_repository_size,omitempty"`
	ProjectsCount               *int `json:"projects_count,omitempty"`
}

// memberEntity is Entities::Member: the user's UserBasic merged in, then the membership.
// created_by is left out: the seed does not say who added a member (GitLab omits it when nil).
type memberEntity struct {
	userBasicEntity
	AccessLevel int     `json:"access_level"`
	CreatedAt   string  `json:"created_at"`
	ExpiresAt   *string `json:"expires_at"`
}

// userEntity is Entities::User (lib/api/entities/user.rb): UserBasic and the public profile,
// empty in the seed.
type userEntity struct {
	userBasicEntity
	CreatedAt       string  `json:"created_at"`
	Bio             string  `json:"bio"`
	Location        string  `json:"location"`
	PublicEmail     *string `json:"public_email"`
	Skype           string  `json:"skype"`
	Linkedin        string  `json:"linkedin"`
	Twitter         string  `json:"twitter"`
	Discord         string  `json:"discord"`
	WebsiteURL      string  `json:"website_url"`
	Organization    string  `json:"organization"`
	JobTitle        string  `json:"job_title"`
	Pronouns        *string `json:"pronouns"`
	Bot             bool    `json:"bot"`
	WorkInformation *string `json:"work_information"`
	Followers       int     `json:"followers"`
	Following       int     `json:"following"`
	IsFollowed      bool    `json:"is_followed"`
	LocalTime       *string `json:"local_time"`
}

// userAdminEntity is Entities::UserDetailsWithAdmin (UserPublic, UserWithAdmin, then the
// details), what admins see. created_by is left out: the seed does not say.
type userAdminEntity struct {
	userEntity
	LastSignInAt     *string    `json:"last_sign_in_at"`
	ConfirmedAt      string     `json:"confirmed_at"`
	LastActivityOn   *string    `json:"last_activity_on"`
	Email            string     `json:"email"`
	ThemeID          int        `json:"theme_id"`
	ColorSchemeID    int        `json:"color_scheme_id"`
	ProjectsLimit    int        `json:"projects_limit"`
	CurrentSignInAt  *string    `json:"current_sign_in_at"`
	Identities       []struct{} `json:"identities"`
	CanCreateGroup   bool       `json:"can_create_group"`
	CanCreateProject bool       `json:"can_create_project"`
	TwoFactorEnabled bool       `json:"two_factor_enabled"`
	External         bool       `json:"external"`
	PrivateProfile   bool       `json:"private_profile"`
	CommitEmail      string     `json:"commit_email"`
	IsAdmin          bool       `json:"is_admin"`
	Note             *string    `json:"note"`
	NamespaceID      *int       `json:"namespace_id"`
	HighestRole      int        `json:"highest_role"`
	CurrentSignInIP  *string    `json:"current_sign_in_ip"`
	LastSignInIP     *string    `json:"last_sign_in_ip"`
	SignInCount      int        `json:"sign_in_count"`
}
