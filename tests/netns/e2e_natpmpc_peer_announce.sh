#!/usr/bin/env bash
# End-to-end checks that e2e_portctld_nft.sh does not make, with
# real traffic through portctld --backend nftables on the router:
#  1. a NAT-PMP mapping made by a client written by others (Debian's
#     natpmpc) carries UDP and TCP from outside in; its deletion stops
#     that (N-3, N-4, N-9);
#  2. PEER keeps an idle outbound UDP flow open past the router's (short)
#     conntrack timeout, while an unrenewed flow falls back to the normal
#     implicit behaviour and its return traffic is dropped (S-64..S-66);
#  3. after kill -9 of a daemon without a journal, the restart sends an
#     unsolicited ANNOUNCE (result 0, epoch 0) that the internal host
#     receives on 224.0.0.1:5350 (S-93, S-25).
# Usage: e2e_natpmpc_peer_announce.sh NFT_DRIVER PORTCTLD PORTCTL
# shellcheck disable=SC2317 # functions called through check/check_not
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
netns_e2e_args "$@"
netns_need jq natpmpc

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT

# journal no: a kill -9 loses every mapping, so the restart must announce
# (part 3).  One announcement per start keeps the capture short.
netns_portctld_conf "$T/conf" "announce-count 1"

alive() { kill -0 "$1" 2>/dev/null; }

serve_ok "$NS_INT" 8090
if ! { wait_listen "$NS_INT" 8090 && wait_listen "$NS_INT" 8090 u; }; then
	echo "servers down"
	exit 1
fi
check "portctld --backend nftables starts" netns_start_portctld "$T/conf" "$T/log1"

# ---- 1. natpmpc (RFC 6886 client by others) through the kernel NAT ----
# natpmpc_map and natpmpc_del: lib.sh.
nu=$(natpmpc_map udp 8090 8090 60)
check "N-3: natpmpc udp mapping granted (public port $nu)" [ -n "$nu" ]
check "N-3: natpmpc mapping: UDP from outside reaches the inside" \
	udp_ok "$NS_EXT" 203.0.113.1 "${nu:-0}"
nt=$(natpmpc_map tcp 8090 8090 60)
check "N-3: natpmpc tcp mapping granted (public port $nt)" [ -n "$nt" ]
check "N-3: natpmpc mapping: TCP from outside reaches the inside" \
	tcp_ok "$NS_EXT" 203.0.113.1 "${nt:-0}"
check "N-4: natpmpc deletes the udp mapping (lifetime 0)" \
	natpmpc_del udp "${nu:-0}" 8090
check_not "N-4/N-9: after delete, UDP from outside no longer gets in" \
	udp_ok "$NS_EXT" 203.0.113.1 "${nu:-0}"
check "N-4: the tcp mapping survives the udp deletion" \
	tcp_ok "$NS_EXT" 203.0.113.1 "${nt:-0}"
check "N-4: natpmpc deletes the tcp mapping (lifetime 0)" \
	natpmpc_del tcp "${nt:-0}" 8090
check_not "N-4/N-9: after delete, TCP from outside no longer gets in" \
	tcp_ok "$NS_EXT" 203.0.113.1 "${nt:-0}"
# N-9: internal port 0 and lifetime 0 delete all the client's UDP mappings.
na=$(natpmpc_map udp 8090 8090 60)
check "N-3: natpmpc udp mapping granted again (public port $na)" \
	udp_ok "$NS_EXT" 203.0.113.1 "${na:-0}"
check "N-9: natpmpc deletes all udp mappings (private port 0, lifetime 0)" \
	natpmpc_del udp 0 0
check_not "N-9: after delete-all, UDP from outside no longer gets in" \
	udp_ok "$NS_EXT" 203.0.113.1 "${na:-0}"

# ---- 2. PEER outlives the router's conntrack timeout ----
# Per-namespace sysctls: only the router's flows time out after 5 s.
check "router conntrack UDP timeouts set to 5 s" in_rtr sysctl -qw \
	net.netfilter.nf_conntrack_udp_timeout=5 \
	net.netfilter.nf_conntrack_udp_timeout_stream=5
serve_peer "$NS_EXT" 9999
# The internal ends of the flows answer "ok" to whatever comes back.
serve_ok "$NS_INT" 7010
serve_ok "$NS_INT" 7011
if ! { wait_listen "$NS_EXT" 9999 u && wait_listen "$NS_INT" 7010 u &&
	wait_listen "$NS_INT" 7011 u; }; then
	echo "flow servers down"
	exit 1
fi

# flow PORT: one UDP exchange 192.0.2.2:PORT <-> 203.0.113.2:9999 through
# the router's masquerade; prints the external port the flow got.
flow() {
	udp_get "$NS_INT" 203.0.113.2 9999 "sourceport=$1,reuseaddr" |
		sed -n 's/^203\.0\.113\.1 \([0-9]*\)$/\1/p'
}
# back PORT: a datagram from the flow's peer to the flow's external port;
# succeeds if the internal end received it (and its answer came back).
back() { udp_ok "$NS_EXT" 203.0.113.1 "$1" "sourceport=9999,reuseaddr"; }

