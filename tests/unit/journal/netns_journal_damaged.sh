#!/usr/bin/env bash
# A damaged journal over the real nftables backend, through the real daemon
# and client, in network namespaces made here (tests/netns/lib.sh), issue 15
# item 3: portctld is killed with -9, one octet of the record of a mapping
# is flipped, and the restart
#  - resynchronises past the bad record (the other mapping is restored),
#  - keeps the damaged file aside in the state directory,
#  - adopts the mappings the journal lost from the kernel instead of
#    removing them (a NAT44 mapping and an IPv6 pinhole): traffic still
#    passes through them, admin list shows them; a FILTERed one is not
#    adopted (without its filter it would be open to all) and is removed,
#  - restarts the epoch (state may be lost), and
#  - lets the owner (its nonce, from the client's state file) renew it on
#    the same external port, while another nonce is refused.
# Usage: netns_journal_damaged.sh PORTCTLD PORTCTL UDP_ANSWER
set -u
# shellcheck source=netns_journal_lib.sh
. "$(dirname "$0")/netns_journal_lib.sh" "$@"

netns_portctld_conf "$T/conf" "journal yes"
sed -i "s|^state-dir .*|state-dir $T/state|" "$T/conf"

serve_ok "$NS_INT" 8080
serve_ok "$NS_INT" 8081
serve_ok "$NS_INT" 8082
serve_ok "$NS_INT" 8083
wait_listen "$NS_INT" 8080 || { echo "server down"; exit 1; }
wait_listen "$NS_INT" 8081 || { echo "server down"; exit 1; }

start() {
	rm -f "$T/ctl.sock"
	netns_start_portctld "$T/conf" "$1"
}
# map STATEFILE PORT DESCRIPTION [OPTION...]: the external port granted,
# or "".
map() {
	local state="$1" port="$2" desc="$3"
	shift 3
	tool in_int "$PORTCTL" map -t 5 --state "$state" -j -l 600 \
		--description "$desc" "${@:--s192.0.2.1}" tcp "$port" |
		jq -r '.external_port // empty'
}

check "portctld starts with a journal" start "$T/log1"
p_lost=$(map "$T/owner.nonce" 8080 "record-to-damage")
p_kept=$(map "$T/other.nonce" 8081 "record-kept-intact")
p_filt=$(map "$T/filt.nonce" 8082 "filtered-to-damage" -s 192.0.2.1 \
	--filter 203.0.113.2/32)
p_six=$(map "$T/six.nonce" 8083 "pinhole-to-damage" -s 2001:db8:1::1 -6)
check "MAPs granted ($p_lost, $p_kept, $p_filt, $p_six)" \
	[ -n "$p_lost" ] && [ -n "$p_kept" ] && [ -n "$p_filt" ] && [ -n "$p_six" ]
check "TCP reaches the first mapping" tcp_ok "$NS_EXT" 203.0.113.1 "$p_lost"
check "TCP reaches the FILTERed one from the allowed host" \
	tcp_ok "$NS_EXT" 203.0.113.1 "$p_filt" "bind=203.0.113.2"
check "TCP reaches the IPv6 pinhole" tcp_ok "$NS_EXT" 2001:db8:1::2 8083

kill -9 "$DAEMON"
wait "$DAEMON" 2>/dev/null
J="$T/state/portctld.journal"
# One octet of three records (inside their DESCRIPTION, which the
# record's CRC covers) is flipped.
for d in record-to-damage filtered-to-damage pinhole-to-damage; do
	off=$(grep -obUa "$d" "$J" | tail -n 1 | cut -d: -f1)
	check "the record of $d is in the journal" [ -n "$off" ]
	printf 'X' | dd of="$J" bs=1 seek="$off" conv=notrunc status=none
done
cp "$J" "$T/damaged.copy"

check "restart after the damage" start "$T/log2"
check "log: the journal is damaged, two stretches skipped (two records adjoin)" \
	grep -q "damaged: skipped 2 bad stretch" "$T/log2"
check "log: the intact mapping restored, two adopted, epoch reset" \
	grep -q "1 mappings restored, 2 adopted from the data plane, epoch reset" "$T/log2"
kept=$(find "$T/state" -name 'portctld.journal.damaged.*' | head -n 1)
check "the damaged journal is kept aside" [ -n "$kept" ]
check "it is the damaged file, byte for byte" cmp -s "$kept" "$T/damaged.copy"
check "the kernel kept the mapping: TCP still reaches the inside" \
	tcp_ok "$NS_EXT" 203.0.113.1 "$p_lost"
check "and the intact one" tcp_ok "$NS_EXT" 203.0.113.1 "$p_kept"
check "and the IPv6 pinhole" tcp_ok "$NS_EXT" 2001:db8:1::2 8083
check_not "the FILTERed one was not adopted: removed, not opened to all" \
	tcp_ok "$NS_EXT" 203.0.113.1 "$p_filt" "bind=203.0.113.3"
check_not "nor left to the allowed host" \
	tcp_ok "$NS_EXT" 203.0.113.1 "$p_filt" "bind=203.0.113.2"
tool "$PORTCTL" admin list --json --socket "$T/ctl.sock" >"$T/list.json"
check "admin list shows the adopted mapping" \
	jq -e --argjson p "$p_lost" '.mappings[] | select(.external.port == $p)' "$T/list.json"

# The owner's renewal (its nonce, from its state file) takes the adopted
# mapping over, on the same port; from then on another nonce is refused.
check "the owner renews on the same external port" \
	[ "$(map "$T/owner.nonce" 8080 "record-to-damage")" = "$p_lost" ]
check_not "another nonce is refused afterwards" \
	tool in_int "$PORTCTL" map -t 5 --no-state -s 192.0.2.1 -l 600 tcp 8080
check "TCP still reaches the inside" tcp_ok "$NS_EXT" 203.0.113.1 "$p_lost"

kill -TERM "$DAEMON"
for _ in $(seq 1 50); do
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
[ "$FAILURES" -eq 0 ] || cat "$T/log1" "$T/log2" "$T/list.json"

netns_done
