# The two commands a user needs: `make run` (the mock on 127.0.0.1:8080) and `make test`.
# `make help` lists every target (the `## ` comment after its name).
GO        ?= go
SHELL     := /bin/bash
# make run: ADDR=HOST:PORT on the make command line sets --addr; otherwise glmock's own default
# (127.0.0.1:8080) or GLMOCK_ADDR applies. ARGS: more glmock flags, e.g. ARGS="--tls-auto .tls".
ADDR      ?=
ARGS      ?=
GLMOCK_BIN ?= bin/glmock
TOOLS     := .tools
REDOCLY   := @redocly/cli@2.77.0
SPECTRAL  := @stoplight/spectral-cli@6.16.3
# Independent OpenAPI validators run by spec_npm_test.go over real glmock traffic.
VALIDATORS := openapi-request-coercer@12.1.3 openapi-request-validator@12.1.3 openapi-response-validator@12.1.3 js-yaml@4.1.0
FUZZTIME  ?= 20s
BENCHTIME ?= 2s
# The shared side-by-side harnesses (wrk throughput, callgrind instructions); see bench-wrk.
BENCH_HARNESS ?= ../shared/bench
BENCH_WRK_TIMEOUT   ?= 20m
BENCH_INSTR_TIMEOUT ?= 15m

.DEFAULT_GOAL := help
.PHONY: help run generate test test-plain fmt-check vet lint validators bench bench-go bench-wrk bench-instr bench-glmock fuzz build docker-build-check clean

help: ## list the targets, one line each
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)/\1\t\2/' | awk -F'\t' '{printf "  %-20s %s\n", $$1, $$2}'

# Builds glmock, then execs it: make's shell becomes glmock (go run would fork it), so a signal
# to make (Ctrl-C, SIGTERM, which make passes to its child) stops glmock; the GLMOCK_*
# environment applies, and ADDR only when given on the make command line.
run: ## the mock on 127.0.0.1:8080 (ADDR=HOST:PORT or GLMOCK_ADDR to move it; flags in ARGS="...")
	$(GO) build -o $(GLMOCK_BIN) ./cmd/glmock
	exec $(GLMOCK_BIN) $(if $(filter command line,$(origin ADDR)),--addr $(ADDR)) $(ARGS)

# After editing openapi.yaml: rewrites internal/specdoc, the spec as Go code glmock starts from
# (parsing the YAML at every start was two thirds of its start-up); tests fail while it is stale.
generate: ## rewrite internal/specdoc from openapi.yaml (after editing the spec)
	$(GO) generate ./internal/specdoc/...

# One line per package as it starts and ends, a line for a test running 30 s or more, and the
# output of whatever failed (internal/testprogress); test-plain is go test's own output.
# Every build here is a -race build (vet -race, the tests, the binaries the tests build, the
# progress reader), so each dependency is compiled once on a cold cache, not once per mode.
# -vet=off: the vet target has already run every analyzer go test would. The race detector
# waits 1 s at every exit of a race-built binary to catch late reports; the tests' own
# subprocesses (glcontract re-runs its test binary as the command) made that seconds per package.
TESTFLAGS := -race -count=1 -vet=off
export GORACE := atexit_sleep_ms=0
test: fmt-check vet ## gofmt check, go vet, go test -race ./... with one line per package
	set -o pipefail; $(GO) test $(TESTFLAGS) -json ./... | $(GO) run -race ./internal/testprogress

test-plain: fmt-check vet ## the same with go test's own output
	$(GO) test $(TESTFLAGS) ./...

fmt-check: ## fail if gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# -race: vet compiles the dependencies as make test's -race builds do, and shares them.
vet: ## go vet -race ./...
	$(GO) vet -race ./...

# The Dockerfile's full build (its `go build` lines, run here), the image's HEALTHCHECK against
# the binary it builds, and glcontract stamped with -X main.version; CI runs it after make test.
# make test checks the Dockerfile's commands with `go build -n`, which builds nothing: these
# builds share nothing with the -race test builds, so on a cold cache they take minutes.
docker-build-check: ## the Dockerfile's full build, the image's healthcheck, glcontract's stamped version
	GLCLUSTERS_DOCKER_BUILD=1 $(GO) test -count=1 -run '^(TestDocker(fileBinaries|Healthcheck)|TestVersionFromLdflags)$$' -v . ./cmd/glcontract

build: ## static binaries bin/glmock and bin/glcontract
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/glmock ./cmd/glmock
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/glcontract ./cmd/glcontract

