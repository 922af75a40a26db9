#!/usr/bin/env bash
# Installs the Debian 12 packages portctl needs to build and test, when any is
# missing.  Idempotent: does nothing (and needs no network) when all are there.
set -euo pipefail

PACKAGES=(
  gcc clang make cmake pkg-config     # compilers (gcc and clang both build the tree) and build system
  clang-format git                    # the style check (style/clang-format test) over tracked files
  libclang-rt-14-dev                  # clang's ASan/UBSan/libFuzzer runtimes
  libcmocka-dev                       # unit-test framework (CTest runs the tests)
  libpcap-dev                         # `portctl decode --pcap`, pcap writing for tshark cross-checks
  tshark                              # Wireshark's PCP dissector, cross-checks the encoder
  natpmpc                             # a NAT-PMP client written by others, an interop peer
  miniupnpd-nftables                  # a PCP/NAT-PMP/UPnP IGD server written by others, interop and benchmark peer
  miniupnpc python3-miniupnpc         # UPnP IGD control points written by others (upnpc, the Python binding):
  python3-libtorrent                  #   peers of the UPnP tests (e2e_upnp_interop, e2e_upnp_ssdp, test_upnp_upnpc), with libtorrent's UPnP
  libminiupnpc-dev                    # bench/upnp/bench_upnp: AddPortMapping latency/rate through libminiupnpc
  libmnl-dev libnftnl-dev             # netlink and nftables messages for the nftables backend
  libnetfilter-conntrack-dev          # conntrack: PEER flows, deleting flows of removed mappings
  libcap-ng-dev                       # dropping capabilities in portctld
  libmicrohttpd-dev                   # UPnP IGD: the HTTP server (descriptions, SOAP control, SUBSCRIBE)
  libexpat1-dev                       # UPnP IGD: the SOAP/XML parser (no DTDs, no entities); libportctl: IGD descriptions, SOAP responses
  libcurl4-openssl-dev                # libportctl's UPnP IGD client: HTTP over curl's multi-socket interface
  nftables iproute2                   # namespaces, veth and NAT for end-to-end tests and the demo
  socat jq curl busybox               # traffic, JSON checks and a tiny web server in tests and demo
  qemu-system-x86 mmdebstrap          # tests/qemu: Debian 12's 6.1 kernel under TCG, root built by mmdebstrap
                                      # (also the fresh root of tests/package/test_deb_install.sh)
  build-essential dpkg-dev debhelper  # dpkg-buildpackage of debian/ (debhelper-compat 13, dh + cmake)
  lintian                             # tests/package: the Debian packages have no lintian error or warning
  systemd strace                      # systemd-analyze verify/syscall-filter; the daemon's syscalls against the unit's filter
)

missing=()
for p in "${PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  echo "deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
