#!/bin/bash
# portctl announce, external-ip, probe and peer against portctld (C-55,
# C-67, C-70), text and JSON.
. "$(dirname "$0")/lib.sh"
A=127.31.0.3
P=$((20000 + ($$ + 7) % 20000))
start_daemon $A $P
S=(-s $A:$P -t 5)

out=$("$PORTCTL" announce "${S[@]}" --json) || fail "announce rc $?"
[ "$(json version <<<"$out")" = PCP ] || fail "announce: $out"
[ "$("$PORTCTL" external-ip "${S[@]}")" = 203.0.113.5 ] || fail external-ip
out=$("$PORTCTL" probe "${S[@]}" --json) || fail "probe rc $?"
[ "$(json pcp <<<"$out")" = true ] || fail "probe pcp: $out"
[ "$(json natpmp <<<"$out")" = true ] || fail "probe natpmp: $out"
[ "$(json external_address <<<"$out")" = 203.0.113.5 ] || fail "probe: $out"
[ "$(json double_nat <<<"$out")" = false ] || fail "probe: $out"
out=$("$PORTCTL" peer "${S[@]}" --no-state --json udp 5000 198.51.100.7:443) ||
	fail "peer rc $?"
[ "$(json event <<<"$out")" = granted ] || fail "peer: $out"
"$PORTCTL" peer "${S[@]}" udp 5000 198.51.100.7:0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "PEER remote port 0 must be refused (C-70)"
echo PASS
