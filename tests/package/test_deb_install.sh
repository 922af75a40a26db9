#!/usr/bin/env bash
# The Debian packages (issue 10): `dpkg-buildpackage -us -uc -b` builds
# portctld, portctl, libportctl0 and libportctl-dev from a copy of this
# tree; lintian finds no error or warning; in a fresh Debian 12 root (made
# by mmdebstrap, cached: build_root.sh) dpkg installs them offline; there
#  - `systemd-analyze verify` accepts the unit,
#  - `portctld -n` accepts the shipped /etc/portctld.conf,
#  - the service is installed disabled, and the account portctld exists,
#  - a program linked against libportctl runs, with no ldconfig by hand,
#  - portctld starts, as ExecStart does, in a network namespace of the
#    test's own, serves a mapping and stops cleanly;
# and a purge leaves no file behind.  Why not boot the root: systemd as
# PID 1 under qemu (TCG) costs minutes, and the unit's sandbox is already
# run against the daemon by test_unit_sandbox.sh.
#
#   test_deb_install.sh SOURCE_DIR
#
# Root only (77 otherwise).  Label "package;slow".
set -u
SRC="$(cd "${1:?usage: $0 SOURCE_DIR}" && pwd)"
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${PORTCTL_DEB_CACHE:-/var/cache/portctl-deb}"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the package test needs root (chroot, namespaces)"
	exit 77
fi
for t in dpkg-buildpackage dh lintian mmdebstrap unshare ip gcc; do
	command -v "$t" >/dev/null || {
		echo "FAIL: $t missing (scripts/deps.sh installs it)"
		exit 1
	}
done

