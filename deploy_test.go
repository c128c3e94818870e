package clustersapi_test

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v4"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// The deployment files are tested here as far as a machine without a Docker engine allows:
// the Dockerfile's build commands run on the host, its invariants are read from the file,
// docker-compose.yml goes through `docker-compose config`, and the binary's healthcheck
// subcommand (the image's HEALTHCHECK) is run against a real glmock.

// dockerStage is one FROM … stage of a Dockerfile, its instructions joined and in order.
type dockerStage struct {
	from, name   string
	instructions []dockerInstruction
}

type dockerInstruction struct{ cmd, args string } // cmd upper-cased

// parseDockerfile reads the instructions (continuation lines joined, comments dropped) by stage.
func parseDockerfile(t *testing.T, path string) []dockerStage {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var stages []dockerStage
	var logical strings.Builder
	flush := func() {
		line := strings.TrimSpace(logical.String())
		logical.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := dockerInstruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := dockerStage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			return
		}
		require.NotEmpty(t, stages, "%s: %q before FROM", path, line)
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, in)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue // a comment, also inside a continued instruction
		}
		if cont, ok := strings.CutSuffix(strings.TrimRight(line, " \t\r"), `\`); ok {
			logical.WriteString(cont + " ")
			continue
		}
		logical.WriteString(line)
		flush()
	}
	flush()
	require.GreaterOrEqual(t, len(stages), 2, "a multi-stage Dockerfile")
	return stages
}

func (s dockerStage) all(cmd string) []string {
	var out []string
	for _, in := range s.instructions {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// goBuilds returns the build stage's `go build` commands, as its RUN lines give them.
func goBuilds(t *testing.T, build dockerStage) []string {
	t.Helper()
	var out []string
	for _, run := range build.all("RUN") {
		// RUN flags such as --mount=type=cache,… come before the command.
		for strings.HasPrefix(run, "--") {
			_, run, _ = strings.Cut(run, " ")
			run = strings.TrimSpace(run)
		}
		for _, part := range regexp.MustCompile(`&&|;`).Split(run, -1) {
			if part = strings.TrimSpace(part); strings.Contains(part, "go build") {
				out = append(out, part)
			}
		}
	}
	require.NotEmpty(t, out, "no `go build` in the build stage %q", build.name)
	return out
}

var outputFlag = regexp.MustCompile(`(^|\s)-o\s+(\S+)`)

// TestDockerfileBuildCommands runs each of the Dockerfile's build commands with -n, the output
// path rewritten: go build prints its plan and builds nothing, so this is cheap on a cold build
// cache, yet the command parses, its package, modules and flags resolve, and the plan links a
// stripped binary (-s -w). A CGO_ENABLED=0 build's dependencies have no runtime/cgo: static.
// The full build is TestDockerfileBinaries (make docker-build-check, which CI runs).
func TestDockerfileBuildCommands(t *testing.T) {
	for _, command := range goBuilds(t, parseDockerfile(t, "Dockerfile")[0]) {
		m := outputFlag.FindStringSubmatch(command)
		require.NotNil(t, m, "%q: no -o output path", command)
		name := filepath.Base(m[2])
		t.Run(name, func(t *testing.T) {
			local := localBuild(t, command, t.TempDir())
			plan := strings.Replace(local, "go build", "go build -n", 1)
			out, err := testproc.CommandTimeout(t, 2*time.Minute, "/bin/sh", "-c", plan).CombinedOutput()
			require.NoError(t, err, "%s\n%s", plan, out)
			link := linkStep.FindString(string(out))
			require.NotEmpty(t, link, "%s: no link step in the plan\n%s", plan, out)
			assert.Contains(t, link, " -buildmode=exe ", plan)
			assert.Regexp(t, `\s-s -w(\s|$)`, link, "%s: the link step does not strip the binary", plan)

			if strings.Contains(command, "CGO_ENABLED=0") {
				list := strings.Replace(outputFlag.ReplaceAllString(command, "$1"), "go build", "go list -deps", 1)
				deps, err := testproc.CommandTimeout(t, 2*time.Minute, "/bin/sh", "-c", list).Output()
				require.NoError(t, err, list)
				assert.NotContains(t, strings.Fields(string(deps)), "runtime/cgo", "%s: links cgo, not static", list)
			}
		})
	}
}

// linkStep is the link command of a `go build -n` plan.
var linkStep = regexp.MustCompile(`(?m)^.*/pkg/tool/[^/\s]+/link .*$`)

// dockerBuildEnv makes the full Dockerfile build tests run (make docker-build-check): they
// compile every dependency again (-trimpath and CGO_ENABLED=0 share nothing with go test's
// builds), which takes minutes on a cold cache, so make test leaves them to that target.
const dockerBuildEnv = "GLCLUSTERS_DOCKER_BUILD"

func needDockerBuild(t *testing.T) {
	t.Helper()
	if os.Getenv(dockerBuildEnv) != "1" {
		t.Skip("full Dockerfile build: run make docker-build-check (CI runs it)")
	}
}

// TestDockerfileBinaries runs the Dockerfile's build commands here, only the output path
// rewritten, and checks that each binary is static and stripped.
func TestDockerfileBinaries(t *testing.T) {
	needDockerBuild(t)
	for _, command := range goBuilds(t, parseDockerfile(t, "Dockerfile")[0]) {
		name := filepath.Base(outputFlag.FindStringSubmatch(command)[2])
		t.Run(name, func(t *testing.T) {
			assertStatic(t, dockerBinary(t, command))
		})
	}
}

// builtDir holds the binaries the full build tests built, once per command for both tests.
var built struct {
	sync.Mutex
	dir  string
	bins map[string]string // command -> binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// dockerBinary runs one of the Dockerfile's build commands in the repository (the image's
// WORKDIR holds a copy of it), the output written to a directory of this test binary, and
// returns the binary; a second call for the same command reuses it.
func dockerBinary(t *testing.T, command string) string {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if bin, ok := built.bins[command]; ok {
		return bin
	}
	if built.dir == "" {
		dir, err := os.MkdirTemp("", "dockerfile-build")
		require.NoError(t, err)
		built.dir, built.bins = dir, map[string]string{}
	}
	local := localBuild(t, command, built.dir)
	// A first -trimpath build compiles every dependency: a few minutes on a cold cache.
	out, err := testproc.CommandTimeout(t, 15*time.Minute, "/bin/sh", "-c", local).CombinedOutput()
	require.NoError(t, err, "%s\n%s", local, out)
	bin := filepath.Join(built.dir, filepath.Base(outputFlag.FindStringSubmatch(command)[2]))
	built.bins[command] = bin
	return bin
}

// localBuild is command with its output written to dir; it skips when the package has no Go
// files yet.
func localBuild(t *testing.T, command, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		testproc.NeedTool(t, "the go command", err)
	}
	fields := strings.Fields(command)
	if pkg := fields[len(fields)-1]; !hasGoFiles(t, pkg) {
		t.Skipf("%s has no Go files yet; %q cannot build", pkg, command)
	}
	m := outputFlag.FindStringSubmatch(command)
	require.NotNil(t, m, "%q: no -o output path", command)
	bin := filepath.Join(dir, filepath.Base(m[2]))
	return outputFlag.ReplaceAllLiteralString(command, m[1]+"-o '"+bin+"'")
}

func hasGoFiles(t *testing.T, pkg string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(filepath.FromSlash(pkg), "*.go"))
	require.NoError(t, err)
	return slices.ContainsFunc(files, func(f string) bool { return !strings.HasSuffix(f, "_test.go") })
}

// assertStatic: an ELF with no interpreter and no shared libraries, without a symbol table
// (-s) or DWARF (-w).
func assertStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "%s has a program interpreter: dynamically linked", bin)
	}
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	assert.Empty(t, libs, "%s needs shared libraries", bin)
	assert.Nil(t, f.Section(".symtab"), "%s has a symbol table: not built with -s", bin)
	assert.Nil(t, f.Section(".debug_info"), "%s has DWARF: not built with -w", bin)
	if file, err := exec.LookPath("file"); err == nil {
		out, err := testproc.CommandTimeout(t, time.Minute, file, "-b", bin).Output()
		require.NoError(t, err)
		assert.Contains(t, string(out), "statically linked", "file(1) on %s", bin)
	}
}

// TestDockerfileInvariants checks what the image promises: static builds, a non-root user,
// 0.0.0.0:8080 exposed, and a HEALTHCHECK that runs the binary's own healthcheck.
func TestDockerfileInvariants(t *testing.T) {
	stages := parseDockerfile(t, "Dockerfile")
	build, final := stages[0], stages[len(stages)-1]

	assert.True(t, strings.HasPrefix(build.from, "golang:1.26"), "build stage FROM %q, want golang:1.26…", build.from)
	assert.NotEmpty(t, build.name, "the build stage is named (FROM … AS name)")
	for _, command := range goBuilds(t, build) {
		assert.Contains(t, command, "CGO_ENABLED=0", "%q: a static build needs CGO_ENABLED=0", command)
		assert.Contains(t, command, "-trimpath", command)
		assert.Contains(t, command, "-ldflags='-s -w'", command)
	}
	assert.Contains(t, goBuilds(t, build), "CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/glmock ./cmd/glmock",
		"the same build command as `make build`")

	assert.Regexp(t, `^(gcr\.io/distroless/static[-\w]*:nonroot|scratch)$`, final.from, "a minimal final image")
	users := final.all("USER")
	require.NotEmpty(t, users, "the final stage sets USER")
	user := strings.SplitN(users[len(users)-1], ":", 2)[0]
	assert.NotContains(t, []string{"root", "0", ""}, user, "USER %q is root", users[len(users)-1])
	if uid, err := strconv.Atoi(user); err == nil {
		assert.Positive(t, uid, "USER is a non-root uid")
	}

	assert.Contains(t, final.all("EXPOSE"), "8080")
	assert.Contains(t, final.all("ENV"), "GLMOCK_ADDR=0.0.0.0:8080", "listens on all interfaces inside the container")

	hc := final.all("HEALTHCHECK")
	require.Len(t, hc, 1, "one HEALTHCHECK in the final stage")
	assert.Regexp(t, `CMD \["/glmock",\s*"healthcheck"`, hc[0], "the HEALTHCHECK runs glmock's own check (no curl in the image)")
	assert.Contains(t, final.all("ENTRYPOINT"), `["/glmock"]`)

	// Every binary the final stage copies is one the build stage builds.
	built := map[string]bool{}
	for _, command := range goBuilds(t, build) {
		built[outputFlag.FindStringSubmatch(command)[2]] = true
	}
	for _, cp := range final.all("COPY") {
		f := strings.Fields(cp)
		if !strings.HasPrefix(f[0], "--from=") {
			continue
		}
		for _, src := range f[1 : len(f)-1] {
			if strings.HasPrefix(src, "--") || src == "/out/data" || src == "/out/tls" {
				continue
			}
			assert.True(t, built[src], "COPY %s: not built by the build stage", src)
		}
	}

	ignore, err := os.ReadFile(".dockerignore")
	require.NoError(t, err)
	for _, must := range []string{".git", ".tools", "bin"} {
		assert.Contains(t, strings.Fields(string(ignore)), must, ".dockerignore keeps %s out of the build context", must)
	}
}

// TestComposeConfig runs Debian's docker-compose (1.29) over docker-compose.yml: the file is
// valid, the mock has its health check and the suite waits for it.
func TestComposeConfig(t *testing.T) {
	compose, err := exec.LookPath("docker-compose")
	if err != nil {
		testproc.NeedTool(t, "docker-compose (.ci/run installs Debian's)", err)
	}
	cmd := testproc.CommandTimeout(t, time.Minute, compose, "-f", "docker-compose.yml", "config")
	// Interpolation must not depend on the caller's environment.
	cmd.Env = environWithout("GLMOCK_", "COMPOSE_", "DOCKER_")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "docker-compose config: %s", stderr.String())
	assert.NotContains(t, stderr.String(), "WARNING", "docker-compose config warns")

	cfg := string(out)
	for _, want := range []string{
		"healthcheck:", "- /glmock", "- healthcheck",
		"depends_on:", "condition: service_healthy",
		"127.0.0.1:8080:8080", "GLMOCK_ADDR: 0.0.0.0:8080", "glmock-data:/data",
		"- /glcontract", "- check", "- --write", "GITLAB_URL: http://glmock:8080", "GITLAB_PROJECT: '1'",
		"restart: unless-stopped", "GLMOCK_EXTERNAL_URL: http://glmock:8080", "GLMOCK_TLS_AUTO: /tls", "glmock-ca:/tls",
	} {
		assert.Contains(t, cfg, want, "docker-compose config output")
	}
}

// TestDockerHealthcheck runs `glmock healthcheck` (the image's HEALTHCHECK) against a real
// glmock, built with the Dockerfile's command: 0 when /-/health answers 200, 1 otherwise.
func TestDockerHealthcheck(t *testing.T) {
	needDockerBuild(t)
	var command string
	for _, c := range goBuilds(t, parseDockerfile(t, "Dockerfile")[0]) {
		if strings.HasSuffix(c, "./cmd/glmock") {
			command = c
		}
	}
	require.NotEmpty(t, command, "the Dockerfile builds ./cmd/glmock")
	bin := dockerBinary(t, command)

	run := func(timeout time.Duration, env []string, args ...string) (int, string) {
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		cmd := testproc.CommandTimeout(t, timeout, bin, args...)
		cmd.Env = append(environWithout("GLMOCK_"), env...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case ctx.Err() != nil:
			return -1, string(out)
		case errors.As(err, &exit):
			return exit.ExitCode(), string(out)
		case err != nil:
			t.Fatalf("%s %v: %v", bin, args, err)
		}
		return 0, string(out)
	}

	// A glmock without the subcommand would ignore "healthcheck" and serve: hence the
	// throwaway address and the timeout.
	code, out := run(10*time.Second, []string{"GLMOCK_ADDR=127.0.0.1:0"}, "healthcheck", "--help")
	require.Equal(t, 0, code, "`glmock healthcheck --help`\n%s", out)
	require.Contains(t, out, "-url", "`glmock healthcheck --help`")

	addr := freeAddr(t)
	srv := testproc.Command(t, bin)
	srv.Env = append(environWithout("GLMOCK_"), "GLMOCK_ADDR="+addr)
	var logs bytes.Buffer
	srv.Stdout, srv.Stderr = &logs, &logs
	require.NoError(t, srv.Start())
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	t.Cleanup(func() {
		_ = srv.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = srv.Process.Kill()
			<-done
		}
	})
	health := "http://" + addr + "/-/health"
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(health)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("glmock with GLMOCK_ADDR=%s exited: %v\n%s", addr, err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("glmock with GLMOCK_ADDR=%s: %s not up after 30s\n%s", addr, health, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	code, out = run(10*time.Second, nil, "healthcheck", "--url", health)
	assert.Equal(t, 0, code, "healthcheck against a healthy glmock\n%s", out)

	// The image's HEALTHCHECK has no --url: it follows GLMOCK_ADDR, 0.0.0.0 read as 127.0.0.1.
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	code, out = run(10*time.Second, []string{"GLMOCK_ADDR=0.0.0.0:" + port}, "healthcheck")
	assert.Equal(t, 0, code, "healthcheck with GLMOCK_ADDR=0.0.0.0:%s, as in the image\n%s", port, out)

	code, out = run(10*time.Second, nil, "healthcheck", "--url", "http://"+addr+"/no-such-page")
	assert.Equal(t, 1, code, "healthcheck against a 404\n%s", out)

	closed := freeAddr(t) // nothing listens there any more
	start := time.Now()
	code, out = run(10*time.Second, nil, "healthcheck", "--url", "http://"+closed+"/-/health")
	assert.Equal(t, 1, code, "healthcheck against a closed port\n%s", out)
	assert.Less(t, time.Since(start), 5*time.Second, "a failing healthcheck returns promptly")

	// A server that accepts and never answers: the 2 s timeout applies.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start = time.Now()
	code, out = run(10*time.Second, nil, "healthcheck", "--url", "http://"+ln.Addr().String()+"/-/health")
	assert.Equal(t, 1, code, "healthcheck against a server that never answers\n%s", out)
	assert.Less(t, time.Since(start), 5*time.Second, "the healthcheck times out after about 2 s")
}

// environWithout is the test's environment without the variables of those prefixes.
func environWithout(prefixes ...string) []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(kv, p) })
	})
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// composeFile is what TestComposeStaysUp reads of docker-compose.yml.
type composeFile struct {
	Services map[string]struct {
		Build       any               `yaml:"build"`
		Image       string            `yaml:"image"`
		Restart     string            `yaml:"restart"`
		Profiles    []string          `yaml:"profiles"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   map[string]any    `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestComposeStaysUp reads docker-compose.yml and the README: glmock does not end with the
// check (the check is a one-shot service in a profile that nothing always started depends on,
// glmock restarts unless stopped, and no documented command stops the mock when the check
// ends); one image, built once, with one tag everywhere; web_url at the service's name; the
// HTTPS service keeps its CA on a named volume; the README and the file give the same commands,
// in Compose v2's syntax.
func TestComposeStaysUp(t *testing.T) {
	raw, err := os.ReadFile("docker-compose.yml")
	require.NoError(t, err)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(raw, &c))
	const tag = "glclusters/glmock:dev"

	glmock, ok := c.Services["glmock"]
	require.True(t, ok, "a glmock service")
	assert.Empty(t, glmock.Profiles, "glmock starts with a plain `docker compose up`")
	assert.Equal(t, "unless-stopped", glmock.Restart, "glmock stays up")
	assert.Equal(t, "http://glmock:8080", glmock.Environment["GLMOCK_EXTERNAL_URL"], "web_url at the service's name")
	assert.NotContains(t, glmock.DependsOn, "contract", "glmock does not wait for the check")

	contract, ok := c.Services["contract"]
	require.True(t, ok, "a contract service")
	assert.NotEmpty(t, contract.Profiles, "the check is in a profile: `up` does not start it")
	builds := 0
	for name, s := range c.Services {
		assert.Equal(t, tag, s.Image, "%s: one image, one tag", name)
		if s.Build != nil {
			builds++
			assert.Equal(t, "glmock", name, "the image is built by the glmock service")
		}
		if len(s.Profiles) == 0 {
			assert.NotContains(t, s.DependsOn, "contract", "%s, always started, depends on the one-shot check", name)
		}
	}
	assert.Equal(t, 1, builds, "one build: for the one image")

	tlsSvc, ok := c.Services["glmock-tls"]
	require.True(t, ok, "an HTTPS glmock")
	dir := tlsSvc.Environment["GLMOCK_TLS_AUTO"]
	require.NotEmpty(t, dir)
	assert.Equal(t, "unless-stopped", tlsSvc.Restart)
	var caVolume string
	for _, v := range tlsSvc.Volumes {
		if name, mount, _ := strings.Cut(v, ":"); strings.TrimSuffix(mount, ":ro") == dir {
			caVolume = name
		}
	}
	assert.Contains(t, c.Volumes, caVolume, "the CA directory %s is a named volume other services can mount", dir)
	assert.True(t, strings.HasPrefix(tlsSvc.Environment["GLMOCK_EXTERNAL_URL"], "https://glmock-tls:"), "web_url at the service's name, https")

	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, doc := range []struct{ name, text string }{{"README.md", string(readme)}, {"docker-compose.yml", string(raw)}} {
		for _, never := range []string{"--exit-code-from", "--abort-on-container-exit", "docker-compose up", "docker-compose run", "docker-compose down"} {
			assert.NotContains(t, doc.text, never, "%s", doc.name)
		}
		for _, cmd := range []string{"docker compose up -d --build", "docker compose run --rm contract", "docker compose --profile tls up -d", "docker compose down"} {
			assert.Contains(t, doc.text, cmd, "%s documents the command", doc.name)
		}
	}
	dockerfile, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	assert.Contains(t, string(dockerfile), "docker build -t "+tag+" .")
	assert.NotRegexp(t, `docker build -t glmock\b`, string(dockerfile)+string(readme))
}
