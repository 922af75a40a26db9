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

# ---- UPnP IGD (issue 11): SOAP requests and HTTP requests, as text ---------
# tseed DIR NAME TEXT: writes TEXT with printf's %b escapes (\r, \n, \0).
tseed() {
	mkdir -p "$OUT/$1"
	printf '%b' "$3" >"$OUT/$1/$2"
}
# envelope SERVICE VERSION ACTION ARGS: a SOAP request body as miniupnpc
# writes it.
envelope() {
	printf '<?xml version="1.0"?>\\r\\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:%s xmlns:u="urn:schemas-upnp-org:service:%s:%s">%s</u:%s></s:Body></s:Envelope>\\r\\n' \
		"$3" "$1" "$2" "$4" "$3"
}
# soap SERVICE VERSION ACTION ARGS: a fuzz_upnp_soap record.
soap() { printf '"urn:schemas-upnp-org:service:%s:%s#%s"\\n%s' "$1" "$2" "$3" "$(envelope "$@")"; }
# post PATH SERVICE VERSION ACTION ARGS: the whole HTTP request.
post() {
	local path=$1 body
	shift
	body=$(envelope "$@")
	printf 'POST %s HTTP/1.1\\r\\nHost: 192.0.2.1:5000\\r\\nContent-Type: text/xml; charset="utf-8"\\r\\nSOAPAction: "urn:schemas-upnp-org:service:%s:%s#%s"\\r\\nConnection: close\\r\\nContent-Length: %d\\r\\n\\r\\n%s' \
		"$path" "$1" "$2" "$3" "$(printf '%b' "$body" | wc -c)" "$body"
}
KEY='<NewRemoteHost></NewRemoteHost><NewExternalPort>8080</NewExternalPort><NewProtocol>TCP</NewProtocol>'
ADD="$KEY<NewInternalPort>8080</NewInternalPort><NewInternalClient>192.0.2.2</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>web &amp; co</NewPortMappingDescription><NewLeaseDuration>3600</NewLeaseDuration>"
RANGE='<NewStartPort>1</NewStartPort><NewEndPort>65535</NewEndPort><NewProtocol>TCP</NewProtocol><NewManage>1</NewManage>'
PIN='<RemoteHost></RemoteHost><RemotePort>0</RemotePort><InternalClient>2001:db8::2</InternalClient><InternalPort>80</InternalPort><Protocol>6</Protocol>'
S=fuzz_upnp_soap
tseed $S getext "$(soap WANIPConnection 2 GetExternalIPAddress '')"
tseed $S status-v1 "$(soap WANIPConnection 1 GetStatusInfo '')"
tseed $S conntype "$(soap WANIPConnection 2 GetConnectionTypeInfo '')"
tseed $S rsip "$(soap WANIPConnection 2 GetNATRSIPStatus '')"
tseed $S add "$(soap WANIPConnection 2 AddPortMapping "$ADD")"
tseed $S add-any "$(soap WANIPConnection 2 AddAnyPortMapping "$ADD")"
tseed $S session "$(soap WANIPConnection 1 AddPortMapping "$ADD")\\0$(soap WANIPConnection 2 GetSpecificPortMappingEntry "$KEY")\\0$(soap WANIPConnection 1 GetGenericPortMappingEntry '<NewPortMappingIndex>0</NewPortMappingIndex>')\\0$(soap WANIPConnection 2 GetListOfPortMappings "$RANGE<NewNumberOfPorts>0</NewNumberOfPorts>")\\0$(soap WANIPConnection 2 DeletePortMapping "$KEY")\\0$(soap WANIPConnection 2 DeletePortMappingRange "$RANGE")"
tseed $S pinholes "$(soap WANIPv6FirewallControl 1 AddPinhole "$PIN<LeaseTime>3600</LeaseTime>")\\0$(soap WANIPv6FirewallControl 1 UpdatePinhole '<UniqueID>1</UniqueID><NewLeaseTime>600</NewLeaseTime>')\\0$(soap WANIPv6FirewallControl 1 CheckPinholeWorking '<UniqueID>1</UniqueID>')\\0$(soap WANIPv6FirewallControl 1 GetPinholePackets '<UniqueID>1</UniqueID>')\\0$(soap WANIPv6FirewallControl 1 DeletePinhole '<UniqueID>1</UniqueID>')"
tseed $S fw-status "$(soap WANIPv6FirewallControl 1 GetFirewallStatus '')\\0$(soap WANIPv6FirewallControl 1 GetOutboundPinholeTimeout "$PIN")"
tseed $S link "$(soap WANCommonInterfaceConfig 1 GetCommonLinkProperties '')\\0$(soap WANCommonInterfaceConfig 1 GetTotalBytesSent '')"
tseed $S bad-doctype '"urn:schemas-upnp-org:service:WANIPConnection:2#GetExternalIPAddress"\n<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:GetExternalIPAddress xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:2">&b;</u:GetExternalIPAddress></s:Body></s:Envelope>'
tseed $S header '*\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><x><y>1</y></x></s:Header><s:Body><u:GetExternalIPAddress xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:2"/></s:Body></s:Envelope>'
H=fuzz_upnp_http
tseed $H get-root 'GET /rootDesc.xml HTTP/1.1\r\nHost: 192.0.2.1:5000\r\nConnection: close\r\n\r\n'
tseed $H get-keepalive 'GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\n\r\nGET /WANIPCn.xml HTTP/1.1\r\nHost: x\r\n\r\nHEAD /WANCfg.xml HTTP/1.1\r\nHost: x\r\n\r\nGET /WANIPv6FC.xml HTTP/1.0\r\n\r\n'
tseed $H post-add "$(post /ctl/IPConn WANIPConnection 2 AddPortMapping "$ADD")"
tseed $H post-list "$(post /ctl/IPConn WANIPConnection 2 GetListOfPortMappings "$RANGE<NewNumberOfPorts>10</NewNumberOfPorts>")"
tseed $H post-pinhole "$(post /ctl/IP6FCtl WANIPv6FirewallControl 1 AddPinhole "$PIN<LeaseTime>3600</LeaseTime>")"
tseed $H subscribe 'SUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\nCALLBACK: <http://192.0.2.5:4999/cb>\r\nNT: upnp:event\r\nTIMEOUT: Second-300\r\n\r\nUNSUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\nSID: uuid:01234567-89ab-cdef-0123-456789abcdef\r\n\r\n'
tseed $H bad-methods 'PUT /rootDesc.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiPOST /rootDesc.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'
tseed $H bad-chunked 'POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'
