#!/bin/bash
# The MAP options of portctl reach the server: FILTER (with 'none' first,
# C-69), DESCRIPTION (RFC 7220, UTF-8), PORT_SET (RFC 7753), PREFER_FAILURE
# with a suggestion (C-39); checked in portctld's own mapping table
# (`portctl admin list --json`); the ports a PORT_SET got are printed.  Bad option values are usage errors.
. "$(dirname "$0")/lib.sh"
A=127.31.0.8
P=$((20000 + ($$ + 37) % 20000))
start_daemon $A $P
S=(-s $A:$P --no-state -t 5 -l 300)

"$PORTCTL" map "${S[@]}" --filter none --filter 198.51.100.0/24:443 \
	--description "web ü" tcp 8080 >/dev/null || fail "filter map rc $?"
out=$("$PORTCTL" map "${S[@]}" --port-set 4 udp 6000) || fail "port-set rc $?"
# The ports granted (the response's PORT_SET, RFC 7753), said in text and
# JSON.
grep -q "^port set: 4 of 4 ports granted, external ports " <<<"$out" ||
	fail "port-set text: $out"
out=$("$PORTCTL" map "${S[@]}" --json --port-set 2 udp 6010) ||
	fail "port-set json rc $?"
[ "$(json port_set_granted <<<"$out")" = 2 ] || fail "port-set json: $out"
out=$("$PORTCTL" map "${S[@]}" --json --suggest 203.0.113.5:40000 \
	--prefer-failure tcp 8081) || fail "prefer-failure rc $?"
[ "$(json external_port <<<"$out")" = 40000 ] || fail "suggestion: $out"

list=$("$PORTCTL" admin list --socket "$TMP/ctl" --json) || fail "admin list"
m=$(jq -c '.mappings[] | select(.internal.port == 8080)' <<<"$list")
[ "$(jq -r '.description' <<<"$m")" = "web ü" ] || fail "description: $m"
[ "$(jq -c '.filters' <<<"$m")" = \
	'[{"address":"198.51.100.0","prefix_length":24,"port":443}]' ] ||
	fail "filters: $m"
m=$(jq -c '.mappings[] | select(.internal.port == 6000)' <<<"$list")
[ "$(jq -r '.port_count' <<<"$m")" = 4 ] || fail "port set: $m"

for bad in "--filter bogus" "--filter 198.51.100.0/33" "--port-set 0" \
	"--suggest nowhere" "--prefer-failure" "--lifetime 0" \
	"--description $(printf '\xff')"; do
	# shellcheck disable=SC2086
	"$PORTCTL" map -s $A:$P --no-state $bad tcp 1 >/dev/null 2>&1
	[ $? -eq 2 ] || fail "'$bad' must be a usage error"
done
echo PASS
