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
export NETNS_WAIT=4 NETNS_STEP_TIMEOUT=8
start=$SECONDS
netns/test_nft_backend.sh /portctl/bin/nft_driver 2>&1 | sed 's/^/[test_nft_backend] /'
echo "PORTCTL-QEMU test test_nft_backend rc=${PIPESTATUS[0]} seconds=$((SECONDS - start))"
echo "PORTCTL-QEMU done"
sync
busybox poweroff -f
