#!/usr/bin/env bash
# S-52 and S-100 end to end: portctld with `threat-model simple` and the
# nftables backend on the router, the portctl CLI (and Debian's natpmpc)
# on the internal host, real UDP from the external host.
#  - a delete of a mapping whose traffic the internal host answered is
#    deferred: the response carries the time that traffic keeps it, the
#    daemon still lists it and traffic still passes (RFC 6887 section 15);
#  - a delete of a mapping without traffic is immediate;
#  - a MAP asking 3600 s for UDP gets at most the UDP implicit lifetime
#    (120 s by default; RFC 6887 section 18.1, S-100);
#  - the same deferred delete over NAT-PMP (natpmpc, lifetime 0).
# Usage: e2e_s52_threat_model.sh NFT_DRIVER PORTCTLD PORTCTL
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

netns_portctld_conf "$T/conf" "threat-model simple"

for p in 8090 8091 8092; do
	serve_ok "$NS_INT" "$p"
done
if ! { wait_listen "$NS_INT" 8090 u && wait_listen "$NS_INT" 8091 u &&
	wait_listen "$NS_INT" 8092 u; }; then
	echo "servers down"
	exit 1
fi
check "S-52/S-100 setup: portctld (threat-model simple, nftables) starts" \
	netns_start_portctld "$T/conf" "$T/log"

# pcp CMD ARGS...: portctl CMD from the internal host, JSON into $T/out.json.
pcp() {
	local cmd="$1"
	shift
	tool in_int "$PORTCTL" "$cmd" -t 5 --state "$T/state" -j -s 192.0.2.1 \
		"$@" >"$T/out.json"
}
field() { jq -r ".$1" "$T/out.json"; }
has_table() { in_rtr nft list table inet portctl >/dev/null 2>&1; }
positive() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
# listed PROTO EXT_PORT: the daemon lists a mapping of that external port.
listed() {
	tool "$PORTCTL" admin list --json --socket "$T/ctl.sock" >"$T/list.json" &&
		jq -e --arg p "$1" --argjson e "$2" \
			'[.. | objects | select(.protocol? == $p and
				.external?.port? == $e)] | length == 1' \
			"$T/list.json" >/dev/null
}

# ---- PCP: a mapping whose traffic the internal host answered ----
pcp map -l 60 udp 8090
p1=$(field external_port)
check "S-52 setup: PCP MAP udp 8090 granted (external port $p1)" positive "$p1"
check "S-52 setup: UDP from outside through $p1 answered by the inside" \
	udp_ok "$NS_EXT" 203.0.113.1 "$p1" sourceport=40100,reuseaddr
pcp delete udp 8090
ev=$(field event) life=$(field lifetime) res=$(field result)
check "S-52: PCP delete of the answered mapping: SUCCESS, lifetime > 0 (result $res, lifetime $life, event $ev)" \
	bash -c "[ '$res' = SUCCESS ] && [[ '$life' =~ ^[0-9]+\$ ]] && [ '$life' -gt 0 ]"
check "S-52: the delete was deferred: admin list still shows udp $p1" \
	listed udp "$p1"
check "S-52: traffic still passes through $p1 after the deferred delete" \
	udp_ok "$NS_EXT" 203.0.113.1 "$p1" sourceport=40100,reuseaddr
# What the CLI says in text (for the record; cli/ is not ours to change).
in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 192.0.2.1 udp 8090 2>&1 |
	sed 's/^/# text output of a deferred delete: /'

# ---- PCP: a mapping without traffic ----
pcp map -l 60 udp 8091
p2=$(field external_port)
check "S-52 setup: PCP MAP udp 8091 granted (external port $p2)" positive "$p2"
pcp delete udp 8091
life=$(field lifetime) res=$(field result)
check "S-52: PCP delete of a mapping without traffic is immediate (result $res, lifetime $life)" \
	bash -c "[ '$res' = SUCCESS ] && [ '$life' = 0 ]"
check_not "S-52: it is gone from admin list" listed udp "$p2"
check_not "S-52: and from the data plane: UDP through $p2 refused" \
	udp_ok "$NS_EXT" 203.0.113.1 "$p2"

# ---- S-100: explicit UDP lifetimes no longer than implicit ones ----
pcp map -l 3600 udp 8092
life=$(field lifetime) res=$(field result)
check "S-100: PCP MAP udp asking 3600 s is granted at most 120 s (result $res, lifetime $life)" \
	bash -c "[ '$res' = SUCCESS ] && [[ '$life' =~ ^[0-9]+\$ ]] && [ '$life' -gt 0 ] && [ '$life' -le 120 ]"

# ---- NAT-PMP (natpmpc, by others): the same deferred delete ----
# natpmpc_map PUBLIC PRIVATE LIFETIME: udp; prints "PUBLIC LIFETIME" of
# the reply ("liftime" is natpmpc's spelling).
natpmpc_map() {
	in_int timeout "$STEP_TIMEOUT" natpmpc -g 192.0.2.1 -a "$1" "$2" udp "$3" \
		>"$T/natpmpc.out" 2>&1 || return 1
	sed -n 's/^Mapped public port \([0-9]*\) protocol UDP to local port [0-9]* liftime \([0-9]*\)$/\1 \2/p' \
		"$T/natpmpc.out"
}
read -r n1 _ <<<"$(natpmpc_map 8091 8091 60)"
check "N-3: natpmpc udp 8091 granted (public port ${n1:-none})" positive "${n1:-0}"
check "S-52 setup: UDP from outside through NAT-PMP port ${n1:-0} answered by the inside" \
	udp_ok "$NS_EXT" 203.0.113.1 "${n1:-0}" sourceport=40101,reuseaddr
read -r dport dlife <<<"$(natpmpc_map "${n1:-0}" 8091 0)"
check "S-52/N-9: NAT-PMP delete of the answered mapping is deferred: port ${dport:-none} (= ${n1:-0}), lifetime ${dlife:-none} > 0" \
	bash -c "[ '${dport:-}' = '${n1:-0}' ] && [[ '${dlife:-}' =~ ^[0-9]+\$ ]] && [ '${dlife:-0}' -gt 0 ]"
check "S-52: admin list still shows the NAT-PMP mapping ${n1:-0}" \
	listed udp "${n1:-0}"
check "S-52: traffic still passes through ${n1:-0}" \
	udp_ok "$NS_EXT" 203.0.113.1 "${n1:-0}" sourceport=40101,reuseaddr

kill -TERM "$DAEMON"
rc=124
for _ in $(seq 1 50); do
	kill -0 "$DAEMON" 2>/dev/null || { wait "$DAEMON"; rc=$?; break; }
	sleep 0.1
done
check "S-52 teardown: portctld exits 0 on SIGTERM (rc $rc)" [ "$rc" -eq 0 ]
check_not "S-52 teardown: clean stop removed table inet portctl" has_table
check_not "S-52 teardown: no sanitizer report in the daemon's log" \
	grep -qE "Sanitizer|runtime error" "$T/log"

[ "$FAILURES" -eq 0 ] || cat "$T/log" "$T"/*.json "$T/natpmpc.out"
netns_done
