# shellcheck shell=bash
# Helpers of scripts/demo.sh: narration, showing commands with their output,
# bounded waits, and the three network namespaces of the live act.  Sourced,
# not run.  Everything the demo starts (processes, namespaces, temporary
# files) is recorded here and removed by demo_cleanup, which demo.sh installs
# as the EXIT trap, so a failing or interrupted demo leaves nothing behind.

DEMO_PIDS=()       # processes the demo started (only these are stopped)
DEMO_NETNS=()      # namespaces the demo created
DEMO_TMP=          # private temporary directory (mktemp -d)
DEMO_SHOW_RC=0     # exit status of the last command run by show/show_in
DEMO_OUT=/dev/null # file holding the output of that command

# say TEXT: a sentence of narration.
say() {
	if [ -t 1 ]; then
		printf '\n\033[1m%s\033[0m\n' "$*" | fold -s -w 78
	else
		printf '\n%s\n' "$*" | fold -s -w 78
	fi
}

# The command line as one would type it: arguments with spaces quoted.
cmdline() {
	local a out=
	for a in "$@"; do
		[[ $a == *' '* ]] && a="\"$a\""
		out+="${out:+ }$a"
	done
	printf '%s' "$out"
}

# run_shown PROMPT CMD...: prints PROMPT and the command, runs it, prints
# its output (standard error included) and keeps it in $DEMO_OUT.  A
# non-zero exit status is reported and kept in DEMO_SHOW_RC, not fatal:
# some steps show refusals on purpose, and the caller decides.
run_shown() {
	printf '\n%s %s\n' "$1" "$(cmdline "${@:2}")"
	run_quiet "${@:2}"
}
# run_quiet CMD...: the same without printing the command line.
run_quiet() {
	DEMO_SHOW_RC=0
	DEMO_OUT=$DEMO_TMP/out.$((++DEMO_NOUT))
	"$@" >"$DEMO_OUT" 2>&1 </dev/null || DEMO_SHOW_RC=$?
	cat "$DEMO_OUT"
	[ "$DEMO_SHOW_RC" -eq 0 ] || printf '(exit status %d)\n' "$DEMO_SHOW_RC"
	return 0
}
DEMO_NOUT=0

# show CMD...: a command run here, shown with a "$" prompt.
show() { run_shown '$' "$@"; }

# show_in LABEL NS CMD...: a command run in namespace NS with "ip netns
# exec NS"; the prompt "[LABEL]#" names the machine instead of repeating
# that prefix on every line (the demo says so once).
show_in() {
	local label=$1 ns=$2
	shift 2
	printf '\n[%s]# %s\n' "$label" "$(cmdline "$@")"
	run_quiet ip netns exec "$ns" "$@"
}

# demo_fail TEXT: the demo could not show what it set out to show.  Says
# so plainly and stops with status 1; the EXIT trap cleans up.
demo_fail() {
	printf '\nDEMO FAILED: %s\n' "$*" | fold -s -w 78 >&2
	exit 1
}

# expect_ok WHAT / expect_fail WHAT: the last shown command must have
# succeeded / failed; otherwise the demo stops, naming WHAT was expected.
expect_ok() {
	[ "$DEMO_SHOW_RC" -eq 0 ] ||
		demo_fail "$1 (exit status $DEMO_SHOW_RC, output above)"
}
expect_fail() {
	[ "$DEMO_SHOW_RC" -ne 0 ] || demo_fail "$1 (it succeeded, output above)"
}

# wait_until TENTHS CMD...: runs CMD every tenth of a second until it
# succeeds, at most TENTHS times.  Returns 1 if it never did.
wait_until() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# spawn_in NS LOG CMD...: starts a long-running CMD in namespace NS (or
# here, with NS "-"), output to LOG; its PID goes to DEMO_PIDS and
# DEMO_LAST_PID.  ip netns exec execs CMD, so the PID is CMD's own.
spawn_in() {
	local ns=$1 log=$2
	shift 2
	if [ "$ns" = - ]; then
		"$@" >"$log" 2>&1 </dev/null &
	else
		ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	fi
	DEMO_LAST_PID=$!
	DEMO_PIDS+=("$DEMO_LAST_PID")
}

# exited PID: the process is gone or a zombie waiting to be reaped (kill -0
# still succeeds on a zombie, so the state letter after "(comm) " is read).
exited() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[ "${stat:0:1}" = Z ]
}

# spawn_shown LABEL NS LOG CMD...: spawn_in, after printing the command line
# as one would type it with a trailing "&" (prompt "$" when NS is "-").
spawn_shown() {
	local prompt="[$1]#"
	[ "$2" != - ] || prompt='$'
	printf '\n%s %s &\n' "$prompt" "$(cmdline "${@:4}")"
	spawn_in "${@:2}"
}

