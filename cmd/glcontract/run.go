package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/glclusters/clustersapi/contract"
)

// cli is what run needs from the process; tests pass their own.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// progress prints a line per step on stderr (main sets it when stderr is a terminal).
	progress bool
	// client is the suite's HTTP client (nil: contract's default; tests retry without waiting).
	client *contract.Client
}

const usageTop = `glcontract replays scenarios against a GitLab instance, judges every response by openapi.yaml,
and shows what an upgrade changed.

Usage:
  glcontract check --url URL --token TOKEN --project ID [flags]   run the suite
  glcontract diff BEFORE.json AFTER.json [flags]                  compare two saved runs
  glcontract sweep --url URL --token TOKEN --project ID [flags]   delete leftovers of interrupted runs
  glcontract inventory --url URL --token TOKEN [--group G] [--project P] [--instance]   list certificate-based clusters before an upgrade

check and sweep take --group ID|PATH and --instance (an administrator's token) for group and
instance clusters, instead of --project or with it.

Run "glcontract COMMAND --help" for the flags of a command.

` + exitStatusTable + `  3  inventory only: incomplete, something asked could not be read (glcontract inventory --help)
`

// exitStatusTable is the verdicts by exit status: in --help and, verbatim, in both READMEs.
const exitStatusTable = `Exit status:
  0  conformant; or skipped: "clusters API disabled on this instance" (without --baseline, or
     with a baseline that recorded it off too)
  1  findings (spec, values, secrets, cleanup); drift against --baseline, including the clusters
     API available in the baseline and now disabled (or gone), or off then and on now;
     sweep: a leftover that could not be deleted
  2  usage error (a flag, a scenario file); target unreachable; not a GitLab API (--url is not
     where GitLab is served); target unavailable (429 or 5xx after the retries); redirected to
     another origin (not followed: the token goes only to --url's); interrupted (Ctrl-C);
     a baseline or saved run of other clusters (--project, --group, --instance differ: not drift)
`

const usageCheck = `Usage: glcontract check --url URL --token TOKEN [--project ID] [--group ID] [--instance] [flags]

Replays the scenarios (read-only unless --write) and checks every response: status documented,
body valid against the schema (formats asserted), documented headers present, Content-Type
exactly application/json, expected values, and that no secret the run sent comes back.
It checks the clusters of the project (--project), of the group (--group) and of the instance
(--instance, an administrator's token): one or more of them in one run, with the same rules.

Examples:
  # read-only, against a production instance; the token needs read_api and the Developer role
  GITLAB_TOKEN=glpat-... glcontract check --url https://gitlab.example.com --project group/project

  # the whole suite (creates, edits and deletes a cluster named glcontract-<run id>;
  # needs the api scope and the Maintainer role), with reports for CI and the upgrade ticket
  glcontract check --url https://gitlab.example.com/api/v4 --token "$GITLAB_TOKEN" --project 42 \
    --write --junit report.xml --markdown report.md --json report.json

  # a project's, a group's and the instance's clusters in one run (the instance needs an admin)
  glcontract check --url https://gitlab.example.com --project 42 --group platform --instance

  # before an upgrade: save a baseline; after it: compare
  glcontract check --project 42 --save-baseline before.json
  glcontract check --project 42 --baseline before.json --markdown upgrade.md

Environment: GITLAB_URL, GITLAB_TOKEN and GITLAB_PROJECT are used when a flag is not given.
Prefer GITLAB_TOKEN to --token: command lines are visible to other users of the machine.
A private CA: --ca-cert /path/ca.pem (or SSL_CERT_FILE); a proxy: HTTPS_PROXY. On a terminal,
progress (each step, retries and their waits, requests slower than 2 s) goes to stderr. Ctrl-C stops the run and still
deletes what it created (a second Ctrl-C does not interrupt that cleanup).

` + exitStatusTable + `
Flags:
`

