#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests.
#   scripts/pg.sh start DIR   -> prints the admin URL; cluster lives in DIR
#   scripts/pg.sh stop DIR
# PostgreSQL refuses to run as root, so the cluster runs as "postgres".
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}

find_bin() {
  local b
  for b in "$(command -v "$1" 2>/dev/null)" /usr/lib/postgresql/*/bin/"$1"; do
    [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
  done
  return 1
}

ensure_installed() {
  if ! find_bin initdb >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing postgresql..." >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    fi
  fi
  find_bin initdb >/dev/null || { echo "PostgreSQL (initdb) not found and could not be installed" >&2; exit 1; }
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

case "$cmd" in
start)
  ensure_installed
  initdb=$(find_bin initdb); pg_ctl=$(find_bin pg_ctl)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; chown postgres "$dir"; chmod 700 "$dir"; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
  as_pg "'$initdb' -D '$dir/data' -U andon --auth=trust -E UTF8 --no-locale >'$dir/initdb.log' 2>&1"
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 256MB
CONF
  as_pg "'$pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 start >/dev/null"
  echo "postgres://andon@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  pg_ctl=$(find_bin pg_ctl) || exit 0
  [ -d "$dir/data" ] && as_pg "'$pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1" || true
  rm -rf "$dir"
  ;;
esac
