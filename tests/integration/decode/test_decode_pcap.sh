#!/usr/bin/env bash
# portctl decode --pcap: every UDP datagram to or from port 5350/5351 in a
# capture, over Ethernet (with VLAN tags), Linux cooked SLL and SLL2 and raw
# IP, IPv4 and IPv6, pcap and pcapng; frame numbers, addresses and ports.
# The captures are written by text2pcap (wireshark-common, with tshark).
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/vectors.sh"
command -v text2pcap >/dev/null || { echo "text2pcap is missing (scripts/deps.sh: tshark)" >&2; exit 1; }

T1="$(req 1 7200 "$(v4 192.168.1.10)")$(map $NONCE 6 8080 0 "$(v4 0.0.0.0)")"
T4="0280$(printf '00%.0s' {1..22})"
EXTADDR_RESP=00800000000004d2c0000201

# dump HEX...: one od-style packet per argument, the input text2pcap reads.
dump() {
	for h in "$@"; do
		xxd -r -p <<<"$h" | od -Ax -tx1 -v
	done
}

# pcap FILE TEXT2PCAP-OPTIONS... -- HEX...: writes a capture.
pcap() {
	local file=$1 opts=()
	shift
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	dump "$@" >"$TMP/in.txt"
	text2pcap -q "${opts[@]}" "$TMP/in.txt" "$file" >/dev/null 2>&1 ||
		{ echo "text2pcap failed" >&2; exit 1; }
}