# Lints openapi.yaml with the linters users run on specs; zero errors and zero warnings.
lint: $(TOOLS)/node_modules/.bin/redocly ## Redocly and Spectral on openapi.yaml and control.yaml
	$(TOOLS)/node_modules/.bin/redocly lint --format=stylish openapi.yaml mockserver/control.yaml
	$(TOOLS)/node_modules/.bin/spectral lint --fail-severity=hint openapi.yaml mockserver/control.yaml

$(TOOLS)/node_modules/.bin/redocly:
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-audit --no-fund --silent --prefix . $(REDOCLY) $(SPECTRAL)

validators: $(TOOLS)/node_modules/openapi-request-coercer/package.json ## install the npm OpenAPI validators the tests run into .tools/

$(TOOLS)/node_modules/openapi-request-coercer/package.json:
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-audit --no-fund --silent --prefix . $(VALIDATORS)

# bench-go: the Go benchmarks (in-process handlers and test-binary subprocesses). bench-wrk and
# bench-instr: the glmock binary as users build and start it (default seed, JSON request log on),
# side by side with a bare net/http server returning canned bytes and kin-openapi in front of
# canned bytes, through the shared harnesses, called as their README shows. bench-wrk adds
# --max-clusters: wrk's POSTs store about 100,000 clusters, and past the default cap of 10,000
# every create is a cheap 400 (counted as errors, the rate meaningless). bench-instr
# exits non-zero when glmock misses the harness's pass lines (GET_MAX, POST_MAX).
bench: bench-go bench-wrk bench-instr ## bench-go, bench-wrk and bench-instr

bench-go: ## the Go benchmarks (about 4 minutes)
	$(GO) test -timeout=15m -run='^$$' -bench=. -benchtime=$(BENCHTIME) -benchmem ./...

bench-glmock: ## build bin/glmock for the benchmarks
	$(GO) build -o bin/glmock ./cmd/glmock

bench-wrk: bench-glmock ## requests/s of the glmock binary with wrk, beside bare servers (shared harness)
	@if [ ! -x $(BENCH_HARNESS)/run.sh ]; then \
	  echo "bench-wrk: SKIPPED: no shared harness at $(BENCH_HARNESS)/run.sh (set BENCH_HARNESS=DIR)"; exit 0; fi; \
	if ! command -v wrk >/dev/null; then echo "bench-wrk: wrk is not installed; apt-get install -y wrk"; \
	  apt-get install -y wrk >/dev/null || { echo "bench-wrk: could not install wrk"; exit 1; }; fi; \
	mkdir -p bin && $(GO) run ./internal/benchseed -clusters 100000 -project 2 -o bin/seed100k.json; \
	export BENCH_TOKEN=maintainer-token GET_PATH=/api/v4/projects/1/clusters POST_PATH=/api/v4/projects/2/clusters/user; \
	timeout $(BENCH_WRK_TIMEOUT) $(BENCH_HARNESS)/run.sh -f /dev/null -r 2 -d 8 \
	  'bare=$$BENCH_BIN/bare -addr 127.0.0.1:$$PORT' 'kin=$$BENCH_BIN/kin -addr 127.0.0.1:$$PORT -spec $$SPEC' \
	  "mock=$$PWD/bin/glmock --addr 127.0.0.1:\$$PORT --max-clusters 1000000" \
	  "mock100k=$$PWD/bin/glmock --addr 127.0.0.1:\$$PORT --max-clusters 1000000 --seed $$PWD/bin/seed100k.json"

bench-instr: bench-glmock ## instructions per request under callgrind (shared harness)
	@if [ ! -x $(BENCH_HARNESS)/instr/run.sh ]; then \
	  echo "bench-instr: SKIPPED: no shared harness at $(BENCH_HARNESS)/instr/run.sh (set BENCH_HARNESS=DIR)"; exit 0; fi; \
	if ! command -v valgrind >/dev/null; then echo "bench-instr: valgrind is not installed; apt-get install -y valgrind"; \
	  apt-get install -y valgrind >/dev/null || { echo "bench-instr: could not install valgrind"; exit 1; }; fi; \
	timeout $(BENCH_INSTR_TIMEOUT) $(BENCH_HARNESS)/instr/run.sh .

fuzz: ## every fuzz target, FUZZTIME=20s each
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list='^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=1s $$pkg || exit 1; \
	  done; \
	done

clean: ## remove bin/ and .tools/
	rm -rf bin $(TOOLS)