const usageDiff = `Usage: glcontract diff BEFORE.json AFTER.json [flags]

Compares two runs saved with --save-baseline and reports the behavioural drift in three kinds:
breaks the spec; changed but still conforms (status, value, ordering, default, permission); new or
missing undocumented field or header. Fields either run found volatile are ignored.

Example:
  glcontract check --project 42 --write --save-baseline gitlab-17.11.json   # before the upgrade
  glcontract check --project 42 --write --save-baseline gitlab-18.0.json    # after it
  glcontract diff gitlab-17.11.json gitlab-18.0.json --markdown upgrade.md

Exit status:
  0  no behavioural drift (undocumented fields and headers that appear or go away, without
     --strict, are shown but do not fail)
  1  drift: breaks the spec, or changed behaviour (status, value, ordering, default,
     permission, the clusters API switched off or on)
  2  usage error; a file that is not a saved run (a --json report is not: save runs with
     check --save-baseline); runs of different clusters (--project, --group, --instance)

Flags:
`

const usageSweep = `Usage: glcontract sweep --url URL --token TOKEN [--project ID] [--group ID] [--instance] [flags]

Deletes clusters left behind by an interrupted run (killed before its cleanup) in the project,
the group and the instance given. Only clusters whose name is glcontract-<run id>[-suffix] AND
whose environment scope is glcontract/<run id>[/suffix] are touched; everything else is left alone.

Examples:
  glcontract sweep --url https://gitlab.example.com --project 42 --dry-run
  glcontract sweep --url https://gitlab.example.com --group platform --instance --dry-run
  glcontract sweep --url https://gitlab.example.com --project 42 --run-id 20250102t030405-a1b2c3

Flags:
`

// run is the glcontract command: it parses args (without the program name), runs the
// command and returns the exit status.
func (env cli) run(ctx context.Context, args []string) int {
	if env.getenv == nil {
		env.getenv = os.Getenv
	}
	if env.stdout == nil {
		env.stdout = io.Discard
	}
	if env.stderr == nil {
		env.stderr = io.Discard
	}
	if len(args) == 0 {
		fmt.Fprint(env.stderr, usageTop)
		return 2
	}
	switch args[0] {
	case "check":
		return mainCheck(ctx, args[1:], env)
	case "diff":
		return mainDiff(args[1:], env)
	case "sweep":
		return mainSweep(ctx, args[1:], env)
	case "inventory":
		return mainInventory(ctx, args[1:], env)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.stdout, usageTop)
		return 0
	case "version", "-version", "--version":
		fmt.Fprintf(env.stdout, "glcontract %s\n", moduleVersion())
		return 0
	}
	if strings.HasPrefix(args[0], "-") {
		for _, a := range args[1:] {
			switch a {
			case "check", "diff", "sweep", "inventory":
				fmt.Fprintf(env.stderr, "glcontract: the command comes first, then its flags: glcontract %s %s\n", a, strings.Join(withoutArg(args, a), " "))
				return 2
			}
		}
	}
	fmt.Fprintf(env.stderr, "glcontract: unknown command %q\nRun \"glcontract --help\" for the commands.\n", args[0])
	return 2
}

// withoutArg is args without the first a.
func withoutArg(args []string, a string) []string {
	out := make([]string, 0, len(args))
	removed := false
	for _, x := range args {
		if x == a && !removed {
			removed = true
			continue
		}
		out = append(out, x)
	}
	return out
}

// flagSet makes a FlagSet whose --help goes to stdout (exit 0) and errors to stderr (exit 2).
func flagSet(name, usage string, env cli) (*flag.FlagSet, *bytes.Buffer) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	fs.Usage = func() {
		fmt.Fprint(&help, usage)
		fs.PrintDefaults()
	}
	return fs, &help
}

