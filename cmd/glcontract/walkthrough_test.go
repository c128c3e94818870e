package main

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// walkthroughCommands is the README's rehearsal walkthrough: the command lines of the sh block
// after its marker.
func walkthroughCommands(t *testing.T) []string {
	raw, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	text := string(raw)
	i := strings.Index(text, "<!-- rehearsal-walkthrough")
	require.NotEqual(t, -1, i, "the README has the walkthrough")
	block := text[i:]
	block = block[strings.Index(block, "```sh\n")+len("```sh\n"):]
	block = block[:strings.Index(block, "```")]
	var cmds []string
	for _, line := range strings.Split(block, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// TestREADMERehearsalWalkthrough runs the README's walkthrough as written: glcontract lines
// through the CLI in-process, glmock lines as an in-process glmock with the same flags, the
// instance being a rich glmock (https://gitlab.example.com and glpat-admin stand for it).
func TestREADMERehearsalWalkthrough(t *testing.T) {
	cmds := walkthroughCommands(t)
	t.Chdir(t.TempDir()) // the walkthrough's files are relative
	_, instance := mocktest.StartServer(t, mockserver.WithSeed(richSeed()), mockserver.WithExternalURL(rehearsalExternal))
	urls := map[string]string{"https://gitlab.example.com": instance.URL}
	secrets := map[string]string{"glpat-admin": "first-root-secret"}
	var codes []int
	for _, line := range cmds {
		for from, to := range urls {
			line = strings.ReplaceAll(line, from, to)
		}
		env := map[string]string{}
		args := strings.Fields(line)
		for len(args) > 0 && strings.Contains(args[0], "=") {
			k, v, _ := strings.Cut(args[0], "=")
			if s, ok := secrets[v]; ok {
				v = s
			}
			env[k], args = v, args[1:]
		}
		switch args[0] {
		case "glcontract":
			res := glcontract(t, env, args[1:]...)
			t.Logf("%s\n→ exit %d\n%s%s", line, res.code, res.stdout, res.stderr)
			codes = append(codes, res.code)
		case "glmock":
			fs := flag.NewFlagSet("glmock", flag.ContinueOnError)
			seedFile, version, addr := fs.String("seed", "", ""), fs.String("gitlab-version", "", ""), fs.String("addr", "", "")
			opts := []mockserver.Option{}
			fs.Func("feature", "", func(v string) error {
				name, val, _ := strings.Cut(v, "=")
				on, err := strconv.ParseBool(val)
				opts = append(opts, mockserver.WithFeature(name, on))
				return err
			})
			require.NoError(t, fs.Parse(args[1:]), line)
			seed, err := mockserver.LoadSeed(*seedFile) // as glmock --seed reads it
			require.NoError(t, err, line)
			opts = append(opts, mockserver.WithSeed(seed), mockserver.WithGitLabVersion(*version))
			_, srv := mocktest.StartServer(t, opts...)
			urls["http://"+*addr] = srv.URL
		default:
			t.Fatalf("the walkthrough runs glcontract and glmock only: %s", line)
		}
	}
	// inventory: enabled clusters (1); check with the flag on: conformant (0); with it off,
	// against the flag-on baseline: drift (1)
	require.Equal(t, []int{1, 0, 1}, codes)
	md, err := os.ReadFile("upgrade.md")
	require.NoError(t, err)
	require.Contains(t, string(md), "disabled")
	raw, err := os.ReadFile("rehearsal.json")
	require.NoError(t, err)
	require.NotContains(t, string(raw), "first-root-secret")
}
