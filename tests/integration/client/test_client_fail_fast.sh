#!/bin/bash
# Failure in seconds, not silence (issue 13): `portctl map` with --timeout
# 30 against
# - a loopback address where nothing listens (ICMP port unreachable):
#   exit 6 at once, "unreachable" on stdout, the ICMP fact under -v;
# - a port that drops every datagram (a socket that never reads): exit 3
#   after the 10 s first-answer bound, not the 30 s timeout, with the log
#   line under -v and "failure": "no_answer" in --json;
# - no server at all (a network namespace without routes): exit 5.
# --help states the default timeout and the exit statuses.
. "$(dirname "$0")/lib.sh"
A=127.31.0.9
P=$((20000 + ($$ + 41) % 20000))

"$PORTCTL" map --help | grep -q -- "--timeout SECONDS .*(default 10)" ||
	fail "--help does not state the default timeout"
"$PORTCTL" map --help | grep -q "5 no server found, 6 server" ||
	fail "--help does not list exit statuses 5 and 6"

# ---- unreachable ----------------------------------------------------------
start=$SECONDS
out=$("$PORTCTL" map -v -s $A:$P --no-state -t 30 tcp 8080 2>"$TMP/err")
rc=$?
took=$((SECONDS - start))
[ $rc -eq 6 ] || fail "unreachable: rc $rc, want 6: $out $(cat "$TMP/err")"
[ $took -lt 5 ] || fail "unreachable took $took s"
grep -q "unreachable (ICMP error" <<<"$out" || fail "unreachable: '$out'"
grep -q "server $A:$P: port unreachable (ICMP)" "$TMP/err" ||
	fail "no ICMP log line under -v: $(cat "$TMP/err")"
[ "$(grep -c "port unreachable (ICMP)" "$TMP/err")" = 1 ] ||
	fail "ICMP logged more than once: $(cat "$TMP/err")"
out=$("$PORTCTL" map -s $A:$P --no-state -t 30 --json tcp 8080 2>/dev/null)
[ "$(json failure <<<"$out")" = unreachable ] || fail "json: $out"

# ---- no answer: a port that drops -----------------------------------------
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print("bound", flush=True)
time.sleep(60)' $A $P >"$TMP/drop.log" 2>&1 &
PIDS+=($!)
wait_line "$TMP/drop.log" bound || fail "dropping socket did not start"
start=$SECONDS
out=$("$PORTCTL" map -v -s $A:$P --no-state -t 30 --json tcp 8080 \
	2>"$TMP/err")
rc=$?
took=$((SECONDS - start))
[ $rc -eq 3 ] || fail "no answer: rc $rc, want 3: $out"
[ $took -lt 20 ] || fail "no answer took $took s: the 30 s timeout, not 10 s"
[ "$(json failure <<<"$out")" = no_answer ] || fail "json: $out"
grep -q "no answer from any server in 100[0-9][0-9] ms" "$TMP/err" ||
	fail "no log line under -v: $(cat "$TMP/err")"

# ---- no server found --------------------------------------------------------
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	out=$(unshare -n "$PORTCTL" map --no-state -t 30 tcp 8080 2>&1)
	rc=$?
	[ $rc -eq 5 ] || fail "no server: rc $rc, want 5: $out"
	grep -q "no server: no default gateway found" <<<"$out" ||
		fail "no server: '$out'"
else
	echo "not root: the no-server case is skipped"
fi
echo PASS
