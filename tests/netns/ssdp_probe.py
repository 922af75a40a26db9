#!/usr/bin/python3
"""Sends one SSDP M-SEARCH and prints the LOCATION of every answer.

Usage: ssdp_probe.py [-i IFACE] [-s SRC] [-w SECONDS] DEST

DEST is a multicast group (239.255.255.250, ff02::c, ff05::c) or a unicast
address; the request goes to DEST port 1900 with ST ssdp:all and MX 1.
IFACE picks the outgoing interface (IPv6 scope / IPv4 IP_MULTICAST_IF by
SRC); answers are collected for SECONDS (default 1.5), then the script
prints one line per answer ("LOCATION <url>" or "ANSWER <first line>" when
an answer has no LOCATION) and exits 0.  The end-to-end UPnP tests use it
for what upnpc cannot do: send from the WAN side and count the answers
(there must be none), and prove the same probe is answered on the LAN.
"""
import argparse
import select
import socket
import struct
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-i", "--iface")
    ap.add_argument("-s", "--src")
    ap.add_argument("-w", "--wait", type=float, default=1.5)
    ap.add_argument("dest")
    a = ap.parse_args()
    v6 = ":" in a.dest
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    host = "[%s]" % a.dest if v6 else a.dest
    msg = ("M-SEARCH * HTTP/1.1\r\nHOST: %s:1900\r\n"
           "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n" % host)
    if v6:
        scope = socket.if_nametoindex(a.iface) if a.iface else 0
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 2)
        if scope:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF,
                         struct.pack("@I", scope))
        if a.src:
            s.bind((a.src, 0, 0, scope))
        s.sendto(msg.encode(), (a.dest, 1900, 0, scope))
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
        if a.src:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                         socket.inet_aton(a.src))
            s.bind((a.src, 0))
        s.sendto(msg.encode(), (a.dest, 1900))
    end = time.monotonic() + a.wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            break
        data = s.recv(4096).decode("latin-1")
        loc = [line.split(":", 1)[1].strip() for line in data.split("\r\n")
               if line.lower().startswith("location:")]
        if loc:
            print("LOCATION", loc[0])
        else:
            print("ANSWER", data.split("\r\n", 1)[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
