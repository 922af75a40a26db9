#!/usr/bin/env bash
# Captures real protocol messages as fuzz seeds: natpmpc (Debian's
# libnatpmp client) and portctl talk to a real portctld on loopback, as do
# the byte layouts of two clients that are not packaged here (libtorrent's
# MAP, which suggests its internal address, and libpcpnatpmp's draft
# version-1 MAP); tshark records every datagram both ways, and portctld's
# journal of the resulting mappings is kept too.  The seeds go to OUT/<target>/
# (one directory per fuzz target, in the input format of each target);
# scripts/fuzz-corpus.sh then merges them, minimised, into fuzz/corpus/.
#
#   fuzz/capture-seeds.sh OUT [BUILD]     BUILD: a build dir (default build/gcc)
#
# Needs root (tshark captures on lo), natpmpc and tshark (scripts/deps.sh).
# Everything runs on 127.61.0.1 (port 5351, which natpmpc insists on) and
# is stopped by PID when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: fuzz/capture-seeds.sh OUT [BUILD]}
BUILD=${2:-build/gcc}
ADDR=127.61.0.1
PORTCTLD=$BUILD/daemon/portctld
PORTCTL=$BUILD/cli/portctl
for p in "$PORTCTLD" "$PORTCTL" /usr/bin/natpmpc /usr/bin/tshark /usr/bin/xxd /usr/bin/jq; do
	[ -x "$p" ] || { echo "capture-seeds: $p is missing (build, or scripts/deps.sh)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "capture-seeds: run as root (tshark captures on lo)" >&2; exit 1; }

work=$(mktemp -d /tmp/portctl-capture.XXXXXX)
chmod 0711 "$work" # the daemon's user (nobody) reaches its socket there
daemon_pid='' tshark_pid=''
cleanup() {
	[ -n "$tshark_pid" ] && kill "$tshark_pid" 2>/dev/null && wait "$tshark_pid" 2>/dev/null
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/portctld.conf" <<EOF
multicast-announce no
external-ip 203.0.113.61
third-party-allow 127.0.0.0/8
description-max 256
EOF
tshark -q -i lo -f "udp and host $ADDR" -w "$work/cap.pcapng" 2>"$work/tshark.log" &
tshark_pid=$!
for _ in $(seq 1 50); do grep -q Capturing "$work/tshark.log" && break; sleep 0.1; done
"$PORTCTLD" -f -c "$work/portctld.conf" --listen "$ADDR:5351" \
	--control "$work/run/ctl.sock" --state-dir "$work/state" >"$work/portctld.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 100); do [ -S "$work/run/ctl.sock" ] && break; sleep 0.1; done

# Clients: each bounded, a failure (an error answer) is a seed too.
pc() { timeout 10 "$PORTCTL" "$1" -s "$ADDR" -t 3 "${@:2}" >/dev/null 2>&1 || true; }
state=(--state "$work/nonces")
np() { timeout 10 natpmpc -g "$ADDR" "$@" >/dev/null 2>&1 || true; }
np
np -a 6881 6881 tcp 3600
np -a 0 27015 udp 3600
np -a 0 27015 udp 0
pc map "${state[@]}" tcp 8080
pc map "${state[@]}" tcp 8080                                  # renewal, same nonce
pc map "${state[@]}" udp 5004 --port-set 8 --parity -l 600
pc map "${state[@]}" tcp 2222 --suggest 203.0.113.61:40022 --prefer-failure --description "ssh for alice"
pc map "${state[@]}" tcp 8443 --filter 198.51.100.0/24:443 --filter 2001:db8::/32
pc map "${state[@]}" udp 9000 --third-party 127.0.0.9
pc map "${state[@]}" tcp 80 -6
pc peer "${state[@]}" udp 5060 198.51.100.7:5060
pc announce
pc external-ip
pc delete "${state[@]}" tcp 8080
pc map "${state[@]}" tcp 8081 --nat-pmp
# libtorrent: MAP TCP 6882, suggested external address = its own internal
# address (127.0.0.1 here), port 6882; nonce 0x11 * 12.
hdr_v2="02 01 00 00 00 00 0e 10 00 00 00 00 00 00 00 00 00 00 ff ff 7f 00 00 01"
send() { printf '%s' "$*" | tr -d ' ' | xxd -r -p >"/dev/udp/$ADDR/5351"; }
send "$hdr_v2" "$(printf '11%.0s' {1..12})" "06 00 00 00 1a e2 1a e2" \
	"00 00 00 00 00 00 00 00 00 00 ff ff 7f 00 00 01"
# libpcpnatpmp built for draft version 1: MAP without a nonce (48 octets).
send "01 ${hdr_v2#02 }" "11 00 00 00 1f 91 00 00" \
	"00 00 00 00 00 00 00 00 00 00 ff ff 00 00 00 00"
sleep 1
kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=
sleep 1
kill "$tshark_pid"; wait "$tshark_pid" 2>/dev/null || true; tshark_pid=

# Each datagram: "<n> <src port> <hex payload>".
tshark -r "$work/cap.pcapng" -T fields -e frame.number -e udp.srcport -e udp.payload \
	2>/dev/null | tr -d ':' >"$work/dgrams"
mkdir -p "$OUT"/{fuzz_pcp_decode,fuzz_natpmp_decode,fuzz_roundtrip,fuzz_server_request,fuzz_client_response,fuzz_journal_load}
# What portctl decode makes of a datagram: "pcp-map-success", "unknown".
label() {
	"$PORTCTL" decode --json "$1" 2>/dev/null |
		jq -r '[.kind, (.opcode_name // empty), (.result_name // empty)]
		       | join("-") | ascii_downcase' | head -1
}
session=()
while read -r n sport hex; do
	[ -n "$hex" ] || continue
	len=$((${#hex} / 2))
	if [ "$sport" = 5351 ]; then dir=answer; else dir=request; fi
	name=$(printf 'capture-%02d-%s-%s' "$n" "$dir" "$(label "$hex")")
	for t in fuzz_pcp_decode fuzz_roundtrip; do
		xxd -r -p <<<"$hex" >"$OUT/$t/$name"
	done
	[ "${hex:0:2}" = 00 ] && xxd -r -p <<<"$hex" >"$OUT/fuzz_natpmp_decode/$name"
	if [ $dir = request ]; then
		# fuzz_server_request's record: [len / 8][len % 8 | 0x80] then
		# the datagram (0x80: the client address field is the source).
		rec=$(printf '%02x%02x%s' $((len / 8)) $(((len % 8) | 0x80)) "$hex")
		xxd -r -p <<<"$rec" >"$OUT/fuzz_server_request/$name"
		session+=("$rec")
	else
		# fuzz_client_response's raw-datagram step: op 0, 2-octet length.
		xxd -r -p <<<"$(printf '0000%04x%s' "$len" "$hex")" >"$OUT/fuzz_client_response/$name"
	fi
done <"$work/dgrams"
# All requests in order, as one engine's history.
printf '%s' "${session[@]}" | xxd -r -p >"$OUT/fuzz_server_request/capture-session"
cp "$work/state/portctld.journal" "$OUT/fuzz_journal_load/capture-journal"
echo "capture-seeds: $(wc -l <"$work/dgrams") datagrams, $(find "$OUT" -type f | wc -l) seeds in $OUT"
