# Jardam: build, run and test.
#
#   make run    build, start a private PostgreSQL under .data/ (unless
#               DATABASE_URL is set), migrate, seed demo data, serve :8080
#   make test   the whole suite (linters, Go vet, unit and integration tests
#               against PostgreSQL, then the web app's tests when it exists)
#   make lint   the linters alone (Go, the API description, the web app)
#
# Go 1.26.8 has known net/http and crypto/tls vulnerabilities: every go
# command here runs with the toolchain below (fetched by go on first use).
export GOTOOLCHAIN := go1.27.3

GO       ?= go
BIN      := bin/jardam
FRONTEND := frontend
PG_PORT  ?= 54329

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

.PHONY: all build frontend-build run test test-go test-deploy test-web test-e2e bench psql clean clean-data vulncheck lint lint-go lint-openapi lint-web

# Security checks. Tools and the vulnerability database are pinned, and
# cached under .data/ after the first run. golang.org/x/vulndb has
# pseudo-versions only: a new advisory reaches the build when this line
# changes (go list -m golang.org/x/vulndb@latest names the newest), never by
# itself.
GOVULNCHECK_VERSION   := v1.10.0
GOLANGCI_LINT_VERSION := v2.15.0
VULNDB_VERSION        := v0.0.0-20261105234957-e22db6528018
TOOLS_DIR     := .data/tools
GOVULNCHECK   := $(TOOLS_DIR)/govulncheck@$(GOVULNCHECK_VERSION)/govulncheck
GOLANGCI_LINT := $(TOOLS_DIR)/golangci-lint@$(GOLANGCI_LINT_VERSION)/golangci-lint
VULNDB_DIR    := .data/vulndb/$(VULNDB_VERSION)

all: build

## build: the web app (when frontend/package.json exists), then bin/jardam
build: frontend-build
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/jardam

frontend-build:
	@if [ -f $(FRONTEND)/package.json ]; then \
		echo "==> web app ($(FRONTEND))"; \
		cd $(FRONTEND) && npm ci && npm run build; \
	fi

## run: serve locally in development mode (see .ci/run-local.sh)
run: build
	JARDAM_PG_PORT=$(PG_PORT) bash .ci/run-local.sh

## test: everything .ci/run runs
test: lint vulncheck test-go test-deploy test-web test-e2e

## lint: every linter; each can run alone (make lint-go, lint-openapi, lint-web)
lint: lint-go lint-openapi lint-web

## lint-go: golangci-lint over every Go package, tests included, with the
## linters, gosec's triage and their reasons in .golangci.yml; a single
## finding is fixed or carries `//nolint:LINTER // why`
lint-go: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

## lint-openapi: Redocly (pinned in .ci/openapi-lint/package.json) over the
## API description as the server serves it; rules in redocly.yaml
lint-openapi:
	@mkdir -p .data/openapi
	$(GO) run ./.ci/openapi-json .data/openapi/openapi.json
	cd .ci/openapi-lint && npm ci --no-audit --no-fund --prefer-offline --silent
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		.ci/openapi-lint/node_modules/.bin/redocly lint --format=stylish

## lint-web: the web app's linters (npm run lint), once it has a lint script
lint-web:
	@if [ -f $(FRONTEND)/package.json ] && grep -q '"lint"' $(FRONTEND)/package.json; then \
		echo "==> web app linters"; \
		cd $(FRONTEND) && npm ci --no-audit --no-fund --prefer-offline && npm run lint; \
	else \
		echo "lint-web: no lint script in $(FRONTEND)/package.json yet, skipping"; \
	fi

## vulncheck: govulncheck (binary mode, offline database built from the
## pinned golang.org/x/vulndb module) fails on a called vulnerability not
## listed with its reason in .ci/vulncheck-allow.txt (gosec runs in lint-go)
vulncheck: $(GOVULNCHECK) $(VULNDB_DIR)/index/modules.json
	@mkdir -p .data/vulncheck
	CGO_ENABLED=0 $(GO) build -trimpath -o .data/vulncheck/jardam ./cmd/jardam
	$(GOVULNCHECK) -db file://$(CURDIR)/$(VULNDB_DIR) -mode binary -format json .data/vulncheck/jardam > .data/vulncheck/report.json
	$(GO) run ./.ci/vulndb check .ci/vulncheck-allow.txt < .data/vulncheck/report.json

$(GOVULNCHECK):
	GOBIN=$(CURDIR)/$(dir $@) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

$(GOLANGCI_LINT):
	GOBIN=$(CURDIR)/$(dir $@) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

# The database module comes through the module proxy like any module
# (downloaded outside this module, so go.mod and go.sum stay as they are).
$(VULNDB_DIR)/index/modules.json:
	cd "$$(mktemp -d)" && $(GO) mod download golang.org/x/vulndb@$(VULNDB_VERSION)
	$(GO) run ./.ci/vulndb build "$$($(GO) env GOMODCACHE)/golang.org/x/vulndb@$(VULNDB_VERSION)" $(VULNDB_DIR)

