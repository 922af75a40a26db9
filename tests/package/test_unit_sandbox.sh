#!/usr/bin/env bash
# The systemd unit's sandbox is enough for portctld, and no more than it
# needs (issue 10): the daemon runs in a router namespace with the unit's
# CapabilityBoundingSet (setpriv) and NOTIFY_SOCKET, under strace, through
# `portctld -n` (ExecStartPre), a start with the nftables backend and the
# journal, a mapping from the internal host, a SIGHUP (ExecReload) and a
# stop; every system call it made must pass the unit's SystemCallFilter,
# it must say READY=1, RELOADING=1/READY=1 and STOPPING=1, keep only
# CAP_NET_ADMIN once serving, and not run as root; its directories are
# made, and made again before a restart that must restore the mapping, as
# systemd makes them for the unit.  This host has no
# systemd as PID 1, so the unit itself cannot run here; the Debian package
# test (test_deb_install.sh) checks it with `systemd-analyze verify`.
#
#   test_unit_sandbox.sh PORTCTLD PORTCTL UNIT
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
PORTCTLD="${1:?usage: $0 PORTCTLD PORTCTL UNIT}"
PORTCTL="${2:?}"
UNIT="${3:?}"
# shellcheck source=../netns/lib.sh
. "$HERE/../netns/lib.sh"
netns_require_root
for t in strace setpriv systemd-analyze; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

T="$(mktemp -d)"
# The daemon drops to portctld or nobody: it must reach its directories.
chmod 0711 "$T"
cleanup() {
	netns_cleanup
	rm -rf "$T"
}
netns_setup || { echo "FAIL: namespaces"; cleanup; exit 1; }
trap cleanup EXIT

# The unit's settings (the last of each wins, as in systemd).
unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -n1; }
caps=$(unit_value CapabilityBoundingSet)
[ -n "$caps" ] || { echo "FAIL: no CapabilityBoundingSet in $UNIT"; exit 1; }
# setpriv's spelling: -all,+net_admin,...
bounding="-all"
for c in $caps; do
	c=${c#CAP_}
	bounding="$bounding,+${c,,}"
done

# The system calls the unit allows: the union of its allow lists minus its
# deny lists (~), groups expanded by systemd-analyze itself.
expand() {
	local x
	for x in "$@"; do
		case "$x" in
		@*) systemd-analyze syscall-filter "$x" | sed 1,2d | grep -v '^ *#' |
			awk 'NF {print $1}' | while read -r y; do expand "$y"; done ;;
		*) echo "$x" ;;
		esac
	done
}
: >"$T/allow"
: >"$T/deny"
while IFS= read -r line; do
	case "$line" in
	"~"*) read -r -a names <<<"${line#\~}"; expand "${names[@]}" >>"$T/deny" ;;
	*) read -r -a names <<<"$line"; expand "${names[@]}" >>"$T/allow" ;;
	esac
done < <(sed -n 's/^SystemCallFilter=//p' "$UNIT")
sort -u "$T/allow" >"$T/allow.s"
sort -u "$T/deny" >"$T/deny.s"
comm -23 "$T/allow.s" "$T/deny.s" >"$T/allowed"
[ -s "$T/allowed" ] || { echo "FAIL: no SystemCallFilter in $UNIT"; exit 1; }

netns_portctld_conf "$T/portctld.conf"
# The packaged defaults, not the test harness's root: the daemon switches
# user, and keeps its journal.
sed -i -e '/^user root$/d' -e '/^journal no$/d' -e "s|^state-dir .*|state-dir $T/state|" \
	-e "s|^control .*|control $T/run/ctl.sock|" "$T/portctld.conf"
# The directories as systemd makes them for the unit, which runs as root
# with Group=: RuntimeDirectory= root:GROUP 0770, StateDirectory= root:GROUP
# 0700 (GROUP: that of the daemon's user, portctld or else nobody).
user=portctld
getent passwd portctld >/dev/null || user=nobody
group=$(id -gn "$user")
systemd_dirs() { # at every start systemd chowns them again, recursively
	mkdir -p "$T/run" "$T/state"
	chown -R "root:$group" "$T/run" "$T/state"
	chmod 0770 "$T/run"
	chmod 0700 "$T/state"
}
systemd_dirs