both() { [ -n "$1" ] && [ -n "$2" ]; }
f1=$(flow 7010)
f2=$(flow 7011)
check "two outbound UDP flows through the router's NAT ($f1, $f2)" \
	both "$f1" "$f2"
pport=$(tool in_int "$PORTCTL" peer -t 5 --state "$T/state" -j -s 192.0.2.1 \
	-l 60 udp 7010 203.0.113.2:9999 | jq -r .external_port)
check "S-64: PEER on the first flow returns its port ($pport = $f1)" \
	[ "$pport" = "$f1" ]
check "S-66 control: a fresh flow without PEER lets its return datagram in" \
	back "${f2:-0}"
sleep 8 # idle, longer than the 5 s conntrack timeout
check "S-65: after 8 s idle the PEER'd flow's return datagram gets in" \
	back "${f1:-0}"
check_not "S-66: after 8 s idle the flow without PEER is closed (control)" \
	back "${f2:-0}"

# ---- 3. kill -9 without a journal: the restart announces epoch 0 ----
# A mapping the killed daemon leaves in the kernel.  Without a journal the
# restarted daemon no longer knows it, and docs/nftables.md promises that
# a restart reconciles the kernel's elements with the engine's (none):
# state lost (S-93), so the mapping must stop working, as the ANNOUNCE
# tells clients.
nk=$(natpmpc_map udp 8090 8090 60)
check "natpmpc udp mapping before kill -9 works (public port $nk)" \
	udp_ok "$NS_EXT" 203.0.113.1 "${nk:-0}"
netns_kill9 "$DAEMON"
check_not "portctld killed with SIGKILL" alive "$DAEMON"
# The internal host listens on both all-hosts groups before the restart;
# socat -x prints each datagram as a hex dump on stderr.
listen_group() { # NAME SOCAT-ADDRESS
	# Not in_int: a function run with & is a subshell whose PID $! would
	# be; `ip netns exec` execs, so $! is the listener the cleanup ends.
	ip netns exec "$NS_INT" timeout 10 socat -u -x "$2" /dev/null \
		2>"$T/mcast.$1" &
	NETNS_PIDS+=("$!")
}
listen_group 4 UDP4-RECV:5350,ip-add-membership=224.0.0.1:eth0,reuseaddr
listen_group 6 "UDP6-RECV:5350,ipv6-join-group=[ff02::1]:eth0,ipv6only=1,reuseaddr"
for _ in $(seq 1 50); do
	[ "$(in_int ss -Huln 'sport = :5350' | wc -l)" -ge 2 ] && break
	sleep 0.1
done
check "portctld restarts after SIGKILL" netns_start_portctld "$T/conf" "$T/log2"
check_not "S-93: after the restart without journal the old mapping is gone" \
	udp_ok "$NS_EXT" 203.0.113.1 "${nk:-0}"

# announces NAME: the datagrams captured so far, one hex line each.
announces() {
	awk '/^[<>] /{ if (d != "") print d; d = ""; next }
	     /^--$/{ next }
	     { for (i = 1; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) d = d $i }
	     END { if (d != "") print d }' "$T/mcast.$1"
}
# got_announce NAME: a PCP ANNOUNCE response, result 0, epoch 0 arrived.
got_announce() {
	announces "$1" | tool "$PORTCTL" decode --json - 2>/dev/null |
		jq -e -s 'map(select(.kind == "pcp")) | .[0] |
			.version == 2 and .r == 1 and .opcode_name == "ANNOUNCE"
			and .result == 0 and .epoch == 0' >/dev/null
}
for _ in $(seq 1 30); do
	got_announce 4 && got_announce 6 && break
	sleep 0.1
done
check "S-93/S-25: restart after kill -9 without journal: ANNOUNCE result 0 epoch 0 on 224.0.0.1:5350" \
	got_announce 4
check "S-93/S-25: and on [ff02::1]:5350 (dual stack)" got_announce 6
# What arrived, for the log.
for f in 4 6; do
	announces "$f" | "$PORTCTL" decode --json - 2>/dev/null | sed "s/^/# IPv$f: /"
done

# The restarted daemon stops cleanly; under ASan/UBSan a report would
# change its exit status (86, lib.sh) or show in a log.
kill -TERM "$DAEMON"
rc=124
for _ in $(seq 1 50); do
	alive "$DAEMON" || { wait "$DAEMON"; rc=$?; break; }
	sleep 0.1
done
check "restarted portctld exits 0 on SIGTERM (rc $rc)" [ "$rc" -eq 0 ]
check_not "no sanitizer report in the daemon's logs" \
	grep -qE "Sanitizer|runtime error" "$T/log1" "$T/log2"

[ "$FAILURES" -eq 0 ] || { cat "$T"/log* "$T"/mcast.*; }
netns_done
