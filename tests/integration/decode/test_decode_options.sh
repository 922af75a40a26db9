#!/usr/bin/env bash
# portctl decode shows every option with typed contents (W-7, W-8, X-1..X-4),
# MAP responses, PEER over IPv6 and opcodes it does not know.
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/vectors.sh"

MAP_REQ="$(req 1 3600 "$(v4 192.0.2.1)")$(map $NONCE 17 5000 0 "$(v4 0.0.0.0)")"

CASE=test_w8_third_party_prefer_failure_third_party_id_unknown_optional
run --json "$MAP_REQ$(opt 1 "$(v4 192.0.2.77)")$(opt 2 '')$(opt 13 0a0b0c)$(opt 200 dead)"
expect_rc 0
expect_json '.[0].options | map(.code)' '[1,2,13,200]'
expect_json '.[0].options | map(.code_name)' '["THIRD_PARTY","PREFER_FAILURE","THIRD_PARTY_ID","UNKNOWN"]'
expect_json '.[0].options | map(.mandatory)' '[true,true,true,false]'
expect_json '.[0].options | map(.length)' '[16,0,3,2]'
expect_json '.[0].options | map(.offset)' '[60,80,84,92]'
expect_json '.[0].options[0] | [.internal_addr, .internal_addr_family]' '["192.0.2.77","ipv4"]'
expect_json '.[0].options[1] | keys' '["code","code_name","length","mandatory","offset"]'
expect_json '.[0].options[2].id' '"0a0b0c"'
expect_json '.[0].options[3].data' '"dead"'

CASE=test_w8_options_text
run "$MAP_REQ$(opt 1 "$(v4 192.0.2.77)")$(opt 13 0a0b0c)$(opt 200 dead)"
expect_rc 0
expect_line '    code: THIRD_PARTY (1)'
expect_line '    internal IP: 192.0.2.77 (IPv4-mapped)'
expect_line '    code: THIRD_PARTY_ID (13)'
expect_line '    id: 0a0b0c'
expect_line '    code: UNKNOWN (200)'
expect_line '    mandatory: no'
expect_line '    data: dead'

# DESCRIPTION "Hello", newline, tab, quote, backslash, U+0001, e-acute and
# euro sign (valid UTF-8), a stray 0xff, DEL.
DESC=48656c6c6f0a09225c01c3a9e282acff7f
CASE=test_x1_description_escaped_text
run "$MAP_REQ$(opt 128 $DESC)"
expect_rc 0
expect_line '    code: DESCRIPTION (128)'
expect_line '    description: "Hello\n\t\"\\\x01é€\xff\x7f"'
expect_line '    valid UTF-8: no'

CASE=test_x1_description_escaped_json
run --json "$MAP_REQ$(opt 128 $DESC)"
expect_rc 0
# jq decodes the escapes again: invalid UTF-8 became U+FFFD.
expect_json '.[0].options[0].description' '"Hello\n\t\"\\\u0001é€�\u007f"'
expect_json '.[0].options[0].utf8_valid' 'false'
expect_json '.[0].options[0].description | explode | .[-2:]' '[65533,127]'

# RFC 3629 edge cases: an overlong NUL (c0 80), a surrogate (ed a0 80), a
# code point above U+10FFFF (f4 90 80 80) and a cut sequence (e2 82) are
# replaced octet by octet; a 4-octet character (U+1F600) passes.
CASE=test_x1_description_utf8_edge_cases_json
run --json "$MAP_REQ$(opt 128 41c080eda080f4908080f09f9880e282)"
expect_rc 0
expect_json '.[0].options[0].description | explode' '[65,65533,65533,65533,65533,65533,65533,65533,65533,65533,128512,65533,65533]'
expect_json '.[0].options[0].utf8_valid' 'false'

