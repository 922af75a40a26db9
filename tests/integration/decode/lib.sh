# Helpers shared by the `portctl decode` integration tests (sourced).
# Usage in a test: source lib.sh "$@"; run ARGS...; expect_rc N; ...; finish
set -u
PORTCTL=${1:?usage: test_*.sh PATH/TO/portctl}
command -v jq >/dev/null || { echo "jq is missing (scripts/deps.sh)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
checks=0
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# Collects a run's results; a sanitizer report (the ASan+UBSan build runs
# these tests too) fails the case whatever the exit status.
collect() {
	RC=$1
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
	if grep -qE 'Sanitizer|runtime error:' "$TMP/err"; then
		fail "${CASE:-}: sanitizer report: $ERR"
	fi
}

# run ARGS...: runs `portctl decode ARGS...`; sets OUT, ERR and RC.
run() {
	"$PORTCTL" decode "$@" >"$TMP/out" 2>"$TMP/err"
	collect $?
}

# run_stdin INPUT ARGS...: the same with INPUT on stdin.
run_stdin() {
	local input=$1
	shift
	printf '%s' "$input" | "$PORTCTL" decode "$@" >"$TMP/out" 2>"$TMP/err"
	collect $?
}

expect_rc() {
	checks=$((checks + 1))
	[ "$RC" -eq "$1" ] || fail "${CASE:-}: exit status $RC, expected $1 (stderr: $ERR)"
}

# expect_json FILTER EXPECTED: jq -c FILTER over all records (slurped, so
# .[0] is the first datagram) must print EXPECTED.
expect_json() {
	local got
	checks=$((checks + 1))
	if ! got=$(jq -s -c "$1" <<<"$OUT" 2>&1); then
		fail "${CASE:-}: output is not JSON ($got): $OUT"
		return
	fi
	[ "$got" = "$2" ] || fail "${CASE:-}: $1 = $got, expected $2"
}

# expect_text EXPECTED: stdout must be exactly EXPECTED.
expect_text() {
	checks=$((checks + 1))
	[ "$OUT" = "$1" ] || fail "${CASE:-}: text output differs:
$(diff <(printf '%s\n' "$1") <(printf '%s\n' "$OUT"))"
}

# expect_line LINE: stdout contains LINE exactly.
expect_line() {
	checks=$((checks + 1))
	grep -Fxq -- "$1" <<<"$OUT" || fail "${CASE:-}: no line '$1' in:
$OUT"
}

# expect_err TEXT: stderr is exactly TEXT.
expect_err() {
	checks=$((checks + 1))
	[ "$ERR" = "$1" ] || fail "${CASE:-}: stderr '$ERR', expected '$1'"
}

finish() {
	echo "$checks checks, $failures failed"
	[ "$failures" -eq 0 ]
}
