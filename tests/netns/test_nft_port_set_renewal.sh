#!/usr/bin/env bash
# Issue 15 item 6: renewing a PORT_SET mapping without changing it restarts
# the kernel timeouts of its elements in place, instead of deleting and
# creating every element again; a renewal with the same lifetime restarts
# them too; traffic keeps flowing.  `nft monitor` shows what the kernel was
# asked: no element is deleted by such a renewal, while a renewal that
# changes the mapping (another filter) still replaces its elements.
# Usage: test_nft_port_set_renewal.sh /path/to/nft_driver
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DRIVER="${1:?usage: $0 NFT_DRIVER}"
netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
TABLE="pctlset"
drv() { tool in_rtr "$DRIVER" -t "$TABLE" -e wan0 "$@"; }
# 64 ports: internal 8048..8111 on external 18048..18111.
set64() { echo "id=1,proto=6,int=192.0.2.2,iport=8048,ext=203.0.113.1,eport=18048,count=64,life=$1${2:+,$2}"; }
MON="$(mktemp)"
trap 'rm -f "$MON"; netns_cleanup' EXIT

# TCP only: the test looks at elements, one flow shows they still work.
netns_spawn "$NS_INT" socat TCP4-LISTEN:8080,fork,reuseaddr SYSTEM:'echo ok'
wait_listen "$NS_INT" 8080 || { echo "server down"; exit 1; }

# Watch the table's element events while creating and renewing (one
# driver process: the backend knows what it installed, as the daemon does).
ip netns exec "$NS_RTR" timeout 30 nft monitor elements >"$MON" 2>/dev/null &
NETNS_PIDS+=("$!")
sleep 0.5
check "a port set of 64 (60 s), renewed to 3600 s, and again 2 s later" \
	drv create "$(set64 60)" +refresh "$(set64 3600)" +sleep +refresh "$(set64 3600)"
sleep 0.5
dels=$(grep -c "^delete element" "$MON")
check "no element was deleted by the renewals (saw $dels deletes)" [ "$dels" -eq 0 ]
n=$(in_rtr nft list map inet "$TABLE" dnat4 | grep -o "timeout 1h expires 59m5[89]s" | wc -l)
check "all 64 DNAT elements restarted to 1h by the last renewal ($n)" [ "$n" -eq 64 ]
n=$(in_rtr nft list map inet "$TABLE" snat4 | grep -o "timeout 1h expires 59m5[89]s" | wc -l)
check "all 64 SNAT elements restarted to 1h ($n)" [ "$n" -eq 64 ]
n=$(in_rtr nft list set inet "$TABLE" open4 | grep -o "timeout 1h expires 59m5[89]s" | wc -l)
check "all 64 pinhole elements restarted to 1h ($n)" [ "$n" -eq 64 ]
check "TCP via 203.0.113.1:18080 reaches 8080" tcp_ok "$NS_EXT" 203.0.113.1 18080

# The monitor sees deletes: a renewal that changes the mapping replaces
# its elements.
check "renewal adding a filter" \
	drv create "$(set64 3600)" +refresh "$(set64 3600 filter=203.0.113.9/32)"
sleep 0.5
dels=$(grep -c "^delete element" "$MON")
check "a changed mapping's elements are replaced (saw $dels deletes)" [ "$dels" -gt 0 ]

check "remove" drv remove "$(set64 3600 filter=203.0.113.9/32)"
n=$(in_rtr nft list map inet "$TABLE" dnat4 | grep -c "18080")
check "no DNAT element left" [ "$n" -eq 0 ]
drv destroy >/dev/null 2>&1
netns_done
