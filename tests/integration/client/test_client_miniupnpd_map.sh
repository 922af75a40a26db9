#!/bin/bash
# The client against a PCP/NAT-PMP server written by others (issue 5):
# Debian's miniupnpd in network namespaces of the test's own, checked by
# its kernel state and by real traffic, the wire by tshark's dissector.
#
#   internal (NI)          router (NR)                      external (NE)
#   eth0 192.0.2.2 <-> lan0 192.0.2.1   wan0 203.0.113.1 <-> eth0 203.0.113.2
#
# - PCP MAP tcp and udp (C-13): granted, miniupnpd's DNAT rule is in its
#   chain, and a TCP connection and a UDP datagram from the external
#   namespace to 203.0.113.1:<external port> reach the internal host (the
#   router's forward policy is drop: only miniupnpd's accept rule lets a
#   new flow through).  Before the MAP and after the delete they do not.
# - Renewal (C-20): a second `portctl map` with the same state file gets
#   the same external port; on the wire both requests carry the same
#   nonce, echoed in both SUCCESS answers, and there is still one rule.
# - DELETE (C-65): `portctl delete` succeeds and the rule is gone.
# - NAT-PMP: `portctl map --nat-pmp` maps (version 0 on the wire).  This is
#   forced NAT-PMP: the automatic fallback cannot be provoked here, because
#   miniupnpd answers PCP (test_client_natpmp_fallback.sh covers it against
#   a NAT-PMP-only gateway).
#
# miniupnpd's external address (192.0.3.1, as in bench/nat_compare/run.sh)
# and its table: miniupnpd_lib.sh.
# Seen while writing this test and not checked by it (it is miniupnpd's
# behaviour, not the client's): miniupnpd 2.3.1 grants a MAP for a mapped
# internal port with another nonce and hands the mapping over, where RFC
# 6887 section 11.3 (S-33) demands NOT_AUTHORIZED.
# Needs root, miniupnpd, nft, socat, dumpcap and tshark (77 otherwise).
. "$(dirname "$0")/lib.sh"
MINIUPNPD=/usr/sbin/miniupnpd
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x $MINIUPNPD ] || { echo "SKIP: no miniupnpd"; exit 77; }
for t in ip nft socat dumpcap tshark timeout; do
	command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
NI=pmi$$
NR=pmr$$
NE=pme$$
MT=pmt$$
. "$(dirname "$0")/miniupnpd_lib.sh"
mu_netns
mu_nft
mu_conf enable_natpmp=yes enable_upnp=no min_lifetime=120 \
	max_lifetime=86400 >"$TMP/miniupnpd.conf"
mu_start "$TMP/miniupnpd.conf" u 5351

# Every PCP/NAT-PMP datagram the client sends or receives.
ip netns exec $NI dumpcap -q -i eth0 -f "udp port 5351" -w "$TMP/wire.pcap" \
	>"$TMP/dumpcap.log" 2>&1 &
DPID=$!
PIDS+=($DPID)
for _ in $(seq 50); do
	grep -q "Capturing on" "$TMP/dumpcap.log" && break
	sleep 0.1
done
grep -q "Capturing on" "$TMP/dumpcap.log" || fail "dumpcap did not start"

# The internal host's services: TCP 8080 answers a line; UDP 5000 writes
# what it receives to a file.
mu_serve_tcp
ip netns exec $NI timeout 100 socat -u UDP-RECVFROM:5000,bind=192.0.2.2,fork \
	OPEN:"$TMP/udp.in",creat,append 2>/dev/null &
PIDS+=($!)
for _ in $(seq 50); do
	ip netns exec $NI ss -Huln "sport = :5000" | grep -q . && break
	sleep 0.1
done

