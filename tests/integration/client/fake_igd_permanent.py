#!/usr/bin/python3
"""A UPnP IGD:1 that grants only permanent leases (issue 13, U-5.8).

No router here answers 725 OnlyPermanentLeasesSupported (neither Debian's
miniupnpd nor portctld), so this one does, to show what libportctl does
then: ask again with lease 0, and delete the mapping itself when told to.

  fake_igd_permanent.py ADDR HTTP_PORT LOG SECONDS

Answers a unicast M-SEARCH on ADDR:1900 with LOCATION http://ADDR:HTTP_PORT/
desc.xml; serves the description (WANIPConnection:1) and SOAP:
GetExternalIPAddress (198.51.100.7), AddPortMapping (Fault 725 unless
NewLeaseDuration is 0), DeletePortMapping.  Each action is appended to LOG
as "ACTION key=value ...".  Exits after SECONDS (bounded).
"""
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

ADDR, HPORT, LOG, SECS = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
SVC = "urn:schemas-upnp-org:service:WANIPConnection:1"
DESC = f"""<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
<friendlyName>permanent leases only</friendlyName><UDN>uuid:00000000-0000-0000-0000-000000000725</UDN>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<UDN>uuid:00000000-0000-0000-0000-000000000726</UDN>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<UDN>uuid:00000000-0000-0000-0000-000000000727</UDN>
<serviceList><service><serviceType>{SVC}</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
<controlURL>/ctl</controlURL><eventSubURL>/evt</eventSubURL><SCPDURL>/scpd.xml</SCPDURL>
</service></serviceList></device></deviceList></device></deviceList></device></root>
"""


def envelope(body):
    return ('<?xml version="1.0"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>'
            + body + '</s:Body></s:Envelope>\n')


def fault(code, desc):
    return envelope('<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring>'
                    '<detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0">'
                    f'<errorCode>{code}</errorCode><errorDescription>{desc}</errorDescription>'
                    '</UPnPError></detail></s:Fault>')


def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", 'text/xml; charset="utf-8"')
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/desc.xml":
            self.reply(200, DESC)
        else:
            self.reply(404, "")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        action = self.headers.get("SOAPAction", "").strip('"').split("#")[-1]
        args = dict(re.findall(r"<(New\w+)>([^<]*)</\1>", body))
        log(action + "".join(f" {k}={v}" for k, v in sorted(args.items())))
        if action == "GetExternalIPAddress":
            out = "<NewExternalIPAddress>198.51.100.7</NewExternalIPAddress>"
        elif action == "AddPortMapping" and args.get("NewLeaseDuration") != "0":
            self.reply(500, fault(725, "OnlyPermanentLeasesSupported"))
            return
        elif action in ("AddPortMapping", "DeletePortMapping"):
            out = ""
        else:
            self.reply(500, fault(401, "Invalid Action"))
            return
        self.reply(200, envelope(f'<u:{action}Response xmlns:u="{SVC}">{out}</u:{action}Response>'))


def ssdp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ADDR, 1900))
    while True:
        data, peer = s.recvfrom(2048)
        if not data.startswith(b"M-SEARCH"):
            continue
        st = re.search(rb"\r\nST: *([^\r]*)", data, re.I)
        st = st.group(1).decode() if st else ""
        if not st.endswith("InternetGatewayDevice:1"):
            continue
        s.sendto((f"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: {st}\r\n"
                  f"USN: uuid:00000000-0000-0000-0000-000000000725::{st}\r\nEXT:\r\n"
                  f"LOCATION: http://{ADDR}:{HPORT}/desc.xml\r\n\r\n").encode(), peer)


server = HTTPServer((ADDR, HPORT), Handler)
threading.Thread(target=ssdp, daemon=True).start()
threading.Thread(target=server.serve_forever, daemon=True).start()
threading.Event().wait(SECS)
