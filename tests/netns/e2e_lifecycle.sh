#!/usr/bin/env bash
# portctld's start and stop never lose mappings (issue 15, items 1, 2, 4;
# issue 9, "Restarts keep what clients were given"), through the real
# daemon, client and nftables backend in namespaces made here (lib.sh):
#  1. after kill -9, a start that fails (a typo in `user`, the journal lock
#     held, a full state directory) leaves the kernel table and the journal
#     exactly as they were, and says what is wrong;
#  2. a second portctld with the same configuration, the same table, or the
#     same control socket refuses and changes nothing of the first;
#  3. a clean stop (SIGTERM) keeps the kernel's elements and the journal:
#     under renewals from one host, a restart loses no mapping, traffic
#     flows while the daemon is down, and another host that asks for the
#     same external port right after the restart gets another one.
# The state directory is a small tmpfs mounted in a mount namespace of its
# own (held by a sleeping process), so filling it touches nothing else.
# The daemon runs as its default user (no `user` line: nobody here), which
# is given the empty state directory and creates run/ for its socket.
# Usage: e2e_lifecycle.sh NFT_DRIVER PORTCTLD PORTCTL
# shellcheck disable=SC2317 # functions called through check/check_not
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
netns_e2e_args "$@"
netns_need unshare nsenter setpriv md5sum

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
HOLDER=
cleanup() {
	netns_cleanup
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null && wait "$HOLDER" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# The mount namespace that holds the state directory's tmpfs.
chmod 0711 "$T"
mkdir "$T/mnt"
unshare -m --propagation private sh -c \
	"mount -t tmpfs -o size=512k,mode=0711 lc-state '$T/mnt' && mkdir -m 0700 '$T/mnt/state' && touch '$T/mnt/ready' && exec sleep 600" &
HOLDER=$!
for _ in $(seq 1 50); do
	nsenter --mount="/proc/$HOLDER/ns/mnt" test -e "$T/mnt/ready" && break
	sleep 0.1
done
MNT="--mount=/proc/$HOLDER/ns/mnt"
in_mnt() { nsenter "$MNT" "$@"; }
in_mnt test -e "$T/mnt/ready" || { echo "tmpfs setup failed"; exit 1; }
ST="$T/mnt/state"

conf() { # conf FILE [LINE...]: the router's configuration, plus LINEs;
	# it listens on $LISTEN (default 192.0.2.1, port 5351)
	local f="$1"
	shift
	cat >"$f" <<CONF
listen ${LISTEN:-192.0.2.1}
backend nftables
nft-table portctl
external-interface wan0
internal-interface lan0
external-ip 203.0.113.1
state-dir $ST
control $T/run/ctl.sock
journal yes
CONF
	local l
	for l in "$@"; do echo "$l" >>"$f"; done
}
conf "$T/conf"

# start CONF LOG: portctld in the router's network namespace and the
# holder's mount namespace; DAEMON its PID.  1 when it does not start.
start() {
	# nsenter and ip netns exec both exec: $! is the daemon.
	nsenter "$MNT" ip netns exec "$NS_RTR" "$PORTCTLD" -f -c "$1" >"$2" 2>&1 &
	DAEMON=$!
	NETNS_PIDS+=("$DAEMON")
	for _ in $(seq 1 50); do
		grep -q "started: backend nftables" "$2" && return 0
		kill -0 "$DAEMON" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# fails_to_start CONF LOG TEXT [OPTION...]: portctld -f -c CONF OPTION...
# exits 1 and LOG says TEXT.
fails_to_start() {
	in_mnt timeout 10 ip netns exec "$NS_RTR" "$PORTCTLD" -f -c "$1" "${@:4}" >"$2" 2>&1
	local rc=$?
	[ "$rc" -eq 1 ] && grep -qF -- "$3" "$2"
}
stop() { # stop SIGNAL: the daemon, waited for (bounded); STATUS its exit
	# KILL: its network process too, as a supervisor does (lib.sh).
	if [ "$1" = KILL ]; then
		netns_kill9 "$DAEMON"
		STATUS=137
		return
	fi
	kill "-$1" "$DAEMON" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$DAEMON" 2>/dev/null || break
		sleep 0.1
	done
	wait "$DAEMON" 2>/dev/null
	STATUS=$?
}
# The kernel's elements, without their running timers; and the journal.
table() { in_rtr nft list table inet portctl 2>/dev/null | sed -E 's/ expires [0-9a-z.]+//g'; }
journal_sum() { in_mnt md5sum "$ST/portctld.journal" 2>/dev/null; }
same_state() { [ "$(table)" = "$TABLE0" ] && [ "$(journal_sum)" = "$JSUM0" ]; }
list() { # the daemon's mappings of host .2, without ids and lifetimes
	tool "$PORTCTL" admin list --socket "$T/run/ctl.sock" |
		awk '/192\.0\.2\.2:/ {print $2, $3, $4, $5, $6}' | sort
}
map() { # map OPTION... PROTO PORT: the external port granted to host .2
	tool in_int "$PORTCTL" map -t 3 -j -s 192.0.2.1 -l 600 "$@" |
		jq -r .external_port
}

serve_ok "$NS_INT" 8080
wait_listen "$NS_INT" 8080 || { echo "server down"; exit 1; }

check "portctld starts (state on a 512 KiB tmpfs)" start "$T/conf" "$T/log"
check "it runs as nobody, its state directory is nobody's" \
	bash -c "[ \"\$(stat -c %U /proc/$DAEMON)\" = nobody ] && [ \"\$(nsenter '$MNT' stat -c %U '$ST')\" = nobody ]"
P1=$(map --state "$T/client.state" tcp 8080)
P2=$(map --no-state udp 8080)
check "two mappings granted ($P1, $P2)" [ -n "$P1" ] && [ -n "$P2" ]
check "TCP from outside reaches the inside" tcp_ok "$NS_EXT" 203.0.113.1 "$P1"

# ---- 2. a second daemon changes nothing of the first ----
# (On another port: the first daemon's would stop them first.)
LISTEN=192.0.2.1:5399
mkdir -m 0700 "$T/b"
conf "$T/conf.same"
check "same configuration twice: refused, the table is owned" \
	fails_to_start "$T/conf.same" "$T/log.same" "another portctld in this network namespace owns it"
conf "$T/conf.table" "state-dir $T/b" "control $T/b/run/ctl.sock"
check "same table, own state and control: refused" \
	fails_to_start "$T/conf.table" "$T/log.table" "another portctld in this network namespace owns it"
conf "$T/conf.ctl" "nft-table portctl_b" "state-dir $T/b"
LISTEN=
check "same control socket, own table and state: refused" \
	fails_to_start "$T/conf.ctl" "$T/log.ctl" "another portctld answers there"
check "the first daemon still runs" kill -0 "$DAEMON"
check "its control socket still answers" tool "$PORTCTL" admin stats --socket "$T/run/ctl.sock"
check "its mapping still carries traffic" tcp_ok "$NS_EXT" 203.0.113.1 "$P1"
check_not "the refused one left no table behind" in_rtr nft list table inet portctl_b

# ---- 3. restart under renewals: nothing lost, nothing taken ----
# Another host: what user nobody sends from the internal namespace leaves
# from 192.0.2.3 (a routing rule by uid), as portctl has no source option.
ip -n "$NS_INT" addr add 192.0.2.3/24 dev eth0
ip -n "$NS_INT" route add 192.0.2.0/24 dev eth0 src 192.0.2.3 table 100
ip -n "$NS_INT" rule add uidrange 65534-65534 table 100
BEFORE=$(list)
# The renewer: host .2 renews its TCP mapping every 0.5 s (state file, so
# the same nonce), 60 times at most; every port it is given is recorded.
(
	for _ in $(seq 1 60); do
		[ -e "$T/renewer.stop" ] && break
		in_int "$PORTCTL" map -t 1 --state "$T/client.state" -j -s 192.0.2.1 \
			-l 600 tcp 8080 2>/dev/null | jq -r .external_port >>"$T/renewed"
		sleep 0.5
	done
) &
RENEWER=$!
sleep 1
stop TERM
check "SIGTERM: portctld stopped, status $STATUS" \
	[ "$STATUS" -eq 0 ] && grep -q "stopped; mappings kept" "$T/log"
check "while stopped, the kernel still forwards the mapping" \
	tcp_ok "$NS_EXT" 203.0.113.1 "$P1"
# The thief: host .3 asks for host .2's external port as fast as it can,
# from before the daemon is back until well after.
(
	for _ in $(seq 1 100); do
		in_int setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$PORTCTL" map -t 0.3 --no-state -j -s 192.0.2.1 \
			--suggest "203.0.113.1:$P1" -l 600 tcp 9090 2>/dev/null |
			jq -r .external_port >>"$T/stolen"
	done
) &
THIEF=$!
check "restart" start "$T/conf" "$T/log2"
check "journal: clean shutdown, epoch continued" \
	grep -q "clean shutdown, epoch continued" "$T/log2"
wait "$THIEF"
touch "$T/renewer.stop"
wait "$RENEWER"
AFTER=$(list)
check "no mapping lost: admin list before == after" [ "$AFTER" = "$BEFORE" ]
[ "$AFTER" = "$BEFORE" ] || printf 'before:\n%s\nafter:\n%s\n' "$BEFORE" "$AFTER"
check "the renewals kept their port ($P1)" \
	[ "$(sort -u "$T/renewed" | grep -v null)" = "$P1" ]
check "another host asked for it $(grep -c . "$T/stolen") times, never got it" \
	bash -c "! grep -qx '$P1' '$T/stolen'"
check "... it asked from 192.0.2.3 (and got another port)" \
	bash -c "'$PORTCTL' admin list --socket '$T/run/ctl.sock' | grep -q ' 192.0.2.3:9090 '"
check "TCP still reaches the inside" tcp_ok "$NS_EXT" 203.0.113.1 "$P1"

# ---- 1. failed starts after kill -9 change nothing ----
stop KILL
TABLE0=$(table)
JSUM0=$(journal_sum)
check "kill -9 left the table and the journal" [ -n "$TABLE0" ] && [ -n "$JSUM0" ]
conf "$T/conf.typo" "user nosuchuser"
check "a typo in user: refused, and said plainly" \
	fails_to_start "$T/conf.typo" "$T/log.typo" "user 'nosuchuser' does not exist"
check "... table and journal as they were" same_state
# (bash execs sleep with the locked descriptor: $! holds the lock alone)
nsenter "$MNT" bash -c 'exec 9<>"$1" && flock -n 9 && exec sleep 30' _ \
	"$ST/portctld.journal.lock" &
LOCKER=$!
NETNS_PIDS+=("$LOCKER")
sleep 0.3
check "the journal lock held: refused" \
	fails_to_start "$T/conf" "$T/log.lock" "state directory in use by another portctld"
kill "$LOCKER" 2>/dev/null
wait "$LOCKER" 2>/dev/null
check "... table and journal as they were" same_state
in_mnt dd if=/dev/zero of="$T/mnt/fill" bs=4k 2>/dev/null
check "a full state directory: refused, and said plainly" \
	fails_to_start "$T/conf" "$T/log.full" "file system full"
check "... table and journal as they were" same_state
check "... the kernel still forwards" tcp_ok "$NS_EXT" 203.0.113.1 "$P1"
check "... -n says the same" \
	fails_to_start "$T/conf" "$T/log.n" "file system full" -n
in_mnt rm -f "$T/mnt/fill"
check "with room again, the start resumes" start "$T/conf" "$T/log3"
check "... every mapping restored" [ "$(list)" = "$BEFORE" ]
check "... and carried" tcp_ok "$NS_EXT" 203.0.113.1 "$P1"
stop TERM
check "the last stop: status $STATUS (no sanitizer report)" [ "$STATUS" -eq 0 ]
[ "$FAILURES" -eq 0 ] || tail -n 8 "$T"/log*
netns_done