// parse handles --help and errors; ok is false when Main should return code.
func parse(fs *flag.FlagSet, help *bytes.Buffer, args []string, env cli) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		io.Copy(env.stdout, help)
		return 0, false
	case err != nil:
		// the error and where to look, not the whole help
		fmt.Fprintf(env.stderr, "glcontract %s: %v\nRun \"glcontract %s --help\" for the flags and examples.\n", fs.Name(), err, fs.Name())
		return 2, false
	}
	return 0, true
}

type targetFlags struct {
	url, token, project, caCert, group *string
	instance                           *bool
}

func addTarget(fs *flag.FlagSet) targetFlags {
	return targetFlags{
		caCert:   fs.String("ca-cert", "", "also trust the CA certificate(s) in this PEM `FILE` (an instance with a private CA), e.g. --ca-cert /etc/ssl/private-ca.pem"),
		url:      fs.String("url", "", "GitLab root URL (one ending in /api/v4 works too) [$GITLAB_URL], e.g. --url https://gitlab.example.com"),
		token:    fs.String("token", "", "personal access token; prefer $GITLAB_TOKEN, which other users cannot see [$GITLAB_TOKEN], e.g. --token glpat-xxxxxxxxxxxxxxxxxxxx"),
		project:  fs.String("project", "", "project id or full path [$GITLAB_PROJECT]: its clusters, e.g. --project 42 or --project group/project"),
		group:    fs.String("group", "", "the clusters of this group, by `ID` or full path (not its subgroups' or projects'), e.g. --group 12 or --group platform"),
		instance: fs.Bool("instance", false, "the instance's clusters (/admin/clusters): needs an administrator's token, e.g. --instance"),
	}
}

// missingTarget names the target flags a command line lacks.
func missingTarget(url, token string) []string {
	var missing []string
	if url == "" {
		missing = append(missing, "--url (or GITLAB_URL): where GitLab is served, e.g. --url https://gitlab.example.com")
	}
	if token == "" {
		missing = append(missing, "--token (or GITLAB_TOKEN, better: not visible to other users): a personal access token")
	}
	return missing
}

// scopesMissing is the usage error of a command line without the target, the token or the
// clusters to look at: it names what is missing, and only that.
func (t targetFlags) scopesMissing(url, token, project string) string {
	missing := missingTarget(url, token)
	if project == "" && *t.group == "" && !*t.instance {
		missing = append(missing, "the clusters to look at: --project ID|PATH (or GITLAB_PROJECT), --group ID|PATH or --instance")
	}
	if len(missing) == 0 {
		return ""
	}
	return "missing " + strings.Join(missing, "; and ") + "; see --help"
}

func (t targetFlags) resolve(env cli) (string, string, string) {
	pick := func(v *string, name string) string {
		if *v != "" {
			return *v
		}
		return env.getenv(name)
	}
	return pick(t.url, "GITLAB_URL"), pick(t.token, "GITLAB_TOKEN"), pick(t.project, "GITLAB_PROJECT")
}

// checkRun is what a check command line asks for.
type checkRun struct {
	cfg                      contract.Config
	base                     *contract.SavedRun // --baseline, loaded
	baseFile, saveBase       string
	jsonOut, junitOut, mdOut string
}

