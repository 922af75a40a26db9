#!/bin/sh
# man-example.sh MANPAGE CC INCLUDEDIR LIBRARY [FLAG...]: the program in
# MANPAGE's EXAMPLE section compiles warning-free (C11, -Wall -Wextra
# -Werror) against INCLUDEDIR and links against the shared LIBRARY, so it
# uses only what the library exports.  It is not run here (it would talk
# to the network's gateway); with MAN_EXAMPLE_OUT set the program is kept
# there for a test that runs it against a server of its own
# (tests/integration/client/run_man_example.sh).  FLAGs go to both steps
# (the sanitizer build's).
set -eu

if [ $# -lt 4 ]; then
	echo "usage: $0 MANPAGE CC INCLUDEDIR LIBRARY [FLAG...]" >&2
	exit 2
fi
man=$1 cc=$2 inc=$3 lib=$4
shift 4

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The lines between ".SH EXAMPLE" + ".nf" and the next ".fi", with the roff
# escapes the page uses turned back into C (\e is a backslash, \- a minus).
awk '/^\.SH EXAMPLE/ { in_ex = 1; next }
     in_ex && /^\.nf/ { body = 1; next }
     body && /^\.fi/ { exit }
     body { print }' "$man" |
    sed -e 's/\\e/\\/g' -e 's/\\-/-/g' >"$tmp/example.c"
if [ ! -s "$tmp/example.c" ]; then
	echo "man-example: $man has no EXAMPLE program" >&2
	exit 1
fi
# shellcheck disable=SC2086 # FLAGs are words
"$cc" -std=c11 -Wall -Wextra -Werror "$@" -I"$inc" -c "$tmp/example.c" \
    -o "$tmp/example.o" || { cat -n "$tmp/example.c" >&2; exit 1; }
"$cc" "$@" "$tmp/example.o" -o "$tmp/example" "$lib" ||
    { echo "man-example: linking against $lib failed" >&2; exit 1; }
if [ -n "${MAN_EXAMPLE_OUT:-}" ]; then
	cp "$tmp/example" "$MAN_EXAMPLE_OUT"
fi
echo "man-example: the EXAMPLE of $man compiles and links"