# stop_pid PID: SIGTERM, then wait for it (bounded: 5 s), then SIGKILL.
# Returns the process's exit status (0: a clean stop), 124 if it had to be
# killed.  The PID is forgotten, so that it is never signalled again (it
# may belong to someone else by then).
stop_pid() {
	local pid=$1 p rc=0 keep=()
	for p in "${DEMO_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	DEMO_PIDS=("${keep[@]}")
	kill -TERM "$pid" 2>/dev/null || return 0
	if ! wait_until 50 exited "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

# demo_cleanup: the EXIT trap.  Stops the processes the demo started,
# deletes its namespaces (which takes their interfaces, routes and
# nftables tables with them) and its temporary directory.  Forgets them
# afterwards, so a second call (the trap after an explicit teardown) does
# nothing.
demo_cleanup() {
	local pid ns
	for pid in "${DEMO_PIDS[@]}"; do
		stop_pid "$pid" || true # failing or not, it goes
	done
	for ns in "${DEMO_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	[ -z "$DEMO_TMP" ] || rm -rf "$DEMO_TMP"
	DEMO_PIDS=() DEMO_NETNS=() DEMO_TMP=
	return 0
}

# The live act's network, all documentation addresses:
#
#   internal host           router                          external host
#   eth0 192.0.2.2/24 <-> lan0 192.0.2.1/24 | wan0 203.0.113.1/24 <-> eth0 203.0.113.2/24
#        2001:db8:1::2/64      2001:db8:1::1/64   2001:db8:2::1/64       2001:db8:2::2/64
#
# The external host has no route to 192.0.2.0/24, as on the Internet: it
# can only reach the inside through the router's public address 203.0.113.1.
NS_INT="pctl-demo-int-$$"
NS_RTR="pctl-demo-rtr-$$"
NS_EXT="pctl-demo-ext-$$"

# link_up NS DEV: the interface has carrier.
# grep reads all of its input (no -q): under pipefail an early exit would
# kill the writer with SIGPIPE and fail the pipeline at random.
link_up() { ip -n "$1" link show "$2" | grep LOWER_UP >/dev/null; }

# ns_add NS: creates a namespace with loopback up and remembers it.
ns_add() {
	ip netns add "$1" || return 1
	DEMO_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# demo_netns_setup: the three namespaces, their links, addresses and
# routes, forwarding and masquerading NAT on the router.  Returns non-zero
# (with the failing command's message) when something cannot be done.
demo_netns_setup() {
	ns_add "$NS_INT" && ns_add "$NS_RTR" && ns_add "$NS_EXT" || return 1
	ip -n "$NS_INT" link add eth0 type veth peer name lan0 netns "$NS_RTR" &&
		ip -n "$NS_EXT" link add eth0 type veth peer name wan0 netns "$NS_RTR" ||
		return 1

	ip -n "$NS_INT" addr add 192.0.2.2/24 dev eth0 &&
		ip -n "$NS_INT" addr add 2001:db8:1::2/64 dev eth0 nodad &&
		ip -n "$NS_INT" link set eth0 up &&
		ip -n "$NS_INT" route add default via 192.0.2.1 &&
		ip -n "$NS_INT" -6 route add default via 2001:db8:1::1 || return 1

	ip -n "$NS_RTR" addr add 192.0.2.1/24 dev lan0 &&
		ip -n "$NS_RTR" addr add 2001:db8:1::1/64 dev lan0 nodad &&
		ip -n "$NS_RTR" addr add 203.0.113.1/24 dev wan0 &&
		ip -n "$NS_RTR" addr add 2001:db8:2::1/64 dev wan0 nodad &&
		ip -n "$NS_RTR" link set lan0 up &&
		ip -n "$NS_RTR" link set wan0 up &&
		ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv6.conf.all.forwarding=1 || return 1

	ip -n "$NS_EXT" addr add 203.0.113.2/24 dev eth0 &&
		ip -n "$NS_EXT" addr add 2001:db8:2::2/64 dev eth0 nodad &&
		ip -n "$NS_EXT" link set eth0 up || return 1

	# A home router's NAT: whatever leaves through wan0 takes the router's
	# address.  portctld adds its own table for the mappings; this one is
	# the router's and stays as it is.
	ip netns exec "$NS_RTR" nft -f - <<'NFT' || return 1
table ip home_nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
NFT
	local ns_dev
	for ns_dev in "$NS_INT eth0" "$NS_RTR lan0" "$NS_RTR wan0" "$NS_EXT eth0"; do
		# shellcheck disable=SC2086 # "namespace device", split on purpose
		if ! wait_until 50 link_up $ns_dev; then
			echo "$ns_dev did not come up within 5 s" >&2
			return 1
		fi
	done
}
