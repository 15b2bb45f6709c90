#!/usr/bin/env bash
# compose.sh: the docker-compose deployment of xroute, tested for real on this machine.
#
#   compose.sh BIN_DIR SCRATCH_DIR
#
# 1. Installs what only this test needs (docker.io, docker-compose, debootstrap; idempotent apt-get, like
#    deploy/install-deps.sh). Package scripts start no service (policy-rc.d answers 101 during the install).
# 2. Uses the running Docker daemon, or starts `dockerd --bridge=none --iptables=false` (data in
#    /var/lib/docker so images stay cached between runs, log in SCRATCH_DIR/dockerd.log) and stops it at the end.
# 3. Builds the Debian 12 base image with debootstrap when it is missing (deploy/docker/build-base.sh), then
#    the xroute and postgres images from the sources (docker build: the layer cache makes an unchanged tree
#    cost seconds).
# 4. Runs tests/integration/compose.py: docker-compose up with deploy/docker/compose.test.yml (host network,
#    ports 23000-23099), the end-to-end scenario through the xroute CLI in BIN_DIR, scaling and killing
#    Binance workers; then tears the stack down (containers, network, volumes; images stay cached).
#
# Under CI=true every missing precondition fails the test; elsewhere the test is skipped (exit 77, reason
# printed) when it cannot get root to install packages or start the daemon. Concurrent runs on one machine
# take turns (flock), since they share the daemon and the port range.
set -euo pipefail

