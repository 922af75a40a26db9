#!/usr/bin/env bash
# Debian's upnpc (miniupnpc), a control point written by others, against
# the UPnP HTTP server (upnp_serve: the real server and engine) on loopback,
# told the description's URL (-u: no SSDP): status, external address, add,
# list (GetGenericPortMappingEntry and GetListOfPortMappings), delete,
# AddAnyPortMapping, delete range, and with IGD:1 an add.
set -euo pipefail
serve=$1
command -v upnpc >/dev/null || { echo "SKIP: upnpc (miniupnpc) not installed"; exit 77; }

out=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT

start() { # igd version
	[ -n "$pid" ] && { kill "$pid"; wait "$pid" || true; }
	"$serve" "$1" >"$out/port" &
	pid=$!
	for _ in $(seq 50); do [ -s "$out/port" ] && break; sleep 0.1; done
	port=$(cat "$out/port")
	url=http://127.0.0.1:$port/rootDesc.xml
}
u() { timeout 20 upnpc -u "$url" "$@" >"$out/last" 2>&1 || true; cat "$out/last"; }
expect() { # pattern: in the last output
	grep -q -- "$1" "$out/last" || { echo "FAIL: no '$1' in:"; cat "$out/last"; exit 1; }
}

start 2
u -s >/dev/null
expect "Found valid IGD : http://127.0.0.1:$port/ctl/IPConn"
expect "Connection Type : IP_Routed"
expect "Status : Connected"
expect "ExternalIPAddress = 203.0.113.1"
u -a 127.0.0.1 8080 18080 TCP 3600 >/dev/null
expect "external 203.0.113.1:18080 TCP is redirected to internal 127.0.0.1:8080"
u -l >/dev/null
expect "TCP 18080->127.0.0.1:8080"
u -L >/dev/null                         # GetListOfPortMappings (IGD:2)
expect "TCP 18080->127.0.0.1:8080"
u -r 8081 UDP >/dev/null                # AddAnyPortMapping in miniupnpc 2.2
expect "UDP is redirected to internal 127.0.0.1:8081"
u -d 18080 TCP >/dev/null
expect "UPNP_DeletePortMapping() returned : 0"
u -l >/dev/null
if grep -q "18080->" "$out/last"; then echo "FAIL: 18080 still listed"; cat "$out/last"; exit 1; fi
u -N 1 65535 UDP >/dev/null             # DeletePortMappingRange
expect "UPNP_DeletePortMappingRange() returned : 0"
u -a 127.0.0.1 8080 18080 TCP 3600 >/dev/null
u -a 127.0.0.9 8080 18081 TCP 3600 >/dev/null  # another host: 606
expect "606"

start 1
u -s >/dev/null
expect "Found valid IGD"
u -a 127.0.0.1 9090 19090 UDP 600 >/dev/null
expect "external 203.0.113.1:19090 UDP is redirected to internal 127.0.0.1:9090"
echo "upnpc: all passed"