# The service manager's side of NOTIFY_SOCKET: the datagrams, run together
# (socat keeps no boundaries), so messages are counted, not lines.
socat -u UNIX-RECV:"$T/notify" STDOUT >"$T/notify.log" 2>/dev/null &
NETNS_PIDS+=("$!")
for _ in $(seq 1 50); do [ -S "$T/notify" ] && break; sleep 0.1; done

sandboxed() { # what systemd would start: the unit's bounding set, traced
	ip netns exec "$NS_RTR" setpriv --bounding-set="$bounding" \
		strace -f -qq -o "$1" "${@:2}"
}
check "portctld -n passes in the sandbox (ExecStartPre)" \
	sandboxed "$T/trace.check" "$PORTCTLD" -n -c "$T/portctld.conf"
# (Not through the function: $! must be strace itself, the daemon's parent.)
NOTIFY_SOCKET="$T/notify" ip netns exec "$NS_RTR" setpriv --bounding-set="$bounding" \
	strace -f -qq -o "$T/trace.run" "$PORTCTLD" -f -c "$T/portctld.conf" >"$T/log" 2>&1 &
STRACE=$!
NETNS_PIDS+=("$STRACE")
wait_notify() { # wait_notify COUNT TEXT: COUNT lines TEXT arrived (10 s)
	for _ in $(seq 1 100); do
		[ "$(grep -o "$2" "$T/notify.log" | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
check "READY=1 once serving" wait_notify 1 READY=1
pid=$(pgrep -P "$STRACE" -x portctld | head -n1)
if [ -n "$pid" ]; then
	check "serving as a user other than root" \
		[ "$(awk '/^Uid:/ {print $3}' "/proc/$pid/status")" != 0 ]
	# CAP_NET_ADMIN is bit 12.
	check "only CAP_NET_ADMIN kept" \
		[ "$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")" = 0000000000001000 ]
else
	fail "the daemon runs"
fi
# (netns_pmap keeps its nonces in $T/state, which is the daemon's here.)
port=$(T="$T/client" && mkdir -p "$T" && netns_pmap -s 192.0.2.1 -l 120 tcp 8080)
check "a mapping through the sandboxed daemon (port ${port:-none})" [ -n "$port" ]
[ -n "$pid" ] && kill -HUP "$pid"
check "RELOADING=1 at SIGHUP" wait_notify 1 RELOADING=1
check "READY=1 after the reload" wait_notify 2 READY=1
[ -n "$pid" ] && kill -TERM "$pid"
wait "$STRACE"
check "a clean stop (status 0)" [ $? = 0 ]
check "STOPPING=1 at the stop" wait_notify 1 STOPPING=1

# A restart as systemd does it: the directories (journal included) back to
# root:GROUP, then the same start; the mapping is restored.
systemd_dirs
ip netns exec "$NS_RTR" setpriv --bounding-set="$bounding" \
	"$PORTCTLD" -f -c "$T/portctld.conf" >"$T/log2" 2>&1 &
DAEMON=$!
NETNS_PIDS+=("$DAEMON")
for _ in $(seq 1 50); do
	grep -q "started: backend" "$T/log2" && break
	sleep 0.1
done
check "a restart over directories systemd chowned back to root" \
	grep -q "started: backend nftables" "$T/log2"
lists_8080() {
	ip netns exec "$NS_RTR" timeout 5 "$PORTCTL" admin list --socket "$T/run/ctl.sock" |
		grep -q 8080
}
check "the restart restores the mapping from the journal" lists_8080
kill -TERM "$DAEMON"
wait "$DAEMON"
check "a clean stop after the restart" [ $? = 0 ]

# Every system call made passes the filter.
sed -E -n 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$T/trace.check" "$T/trace.run" |
	grep -vx execve | sort -u >"$T/used"
comm -23 "$T/used" "$T/allowed" >"$T/refused"
check "system calls traced ($(wc -l <"$T/used"))" [ -s "$T/used" ]
check "every one passes SystemCallFilter (refused: $(tr '\n' ' ' <"$T/refused"))" \
	[ ! -s "$T/refused" ]
[ "$FAILURES" -eq 0 ] || sed 's/^/log: /' "$T/log" "$T/log2"
netns_done
