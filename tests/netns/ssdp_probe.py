#!/usr/bin/python3
"""SSDP probe of the netns tests (issue 11): sends one M-SEARCH and prints
every datagram that comes back within WAIT seconds, each followed by a line
"--".  A bare socket, no UPnP library: the tests check the raw headers.

  ssdp_probe.py DEST IFNAME ST WAIT [MX]

DEST is an address (multicast or unicast, IPv4 or IPv6) and port 1900 is
used; IFNAME is the interface multicast leaves by (and the scope of an
IPv6 link-local group); MX "-" sends no MX header (a unicast search)."""
import socket
import sys
import time


def main():
    dest, ifname, st, wait = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    mx = sys.argv[5] if len(sys.argv) > 5 else "1"
    v6 = ":" in dest
    host = "[%s]:1900" % dest.upper() if v6 else "%s:1900" % dest
    msg = "M-SEARCH * HTTP/1.1\r\nHOST: %s\r\nMAN: \"ssdp:discover\"\r\n" % host
    if mx != "-":
        msg += "MX: %s\r\n" % mx
    msg += "ST: %s\r\n\r\n" % st
    idx = socket.if_nametoindex(ifname)
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 2)
        s.sendto(msg.encode(), (dest, 1900, 0, idx))
    else:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
        s.sendto(msg.encode(), (dest, 1900))
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            break
        sys.stdout.write(data.decode("latin-1") + "--\n")
        sys.stdout.flush()


main()