# U+2028 and U+2029 are valid JSON but line breaks to JavaScript and some
# log viewers: the CLI escapes them as the audit log does (one writer,
# lib/json/jsonbuf.h).
CASE=test_x1_description_line_separators_escaped_json
run --json "$MAP_REQ$(opt 128 41e280a842e280a9)"
expect_rc 0
checks=$((checks + 1))
grep -Fq '"description":"A\u2028B\u2029"' <<<"$OUT" ||
	fail "$CASE: U+2028/U+2029 not escaped in: $OUT"
expect_json '.[0].options[0].description | explode' '[65,8232,66,8233]'

CASE=test_x1_description_utf8_edge_cases_text
run "$MAP_REQ$(opt 128 41c080eda080f4908080f09f9880e282)"
expect_line '    description: "A\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80😀\xe2\x82"'

CASE=test_x1_description_valid_utf8
run --json "$MAP_REQ$(opt 128 "$(printf 'web server' | od -An -tx1 | tr -d ' \n')")"
expect_json '.[0].options[0] | [.description, .utf8_valid, .length]' '["web server",true,10]'

CASE=test_x1_empty_description
run --json "$MAP_REQ$(opt 128 '')"
expect_json '.[0].options[0] | [.description, .length]' '["",0]'

MAP_RESP="$(resp 1 0 7200 99)$(map $NONCE 6 80 8080 "$(v4 203.0.113.5)")"
# PREFIX64 with ::/96 and an IPv4 prefix list of two entries, and a 32-bit
# prefix 64:ff9b::/32 with its 8-octet suffix (X-2).
P64_LIST="$(u16 12)000000000000000000000000$(u16 2)$(u16 24)c6336400$(u16 16)cb007100"
P64_SHORT="$(u16 4)0064ff9b0000000000000000"

CASE=test_w3_w5_map_response_json
run --json "$MAP_RESP"
expect_rc 0
expect_json '.[0] | [.r, .r_name, .opcode_name, .result, .result_name]' '[1,"response","MAP",0,"SUCCESS"]'
expect_json '.[0] | [.lifetime, .epoch, .reserved]' '[7200,99,"000000000000000000000000"]'
expect_json '.[0] | [.nonce, .protocol_name, .internal_port, .external_port, .external_addr]' '["0102030405060708090a0b0c","TCP",80,8080,"203.0.113.5"]'
expect_json '.[0] | has("client_addr")' 'false'

CASE=test_w3_w5_map_response_text
run "$MAP_RESP"
expect_line '  result: SUCCESS (0)'
expect_line '  epoch: 99'
expect_line '  assigned external port: 8080'
expect_line '  assigned external IP: 203.0.113.5 (IPv4-mapped)'

CASE=test_x2_prefix64_json
run --json "$MAP_RESP$(opt 129 "$P64_LIST")$(opt 129 "$P64_SHORT")"
expect_rc 0
expect_json '.[0].options[0] | [.code_name, .length, .prefix64_length, .prefix64, .suffix]' '["PREFIX64",28,12,"000000000000000000000000",""]'
expect_json '.[0].options[0] | [.ipv4_prefix_count, [.ipv4_prefixes[] | [.prefix_length, .addr]]]' '[2,[[24,"198.51.100.0"],[16,"203.0.113.0"]]]'
expect_json '.[0].options[1] | [.length, .prefix64_length, .prefix64, .suffix, has("ipv4_prefix_count")]' '[14,4,"0064ff9b","0000000000000000",false]'

CASE=test_x2_prefix64_text
run "$MAP_RESP$(opt 129 "$P64_LIST")"
expect_line '    prefix64 length: 12'
expect_line '    IPv4 prefix count: 2'
expect_line '      prefix length: 24'
expect_line '      IPv4 address: 198.51.100.0 (IPv4-mapped)'

CASE=test_x3_port_set_parity
run --json "$MAP_REQ$(opt 130 "$(u16 65535)$(u16 5000)01")"
expect_rc 0
expect_json '.[0].options[0] | [.size, .first_internal_port, .parity]' '[65535,5000,true]'

