#!/usr/bin/env bash
# The nftables backend on Debian 12's stock kernel (issue 9, "Stock
# kernels"): boots Debian's own linux-image 6.1 package under qemu (TCG: no
# KVM needed) with a minimal Debian 12 root built by build_root.sh, and runs
# tests/netns/test_nft_backend.sh inside it with this build tree's
# nft_driver.  The 6.1 kernel has no DESTROYSETELEM, so
# this is what proves the backend's fallback (nft_features.h).
#
#   test_stock_kernel.sh NFT_DRIVER
#
# The guest has no network device (-nic none): the test traffic runs in the
# guest's own namespaces.  The built root and kernel are cached under
# PORTCTL_QEMU_CACHE (default /var/cache/portctl-qemu); the first run builds
# them (mmdebstrap, a few minutes).  Root only (exit 77 otherwise).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
DRIVER="${1:?usage: $0 NFT_DRIVER}"
CACHE="${PORTCTL_QEMU_CACHE:-/var/cache/portctl-qemu}"
# The whole guest run (boot, the test, power off) must end within this;
# then qemu is killed.
GUEST_TIMEOUT="${PORTCTL_QEMU_TIMEOUT:-900}"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the qemu test needs root (mmdebstrap, device nodes)"
	exit 77
fi
for t in qemu-system-x86_64 mmdebstrap mkfs.ext4; do
	command -v "$t" >/dev/null || {
		echo "FAIL: $t missing (scripts/deps.sh installs it)"
		exit 1
	}
done

T="$(mktemp -d)"
QEMU_PID=""
cleanup() {
	if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill "$QEMU_PID"
		wait "$QEMU_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

start=$SECONDS
GUEST="$("$HERE/build_root.sh" "$CACHE")" || {
	echo "FAIL: building the guest root"
	exit 1
}
echo "guest root: $GUEST (kernel $(cat "$GUEST/kernel-version")), ready after $((SECONDS - start)) s"

# The test disk: this tree's test tools and the netns test scripts.
mkdir -p "$T/disk/bin" "$T/disk/netns"
cp "$DRIVER" "$(dirname "$DRIVER")/udp_answer" "$T/disk/bin/"
cp "$HERE/../netns/lib.sh" "$HERE/../netns/test_nft_backend.sh" "$T/disk/netns/"
cp "$HERE/guest.sh" "$T/disk/"
mkfs.ext4 -q -F -d "$T/disk" "$T/tests.img" 64M >/dev/null || exit 1

# The root disk is opened with snapshot=on: the guest's writes go to a
# temporary overlay, the cached image never changes.
boot=$SECONDS
qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -nographic -no-reboot \
	-nic none \
	-kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.img" \
	-drive file="$GUEST/root.img",format=raw,if=virtio,snapshot=on \
	-drive file="$T/tests.img",format=raw,if=virtio,readonly=on \
	-append "console=ttyS0 root=/dev/vda rw init=/sbin/portctl-init panic=-1 fsck.mode=skip quiet loglevel=4" \
	</dev/null >"$T/console.log" 2>&1 &
QEMU_PID=$!

# Wait, bounded, for the guest to finish (it powers off after its marker).
while kill -0 "$QEMU_PID" 2>/dev/null; do
	if [ $((SECONDS - boot)) -ge "$GUEST_TIMEOUT" ]; then
		echo "FAIL: the guest did not finish within $GUEST_TIMEOUT s"
		break
	fi
	sleep 1
done
cleanup_done=0
if kill -0 "$QEMU_PID" 2>/dev/null; then
	kill "$QEMU_PID"
	wait "$QEMU_PID" 2>/dev/null
	cleanup_done=1
fi
QEMU_PID=""
# (The console's escape sequences may precede a line: markers are found
# anywhere in it.)
tr -d '\r' <"$T/console.log" | sed 's/.*PORTCTL-QEMU/PORTCTL-QEMU/' >"$T/out.log"
cat "$T/out.log"
echo "guest ran $((SECONDS - boot)) s; whole test $((SECONDS - start)) s"

failures=0
ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*"
	failures=$((failures + 1))
}
kernel=$(sed -n 's/^PORTCTL-QEMU kernel //p' "$T/out.log")
case "$kernel" in
6.1.*) ok "the guest runs Debian 12's stock kernel ($kernel)" ;;
*) fail "the guest runs a 6.1 kernel (saw '${kernel:-nothing}')" ;;
esac
line=$(grep "^PORTCTL-QEMU test test_nft_backend " "$T/out.log")
case "$line" in
*" rc=0 "*) ok "test_nft_backend passes on $kernel (${line##*seconds=} s)" ;;
*) fail "test_nft_backend on ${kernel:-?}: ${line:-no result}" ;;
esac
grep -q "^PORTCTL-QEMU done" "$T/out.log" && [ "$cleanup_done" = 0 ] &&
	ok "the guest finished and powered off" ||
	fail "the guest finished and powered off"
if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
