#!/usr/bin/env bash
# portctl decode on malformed datagrams ("datagram N: offset K: <rule>",
# exit 1 after decoding the rest) and on bad arguments (exit 2 or 4).
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/vectors.sh"

MAP_REQ="$(req 1 3600 "$(v4 192.0.2.1)")$(map $NONCE 17 5000 0 "$(v4 0.0.0.0)")"
ANNOUNCE="02 80 00 00 $(printf '00 %.0s' {1..20})"

# check_refused HEX OFFSET RULE-PREFIX: a lone bad datagram.
check_refused() {
	run "$1"
	expect_rc 1
	checks=$((checks + 1))
	[[ $ERR == "datagram 1: offset $2: $3"* ]] || fail "$CASE: stderr '$ERR', expected 'datagram 1: offset $2: $3...'"
	run --json "$1"
	expect_rc 1
	expect_json ".[0].error.offset" "$2"
	expect_json ".[0].error.rule | startswith(\"$3\")" 'true'
	expect_json '.[0] | has("opcode")' 'false'
}

CASE=test_s3_one_octet_runt
check_refused "02" 0 "S-3:"
expect_json '.[0] | [.kind, .error.verdict, (.error | has("result"))]' '["runt","drop",false]'

CASE=test_s6_v2_with_20_octets
check_refused "${MAP_REQ:0:40}" 20 "S-6:"
expect_json '.[0].error.verdict' '"drop"'

CASE=test_s8_62_octets_not_multiple_of_4
check_refused "${MAP_REQ}0000" 60 "S-8:"
expect_json '.[0].error | [.verdict, .result, .result_name]' '["error",3,"MALFORMED_REQUEST"]'

CASE=test_s8_map_with_56_octets
check_refused "${MAP_REQ:0:112}" 56 "S-8:"

CASE=test_s8_1104_octets
check_refused "${MAP_REQ}$(printf '0%.0s' {1..2088})" 1100 "S-8:"

CASE=test_s19_option_length_past_end
check_refused "${MAP_REQ}80000008aabbccdd" 62 "S-19:"

CASE=test_s5_version_1
check_refused "01 00 00 00" 0 "S-5:"
expect_json '.[0] | [.kind, .error.result_name]' '["unknown","UNSUPP_VERSION"]'

CASE=test_bad_datagram_does_not_stop_the_rest
run --json "$ANNOUNCE" "02" "$ANNOUNCE" "${MAP_REQ}0000"
expect_rc 1
expect_json 'map(.datagram)' '[1,2,3,4]'
expect_json 'map(has("error"))' '[false,true,false,true]'
expect_err "datagram 2: offset 0: S-3: fewer than 2 octets
datagram 4: offset 60: S-8: message length not a multiple of 4"

# ---- arguments ----------------------------------------------------------

CASE=test_args_odd_hex_digits
run "02 8"
expect_rc 2
expect_err 'portctl decode: argument 1: column 4: odd number of hex digits ("02 8")'
checks=$((checks + 1))
[ -z "$OUT" ] || fail "$CASE: output on a usage error: $OUT"

CASE=test_args_separator_inside_an_octet
run "$ANNOUNCE" "0 2"
expect_rc 2
expect_err 'portctl decode: argument 2: column 1: odd number of hex digits ("0 2")'
checks=$((checks + 1))
[ -z "$OUT" ] || fail "$CASE: no datagram may be decoded when an argument is bad"

CASE=test_args_non_hex_character
run "02 8g"
expect_rc 2
expect_err 'portctl decode: argument 1: column 5: not a hex digit ("02 8g")'

CASE=test_args_empty_argument
run ""
expect_rc 2
expect_err 'portctl decode: argument 1: column 1: no hex digits ("")'

CASE=test_args_nothing_to_decode
run
expect_rc 2
checks=$((checks + 1))
[[ $ERR == "portctl decode: nothing to decode"* ]] || fail "$CASE: stderr '$ERR'"

CASE=test_args_unknown_option
run --bogus 00
expect_rc 2
checks=$((checks + 1))
[[ $ERR == "portctl decode: unknown option '--bogus'"* ]] || fail "$CASE: stderr '$ERR'"

CASE=test_args_pcap_and_hex_together
run --pcap /dev/null 00
expect_rc 2

CASE=test_args_missing_pcap_file
run --pcap "$TMP/no-such.pcap"
expect_rc 4
checks=$((checks + 1))
[[ $ERR == "portctl decode: $TMP/no-such.pcap: "*"No such file"* ]] || fail "$CASE: stderr '$ERR'"

CASE=test_args_not_a_pcap_file
printf 'this is not a capture\n' >"$TMP/junk.pcap"
run --pcap "$TMP/junk.pcap"
expect_rc 4
checks=$((checks + 1))
[[ $ERR == "portctl decode: $TMP/junk.pcap: "* ]] || fail "$CASE: stderr '$ERR'"

CASE=test_args_help
run --help
expect_rc 0
checks=$((checks + 1))
[[ $OUT == "usage: portctl decode"* ]] || fail "$CASE: stdout '$OUT'"

CASE=test_datagram_too_long_for_udp
run "$(printf '00%.0s' {1..65528})"
expect_rc 2
expect_err "portctl decode: argument 1: column 131055: datagram too long (\"$(printf '00%.0s' {1..20})\")"

# ---- stdin ----------------------------------------------------------------

CASE=test_stdin_one_datagram_per_line
run_stdin "# a comment, then a blank line

00 00
$ANNOUNCE
" --json -
expect_rc 0
expect_json 'map(.kind)' '["natpmp","pcp"]'

CASE=test_stdin_bad_line_reported_rest_decoded
run_stdin "00 00
zz
00 00
" -
expect_rc 2
expect_err 'portctl decode: stdin line 2: column 1: not a hex digit ("zz")'
expect_line 'datagram 2'

CASE=test_stdin_mixed_with_arguments_numbered_in_order
run_stdin "00 00" --json "$ANNOUNCE" - "$ANNOUNCE"
expect_rc 0
expect_json 'map([.datagram, .kind])' '[[1,"pcp"],[2,"natpmp"],[3,"pcp"]]'

CASE=test_stdin_twice_refused
run - -
expect_rc 2

finish
