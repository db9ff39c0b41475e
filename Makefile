# Andon: build, run and test. `make test` is what CI runs.
SHELL := /bin/bash
GO ?= go
PKGS := ./...
TEST_FLAGS ?= -race -count=1 -timeout 20m

.PHONY: all build run demo test check tools test-sqlite test-postgres bench screenshots clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/andon ./cmd/andon

demo:
	$(GO) run ./cmd/andon serve --demo

# The whole suite: formatting, vet, then every test on SQLite and on a
# throwaway PostgreSQL cluster. Installs what the tests need when missing.
test: check tools test-sqlite test-postgres

check:
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './vendor/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

tools:
	@scripts/ensure-tools.sh

test-sqlite:
	@echo "== tests on SQLite =="
	ANDON_TEST_SQLITE_ONLY=1 $(GO) test $(TEST_FLAGS) $(PKGS)

test-postgres:
	@echo "== tests on PostgreSQL =="
	@scripts/with-postgres.sh $(GO) test $(TEST_FLAGS) $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./internal/store/

screenshots:
	ANDON_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestScreenshots ./internal/browsertest/

clean:
	rm -rf bin andon-data
