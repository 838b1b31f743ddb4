#!/usr/bin/env bash
# Makes the base image every other image starts FROM, without any registry:
# debootstrap a minimal Debian sid rootfs (sid carries MySQL 9.7) and `docker import` it.
# Usage: bootstrap-base.sh <image tag> [label=value ...]   (labels go on the image)
set -euo pipefail
tag=${1:?usage: bootstrap-base.sh <image tag>}
suite=${VITESS_CHAOS_SUITE:-sid}
mirror=${VITESS_CHAOS_MIRROR:-http://deb.debian.org/debian}

shift
changes=(--change 'CMD ["/bin/bash"]')
for label in "$@"; do changes+=(--change "LABEL $label"); done
if ! command -v debootstrap >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing debootstrap"
    apt-get update -q >/dev/null  # a new machine may have no package lists yet
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
  else
    echo "debootstrap is missing: install it (apt-get install debootstrap) as root" >&2; exit 2
  fi
fi

rootfs=$(mktemp -d /var/tmp/vitess-chaos-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "debootstrap $suite (minbase) from $mirror"
debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror"
# The sid mirror is a frozen snapshot whose Release files have expired.
echo 'Acquire::Check-Valid-Until "false";' > "$rootfs/etc/apt/apt.conf.d/99no-check-valid-until"
# Keep images small: no docs, no apt lists after each install.
printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' > "$rootfs/etc/dpkg/dpkg.cfg.d/01-nodoc"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
echo "docker import -> $tag"
tar -C "$rootfs" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
echo "$tag ready"
