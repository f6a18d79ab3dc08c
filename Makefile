# agentalerts build entry points. `make test` is THE test command: CI
# (.ci/run) and the README both use it, so what passes here passes there.

GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 60s
BENCHTIME ?= 1s
E2E_TIMEOUT ?= 9m
BIN       ?= bin/agentalerts
# make release: the version stamped into the binaries (agentalerts version
# prints it), the platforms built and where they go.
VERSION   ?= $(shell git describe --tags --match 'v*' --always --dirty 2>/dev/null || echo unknown)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
DIST      ?= dist

# Recipes are bash so that pipefail and arrays work in the loops below.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

.PHONY: build test e2e bench lint install release docs fuzz clean help precision mutants

help: ## list targets
	@grep -E '^[a-z][a-z0-9-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

build: ## compile the CLI into bin/agentalerts
	$(GO) build -o $(BIN) .

test: ## every test of every package, then the skipped ones and why (tools skip locally, fail under CI=true)
	$(GO) test -count=1 -timeout 20m -json $(PKGS) | $(GO) run ./internal/testreport

e2e: ## end-to-end tests: real Prometheus, and VictoriaMetrics + vmagent + vmalert, with Alertmanager and amtool (build tag e2e)
	$(GO) test -tags e2e -count=1 -v -timeout $(E2E_TIMEOUT) ./e2e/...

# corpusbench (bench/corpusbench) builds the CLI and times lint against
# promtool and the parse floor on 1x, 5x and 20x of ../shared/corpus/valid,
# and generate on 1,000 services; it says why and skips when the corpus or
# promtool is missing. Pass flags with CORPUSBENCH_FLAGS, e.g. -strict.
bench: ## corpus benchmark (docs/performance.md), then every go test benchmark
	$(GO) run ./bench/corpusbench $(CORPUSBENCH_FLAGS)
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) $(PKGS)

# precision (bench/precision) lints each production source of
# ../shared/corpus/valid on its own with no config and prints warnings per
# 100 rules per source and per check, and each check's precision against
# the judged findings of testdata/lint/precision (docs/checks/README.md).
precision: ## findings per 100 public rules and judged precision per check
	$(GO) run ./bench/precision

lint: ## gofmt must list nothing; go vet (with the e2e tag, so e2e code is vetted too)
	@files="$$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')"; \
	out="$$(if [ -n "$$files" ]; then gofmt -l $$files; fi)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags e2e $(PKGS)

install: ## go install the CLI into GOBIN (the version is the checkout's pseudo-version)
	$(GO) install .

# Static binaries (CGO_ENABLED=0) named agentalerts_VERSION_OS_ARCH[.exe],
# built with -trimpath so they do not carry this machine's paths, and a
# SHA256SUMS file that `sha256sum -c` checks. DIST is emptied first so the
# checksums never list a binary of an earlier version.
release: ## versioned binaries for PLATFORMS with SHA256SUMS into DIST (VERSION=v1.2.3)
	@case "$(VERSION)" in ""|*/*|*" "*) echo "VERSION must be one word without /, e.g. v1.2.3"; exit 2;; esac
	rm -rf "$(DIST)" && mkdir -p "$(DIST)"
	@for p in $(PLATFORMS); do \
		os="$${p%/*}"; arch="$${p#*/}"; ext=""; \
		if [ "$$os" = windows ]; then ext=.exe; fi; \
		out="$(DIST)/agentalerts_$(VERSION)_$${os}_$${arch}$$ext"; \
		echo "build $$out"; \
		CGO_ENABLED=0 GOOS="$$os" GOARCH="$$arch" $(GO) build -trimpath \
			-ldflags "-s -w -X github.com/agentalerts/agentalerts/cmd.version=$(VERSION)" -o "$$out" .; \
	done
	cd "$(DIST)" && sha256sum agentalerts_* > SHA256SUMS
	@echo "$(DIST)/SHA256SUMS:"; cat "$(DIST)/SHA256SUMS"

# Every generated document (docs/cli, docs/checks, docs/presets.md,
# docs/spec.schema.json, the defaults tables of docs/spec.md and the
# README) comes from one generator, internal/docgen; its test
# TestGeneratedDocs fails when any of them is stale.
docs: ## regenerate every generated doc (docs/cli, docs/checks, docs/presets.md, docs/spec.schema.json, defaults tables)
	$(GO) run ./internal/docgen/cmd/docgen

# Each Fuzz* function runs alone for FUZZTIME (go test allows one -fuzz
# target per run). Found by grep so targets added later are picked up.
fuzz: ## run every Fuzz* target for FUZZTIME each (default 60s)
	@found=0; \
	while IFS=: read -r file fn; do \
		found=1; dir="./$$(dirname "$$file")"; \
		echo "== $$dir $$fn ($(FUZZTIME))"; \
		$(GO) test "$$dir" -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME); \
	done < <(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . \
		| sed -E 's#^\./##; s#:func #:#' | sort -u); \
	if [ $$found = 0 ]; then echo "no Fuzz* targets yet"; fi

clean: ## remove build output
	rm -rf bin

# The mutation tester (internal/mutants, docs/mutants.md): breaks each
# generated rule one way at a time and counts the mutants the generated
# tests catch, under our runner and promtool. CPU heavy; MUTANTS_FLAGS
# passes flags, e.g. -runners agentalerts or -parallel 1.
mutants: ## mutation score of the generated tests (default example, testdata/mutants/*.spec.yaml)
	$(GO) run ./internal/mutants/cmd/mutants -min 0.95 $(MUTANTS_FLAGS)
