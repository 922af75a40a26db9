#!/bin/bash
# --protocol pcp|natpmp|upnp|auto (issue 13): parsed on every client
# command, --nat-pmp its synonym for natpmp, one choice per command line,
# no UPnP for PEER and ANNOUNCE; the output says which protocol and which
# server granted a mapping (JSON "proto", "version", "server",
# "server_port"; text "(server A, PCP, epoch N)"), and probe reports UPnP
# IGD.  Against portctld on loopback, which speaks PCP and NAT-PMP (no
# IGD here: tests/netns/e2e_client_miniupnpd.sh has the UPnP cases).
. "$(dirname "$0")/lib.sh"
A=127.31.0.23
P=$((20000 + ($$ + 53) % 20000))
start_daemon $A $P
S=(-s $A:$P --no-state -t 5)
Q=(-s $A:$P -t 5) # external-ip and probe keep no state

# usage ARGS...: a usage error (exit 2) whose message is on stderr.
usage() {
	local msg="$1" rc
	shift
	"$PORTCTL" "$@" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] || fail "'$*' exited $rc, not 2"
	grep -qF -- "$msg" "$TMP/err" || fail "'$*': no '$msg' in: $(cat "$TMP/err")"
}
usage "--protocol takes pcp, natpmp, upnp or auto: 'igd'" map --protocol igd tcp 1
usage "missing argument: '--protocol'" probe --protocol
usage "one --protocol (or --nat-pmp) only: 'upnp'" map --nat-pmp --protocol upnp tcp 1
usage "one --protocol (or --nat-pmp) only: 'natpmp'" delete --protocol pcp --nat-pmp tcp 1
usage "UPnP IGD cannot do this: 'upnp'" peer --protocol upnp udp 5000 198.51.100.7:443
usage "UPnP IGD cannot do this: 'upnp'" announce --protocol upnp
for cmd in map delete external-ip probe keep; do
	"$PORTCTL" "$cmd" --help | grep -q -- "--protocol P  *pcp, natpmp, upnp or auto" ||
		fail "$cmd --help does not list --protocol"
done

# map: which protocol and which server granted it.
out=$("$PORTCTL" map "${S[@]}" --json tcp 8080) || fail "map rc $?: $out"
[ "$(json proto <<<"$out")" = pcp ] || fail "map proto: $out"
[ "$(json version <<<"$out")" = PCP ] || fail "map version: $out"
[ "$(json server <<<"$out")" = $A ] || fail "map server: $out"
[ "$(json server_port <<<"$out")" = $P ] || fail "map server_port: $out"
jq -e 'has("upnp_version") | not' <<<"$out" >/dev/null || fail "upnp_version for PCP: $out"
for opt in "--protocol natpmp" "--nat-pmp" "--nat-pmp --protocol natpmp"; do
	# shellcheck disable=SC2086 # the option words
	out=$("$PORTCTL" map "${S[@]}" $opt --json tcp 8081) || fail "$opt rc $?: $out"
	[ "$(json proto <<<"$out")" = natpmp ] || fail "$opt proto: $out"
	[ "$(json version <<<"$out")" = NAT-PMP ] || fail "$opt version: $out"
done
out=$("$PORTCTL" map "${S[@]}" --protocol pcp --json tcp 8082) || fail "pcp rc $?: $out"
[ "$(json proto <<<"$out")" = pcp ] || fail "--protocol pcp: $out"
out=$("$PORTCTL" map "${S[@]}" --protocol auto tcp 8083) || fail "auto rc $?: $out"
grep -qE "^granted: TCP .* \(server $A, PCP, epoch [0-9]+\)$" <<<"$out" ||
	fail "text: $out"
out=$("$PORTCTL" map "${S[@]}" --protocol natpmp tcp 8084) || fail "natpmp text rc $?"
grep -qE "^granted: TCP .* \(server $A, NAT-PMP, epoch [0-9]+\)$" <<<"$out" ||
	fail "NAT-PMP text: $out"

# external-ip in NAT-PMP (its external address request).
out=$("$PORTCTL" external-ip "${Q[@]}" --protocol natpmp --json) || fail "external-ip rc $?"
[ "$(json proto <<<"$out")" = natpmp ] || fail "external-ip proto: $out"
[ "$(json external_address <<<"$out")" = 203.0.113.5 ] || fail "external-ip: $out"

# probe: all three protocols; no IGD on loopback.
out=$("$PORTCTL" probe "${Q[@]}" --json) || fail "probe rc $?: $out"
[ "$(json pcp <<<"$out")" = true ] || fail "probe pcp: $out"
[ "$(json natpmp <<<"$out")" = true ] || fail "probe natpmp: $out"
[ "$(json upnp <<<"$out")" = false ] || fail "probe upnp: $out"
jq -e 'has("double_nat_reason") | not' <<<"$out" >/dev/null || fail "probe reason: $out"
out=$("$PORTCTL" probe "${Q[@]}") || fail "probe text rc $?"
grep -qx "UPnP IGD:         no" <<<"$out" || fail "probe text: $out"
# --protocol asks in that protocol only.
out=$("$PORTCTL" probe "${Q[@]}" --protocol natpmp --json) || fail "probe natpmp rc $?: $out"
[ "$(jq -c '[.pcp, .natpmp, .upnp]' <<<"$out")" = '[false,true,false]' ] ||
	fail "probe --protocol natpmp: $out"
echo PASS