T="$(mktemp -d)"
NS="pctl-deb-$$"
DAEMON=""
cleanup() {
	[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	# Mounts live in the unshared mount namespace of each step: none is
	# left here to remove.
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ok, fail, check and netns_done (its namespaces are not used here).
# shellcheck source=../netns/lib.sh
. "$HERE/../netns/lib.sh"
start=$SECONDS

# --- Build, from a copy: dpkg-buildpackage writes next to the tree. ------
mkdir -p "$T/src/portctl"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
	grep -zv '^debian/\(portctld\|portctl\|libportctl0\|libportctl-dev\|tmp\|\.debhelper\)/' |
	tar --null -T - -cf -) | tar -C "$T/src/portctl" -xf -
(cd "$T/src/portctl" &&
	DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc)" \
		dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1)
check "dpkg-buildpackage -us -uc -b" [ $? = 0 ] || tail -n 30 "$T/build.log"
for p in portctld portctl libportctl0 libportctl-dev; do
	check "package $p built" [ -f "$T/src/${p}_"*.deb ]
done
echo "built in $((SECONDS - start)) s"
[ "$FAILURES" -eq 0 ] || exit 1

lintian --fail-on error,warning --display-level '>=warning' \
	"$T/src/"portctl_*.changes >"$T/lintian.log" 2>&1
check "lintian: no error, no warning" [ $? = 0 ]
grep -v 'root privileges' "$T/lintian.log"

# --- A fresh Debian 12 root. ---------------------------------------------
TAR="$("$HERE/build_root.sh" "$CACHE")" || {
	echo "FAIL: building the Debian 12 root"
	exit 1
}
ROOT="$T/root"
mkdir "$ROOT"
tar -C "$ROOT" -xf "$TAR"
mkdir -p "$ROOT/tmp/debs"
cp "$T/src/"*.deb "$ROOT/tmp/debs/"
# A program linked against the library, built here against the -dev
# package's files and run there.
dpkg-deb -x "$T/src/"libportctl-dev_*.deb "$T/dev"
dpkg-deb -x "$T/src/"libportctl0_*.deb "$T/dev"
libdir=$(dirname "$(find "$T/dev" -name libportctl.so | head -n1)")
gcc -I"$T/dev/usr/include" -o "$ROOT/tmp/uselib" "$HERE/uselib.c" -L"$libdir" -lportctl
check "a program links against libportctl-dev" [ -x "$ROOT/tmp/uselib" ]

# in_root CMD...: CMD in the root, with /proc, /sys and /dev, in a mount
# namespace of its own (the mounts end with it).  The root's /run is its
# own directory, so that the daemon's control socket is seen by the next
# command.
in_root() {
	unshare --mount --propagation private sh -c '
		root=$1; shift
		mount -t proc proc "$root/proc" && mount -t sysfs sys "$root/sys" &&
		mount --rbind /dev "$root/dev" &&
		exec chroot "$root" "$@"' sh "$ROOT" "$@"
}
find "$ROOT" -xdev | sed "s|^$ROOT||" | sort >"$T/before"

in_root sh -c 'dpkg -i /tmp/debs/*.deb' >"$T/install.log" 2>&1
check "dpkg -i installs the four packages offline" [ $? = 0 ] || tail -n 20 "$T/install.log"
# (--man=no: a minbase root has no man-db to look up Documentation=.)
check "systemd-analyze verify portctld.service" \
	in_root systemd-analyze verify --man=no /lib/systemd/system/portctld.service
check "portctld -n accepts the shipped /etc/portctld.conf" \
	in_root /usr/sbin/portctld -n
check "the service is installed disabled" \
	[ "$(in_root systemctl is-enabled portctld.service 2>/dev/null)" = disabled ]
check "the account portctld exists (sysusers.d)" in_root getent passwd portctld
check "a removal stops the service (prerm)" \
	grep -q "deb-systemd-invoke stop 'portctld.service'" "$ROOT/var/lib/dpkg/info/portctld.prerm"
# (restart: deb-systemd-invoke leaves a disabled unit alone unless it runs)
check "an upgrade restarts the service (postinst)" \
	grep -q "_dh_action=restart" "$ROOT/var/lib/dpkg/info/portctld.postinst"
check "the library loads without a manual ldconfig" \
	[ "$(in_root /tmp/uselib)" = 192.0.2.1 ]

# --- It starts: portctld -f as ExecStart runs it, in a namespace. --------
ip netns add "$NS" && ip -n "$NS" link set lo up
unshare --mount --propagation private sh -c '
	root=$1 ns=$2
	mount -t proc proc "$root/proc" &&
	exec ip netns exec "$ns" chroot "$root" /usr/sbin/portctld -f' \
	sh "$ROOT" "$NS" >"$T/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 100); do
	grep -q "started: backend" "$T/daemon.log" && break
	sleep 0.1
done
check "portctld starts with the shipped configuration" grep -q "started: backend none" "$T/daemon.log"
# (unshare, sh, ip netns exec and chroot each exec the next: $DAEMON is
# portctld.)
check "it runs as portctld" \
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$DAEMON/status")" = "$(in_root id -u portctld)" ]
in_ns_root() { ip netns exec "$NS" chroot "$ROOT" "$@"; }
port=$(in_ns_root timeout 10 portctl map -j --state /tmp/client-state -s 127.0.0.1 -l 120 tcp 8080 | sed -n 's/.*"external_port": *\([0-9]*\).*/\1/p')
check "it grants a mapping (external port ${port:-none})" [ -n "$port" ]
check "portctl admin list shows it (control socket /run/portctld/portctld.sock)" \
	sh -c "timeout 10 ip netns exec $NS chroot $ROOT portctl admin list | grep -q 8080"
kill -TERM "$DAEMON"
wait "$DAEMON"
rc=$?
DAEMON=""
check "a clean stop (status $rc)" [ "$rc" = 0 ]
[ "$FAILURES" -eq 0 ] || sed 's/^/daemon: /' "$T/daemon.log"

# --- Purge: nothing left behind. ----------------------------------------
in_root dpkg --purge portctld portctl libportctl-dev libportctl0 >"$T/purge.log" 2>&1
check "dpkg --purge" [ $? = 0 ] || tail -n 20 "$T/purge.log"
find "$ROOT" -xdev | sed "s|^$ROOT||" | sort >"$T/after"
# What may differ: dpkg's and the logs' own records, the linker's caches,
# systemd-analyze's marker in /run, the test's files in /tmp, and the
# account (Debian leaves system users in place: files may still belong to
# them).
comm -13 "$T/before" "$T/after" |
	grep -Ev '^/(var/lib/dpkg|var/log|tmp|run/systemd)(/|$)|^/etc/(ld\.so\.cache|(passwd|group|shadow|gshadow)-)$|^/var/cache/ldconfig/aux-cache$' \
	>"$T/left"
check "the purge leaves nothing behind$( [ -s "$T/left" ] && echo ": $(tr '\n' ' ' <"$T/left")")" \
	[ ! -s "$T/left" ]
echo "whole test $((SECONDS - start)) s"
netns_done
