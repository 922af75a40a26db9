#!/usr/bin/env bash
# Benchmark of the nftables backend (not a test: prints figures only).
# Installs 1k, 10k and 100k NAT44 mappings (3 kernel elements each: DNAT,
# SNAT, pinhole) in a namespace of its own through the backend, in commits
# of BATCH mappings, and reports mappings installed per second; then the
# cost of one mapping per commit (the engine's case: one request, one
# commit) on top of 100k installed.  Then the cost of a PORT_SET mapping's
# create and of its renewals (lifetime only) by set size.
# Usage: bench_nft.sh /path/to/nft_driver [BATCH]
set -u
DRIVER="${1:?usage: $0 NFT_DRIVER [BATCH]}"
BATCH="${2:-1000}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
NS="pctl-bench-$$"
trap 'ip netns del "$NS" 2>/dev/null' EXIT
ip netns add "$NS" || exit 1

for n in 1000 10000 100000; do
	ip netns exec "$NS" "$DRIVER" -t bench destroy >/dev/null 2>&1
	printf '%6d: ' "$n"
	ip netns exec "$NS" "$DRIVER" -t bench bench "$n" "$BATCH" || exit 1
done
elems=$(ip netns exec "$NS" nft list map inet bench dnat4 | grep -o expires | wc -l)
echo "kernel holds $elems DNAT elements (plus as many SNAT and pinhole)"
printf ' 1000 single-mapping commits on top: '
ip netns exec "$NS" "$DRIVER" -t bench bench 1000 1 100000 || exit 1
ip netns exec "$NS" "$DRIVER" -t bench destroy
for size in 1 64 1024 32767; do
	ip netns exec "$NS" "$DRIVER" -t bench bench-set "$size" 20 || exit 1
done
ip netns exec "$NS" "$DRIVER" -t bench destroy
