#!/usr/bin/env bash
# Regenerates the libFuzzer seed corpora in fuzz/corpus/<target>/ (or in
# OUT/<target>/: fuzz/make-seeds.sh [OUT]) from the hex below, so that every
# seed can be read and reviewed here.  The generated files are committed too,
# those that add coverage (scripts/fuzz-corpus.sh --minimize drops the
# others; docs/fuzzing.md): run this after editing a seed, then that.
#   T-n  test vectors of docs/checklist.md section 10
#   N-n  NAT-PMP messages of section 6.1
#   bad- malformed datagrams from the checklist's list of negative tests
set -euo pipefail
OUT=$(realpath -m "${1:-$(dirname "$0")/corpus}")
cd "$(dirname "$0")"
command -v xxd >/dev/null || { echo "make-seeds: xxd is needed (Debian package xxd)" >&2; exit 1; }

# seed DIR NAME HEX...: writes the octets spelled by HEX (spaces ignored).
seed() {
	local dir=$OUT/$1 name=$2
	shift 2
	mkdir -p "$dir"
	printf '%s' "$*" | tr -d ' \n' | xxd -r -p >"$dir/$name"
}

# Zero octets, as hex, n of them.
zeros() { printf '00%.0s' $(seq 1 "$1"); }

# ---- PCP pieces -------------------------------------------------------------
# T-1: MAP request, lifetime 7200, client 192.168.1.10, nonce 01..0c, TCP,
# internal port 8080, suggested ::ffff:0.0.0.0 (60 octets).
T1_HDR="02 01 00 00  00 00 1c 20  00 00 00 00  00 00 00 00  00 00 ff ff  c0 a8 01 0a"
T1_BODY="01 02 03 04  05 06 07 08  09 0a 0b 0c  06 00 00 00  1f 90 00 00
         00 00 00 00  00 00 00 00  00 00 ff ff  00 00 00 00"
T1="$T1_HDR $T1_BODY"
# T-2: FILTER 198.51.100.0/24, any port; T-3: PORT_SET 100 ports from 50000.
T2="03 00 00 14  00 78 00 00  00 00 00 00  00 00 00 00  00 00 ff ff  c6 33 64 00"
T3="82 00 00 05  00 64 c3 50  00 00 00 00"
# T-4: unsolicited ANNOUNCE, epoch 0.  T-5: PCP-only reply to NAT-PMP 00 00.
T4="02 80 00 00 $(zeros 20)"
T5="02 80 00 01  00 00 07 08  00 00 04 d2 $(zeros 12)"
# MAP success response for T-1: lifetime 3600, epoch 1234, 203.0.113.7:40000.
MAP_RESP="02 81 00 00  00 00 0e 10  00 00 04 d2 $(zeros 12)
          01 02 03 04  05 06 07 08  09 0a 0b 0c  06 00 00 00  1f 90 9c 40
          00 00 00 00  00 00 00 00  00 00 ff ff  cb 00 71 07"
# PEER request: UDP 5000 -> 198.51.100.1:443, external ::ffff:0.0.0.0.
PEER="02 02 00 00  00 00 0e 10  00 00 00 00  00 00 00 00  00 00 ff ff  c0 a8 01 0a
      0c 0b 0a 09  08 07 06 05  04 03 02 01  11 00 00 00  13 88 00 00
      00 00 00 00  00 00 00 00  00 00 ff ff  00 00 00 00
      01 bb 00 00  00 00 00 00  00 00 00 00  00 00 ff ff  c6 33 64 01"
# DESCRIPTION "web" (3 octets + 1 pad), THIRD_PARTY 192.168.1.20,
# PREFER_FAILURE, PREFIX64 ::/96 request form (length 14).
DESC="80 00 00 03  77 65 62 00"
TP="01 00 00 10  00 00 00 00  00 00 00 00  00 00 ff ff  c0 a8 01 14"
PF="02 00 00 00"
P64="81 00 00 0e  00 0c $(zeros 12) 00 00"

