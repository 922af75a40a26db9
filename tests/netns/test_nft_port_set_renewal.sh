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

# A single-port mapping created with the set and never renewed: the
# elements of a set whose timers restarted expire about 2 s after it.
ref() { echo "id=2,proto=6,int=192.0.2.2,iport=9000,ext=203.0.113.1,eport=19000,life=3600"; }
# Expiry in ms of each element of a set or map listed on stdin:
# "PORT MS" lines (PORT: the key's last field).
expiries() {
	grep -o -E "tcp \. [0-9]+ timeout 1h expires [0-9hms]+" |
		awk '{ e = $7; ms = 0
			if (match(e, /[0-9]+h/)) ms += substr(e, RSTART, RLENGTH - 1) * 3600000
			if (match(e, /[0-9]+m[0-9]/)) ms += substr(e, RSTART, RLENGTH - 2) * 60000
			if (match(e, /[0-9]+s/)) ms += substr(e, RSTART, RLENGTH - 1) * 1000
			if (match(e, /[0-9]+ms/)) ms += substr(e, RSTART, RLENGTH - 2)
			print $3, ms }'
}
# restarted SET: how many of the set's 64 elements expire at least 1 s
# after the reference mapping's (listed in the same instant).
restarted() {
	in_rtr nft list "$1" inet "$TABLE" "$2" | expiries |
		awk '$1 == 9000 || $1 == 19000 { ref = $2; next }
			{ e[$1] = $2 }
			END { n = 0; for (p in e) if (e[p] - ref >= 1000) n++; print n }'
}

# Watch the table's element events while creating and renewing (one
# driver process: the backend knows what it installed, as the daemon does).
ip netns exec "$NS_RTR" timeout 300 nft monitor elements >"$MON" 2>/dev/null &
NETNS_PIDS+=("$!")
sleep 0.5
check "a port set of 64 (60 s), renewed to 3600 s, and again 2 s later" \
	drv create "$(set64 60)" "$(ref)" +refresh "$(set64 3600)" +sleep +refresh "$(set64 3600)"
sleep 0.5
dels=$(grep -c "^delete element" "$MON")
check "no element was deleted by the renewals (saw $dels deletes)" [ "$dels" -eq 0 ]
n=$(restarted map dnat4)
check "all 64 DNAT elements restarted by the last renewal ($n)" [ "$n" -eq 64 ]
n=$(restarted map snat4)
check "all 64 SNAT elements restarted ($n)" [ "$n" -eq 64 ]
n=$(restarted set open4)
check "all 64 pinhole elements restarted ($n)" [ "$n" -eq 64 ]
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