BIN=${1:?usage: compose.sh BIN_DIR SCRATCH_DIR}
SCRATCH=${2:?usage: compose.sh BIN_DIR SCRATCH_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DOCKER=/usr/bin/docker   # Debian's client, matching Debian's daemon (not a newer one earlier in PATH)
export DOCKER
TAG=${XROUTE_COMPOSE_TEST_TAG:-compose-test}
BASE=xroute/debian:12-slim
CI=${CI:-false}
T0=$(date +%s)

say() { printf '[compose %4ds] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() { say "FAILED: $*"; exit 1; }
skip() {
  if [ "$CI" = "true" ]; then die "cannot run under CI: $*"; fi
  say "SKIPPED: $*"
  exit 77
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=""; fi
fi
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif [ -n "$SUDO" ]; then $SUDO "$@"
  else return 1
  fi
}
have_root() { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }

[ -x "$BIN/xroute" ] || die "$BIN/xroute is missing (build first)"
as_root rm -rf "$SCRATCH" 2>/dev/null || rm -rf "$SCRATCH"   # the last run's secret files belong to uid 10001
mkdir -p "$SCRATCH"

LOCK=/tmp/xroute-compose-test.lock
[ -e "$LOCK" ] || (umask 000 && : > "$LOCK")
exec 9<"$LOCK"   # read-only: flock needs no write access, so any user can take turns on it
if ! flock -n 9; then
  say "another compose test runs on this machine: waiting for it"
  flock -w 1800 9 || die "the other compose test did not finish within 30 min"
fi

# --- 1. packages ----------------------------------------------------------------------------------------
PKGS=(docker.io docker-compose debootstrap)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  have_root || skip "needs ${missing[*]} and has no root (nor passwordless sudo) to install them"
  say "installing ${missing[*]}"
  # No service may start from the package scripts (no systemd here, and this test owns the daemon's life).
  policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    policy_added=1
  fi
  rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || rc=$?
  [ "$rc" -eq 0 ] && { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >"$SCRATCH/apt.log" 2>&1 || rc=$?; }
  [ "$policy_added" -eq 1 ] && as_root rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || { tail -20 "$SCRATCH/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
fi

# --- 2. the daemon --------------------------------------------------------------------------------------
DOCKERD_PID=""
cleanup() {
  local rc=$?
  if [ -n "$DOCKERD_PID" ]; then
    say "stopping the dockerd this test started (pid $DOCKERD_PID)"
    as_root kill -TERM "$DOCKERD_PID" 2>/dev/null || true
    for _ in $(seq 150); do as_root kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    if as_root kill -0 "$DOCKERD_PID" 2>/dev/null; then
      say "dockerd did not stop within 30 s: killed"
      as_root kill -KILL "$DOCKERD_PID" 2>/dev/null || true
    fi
  fi
  say "done (exit $rc)"
}
trap cleanup EXIT

if ! $DOCKER info >/dev/null 2>&1; then
  if [ -S /var/run/docker.sock ] && ! have_root; then
    skip "a Docker daemon runs but this user may not use it (not in group docker, no root)"
  fi
  have_root || skip "no Docker daemon runs and there is no root to start one"
  say "starting dockerd --bridge=none --iptables=false (log: $SCRATCH/dockerd.log)"
  as_root sh -c "setsid dockerd --bridge=none --iptables=false --ip6tables=false \
    >'$SCRATCH/dockerd.log' 2>&1 </dev/null & echo \$! > '$SCRATCH/dockerd.pid'"
  DOCKERD_PID=$(cat "$SCRATCH/dockerd.pid")
  for _ in $(seq 300); do
    $DOCKER info >/dev/null 2>&1 && break
    as_root kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -20 "$SCRATCH/dockerd.log" >&2; die "dockerd exited"; }
    sleep 0.2
  done
  $DOCKER info >/dev/null 2>&1 || { tail -20 "$SCRATCH/dockerd.log" >&2; die "dockerd not answering after 60 s"; }
  say "dockerd ready"
fi
if ! $DOCKER info >/dev/null 2>&1; then skip "cannot talk to the Docker daemon"; fi

# --- 3. images ------------------------------------------------------------------------------------------
if ! $DOCKER image inspect "$BASE" >/dev/null 2>&1; then
  have_root || skip "the base image $BASE is missing and debootstrap needs root"
  say "building the base image $BASE (debootstrap)"
  as_root env DOCKER="$DOCKER" bash "$SRC/deploy/docker/build-base.sh" "$BASE" || die "base image build failed"
fi

# build_image TAG DOCKERFILE [TARGET]: docker build from the sources; output in SCRATCH/build-*.log.
build_image() {
  local tag=$1 file=$2 target=${3:-} log t
  log=$SCRATCH/build-${tag//[\/:]/_}.log
  t=$(date +%s)
  if ! $DOCKER build --network host --build-arg "BASE_IMAGE=$BASE" -f "$SRC/$file" -t "$tag" \
       ${target:+--target "$target"} "$SRC" >"$log" 2>&1; then
    tail -40 "$log" >&2
    die "docker build of $tag failed (log: $log)"
  fi
  say "built $tag in $(($(date +%s) - t)) s"
}
# The toolchain stage gets a tag of its own, so dropping dangling images below never drops that cache.
build_image "xroute/xroute-toolchain:$TAG" deploy/docker/Dockerfile toolchain
build_image "xroute/xroute:$TAG" deploy/docker/Dockerfile
build_image "xroute/postgres:$TAG" deploy/docker/postgres.Dockerfile
# xroute images of earlier source trees (now untagged) go; the current ones, their caches and anything not
# built from these Dockerfiles (label org.xroute.project) stay.
$DOCKER image prune -f --filter label=org.xroute.project=xroute >/dev/null 2>&1 || true

# --- 4. the scenario ------------------------------------------------------------------------------------
# Secrets as a real deployment has them: files of uid 10001 (the images' user), mode 0600.
secrets=$SCRATCH/secrets
mkdir -p "$secrets"
for v in binance bybit coindcx; do (umask 077 && printf 'demo-secret' > "$secrets/${v}_api_secret"); done
(umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$secrets/pg_password")
as_root chown 10001:10001 "$secrets"/* || die "cannot give the secret files to uid 10001"

rc=0
XR_SOURCE="$SRC" XR_BIN="$BIN" XR_SCRATCH="$SCRATCH" XROUTE_TAG="$TAG" XROUTE_SECRETS_DIR="$secrets" \
  XROUTE_BASE_IMAGE="$BASE" /usr/bin/python3 "$SRC/tests/integration/compose.py" || rc=$?
[ "$rc" -eq 0 ] || die "scenario failed (exit $rc)"
say "passed"