CASE=test_w6_peer_ipv6_json
ZERO6=00000000000000000000000000000000
run --json "$(req 2 60 $V6_CLIENT)$(peer $NONCE 6 40000 0 $ZERO6 443 $V6_PEER)"
expect_rc 0
expect_json '.[0] | [.opcode, .opcode_name, .lifetime]' '[2,"PEER",60]'
expect_json '.[0] | [.client_addr, .client_addr_family]' '["2001:db8::1","ipv6"]'
expect_json '.[0] | [.external_addr, .external_addr_family]' '["::","ipv6"]'
expect_json '.[0] | [.remote_port, .remote_addr, .remote_addr_family]' '[443,"2001:db8:0:1::2","ipv6"]'

CASE=test_w6_peer_ipv6_text
run "$(req 2 60 $V6_CLIENT)$(peer $NONCE 6 40000 0 $ZERO6 443 $V6_PEER)"
expect_line '  client IP: 2001:db8::1 (IPv6)'
expect_line '  remote peer port: 443'
expect_line '  remote peer IP: 2001:db8:0:1::2 (IPv6)'

CASE=test_s10_unknown_opcode_payload_shown
run --json "$(req 9 0 "$(v4 192.0.2.1)")aabbccdd"
expect_rc 0
expect_json '.[0] | [.opcode, .opcode_name, .opaque, .options]' '[9,"UNKNOWN","aabbccdd",[]]'

CASE=test_w8_malformed_filter_length_shown_and_refused
run --json "$MAP_REQ$(opt 3 0078000000)"
expect_rc 1
expect_json '.[0].options[0] | [.code_name, .length, .malformed, .malformed_name, .data]' '["FILTER",5,6,"MALFORMED_OPTION","0078000000"]'
expect_err 'datagram 1: offset 60: S-81: FILTER data is not 20 octets with a valid prefix length'

CASE=test_w7_unknown_mandatory_option_100_shown
# Decoding applies no server policy: a server answers UNSUPP_OPTION, the
# decoder shows the option for what it is.
run --json "$MAP_REQ$(opt 100 '')"
expect_rc 0
expect_json '.[0].options[0] | [.code, .code_name, .mandatory, .length, .data]' '[100,"UNKNOWN",true,0,""]'

CASE=test_w8_third_party_wrong_length_refused
run --json "$MAP_REQ$(opt 1 c0000201)"
expect_rc 1
expect_json '.[0].options[0] | [.code_name, .length, .malformed_name, .data]' '["THIRD_PARTY",4,"MALFORMED_OPTION","c0000201"]'
expect_err 'datagram 1: offset 60: W-8: THIRD_PARTY data is not a 16-octet address'

CASE=test_x2_prefix64_bad_length_refused
run --json "$MAP_REQ$(opt 129 "$(u16 9)000000000000000000000000")"
expect_rc 1
expect_json '.[0].options[0] | [.code_name, .malformed_name]' '["PREFIX64","MALFORMED_OPTION"]'
expect_err 'datagram 1: offset 60: X-2.2: PREFIX64 prefix length or layout invalid'

CASE=test_s81_filter_prefix_129_refused
run --json "$MAP_REQ$(opt 3 "0081$(u16 0)$(v4 198.51.100.0)")"
expect_rc 1
expect_json '.[0].options[0] | [.code_name, .length, .malformed_name]' '["FILTER",20,"MALFORMED_OPTION"]'
expect_err 'datagram 1: offset 60: S-81: FILTER data is not 20 octets with a valid prefix length'

CASE=test_s10_opcode_5_payload_shown
run --json "$(req 5 0 "$(v4 192.0.2.1)")aabbccdd"
expect_rc 0
expect_json '.[0] | [.opcode, .opcode_name, .opaque]' '[5,"UNKNOWN","aabbccdd"]'

CASE=test_x3_port_set_size_zero_refused
run "$MAP_REQ$(opt 130 "$(u16 0)$(u16 5000)00")"
expect_rc 1
expect_line '    malformed: MALFORMED_OPTION (6)'
expect_err 'datagram 1: offset 60: X-3.2: PORT_SET data is not 5 octets with a non-zero size'

finish
