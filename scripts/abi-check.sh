#!/bin/sh
# abi-check.sh LIBRARY SONAME MAP HEADER...: the shared library exports
# exactly what the public headers declare, as the version script lists it.
#
# Three lists must be the same: the PCTL_API functions of the headers
# (what is documented), the symbols of the version script MAP (what is
# promised, each with its version node), and `nm -D --defined-only` of
# LIBRARY (what is exported, with the node it carries).  The library's
# SONAME must be SONAME.  Prints the differences and exits 1 on any; 0
# when all agree.
set -eu

if [ $# -lt 4 ]; then
	echo "usage: $0 LIBRARY SONAME MAP HEADER..." >&2
	exit 2
fi
lib=$1 soname=$2 map=$3
shift 3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# Declared: "PCTL_API <type> name(" in the headers, declarations joined onto
# one line first since a long one puts the name on the next line.
cat "$@" | tr '\n' ' ' | grep -o 'PCTL_API[^;(]*(' |
    sed 's/[[:space:]]*($//; s/.*[^A-Za-z0-9_]//' | grep '^pctl_' |
    sort >"$tmp/declared"

# Promised: "name;" lines inside a "NODE {" block, before "local:".
sed 's|/\*.*\*/||' "$map" | awk '
	/^[A-Za-z_][A-Za-z0-9_.]* *\{/ { node = $1; global = 1; next }
	/^[ \t]*local:/ { global = 0; next }
	/^[ \t]*global:/ { global = 1; next }
	global && /^[ \t]*[A-Za-z_][A-Za-z0-9_]*;/ {
		gsub(/[ \t;]/, ""); print $0 "@@" node
	}' | sort >"$tmp/promised"
sed 's/@@.*//' "$tmp/promised" >"$tmp/promised_names"

# Exported: defined dynamic symbols, with their default version; the
# version nodes themselves appear as absolute symbols and are left out.
nm -D --defined-only --with-symbol-versions "$lib" |
    awk '$2 != "A" { print $3 }' | sort >"$tmp/exported"

if ! diff -u "$tmp/declared" "$tmp/promised_names" >"$tmp/d1"; then
	echo "abi-check: headers (-) and version script (+) differ:"
	sed '1,2d' "$tmp/d1"
	fail=1
fi
if ! diff -u "$tmp/promised" "$tmp/exported" >"$tmp/d2"; then
	echo "abi-check: version script (-) and $lib's exports (+) differ:"
	sed '1,2d' "$tmp/d2"
	fail=1
fi
got=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
if [ "$got" != "$soname" ]; then
	echo "abi-check: SONAME is '$got', not '$soname'"
	fail=1
fi
[ "$fail" = 0 ] && echo "abi-check: $(wc -l <"$tmp/exported") symbols, SONAME $soname: headers, version script and library agree"
exit "$fail"
