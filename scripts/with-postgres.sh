#!/usr/bin/env bash
# Runs a command with ANDON_TEST_POSTGRES_URL pointing at a private,
# throwaway PostgreSQL cluster, which is stopped and removed afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/andon-pg.XXXXXX)
chmod 755 "$dir"
cleanup() { "$here/pg.sh" stop "$dir/pg" || true; rm -rf "$dir"; }
trap cleanup EXIT
url=$("$here/pg.sh" start "$dir/pg")
echo "PostgreSQL test cluster: $url"
ANDON_TEST_POSTGRES_URL=$url "$@"
