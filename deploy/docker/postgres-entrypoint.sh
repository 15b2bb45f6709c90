#!/bin/bash
# xroute-postgres: PostgreSQL 15 in a container (deploy/docker/postgres.Dockerfile).
#
#   xroute-postgres            initialise PGDATA on first start, then run the server in the foreground
#   xroute-postgres health     exit 0 when the server accepts connections (compose healthcheck)
#
# First start: initdb with superuser POSTGRES_USER and the password read from POSTGRES_PASSWORD_FILE (a file,
# never an environment value), create database POSTGRES_DB. Unix-socket connections inside the container are
# trusted; TCP connections from anywhere need the password (scram-sha-256). The server listens on
# POSTGRES_LISTEN (default *) port POSTGRES_PORT (5432); its socket is in /run/postgresql.
set -euo pipefail

die() { printf 'xroute-postgres: %s\n' "$*" >&2; exit 1; }

PORT=${POSTGRES_PORT:-5432}
SOCK=/run/postgresql

if [ "${1:-}" = "health" ]; then
  exec pg_isready -q -h "$SOCK" -p "$PORT" -U "$POSTGRES_USER" -d "$POSTGRES_DB"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=${POSTGRES_PASSWORD_FILE:-}
  [ -n "$pwfile" ] || die "POSTGRES_PASSWORD_FILE is not set"
  [ -r "$pwfile" ] || die "POSTGRES_PASSWORD_FILE: $pwfile is not readable by uid $(id -u)"
  [ -s "$pwfile" ] || die "POSTGRES_PASSWORD_FILE: $pwfile is empty"
  echo "xroute-postgres: initialising $PGDATA"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \"$POSTGRES_DB\";" | postgres --single -D "$PGDATA" -j postgres >/dev/null
fi

exec postgres -D "$PGDATA" -c listen_addresses="${POSTGRES_LISTEN:-*}" -p "$PORT" \
  -c unix_socket_directories="$SOCK" "$@"
