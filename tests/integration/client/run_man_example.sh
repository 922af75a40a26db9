#!/bin/bash
# libportctl(3) (issue 13): its SYNOPSIS names every PCTL_API function of
# <portctl/client.h>, and its EXAMPLE, extracted from the page's source and
# compiled with -Wall -Wextra -Werror against the built library
# (scripts/man-example.sh), maps a port at portctld on loopback and, on
# SIGTERM, deletes it even when a second SIGTERM interrupts the wait for
# the delete's answer: the mapping is then gone from portctld's table.
# Arguments: portctl portctld - CC INCLUDEDIR LIBRARY MANPAGE MAN_EXAMPLE_SH
# [FLAG...] (the sanitizer build's, for both compile and link).
. "$(dirname "$0")/lib.sh"
CC=$4
INC=$5
LIB=$6
MAN=$7
MAN_EXAMPLE=$8
shift 8

# ---- SYNOPSIS -------------------------------------------------------------
synopsis=$(awk '/^\.SH SYNOPSIS/ {on = 1; next} /^\.SH/ {on = 0} on' "$MAN")
fns=$(tr '\n' ' ' <"$INC/portctl/client.h" |
	grep -oE 'PCTL_API [^;{]*\(' | grep -oE '[a-z_0-9]+\($' | tr -d '(')
[ -n "$fns" ] || fail "no PCTL_API function found in client.h"
for f in $fns; do
	grep -q "[ *]$f(" <<<"$synopsis" || fail "SYNOPSIS lacks $f"
done

# ---- EXAMPLE ----------------------------------------------------------------
MAN_EXAMPLE_OUT="$TMP/example" "$MAN_EXAMPLE" "$MAN" "$CC" "$INC" "$LIB" "$@" ||
	fail "the EXAMPLE does not compile"
A=127.31.0.12
P=$((20000 + ($$ + 53) % 20000))
start_daemon $A $P
mapped() {
	"$PORTCTL" admin list --socket "$TMP/ctl" --json |
		jq -e '.mappings[] | select(.internal.port == 8080)' >/dev/null
}
LD_LIBRARY_PATH=$(dirname "$LIB") "$TMP/example" "$A:$P" >"$TMP/ex.out" 2>&1 &
EX=$!
PIDS+=($EX)
wait_line "$TMP/ex.out" "^mapped 203.0.113.5:8080$" ||
	fail "the example did not map: $(cat "$TMP/ex.out")"
mapped || fail "portctld has no mapping of 8080"
kill -TERM $EX
kill -TERM $EX 2>/dev/null # the second signal, during the delete
for _ in $(seq 100); do
	kill -0 $EX 2>/dev/null || break
	sleep 0.1
done
wait $EX
rc=$?
[ $rc -eq 0 ] || fail "example exited $rc: $(cat "$TMP/ex.out")"
grep -q "^deleted$" "$TMP/ex.out" || fail "no delete: $(cat "$TMP/ex.out")"
mapped && fail "the mapping is still at portctld after the example's delete"
echo PASS
