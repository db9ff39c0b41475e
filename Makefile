# Andon: build, run and test. `make test` is what CI runs.
SHELL := /bin/bash
GO ?= go
PKGS := ./...
TEST_FLAGS ?= -race -count=1 -timeout 20m

.PHONY: all build run demo test check tools test-sqlite test-postgres bench screenshots clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/andon ./cmd/andon

# Builds first (a few minutes on a small machine the first time) so the
# wait is not silent, then serves the demo. Built like `go run` (no
# -trimpath) so it reuses what earlier go builds and tests compiled.
demo:
	@echo "building andon (the first build takes a few minutes on a small machine)..."
	@$(GO) build -o bin/andon ./cmd/andon
	@echo "starting bin/andon serve --demo: it loads the demo data, then prints the URL and the admin login"
	bin/andon serve --demo

# The whole suite: formatting, vet, then every test on SQLite and on a
# throwaway PostgreSQL cluster. Installs what the tests need when missing.
# Both halves always run (a failure on SQLite must not hide PostgreSQL's
# result); the target fails at the end if either failed.
test: check tools
	@start=$$(date +%s); \
	sqlite=passed; $(MAKE) --no-print-directory test-sqlite || sqlite=FAILED; \
	postgres=passed; $(MAKE) --no-print-directory test-postgres || postgres=FAILED; \
	echo "== suite: SQLite $$sqlite, PostgreSQL $$postgres ($$(( $$(date +%s) - start ))s) =="; \
	[ $$sqlite = passed ] && [ $$postgres = passed ]

check:
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './vendor/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

tools:
	@scripts/ensure-tools.sh

test-sqlite:
	@echo "== tests on SQLite =="
	ANDON_TEST_SQLITE_ONLY=1 $(GO) test $(TEST_FLAGS) $(PKGS)

# Only the packages whose tests open a database (scripts/db-packages.sh):
# the rest do not depend on the engine and ran in the SQLite half.
test-postgres:
	@echo "== tests on PostgreSQL =="
	@pkgs=$$(scripts/db-packages.sh $(PKGS)) && scripts/with-postgres.sh $(GO) test $(TEST_FLAGS) $$pkgs

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./internal/store/

screenshots:
	ANDON_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestScreenshots ./internal/browsertest/

clean:
	rm -rf bin andon-data
