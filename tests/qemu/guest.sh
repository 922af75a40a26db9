#!/bin/bash
# Runs inside the qemu guest (started by the root's /sbin/portctl-init from
# the test disk mounted on /portctl): the nftables backend's netns test on
# Debian 12's own kernel.  Prints the "PORTCTL-QEMU" lines the host side
# (test_stock_kernel.sh) checks, then powers the guest off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cd /portctl || exit 1
echo "PORTCTL-QEMU kernel $(uname -r)"
cat /proc/version
# The host may be busy and TCG is slow: give each client more time than
# on real hardware (lib.sh), or a late answer reads as a dropped packet.
# 4 s was not enough while the host ran the rest of the suite beside it
# (ctest -j2): a connection that works ("unmapped ports still leave through
# the router's masquerade", "TCP reaches the inside") came back empty in
# about one run in four; the checks that expect silence wait this long.
export NETNS_WAIT=8 NETNS_STEP_TIMEOUT=16
start=$SECONDS
netns/test_nft_backend.sh /portctl/bin/nft_driver 2>&1 | sed 's/^/[test_nft_backend] /'
echo "PORTCTL-QEMU test test_nft_backend rc=${PIPESTATUS[0]} seconds=$((SECONDS - start))"
echo "PORTCTL-QEMU done"
sync
busybox poweroff -f
