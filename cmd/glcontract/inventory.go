package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/glclusters/clustersapi/contract"
)

const usageInventory = `Usage: glcontract inventory --url URL --token TOKEN [--group ID|PATH]... [--project ID|PATH]... [--instance] [--all] [--seed FILE] [flags]

Lists the certificate-based clusters an upgrade that switches the feature off (the default on
self-managed since 15.0) or removes it would affect: where each lives (project or group path,
or the instance), its id and name, whether it is enabled and managed, its environment scope,
and what happens to it. Read-only always: only GET requests are sent.

  --group     the group's own clusters and, through GitLab's discovery endpoint (17.9 and
              later), those of its subgroups and projects where the token's user is a
              Maintainer or higher; before 17.9 only the group's own (give subgroups and
              projects with --group and --project)
  --project   the project's clusters (Developer role or higher)
  --instance  the instance's clusters (an administrator's token)
  --all       every group and project of the instance (GET /groups and GET /projects, which
              list everything for an administrator) and the instance's clusters: nothing
              hides behind discovery's Maintainer rule (an administrator's token)
  --seed      also write a glmock seed of what was read, to rehearse an upgrade:
              glmock --seed FILE --gitlab-version X [--feature certificate_based_clusters=false]
              Every cluster is read on its own route, with its projects, groups, their
              parents, the users and the memberships the token can read. GitLab returns no
              token: each user gets the token rehearsal-<username>, each cluster a placeholder
              Kubernetes token (the seed's metadata says so, and what could not be read)

Examples:
  GITLAB_TOKEN=glpat-... glcontract inventory --url https://gitlab.example.com --instance --group platform
  glcontract inventory --group 12 --project demo-group/demo --json inventory.json --markdown inventory.md

Environment: GITLAB_URL and GITLAB_TOKEN are used when a flag is not given (GITLAB_PROJECT is
not: inventory lists only what its flags name).

` + inventoryExitStatus + `
Flags:
`

// inventoryExitStatus is inventory's verdicts by exit status: in its --help and, verbatim, in both READMEs.
const inventoryExitStatus = `Exit status:
  0  no enabled certificate-based cluster in what was asked (none, or only disabled ones)
  1  enabled clusters found: switching the feature off or removing it cuts them off
  2  usage error; target unreachable; not a GitLab API; target unavailable (429 or 5xx after
     the retries); redirected to another origin (not followed); token refused (401); interrupted
  3  incomplete: something asked could not be read: the clusters API is disabled on the
     instance (flag certificate_based_clusters off; clusters may still exist: switch the flag
     on temporarily to inventory them), --instance without an administrator's token (403), a
     role too low (403), a group or project not found, a list that did not end within 200
     pages (the pages beyond were not read)
  (1 wins over 3: enabled clusters found in one scope while another could not be read is 1)
`

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty value")
	}
	*r = append(*r, strings.TrimSpace(v))
	return nil
}

