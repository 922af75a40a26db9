#!/usr/bin/env bash
# Keeps docs/conformance.md true to the checklist and to the tests.
#
#   scripts/conformance.sh --check [CHECKLIST]   (run by CTest: docs/conformance)
#       fails when a checklist ID has no row, a row names an ID the checklist
#       does not have, a row cites a test that does not exist, or a row marked
#       "implemented" or "partial" cites no test.
#   scripts/conformance.sh --tests ID            the tests named for an ID
#
# Tests are named for the IDs they cover: S-33 -> test_s33_..., W-1.2 ->
# test_w1_2_...; a test is any test_* identifier in tests/ or fuzz/ (cmocka
# functions, shell test functions, CTest names) or a test_* or e2e_* file
# there.
set -euo pipefail
cd "$(dirname "$0")/.."
DOC=docs/conformance.md
CHECKLIST_DEFAULT=../shared/spec/CHECKLIST.md

checklist_ids() {
	# IDs are defined where a table row, a list item or a heading starts
	# with one; T- vectors start a paragraph.
	grep -oE '^(\| |- |### |)(K|W|R|S|C|N|X|T|A|E)-[0-9]+(\.[0-9]+)?' "$1" |
		sed -E 's/^(\| |- |### )//' | sort -u
}

all_tests() {
	{
		grep -rhoE '\btest_[A-Za-z0-9_]+' tests fuzz 2>/dev/null
		find tests fuzz \( -name 'test_*' -o -name 'e2e_*' \) -printf '%f\n' | sed 's/\..*//'
	} | sort -u
}

tests_for() { # ID
	local tok
	tok=$(tr 'A-Z' 'a-z' <<<"$1" | tr -d '-' | tr '.' '_')
	all_tests | grep -E "_${tok}(_|$)" || true
}

doc_rows() { # prints "ID<TAB>status<TAB>tests-cell"
	awk -F'|' '/^\| *[KWRSCNXTAE]-[0-9]+(\.[0-9]+)? *\|/ {
		id=$2; st=$3; t=$4
		gsub(/^ +| +$/, "", id); gsub(/^ +| +$/, "", st)
		print id "\t" st "\t" t }' "$DOC"
}

check() {
	local checklist=${1:-$CHECKLIST_DEFAULT} errors=0 id st cell t
	[ -f "$checklist" ] || { echo "conformance: no checklist at $checklist"; exit 1; }
	[ -f "$DOC" ] || { echo "conformance: $DOC is missing"; exit 1; }
	local known rows tests
	known=$(mktemp) rows=$(mktemp) tests=$(mktemp)
	trap 'rm -f "$known" "$rows" "$tests"' RETURN
	checklist_ids "$checklist" >"$known"
	doc_rows >"$rows"
	all_tests >"$tests"
	while read -r id; do
		grep -q "^${id}"$'\t' "$rows" || { echo "conformance: $id has no row in $DOC"; errors=$((errors + 1)); }
	done <"$known"
	while IFS=$'\t' read -r id st cell; do
		grep -qx "$id" "$known" || { echo "conformance: $DOC row $id is not a checklist ID"; errors=$((errors + 1)); }
		case "$st" in
		implemented | partial | "not yet" | "out of scope" | "n/a") ;;
		*) echo "conformance: $id: unknown status '$st'"; errors=$((errors + 1)) ;;
		esac
		local cited=0
		for t in $(grep -oE '\b(test|e2e)_[A-Za-z0-9_]+' <<<"$cell" || true); do
			cited=$((cited + 1))
			grep -qx "$t" "$tests" || { echo "conformance: $id cites $t, which no test defines"; errors=$((errors + 1)); }
		done
		if [ "$cited" -eq 0 ] && { [ "$st" = implemented ] || [ "$st" = partial ]; }; then
			echo "conformance: $id is '$st' but cites no test"
			errors=$((errors + 1))
		fi
	done <"$rows"
	if [ "$errors" -gt 0 ]; then
		echo "conformance: $errors problem(s) in $DOC"
		return 1
	fi
	echo "conformance: $(wc -l <"$rows") rows, every checklist ID present, every cited test exists"
}

case "${1:-}" in
--check) check "${2:-}" ;;
--tests) tests_for "$2" ;;
*)
	echo "usage: $0 --check [CHECKLIST] | --tests ID" >&2
	exit 2
	;;
esac
