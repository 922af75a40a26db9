#!/bin/sh
# file-cycles.sh OBJECT...: fails when the given object files call each
# other in a cycle.
#
# The graph has one node per object file (one per C file) and an edge A -> B
# when A references a symbol B defines (nm: A's undefined symbols against
# B's defined text, data and bss symbols).  Symbols defined elsewhere (libc,
# other libraries, other directories' objects) make no edge, so the check is
# about the files given: pass one directory's objects, for example
# $<FILTER:$<TARGET_OBJECTS:portctl_objects>,INCLUDE,/client/> in CMake.
# Static functions never appear, which is right: a call inside a file is no
# edge between files.  tsort(1) finds the cycle.
#
# Prints the edges (-v) or, on a cycle, the files in it; exits 0 when the
# graph has no cycle, 1 when it has one, 2 on a usage error.
set -eu

verbose=0
if [ "${1:-}" = -v ]; then
	verbose=1
	shift
fi
if [ $# -eq 0 ]; then
	echo "usage: $0 [-v] OBJECT..." >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# defs: "symbol file" for every global definition.
for o in "$@"; do
	[ -f "$o" ] || { echo "$0: $o: no such object file" >&2; exit 2; }
	name=$(basename "$o" .o)
	nm --defined-only "$o" |
	    awk -v f="$name" '$2 ~ /^[TDBRGS]$/ { print $3, f }'
done | sort >"$tmp/defs"

# uses: "symbol file" for every undefined reference.
for o in "$@"; do
	name=$(basename "$o" .o)
	nm --undefined-only "$o" | awk -v f="$name" '{ print $NF, f }'
done | sort >"$tmp/uses"

# edges: "user definer", one per pair of distinct files.
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3 }' |
    sort -u >"$tmp/edges"

if [ "$verbose" = 1 ]; then
	sed 's/ / -> /' "$tmp/edges"
fi
# Every file is a node even without edges, so that tsort sees them all.
for o in "$@"; do
	n=$(basename "$o" .o)
	echo "$n $n"
done >>"$tmp/edges"
if ! tsort "$tmp/edges" >/dev/null 2>"$tmp/err"; then
	echo "file-cycles: the files call each other in a cycle:" >&2
	sed -e "s|^tsort: ||" -e "s|^$tmp/edges: ||" "$tmp/err" >&2
	exit 1
fi
exit 0
