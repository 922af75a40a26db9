#!/bin/bash
# portctl probe sends no NAT-PMP to an IPv6 server (NAT-PMP is IPv4 only,
# RFC 6886; issue 13): a listener on [::1] records the version octet of
# every datagram it gets and never answers; after `probe -s [::1]:P` it
# has seen PCP (version 2) only, and probe reports NAT-PMP as not spoken.
. "$(dirname "$0")/lib.sh"
P=$((20000 + ($$ + 47) % 20000))
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' \
	2>/dev/null || { echo "SKIP: no IPv6 loopback"; exit 77; }
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::1", int(sys.argv[1])))
s.settimeout(4)
print("bound", flush=True)
try:
    while True:
        print("version", s.recv(1100)[0], flush=True)
except socket.timeout:
    pass' $P >"$TMP/cap.log" 2>&1 &
PIDS+=($!)
wait_line "$TMP/cap.log" bound || fail "listener on [::1] did not start"
out=$("$PORTCTL" probe -s "[::1]:$P" -t 1 --json 2>&1)
wait "${PIDS[-1]}"
grep -q "^version 2$" "$TMP/cap.log" || fail "no PCP probe arrived: $(cat "$TMP/cap.log")"
grep -q "^version 0$" "$TMP/cap.log" &&
	fail "NAT-PMP sent to an IPv6 server: $(cat "$TMP/cap.log")"
[ "$(json natpmp <<<"$out")" = false ] || fail "probe: $out"
echo PASS
