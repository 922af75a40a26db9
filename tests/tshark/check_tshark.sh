#!/usr/bin/env bash
# Wireshark cross-check of the encoder: tshark_vectors (argument 1) writes a
# pcap of PCP and NAT-PMP messages encoded by libportctl, the list of tshark
# fields, and the value each field must have in each frame.  tshark decodes
# the pcap; the test fails on any difference, on any field of the
# portcontrol/nat-pmp protocols that the list does not cover, and on any
# "Malformed" or other expert information.  It fails, not skips, when tshark
# is missing: scripts/deps.sh installs it.
set -u
GEN=${1:?usage: check_tshark.sh PATH/TO/tshark_vectors}
if ! command -v tshark >/dev/null; then
	echo "FAIL: tshark is not installed (scripts/deps.sh installs it)" >&2
	exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# tshark warns on stderr when run as root; keep it for failures only.
export WIRESHARK_CONFIG_DIR=$TMP/wireshark # no user profile changes the output
mkdir -p "$WIRESHARK_CONFIG_DIR"
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

"$GEN" "$TMP/v.pcap" "$TMP/fields" "$TMP/expected" || { echo "FAIL: $GEN" >&2; exit 1; }
frames=$(wc -l <"$TMP/expected")
[ "$frames" -gt 0 ] || { echo "FAIL: no vectors" >&2; exit 1; }

# 1. Every field, every frame, every occurrence.
args=()
while read -r f; do args+=(-e "$f"); done <"$TMP/fields"
if ! tshark -r "$TMP/v.pcap" -T fields -E separator=/t -E occurrence=a \
	-E aggregator=, "${args[@]}" >"$TMP/actual" 2>"$TMP/tshark.err"; then
	cat "$TMP/tshark.err" >&2
	fail "tshark -T fields failed"
fi
if ! diff "$TMP/expected" "$TMP/actual" >"$TMP/diff"; then
	fail "tshark shows other values than were encoded:"
	# Name the fields that differ, frame by frame.
	awk -F'\t' 'FILENAME == ARGV[1] { name[FNR] = $0; n = FNR; next }
		FILENAME == ARGV[2] { want[FNR] = $0; next }
		{
			split(want[FNR], e, "\t"); split($0, a, "\t")
			for (i = 1; i <= n; i++)
				if (e[i] != a[i])
					printf "  frame %d %s: encoded \"%s\", tshark \"%s\"\n", FNR, name[i], e[i], a[i]
		}' "$TMP/fields" "$TMP/expected" "$TMP/actual" >&2
fi

# 2. Every field tshark shows for these protocols is one the list checks
# (containers and the two hidden aliases excepted, see tshark_vectors.c).
tshark -r "$TMP/v.pcap" -T pdml 2>/dev/null |
	grep -o 'field name="\(portcontrol\|nat-pmp\)\.[^"]*"' |
	sed 's/field name="//; s/"$//' | sort -u >"$TMP/shown"
grep -vxE 'portcontrol\.(options|option|request|response)' "$TMP/shown" |
	comm -23 - <(sort -u "$TMP/fields") >"$TMP/unchecked"
[ -s "$TMP/unchecked" ] && fail "fields tshark shows that are not checked: $(tr '\n' ' ' <"$TMP/unchecked")"
[ -s "$TMP/shown" ] || fail "tshark showed no portcontrol or nat-pmp field at all"

# 3. No frame is malformed or carries expert information.
tshark -r "$TMP/v.pcap" -Y '_ws.malformed || _ws.expert' -T fields \
	-e frame.number -e _ws.expert.message >"$TMP/expert" 2>/dev/null
[ -s "$TMP/expert" ] && fail "expert information: $(tr '\n\t' '; ' <"$TMP/expert")"

# 4. Every frame was dissected as PCP or NAT-PMP.
dissected=$(tshark -r "$TMP/v.pcap" -Y 'portcontrol || nat-pmp' -T fields -e frame.number 2>/dev/null | wc -l)
[ "$dissected" -eq "$frames" ] || fail "$dissected of $frames frames dissected as PCP/NAT-PMP"

echo "$frames frames, $(wc -l <"$TMP/fields") fields each, $(sort -u "$TMP/shown" | wc -l) distinct fields shown by tshark; $failures failures"
[ "$failures" -eq 0 ]
