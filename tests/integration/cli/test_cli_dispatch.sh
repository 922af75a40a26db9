#!/usr/bin/env bash
# portctl's dispatcher: every command listed by --help runs its own --help
# (exit 0), hyphenated names work (external-ip), unknown commands and a
# missing command are usage errors (exit 2, documented in portctl(1)).
set -u
PORTCTL=$1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

help=$("$PORTCTL" --help) || fail "portctl --help exited $?"
commands=$(awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}' <<<"$help")
[ -n "$commands" ] || fail "--help lists no command"
for want in admin decode map peer delete announce external-ip probe keep; do
	grep -qx "$want" <<<"$commands" || fail "--help does not list '$want'"
done
for c in $commands; do
	out=$("$PORTCTL" "$c" --help 2>&1)
	rc=$?
	[ $rc -eq 0 ] || fail "portctl $c --help exited $rc"
	grep -q "usage: portctl $c" <<<"$out" || fail "portctl $c --help has no 'usage: portctl $c' line"
done

"$PORTCTL" external_ip --help >/dev/null 2>&1
[ $? -eq 2 ] || fail "the undocumented spelling external_ip is not a usage error"

"$PORTCTL" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no command: exit status is not 2"
err=$("$PORTCTL" frobnicate 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "unknown command: exit status is not 2"
grep -q "unknown command 'frobnicate'" <<<"$err" || fail "unknown command: message does not name it"
"$PORTCTL" --version | grep -qE '^portctl [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"

if [ $failures -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "dispatch: all checks passed"
