#!/bin/bash
# portctl map / renew with the same nonce from the state file / delete,
# against the real portctld (C-13, C-20, C-65); a renewal after the server
# lost its state suggests the remembered endpoint (C-20).
. "$(dirname "$0")/lib.sh"
A=127.31.0.1
P=$((20000 + $$ % 20000))
start_daemon $A $P
S=(-s $A:$P --state "$TMP/state" -t 5)

out=$("$PORTCTL" map "${S[@]}" --json tcp 8080) || fail "map: rc $?"
[ "$(json event <<<"$out")" = granted ] || fail "map: $out"
[ "$(json external_address <<<"$out")" = 203.0.113.5 ] || fail "ext: $out"
nonce1=$(json nonce <<<"$out")
port1=$(json external_port <<<"$out")
grep -q "$nonce1" "$TMP/state" || fail "nonce not in the state file"

# A second run renews: same nonce, same external port, new lifetime.
out=$("$PORTCTL" map "${S[@]}" --json -l 300 tcp 8080) || fail "renew: rc $?"
[ "$(json nonce <<<"$out")" = "$nonce1" ] || fail "renew used another nonce"
[ "$(json external_port <<<"$out")" = "$port1" ] || fail "renew moved: $out"
[ "$(json lifetime <<<"$out")" -le 300 ] || fail "lifetime: $out"

# Without the state file the nonce differs: the server refuses (rc 1).
"$PORTCTL" map -s $A:$P --no-state -t 5 tcp 8080 >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || fail "foreign nonce not refused (rc $rc)"

# Delete with the remembered nonce, then the entry is gone.
out=$("$PORTCTL" delete "${S[@]}" --json tcp 8080) || fail "delete: rc $?"
[ "$(json event <<<"$out")" = deleted ] || fail "delete: $out"
grep -q "$nonce1" "$TMP/state" && fail "state entry not removed"
"$PORTCTL" delete "${S[@]}" tcp 8080 >/dev/null 2>&1
[ $? -eq 1 ] || fail "second delete should find no nonce"

# Now anybody may map the port again.
"$PORTCTL" map -s $A:$P --no-state -t 5 tcp 8080 >/dev/null ||
	fail "port still held after delete"

# C-20: a later run suggests the endpoint the state file remembers, so a
# server that lost its state (a clean stop removes it) gives it back.
out=$("$PORTCTL" map "${S[@]}" --json --suggest 203.0.113.5:40000 udp 9000) ||
	fail "map udp 9000: rc $?"
[ "$(json external_port <<<"$out")" = 40000 ] || fail "suggestion: $out"
kill "${PIDS[-1]}" && wait "${PIDS[-1]}"
start_daemon $A $P
out=$("$PORTCTL" map "${S[@]}" --json udp 9000) || fail "re-map: rc $?"
[ "$(json external_port <<<"$out")" = 40000 ] ||
	fail "after a server restart the renewal did not suggest its port: $out"

# Usage errors exit 2; nothing listening (ICMP port unreachable) exits 6
# (test_client_fail_fast.sh has the rest).
"$PORTCTL" map "${S[@]}" all 80 >/dev/null 2>&1
[ $? -eq 2 ] || fail "protocol all with a port must be a usage error"
"$PORTCTL" map -s 127.31.0.2:$P --no-state -t 0.5 tcp 1 >/dev/null 2>&1
[ $? -eq 6 ] || fail "no server listening must exit 6"
echo PASS
