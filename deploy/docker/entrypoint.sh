#!/bin/bash
# xroute-entrypoint: starts one xroute process in a container, or checks its health.
#
#   xroute-entrypoint SERVICE            exchange-sim | router | gateway | recorder | venue-binance |
#                                        venue-bybit | venue-coindcx
#   xroute-entrypoint health SERVICE     exit 0 when SERVICE in this container is healthy (compose healthcheck)
#   xroute-entrypoint keys               CurveZMQ keys in XROUTE_KEYS_DIR (/keys), made once and kept: a key pair
#                                        for gateway, router, recorder, events, venue and client, and each
#                                        server's allow directory (docs/security.md; as deploy/local/stack.sh)
#   xroute-entrypoint CMD ARGS...        anything else runs as given (for example `xroute venues`)
#
# Every service reads its settings from the environment under the names the binaries document (--help):
# XROUTE_* for gateway, router, recorder and the CLI; XR_* and <VENUE>_* for the venue workers. This script
# adds only what a container needs:
#  - a venue worker's instance id: XROUTE_VENUE_INSTANCE, when not set, is <venue>-<container id> (12 hex digits, read
#    from /proc/self/mountinfo because under network_mode: host the hostname is the host's), so every replica
#    of `--scale venue-binance=N` has its own journals in the shared state volume, and keeps them across
#    restarts of the same container;
#  - secret files: a *_SECRET_FILE or *_PASSWORD_FILE must be readable by this user (uid 10001) and mode
#    0600, which the services check. The public demo credentials of the exchange simulator (demo-secret) and
#    of the demo database (xroute-demo), shipped world-readable in deploy/docker/demo-secrets, are copied to
#    a private tmpfs with mode 0600 instead; any other file is used as it is.
# The simulator's command line comes from XROUTE_SIM_PORT_BASE (9100), XROUTE_SIM_BIND (0.0.0.0),
# XROUTE_SIM_SEED (42), XROUTE_SIM_ACCOUNTS (extra KEY:SECRET accounts, space separated) and XROUTE_LOG_LEVEL.
set -euo pipefail

die() { printf 'xroute-entrypoint: %s\n' "$*" >&2; exit 1; }

container_id() {
  local id
  id=$(sed -n 's#.*/containers/\([0-9a-f]\{64\}\)/.*#\1#p' /proc/self/mountinfo 2>/dev/null | head -n 1)
  if [ -n "$id" ]; then echo "${id:0:12}"; else hostname; fi
}

# port_of ENDPOINT: the TCP port of a ZeroMQ endpoint (tcp://HOST:PORT).
port_of() { local ep=$1; echo "${ep##*:}"; }

# tcp_open PORT: something listens on 127.0.0.1:PORT.
tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The CLI of the health checks talks to the gateway at XROUTE_GATEWAY (inside the gateway: its own port).
cli() { xroute --timeout "${XROUTE_HEALTH_TIMEOUT_MS:-3000}" "$@"; }

secret_files() {
  local var file mode dir=/run/xroute/secrets
  while IFS='=' read -r var _; do
    case "$var" in *_SECRET_FILE|*_PASSWORD_FILE) ;; *) continue ;; esac
    file=${!var}
    [ -n "$file" ] || continue
    [ -r "$file" ] || die "$var: $file is not readable by uid $(id -u) (give it owner 10001 and mode 0600)"
    mode=$(stat -L -c %a "$file")
    if [ $((8#$mode & 8#077)) -ne 0 ] || [ "$(stat -L -c %u "$file")" != "$(id -u)" ]; then
      case "$(head -c 64 "$file")" in
        demo-secret|xroute-demo)
          mkdir -p -m 700 "$dir"
          (umask 077 && cat "$file" > "$dir/$var")
          export "$var=$dir/$var" ;;
      esac
    fi
  done < <(env)
}

health() {
  case "${1:-}" in
    exchange-sim)
      curl -sf --max-time 3 "http://127.0.0.1:${XROUTE_SIM_PORT_BASE:-9100}/admin/health" >/dev/null ;;
    router)
      tcp_open "$(port_of "${XROUTE_ROUTER_FRONTEND:-tcp://*:7110}")" &&
        tcp_open "$(port_of "${XROUTE_ROUTER_BACKEND:-tcp://*:7111}")" ;;
    gateway)
      cli --gateway "tcp://127.0.0.1:$(port_of "${XROUTE_GATEWAY_CLIENTS:-tcp://*:7100}")" venues >/dev/null ;;
    recorder)
      tcp_open "$(port_of "${XROUTE_RECORDER_EVENTS:-tcp://*:7120}")" &&
        tcp_open "$(port_of "${XROUTE_RECORDER_CONTROL:-tcp://*:7121}")" ;;
    venue-*)
      local v=${1#venue-}
      cli --json venues | grep -F "\"instance\":\"${XROUTE_VENUE_INSTANCE:-$v-$(container_id)}\"" | grep -qF '"alive":true' ;;
    *) die "health: unknown service '${1:-}'" ;;
  esac
}

service="${1:-help}"
case "$service" in
  help|--help|-h)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit 0 ;;
  health)
    health "${2:-}" ;;
  keys)
    dir=${XROUTE_KEYS_DIR:-/keys}
    for n in gateway router recorder events venue client; do
      [ -f "$dir/$n.cert_secret" ] || xroute keygen "$n" --dir "$dir" >/dev/null || die "xroute keygen $n failed"
    done
    mkdir -p "$dir/allow/gateway" "$dir/allow/router" "$dir/allow/recorder"
    cp -f "$dir/client.cert" "$dir/venue.cert" "$dir/allow/gateway/"
    cp -f "$dir/gateway.cert" "$dir/recorder.cert" "$dir/venue.cert" "$dir/allow/router/"
    cp -f "$dir/venue.cert" "$dir/allow/recorder/"
    echo "xroute-entrypoint: CURVE keys ready in $dir" ;;
  exchange-sim)
    args=(--port-base "${XROUTE_SIM_PORT_BASE:-9100}" --bind "${XROUTE_SIM_BIND:-0.0.0.0}"
          --seed "${XROUTE_SIM_SEED:-42}" --log-level "${XROUTE_LOG_LEVEL:-info}")
    for acct in ${XROUTE_SIM_ACCOUNTS:-}; do args+=(--account "$acct"); done
    exec xroute-exchange-sim "${args[@]}" ;;
  router|gateway|recorder)
    secret_files
    exec "xroute-$service" ;;
  venue-binance|venue-bybit|venue-coindcx)
    v=${service#venue-}
    export XROUTE_VENUE_INSTANCE="${XROUTE_VENUE_INSTANCE:-$v-$(container_id)}"
    mkdir -p "${XROUTE_VENUE_STATE_DIR:-/var/lib/xroute/state}"
    secret_files
    exec "xroute-$service" ;;
  *)
    exec "$@" ;;
esac
