#!/usr/bin/env bash
# portctl decode on NAT-PMP (RFC 6886) datagrams: octet 0 == 0 selects
# NAT-PMP (App. A, N-21, N-23), the top bit of OP a response (N-1..N-7).
source "$(dirname "$0")/lib.sh" "$@"

CASE=test_n1_external_address_request
run --json "00 00"
expect_rc 0
expect_json '.[0] | [.kind, .length, .version, .r, .r_name, .opcode, .opcode_name]' '["natpmp",2,0,0,"request",0,"EXTERNAL_ADDRESS"]'
expect_json '.[0] | [has("result"), has("epoch"), has("internal_port")]' '[false,false,false]'

CASE=test_n2_external_address_response_text
run "00 80 00 00  00 00 04 d2  c0 00 02 01"
expect_rc 0
expect_text 'datagram 1
  length: 12
  kind: natpmp
  version: 0
  R: response (1)
  opcode: EXTERNAL_ADDRESS (0)
  result: SUCCESS (0)
  seconds since start of epoch: 1234
  external IP: 192.0.2.1 (IPv4-mapped)'

CASE=test_n2_external_address_response_json
run --json "00 80 00 00  00 00 04 d2  c0 00 02 01"
expect_json '.[0] | [.r, .opcode, .result, .result_name, .epoch, .external_addr]' '[1,0,0,"SUCCESS",1234,"192.0.2.1"]'

CASE=test_n3_map_udp_request_text
run "00 01 00 00  1f 90 1f 91  00 00 1c 20"
expect_rc 0
expect_text 'datagram 1
  length: 12
  kind: natpmp
  version: 0
  R: request (0)
  opcode: MAP_UDP (1)
  internal port: 8080
  suggested external port: 8081
  requested lifetime: 7200'

CASE=test_n3_map_tcp_request_json
run --json "00:02:00:00:1f:90:00:00:00:00:00:00"
expect_json '.[0] | [.opcode, .opcode_name, .internal_port, .external_port, .lifetime]' '[2,"MAP_TCP",8080,0,0]'

CASE=test_n4_map_tcp_response_json
run --json "00 82 00 00  00 00 04 d2  1f 90 1f 91  00 00 0e 10"
expect_rc 0
expect_json '.[0] | [.r, .opcode_name, .result, .epoch, .internal_port, .external_port, .lifetime]' '[1,"MAP_TCP",0,1234,8080,8081,3600]'

CASE=test_n4_map_response_text
run "00 81 00 02  00 00 00 05  1f 90 00 00  00 00 00 00"
expect_line '  opcode: MAP_UDP (1)'
expect_line '  result: NOT_AUTHORIZED (2)'
expect_line '  mapped external port: 0'

CASE=test_n5_unsupported_version_reply_8_octets
run --json "00 80 00 01  00 00 00 05"
expect_rc 0
expect_json '.[0] | [.length, .result, .result_name, .epoch]' '[8,1,"UNSUPP_VERSION",5]'
# An 8-octet reply carries nothing after the epoch.
expect_json '.[0] | has("external_addr")' 'false'

CASE=test_n7_unsupported_opcode_reply
run --json "00 85 00 05  00 00 00 07"
expect_rc 0
expect_json '.[0] | [.opcode, .opcode_name, .result, .result_name]' '[5,"UNKNOWN",5,"UNSUPP_OPCODE"]'

CASE=test_n7_unsupported_opcode_request_refused
run --json "00 05 00 00"
expect_rc 1
expect_json '.[0] | [.kind, .error.offset, .error.verdict, .error.result, .error.result_name]' '["natpmp",1,"error",5,"UNSUPP_OPCODE"]'
expect_json '.[0].error.rule | startswith("N-7")' 'true'

CASE=test_n3_short_map_request_refused
run "00 01 00 00"
expect_rc 1
expect_line '    verdict: drop'
checks=$((checks + 1))
[[ $ERR == "datagram 1: offset "*": N-"* ]] || fail "$CASE: stderr '$ERR'"

CASE=test_n7_longer_request_trailing_octets_shown
# The codec accepts a longer request and ignores the extra octets (wire.h,
# N-7); decode shows them rather than hiding them.
run --json "00 00 00 01 00 00 00 05" "00 01 00 00 1f 90 1f 91 00 00 1c 20 ab cd"
expect_rc 0
expect_json 'map(.trailing)' '["000100000005","abcd"]'
expect_json '.[1] | [.internal_port, .lifetime]' '[8080,7200]'
run "00 00 00 01"
expect_line '  trailing octets (ignored): 0001'

CASE=test_n2_exact_length_has_no_trailing
run --json "00 80 00 00  00 00 04 d2  c0 00 02 01" "00 01 00 00 1f 90 1f 91 00 00 1c 20"
expect_json 'map(has("trailing"))' '[false,false]'

CASE=test_n23_pcp_and_natpmp_mixed
run --json "00 00" "02 80 00 00 $(printf '00 %.0s' {1..20})" "00 80 00 00 00 00 00 00 c0 00 02 01"
expect_rc 0
expect_json 'map(.kind)' '["natpmp","pcp","natpmp"]'
expect_json 'map(.version)' '[0,2,0]'

finish
