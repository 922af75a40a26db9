#!/usr/bin/env bash
# Builds (once) the fresh Debian 12 root the package test installs into: a
# minbase root made by mmdebstrap with what the packages depend on, kept
# as a tarball so that each run unpacks a root nobody has touched.
#
#   build_root.sh CACHE_DIR    prints the path of root.tar
#
# Cached under CACHE_DIR/<hash of the package list>, like tests/qemu's
# guest: a second run reuses it.  The dependencies are installed here so
# that the test itself installs the .debs with dpkg, offline.  Root only.
set -euo pipefail

CACHE="${1:?usage: $0 CACHE_DIR}"
# The packages' run-time dependencies (dpkg-shlibdeps' list, and the
# systemd that provides systemd-sysusers and systemd-analyze, procps for
# the unit's /bin/kill), and iproute2
# and nftables for the start in a network namespace.
PACKAGES=(
	systemd procps nftables iproute2
	libmnl0 libnftnl11 libnetfilter-conntrack3 libcap-ng0 libpcap0.8
	libmicrohttpd12 libexpat1 libcurl4
)
SUITE=bookworm
KEY=$(printf '%s\n' "$SUITE" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
OUT="$CACHE/$KEY"

if [ -s "$OUT/root.tar" ]; then
	echo "$OUT/root.tar"
	exit 0
fi
mkdir -p "$OUT"
list=$(
	IFS=,
	echo "${PACKAGES[*]}"
)
echo "package: building the $SUITE root ($list)" >&2
mmdebstrap --quiet --variant=minbase --include="$list" \
	--customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
	"$SUITE" "$OUT/root.tmp.tar" >&2
mv "$OUT/root.tmp.tar" "$OUT/root.tar"
echo "$OUT/root.tar"
