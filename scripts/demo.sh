#!/usr/bin/env bash
# make demo: build portctl, then show it at work, narrating each step.
# For now the demonstration decodes the checklist's test vectors (T-1..T-5)
# and NAT-PMP datagrams with `portctl decode`; later steps will start a live
# portctld and map ports through it.  One function per step, so that steps
# can be added, reordered or run alone (scripts/demo.sh step_t1_map ...).
#
# BUILD selects the build directory (default build/gcc, as `make build`).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/gcc}
PORTCTL=$BUILD/cli/portctl

# say TEXT: a sentence of narration.
say() {
	if [ -t 1 ]; then
		printf '\n\033[1m%s\033[0m\n' "$*" | fold -s -w 78
	else
		printf '\n%s\n' "$*" | fold -s -w 78
	fi
}

# The command line as one would type it: arguments with spaces quoted.
cmdline() {
	local a out=
	for a in "$@"; do
		[[ $a == *' '* ]] && a="\"$a\""
		out+="${out:+ }$a"
	done
	printf '%s' "$out"
}

# show CMD...: prints the command, then runs it; a non-zero exit status is
# reported, not fatal (some steps show refusals on purpose).
show() {
	local rc=0
	printf '\n$ %s\n' "$(cmdline "$@")"
	"$@" || rc=$?
	[ "$rc" -eq 0 ] || printf '(exit status %d)\n' "$rc"
}

step_dependencies() {
	say "First, the Debian packages portctl needs: scripts/deps.sh installs any that are missing and does nothing otherwise."
	scripts/deps.sh
}

step_build() {
	say "Building portctl with gcc into $BUILD (make build: CMake, -Wall -Wextra -Werror)."
	make --no-print-directory build BUILD="$BUILD" >/dev/null
	say "Built: $PORTCTL ($("$PORTCTL" --version))."
}

# The test vectors of CHECKLIST section 10, in hex as they travel on the wire.
T1="02 01 00 00 00 00 1c 20 00 00 00 00 00 00 00 00 00 00 ff ff c0 a8 01 0a
01 02 03 04 05 06 07 08 09 0a 0b 0c 06 00 00 00 1f 90 00 00
00 00 00 00 00 00 00 00 00 00 ff ff 00 00 00 00"
T1=${T1//$'\n'/ }
T2="03 00 00 14 00 78 00 00 00 00 00 00 00 00 00 00 00 00 ff ff c6 33 64 00"
T3="82 00 00 05 00 64 c3 50 00 00 00 00"
T4="02 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
T5="02 80 00 01 00 00 07 08 00 00 04 d2 00 00 00 00 00 00 00 00 00 00 00 00"

step_t1_map() {
	say "A PCP MAP request (test vector T-1): the host 192.168.1.10 asks its NAT for an inbound TCP port for its port 8080, for two hours, with no preference for the external port or address. portctl decode shows every field of the 60 octets."
	show "$PORTCTL" decode "$T1"
}

step_t2_t3_options() {
	say "The same request with two options: FILTER (T-2) lets only 198.51.100.0/24 in, and PORT_SET (T-3) asks for 100 ports from 50000. Each option shows its code, whether a server must understand it, its length, where it starts, and its typed contents."
	show "$PORTCTL" decode "$T1 $T2 $T3"
}

step_t4_announce() {
	say "An unsolicited ANNOUNCE (T-4): after a restart the server multicasts this to 224.0.0.1:5350 with epoch 0, so that clients notice it lost its state and renew their mappings."
	show "$PORTCTL" decode "$T4"
}

step_t5_natpmp_fallback() {
	say "A NAT-PMP client asks a PCP-only server for its external address by sending the two octets 00 00. The server cannot speak version 0 and answers UNSUPP_VERSION (T-5); because octet 3 holds the result, the NAT-PMP client reads result 1 at offset 2 and understands."
	show "$PORTCTL" decode "00 00" "$T5"
}

step_natpmp() {
	say "NAT-PMP itself (RFC 6886): a mapping request for UDP port 5000 and the server's answer granting external port 15000 for an hour. Octet 0 tells NAT-PMP (0) from PCP (2); the top bit of the opcode tells a response."
	show "$PORTCTL" decode "00 01 00 00 13 88 13 88 00 00 1c 20" \
		"00 81 00 00 00 00 04 d2 13 88 3a 98 00 00 0e 10"
}

step_json() {
	say "With --json each datagram becomes one JSON object on one line, with stable field names (portctl-decode(1)), ready for jq."
	if command -v jq >/dev/null; then
		printf '\n$ %s decode --json "%s" | jq -c %s\n' "$PORTCTL" "$T1 $T2" "'{opcode_name, lifetime, client_addr, options: [.options[] | {code_name, prefix_length, remote_addr}]}'"
		"$PORTCTL" decode --json "$T1 $T2" |
			jq -c '{opcode_name, lifetime, client_addr, options: [.options[] | {code_name, prefix_length, remote_addr}]}'
	else
		show "$PORTCTL" decode --json "$T1 $T2"
	fi
}

step_malformed() {
	say "Malformed datagrams are named precisely: the offset of the fault and the checklist rule it breaks. Here a MAP request cut to 62 octets (not a multiple of 4) and a lone octet; portctl still decodes the good datagram between them and exits with status 1."
	show "$PORTCTL" decode "$T1 00 00" "$T4" "02"
}

step_pcap() {
	local gen=$BUILD/tests/tshark/tshark_vectors tmp
	[ -x "$gen" ] || return 0
	tmp=$(mktemp -d)
	say "Finally a capture: the Wireshark cross-check's generator encodes 17 PCP and NAT-PMP messages with libportctl into a pcap file; portctl decode --pcap reads every UDP datagram to or from port 5350/5351 in it. Here are the first two of them, as JSON."
	"$gen" "$tmp/demo.pcap" "$tmp/fields" "$tmp/expected" 2>/dev/null
	printf '\n$ %s decode --json --pcap demo.pcap | head -2\n' "$PORTCTL"
	"$PORTCTL" decode --json --pcap "$tmp/demo.pcap" >"$tmp/decoded"
	head -2 "$tmp/decoded"
	if command -v tshark >/dev/null; then
		say "Wireshark agrees on every field of every frame (tests/tshark checks it); its one-line summary of the same capture:"
		tshark -r "$tmp/demo.pcap" >"$tmp/summary" 2>/dev/null
		head -6 "$tmp/summary"
	fi
	rm -rf "$tmp"
}

STEPS=(step_dependencies step_build step_t1_map step_t2_t3_options
	step_t4_announce step_t5_natpmp_fallback step_natpmp step_json
	step_malformed step_pcap)

main() {
	if [ $# -gt 0 ]; then
		for s in "$@"; do "$s"; done
		return
	fi
	for s in "${STEPS[@]}"; do "$s"; done
	say "That was portctl decode. 'make check' runs every test; portctl-decode(1) documents the output."
}

main "$@"