pcp_seeds() {
	local t=$1
	seed "$t" t1-map-request "$T1"
	seed "$t" t2-map-filter "$T1 $T2"
	seed "$t" t3-map-port-set "$T1 $T3"
	seed "$t" t4-announce "$T4"
	seed "$t" t5-unsupp-version-reply "$T5"
	seed "$t" map-response "$MAP_RESP"
	seed "$t" peer-request "$PEER"
	seed "$t" map-description "$T1 $DESC"
	seed "$t" map-third-party "$T1 $TP"
	seed "$t" announce-prefix64 "02 00 00 00 00 00 00 00 $(zeros 4) 00 00 00 00 00 00 ff ff c0 a8 01 0a $P64"
	seed "$t" announce-request "02 00 00 00 00 00 00 00 $(zeros 4) 00 00 00 00 00 00 ff ff c0 a8 01 0a"
	# Negative tests (section 10).
	seed "$t" bad-1-octet "02"
	seed "$t" bad-r-bit-request "02 81 ${T1_HDR#02 01}"
	seed "$t" bad-v2-20-octets "$(zeros 20 | sed 's/^00/02/')"
	seed "$t" bad-62-octets "$T1 00 00"
	seed "$t" bad-map-56-octets "$T1_HDR $(zeros 32)"
	seed "$t" bad-opcode-5 "02 05 ${T1_HDR#02 01} 11 22 33 44"
	seed "$t" bad-option-past-end "$T1 80 00 00 10 41 41 41 41"
	seed "$t" bad-two-third-party "$T1 $TP $TP"
	seed "$t" bad-option-100 "$T1 64 00 00 00"
	seed "$t" option-200-ignored "$T1 c8 00 00 04 de ad be ef"
	seed "$t" bad-prefer-failure-port-0 "$T1 $PF"
	seed "$t" bad-peer-prefer-failure "$PEER $PF"
	seed "$t" bad-map-protocol-0-port-80 "$T1_HDR 01 02 03 04 05 06 07 08 09 0a 0b 0c 00 00 00 00 00 50 00 00 $(zeros 10) ff ff 00 00 00 00"
	seed "$t" bad-filter-prefix-129 "$T1 03 00 00 14 00 81 00 00 $(zeros 10) ff ff c6 33 64 00"
	seed "$t" bad-version-1 "01 01 ${T1_HDR#02 01}"
	# 1104 octets: too long (MALFORMED_REQUEST, reply cut to 1100).
	seed "$t" bad-1104-octets "$T1 $(zeros 1044)"
}

# ---- NAT-PMP ------------------------------------------------------------------
natpmp_seeds() {
	local t=$1
	seed "$t" n1-extaddr-request "00 00"
	seed "$t" n2-extaddr-response "00 80 00 00  01 02 03 04  cb 00 71 07"
	seed "$t" n3-map-tcp-request "00 02 00 00  1f 90 1f 91  00 00 1c 20"
	seed "$t" n3-map-udp-delete "00 01 00 00  13 88 00 00  00 00 00 00"
	seed "$t" n4-map-udp-response "00 81 00 00  00 00 03 e8  13 88 9c 40  00 00 0e 10"
	seed "$t" n5-unsupp-version "00 80 00 01  00 00 30 39"
	seed "$t" e8-unsupp-version-op0 "00 00 00 01  00 00 00 2a"
	seed "$t" n7-map-failure "00 82 00 04  00 00 00 07  1f 90 00 00  00 00 00 00"
	seed "$t" n7-unknown-opcode "00 05 aa bb  11 22 33 44"
	seed "$t" n7-version-1 "01 00"
	seed "$t" bad-1-octet "00"
	seed "$t" bad-short-map "00 01 00 00  1f 90"
	seed "$t" bad-short-reply "00 81 00 00  00 00"
}

pcp_seeds fuzz_pcp_decode
natpmp_seeds fuzz_pcp_decode
natpmp_seeds fuzz_natpmp_decode
seed fuzz_natpmp_decode t5-unsupp-version-reply "$T5"
seed fuzz_natpmp_decode t4-announce "$T4"
pcp_seeds fuzz_roundtrip
natpmp_seeds fuzz_roundtrip
echo "make-seeds: $(find "$OUT" -type f | wc -l) seeds in $OUT"