func mainInventory(ctx context.Context, args []string, env cli) int {
	fs, help := flagSet("inventory", usageInventory, env)
	caCert := fs.String("ca-cert", "", "also trust the CA certificate(s) in this PEM `FILE` (an instance with a private CA), e.g. --ca-cert /etc/ssl/private-ca.pem")
	urlFlag := fs.String("url", "", "GitLab root URL (one ending in /api/v4 works too) [$GITLAB_URL], e.g. --url https://gitlab.example.com")
	token := fs.String("token", "", "personal access token (read_api is enough); prefer $GITLAB_TOKEN [$GITLAB_TOKEN], e.g. --token glpat-xxxxxxxxxxxxxxxxxxxx")
	var groups, projects repeated
	fs.Var(&groups, "group", "a group `ID|PATH` (repeatable), e.g. --group 12 or --group platform")
	fs.Var(&projects, "project", "a project `ID|PATH` (repeatable), e.g. --project 42 or --project group/project")
	instance := fs.Bool("instance", false, "the instance's clusters (an administrator's token), e.g. --instance")
	all := fs.Bool("all", false, "every group, project and instance cluster (an administrator's token), e.g. --all")
	seedOut := fs.String("seed", "", "also write a glmock seed of what was read to `FILE`, e.g. --seed rehearsal.json")
	jsonOut := fs.String("json", "", "write the inventory as JSON to `FILE` (- for stdout, instead of the console table), e.g. --json inventory.json")
	mdOut := fs.String("markdown", "", "write a one-page Markdown inventory to `FILE` (- for stdout, instead of the console table), e.g. --markdown inventory.md")
	if code, ok := parse(fs, help, args, env); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.stderr, "glcontract inventory: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	target := targetFlags{url: urlFlag, token: token, project: new(string), caCert: caCert}
	u, tok, _ := target.resolve(env)
	if missing := missingTarget(u, tok); len(missing) > 0 {
		fmt.Fprintln(env.stderr, "glcontract inventory: missing "+strings.Join(missing, "; and ")+"; see --help")
		return 2
	}
	if len(groups) == 0 && len(projects) == 0 && !*instance && !*all {
		fmt.Fprintln(env.stderr, "glcontract inventory: nothing to inventory: give --group, --project, --instance or --all; see --help")
		return 2
	}
	if *jsonOut == "-" && *mdOut == "-" {
		fmt.Fprintln(env.stderr, "glcontract inventory: --json - and --markdown - both ask for stdout; write one of them to a file")
		return 2
	}
	client, err := target.client(env)
	if err != nil {
		fmt.Fprintf(env.stderr, "glcontract inventory: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cfg := contract.InventoryConfig{URL: u, Token: tok, Groups: groups, Projects: projects, Instance: *instance, All: *all, Client: client}
	var seedFile *os.File
	if *seedOut != "" {
		// written as it is read, to FILE.partial, renamed once whole
		if seedFile, err = os.OpenFile(*seedOut+".partial", os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err != nil {
			fmt.Fprintf(env.stderr, "glcontract inventory: --seed: %v\n", err)
			return 2
		}
		defer os.Remove(seedFile.Name()) // gone once renamed
		defer seedFile.Close()
		cfg.Seed = seedFile
	}
	inv, err := contract.RunInventory(ctx, cfg)
	if err == nil && seedFile != nil {
		if err = seedFile.Close(); err == nil {
			err = os.Rename(seedFile.Name(), *seedOut)
		}
		if err != nil {
			fmt.Fprintf(env.stderr, "glcontract inventory: --seed: %v\n", err)
			return 2
		}
	}
	if err != nil {
		msg := contract.NewRedactor(tok).String(err.Error())
		fmt.Fprintf(env.stderr, "glcontract inventory: %s\n", msg)
		// the report files asked for still say why (stdout's too, for --json - or --markdown -)
		if *jsonOut != "" || *mdOut != "" {
			shown := u
			if pu, perr := url.Parse(u); perr == nil && pu.User != nil {
				pu.User = nil // a password in --url is not shown
				shown = pu.String()
			}
			aborted := contract.AbortedInventory(contract.NewRedactor(tok).String(shown), msg)
			if werr := writeInventory(aborted, env, *jsonOut, *mdOut, false); werr != nil {
				fmt.Fprintf(env.stderr, "glcontract inventory: %v\n", werr)
			}
		}
		return 2
	}
	if err := writeInventory(inv, env, *jsonOut, *mdOut, true); err != nil {
		fmt.Fprintf(env.stderr, "glcontract inventory: %v\n", err)
		return 2
	}
	return inv.Exit
}

// writeInventory renders the console table on stdout (or, for --json - or --markdown -, that
// report instead; console false: no table, for an inventory that could not be made) and the
// report files.
func writeInventory(inv *contract.Inventory, env cli, jsonOut, mdOut string, console bool) error {
	toStdout := contract.WriteInventoryConsole
	if !console {
		toStdout = func(io.Writer, *contract.Inventory) error { return nil }
	}
	switch {
	case jsonOut == "-":
		toStdout = contract.WriteInventoryJSON
	case mdOut == "-":
		toStdout = contract.WriteInventoryMarkdown
	}
	if err := toStdout(env.stdout, inv); err != nil {
		return err
	}
	for _, out := range []struct {
		file  string
		write func(io.Writer, *contract.Inventory) error
	}{{jsonOut, contract.WriteInventoryJSON}, {mdOut, contract.WriteInventoryMarkdown}} {
		if out.file == "" || out.file == "-" {
			continue
		}
		if err := writeFile(out.file, func(w io.Writer) error { return out.write(w, inv) }); err != nil {
			return err
		}
	}
	return nil
}
