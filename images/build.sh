#!/usr/bin/env bash
# Build (or reuse) the local systemd base image for one Debian suite.
# No registry is reachable, so the image comes from debootstrap + docker import.
# The image is labelled with a hash of this recipe and rebuilt only when it changes.
set -euo pipefail

suite="${1:?usage: images/build.sh SUITE (trixie|bookworm|forky)}"
here="$(cd "$(dirname "$0")" && pwd)"
tag="hpcstack/debian:${suite}"
mirror="${HPCSTACK_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${HPCSTACK_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
packages="systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,procps,ca-certificates,sudo,less,gnupg"

recipe_hash="$( (cat "$0"; echo "$suite $mirror $security_mirror $packages") | sha256sum | cut -c1-16)"

current="$(docker image inspect --format '{{ index .Config.Labels "org.hpcstack.recipe" }}' "$tag" 2>/dev/null || true)"
if [[ "$current" == "$recipe_hash" ]]; then
  echo "image $tag is up to date (recipe $recipe_hash)"
  exit 0
fi

command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }
# bookworm's debootstrap may not know trixie or forky; their script is the same as sid's.
if [[ ! -e "/usr/share/debootstrap/scripts/$suite" ]]; then
  ln -s sid "/usr/share/debootstrap/scripts/$suite"
fi

rootfs="$(mktemp -d /var/tmp/hpcstack-rootfs-XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
echo "building $tag (recipe $recipe_hash) with debootstrap from $mirror ..."
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
  || { tail -30 "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# Debian testing (forky): the mirror's Release file is past its Valid-Until and apt refuses it.
# The override lives in this lab image only, never in a role's defaults.
if [[ "$suite" == forky ]]; then
  echo 'Acquire::Check-Valid-Until "false";' >"$rootfs/etc/apt/apt.conf.d/99hpcstack-lab-valid-until"
fi

cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
chroot "$rootfs" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade && apt-get clean' >/dev/null
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
: >"$rootfs/etc/machine-id"
# Empty package lists must look stale: apt's cache_valid_time judges the lists directory's mtime.
touch -d @0 "$rootfs/var/lib/apt/lists"
# Containers don't need these units; they only slow boot or fail without a real kernel.
for unit in systemd-remount-fs.service getty@tty1.service console-getty.service systemd-firstboot.service; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done

# systemd 258 and later (Debian 14) refuse to boot on cgroup v1, which is all this project's test hosts
# have: give such a systemd a cgroup2 mount (without controllers) over the container's /sys/fs/cgroup.
cat >"$rootfs/usr/local/sbin/hpcstack-init" <<'INIT'
#!/bin/sh
version="$(/lib/systemd/systemd --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')"
if [ "${version:-0}" -ge 258 ] && [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
  mount -t cgroup2 none /sys/fs/cgroup
fi
exec /sbin/init "$@"
INIT
chmod 0755 "$rootfs/usr/local/sbin/hpcstack-init"

tar -C "$rootfs" -c . | docker import \
  --change 'CMD ["/usr/local/sbin/hpcstack-init"]' \
  --change 'ENV container=docker' \
  --change "LABEL org.hpcstack.recipe=$recipe_hash org.hpcstack.suite=$suite" \
  - "$tag" >/dev/null
echo "built $tag ($(docker image inspect --format '{{.Size}}' "$tag" | numfmt --to=iec))"
