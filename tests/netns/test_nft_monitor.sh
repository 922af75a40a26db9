#!/usr/bin/env bash
# The nftables backend's change notifications (dataplane/nft_monitor.c),
# below the daemon: another program's deletion is noticed and repaired,
# while a burst of the backend's own changes (enough to overrun the
# notification socket) is not taken for a loss.  In a namespace of its own.
# Usage: test_nft_monitor.sh NFT_DRIVER
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DRIVER="${1:?usage: $0 NFT_DRIVER}"
netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT
drv() { tool in_rtr "$DRIVER" -t mon -e wan0 "$@"; }

check "a mapping installed" drv create id=1,proto=6,int=192.0.2.2,iport=80,ext=203.0.113.1,eport=8080,life=60
# The driver listens, another program deletes the table.
in_rtr "$DRIVER" -t mon -e wan0 events 5 >"$T/out" 2>&1 &
DRV=$!
NETNS_PIDS+=("$DRV")
sleep 0.5
in_rtr nft delete table inet mon
wait "$DRV"
cat "$T/out"
check "the deletion is reported, with the program" \
	grep -q "^events: 1 table inet mon changed: table deleted by another program (nft, pid" "$T/out"
quiet() { "$@" >/dev/null; }
check "the table is back, with its chains" quiet in_rtr nft list chain inet mon admit

# The element of the mapping is back only when the backend knew it: this
# driver run did not install it, so it re-installs none ("0 mappings").
check "re-installed what it had installed" grep -q "with 0 mappings" "$T/out"

# A commit that finds the table gone (deleted between two commits, before
# any notification was read) repairs it and succeeds: the request is not
# refused.
A=id=2,proto=17,int=192.0.2.2,iport=53,ext=203.0.113.9,eport=5353,life=60
B=id=3,proto=17,int=192.0.2.2,iport=54,ext=203.0.113.9,eport=5354,life=60
in_rtr "$DRIVER" -t mon -e wan0 -w "$T/go" create "$A" +create "$B" >"$T/out" 2>&1 &
DRV=$!
NETNS_PIDS+=("$DRV")
for _ in $(seq 1 100); do [ -e "$T/go.ready" ] && break; sleep 0.1; done
in_rtr nft delete table inet mon
touch "$T/go"
check "the commit after the deletion succeeds" wait "$DRV"
cat "$T/out"
elements() { in_rtr nft list map inet mon dnat4 | grep -o "203.0.113.9 . udp . 535[34] " | wc -l; }
check "both mappings are in the kernel" [ "$(elements)" -eq 2 ]

# Many mappings: the backend's own notifications are not a loss.
drv bench 20000 1000 >"$T/bench" 2>&1
cat "$T/bench"
check "our own burst is not a loss" grep -q "^events: 0 $" "$T/bench"

# Another program's burst in another table overruns the notification
# socket of a backend that does not read for a while: the table is read
# back and found whole, so nothing is re-installed.
{
	echo "table inet other { set s { type inet_service . ipv4_addr; elements = {"
	seq 1 60000 | awk '{ printf "%d . 198.51.100.%d,\n", $1 % 65000 + 1, $1 % 250 + 1 }' | sort -u
	printf "}\n}\n}\n"
} >"$T/burst.nft"
in_rtr "$DRIVER" -t mon -e wan0 events 1 3 >"$T/out" 2>&1 &
DRV=$!
NETNS_PIDS+=("$DRV")
sleep 0.5
check "a burst elsewhere" in_rtr nft -f "$T/burst.nft"
wait "$DRV"
cat "$T/out"
check "an overrun with the table whole is not a loss" grep -q "^events: 0 $" "$T/out"
in_rtr nft delete table inet other
drv destroy
netns_done
