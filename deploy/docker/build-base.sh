#!/usr/bin/env bash
# build-base.sh: the Debian 12 base image every xroute image starts FROM, built locally with debootstrap, for
# machines without an image registry (CI, air-gapped hosts). Where Docker Hub is reachable the same role is
# played by `docker pull debian:12-slim && docker tag debian:12-slim xroute/debian:12-slim`.
#
#   build-base.sh [--force] [TAG]     TAG defaults to xroute/debian:12-slim (the name the Dockerfiles use)
#
# It bootstraps `bookworm` (variant minbase) from the Debian mirror this machine's apt already uses (first
# `URIs:` of a deb822 source, else the first `deb` line of sources.list), copies the host's Debian apt sources
# and its Acquire:: settings (proxies, snapshot validity) into the image so apt works inside, makes it slim the
# way Debian's official slim images are (no docs, man pages or locales; apt keeps no caches; services never
# start during package installs), then imports it: `tar -C DIR -c . | docker import - TAG`.
# An existing TAG is kept unless --force is given. Needs root (debootstrap), debootstrap and docker.
# Environment: DOCKER (default /usr/bin/docker if present, else docker), XROUTE_DEBIAN_MIRROR (override the
# mirror), TMPDIR (where the temporary root file system is built).
set -euo pipefail

FORCE=0
if [ "${1:-}" = "--force" ]; then FORCE=1; shift; fi
TAG=${1:-xroute/debian:12-slim}
if [ -z "${DOCKER:-}" ]; then
  if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi

say() { printf '[build-base] %s\n' "$*"; }
die() { printf '[build-base] FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"

if [ "$FORCE" -eq 0 ] && "$DOCKER" image inspect "$TAG" >/dev/null 2>&1; then
  say "$TAG exists (use --force to rebuild)"
  exit 0
fi

# The mirror: the first Debian archive the host's apt uses (not the security archive).
mirror=${XROUTE_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
    [ -n "$mirror" ] && break
  done
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' \
    /etc/apt/sources.list)
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}; set XROUTE_DEBIAN_MIRROR"

root=$(mktemp -d "${TMPDIR:-/tmp}/xroute-base.XXXXXX")
cleanup() { rm -rf --one-file-system "$root"; }
trap cleanup EXIT

say "debootstrap --variant=minbase bookworm from $mirror"
log=$root.log
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1; then
  tail -20 "$log" >&2
  rm -f "$log"
  die "debootstrap failed"
fi
rm -f "$log"

# apt inside the image: the host's Debian sources (deb822 files and sources.list), and the host's Acquire::
# settings (proxy, Check-Valid-Until for snapshot mirrors, index choices), nothing else of the host's.
rm -f "$root/etc/apt/sources.list"
copied=0
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
  [ -f "$f" ] || continue
  grep -Eq 'debian\.org|/debian' "$f" || continue
  case "$f" in /etc/apt/sources.list) dest=$root/etc/apt/sources.list ;; *) dest=$root/etc/apt/sources.list.d/${f##*/} ;; esac
  cp "$f" "$dest"
  copied=$((copied + 1))
done
[ "$copied" -gt 0 ] || printf 'deb %s bookworm main\n' "$mirror" > "$root/etc/apt/sources.list"
for f in /etc/apt/apt.conf.d/*; do
  [ -f "$f" ] || continue
  grep -q '^[[:space:]]*Acquire::' "$f" || continue
  cp "$f" "$root/etc/apt/apt.conf.d/${f##*/}"
done

# Slim, as Debian's own container images: no caches, no docs or locales, no service starts in package scripts.
cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
cat > "$root/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
Acquire::Languages "none";
EOF
cat > "$root/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'EOF'
Apt::AutoRemove::SuggestsImportant "false";
EOF
mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
# dpkg need not fsync every file of a throwaway build layer (as in Debian's images: docker-apt-speedup).
echo 'force-unsafe-io' > "$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
find "$root/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"* "$root/usr/share/locale/"* \
  "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"* "$root/var/cache/debconf/"*-old \
  "$root/var/log/"*.log "$root/var/log/apt/"* "$root/tmp/"*
# The host's identity does not go into the image (Docker provides these at run time).
: > "$root/etc/hostname"
: > "$root/etc/resolv.conf"
rm -f "$root/etc/machine-id" && : > "$root/etc/machine-id"

say "importing $(du -sh "$root" | cut -f1) as $TAG"
tar -C "$root" --numeric-owner -c . | "$DOCKER" import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' - "$TAG" >/dev/null
say "built $TAG"
