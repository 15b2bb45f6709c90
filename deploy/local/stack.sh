#!/usr/bin/env bash
# stack.sh: the xroute local stack on this machine, without containers.
#
#   stack.sh up       start PostgreSQL (private cluster under var/pg), the exchange simulator, router, gateway,
#                     recorder and the venue workers, in the background; wait until every worker is registered
#   stack.sh status   each process, its pid and health; the workers the router knows
#   stack.sh down     stop everything cleanly (SIGTERM, then SIGKILL after 10 s, said out loud)
#   stack.sh start NAME | stop NAME | kill NAME    one service: exchange-sim, router, gateway, recorder,
#                     venue-<venue>-<n> (kill = SIGKILL, for failure tests); postgres via tests/support/pg.sh
#
# Settings: deploy/local.env (the environment overrides it). Logs: var/log/<service>.log, one per process.
# Binaries: build/bin (run `make` first). Nothing is installed system-wide and no system service is touched.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

# --- settings -----------------------------------------------------------------------------------------------
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  key=${line%%=*}
  [ -n "${!key:-}" ] || export "${line?}"
done < deploy/local.env

BIN=${XROUTE_BIN:-$ROOT/build/bin}
VAR=${XROUTE_VAR:-var}
case "$VAR" in /*) ;; *) VAR=$ROOT/$VAR ;; esac
LOG=$VAR/log
RUN=$VAR/run
KEYS=${XROUTE_KEYS_DIR:-var/keys}
case "$KEYS" in /*) ;; *) KEYS=$ROOT/$KEYS ;; esac
export XROUTE_KEYS_DIR=$KEYS
VENUES=(binance bybit coindcx)

say() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] FAILED: %s\n[stack] logs: %s\n' "$*" "$LOG" >&2; exit 1; }

# --- processes ----------------------------------------------------------------------------------------------
# running PID: the process exists and is not a zombie (a stopped service that nobody has reaped yet, since the
# services are re-parented to PID 1 and some PID 1s reap late; `kill -0` alone counts a zombie as alive).
running() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}

# start NAME ENV... -- CMD...: runs CMD in the background with ENV, logs to var/log/NAME.log, pid in var/run.
start() {
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  if [ -f "$RUN/$name.pid" ] && running "$(cat "$RUN/$name.pid")"; then
    say "$name already running (pid $(cat "$RUN/$name.pid"))"
    return 0
  fi
  # the demo secret reaches workers only through their 0600 secret files, never a service environment
  env -u XROUTE_DEMO_API_SECRET "${envs[@]}" setsid "$@" >>"$LOG/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  sleep 0.2
  running "$(cat "$RUN/$name.pid")" || die "$name exited at once; last lines of $LOG/$name.log:
$(tail -5 "$LOG/$name.log")"
  say "started $name (pid $(cat "$RUN/$name.pid"))"
}

# stop NAME: SIGTERM, wait up to 10 s, then SIGKILL (reported).
stop() {
  local name=$1 pidf="$RUN/$1.pid" pid
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf")
  if running "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 200); do running "$pid" || break; sleep 0.05; done
    if running "$pid"; then
      say "$name did not stop within 10 s: killed"
      kill -KILL "$pid" 2>/dev/null || true
    else
      say "stopped $name"
    fi
  fi
  rm -f "$pidf"
}

# wait_for WHAT SECONDS CMD...: retries CMD until it succeeds, or fails the stack with WHAT.
wait_for() {
  local what=$1 secs=$2; shift 2
  for _ in $(seq $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$what not ready after ${secs} s"
}

xroute() { "$BIN/xroute" --gateway "$XROUTE_GATEWAY_CLIENTS" --timeout 5000 "$@"; }

sim_url() { echo "http://127.0.0.1:$XROUTE_SIM_PORT_BASE$1"; }

workers_registered() {
  local want=$1 n
  n=$(xroute --json venues 2>/dev/null | grep -c '"alive":true' || true)
  [ "$n" -ge "$want" ]
}

is_on() { case "${1,,}" in on|true|yes|1) return 0 ;; esac; return 1; }

# keys: with CURVE on, every process's key pair (made once, kept across runs; `events` is served by both
# event sinks, the gateway intake and the recorder, since a worker's one PUB connects to both) and each
# server's allow directory: the gateway admits the client and the workers; the router the gateway, the
# recorder (its get_fills backstop) and the workers; the recorder the workers. Keys added by hand to an
# allow directory stay there.
keys() {
  is_on "${XROUTE_CURVE:-off}" || is_on "${XROUTE_CURVE_WORKER_LINKS:-off}" || return 0
  local n
  for n in gateway router recorder events venue client; do
    [ -f "$KEYS/$n.cert_secret" ] || "$BIN/xroute" keygen "$n" --dir "$KEYS" >/dev/null || die "xroute keygen $n failed"
  done
  mkdir -p "$KEYS/allow/gateway" "$KEYS/allow/router" "$KEYS/allow/recorder"
  cp -f "$KEYS/client.cert" "$KEYS/venue.cert" "$KEYS/allow/gateway/"
  cp -f "$KEYS/gateway.cert" "$KEYS/recorder.cert" "$KEYS/venue.cert" "$KEYS/allow/router/"
  cp -f "$KEYS/venue.cert" "$KEYS/allow/recorder/"
  say "CURVE on (worker links ${XROUTE_CURVE_WORKER_LINKS:-off}): keys in $KEYS"
}

replicas_of() { local v=${1^^}; local var="XROUTE_${v}_REPLICAS"; echo "${!var:-1}"; }

# --- commands -----------------------------------------------------------------------------------------------
# start_service NAME: the command line of each service, from the settings.
start_service() {
  local name=$1 dsn
  case "$name" in
    exchange-sim)
      # shellcheck disable=SC2086 # XROUTE_SIM_ARGS: extra simulator flags, word-split on purpose
      start exchange-sim -- "$BIN/xroute-exchange-sim" --port-base "$XROUTE_SIM_PORT_BASE" --seed 42 \
        --log-level "$XROUTE_LOG_LEVEL" ${XROUTE_SIM_ARGS:-}
      wait_for "exchange simulator" 20 curl -sf "$(sim_url /admin/health)" ;;
    router)
      start router XROUTE_LOG_LEVEL="$XROUTE_LOG_LEVEL" -- "$BIN/xroute-router" --routes "$XROUTE_ROUTES" ;;
    gateway)
      start gateway XROUTE_LOG_LEVEL="$XROUTE_LOG_LEVEL" -- "$BIN/xroute-gateway" --risk "$XROUTE_RISK" \
        --idem "$VAR/gateway/idem.journal" ;;
    recorder)
      dsn=$(cat "$RUN/pg.dsn")
      start recorder XROUTE_PG_DSN="$dsn" XROUTE_SQL_DIR="$ROOT/deploy/sql" XROUTE_LOG_LEVEL="$XROUTE_LOG_LEVEL" \
        -- "$BIN/xroute-recorder" ;;
    venue-*-*)
      local v=${name#venue-} i=${name##*-} n base_var
      v=${v%-*}
      base_var=${v^^}_BASE_URL
      n=$(replicas_of "$v")
      start "$name" \
        "${v^^}_API_KEY=$XROUTE_DEMO_API_KEY" "${v^^}_API_SECRET_FILE=$VAR/secrets/$v.secret" \
        "${v^^}_BASE_URL=${!base_var}" \
        XROUTE_VENUE_INSTANCE="$v-$i" XROUTE_VENUE_STATE_DIR="$VAR/state/$v" XROUTE_VENUE_REPLICAS="$n" \
        XROUTE_VENUE_ROUTER="$XROUTE_ROUTER_BACKEND" XROUTE_VENUE_RECORDER="$XROUTE_RECORDER_CONTROL" \
        XROUTE_VENUE_EVENTS="$XROUTE_GATEWAY_INTAKE,$XROUTE_RECORDER_EVENTS" XROUTE_LOG_LEVEL="$XROUTE_LOG_LEVEL" \
        -- "$BIN/xroute-venue-$v" ;;
    *) die "unknown service '$name'" ;;
  esac
}

up() {
  for b in xroute xroute-exchange-sim xroute-router xroute-gateway xroute-recorder xroute-venue-binance \
           xroute-venue-bybit xroute-venue-coindcx; do
    [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run make first"
  done
  mkdir -p "$LOG" "$RUN" "$VAR/secrets" "$VAR/state" "$VAR/gateway"
  chmod 700 "$VAR/secrets"
  keys
  for v in "${VENUES[@]}"; do
    (umask 077 && printf '%s' "$XROUTE_DEMO_API_SECRET" > "$VAR/secrets/$v.secret")
  done

  say "PostgreSQL (private cluster in $VAR/pg)"
  local dsn
  dsn=$(bash tests/support/pg.sh start "$VAR/pg" 2>>"$LOG/postgres.log") || die "PostgreSQL did not start (see $LOG/postgres.log)"
  echo "$dsn" > "$RUN/pg.dsn"

  for name in exchange-sim router gateway recorder; do start_service "$name"; done
  local total=0
  for v in "${VENUES[@]}"; do
    for i in $(seq "$(replicas_of "$v")"); do
      start_service "venue-$v-$i"
      total=$((total + 1))
    done
  done
  wait_for "$total venue workers registered with the router" 30 workers_registered "$total"
  say "stack up: gateway $XROUTE_GATEWAY_CLIENTS, events $XROUTE_GATEWAY_EVENTS, logs in $LOG"
}

status() {
  local rc=0
  for pidf in "$RUN"/*.pid; do
    [ -e "$pidf" ] || { say "nothing running"; return 3; }
    local name pid
    name=$(basename "$pidf" .pid)
    pid=$(cat "$pidf")
    if running "$pid"; then
      printf '  %-18s running  pid %s\n' "$name" "$pid"
    else
      printf '  %-18s DEAD     (see %s/%s.log)\n' "$name" "$LOG" "$name"
      rc=1
    fi
  done
  if bash tests/support/pg.sh status "$VAR/pg" >/dev/null 2>&1; then
    printf '  %-18s running  %s\n' postgres "$(cat "$RUN/pg.dsn" 2>/dev/null)"
  else
    printf '  %-18s DOWN\n' postgres
    rc=1
  fi
  printf '  %-18s %s\n' exchange-sim "$(curl -sf "$(sim_url /admin/health)" || echo 'not answering')"
  echo
  xroute venues || rc=1
  echo
  xroute health || rc=1
  return $rc
}

down() {
  for pidf in "$RUN"/venue-*.pid; do
    [ -e "$pidf" ] && stop "$(basename "$pidf" .pid)"
  done
  for name in gateway recorder router exchange-sim; do stop "$name"; done
  if [ -d "$VAR/pg" ]; then
    bash tests/support/pg.sh stop "$VAR/pg" >/dev/null 2>&1 && say "stopped postgres" || true
  fi
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  start) mkdir -p "$LOG" "$RUN"; start_service "${2:?service name}" ;;
  stop) stop "${2:?service name}" ;;
  kill)
    pidf="$RUN/${2:?service name}.pid"
    [ -f "$pidf" ] && kill -KILL "$(cat "$pidf")" 2>/dev/null && say "killed ${2} (SIGKILL)"
    rm -f "$pidf" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
