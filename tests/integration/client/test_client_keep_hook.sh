#!/bin/bash
# portctl keep: the hook sees the granted endpoint in its environment,
# SIGTERM deletes the mapping (the hook sees "deleted") and exits 0.
. "$(dirname "$0")/lib.sh"
A=127.31.0.4
P=$((20000 + ($$ + 13) % 20000))
start_daemon $A $P
cat >"$TMP/hook" <<'HOOK'
#!/bin/sh
echo "$PORTCTL_EVENT $PORTCTL_PROTOCOL $PORTCTL_INTERNAL_PORT $PORTCTL_EXTERNAL_ADDR $PORTCTL_EXTERNAL_PORT $PORTCTL_LIFETIME" >>"$HOOK_LOG"
HOOK
chmod +x "$TMP/hook"
export HOOK_LOG="$TMP/hook.log"
PORTCTL_ANNOUNCE_PORT=0 "$PORTCTL" keep -s $A:$P --state "$TMP/state" \
	-l 600 -t 5 --hook "$TMP/hook" tcp 8081 udp 8082 >"$TMP/keep.out" 2>&1 &
KEEP=$!
PIDS+=($KEEP)
for _ in $(seq 50); do
	[ "$(grep -c granted "$HOOK_LOG" 2>/dev/null)" = 2 ] && break
	sleep 0.1
done
grep -q "^granted TCP 8081 203.0.113.5 [0-9]* 600$" "$HOOK_LOG" ||
	fail "hook: $(cat "$HOOK_LOG" 2>/dev/null)"
grep -q "^granted UDP 8082 203.0.113.5" "$HOOK_LOG" || fail "udp hook"
[ "$(wc -l <"$TMP/state")" = 2 ] || fail "state file"
kill -TERM $KEEP
wait $KEEP
rc=$?
[ $rc -eq 0 ] || fail "keep exit $rc: $(cat "$TMP/keep.out")"
grep -q "^deleted TCP 8081" "$HOOK_LOG" || fail "no delete: $(cat "$HOOK_LOG")"
grep -q "^deleted UDP 8082" "$HOOK_LOG" || fail "no delete (udp)"
[ ! -s "$TMP/state" ] || fail "state not emptied"
# deleted for real: a foreign nonce may take the port now
"$PORTCTL" map -s $A:$P --no-state -t 5 tcp 8081 >/dev/null ||
	fail "port still held after keep ended"

# `map --keep` is the same thing for one mapping, with --json lines.
: >"$HOOK_LOG"
PORTCTL_ANNOUNCE_PORT=0 "$PORTCTL" map --keep --json -s $A:$P \
	--state "$TMP/state" -l 600 -t 5 --hook "$TMP/hook" udp 9000 \
	>"$TMP/map.out" 2>&1 &
KEEP=$!
PIDS+=($KEEP)
for _ in $(seq 50); do
	grep -q granted "$HOOK_LOG" 2>/dev/null && break
	sleep 0.1
done
grep -q "^granted UDP 9000 203.0.113.5" "$HOOK_LOG" || fail "map --keep hook"
kill -TERM $KEEP
wait $KEEP || fail "map --keep exit $?"
[ "$(jq -r .event "$TMP/map.out" | tr '\n' ' ')" = "granted deleted " ] ||
	fail "map --keep output: $(cat "$TMP/map.out")"
echo PASS
