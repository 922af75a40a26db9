#!/bin/sh
# nsupdate-hook.sh - a `portctl keep --hook` example: publish the external
# endpoint of a mapping as a DNS SRV record (RFC 2782) with a dynamic DNS
# update (RFC 2136, nsupdate(1) from bind9-dnsutils), and withdraw it when
# the mapping is deleted or lost.
#
#   portctl keep --hook /usr/share/doc/portctl/examples/nsupdate-hook.sh tcp 443
#
# Configuration (environment, with defaults):
#   SRV_NAME    _https._tcp.home.example.  the SRV owner name
#   TARGET      gw.home.example.           the host name the SRV points to;
#                                           its A record is set to the
#                                           external address too
#   DNS_SERVER  (empty: the zone's primary) the server to update
#   TSIG_KEY    (empty: no key)             nsupdate -k key file
#   TTL         (lifetime/2, at most 3600)
#
# portctl sets PORTCTL_EVENT, PORTCTL_PROTOCOL, PORTCTL_INTERNAL_PORT,
# PORTCTL_EXTERNAL_ADDR, PORTCTL_EXTERNAL_PORT and PORTCTL_LIFETIME.
# Set NSUPDATE=cat to see the update instead of sending it.
set -eu

SRV_NAME=${SRV_NAME:-_https._tcp.home.example.}
TARGET=${TARGET:-gw.home.example.}
NSUPDATE=${NSUPDATE:-nsupdate}

ttl=$(( ${PORTCTL_LIFETIME:-0} / 2 ))
[ "$ttl" -gt 3600 ] && ttl=3600
[ "$ttl" -lt 60 ] && ttl=60
TTL=${TTL:-$ttl}

# An IPv6 external address goes into an AAAA record, IPv4 into an A.
case ${PORTCTL_EXTERNAL_ADDR:-} in
*:*) rrtype=AAAA ;;
*) rrtype=A ;;
esac

{
	[ -n "${DNS_SERVER:-}" ] && echo "server $DNS_SERVER"
	case $PORTCTL_EVENT in
	granted | changed)
		# Replace whatever was published before: the port may change.
		echo "update delete $SRV_NAME SRV"
		echo "update delete $TARGET $rrtype"
		echo "update add $TARGET $TTL $rrtype $PORTCTL_EXTERNAL_ADDR"
		# priority 0, weight 0, then port and target
		echo "update add $SRV_NAME $TTL SRV 0 0 $PORTCTL_EXTERNAL_PORT $TARGET"
		;;
	deleted | lost)
		echo "update delete $SRV_NAME SRV"
		;;
	*)
		exit 0 # errors and timeouts: leave DNS as it is
		;;
	esac
	echo send
} | if [ -n "${TSIG_KEY:-}" ]; then
	$NSUPDATE -k "$TSIG_KEY"
else
	$NSUPDATE
fi