# ipv4_udp SRC DST SPORT DPORT PAYLOAD [UDPLEN]: an IPv4 packet (checksums
# are not checked by the decoder).
ipv4_udp() {
	local n=$((${#5} / 2)) ulen=${6:-$((${#5} / 2 + 8))}
	local IFS=.
	# shellcheck disable=SC2086
	printf '4500%04x000000004011 0000 %02x%02x%02x%02x %02x%02x%02x%02x' $((n + 28)) $1 $2 | tr -d ' '
	printf '%04x%04x%04x0000%s' "$3" "$4" "$ulen" "$5"
}
ETH_HDR=020000000002020000000001 # destination, source MAC

CASE=test_pcap_ethernet_ipv4_request_and_reply
pcap "$TMP/a.pcap" -F pcap -4 192.0.2.1,192.0.2.254 -u 5350,5351 -- "$T1" 0000
run --json --pcap "$TMP/a.pcap"
expect_rc 0
expect_json 'map([.datagram, .frame, .src, .src_port, .dst, .dst_port, .length, .kind])' \
	'[[1,1,"192.0.2.1",5350,"192.0.2.254",5351,60,"pcp"],[2,2,"192.0.2.1",5350,"192.0.2.254",5351,2,"natpmp"]]'
expect_json '.[0] | [.opcode_name, .lifetime, .client_addr, .internal_port]' '["MAP",7200,"192.168.1.10",8080]'

CASE=test_pcap_text_shows_frame_and_addresses
run --pcap "$TMP/a.pcap"
expect_rc 0
expect_line 'datagram 2'
expect_line '  frame: 2'
expect_line '  source: 192.0.2.1'
expect_line '  source port: 5350'
expect_line '  destination: 192.0.2.254'
expect_line '  destination port: 5351'

CASE=test_pcap_ethernet_ipv6_pcapng
pcap "$TMP/b.pcapng" -6 2001:db8::1,2001:db8::2 -u 5351,5350 -- "$T4"
run --json --pcap "$TMP/b.pcapng"
expect_rc 0
expect_json 'map([.frame, .src, .src_port, .dst, .dst_port, .opcode_name, .r])' \
	'[[1,"2001:db8::1",5351,"2001:db8::2",5350,"ANNOUNCE",1]]'

CASE=test_pcap_other_udp_ports_skipped_frames_still_counted
pcap "$TMP/c.pcap" -F pcap -l 1 -- \
	"${ETH_HDR}0800$(ipv4_udp 192.0.2.1 192.0.2.53 40000 53 00112233)" \
	"${ETH_HDR}0800$(ipv4_udp 192.0.2.254 192.0.2.1 5351 5350 $EXTADDR_RESP)" \
	"${ETH_HDR}0806$(printf '00%.0s' {1..28})" \
	"${ETH_HDR}0800$(ipv4_udp 192.0.2.1 192.0.2.254 40001 5351 "$T1")"
run --json --pcap "$TMP/c.pcap"
expect_rc 0
expect_json 'map([.datagram, .frame, .src_port, .dst_port, .kind])' '[[1,2,5351,5350,"natpmp"],[2,4,40001,5351,"pcp"]]'
expect_json '.[0] | [.external_addr, .epoch]' '["192.0.2.1",1234]'

CASE=test_pcap_vlan_tagged_ethernet
pcap "$TMP/d.pcap" -F pcap -l 1 -- \
	"${ETH_HDR}8100000a0800$(ipv4_udp 192.0.2.1 192.0.2.254 5350 5351 0000)" \
	"${ETH_HDR}88a80014810000640800$(ipv4_udp 192.0.2.2 192.0.2.254 5350 5351 0000)"
run --json --pcap "$TMP/d.pcap"
expect_rc 0
expect_json 'map([.frame, .src, .kind])' '[[1,"192.0.2.1","natpmp"],[2,"192.0.2.2","natpmp"]]'

CASE=test_pcap_linux_cooked_sll
SLL_HDR=000000010006020000000001000000000800 # pkttype, ARPHRD, len, addr, proto
pcap "$TMP/e.pcap" -F pcap -l 113 -- "${SLL_HDR:0:28}0800$(ipv4_udp 198.51.100.7 198.51.100.1 5350 5351 "$T1")"
run --json --pcap "$TMP/e.pcap"
expect_rc 0
expect_json 'map([.frame, .src, .dst, .length, .opcode_name])' '[[1,"198.51.100.7","198.51.100.1",60,"MAP"]]'

CASE=test_pcap_linux_cooked_sll2
SLL2_HDR=08000000000000020001000602000000000100 # proto, rsvd, ifindex, ARPHRD, type, len, addr
pcap "$TMP/f.pcap" -F pcap -l 276 -- "${SLL2_HDR}00$(ipv4_udp 203.0.113.9 203.0.113.1 5350 5351 0000)"
run --json --pcap "$TMP/f.pcap"
expect_rc 0
expect_json 'map([.frame, .src, .dst, .kind])' '[[1,"203.0.113.9","203.0.113.1","natpmp"]]'

CASE=test_pcap_raw_ipv4_and_ipv6
# IPv6 header: version 6, payload length 32, next header 17 (UDP), hop
# limit 64, source, destination; then UDP (length 32) and T-4.
IPV6_UDP="600000000020114020010db800000000000000000000000120010db8000000000000000000000002"
IPV6_UDP="${IPV6_UDP}$(printf '%04x%04x%04x0000' 5351 5350 32)${T4}"
# The same behind a hop-by-hop extension header (next header 0, PadN).
IPV6_HBH="600000000028004020010db800000000000000000000000120010db8000000000000000000000003"
IPV6_HBH="${IPV6_HBH}1100010400000000$(printf '%04x%04x%04x0000' 5351 5350 32)${T4}"
pcap "$TMP/g.pcap" -F pcap -l 101 -- "$(ipv4_udp 192.0.2.1 192.0.2.254 5350 5351 0000)" "$IPV6_UDP" "$IPV6_HBH"
run --json --pcap "$TMP/g.pcap"
expect_rc 0
expect_json 'map([.frame, .src, .dst, .kind])' '[[1,"192.0.2.1","192.0.2.254","natpmp"],[2,"2001:db8::1","2001:db8::2","pcp"],[3,"2001:db8::1","2001:db8::3","pcp"]]'

CASE=test_pcap_ethernet_padding_ignored
# A 2-octet NAT-PMP request padded to the 60-octet Ethernet minimum.
pcap "$TMP/h.pcap" -F pcap -l 1 -- "${ETH_HDR}0800$(ipv4_udp 192.0.2.1 192.0.2.254 5350 5351 0000)$(printf '00%.0s' {1..16})"
run --json --pcap "$TMP/h.pcap"
expect_rc 0
expect_json 'map([.length, .kind, .opcode_name])' '[[2,"natpmp","EXTERNAL_ADDRESS"]]'

CASE=test_pcap_truncated_datagram_reported
# The UDP header claims 68 octets of payload, 2 were captured.
pcap "$TMP/i.pcap" -F pcap -l 1 -- "${ETH_HDR}0800$(ipv4_udp 192.0.2.1 192.0.2.254 5350 5351 0000 76)"
run --json --pcap "$TMP/i.pcap"
expect_rc 1
expect_json 'map([.frame, .length, .error.offset, .error.verdict])' '[[1,68,2,"drop"]]'
expect_err 'datagram 1: offset 2: capture truncated: the datagram was not captured whole'

CASE=test_pcap_first_ip_fragment_reported
# The same frame with More Fragments set: a fragment, not a short capture.
FRAG=$(ipv4_udp 192.0.2.1 192.0.2.254 5350 5351 0000 76)
pcap "$TMP/l.pcap" -F pcap -l 1 -- "${ETH_HDR}0800${FRAG:0:12}2000${FRAG:16}"
run --json --pcap "$TMP/l.pcap"
expect_rc 1
expect_err 'datagram 1: offset 2: IP fragment: fragments are not reassembled'

CASE=test_pcap_malformed_datagram_refused_rest_decoded
pcap "$TMP/j.pcap" -F pcap -4 192.0.2.1,192.0.2.254 -u 5350,5351 -- 02 "$T4"
run --json --pcap "$TMP/j.pcap"
expect_rc 1
expect_json 'map(has("error"))' '[true,false]'
expect_err 'datagram 1: offset 0: S-3: fewer than 2 octets'

CASE=test_pcap_file_cut_short_decodes_what_was_read
# The second record of a.pcap loses its last 10 octets: the first datagram
# is decoded, then the read error is reported (exit 4).
size=$(stat -c %s "$TMP/a.pcap")
head -c $((size - 10)) "$TMP/a.pcap" >"$TMP/cut.pcap"
run --json --pcap "$TMP/cut.pcap"
expect_rc 4
expect_json 'map(.frame)' '[1]'
checks=$((checks + 1))
[[ $ERR == "portctl decode: $TMP/cut.pcap: after frame 1: "* ]] || fail "$CASE: stderr '$ERR'"

CASE=test_pcap_unsupported_link_type
pcap "$TMP/k.pcap" -F pcap -l 147 -- 0000
run --pcap "$TMP/k.pcap"
expect_rc 4
checks=$((checks + 1))
[[ $ERR == *"link type"*"(147) not supported"* ]] || fail "$CASE: stderr '$ERR'"

CASE=test_pcap_random_frames_never_crash
# 450 frames of random octets (fixed seed) behind random link headers and
# behind real UDP/5351 headers as PCP and NAT-PMP: every one is decoded or refused, with exit
# status 0 or 1 and no sanitizer report.
awk 'BEGIN { srand(6887); for (i = 0; i < 150; i++) { n = int(rand() * 120);
	for (j = 0; j < n; j++) printf "%02x", int(rand() * 256); printf "\n" } }' >"$TMP/random"
mapfile -t RANDOM_FRAMES <"$TMP/random"
pcap "$TMP/r1.pcap" -F pcap -l 1 -- "${RANDOM_FRAMES[@]/#/${ETH_HDR}0800}"
pcap "$TMP/r2.pcap" -F pcap -4 192.0.2.1,192.0.2.254 -u 5350,5351 -- "${RANDOM_FRAMES[@]/#/02}"
pcap "$TMP/r3.pcap" -F pcap -6 2001:db8::1,2001:db8::2 -u 5351,5350 -- "${RANDOM_FRAMES[@]/#/00}"
for f in r1 r3 r2; do
	run --json --pcap "$TMP/$f.pcap"
	checks=$((checks + 1))
	[ "$RC" -le 1 ] || fail "$CASE: $f exit status $RC: $ERR"
	expect_json 'all(.[]; has("error") or has("version"))' 'true'
done
expect_json 'length' '150'

finish
