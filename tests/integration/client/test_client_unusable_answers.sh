#!/bin/bash
# Answers that came but cannot be used (issue 13) are not silence:
# scripted_pcp_server answers every MAP with SUCCESS and external port 0,
# then with UNSUPP_VERSION in version 2 (the version it was asked in).
# portctl must say "server ... answered, but ...", exit with its own status
# (7, PORTCTL_EXIT_UNUSABLE), give "failure": "unusable" and the last
# result in JSON, and the library must log why (shown with -v); before, both
# ended as "timeout: no answer", exit 3.
. "$(dirname "$0")/lib.sh"
[ -x "$SCRIPTED_PCP" ] || fail "scripted_pcp_server is not built"
A=127.31.0.13
P=$((20000 + ($$ + 53) % 20000))

# serve MODE: the scripted server for this case (bounded: 30 s).
serve() {
	"$SCRIPTED_PCP" $A $P 30 "$1" >"$TMP/server.log" 2>&1 &
	SPID=$!
	PIDS+=($SPID)
	sleep 0.3
}
S=(-s $A:$P --no-state -t 2)

# check MODE PROTO PORT MESSAGE WHY RESULT: against the server in MODE,
# `portctl map PROTO PORT` exits 7 with MESSAGE after "answered, but ", -v
# logs WHY, and the JSON says failure "unusable" with RESULT.
check() {
	local out rc
	serve "$1"
	out=$("$PORTCTL" map "${S[@]}" -v "$2" "$3" 2>"$TMP/err")
	rc=$?
	echo "$1: rc $rc: $out"
	cat "$TMP/err"
	[ $rc = 7 ] || fail "$1: exit $rc, not 7"
	grep -qF "unusable: server $A answered, but $4" <<<"$out" ||
		fail "$1: message: $out"
	grep -qF "answered the request for port $3, but the answer cannot be used: $5" \
		"$TMP/err" || fail "$1: no log line saying why"
	grep -q "^pcp 1" "$TMP/server.log" || fail "$1: server saw no MAP"
	out=$("$PORTCTL" map "${S[@]}" --json "$2" "$3" 2>/dev/null)
	rc=$?
	[ $rc = 7 ] || fail "$1 json: exit $rc"
	[ "$(json failure <<<"$out")" = unusable ] || fail "$1 json: $out"
	[ "$(json result <<<"$out")" = "$6" ] || fail "$1 json result: $out"
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}

check port0 tcp 8080 "its SUCCESS named an external address or port" \
	"SUCCESS with external address 203.0.113.7 port 0" SUCCESS
check unsupp2 udp 5000 "said UNSUPP_VERSION in version 2" \
	"UNSUPP_VERSION naming version 2, the version it was asked in" \
	UNSUPP_VERSION
echo PASS
