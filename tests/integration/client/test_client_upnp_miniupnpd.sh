#!/bin/bash
# libportctl's UPnP IGD engine (issue 13) against Debian's miniupnpd with
# UPnP only (enable_natpmp=no: no PCP, no NAT-PMP), driven directly through
# the library by upnp_drive (the CLI is not involved), in namespaces of the
# test's own:
#
#   internal (NI)               router (NR)                  external (NE)
#   eth0 192.0.2.2          <-> lan0 192.0.2.1   wan0 203.0.113.1 <-> .2
#        2001:db8:1::2               2001:db8:1::1   2001:db8:2::1  <-> ::2
#
# - UPnP only (-P upnp), the IGD found by a unicast M-SEARCH to the
#   configured server: TCP 8080 is mapped through IGD:2 AddAnyPortMapping
#   with the internal port kept (port preservation); the snapshot says
#   proto upnp, IGD version 2, server 192.0.2.1:5000 (the IGD's HTTP
#   address), external address = GetExternalIPAddress's.  upnpc -l (a
#   client written by others) lists the mapping; TCP from the WAN reaches
#   the internal host.  Delete: upnpc -l no longer lists it.
# - An external port held by another host's mapping (192.0.2.3, made by
#   curl from that address: secure_mode allows no other): granted another
#   port (the IGD picks with AddAnyPortMapping), reported.
# - Renewal of a short lease (6 s): two RENEWED events, the mapping still
#   listed, with the same port.
# - The loop of a program that watches only pctl_client_fds() for reading
#   (-F) still gets its HTTP connections written (the short timeout).
# - Automatic order (-P auto, upnp_wait 500 ms): PCP and NAT-PMP get no
#   answer, the mapping falls back to UPnP.
# - GetExternalIPAddress for PCTL_REQ_EXTERNAL.
# - An IPv6 pinhole (map6): AddPinhole, then DeletePinhole.
#
# miniupnpd's external address and rules: miniupnpd_lib.sh.  Needs root,
# miniupnpd, upnpc, nft, socat, curl (77 otherwise).
. "$(dirname "$0")/lib.sh"
DRIVE=$4
MINIUPNPD=/usr/sbin/miniupnpd
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x $MINIUPNPD ] || { echo "SKIP: no miniupnpd"; exit 77; }
for t in ip nft socat upnpc curl timeout; do
	command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
[ -x "$DRIVE" ] || fail "upnp_drive missing: $DRIVE"
NI=umi$$
NR=umr$$
NE=ume$$
MT=umt$$
DESC=http://192.0.2.1:5000/rootDesc.xml
. "$(dirname "$0")/miniupnpd_lib.sh"
mu_netns
mu_netns6
mu_nft
mu_conf ext_ifname6=wan0 http_port=5000 enable_natpmp=no enable_upnp=yes \
	system_uptime=yes uuid=3a1c2f1e-0d5b-4c55-9a3e-5f3c00000013 \
	>"$TMP/miniupnpd.conf"
mu_start "$TMP/miniupnpd.conf" t 5000

