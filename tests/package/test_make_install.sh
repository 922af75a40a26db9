#!/usr/bin/env bash
# `make install` (cmake --install) into the running system runs ldconfig, so
# that a program linked against libportctl finds it at once (issue 10).
# Run in a mount namespace of the test's own, with a tmpfs on /usr/local
# and an overlay on /etc (ldconfig writes /etc/ld.so.cache): the host sees
# nothing of it.  Also checks what the installation holds besides the
# programs: the unit naming this prefix's portctld, the sysusers.d entry,
# the sample configuration.  Root only (77 otherwise).
#
#   test_make_install.sh BUILD_DIR
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
BUILD="$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)"
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (mount namespace)"
	exit 77
fi
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/up" "$T/work"

# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private sh -c '
	set -e
	T=$1 BUILD=$2 HERE=$3
	mount -t overlay overlay -o lowerdir=/etc,upperdir="$T/up",workdir="$T/work" /etc
	mount -t tmpfs none /usr/local
	cmake --install "$BUILD" --prefix /usr/local >"$T/install.log" 2>&1
	gcc -I/usr/local/include -o "$T/uselib" "$HERE/uselib.c" -L/usr/local/lib -lportctl
	echo "uselib: $("$T/uselib" 2>&1)"
	echo "unit: $(grep "^ExecStart=" /usr/local/lib/systemd/system/portctld.service)"
	test -s /usr/local/lib/sysusers.d/portctld.conf && echo "sysusers: yes"
	test -s /usr/local/share/doc/portctl/examples/portctld.conf && echo "sample: yes"
' sh "$T" "$BUILD" "$HERE" >"$T/out" 2>&1
rc=$?
cat "$T/out"
fails=0
check() {
	if grep -qx "$2" "$T/out"; then echo "ok - $1"; else
		echo "not ok - $1"
		fails=$((fails + 1))
	fi
}
[ "$rc" = 0 ] || { echo "not ok - install (status $rc)"; cat "$T/install.log"; exit 1; }
grep -q "Running .*ldconfig" "$T/install.log" && echo "ok - ldconfig ran" ||
	{ echo "not ok - ldconfig ran"; fails=$((fails + 1)); }
check "a program linked against the installed library runs" "uselib: 192.0.2.1"
check "the unit runs this prefix's portctld" "unit: ExecStart=/usr/local/sbin/portctld -f"
check "the sysusers.d entry is installed" "sysusers: yes"
check "the sample configuration is installed" "sample: yes"
[ "$fails" -eq 0 ] && echo "all checks passed"
exit $((fails != 0))
