#!/bin/bash
# docs/examples/nsupdate-hook.sh writes the RFC 2136 update for the
# endpoint portctl keep hands it (NSUPDATE=cat shows instead of sending).
. "$(dirname "$0")/lib.sh"
HOOK="$(dirname "$0")/../../../docs/examples/nsupdate-hook.sh"
out=$(PORTCTL_EVENT=granted PORTCTL_EXTERNAL_ADDR=203.0.113.5 \
	PORTCTL_EXTERNAL_PORT=40443 PORTCTL_LIFETIME=600 NSUPDATE=cat \
	SRV_NAME=_web._tcp.example. TARGET=gw.example. sh "$HOOK") ||
	fail "hook rc $?"
grep -qx "update add _web._tcp.example. 300 SRV 0 0 40443 gw.example." \
	<<<"$out" || fail "SRV: $out"
grep -qx "update add gw.example. 300 A 203.0.113.5" <<<"$out" || fail "A"
[ "$(tail -1 <<<"$out")" = send ] || fail "no send"
out=$(PORTCTL_EVENT=changed PORTCTL_EXTERNAL_ADDR=2001:db8::5 \
	PORTCTL_EXTERNAL_PORT=1 PORTCTL_LIFETIME=99999 NSUPDATE=cat \
	TARGET=gw.example. sh "$HOOK")
grep -qx "update add gw.example. 3600 AAAA 2001:db8::5" <<<"$out" ||
	fail "AAAA: $out"
out=$(PORTCTL_EVENT=deleted NSUPDATE=cat SRV_NAME=_web._tcp.example. \
	sh "$HOOK")
grep -qx "update delete _web._tcp.example. SRV" <<<"$out" || fail "delete"
out=$(PORTCTL_EVENT=error NSUPDATE=cat sh "$HOOK")
[ -z "$out" ] || fail "an error must not touch DNS"
echo PASS
