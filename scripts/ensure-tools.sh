#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: chromium (browser
# tests), dovecot (IMAP tests), swaks (SMTP tests) and PostgreSQL.
# Under CI=true, anything still missing afterwards is a failure; elsewhere
# the tests that need it skip and say why.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; } || need+=(dovecot-imapd)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "cannot install (need root and apt-get)" >&2
  fi
fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
{ command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; } || missing+=(dovecot)
command -v swaks >/dev/null 2>&1 || missing+=(swaks)
{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing test tools: ${missing[*]}" >&2
  [ "${CI:-}" = true ] && exit 1
fi
exit 0
