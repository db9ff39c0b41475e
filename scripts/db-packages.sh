#!/usr/bin/env bash
# Lists the packages whose tests open a database (they import
# internal/testutil). The PostgreSQL half of `make test` runs only these:
# the other packages' tests do not touch an engine, so the SQLite half's run
# already covers them.
set -euo pipefail
go list -test -f '{{if eq .Name "main"}}{{.ImportPath}} {{join .Deps " "}}{{end}}' "${@:-./...}" |
	awk '/\.test / { for (i = 2; i <= NF; i++) if ($i == "andon/internal/testutil") { sub(/\.test$/, "", $1); print $1; break } }'
