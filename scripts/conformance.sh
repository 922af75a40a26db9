#!/usr/bin/env bash
# Keeps docs/conformance.md true to the checklist and to the tests.
#
#   scripts/conformance.sh --check [CHECKLIST]   (run by CTest: docs/conformance)
#       fails when a checklist ID has no row, a row names an ID the checklist
#       does not have (U- rows, UPnP IGD, are not in the checklist), a row cites a test that does not exist, or a row marked
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
CHECKLIST_DEFAULT=docs/checklist.md

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
	awk -F'|' '/^\| *[KWRSCNXTAEU]-[0-9]+(\.[0-9]+)? *\|/ {
		id=$2; st=$3; t=$4
		gsub(/^ +| +$/, "", id); gsub(/^ +| +$/, "", st)
		print id "\t" st "\t" t }' "$DOC"
}

check() {
	local checklist=${1:-$CHECKLIST_DEFAULT}
	[ -f "$checklist" ] || { echo "conformance: no checklist at $checklist"; exit 1; }
	[ -f "$DOC" ] || { echo "conformance: $DOC is missing"; exit 1; }
	local known rows tests
	known=$(mktemp) rows=$(mktemp) tests=$(mktemp)
	trap 'rm -f "$known" "$rows" "$tests"' RETURN
	checklist_ids "$checklist" >"$known"
	doc_rows >"$rows"
	all_tests >"$tests"
	# One pass over the three lists: a fork per row took over a minute on
	# a loaded machine, longer than CTest allows.
	awk -F'\t' -v doc="$DOC" '
	FILENAME == ARGV[1] { known[$1] = 1; next }
	FILENAME == ARGV[2] { test[$1] = 1; next }
	{
		id = $1; st = $2; cell = $3; n++; seen[id] = 1
		# U- rows: UPnP IGD (issue 11), not in the RFC checklist.
		if (!(id in known) && id !~ /^U-/)
			bad("row " id " is not a checklist ID")
		if (st !~ /^(implemented|partial|not yet|out of scope|n\/a)$/)
			bad(id ": unknown status \047" st "\047")
		cited = 0
		while (match(cell, /(test|e2e)_[A-Za-z0-9_]+/)) {
			t = substr(cell, RSTART, RLENGTH)
			cell = substr(cell, RSTART + RLENGTH)
			cited++
			if (!(t in test)) bad(id " cites " t ", which no test defines")
		}
		if (!cited && (st == "implemented" || st == "partial"))
			bad(id " is \047" st "\047 but cites no test")
	}
	function bad(msg) { print "conformance: " msg; errors++ }
	END {
		for (id in known)
			if (!(id in seen)) bad(id " has no row in " doc)
		if (errors) { print "conformance: " errors " problem(s) in " doc; exit 1 }
		print "conformance: " n " rows, every checklist ID present, every cited test exists"
	}' "$known" "$tests" "$rows"
}

case "${1:-}" in
--check) check "${2:-}" ;;
--tests) tests_for "$2" ;;
*)
	echo "usage: $0 --check [CHECKLIST] | --tests ID" >&2
	exit 2
	;;
esac
