#!/usr/bin/env bash
# pg.sh: a throwaway PostgreSQL 15 cluster for tests and benches, reachable only on a unix socket.
#
#   pg.sh start DIR            initdb into DIR/data if needed, start postgres (socket in DIR, no TCP), wait until
#                              ready, create database "xroute", print the DSN on stdout. Reuses a running cluster.
#   pg.sh stop DIR [MODE]      stop it (MODE fast (default) or immediate: a crash, for recovery tests)
#   pg.sh restart DIR          stop (fast) then start; prints the DSN again
#   pg.sh dsn DIR              print the DSN without touching the cluster
#   pg.sh status DIR           exit 0 if running, 3 if not
#
# Authentication is trust, on the unix socket only (listen_addresses = ''), so nothing outside this machine and
# nothing without access to DIR can connect. initdb and postgres refuse to run as root: under root (CI) they run
# as Debian's `postgres` system user (or an unprivileged `xrpg` user created on the spot when `postgres` is
# missing); DIR is then owned by that user and its parent directories are made traversable (o+x).
# The system PostgreSQL service is never touched. Every wait is bounded; every failure prints why on stderr and
# exits non-zero. Binaries come from PG_BIN (default /usr/lib/postgresql/15/bin).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=5432          # only names the socket file (DIR/.s.PGSQL.5432): there is no TCP listener
PG_SUPERUSER=xroute
PG_DB=xroute
START_TIMEOUT=${PG_START_TIMEOUT:-60}

die() { echo "pg.sh: $*" >&2; exit 1; }

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The user the server runs as: ourselves, or an unprivileged one when we are root.
run_user() {
  if [ "$(id -u)" -ne 0 ]; then
    id -un
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    if ! id xrpg >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin xrpg >/dev/null 2>&1 \
        || die "cannot create the unprivileged user xrpg (needed to run postgres as root)"
    fi
    echo xrpg
  fi
}

# as_server CMD ARGS...: runs a PostgreSQL binary as the server user.
as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$RUN_USER" -- "$@"
  else
    "$@"
  fi
}

# Directories from / down to DIR must be traversable by the server user.
open_parents() {
  local d
  d=$(dirname "$1")
  while [ "$d" != "/" ]; do
    if ! runuser -u "$RUN_USER" -- test -x "$d" 2>/dev/null; then
      chmod o+x "$d" || die "cannot make $d traversable for $RUN_USER"
    fi
    d=$(dirname "$d")
  done
}

# The socket directory: DIR itself, or a short one under /tmp when DIR is too long for a socket path
# (sun_path holds 107 bytes); the choice is remembered in DIR/socket_dir.
socket_dir() {
  if [ -f "$DIR/socket_dir" ]; then
    cat "$DIR/socket_dir"
    return
  fi
  local s="$DIR"
  if [ $((${#DIR} + 16)) -gt 100 ]; then
    s=$(mktemp -d /tmp/xrpg.XXXXXX) || die "cannot create a socket directory under /tmp"
    [ "$(id -u)" -eq 0 ] && chown "$RUN_USER" "$s"
    chmod 700 "$s"
  fi
  echo "$s" >"$DIR/socket_dir"
  echo "$s"
}

dsn() {
  echo "host=$(socket_dir) port=$PG_PORT dbname=$PG_DB user=$PG_SUPERUSER"
}

is_running() {
  [ -f "$DIR/data/PG_VERSION" ] && as_server "$PG_BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

init_cluster() {
  mkdir -p "$DIR"
  if [ "$(id -u)" -eq 0 ]; then
    open_parents "$DIR"
    chown "$RUN_USER" "$DIR"
  fi
  chmod 700 "$DIR"
  [ -f "$DIR/data/PG_VERSION" ] && return 0
  rm -rf "$DIR/data"
  if ! as_server "$PG_BIN/initdb" -D "$DIR/data" -U "$PG_SUPERUSER" --auth-local=trust --auth-host=reject \
      -E UTF8 --locale=C.UTF-8 --no-instructions >"$DIR/initdb.log" 2>&1; then
    cat "$DIR/initdb.log" >&2
    die "initdb into $DIR/data failed (log above, also in $DIR/initdb.log)"
  fi
  local sock
  sock=$(socket_dir)
  # Only the unix socket: local trust, nothing on TCP.
  cat >>"$DIR/data/postgresql.conf" <<EOF

# pg.sh: throwaway test cluster
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$sock'
unix_socket_permissions = 0777
max_connections = 40
shared_buffers = 64MB
synchronous_commit = on
fsync = on
logging_collector = off
log_min_messages = warning
EOF
  printf 'local all all trust\n' >"$DIR/data/pg_hba.conf"
  [ "$(id -u)" -eq 0 ] && chown "$RUN_USER" "$DIR/data/pg_hba.conf" "$DIR/socket_dir"
  return 0
}

start() {
  init_cluster
  if ! is_running; then
    rm -f "$DIR/postgres.log"
    [ "$(id -u)" -eq 0 ] && touch "$DIR/postgres.log" && chown "$RUN_USER" "$DIR/postgres.log"
    if ! as_server "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t "$START_TIMEOUT" start \
        >/dev/null 2>&1; then
      tail -n 30 "$DIR/postgres.log" >&2 || true
      die "postgres in $DIR did not start within ${START_TIMEOUT}s (log above, also in $DIR/postgres.log)"
    fi
  fi
  local sock i
  sock=$(socket_dir)
  for ((i = 0; i < START_TIMEOUT * 10; i++)); do
    if "$PG_BIN/pg_isready" -q -h "$sock" -p "$PG_PORT" -d postgres -U "$PG_SUPERUSER"; then
      break
    fi
    sleep 0.1
  done
  "$PG_BIN/pg_isready" -q -h "$sock" -p "$PG_PORT" -d postgres -U "$PG_SUPERUSER" \
    || die "postgres in $DIR is not accepting connections after ${START_TIMEOUT}s"
  local have
  have=$("$PG_BIN/psql" -X -q -h "$sock" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") || die "cannot query the cluster in $DIR"
  if [ "$have" != "1" ]; then
    "$PG_BIN/psql" -X -q -h "$sock" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres \
      -c "CREATE DATABASE $PG_DB" >/dev/null || die "cannot create database $PG_DB in $DIR"
  fi
  dsn
}

stop() {
  local mode=${1:-fast}
  case "$mode" in fast|immediate) ;; *) die "stop mode must be fast or immediate, not '$mode'" ;; esac
  [ -f "$DIR/data/PG_VERSION" ] || return 0
  if is_running; then
    as_server "$PG_BIN/pg_ctl" -D "$DIR/data" -m "$mode" -w -t 60 stop >/dev/null 2>&1 \
      || die "postgres in $DIR did not stop within 60s"
  fi
}

[ $# -ge 2 ] || usage
CMD=$1
case "$2" in
  /*) DIR=$2 ;;
  *) DIR=$(pwd)/$2 ;;
esac
DIR=$(realpath -m "$DIR")
[ -x "$PG_BIN/initdb" ] || die "no PostgreSQL binaries in $PG_BIN (install postgresql, or set PG_BIN)"
RUN_USER=$(run_user)

case "$CMD" in
  start) start ;;
  stop) stop "${3:-fast}" ;;
  restart) stop fast; start ;;
  dsn) [ -f "$DIR/data/PG_VERSION" ] || die "no cluster in $DIR"; dsn ;;
  status) if is_running; then exit 0; else exit 3; fi ;;
  *) usage ;;
esac
