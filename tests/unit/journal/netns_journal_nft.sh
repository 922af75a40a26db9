#!/usr/bin/env bash
# The state journal over the real nftables backend, through the real daemon
# and client, in network namespaces made here (tests/netns/lib.sh):
#  - portctld killed with -9 and restarted: the mapping is restored (the
#    kernel's element survived; re-creating it must not fail);
#  - the kernel table deleted as well (a reboot loses it): the restart
#    re-creates the kernel state from the journal and traffic flows again;
#  - a clean stop keeps the table and the journal, and the next start
#    resumes them; with on-stop flush a stop removes both.
# Usage: netns_journal_nft.sh PORTCTLD PORTCTL UDP_ANSWER
set -u
# shellcheck source=netns_journal_lib.sh
. "$(dirname "$0")/netns_journal_lib.sh" "$@"

cat >"$T/conf" <<CONF
listen 192.0.2.1
backend nftables
nft-table portctl
external-interface wan0
internal-interface lan0
external-ip 203.0.113.1
state-dir $T/state
control $T/ctl.sock
journal yes
user root
CONF

serve_ok "$NS_INT" 8080
wait_listen "$NS_INT" 8080 || { echo "server down"; exit 1; }

# start: portctld in the router namespace (netns_start_portctld), after
# removing the control socket a killed daemon left behind.
start() {
	rm -f "$T/ctl.sock"
	netns_start_portctld "$T/conf" "$T/log"
}
kill9() {
	kill -9 "$DAEMON" 2>/dev/null
	wait "$DAEMON" 2>/dev/null
}

check "portctld starts with a journal" start
tool in_int "$PORTCTL" map -t 5 --no-state -j -s 192.0.2.1 -l 600 tcp 8080 >"$T/map.json"
port=$(jq -r .external_port "$T/map.json")
check "MAP granted (external port $port)" [ -n "$port" ]
check "TCP from outside reaches the inside" tcp_ok "$NS_EXT" 203.0.113.1 "$port"

kill9
check "after kill -9 the kernel keeps forwarding" tcp_ok "$NS_EXT" 203.0.113.1 "$port"
check "restart after kill -9" start
check "journal: mapping restored, none failed, epoch continued" \
	grep -q "1 mappings restored, 0 expired, 0 failed, restart in the same boot, epoch continued" "$T/log"
check "TCP still reaches the inside" tcp_ok "$NS_EXT" 203.0.113.1 "$port"
tool "$PORTCTL" admin list --json --socket "$T/ctl.sock" >"$T/list.json"
check "admin list: the mapping, same external port" \
	jq -e --argjson p "$port" '.mappings[] | select(.external.port == $p)' "$T/list.json"

kill9
in_rtr nft delete table inet portctl
check_not "kernel state gone: TCP refused" tcp_ok "$NS_EXT" 203.0.113.1 "$port"
check "restart with the kernel table gone" start
check "journal: mapping restored" grep -q "1 mappings restored, 0 expired, 0 failed" "$T/log"
check "restore re-created the kernel state: TCP reaches the inside" \
	tcp_ok "$NS_EXT" 203.0.113.1 "$port"

kill -TERM "$DAEMON"
for _ in $(seq 1 50); do
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
# A clean stop keeps the kernel state and the journal (issue 9); with
# on-stop flush it removes both.
check "clean stop: journal kept" test -s "$T/state/portctld.journal"
check "clean stop: the kernel still forwards" tcp_ok "$NS_EXT" 203.0.113.1 "$port"
echo "on-stop flush" >>"$T/conf"
check "restart after a clean stop" start
check "journal: clean shutdown, epoch continued" \
	grep -q "clean shutdown, epoch continued" "$T/log"
kill -TERM "$DAEMON"
for _ in $(seq 1 50); do
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
check_not "on-stop flush: journal removed with the kernel state" \
	test -e "$T/state/portctld.journal"
check_not "on-stop flush: TCP refused" tcp_ok "$NS_EXT" 203.0.113.1 "$port"
[ "$FAILURES" -eq 0 ] || cat "$T/log" "$T/list.json"

netns_done
