#!/bin/bash
# The audit log end to end (issue 10): portctld with `audit-log file`,
# mappings made by Debian's natpmpc (a NAT-PMP client written by others)
# and by portctl; one deleted by its client, one by the administrator, one
# by policy on SIGHUP (whose message names it), one expired, requests
# refused by PCP and by NAT-PMP with their result codes, a flood of
# refusals limited and counted, a hostile description escaped, and the
# file reopened after logrotate's rename.  Every line must be valid JSON.
set -u
PORTCTL=$1
PORTCTLD=$2
S=127.7.7.2
TMP=$(mktemp -d /tmp/pctl-audit-it.XXXXXX)
PID=
cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	tail -20 "$TMP/daemon.log" >&2
	[ -f "$TMP/audit.json" ] && cat "$TMP/audit.json" >&2
	exit 1
}
[ -x /usr/bin/natpmpc ] || { echo "natpmpc missing (scripts/deps.sh)"; exit 77; }
command -v jq >/dev/null || { echo "jq missing (scripts/deps.sh)"; exit 77; }

AUDIT=$TMP/audit.json
write_conf() {
	cat >"$TMP/conf" <<EOC
audit-log file $AUDIT
audit-refused-rate-limit 1 6
min-lifetime 2
multicast-announce no
external-ip 203.0.113.5
$1
EOC
}
write_conf ""
"$PORTCTLD" -f -c "$TMP/conf" --listen $S:5351 --backend none \
	--control "$TMP/ctl" --state-dir "$TMP" --user root \
	>"$TMP/daemon.log" 2>&1 &
PID=$!
up=
for _ in $(seq 50); do
	"$PORTCTL" announce -s $S -t 0.2 >/dev/null 2>&1 && { up=1; break; }
	sleep 0.1
done
[ -n "$up" ] || fail "portctld did not come up"

P=(-s $S --state "$TMP/state" -t 5)
natpmpc() { timeout 30 /usr/bin/natpmpc -g $S "$@" >/dev/null 2>&1; }
# events EXPR: the records jq's select(EXPR) keeps, one per line.
events() { jq -c "select($1)" "$AUDIT"; }
n_events() { events "$1" | wc -l; }

# Created: NAT-PMP by natpmpc, PCP by portctl (a hostile description).
natpmpc -a 41234 5000 tcp 3600 || fail "natpmpc map"
"$PORTCTL" map "${P[@]}" --description $'evil"\n\x01\xc3\xa9' tcp 8080 \
	>/dev/null || fail "portctl map 8080"
"$PORTCTL" map "${P[@]}" tcp 8081 >/dev/null || fail "portctl map 8081"
"$PORTCTL" map "${P[@]}" -l 2 udp 9000 >/dev/null || fail "portctl map 9000"

rec=$(events '.event=="created" and .via=="natpmp"')
[ "$(jq -r '[.kind,.protocol,.internal_port,.external_addr,.lifetime,.by] | join(" ")' <<<"$rec")" = "natpmp tcp 5000 203.0.113.5 3600 client" ] ||
	fail "natpmpc's mapping: $rec"
[ "$(jq -r .requester_addr <<<"$rec")" = 127.0.0.1 ] || fail "requester: $rec"
rec=$(events '.event=="created" and .internal_port==8080')
[ "$(jq -r '[.via,.kind,.protocol,.lifetime] | join(" ")' <<<"$rec")" = "pcp map tcp 7200" ] ||
	fail "portctl's mapping: $rec"
[ "$(jq -r .description <<<"$rec")" = $'evil"\n\x01\xc3\xa9' ] ||
	fail "description not escaped as it should: $rec"
grep -q 'evil\\"\\n\\u0001' "$AUDIT" || fail "description not escaped"
[ "$(jq -r .nonce_tag <<<"$rec" | tr -d '0-9a-f' | wc -c)" = 1 ] ||
	fail "nonce_tag: $rec"
nonce=$(awk '/8080/ {print $NF}' "$TMP/state" | head -1)
[ -n "$nonce" ] && grep -qi "$nonce" "$AUDIT" && fail "the nonce itself is logged"

