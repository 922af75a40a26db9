#!/usr/bin/env bash
# docs/examples/dhclient-pcp-hook.sh, sourced by /bin/sh as dhclient-script
# does, with dhclient's variables (C-2): BOUND starts `portctl keep
# --dhcp4 <option>`, a RENEW with the same option leaves it alone, a new
# option restarts it, RELEASE stops it; the DHCPv6 reasons do the same with
# --dhcp6 <option>%<interface> (RFC 7291 section 7).  A stand-in portctl
# records its arguments and its SIGTERM; a process that merely reuses the
# recorded pid is never killed.  No network is used.
set -u
HOOK=$1
TMP=$(mktemp -d /tmp/pctl-dhclient-hook.XXXXXX)
PIDS=()
cleanup() {
	local f p
	for f in "$TMP"/run/*.pid; do
		[ -r "$f" ] || continue
		p=$(cat "$f")
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = portctl ] && kill "$p"
	done
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The stand-in: named portctl (the hook checks /proc/PID/comm), at most 60 s.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/portctl" <<EOF
#!/bin/bash
echo "start \$*" >>"$TMP/calls"
trap 'echo "term \$*" >>"$TMP/calls"; kill \$s; exit 0' TERM
sleep 60 &
s=\$!
wait \$s
EOF
chmod +x "$TMP/bin/portctl"
cat >"$TMP/conf" <<EOF
PORTCTL_PCP_MAPPINGS="tcp 22 udp 51820"
PORTCTL_PCP_OPTIONS="--no-state"
PORTCTL_PCP_RUNDIR=$TMP/run
PORTCTL=$TMP/bin/portctl
EOF

# hook VAR=VALUE...: one dhclient-script run.
hook() {
	# shellcheck disable=SC2016 # $0 is the inner shell's: the hook path
	env -i PATH="$PATH" PORTCTL_PCP_CONF="$TMP/conf" interface=eth9 "$@" \
		/bin/sh -c '. "$0"' "$HOOK" || fail "hook $* exited $?"
}
# until_calls N: wait (5 s at most) for N lines in the call log.
until_calls() {
	for _ in $(seq 50); do
		[ "$(wc -l <"$TMP/calls" 2>/dev/null || echo 0)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "expected $1 calls, got: $(cat "$TMP/calls" 2>/dev/null)"
}
line() { sed -n "$1p" "$TMP/calls"; }
pid4() { cat "$TMP/run/dhcp4-eth9.pid"; }

A=8:c0:0:2:1:c6:33:64:1
hook reason=BOUND new_pcp_server=$A
until_calls 1
[ "$(line 1)" = "start keep --dhcp4 $A --no-state tcp 22 udp 51820" ] ||
	fail "BOUND: $(line 1)"
first=$(pid4)

hook reason=RENEW new_pcp_server=$A old_pcp_server=$A
sleep 0.3
[ "$(wc -l <"$TMP/calls")" = 1 ] || fail "RENEW, same option: $(cat "$TMP/calls")"
[ "$(pid4)" = "$first" ] || fail "RENEW, same option: restarted"

B=4:cb:0:71:1
hook reason=RENEW new_pcp_server=$B old_pcp_server=$A
until_calls 3
grep -qx "term keep --dhcp4 $A --no-state tcp 22 udp 51820" "$TMP/calls" ||
	fail "new option: old one not stopped: $(cat "$TMP/calls")"
grep -qx "start keep --dhcp4 $B --no-state tcp 22 udp 51820" "$TMP/calls" ||
	fail "new option: not started: $(cat "$TMP/calls")"

hook reason=RELEASE old_pcp_server=$B
until_calls 4
[ "$(line 4)" = "term keep --dhcp4 $B --no-state tcp 22 udp 51820" ] ||
	fail "RELEASE: $(line 4)"
[ ! -e "$TMP/run/dhcp4-eth9.pid" ] || fail "RELEASE left the pid file"

V6=20:1:d:b8:0:0:0:0:0:0:0:0:0:0:0:1
hook reason=BOUND6 new_dhcp6_pcp_server=$V6
until_calls 5
[ "$(line 5)" = "start keep --dhcp6 $V6%eth9 --no-state tcp 22 udp 51820" ] ||
	fail "BOUND6: $(line 5)"
hook reason=STOP6 old_dhcp6_pcp_server=$V6
until_calls 6
[ "$(line 6)" = "term keep --dhcp6 $V6%eth9 --no-state tcp 22 udp 51820" ] ||
	fail "STOP6: $(line 6)"

# A lease without the option starts nothing.
hook reason=BOUND
sleep 0.3
[ "$(wc -l <"$TMP/calls")" = 6 ] || fail "BOUND without option: $(cat "$TMP/calls")"

# A stale pid file naming some other process: STOP leaves it alone.
sleep 30 &
PIDS+=($!)
echo $! >"$TMP/run/dhcp4-eth9.pid"
hook reason=STOP
kill -0 "${PIDS[0]}" 2>/dev/null || fail "STOP killed a process that is not portctl"
[ ! -e "$TMP/run/dhcp4-eth9.pid" ] || fail "STOP left the stale pid file"
echo "dhclient hook: all checks passed"
