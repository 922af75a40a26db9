#!/bin/bash
# portctl keep re-creates its mapping after portctld restarts without its
# state: the new daemon's unsolicited ANNOUNCE (sent unicast to the
# client's listener here; epoch back at 0) fails the epoch check (C-57) and
# the mapping is made again within 0-5 s, with the same nonce, which the
# new daemon then holds.
. "$(dirname "$0")/lib.sh"
A=127.31.0.6
P=$((20000 + ($$ + 29) % 20000))
AP=$((P + 1)) # the client's ANNOUNCE port
cat >"$TMP/conf" <<CONF
announce-unicast 127.0.0.1:$AP
multicast-announce no
announce-count 2
CONF
need_daemon
run_daemon() {
	"$PORTCTLD" -f -c "$TMP/conf" --listen "$A:$P" \
		--external-ip 203.0.113.5 --backend none --control "$TMP/ctl" \
		--state-dir "$1" --user root >>"$TMP/daemon.log" 2>&1 &
	DPID=$!
	PIDS+=($DPID)
	for _ in $(seq 50); do
		"$PORTCTL" announce -s "$A:$P" -t 0.2 >/dev/null 2>&1 && return
		sleep 0.1
	done
	fail "portctld did not come up"
}
mkdir -p "$TMP/s1" "$TMP/s2"
run_daemon "$TMP/s1"
cat >"$TMP/hook" <<'HOOK'
#!/bin/sh
echo "$PORTCTL_EVENT $PORTCTL_EXTERNAL_PORT" >>"$HOOK_LOG"
HOOK
chmod +x "$TMP/hook"
export HOOK_LOG="$TMP/hook.log"
PORTCTL_ANNOUNCE_PORT=$AP PORTCTL_ANNOUNCE_BIND=127.0.0.1 "$PORTCTL" keep \
	-s $A:$P --state "$TMP/state" -l 600 -t 5 --hook "$TMP/hook" -v \
	tcp 8090 >"$TMP/keep.out" 2>&1 &
KEEP=$!
PIDS+=($KEEP)
for _ in $(seq 50); do
	grep -q granted "$HOOK_LOG" 2>/dev/null && break
	sleep 0.1
done
grep -q "^granted" "$HOOK_LOG" || fail "not granted: $(cat "$TMP/keep.out")"

# The daemon restarts with an empty state directory: mappings lost.  It
# must have run a few seconds first, or its epoch going back to 0 would be
# within the 1-2 s that section 8.5 tolerates.
sleep 4
kill $DPID
wait $DPID 2>/dev/null
run_daemon "$TMP/s2"
for _ in $(seq 100); do # the delay is at most 5 s
	[ "$(grep -cE '^(granted|changed)' "$HOOK_LOG")" -ge 2 ] && break
	sleep 0.1
done
grep -q "^lost" "$HOOK_LOG" || fail "restart not noticed: $(cat "$HOOK_LOG")"
[ "$(grep -cE '^(granted|changed)' "$HOOK_LOG")" -ge 2 ] ||
	fail "not re-created: $(cat "$HOOK_LOG") $(cat "$TMP/keep.out")"
# The new daemon holds it for our nonce: a foreign nonce is refused.
"$PORTCTL" map -s $A:$P --no-state -t 5 tcp 8090 >/dev/null 2>&1
[ $? -eq 1 ] || fail "the new daemon does not hold the mapping"
kill -TERM $KEEP
wait $KEEP || fail "keep exit $?"
echo PASS
