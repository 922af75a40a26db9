#!/usr/bin/env bash
# portctl decode on the test vectors of CHECKLIST section 10 (T-1..T-5):
# every field, in the text form (whole output) and in JSON (field by field).
source "$(dirname "$0")/lib.sh" "$@"

# T-1: MAP request, lifetime 7200, client 192.168.1.10, nonce 01..0c, TCP,
# internal port 8080, no suggestion (IPv4 external wanted).
T1="02 01 00 00  00 00 1c 20  00 00 00 00  00 00 00 00  00 00 ff ff  c0 a8 01 0a
    01 02 03 04  05 06 07 08  09 0a 0b 0c  06 00 00 00  1f 90 00 00
    00 00 00 00  00 00 00 00  00 00 ff ff  00 00 00 00"
T1=${T1//$'\n'/ }
# T-2: FILTER allowing 198.51.100.0/24 (prefix 96+24), any port.
T2="03 00 00 14  00 78 00 00  00 00 00 00  00 00 00 00  00 00 ff ff  c6 33 64 00"
# T-3: PORT_SET, 100 ports from 50000, no parity, 3 octets of padding.
T3="82 00 00 05  00 64 c3 50  00 00 00 00"
# T-4: unsolicited ANNOUNCE after a restart: R, opcode 0, all else zero.
T4="02 80 00 00 $(printf '00 %.0s' {1..20})"
# T-5: a PCP-only server's reply to NAT-PMP "00 00": UNSUPP_VERSION,
# lifetime 1800, epoch 1234.
T5="02 80 00 01  00 00 07 08  00 00 04 d2 $(printf '00 %.0s' {1..12})"

MAP_FIELDS='datagram 1
  length: LEN
  kind: pcp
  version: 2
  R: request (0)
  opcode: MAP (1)
  requested lifetime: 7200
  client IP: 192.168.1.10 (IPv4-mapped)
  nonce: 0102030405060708090a0b0c
  protocol: TCP (6)
  internal port: 8080
  suggested external port: 0
  suggested external IP: 0.0.0.0 (IPv4-mapped)'

CASE=test_t1_map_request_text
run "$T1"
expect_rc 0
expect_text "${MAP_FIELDS/LEN/60}"

CASE=test_t1_map_request_json
run --json "$T1"
expect_rc 0
expect_json 'length' '1'
expect_json '.[0] | [.datagram, .length, .kind, .version, .r, .r_name]' '[1,60,"pcp",2,0,"request"]'
expect_json '.[0] | [.opcode, .opcode_name, .lifetime]' '[1,"MAP",7200]'
expect_json '.[0] | [.client_addr, .client_addr_family]' '["192.168.1.10","ipv4"]'
expect_json '.[0].nonce' '"0102030405060708090a0b0c"'
expect_json '.[0] | [.protocol, .protocol_name, .internal_port]' '[6,"TCP",8080]'
expect_json '.[0] | [.external_port, .external_addr, .external_addr_family]' '[0,"0.0.0.0","ipv4"]'
expect_json '.[0].options' '[]'
# Response-only fields are absent from a request.
expect_json '.[0] | [has("result"), has("epoch"), has("reserved")]' '[false,false,false]'

CASE=test_t2_filter_option_text
run "$T1 $T2"
expect_rc 0
expect_text "${MAP_FIELDS/LEN/84}
  option 1:
    code: FILTER (3)
    mandatory: yes
    length: 20
    offset: 60
    prefix length: 120
    remote peer port: 0
    remote peer IP: 198.51.100.0 (IPv4-mapped)"

CASE=test_t2_filter_option_json
run --json "$T1 $T2"
expect_rc 0
expect_json '.[0].options | length' '1'
expect_json '.[0].options[0] | [.code, .code_name, .mandatory, .length, .offset]' '[3,"FILTER",true,20,60]'
expect_json '.[0].options[0] | [.prefix_length, .remote_port, .remote_addr, .remote_addr_family]' '[120,0,"198.51.100.0","ipv4"]'

CASE=test_t3_port_set_option_text
run "$T1 $T3"
expect_rc 0
expect_text "${MAP_FIELDS/LEN/72}
  option 1:
    code: PORT_SET (130)
    mandatory: no
    length: 5
    offset: 60
    port set size: 100
    first internal port: 50000
    parity: no"

CASE=test_t3_port_set_option_json
run --json "$T1 $T3"
expect_rc 0
expect_json '.[0].options[0] | [.code, .code_name, .mandatory, .length, .offset]' '[130,"PORT_SET",false,5,60]'
expect_json '.[0].options[0] | [.size, .first_internal_port, .parity]' '[100,50000,false]'

CASE=test_t2_t3_both_options_in_order
run --json "$T1 $T2 $T3"
expect_rc 0
expect_json '.[0] | [.length, [.options[] | .code], [.options[] | .offset]]' '[96,[3,130],[60,84]]'

CASE=test_t4_unsolicited_announce_text
run "$T4"
expect_rc 0
expect_text 'datagram 1
  length: 24
  kind: pcp
  version: 2
  R: response (1)
  opcode: ANNOUNCE (0)
  result: SUCCESS (0)
  lifetime: 0
  epoch: 0
  reserved: 000000000000000000000000'

CASE=test_t4_unsolicited_announce_json
run --json "$T4"
expect_rc 0
expect_json '.[0] | [.length, .version, .r, .r_name, .opcode, .opcode_name]' '[24,2,1,"response",0,"ANNOUNCE"]'
expect_json '.[0] | [.result, .result_name, .lifetime, .epoch, .reserved]' '[0,"SUCCESS",0,0,"000000000000000000000000"]'
expect_json '.[0] | [has("client_addr"), has("nonce"), .options]' '[false,false,[]]'

CASE=test_t5_unsupp_version_reply_text
run "$T5"
expect_rc 0
expect_text 'datagram 1
  length: 24
  kind: pcp
  version: 2
  R: response (1)
  opcode: ANNOUNCE (0)
  result: UNSUPP_VERSION (1)
  lifetime: 1800
  epoch: 1234
  reserved: 000000000000000000000000'

CASE=test_t5_unsupp_version_reply_json
run --json "$T5"
expect_rc 0
expect_json '.[0] | [.result, .result_name, .lifetime, .epoch]' '[1,"UNSUPP_VERSION",1800,1234]'

CASE=test_all_t_vectors_in_one_call_numbered_in_order
run --json "$T1" "$T1 $T2" "$T1 $T3" "$T4" "$T5"
expect_rc 0
expect_json '[.[] | .datagram]' '[1,2,3,4,5]'
expect_json '[.[] | .length]' '[60,84,72,24,24]'

finish
