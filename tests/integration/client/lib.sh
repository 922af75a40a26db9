# Shared by the client integration tests: arguments, a private temporary
# directory, starting portctld on a loopback address of the test's own, and
# a trap that stops only what the test started.
set -u
PORTCTL=$1
PORTCTLD=$2
FAKE_NATPMP=$3
SCRIPTED_PCP=${4:-MISSING}
UPNP_DRIVE=${5:-MISSING}
TMP=$(mktemp -d /tmp/pctl-client-it.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -f "$TMP/daemon.log" ] && tail -20 "$TMP/daemon.log" >&2
	exit 1
}

need_daemon() {
	[ -x "$PORTCTLD" ] || fail "portctld is not built ($PORTCTLD)"
}

# start_daemon ADDR PORT: portctld with the none backend; waits until it
# answers an ANNOUNCE (bounded: 50 x 0.1 s).
start_daemon() {
	need_daemon
	"$PORTCTLD" -f -c /dev/null --listen "$1:$2" \
		--external-ip 203.0.113.5 --backend none \
		--control "$TMP/ctl" --state-dir "$TMP" --user root \
		>"$TMP/daemon.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do
		"$PORTCTL" announce -s "$1:$2" -t 0.2 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "portctld did not come up on $1:$2"
}

# wait_line FILE REGEX: waits until a line of FILE matches (bounded: 50 x
# 0.1 s); fails when none does.
wait_line() {
	for _ in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# json FIELD < object: one field of portctl's JSON output.
json() {
	jq -er ".$1"
}