mu_serve_tcp
# listed PROTO EXT_PORT INT_PORT: upnpc -l shows that mapping to us.
listed() {
	ip netns exec $NI timeout 10 upnpc -u $DESC -l 2>/dev/null |
		grep -Eq "^ *[0-9]+ $1 +$2->192\.0\.2\.2:$3 "
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
drive() { ip netns exec $NI timeout 60 "$DRIVE" "$@" 2>>"$TMP/drive.log"; }

tcp_reaches 8080 && fail "TCP 8080 forwarded before any mapping"

# ---- UPnP only: map, check, delete ------------------------------------
coproc D { drive -s 192.0.2.1 -P upnp -t 15 map tcp 8080 3600 pause delete; }
DP=$D_PID
PIDS+=("$DP")
read -r -t 30 line <&"${D[0]}" || fail "no map line: $(cat "$TMP/drive.log")"
echo "$line"
[ "$(field event "$line")" = granted ] || fail "map: $line"
[ "$(field proto "$line")" = upnp ] || fail "proto: $line"
[ "$(field upnp "$line")" = 2 ] || fail "IGD version: $line"
[ "$(field server "$line")" = 192.0.2.1:5000 ] || fail "server: $line"
[ "$(field ext "$line")" = $EXT_IP ] || fail "external address: $line"
[ "$(field port "$line")" = 8080 ] || fail "internal port not kept: $line"
read -r -t 10 line <&"${D[0]}"
[ "$line" = paused ] || fail "no pause: $line"
listed TCP 8080 8080 || fail "upnpc -l does not list TCP 8080"
tcp_reaches 8080 || fail "TCP to 203.0.113.1:8080 not forwarded"
echo go >&"${D[1]}"
read -r -t 30 line <&"${D[0]}" || fail "no delete line"
echo "$line"
[ "$(field event "$line")" = deleted ] || fail "delete: $line"
wait "$DP" 2>/dev/null
listed TCP 8080 8080 && fail "still listed after delete"
tcp_reaches 8080 && fail "TCP still forwarded after delete"

# ---- a port held by another host (192.0.2.3): another port -------------
ip -n $NI addr add 192.0.2.3/24 dev eth0
soap='<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:2"><NewRemoteHost></NewRemoteHost><NewExternalPort>8080</NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>8080</NewInternalPort><NewInternalClient>192.0.2.3</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>other</NewPortMappingDescription><NewLeaseDuration>3600</NewLeaseDuration></u:AddPortMapping></s:Body></s:Envelope>'
ip netns exec $NI timeout 10 curl -s --interface 192.0.2.3 \
	-H 'Content-Type: text/xml; charset="utf-8"' \
	-H 'SOAPAction: "urn:schemas-upnp-org:service:WANIPConnection:2#AddPortMapping"' \
	--data "$soap" http://192.0.2.1:5000/ctl/IPConn >/dev/null
ip netns exec $NI timeout 10 upnpc -u $DESC -l 2>/dev/null |
	grep -q "8080->192.0.2.3:8080" ||
	fail "test setup: 192.0.2.3 does not hold external TCP 8080"
out=$(drive -s 192.0.2.1 -P upnp map tcp 8080 3600 delete) ||
	fail "map over a held port: $out"
echo "$out"
line=$(head -1 <<<"$out")
[ "$(field event "$line")" = granted ] || fail "held port: $line"
p=$(field port "$line")
[ "$p" != 8080 ] && [ "$p" -gt 0 ] || fail "held port granted again: $line"

# ---- renewal of a short lease, through a fds-only loop ---------------
coproc R { drive -F -s 192.0.2.1 -P upnp -t 20 map tcp 8080 6 renewed 2 \
	pause delete; }
RP=$R_PID
PIDS+=("$RP")
out=
while read -r -t 30 line <&"${R[0]}"; do
	echo "$line"
	out+="$line"$'\n'
	[ "$line" = paused ] && break
done
[ "$line" = paused ] || fail "renewal: $out $(tail -5 "$TMP/drive.log")"
rport=$(field port "$(head -1 <<<"$out")")
[ "$(grep -c '^renewal event=renewed' <<<"$out")" = 2 ] ||
	fail "not two renewals: $out"
[ "$(grep '^renewal' <<<"$out" | grep -c " port=$rport ")" = 2 ] ||
	fail "renewal moved: $out"
# More than the 6 s lease after it was made: there through renewals.
listed TCP "$rport" 8080 || fail "renewed mapping not listed"
echo go >&"${R[1]}"
read -r -t 30 line <&"${R[0]}"
echo "$line"
[ "$(field event "$line")" = deleted ] || fail "renewal delete: $line"
wait "$RP" 2>/dev/null
listed TCP "$rport" 8080 && fail "renewed mapping listed after delete"

# ---- automatic order: no PCP / NAT-PMP answer, then UPnP -------------
out=$(drive -s 192.0.2.1 -w 500 map tcp 8080 3600 delete) ||
	fail "auto: $out $(tail -5 "$TMP/drive.log")"
echo "$out"
line=$(head -1 <<<"$out")
[ "$(field proto "$line")" = upnp ] || fail "auto did not fall back: $line"
grep -q "no usable PCP or NAT-PMP answer" "$TMP/drive.log" ||
	fail "no fallback log line"

# ---- the external address ---------------------------------------------
out=$(drive -s 192.0.2.1 -P upnp external) || fail "external: $out"
echo "$out"
[ "$(field ext "$out")" = $EXT_IP ] || fail "external: $out"

# ---- IPv6 pinhole -------------------------------------------------------
out=$(drive -s 192.0.2.1 -s "[2001:db8:1::1]" -P upnp map6 tcp 8080 3600 \
	delete) || fail "pinhole: $out $(tail -5 "$TMP/drive.log")"
echo "$out"
line=$(head -1 <<<"$out")
[ "$(field event "$line")" = granted ] || fail "pinhole: $line"
[ "$(field ext "$line")" = 2001:db8:1::2 ] || fail "pinhole address: $line"
grep -q '^delete event=deleted' <<<"$out" || fail "pinhole delete: $out"
grep -q "DeletePinhole" "$TMP/drive.log" || fail "no DeletePinhole sent"
echo PASS
