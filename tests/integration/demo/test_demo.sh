#!/bin/bash
# Runs the demo (scripts/demo.sh) on the build in $BUILD and checks that it
# exits 0 and that its output shows what it narrates - the commands' own
# output, not only the narration.
#   test_demo.sh live DEMO      as root; exit 77 (skip) without root
#   test_demo.sh loopback DEMO  the act without root; as root it is run as
#                               user nobody (setpriv)
set -u
MODE=${1:?usage: test_demo.sh live|loopback DEMO}
DEMO=${2:?usage: test_demo.sh live|loopback DEMO}
: "${BUILD:?BUILD must name the build directory}"
export DEMO_SKIP_BUILD=1
# A sanitizer report is an error exit of its own (86), never mistaken for
# the exit status 1 some steps expect.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=86"
OUT=$(mktemp /tmp/pctl-demo-test.XXXXXX)
trap 'rm -f "$OUT"' EXIT

fail() {
	echo "FAIL: $*"
	echo "---- demo output ----"
	cat "$OUT"
	exit 1
}
# has TEXT: the output holds this fixed text.
has() { grep -qF -- "$1" "$OUT" || fail "no line with: $1"; }

run_demo() {
	local rc=0
	"$@" "$DEMO" >"$OUT" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || fail "the demo exited with status $rc"
	grep -q "DEMO FAILED" "$OUT" && fail "the demo reported a failure"
	grep -qE "Sanitizer|runtime error:" "$OUT" && fail "a sanitizer report"
	# Act 1 decoded the T-1 vector.
	has "opcode: MAP (1)"
}

# after PROMPT_PREFIX: the first output line after each shown command that
# starts with PROMPT_PREFIX, one per line.
after() {
	awk -v p="$1" 'n { print; n = 0 } index($0, p) == 1 { n = 1 }' "$OUT"
}

live() {
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: the live demo needs root"; exit 77; }
	run_demo
	local grant port
	grant=$(grep -E '^granted: TCP 192\.0\.2\.2 port 8080 -> 203\.0\.113\.1 port [0-9]+' "$OUT") ||
		fail "portctl map granted nothing on 203.0.113.1"
	port=$(sed -E 's/.* port ([0-9]+),.*/\1/' <<<"$grant")
	# The external host's three fetches: refused before the mapping, the
	# page through it, refused after the delete.
	mapfile -t urls < <(grep -oE '^\[external\]# curl .*http://[0-9.:]+/' "$OUT" | grep -oE 'http://[^ ]+')
	mapfile -t answers < <(after '[external]# curl')
	[ "${#answers[@]}" -eq 3 ] || fail "expected 3 fetches from outside, saw ${#answers[@]}"
	[[ ${answers[0]} == "curl: ("* ]] || fail "before the mapping the fetch answered: ${answers[0]}"
	[[ ${answers[1]} == *"Hello from the internal host 192.0.2.2"* ]] ||
		fail "through the mapping the fetch answered: ${answers[1]}"
	[[ ${answers[2]} == "curl: ("* ]] || fail "after the delete the fetch answered: ${answers[2]}"
	if [ "${urls[1]}" != "http://203.0.113.1:$port/" ] || [ "${urls[2]}" != "${urls[1]}" ]; then
		fail "the fetches did not use the granted port $port: ${urls[*]}"
	fi
	has "map tcp 192.0.2.2:8080 -> 203.0.113.1:$port lifetime"
	has "203.0.113.1 . tcp . $port "
	has "deleted: TCP port 8080"
	has "pcp_result SUCCESS"
	echo "PASS: page refused, fetched through 203.0.113.1:$port, refused after delete"
}

loopback() {
	local as=()
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 77; }
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
		"${as[@]}" test -x "$BUILD/cli/portctl" -a -r "$DEMO" ||
			{ echo "SKIP: user nobody cannot run $BUILD"; exit 77; }
	fi
	run_demo "${as[@]}"
	has "Act 2, without root."
	has "=> Shown without root"
	grep -qE '^granted: TCP [0-9.]+ port 8080 -> 203\.0\.113\.1 port [0-9]+' "$OUT" ||
		fail "portctl map granted nothing"
	grep -qE '^[0-9]+ map tcp [0-9.]+:8080 -> 203\.0\.113\.1:[0-9]+ lifetime' "$OUT" ||
		fail "admin list did not show the mapping"
	has "deleted: TCP port 8080"
	echo "PASS: map, admin list, delete on loopback without root"
}

"$MODE"
