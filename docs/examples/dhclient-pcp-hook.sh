# shellcheck shell=sh
# shellcheck disable=SC2154 # reason, interface, new_*, old_*: dhclient's
# dhclient-pcp-hook.sh - an ISC dhclient exit hook: keep PCP mappings
# through the PCP servers the DHCP server names (RFC 7291, options 158 and
# 86), with `portctl keep --dhcp4` / `--dhcp6`.  See dhclient-pcp.md.
#
#   install -m 644 dhclient-pcp-hook.sh \
#       /etc/dhcp/dhclient-exit-hooks.d/portctl-pcp
#
# dhclient-script sources this file (it is not run): it defines only
# portctl_pcp_* names and never exits.  Per interface and family it runs
# one `portctl keep` in the background, restarts it when the option
# changes, and stops it (SIGTERM: portctl deletes its mappings) when the
# lease ends.
#
# Configuration, in /etc/default/portctl-pcp (a shell fragment):
#   PORTCTL_PCP_MAPPINGS  "PROTO PORT ..." to keep, e.g. "tcp 22 udp 51820";
#                         empty: do nothing
#   PORTCTL_PCP_OPTIONS   more portctl keep options, e.g. "--hook CMD"
#   PORTCTL_PCP_RUNDIR    pid and log files (default /run/portctl)
#   PORTCTL               the portctl program (default portctl)
# PORTCTL_PCP_CONF names another file (tests use it).

PORTCTL_PCP_MAPPINGS=
PORTCTL_PCP_OPTIONS=
if [ -r "${PORTCTL_PCP_CONF:-/etc/default/portctl-pcp}" ]; then
	# shellcheck source=/dev/null
	. "${PORTCTL_PCP_CONF:-/etc/default/portctl-pcp}"
fi

# portctl_pcp_file 4|6 SUFFIX: this interface's pid or log file.
portctl_pcp_file() {
	echo "${PORTCTL_PCP_RUNDIR:-/run/portctl}/dhcp$1-$interface.$2"
}

# portctl_pcp_pid 4|6: the pid of our running portctl, or nothing.  A pid
# whose process is not portctl (reused) does not count.
portctl_pcp_pid() {
	portctl_pcp_p=$(cat "$(portctl_pcp_file "$1" pid)" 2>/dev/null)
	[ -n "$portctl_pcp_p" ] || return 0
	if [ "$(cat "/proc/$portctl_pcp_p/comm" 2>/dev/null)" = portctl ]; then
		echo "$portctl_pcp_p"
	fi
}

portctl_pcp_stop() {
	portctl_pcp_p=$(portctl_pcp_pid "$1")
	if [ -n "$portctl_pcp_p" ]; then
		kill "$portctl_pcp_p"
	fi
	rm -f "$(portctl_pcp_file "$1" pid)"
}

# portctl_pcp_update 4|6 NEW OLD: (re)start for the option value NEW
# unless the same value already runs; stop when there is none.
portctl_pcp_update() {
	if [ -z "$2" ] || [ -z "$PORTCTL_PCP_MAPPINGS" ]; then
		portctl_pcp_stop "$1"
		return 0
	fi
	if [ "$2" = "$3" ] && [ -n "$(portctl_pcp_pid "$1")" ]; then
		return 0
	fi
	portctl_pcp_stop "$1"
	portctl_pcp_arg=$2
	# RFC 7291 section 7: the server belongs to this interface.
	[ "$1" = 6 ] && portctl_pcp_arg="$2%$interface"
	mkdir -p "${PORTCTL_PCP_RUNDIR:-/run/portctl}"
	# shellcheck disable=SC2086 # options and mappings are lists of words
	"${PORTCTL:-portctl}" keep "--dhcp$1" "$portctl_pcp_arg" \
		$PORTCTL_PCP_OPTIONS $PORTCTL_PCP_MAPPINGS \
		</dev/null >>"$(portctl_pcp_file "$1" log)" 2>&1 &
	echo $! >"$(portctl_pcp_file "$1" pid)"
}

# dhclient passes a string-typed option as colon-separated hex octets; the
# names come from the option declarations in dhclient.conf.
case "$reason" in
BOUND | RENEW | REBIND | REBOOT)
	portctl_pcp_update 4 "${new_pcp_server:-}" "${old_pcp_server:-}"
	;;
EXPIRE | FAIL | RELEASE | STOP)
	portctl_pcp_stop 4
	;;
BOUND6 | RENEW6 | REBIND6)
	portctl_pcp_update 6 "${new_dhcp6_pcp_server:-}" \
		"${old_dhcp6_pcp_server:-}"
	;;
EXPIRE6 | RELEASE6 | STOP6)
	portctl_pcp_stop 6
	;;
esac