# A renewal with the same lifetime: no record; a shorter one: one.
"$PORTCTL" map "${P[@]}" tcp 8081 >/dev/null || fail "renew 8081"
[ "$(n_events '.internal_port==8081')" = 1 ] || fail "plain renewal logged"
"$PORTCTL" map "${P[@]}" -l 600 tcp 8081 >/dev/null || fail "shorten 8081"
rec=$(events '.event=="renewed"')
[ "$(jq -r '[.internal_port,.lifetime,(.changes|join(","))] | join(" ")' <<<"$rec")" = "8081 600 shorter" ] ||
	fail "shortened renewal: $rec"

# Deleted by the client.
"$PORTCTL" delete "${P[@]}" tcp 8080 >/dev/null || fail "delete 8080"
[ "$(events '.event=="deleted" and .internal_port==8080' | jq -r .by)" = client ] ||
	fail "client delete not logged"

# Refused: PCP with another nonce (NOT_AUTHORIZED, 2), NAT-PMP for the
# PCP mapping's endpoint (result 2).
"$PORTCTL" map -s $S --no-state -t 5 tcp 8081 >/dev/null 2>&1
natpmpc -a 1 8081 tcp 60
rec=$(events '.event=="refused" and .via=="pcp"')
[ "$(jq -r '[.opcode,.result,.result_name,.internal_port] | join(" ")' <<<"$rec")" = "map 2 not_authorized 8081" ] ||
	fail "PCP refusal: $rec"
rec=$(events '.event=="refused" and .via=="natpmp"')
[ "$(jq -r '[.opcode,.result,.internal_port,.lifetime] | join(" ")' <<<"$rec")" = "map-tcp 2 8081 60" ] ||
	fail "NAT-PMP refusal: $rec"

# Expired: udp 9000 had 2 s (bounded wait).
for _ in $(seq 50); do
	[ "$(n_events '.event=="expired"')" = 1 ] && break
	sleep 0.1
done
rec=$(events '.event=="expired"')
[ "$(jq -r '[.by,.internal_port] | join(" ")' <<<"$rec")" = "timer 9000" ] ||
	fail "expiry: $rec"

# Deleted by the administrator.
id=$("$PORTCTL" admin list --json --socket "$TMP/ctl" |
	jq -r '.mappings[]? // .[]? | select(.internal.port==8081 or .internal_port==8081) | .id' | head -1)
[ -n "$id" ] || fail "no id for 8081 in admin list"
"$PORTCTL" admin delete "$id" --socket "$TMP/ctl" >/dev/null || fail "admin delete"
[ "$(events '.event=="deleted" and .internal_port==8081' | jq -r .by)" = admin ] ||
	fail "admin delete not logged"

# Policy on SIGHUP, and logrotate: the old file renamed, the reload
# reopens the configured path.
mv "$AUDIT" "$AUDIT.1"
write_conf "deny 127.0.0.1 port 5000"
kill -HUP "$PID"
for _ in $(seq 50); do
	grep -q "reloaded configuration" "$TMP/daemon.log" && break
	sleep 0.1
done
grep -q "reloaded configuration; 1 mapping removed: TCP 127.0.0.1:5000->203.0.113.5:[0-9]*, 0 kept" \
	"$TMP/daemon.log" || fail "the reload does not say what it removed"
[ "$(n_events '.event=="deleted" and .by=="policy" and .internal_port==5000')" = 1 ] ||
	fail "policy removal not in the reopened file"
[ "$(jq -s length "$AUDIT.1")" -ge 8 ] || fail "the rotated file lost records"

# A flood of refusals: 6 logged (the burst), the rest counted at stop.
for i in $(seq 20); do
	natpmpc -a 1 0 tcp 60
done
[ "$(n_events '.event=="refused"')" -le 7 ] || fail "refusals not limited"
kill "$PID"
wait "$PID"
rc=$?
PID=
[ $rc = 0 ] || fail "portctld exit status $rc"
rec=$(events '.event=="suppressed"')
[ "$(jq -r .refusals <<<"$rec")" -ge 13 ] || fail "suppressed count: $rec"
# Every line of both files is one JSON object.
for f in "$AUDIT" "$AUDIT.1"; do
	jq -e 'type=="object"' "$f" >/dev/null || fail "$f: not JSON lines"
done
echo PASS
