#!/usr/bin/env bash
# portctl --dhcp4 / --dhcp6 refusals (C-2, K-27): a payload whose
# addresses are all loopback or multicast (RFC 7291: silently discarded)
# leaves no server and is refused with a clear message; malformed options,
# bad hex, unknown interfaces and too many addresses are usage errors
# (exit 2) naming the argument.  Every case fails while the options are
# parsed, before any socket exists: nothing is sent anywhere.  The accepted
# cases run against a real portctld in test_cli_dhcp_netns.sh.
set -u
PORTCTL=$1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# refused OPTION ARG WANT: exit 2 and "bad OPTION 'ARG': WANT" on stderr.
refused() {
	local err rc
	err=$("$PORTCTL" map --no-state -t 1 "$1" "$2" udp 5000 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 2 ] || fail "$1 '$2': exit $rc, not 2 ($err)"
	grep -qF "portctl map: bad $1 '$2': $3" <<<"$err" ||
		fail "$1 '$2': message '$err' lacks '$3'"
}

nousable="no usable PCP server address in the DHCP option"
# C-2: 127.0.0.1 and 224.0.0.1 in one List-Length block; dhclient's form.
refused --dhcp4 08:7f:0:0:1:e0:0:0:1 "$nousable"
# Two blocks, 127.1.2.3 and 239.255.255.250; plain hex.
refused --dhcp4 047f01020304effffffa "$nousable"
# ff02::1, ::1 and ::ffff:127.0.0.1 in one DHCPv6 instance.
v6="ff020000000000000000000000000001"
v6="${v6}00000000000000000000000000000001"
v6="${v6}00000000000000000000ffff7f000001"
refused --dhcp6 "$v6" "$nousable"
refused --dhcp6 "$v6%lo" "$nousable"

# K-27: List-Length 0, List-Length not a multiple of 4, List-Length past
# the end, an empty option; DHCPv6 lengths not a multiple of 16.
refused --dhcp4 00c0000201 "malformed OPTION_V4_PCP_SERVER"
refused --dhcp4 03c0000201 "malformed OPTION_V4_PCP_SERVER"
refused --dhcp4 8:c0:0:2:1 "malformed OPTION_V4_PCP_SERVER"
refused --dhcp4 "" "not hex octets"
refused --dhcp6 20010db8 "malformed OPTION_V6_PCP_SERVER"
refused --dhcp6 "20010db8000000000000000000000001ff" "malformed OPTION_V6_PCP_SERVER"

# Not octets: letters, a three-digit octet, an empty field, a prefix.
refused --dhcp4 zz "not hex octets"
refused --dhcp4 4:c0:0:2:100 "not hex octets"
refused --dhcp4 4:c0::2:1 "not hex octets"
refused --dhcp4 0x04c0000201 "not hex octets"

# RFC 7291 section 7: the interface the option came in on must exist.
refused --dhcp6 "20010db8000000000000000000000001%pctl-none$$" "no such interface"

# Nine distinct addresses do not fit portctl's eight servers.
nine=24
for i in 1 2 3 4 5 6 7 8 9; do nine="$nine:c0:0:2:$i"; done
refused --dhcp4 "$nine" "too many servers"

# The options are documented in --help.
help=$("$PORTCTL" map --help)
grep -q -- "--dhcp4 HEX" <<<"$help" || fail "--help lacks --dhcp4"
grep -q -- "--dhcp6 HEX\[%IFNAME\]" <<<"$help" || fail "--help lacks --dhcp6"

if [ $failures -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "dhcp options: all checks passed"
