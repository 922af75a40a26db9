#!/usr/bin/env bash
# make demo: build portctl, then show it at work, narrating each step.
#
# Act 1 decodes the checklist's test vectors (T-1..T-5) with `portctl
# decode`.  Act 2 is live.  As root: three network namespaces (an internal
# host, a router with a masquerading NAT, an external host), portctld with
# the nftables backend on the router, and a web page on the internal host
# that the external host can fetch only while a mapping made with `portctl
# map` lets it in.  Without root: portctld on loopback with the none backend
# and the client against it; the demo says what it skipped and why.  One
# function per step, so that steps can be added, reordered or run alone
# (scripts/demo.sh step_t1_map ...).
#
# Every claim the narration makes is checked.  When something does not
# happen as told (a program or backend missing from the build, a fetch
# that should fail but works), a "DEMO FAILED:" line says what, and the
# exit status is 1.  Whatever the demo started is removed on exit (trap).
#
# Environment:
#   BUILD            the build directory (default build/gcc, as `make build`)
#   DEMO_SKIP_BUILD  1: run the programs already in $BUILD, build nothing
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/gcc}
PORTCTL=$BUILD/cli/portctl
PORTCTLD=$BUILD/daemon/portctld
# shellcheck source=scripts/demo-lib.sh
. scripts/demo-lib.sh

step_dependencies() {
	say "First, the Debian packages portctl needs: scripts/deps.sh installs any that are missing and does nothing otherwise."
	scripts/deps.sh
}

step_build() {
	say "Building portctl with gcc into $BUILD (make build: CMake, -Wall -Wextra -Werror)."
	make --no-print-directory build BUILD="$BUILD" >/dev/null
}

# The two programs must be in the build; a build without them is named,
# not papered over.
step_programs() {
	local p
	for p in "$PORTCTL" "$PORTCTLD"; do
		[ -x "$p" ] || demo_fail "$p is not built: $BUILD is not a complete build directory ('make build' makes one)."
	done
	say "The programs: $PORTCTL, the client ($("$PORTCTL" --version)), and $PORTCTLD, the server."
}

