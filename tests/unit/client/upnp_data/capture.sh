#!/bin/bash
# How the real-device material in this directory was captured (run by hand,
# as root; not part of `make check`): Debian's miniupnpd (miniupnpd-nftables)
# in a network namespace of this script's own, asked over SSDP, HTTP and
# SOAP as libportctl asks, then portctld's own IGD (PORTCTLD, the built
# daemon, backend none).  Writes miniupnpd_*.{txt,xml} and portctld_*.
#   capture.sh [PORTCTLD]
set -euo pipefail
cd "$(dirname "$0")"
NS=upcap$$
MT=upcap$$
TMP=$(mktemp -d)
MPID=
cleanup() {
	if [ -n "$MPID" ]; then
		kill -TERM "$MPID" 2>/dev/null || true
		for _ in $(seq 20); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$MPID" 2>/dev/null || true
	fi
	ip netns del $NS 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add $NS
ip -n $NS link set lo up
# veth pairs with both ends inside: interfaces that carry multicast.
ip -n $NS link add lan0 type veth peer name lanp
ip -n $NS link add wan0 type veth peer name wanp
ip -n $NS link set lanp up
ip -n $NS link set wanp up
ip -n $NS addr add 192.0.2.1/24 dev lan0
ip -n $NS addr add 203.0.113.1/24 dev wan0
ip -n $NS link set lan0 up multicast on
ip -n $NS link set wan0 up
ip netns exec $NS nft -f - <<NFT
table inet $MT {
	chain fwd_mupnp { }
	chain pre_mupnp { }
	chain post_mupnp { }
}
NFT
cat >"$TMP/miniupnpd.conf" <<CONF
ext_ifname=wan0
ext_ip=192.0.3.1
listening_ip=lan0
http_port=5000
enable_natpmp=no
enable_upnp=yes
secure_mode=yes
system_uptime=yes
uuid=3a1c2f1e-0d5b-4c55-9a3e-5f3c00000001
friendly_name=portctl capture
upnp_table_name=$MT
upnp_nat_table_name=$MT
upnp_forward_chain=fwd_mupnp
upnp_nat_chain=pre_mupnp
upnp_nat_postrouting_chain=post_mupnp
allow 1024-65535 192.0.2.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
start() {
	rm -f "$TMP/pid"
	ip netns exec $NS /usr/sbin/miniupnpd -f "$TMP/miniupnpd.conf" -P "$TMP/pid"
	for _ in $(seq 50); do
		[ -s "$TMP/pid" ] && ip netns exec $NS ss -Htln "sport = :5000" | grep -q . && break
		sleep 0.1
	done
	MPID=$(cat "$TMP/pid")
}
stop() {
	kill -TERM "$MPID"
	for _ in $(seq 50); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
	MPID=
}
start
# soap.py PREFIX: the SOAP exchanges of the map cycle, PREFIX_soap_*.xml.
cat >"$TMP/soap.py" <<'PY'
import sys, urllib.request
def save(name, data):
    open(name, "wb").write(data)
PREFIX = sys.argv[1]
ctl = "http://192.0.2.1:5000/ctl/IPConn"
svc = "urn:schemas-upnp-org:service:WANIPConnection:2"
def soap(action, args, name):
    body = ('<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.'
            'xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.'
            'xmlsoap.org/soap/encoding/"><s:Body><u:%s xmlns:u="%s">%s'
            '</u:%s></s:Body></s:Envelope>\r\n') % (action, svc, "".join(
                "<%s>%s</%s>" % (k, v, k) for k, v in args), action)
    rq = urllib.request.Request(ctl, body.encode(), {
        "Content-Type": 'text/xml; charset="utf-8"',
        "SOAPAction": '"%s#%s"' % (svc, action)})
    try:
        data = urllib.request.urlopen(rq, timeout=3).read()
    except urllib.error.HTTPError as e:
        data = e.read()
    save(name, data)
add = lambda port, iport, client="192.0.2.1": [("NewRemoteHost", ""),
    ("NewExternalPort", port), ("NewProtocol", "TCP"),
    ("NewInternalPort", iport), ("NewInternalClient", client), ("NewEnabled", "1"),
    ("NewPortMappingDescription", "portctl"), ("NewLeaseDuration", "3600")]
soap("GetExternalIPAddress", [], PREFIX + "_soap_extip.xml")
soap("AddPortMapping", add("4000", "4000"), PREFIX + "_soap_add.xml")
# secure mode: a mapping for another host (miniupnpd: 718, portctld: 606).
soap("AddPortMapping", add("4000", "4001", "192.0.2.9"),
     PREFIX + "_soap_fault_other_host.xml")
soap("AddAnyPortMapping", add("4000", "4002"), PREFIX + "_soap_addany.xml")
soap("DeletePortMapping", [("NewRemoteHost", ""), ("NewExternalPort", "4000"),
     ("NewProtocol", "TCP")], PREFIX + "_soap_delete.xml")
PY
# ssdp.py PREFIX: an M-SEARCH answered (PREFIX_ssdp_reply.txt) and the
# description at its LOCATION (PREFIX_desc.xml).
cat >"$TMP/ssdp.py" <<'PY'
import socket, sys, urllib.request
def save(name, data):
    open(name, "wb").write(data)
PREFIX = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 0))
s.settimeout(3)
st = "urn:schemas-upnp-org:device:InternetGatewayDevice:2"
s.sendto(("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
          "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: %s\r\n\r\n" % st).encode(),
         ("192.0.2.1", 1900))
reply = s.recv(2048)
save(PREFIX + "_ssdp_reply.txt", reply)
loc = [l.split(b":", 1)[1].strip() for l in reply.split(b"\r\n")
       if l.lower().startswith(b"location:")][0].decode()
desc = urllib.request.urlopen(loc, timeout=3).read()
save(PREFIX + "_desc.xml", desc)
PY
ip netns exec $NS timeout 20 python3 "$TMP/ssdp.py" miniupnpd
ip netns exec $NS timeout 20 python3 "$TMP/soap.py" miniupnpd
stop
# The IGD:1 description: the same daemon with force_igd_desc_v1.
echo force_igd_desc_v1=yes >>"$TMP/miniupnpd.conf"
start
ip netns exec $NS timeout 5 python3 -c '
import urllib.request
d = urllib.request.urlopen("http://192.0.2.1:5000/rootDesc.xml", timeout=3).read()
open("miniupnpd_igd1_desc.xml", "wb").write(d)'
stop
# portctld's IGD (daemon/upnp_desc.c writes the description).
PORTCTLD=${1:-../../../../build/gcc/daemon/portctld}
cat >"$TMP/portctld.conf" <<CONF
listen 192.0.2.1
backend none
external-ip 203.0.113.1
internal-interface lan0
external-interface wan0
state-dir $TMP
control $TMP/ctl.sock
journal no
user root
upnp yes
upnp-http-port 5000
upnp-uuid 3a1c2f1e-0d5b-4c55-9a3e-5f3c00000001
upnp-friendly-name portctl capture
CONF
ip netns exec $NS "$PORTCTLD" -f -c "$TMP/portctld.conf" >"$TMP/portctld.log" 2>&1 &
MPID=$!
for _ in $(seq 50); do
	ip netns exec $NS ss -Htln "sport = :5000" | grep -q . && break
	sleep 0.1
done
ip netns exec $NS timeout 20 python3 "$TMP/ssdp.py" portctld
ip netns exec $NS timeout 20 python3 "$TMP/soap.py" portctld
stop
ls -l miniupnpd_* portctld_*
