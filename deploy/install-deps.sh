#!/usr/bin/env bash
# Idempotent install of every build, runtime and test dependency of xroute on Debian 12.
# Safe to run many times: it only calls apt-get when a package is missing. Uses sudo when not root.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libzmq3-dev libczmq-dev libmsgpack-dev libcurl4-openssl-dev libssl-dev libpq-dev
  check libjson-c-dev libmicrohttpd-dev
  postgresql postgresql-client
  python3 python3-zmq python3-msgpack
  nodejs npm
  curl ca-certificates procps iproute2 psmisc
  libfaketime
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# node and npm may come from elsewhere than Debian (a machine image); accept any working one.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in nodejs|npm) ;; *) filtered+=("$p") ;; esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all dependencies present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
