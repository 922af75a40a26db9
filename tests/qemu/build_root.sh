#!/usr/bin/env bash
# Builds (once) the guest of the qemu test: a Debian 12 root made by
# mmdebstrap with Debian's own 6.1 kernel package and what the netns tests
# run, as an ext4 image, plus that package's vmlinuz and initrd.
#
#   build_root.sh CACHE_DIR    prints the directory holding
#                              root.img, vmlinuz, initrd.img
#
# The result is kept under CACHE_DIR/<hash of what goes into it>, so a
# second run (or a second make check) reuses it; a change of the package
# list or of the guest's init below builds a new one.  Root only
# (mmdebstrap into a directory, device nodes in the image).
set -euo pipefail

CACHE="${1:?usage: $0 CACHE_DIR}"
# The guest's packages: Debian 12's stock kernel (linux-image-amd64 is the
# 6.1 series in bookworm) with its initramfs, and the run-time libraries and
# tools of tests/netns.
GUEST_PACKAGES=(
	linux-image-amd64 initramfs-tools kmod netbase
	nftables iproute2 socat procps jq busybox
	libmnl0 libnftnl11 libnetfilter-conntrack3 libcap-ng0 libpcap0.8
)
SUITE=bookworm
# The guest's init: mounts what a booted system has, runs the test disk's
# guest.sh (second disk, so that the cached root never changes), powers off.
GUEST_INIT=$(cat <<'INIT'
#!/bin/sh
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
hostname portctl-guest
ip link set lo up
if mount -o ro /dev/vdb /portctl; then
	/portctl/guest.sh
else
	echo "PORTCTL-QEMU no test disk"
fi
sync
echo o >/proc/sysrq-trigger
INIT
)
# The cache key: what goes into the image (a change of this script's
# comments or messages reuses the cached guest).
KEY=$(printf '%s\n' "$SUITE" "${GUEST_PACKAGES[@]}" "$GUEST_INIT" "modules=list" |
	sha256sum | cut -c1-16)
OUT="$CACHE/$KEY"

if [ -s "$OUT/root.img" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ]; then
	echo "$OUT"
	exit 0
fi

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/build.XXXXXX")"
# Never remove a tree something is still mounted in (mmdebstrap mounts
# /proc, /sys and /dev inside the root while it builds and unmounts them
# itself, on failure too).
cleanup() {
	if grep -q " $WORK/" /proc/self/mountinfo; then
		echo "qemu: $WORK still has mounts; left in place" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

# The initrd holds only what finds the root disk (virtio block, ext4):
# small, quick to build and to unpack under TCG, and independent of the
# hardware of the machine that builds it.
list=$(
	IFS=,
	echo "${GUEST_PACKAGES[*]}"
)
echo "qemu: building the $SUITE guest ($list) in $WORK" >&2
mmdebstrap --quiet --variant=minbase --include="$list" \
	--essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d" &&
		echo MODULES=list >"$1/etc/initramfs-tools/conf.d/portctl-qemu" &&
		printf "virtio_pci\nvirtio_blk\next4\n" >"$1/usr/share/initramfs-tools/modules.d/portctl-qemu"' \
	--customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
	"$SUITE" "$WORK/root" >&2

mkdir -p "$WORK/out"
# The kernel and initrd of the installed package (one version only).
cp "$(ls "$WORK"/root/boot/vmlinuz-* | head -n1)" "$WORK/out/vmlinuz"
cp "$(ls "$WORK"/root/boot/initrd.img-* | head -n1)" "$WORK/out/initrd.img"
ls "$WORK"/root/boot/vmlinuz-* | sed 's|.*/vmlinuz-||' >"$WORK/out/kernel-version"
mkdir -p "$WORK/root/portctl"
: >"$WORK/root/etc/machine-id"
printf "%s" "$GUEST_INIT" >"$WORK/root/sbin/portctl-init"
chmod 755 "$WORK/root/sbin/portctl-init"
size=$(du -sm "$WORK/root" | cut -f1)
mkfs.ext4 -q -F -L portctl-root -d "$WORK/root" "$WORK/out/root.img" "$((size + 256))M" >&2

rm -rf "$OUT"
mv "$WORK/out" "$OUT"
echo "$OUT"