# The test vectors of CHECKLIST section 10, in hex as they travel on the wire.
T1="02 01 00 00 00 00 1c 20 00 00 00 00 00 00 00 00 00 00 ff ff c0 a8 01 0a
01 02 03 04 05 06 07 08 09 0a 0b 0c 06 00 00 00 1f 90 00 00
00 00 00 00 00 00 00 00 00 00 ff ff 00 00 00 00"
T1=${T1//$'\n'/ }
T2="03 00 00 14 00 78 00 00 00 00 00 00 00 00 00 00 00 00 ff ff c6 33 64 00"
T3="82 00 00 05 00 64 c3 50 00 00 00 00"
T4="02 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
T5="02 80 00 01 00 00 07 08 00 00 04 d2 00 00 00 00 00 00 00 00 00 00 00 00"

step_t1_map() {
	say "A PCP MAP request (test vector T-1): the host 192.168.1.10 asks its NAT for an inbound TCP port for its port 8080, for two hours, with no preference for the external port or address. portctl decode shows every field of the 60 octets."
	show "$PORTCTL" decode "$T1"
	expect_ok "T-1 should decode"
}

step_t2_t3_options() {
	say "The same request with two options: FILTER (T-2) lets only 198.51.100.0/24 in, and PORT_SET (T-3) asks for 100 ports from 50000. Each option shows its code, whether a server must understand it, its length, where it starts, and its typed contents."
	show "$PORTCTL" decode "$T1 $T2 $T3"
	expect_ok "T-1 with T-2 and T-3 should decode"
}
step_t5_natpmp_fallback() {
	say "A NAT-PMP client asks a PCP-only server for its external address by sending the two octets 00 00. The server cannot speak version 0 and answers UNSUPP_VERSION (T-5); because octet 3 holds the result, the NAT-PMP client reads result 1 at offset 2 and understands."
	show "$PORTCTL" decode "00 00" "$T5"
	expect_ok "T-5 should decode"
}
step_malformed() {
	say "Malformed datagrams are named precisely: the offset of the fault and the checklist rule it breaks. Here a MAP request cut to 62 octets (not a multiple of 4) and a lone octet; portctl still decodes the good datagram between them and exits with status 1."
	show "$PORTCTL" decode "$T1 00 00" "$T4" "02"
	[ "$DEMO_SHOW_RC" -eq 1 ] || demo_fail "portctl decode should exit 1 on malformed datagrams, it exited $DEMO_SHOW_RC."
}

# stop_daemon: SIGTERM to portctld, which must exit 0 (portctld(8), SIGNALS);
# anything else (a hang, a crash, a sanitizer report) fails the demo.
stop_daemon() {
	local rc=0
	stop_pid "$DAEMON_PID" || rc=$?
	[ "$rc" -eq 0 ] && return 0
	cat "$DEMO_TMP/portctld.log"
	demo_fail "portctld did not stop cleanly on SIGTERM (exit status $rc; 124 means it still ran after 5 s); its log is above."
}

# ---- Act 2, as root: a real NAT in three network namespaces ----------------

WEB_PORT=8080
PAGE_TEXT="Hello from the internal host 192.0.2.2, served by busybox httpd."

# in_ns NS CMD...: CMD run in namespace NS, output hidden (for checks).
in_ns() { ip netns exec "$@" >/dev/null 2>&1; }

step_live_tools() {
	local t
	for t in ip nft curl busybox; do
		command -v "$t" >/dev/null ||
			demo_fail "the live demo needs '$t', which is not installed (scripts/deps.sh installs it)."
	done
	# Not grep -q: under pipefail its early exit can kill busybox with
	# SIGPIPE and fail the check at random.
	busybox --list | grep -x httpd >/dev/null ||
		demo_fail "this busybox has no httpd applet; the live demo serves its page with it."
}

step_netns() {
	say "Act 2: a real NAT. We build three small machines out of Linux network namespaces: an internal host ($NS_INT, 192.0.2.2 and 2001:db8:1::2), a home router ($NS_RTR, 192.0.2.1 inside, 203.0.113.1 outside) and an external host on the Internet side ($NS_EXT, 203.0.113.2). Only documentation addresses are used; nothing leaves this machine."
	demo_netns_setup || demo_fail "could not build the namespaces (message above); the live demo needs root with network namespaces and veth pairs."
	say "From here on, a command after the prompt [router]# runs on the router, that is with 'ip netns exec $NS_RTR' in front; likewise [internal]# and [external]#."
	say "The router forwards packets and, like any home router, rewrites everything that leaves through wan0 to its own address (masquerading). Its addresses and its NAT table:"
	show_in router "$NS_RTR" ip -brief address show
	show_in router "$NS_RTR" nft list table ip home_nat
	say "The external host has no route to 192.0.2.0/24, as on the Internet: the only way in is the router's public address 203.0.113.1."
	show_in external "$NS_EXT" ip route
}

# started_or_gone LOG: portctld logged that it started, or it exited.
started_or_gone() { grep -q started "$1" || exited "$DAEMON_PID"; }

step_portctld_nft() {
	local conf=$DEMO_TMP/portctld.conf log=$DEMO_TMP/portctld.log
	cat >"$conf" <<CONF
# Serve PCP and NAT-PMP on the router's inside address only.
listen 192.0.2.1
internal-interface lan0
external-interface wan0
external-ip 203.0.113.1
# Mappings become rules in the nftables table "inet portctl".
backend nftables
nft-table portctl
control $DEMO_TMP/run/portctld.sock
state-dir $DEMO_TMP/portctld-state
# No state kept across restarts: the demo leaves nothing behind.
journal no
CONF
	say "Now portctld, the PCP server, on the router. It listens on 192.0.2.1 port 5351 (the inside only) and turns each mapping into nftables rules. Its configuration file:"
	show cat "$conf"
	spawn_shown router "$NS_RTR" "$log" "$PORTCTLD" -f -c "$conf"
	DAEMON_PID=$DEMO_LAST_PID
	wait_until 50 started_or_gone "$log" || true
	if ! grep -q "started: backend nftables" "$log"; then
		cat "$log"
		if grep -q "not built into" "$log"; then
			demo_fail "this portctld has no nftables backend (its build left out the nftables data plane, dataplane/), so the live demo cannot map ports; message above."
		fi
		demo_fail "portctld did not start with the nftables backend within 5 s; its log is above."
	fi
	cat "$log"
}

step_web_server() {
	mkdir -p "$DEMO_TMP/www"
	printf '<html><body><p>%s</p></body></html>\n' "$PAGE_TEXT" >"$DEMO_TMP/www/index.html"
	say "On the internal host, a small web server (busybox httpd) serves a page on port $WEB_PORT."
	spawn_shown internal "$NS_INT" "$DEMO_TMP/httpd.log" \
		busybox httpd -f -p "192.0.2.2:$WEB_PORT" -h "$DEMO_TMP/www"
	wait_until 50 in_ns "$NS_INT" curl -sf --max-time 1 "http://192.0.2.2:$WEB_PORT/" ||
		demo_fail "busybox httpd did not serve the page on the internal host within 5 s ($(cat "$DEMO_TMP/httpd.log"))."
	say "The router, next to it on the inside, can fetch it:"
	show_in router "$NS_RTR" curl -sS --max-time 3 "http://192.0.2.2:$WEB_PORT/"
	expect_ok "the router should fetch the page from the inside"
}

# fetch_from_outside PORT: the external host tries the router's public
# address; the caller checks DEMO_SHOW_RC.
fetch_from_outside() {
	show_in external "$NS_EXT" curl -sS --connect-timeout 2 --max-time 3 "http://203.0.113.1:$1/"
}

step_fetch_before() {
	say "From the external host, the page is out of reach: nothing on the router's public address leads to port $WEB_PORT inside. curl gives up:"
	fetch_from_outside "$WEB_PORT"
	expect_fail "before any mapping the external host must not reach the page"
	say "=> Before the mapping, the external host cannot fetch the page."
}

step_map() {
	say "The internal host asks the router for a mapping with the Port Control Protocol: 'portctl map' sends a PCP MAP request for TCP port $WEB_PORT to 192.0.2.1 and prints what the server granted. The random nonce that identifies this mapping is kept in a state file."
	show_in internal "$NS_INT" "$PORTCTL" map -s 192.0.2.1 -t 5 -l 600 --state "$DEMO_TMP/state" tcp "$WEB_PORT"
	expect_ok "portctl map should be granted"
	# "granted: TCP 192.0.2.2 port 8080 -> ADDR port N, lifetime ..."
	read -r EXT_ADDR EXT_PORT < <(sed -n 's/.*-> \([0-9.]*\) port \([0-9]*\).*/\1 \2/p' "$DEMO_OUT") || true
	[ -n "${EXT_PORT:-}" ] || demo_fail "could not read the external address and port from portctl's answer (above)."
	[ "$EXT_ADDR" = 203.0.113.1 ] || demo_fail "the granted external address is $EXT_ADDR, not the router's 203.0.113.1."
	say "=> Granted: the page is to be reachable at $EXT_ADDR port $EXT_PORT. portctld wrote the mapping into its own nftables table on the router, 'inet portctl'. Its destination NAT map now sends $EXT_ADDR TCP port $EXT_PORT to 192.0.2.2 port $WEB_PORT, for as long as the mapping lives:"
	show_in router "$NS_RTR" nft list map inet portctl dnat4
	expect_ok "portctld's nftables map dnat4 should exist"
	grep -q "$EXT_ADDR . tcp . $EXT_PORT .*: 192.0.2.2 . $WEB_PORT" "$DEMO_OUT" ||
		demo_fail "the nftables map does not hold the mapping $EXT_ADDR:$EXT_PORT -> 192.0.2.2:$WEB_PORT."
}

step_fetch_through() {
	say "The external host fetches the page again, now through the mapping:"
	fetch_from_outside "$EXT_PORT"
	expect_ok "the external host should fetch the page through the mapping"
	grep -qF "$PAGE_TEXT" "$DEMO_OUT" || demo_fail "the answer through the mapping is not the internal host's page."
	say "=> Through the mapping, the external host fetched the page from the internal host."
}

step_admin() {
	say "On the router, the administrator sees the mapping with 'portctl admin list' (over portctld's control socket): its id, kind, protocol, internal and external endpoints and the seconds left."
	show_in router "$NS_RTR" "$PORTCTL" admin list --socket "$DEMO_TMP/run/portctld.sock"
	expect_ok "portctl admin list should answer"
	grep -q "192.0.2.2.*$WEB_PORT" "$DEMO_OUT" || demo_fail "admin list does not show the mapping of 192.0.2.2 port $WEB_PORT."
	say "And 'portctl admin stats': counters since the start, and how many answers of each result code were sent."
	show_in router "$NS_RTR" "$PORTCTL" admin stats --socket "$DEMO_TMP/run/portctld.sock"
	expect_ok "portctl admin stats should answer"
}

step_delete() {
	say "The internal host deletes the mapping: 'portctl delete' sends the same request with lifetime 0 and the nonce from the state file; a server only lets the holder of the nonce delete a mapping."
	show_in internal "$NS_INT" "$PORTCTL" delete -s 192.0.2.1 -t 5 --state "$DEMO_TMP/state" tcp "$WEB_PORT"
	expect_ok "portctl delete should be accepted"
	say "The external host tries the same address and port again:"
	fetch_from_outside "$EXT_PORT"
	expect_fail "after the delete the external host must not reach the page"
	say "=> After the delete, the external host cannot fetch the page any more. The router's list is empty:"
	show_in router "$NS_RTR" "$PORTCTL" admin list --socket "$DEMO_TMP/run/portctld.sock"
	expect_ok "portctl admin list should answer"
}

step_teardown() {
	say "Stopping portctld (SIGTERM). This demo runs it without a journal (journal no), so a clean stop removes its table from nftables; with the journal, the default, a stop keeps every mapping for the next start. The router's own NAT table stays."
	stop_daemon
	show_in router "$NS_RTR" nft list tables
	grep -q "inet portctl" "$DEMO_OUT" && demo_fail "portctld's table is still there after it stopped."
	demo_cleanup
	say "The web server and the three namespaces are gone too."
	say "What you saw: a host behind a NAT asked the router, with PCP (RFC 6887), to open TCP port $WEB_PORT; portctld granted $EXT_ADDR port $EXT_PORT and installed it in nftables; an outside host could fetch the page only while the mapping existed; the administrator listed it; the nonce from the state file let the client delete it again."
}

LIVE_STEPS=(step_live_tools step_netns step_portctld_nft step_web_server
	step_fetch_before step_map step_fetch_through step_admin step_delete
	step_teardown)

# ---- Act 2 without root: portctld on loopback, the none backend -------------

# A loopback address of this run's own (127.53.x.y from the PID), so that
# parallel runs never share one.
LOOP_ADDR="127.53.$((($$ >> 8) & 255)).$((($$ & 255) | 1))"

# answers_or_gone: portctld answers an ANNOUNCE, or it exited.
answers_or_gone() {
	"$PORTCTL" announce -s "$LOOP_ADDR" -t 0.2 || exited "$DAEMON_PID"
}

step_loopback() {
	local conf=$DEMO_TMP/portctld.conf log=$DEMO_TMP/portctld.log
	local sock=$DEMO_TMP/run/portctld.sock
	local srv=(-s "$LOOP_ADDR" -t 5 --state "$DEMO_TMP/state")
	say "Act 2, without root. Creating network namespaces and changing nftables rules need root (CAP_SYS_ADMIN and CAP_NET_ADMIN), so this run skips the namespaces, the nftables NAT, the web server and the fetches from outside. Run 'sudo make demo' to see them. What it shows instead: portctld on the loopback address $LOOP_ADDR with the none backend, which keeps mappings in the daemon only, and the client against it. The configuration:"
	cat >"$conf" <<CONF
listen $LOOP_ADDR
external-ip 203.0.113.1
backend none
control $sock
state-dir $DEMO_TMP/portctld-state
journal no
# Loopback is shared with everything else on this machine: no ANNOUNCEs
# to 224.0.0.1, which other PCP clients here would hear.
multicast-announce no
CONF
	show cat "$conf"
	spawn_shown - - "$log" "$PORTCTLD" -f -c "$conf"
	DAEMON_PID=$DEMO_LAST_PID
	if ! wait_until 50 answers_or_gone || exited "$DAEMON_PID"; then
		cat "$log"
		demo_fail "portctld did not answer on $LOOP_ADDR within 5 s; its log is above."
	fi
	cat "$log"
	say "'portctl map' asks it for TCP port $WEB_PORT and prints what was granted; the nonce goes to a state file."
	show "$PORTCTL" map "${srv[@]}" -l 600 tcp "$WEB_PORT"
	expect_ok "portctl map should be granted"
	grep -q "203.0.113.1" "$DEMO_OUT" || demo_fail "the grant does not name the external address 203.0.113.1."
	say "=> Granted. The administrator's view over the control socket:"
	show "$PORTCTL" admin list --socket "$sock"
	expect_ok "portctl admin list should answer"
	grep -q "$WEB_PORT" "$DEMO_OUT" || demo_fail "admin list does not show the mapping of port $WEB_PORT."
	show "$PORTCTL" admin stats --socket "$sock"
	expect_ok "portctl admin stats should answer"
	say "'portctl delete' removes it with the nonce from the state file; the list is empty again."
	show "$PORTCTL" delete "${srv[@]}" tcp "$WEB_PORT"
	expect_ok "portctl delete should be accepted"
	show "$PORTCTL" admin list --socket "$sock"
	expect_ok "portctl admin list should answer"
	grep -q "$WEB_PORT" "$DEMO_OUT" && demo_fail "the mapping is still listed after the delete."
	stop_daemon
	say "=> Shown without root: map, list, stats and delete against a real portctld. Skipped (needs root): the network namespaces, the nftables backend, the web page and the fetches through the NAT."
}

# ---- Running the acts -----------------------------------------------------

DECODE_STEPS=(step_t1_map step_t2_t3_options step_t5_natpmp_fallback
	step_malformed)

main() {
	DEMO_TMP=$(mktemp -d /tmp/portctl-demo.XXXXXX)
	# portctld started as root runs as an unprivileged user: it must reach
	# its state directory and the run/ directory it creates for its socket.
	chmod 0711 "$DEMO_TMP"
	trap demo_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	local s
	if [ $# -gt 0 ]; then
		for s in "$@"; do "$s"; done
		return
	fi
	if [ "${DEMO_SKIP_BUILD:-0}" = 1 ]; then
		say "Using the programs already built in $BUILD (DEMO_SKIP_BUILD=1: no build)."
	else
		step_dependencies
		step_build
	fi
	step_programs
	say "Act 1: what PCP and NAT-PMP look like on the wire, decoded by 'portctl decode'."
	for s in "${DECODE_STEPS[@]}"; do "$s"; done
	if [ "$(id -u)" -eq 0 ]; then
		for s in "${LIVE_STEPS[@]}"; do "$s"; done
	else
		step_loopback
	fi
	say "The demo is over. 'make check' runs every test; portctl(1), portctld(8) and portctl-decode(1) have the details."
}

main "$@"
