#!/bin/bash
# Port preservation (issue 13): without an external port the client
# suggests the internal one (on the wire: a listener that records the
# MAP request and never answers), --any-port suggests port 0, an explicit
# --suggest still wins; and portctld keeps the suggested port, in PCP and
# NAT-PMP.  (portctld itself also keeps the internal port when nothing is
# suggested, issue 16, so only the wire shows the client's part.)
. "$(dirname "$0")/lib.sh"
A=127.31.0.10
P=$((20000 + ($$ + 43) % 20000))
start_daemon $A $P
S=(-s $A:$P --no-state -t 5 -l 300)

out=$("$PORTCTL" map "${S[@]}" --json tcp 8080) || fail "map: rc $?: $out"
[ "$(json external_port <<<"$out")" = 8080 ] || fail "PCP kept no port: $out"
out=$("$PORTCTL" map "${S[@]}" --nat-pmp --json udp 5000) ||
	fail "nat-pmp map: rc $?: $out"
[ "$(json version <<<"$out")" = NAT-PMP ] || fail "not NAT-PMP: $out"
[ "$(json external_port <<<"$out")" = 5000 ] ||
	fail "NAT-PMP kept no port: $out"
out=$("$PORTCTL" map "${S[@]}" --json --suggest 203.0.113.5:40001 tcp 8082) ||
	fail "suggest: rc $?: $out"
[ "$(json external_port <<<"$out")" = 40001 ] || fail "suggest: $out"

# suggested PORT [OPTIONS]: the Suggested External Port of the first MAP
# request `portctl map OPTIONS tcp PORT` sends (RFC 6887 section 11.1:
# octets 42-43 of the datagram).
C=127.31.0.11
CP=$((P + 1))
suggested() {
	local port=$1
	shift
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(10)
print("bound", flush=True)
d = s.recv(1100)
print("port", int.from_bytes(d[42:44], "big"), flush=True)' $C $CP \
		>"$TMP/cap.log" 2>&1 &
	local cap=$!
	wait_line "$TMP/cap.log" bound || fail "capture did not start"
	"$PORTCTL" map -s $C:$CP --no-state -t 0.3 "$@" tcp "$port" \
		>/dev/null 2>&1
	wait $cap
	sed -n 's/^port //p' "$TMP/cap.log"
}
[ "$(suggested 8090)" = 8090 ] || fail "the internal port is not suggested"
[ "$(suggested 8091 --any-port)" = 0 ] || fail "--any-port suggested a port"
[ "$(suggested 8092 --suggest 203.0.113.5:40002)" = 40002 ] ||
	fail "an explicit suggestion lost"
echo PASS
