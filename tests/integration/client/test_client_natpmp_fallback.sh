#!/bin/bash
# NAT-PMP fallback (C-50, N-20): against a NAT-PMP-only gateway the CLI
# sends PCP first, falls back at once, gets the mapping, and a second run
# (renewal) again starts with PCP (the downgrade is not cached).  Also
# --nat-pmp (no PCP at all) and delete over NAT-PMP (N-9).
. "$(dirname "$0")/lib.sh"
A=127.31.0.5
P=$((20000 + ($$ + 21) % 20000))
"$FAKE_NATPMP" $A $P 60 >"$TMP/fake.log" &
PIDS+=($!)
sleep 0.2
S=(-s $A:$P --state "$TMP/state" -t 5)

out=$("$PORTCTL" map "${S[@]}" --json udp 4000) || fail "map rc $?"
[ "$(json version <<<"$out")" = NAT-PMP ] || fail "version: $out"
[ "$(json external_address <<<"$out")" = 198.51.100.99 ] || fail "$out"
[ "$(json external_port <<<"$out")" = 4001 ] || fail "$out"
[ "$(head -1 "$TMP/fake.log")" = pcp ] || fail "PCP was not tried first"
grep -q "natpmp 0" "$TMP/fake.log" || fail "no external address request"
grep -q "natpmp 1" "$TMP/fake.log" || fail "no UDP map request"

: >"$TMP/fake.log"
"$PORTCTL" map "${S[@]}" udp 4000 >/dev/null || fail "renew rc $?"
[ "$(head -1 "$TMP/fake.log")" = pcp ] || fail "downgrade was cached"

: >"$TMP/fake.log"
out=$("$PORTCTL" map "${S[@]}" --nat-pmp --json tcp 4100) || fail "rc $?"
[ "$(json external_port <<<"$out")" = 4101 ] || fail "$out"
grep -q pcp "$TMP/fake.log" && fail "--nat-pmp sent PCP"

out=$("$PORTCTL" delete "${S[@]}" --nat-pmp --json tcp 4100) || fail "del $?"
[ "$(json event <<<"$out")" = deleted ] || fail "delete: $out"
echo PASS