// parseCheck decides whether the command line makes a run: flags, environment, run id, the
// baseline file and the CA certificate. ok is false when mainCheck should return code.
func parseCheck(args []string, env cli) (run checkRun, code int, ok bool) {
	fs, help := flagSet("check", usageCheck, env)
	target := addTarget(fs)
	write := fs.Bool("write", false, "also create, get, list, edit and delete a cluster and provoke validation errors (needs Maintainer); everything created is deleted before exit, e.g. --write")
	strictMode := fs.Bool("strict", false, "fields and headers the spec does not declare are findings (exit 1), not notes, e.g. --strict")
	fs.StringVar(&run.jsonOut, "json", "", "write the full report as JSON to `FILE`, e.g. --json report.json")
	fs.StringVar(&run.junitOut, "junit", "", "write a JUnit XML report to `FILE` for GitLab CI, e.g. --junit report.xml")
	fs.StringVar(&run.mdOut, "markdown", "", "write a one-page Markdown report to `FILE`, e.g. --markdown upgrade.md")
	fs.StringVar(&run.saveBase, "save-baseline", "", "save the normalised run (repeating read requests to learn volatile fields) to `FILE`, e.g. --save-baseline before.json")
	fs.StringVar(&run.baseFile, "baseline", "", "compare with a run saved by --save-baseline and report drift, e.g. --baseline before.json")
	scenarios := fs.String("scenarios", "", "read scenarios from `DIR` instead of the built-in ones, e.g. --scenarios ./my-scenarios")
	runID := fs.String("run-id", "", "use this run id instead of a new one (names and scopes carry it), e.g. --run-id 20250102t030405-a1b2c3")
	if code, ok := parse(fs, help, args, env); !ok {
		return run, code, false
	}
	url, token, project := target.resolve(env)
	fail := func(msg string) (checkRun, int, bool) {
		msg = contract.NewRedactor(token).String(msg)
		fmt.Fprintln(env.stderr, "glcontract check: "+msg)
		writeAbortedReports(env, msg, run.jsonOut, run.junitOut, run.mdOut)
		return run, 2, false
	}
	if msg := stdoutTwice(map[string]string{"json": run.jsonOut, "junit": run.junitOut, "markdown": run.mdOut}); msg != "" {
		return fail(msg)
	}
	if fs.NArg() > 0 {
		return fail(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if msg := target.scopesMissing(url, token, project); msg != "" {
		return fail(msg)
	}
	if *runID != "" && !contract.ValidRunID(*runID) {
		return fail(fmt.Sprintf("--run-id %q is not like 20250102t030405-a1b2c3", *runID))
	}
	if run.baseFile != "" {
		var err error
		if run.base, err = contract.LoadRun(run.baseFile); err != nil {
			return fail(fmt.Sprintf("--baseline: %v", err))
		}
	}
	client, err := target.client(env)
	if err != nil {
		return fail(err.Error())
	}
	run.cfg = contract.Config{URL: url, Token: token, Project: project, Group: *target.group, Instance: *target.instance, Write: *write, Strict: *strictMode,
		LearnVolatile: run.saveBase != "", Client: client, RunID: *runID}
	if *scenarios != "" {
		run.cfg.Scenarios, run.cfg.ScenarioDir = os.DirFS(*scenarios), "."
	}
	if env.progress {
		run.cfg.Progress = env.stderr
	}
	return run, 0, true
}

func mainCheck(ctx context.Context, args []string, env cli) int {
	c, code, ok := parseCheck(args, env)
	if !ok {
		return code
	}
	rep, err := contract.Run(ctx, c.cfg)
	var ran contract.Result // how the run itself ended, before a comparison that may not be made
	if rep != nil {
		ran = rep.Result
	}
	if rep != nil && c.base != nil {
		rep.CompareWith(c.base, c.baseFile)
		if err == nil && rep.Result == contract.ResultAborted {
			fmt.Fprintf(env.stderr, "glcontract check: --baseline %s: %s\n", c.baseFile, rep.Reason)
		}
	}
	if rep != nil {
		if werr := writeReports(rep, env, c.jsonOut, c.junitOut, c.mdOut); werr != nil {
			fmt.Fprintf(env.stderr, "glcontract check: %v\n", werr)
			return 2
		}
		if c.saveBase != "" && !writeBaseline(rep, ran, c.saveBase, env) {
			return 2
		}
	}
	if err != nil {
		msg := err.Error()
		if rep != nil {
			msg = rep.Redact(msg)
		}
		fmt.Fprintf(env.stderr, "glcontract check: %s\n", msg)
		return 2
	}
	return rep.ExitCode()
}

// writeBaseline saves a completed run (passed, failed or skipped: not an aborted one) for
// --save-baseline and says what it saved; false when it could not.
func writeBaseline(rep *contract.Report, ran contract.Result, file string, env cli) bool {
	saved := rep.SavedRun()
	if saved == nil || (ran != contract.ResultPass && ran != contract.ResultFail && ran != contract.ResultSkipped) {
		return true
	}
	if err := contract.SaveRun(file, saved); err != nil {
		fmt.Fprintf(env.stderr, "glcontract check: --save-baseline: %v\n", err)
		return false
	}
	if saved.APIOff != "" {
		fmt.Fprintf(env.stderr, "glcontract check: saved baseline %s: it records the clusters API as off (%s); a run with --baseline %s once the API is on reports that change\n",
			file, saved.APIOff, file)
	} else {
		fmt.Fprintf(env.stderr, "glcontract check: saved baseline %s: %d exchanges%s\n", file, len(saved.Exchanges), versionSuffix(saved.Target.Version))
	}
	return true
}

// writeReports renders the console report on stdout (or, for a report flag given "-", that
// report instead) and the report files.
func writeReports(rep *contract.Report, env cli, jsonOut, junitOut, mdOut string) error {
	outs := []struct {
		file  string
		write func(io.Writer, *contract.Report) error
	}{{jsonOut, contract.WriteJSON}, {junitOut, contract.WriteJUnit}, {mdOut, contract.WriteMarkdown}}
	toStdout := contract.WriteConsole
	for _, out := range outs {
		if out.file == "-" {
			toStdout = out.write
		}
	}
	if err := toStdout(env.stdout, rep); err != nil {
		return err
	}
	for _, out := range outs {
		if out.file == "" || out.file == "-" {
			continue
		}
		if err := writeFile(out.file, func(w io.Writer) error { return out.write(w, rep) }); err != nil {
			return err
		}
	}
	return nil
}

// stdoutTwice is the usage error of two report flags given "-" ("" when at most one is).
func stdoutTwice(flags map[string]string) string {
	var dash []string
	for _, name := range []string{"json", "junit", "markdown"} {
		if flags[name] == "-" {
			dash = append(dash, "--"+name+" -")
		}
	}
	if len(dash) < 2 {
		return ""
	}
	return strings.Join(dash, " and ") + " all ask for stdout; write all but one of them to a file"
}

// abortedReport is the report of a command line that could not run, for the report files
// it asked for: they carry the reason.
func abortedReport(reason string) *contract.Report {
	return &contract.Report{Tool: "glcontract", Result: contract.ResultAborted, Reason: reason, Steps: []contract.StepResult{}, Findings: []contract.Finding{}}
}

// writeAbortedReports writes the report files (not stdout's) of a command line that could not
// run, each carrying the reason.
func writeAbortedReports(env cli, reason, jsonOut, junitOut, mdOut string) {
	rep := abortedReport(reason)
	for _, out := range []struct {
		file  string
		write func(io.Writer, *contract.Report) error
	}{{jsonOut, contract.WriteJSON}, {junitOut, contract.WriteJUnit}, {mdOut, contract.WriteMarkdown}} {
		if out.file == "" || out.file == "-" {
			continue
		}
		if err := writeFile(out.file, func(w io.Writer) error { return out.write(w, rep) }); err != nil {
			fmt.Fprintf(env.stderr, "glcontract: %v\n", err)
		}
	}
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func mainDiff(args []string, env cli) int {
	fs, help := flagSet("diff", usageDiff, env)
	strictMode := fs.Bool("strict", false, "undocumented fields and headers that appear or go away fail the diff (exit 1) too, e.g. --strict")
	jsonOut := fs.String("json", "", "write the drift as JSON to `FILE`, e.g. --json drift.json")
	junitOut := fs.String("junit", "", "write the drift as JUnit XML to `FILE`, e.g. --junit drift.xml")
	mdOut := fs.String("markdown", "", "write a one-page Markdown report to `FILE`, e.g. --markdown upgrade.md")
	// flags may come after the two files
	var files []string
	rest := args
	for {
		if code, ok := parse(fs, help, rest, env); !ok {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if msg := stdoutTwice(map[string]string{"json": *jsonOut, "junit": *junitOut, "markdown": *mdOut}); msg != "" {
		fmt.Fprintln(env.stderr, "glcontract diff: "+msg)
		writeAbortedReports(env, msg, *jsonOut, *junitOut, *mdOut)
		return 2
	}
	if len(files) != 2 {
		msg := fmt.Sprintf("needs two saved runs, BEFORE.json and AFTER.json (got %d)", len(files))
		writeAbortedReports(env, msg, *jsonOut, *junitOut, *mdOut)
		fmt.Fprint(env.stderr, "glcontract diff: "+msg+"\n\n")
		fs.Usage()
		io.Copy(env.stderr, help)
		return 2
	}
	var runs [2]*contract.SavedRun
	for i, f := range files {
		var err error
		if runs[i], err = contract.LoadRun(f); err != nil {
			fmt.Fprintf(env.stderr, "glcontract diff: %v\n", err)
			writeAbortedReports(env, err.Error(), *jsonOut, *junitOut, *mdOut)
			return 2
		}
	}
	before, after := runs[0], runs[1]
	rep := contract.DiffReport(before, after, files[0], *strictMode)
	if err := writeReports(rep, env, *jsonOut, *junitOut, *mdOut); err != nil {
		fmt.Fprintf(env.stderr, "glcontract diff: %v\n", err)
		return 2
	}
	return rep.ExitCode()
}

func mainSweep(ctx context.Context, args []string, env cli) int {
	fs, help := flagSet("sweep", usageSweep, env)
	target := addTarget(fs)
	runID := fs.String("run-id", "", "only this run's leftovers, e.g. --run-id 20250102t030405-a1b2c3 (default: every glcontract run's)")
	dry := fs.Bool("dry-run", false, "list what would be deleted, delete nothing, e.g. --dry-run")
	if code, ok := parse(fs, help, args, env); !ok {
		return code
	}
	url, token, project := target.resolve(env)
	if msg := target.scopesMissing(url, token, project); msg != "" {
		fmt.Fprintln(env.stderr, "glcontract sweep: "+msg)
		return 2
	}
	client, err := target.client(env)
	if err != nil {
		fmt.Fprintf(env.stderr, "glcontract sweep: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	found, err := contract.Sweep(ctx, contract.SweepConfig{URL: url, Token: token, Project: project, Group: *target.group, Instance: *target.instance, RunID: *runID, DryRun: *dry, Client: client})
	if err != nil {
		fmt.Fprintf(env.stderr, "glcontract sweep: %s\n", contract.NewRedactor(token).String(err.Error()))
		return 2
	}
	failed := 0
	for _, c := range found {
		state := "deleted"
		switch {
		case *dry:
			state = "would delete"
		case !c.Deleted:
			state, failed = "NOT deleted: "+c.Detail, failed+1
		}
		where := ""
		if *target.group != "" || *target.instance {
			where = " in " + c.Where
		}
		fmt.Fprintf(env.stdout, "%s cluster %d %q%s (scope %q, run %s)\n", state, c.ID, c.Name, where, c.EnvironmentScope, c.RunID)
	}
	fmt.Fprintf(env.stdout, "%d leftover(s) of glcontract runs in %s\n", len(found), contract.Target{Project: strings.TrimSpace(project),
		Group: strings.TrimSpace(*target.group), Instance: *target.instance}.Scopes())
	if failed > 0 {
		return 1
	}
	return 0
}

// versionSuffix is " (GitLab 17.11.0)", or "" when the version is unknown.
func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " (GitLab " + v + ")"
}
