#!/usr/bin/env bash
# Privilege separation (issue 16): portctld is a privileged parent, which
# keeps the nftables table and the journal, and a network process, which
# parses every request.  Through a real nftables NAT:
#  - the network process has no capability (CapEff, CapPrm, CapBnd 0),
#    no-new-privileges, a seccomp filter (Seccomp 2) and an empty root;
#  - killed (SIGSYS, as its seccomp filter would, then SIGKILL), it is
#    started again by the parent with every mapping: admin list, kernel
#    elements and traffic as before, and a new MAP is answered;
#  - a malformed message on the IPC socket from its side makes the parent
#    kill it (and only it); one from the parent's side makes it exit; either
#    way the parent carries on with every mapping;
#  - the sixth start within a minute is refused: the parent stops cleanly
#    and the kernel keeps the mappings for the next start.
# Usage: e2e_privsep.sh NFT_DRIVER PORTCTLD PORTCTL
# shellcheck disable=SC2317 # functions called through check
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
netns_e2e_args "$@"
netns_need jq

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT

# With the journal (the default): what a restart of the network process
# must keep is also what the journal keeps.
netns_portctld_conf "$T/conf" "journal yes"
serve_ok "$NS_INT" 8080
serve_ok "$NS_INT" 8081
wait_listen "$NS_INT" 8081 || { echo "servers down"; exit 1; }
check "portctld starts" netns_start_portctld "$T/conf" "$T/log"

# child: the parent's network process now (bounded wait for a new one
# other than $1).
child() {
	local _ c
	for _ in $(seq 1 50); do
		c=$(pgrep -P "$DAEMON" | head -n 1)
		if [ -n "$c" ] && [ "$c" != "${1:-}" ] &&
			grep -q "network process $c: .* restored" "$T/log"; then
			echo "$c"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
status_is() { grep -q "^$2:[[:space:]]*$3\$" "/proc/$1/status"; }

C=$(child) || { echo "no network process"; cat "$T/log"; exit 1; }
check "network process: CapEff 0" status_is "$C" CapEff 0000000000000000
check "network process: CapPrm 0" status_is "$C" CapPrm 0000000000000000
check "network process: CapBnd 0" status_is "$C" CapBnd 0000000000000000
check "network process: NoNewPrivs 1" status_is "$C" NoNewPrivs 1
check "network process: Seccomp 2 (filter)" status_is "$C" Seccomp 2
check "network process: its root is the empty directory, not /" \
	[ "$(readlink "/proc/$C/root")" = "$T/empty" ]
check "the empty directory is root's, 0755, empty" \
	[ "$(stat -c '%u %a' "$T/empty")" = "0 755" ] && [ -z "$(ls -A "$T/empty")" ]
check "the parent is another process" [ "$C" != "$DAEMON" ]

tport=$(netns_pmap -s 192.0.2.1 -l 300 tcp 8080)
uport=$(netns_pmap -s 192.0.2.1 -l 300 udp 8080)
netns_pmap -s 192.0.2.1 -l 300 --description kept tcp 8081 >/dev/null
check "mappings granted" [ -n "$tport" ] && [ -n "$uport" ]
kernel() {
	in_rtr nft list table inet portctl 2>/dev/null |
		sed -e 's/ timeout [0-9hms]*//g; s/ expires [0-9hms]*//g' |
		tr ',' '\n' | sed -e 's/^[[:space:]]*//' | sort
}
traffic() {
	tcp_ok "$NS_EXT" 203.0.113.1 "$tport" && udp_ok "$NS_EXT" 203.0.113.1 "$uport"
}
check "traffic flows" traffic
before_maps=$(netns_mappings)
kernel >"$T/kernel.before"
check "the kernel holds the elements" grep -q "203.0.113.1 . tcp . $tport" "$T/kernel.before"

# nothing_lost WHAT: admin list, kernel and traffic as before, and the new
# network process answers a new MAP (then deleted again).
nothing_lost() {
	check "$1: no mapping lost (admin list)" [ "$(netns_mappings)" = "$before_maps" ]
	kernel >"$T/kernel.after"
	check "$1: the kernel holds the same elements" diff "$T/kernel.before" "$T/kernel.after"
	check "$1: traffic flows" traffic
	check "$1: a new MAP is answered" [ -n "$(netns_pmap -s 192.0.2.1 -l 300 tcp 8090)" ]
	tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 192.0.2.1 tcp 8090 >/dev/null
}

kill -SYS "$C"
C2=$(child "$C")
check "SIGSYS: a new network process" [ -n "$C2" ]
check "SIGSYS: the parent logged why" grep -q "network process killed by signal 31 (Bad system call): a system call outside its seccomp filter" "$T/log"
check "SIGSYS: the parent still runs" kill -0 "$DAEMON"
nothing_lost "after SIGSYS"

kill -KILL "$C2"
C3=$(child "$C2")
check "SIGKILL: a new network process" [ -n "$C3" ]
nothing_lost "after SIGKILL"

check "malformed from the network process: sent" "$INJECT" "$C3"
C4=$(child "$C3")
check "malformed from the network process: the parent killed it" \
	grep -q "network process $C3 sent a malformed message (message shorter than its header): killing it" "$T/log"
check "malformed from the network process: the parent still runs" kill -0 "$DAEMON"
check "malformed from the network process: a new one" [ -n "$C4" ]
nothing_lost "after a malformed message from the network process"

check "malformed from the parent: sent" "$INJECT" "$DAEMON"
C5=$(child "$C4")
check "malformed from the parent: the network process exited" \
	grep -q "malformed message from the parent (message shorter than its header): exiting" "$T/log"
check "malformed from the parent: a new one" [ -n "$C5" ]
nothing_lost "after a malformed message from the parent"

# Five starts so far: the sixth within the minute is refused.
kill -KILL "$C5"
stopped=no
for _ in $(seq 1 50); do
	# Exited: a zombie until this shell waits for it.
	[ "$(awk '{print $3}' "/proc/$DAEMON/stat" 2>/dev/null)" != S ] &&
		[ "$(awk '{print $3}' "/proc/$DAEMON/stat" 2>/dev/null)" != R ] &&
		{ stopped=yes; break; }
	sleep 0.1
done
check "sixth death within a minute: the parent stops" [ "$stopped" = yes ]
check "sixth death within a minute: logged" grep -q "network process died 5 times within 60 s: stopping, mappings kept" "$T/log"
kernel >"$T/kernel.after"
check "sixth death within a minute: the kernel keeps every mapping" diff "$T/kernel.before" "$T/kernel.after"
in_rtr nft delete table inet portctl 2>/dev/null

netns_done