# udp_reaches PORT TOKEN: a datagram from outside arrives inside.
udp_reaches() {
	echo "$2" | ip netns exec $NE timeout 3 socat -u - UDP:203.0.113.1:"$1"
	for _ in $(seq 20); do
		grep -qx "$2" "$TMP/udp.in" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
rules() {
	ip netns exec $NR nft list chain inet $MT pre_mupnp
}
# rule_count PROTO_NUM PORT INTERNAL: miniupnpd's DNAT rules for it.
rule_count() {
	rules | grep -c "@nh,72,8 $1 th dport $2 dnat ip to $3\$"
}

S=(-s 192.0.2.1 --state "$TMP/state" -t 5)
run() { ip netns exec $NI "$PORTCTL" "$@"; }

# Nothing is forwarded before a mapping exists (the checks below can fail).
tcp_reaches 8080 && fail "TCP 8080 forwarded before any MAP"

# ---- PCP MAP tcp (C-13) ------------------------------------------------
out=$(run map "${S[@]}" --json tcp 8080) || fail "map tcp: rc $?: $out"
echo "map tcp:   $out"
[ "$(json event <<<"$out")" = granted ] || fail "map tcp: $out"
[ "$(json version <<<"$out")" = PCP ] || fail "map tcp version: $out"
[ "$(json external_address <<<"$out")" = $EXT_IP ] || fail "ext ip: $out"
tport=$(json external_port <<<"$out")
tnonce=$(json nonce <<<"$out")
[ "$(rule_count 0x6 "$tport" 192.0.2.2:8080)" = 1 ] ||
	fail "no DNAT rule for tcp $tport: $(rules)"
ip netns exec $NR nft list chain inet $MT fwd_mupnp |
	grep -q "th dport 8080 .*0x6 accept" ||
	fail "no accept rule for tcp 8080 in fwd_mupnp"
tcp_reaches "$tport" || fail "TCP to 203.0.113.1:$tport not forwarded"

# ---- PCP MAP udp -------------------------------------------------------
out=$(run map "${S[@]}" --json udp 5000) || fail "map udp: rc $?: $out"
echo "map udp:   $out"
[ "$(json event <<<"$out")" = granted ] || fail "map udp: $out"
uport=$(json external_port <<<"$out")
[ "$(rule_count 0x11 "$uport" 192.0.2.2:5000)" = 1 ] ||
	fail "no DNAT rule for udp $uport: $(rules)"
udp_reaches "$uport" "udp-$$" || fail "UDP to 203.0.113.1:$uport not forwarded"

# ---- renewal with the same nonce (C-20) ----------------------------------
out=$(run map "${S[@]}" --json -l 600 tcp 8080) || fail "renew: rc $?: $out"
echo "renew tcp: $out"
[ "$(json event <<<"$out")" = granted ] || fail "renew: $out"
[ "$(json nonce <<<"$out")" = "$tnonce" ] || fail "renew with another nonce"
[ "$(json external_port <<<"$out")" = "$tport" ] || fail "renew moved: $out"
[ "$(json lifetime <<<"$out")" -le 600 ] || fail "renew lifetime: $out"
[ "$(rule_count 0x6 "$tport" 192.0.2.2:8080)" = 1 ] ||
	fail "renewal left other than one rule: $(rules)"

# ---- DELETE (C-65) -------------------------------------------------------
out=$(run delete "${S[@]}" --json tcp 8080) || fail "delete: rc $?: $out"
echo "delete:    $out"
[ "$(json event <<<"$out")" = deleted ] || fail "delete: $out"
[ "$(rule_count 0x6 "$tport" 192.0.2.2:8080)" = 0 ] ||
	fail "rule still there after delete: $(rules)"
tcp_reaches "$tport" && fail "TCP still forwarded after delete"
out=$(run delete "${S[@]}" --json udp 5000) || fail "delete udp: rc $?: $out"
[ "$(rule_count 0x11 "$uport" 192.0.2.2:5000)" = 0 ] ||
	fail "udp rule still there after delete: $(rules)"

# ---- forced NAT-PMP --------------------------------------------------------
out=$(run map "${S[@]}" --nat-pmp --json tcp 8080) || fail "nat-pmp: rc $?: $out"
echo "nat-pmp:   $out"
[ "$(json event <<<"$out")" = granted ] || fail "nat-pmp: $out"
[ "$(json version <<<"$out")" = NAT-PMP ] || fail "nat-pmp version: $out"
[ "$(json external_address <<<"$out")" = $EXT_IP ] || fail "nat-pmp ext: $out"
nport=$(json external_port <<<"$out")
[ "$(rule_count 0x6 "$nport" 192.0.2.2:8080)" = 1 ] ||
	fail "no DNAT rule for NAT-PMP tcp $nport: $(rules)"
tcp_reaches "$nport" || fail "TCP via the NAT-PMP mapping not forwarded"
out=$(run delete "${S[@]}" --nat-pmp --json tcp 8080) ||
	fail "nat-pmp delete: rc $?: $out"
[ "$(rule_count 0x6 "$nport" 192.0.2.2:8080)" = 0 ] ||
	fail "NAT-PMP rule still there after delete: $(rules)"

# ---- the wire, read by tshark's Port Control dissector ---------------------
sleep 0.3
stop "$DPID"
tshark -r "$TMP/wire.pcap" -Y portcontrol -T fields -E separator=, \
	-e portcontrol.r -e portcontrol.opcode -e portcontrol.result_code \
	-e portcontrol.map.protocol -e portcontrol.map.internal_port \
	-e portcontrol.map.nonce -e portcontrol.lifetime_req \
	-e portcontrol.map.req_sug_external_port \
	-e portcontrol.map.req_sug_external_ip \
	>"$TMP/wire.txt" 2>/dev/null || fail "tshark"
cat "$TMP/wire.txt"
# The MAP requests (R 0, opcode 1) for tcp 8080: the map, the renewal and
# the delete, all with the one nonce; every answer to them SUCCESS (0)
# with that nonce.
req=$(awk -F, '$1 == 0 && $2 == 1 && $4 == 6 && $5 == 8080 {print $6}' "$TMP/wire.txt")
[ "$(wc -l <<<"$req")" = 3 ] || fail "not 3 MAP requests for tcp 8080: $req"
[ "$(sort -u <<<"$req")" = "$tnonce" ] || fail "nonces on the wire: $req"
rsp=$(awk -F, '$1 == 1 && $2 == 1 && $4 == 6 && $5 == 8080 {print $3, $6}' "$TMP/wire.txt")
[ "$(sort -u <<<"$rsp")" = "0 $tnonce" ] || fail "answers: $rsp"
# The delete (C-65): lifetime 0, suggested port 0, suggested address the
# all-zeros IPv4-mapped address (erratum 3621).  (The renewal suggests
# port 0 too, not the port it had, although RFC 6887 section 11.2.1 says
# SHOULD (C-20): `portctl map` takes only the nonce from the state file.
# miniupnpd finds the mapping by its nonce all the same.)
awk -F, '$1 == 0 && $5 == 8080 {print $7, $8, $9}' "$TMP/wire.txt" |
	tail -1 | grep -qx "0 0 ::ffff:0.0.0.0" ||
	fail "delete request not lifetime 0, port 0, ::ffff:0.0.0.0"
# NAT-PMP (RFC 6886 section 3.3): version 0, a TCP request (opcode 2) for
# 8080, a SUCCESS answer (130), then the delete's request with lifetime 0.
tshark -r "$TMP/wire.pcap" -Y nat-pmp -T fields -E separator=, \
	-e nat-pmp.version -e nat-pmp.opcode -e nat-pmp.result_code \
	-e nat-pmp.internal_port -e nat-pmp.external_port -e nat-pmp.pml \
	>"$TMP/natpmp.txt" 2>/dev/null || fail "tshark nat-pmp"
cat "$TMP/natpmp.txt"
awk -F, '$1 == 0 && $2 == 2 && $4 == 8080 && $6 > 0' "$TMP/natpmp.txt" |
	grep -q . || fail "no NAT-PMP TCP MAP request on the wire"
awk -F, '$1 == 0 && $2 == 130 && $3 == 0 && $4 == 8080 && $5 == '"$nport" \
	"$TMP/natpmp.txt" | grep -q . || fail "no NAT-PMP SUCCESS answer"
awk -F, '$1 == 0 && $2 == 2 && $4 == 8080 && $6 == 0' "$TMP/natpmp.txt" |
	grep -q . || fail "no NAT-PMP delete (lifetime 0) on the wire"
echo PASS