## test-go: go vet, then go test with the race detector against PostgreSQL
## (.ci/test-db.sh picks or starts the server and sets TEST_DATABASE_URL)
test-go:
	$(GO) vet ./...
	bash .ci/test-db.sh $(GO) test -race -count=1 -timeout 20m ./...
	@# The disclosure attacker (internal/stats, build tag attack) solves
	@# hundreds of LPs per year of figures, and the reports' random-caseload
	@# check computes a release per year for it: both run without the race
	@# detector (tag attack). So does the check of the statistics rollups
	@# against direct counts (internal/stats, build constraint !race): one
	@# goroutine, three versions of two years' releases of a random caseload,
	@# nothing concurrent for the race detector to see (the concurrent reads
	@# are TestRollupsUnderConcurrency, in the run above).
	@# Beside it, as the two wait on different things (the LPs on the CPU,
	@# the API on round trips), the HTTP API's tests and the release lock's
	@# run again behind PgBouncer in transaction pooling mode, the way
	@# docs/operations.md deploys the service (.ci/pgbouncer.sh).
	bash .ci/test-db.sh bash -c '\
		$(GO) test -tags attack -count=1 -timeout 15m -run "Attack|CoordinatorNeverReceivesASmallFigure|RollupsMatchDirectCounts" ./internal/stats/ ./internal/reports/ & attack=$$!; \
		bash .ci/pgbouncer.sh bash -c "$(GO) test -count=1 -timeout 15m ./internal/api/ && $(GO) test -count=1 -timeout 5m -run AYearIsComputedOnce ./internal/stats/"; pooled=$$?; \
		wait $$attack; attacked=$$?; exit $$(( pooled || attacked ))'

## test-deploy: the deployment files (deploy/, a module of its own) read as
## docker compose and Kubernetes read them (compose-go, k8s.io/api types)
test-deploy:
	cd deploy && $(GO) test -count=1 ./...

## test-web: the web app's unit tests (npm test), once frontend/ exists
test-web:
	@if [ -f $(FRONTEND)/package.json ]; then \
		echo "==> web unit tests"; \
		cd $(FRONTEND) && npm ci && npm test; \
	else \
		echo "test-web: no $(FRONTEND)/package.json yet, skipping"; \
	fi

## test-e2e: browser end-to-end tests (npm run e2e), once frontend/ exists.
## They get a built binary in JARDAM_BIN and a superuser TEST_DATABASE_URL,
## and drive Debian's Chromium (/usr/bin/chromium, installed with apt when
## missing and running as root; never downloaded otherwise).
test-e2e:
	@if [ -f $(FRONTEND)/package.json ] && grep -q '"e2e"' $(FRONTEND)/package.json; then \
		if [ ! -x /usr/bin/chromium ]; then \
			if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
				echo "==> installing Chromium (apt-get install chromium)"; \
				apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
			else \
				echo "test-e2e: /usr/bin/chromium is missing; run: sudo apt-get install -y chromium" >&2; exit 1; \
			fi; \
		fi; \
		$(MAKE) build; \
		echo "==> browser end-to-end tests"; \
		JARDAM_BIN=$(CURDIR)/$(BIN) bash .ci/test-db.sh bash -c 'cd $(FRONTEND) && npm run e2e'; \
	else \
		echo "test-e2e: no e2e script in $(FRONTEND)/package.json yet, skipping"; \
	fi

## bench: load benchmark over HTTP (cmd/jardam-bench): a private cluster in
## .data/bench-pg, a seeded dataset (100 000 cases by default), fixed-concurrency
## flows and their SQL floor; e.g. make bench BENCH_ARGS="-cases 1000000
## -pg-dir .data/bench-pg-1m -pg-port 54391 -json docs/bench/1m.json"
BENCH_ARGS ?=
bench:
	$(GO) run ./cmd/jardam-bench $(BENCH_ARGS)

## psql: a psql shell on the database of the last `make run`, as its owner
psql:
	@[ -f .data/database_url ] || { echo "psql: no .data/database_url; run 'make run' first" >&2; exit 1; }
	@if grep -q '@127.0.0.1:$(PG_PORT)/' .data/database_url && [ -e .data/pg ]; then \
		bash .ci/pg.sh start .data/pg $(PG_PORT); \
	fi
	psql "$$(cat .data/database_url)"

## clean: build outputs (keeps .data/, the local database and keys)
clean:
	rm -rf bin $(FRONTEND)/dist/*

## clean-data: stop the private clusters and delete .data/ (database and keys)
clean-data:
	bash .ci/pg.sh stop .data/pg
	bash .ci/pg.sh stop .data/test-pg
	rm -rf .data
