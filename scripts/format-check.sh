#!/usr/bin/env bash
# Fails when a tracked C file differs from what .clang-format makes of it
# (run by CTest as style/clang-format; `make format` fixes it).
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format-check: clang-format is not installed"; exit 1; }
bad=0
while IFS= read -r f; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "format-check: $f is not formatted (make format)"
		bad=$((bad + 1))
	fi
done < <(git ls-files '*.c' '*.h')
[ "$bad" -eq 0 ] && echo "format-check: every C file is formatted"
[ "$bad" -eq 0 ]
