#!/usr/bin/env bash
# Merges fuzz inputs into the committed seed corpora, fuzz/corpus/<target>/,
# with libFuzzer's -merge=1 (docs/fuzzing.md).
#
#   scripts/fuzz-corpus.sh [--build DIR] [--minimize] [FROM...]
#
# FROM: directories holding <target>/ subdirectories of candidate inputs:
# what `make check`'s fuzz stage found (build/fuzz-found, the default), or
# what fuzz/capture-seeds.sh captured.  For each fuzz target built in DIR
# (default build/asan, configured with -DPORTCTL_FUZZ=ON):
#   - by default, a candidate is added only when it reaches code the
#     committed corpus does not (libFuzzer's features): the corpus grows by
#     what is new and every committed seed stays;
#   - with --minimize, the committed seeds and the candidates are merged
#     into an empty directory: only inputs that add coverage remain, the
#     smallest first, and redundant committed seeds are removed.
# A seed keeps its name (a committed seed's, else a candidate's); one that
# libFuzzer found is named found-<sha1 prefix>.
# Review the result with `git status fuzz/corpus` and commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build/asan
MINIMIZE=0
FROM=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--minimize) MINIMIZE=1; shift ;;
	-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fuzz-corpus: unknown option $1" >&2; exit 2 ;;
	*) FROM+=("$1"); shift ;;
	esac
done
[ ${#FROM[@]} -gt 0 ] || FROM=(build/fuzz-found)

shopt -s nullglob
targets=("$BUILD"/fuzz/fuzz_*)
[ ${#targets[@]} -gt 0 ] || {
	echo "fuzz-corpus: no fuzz targets in $BUILD/fuzz (configure with -DPORTCTL_FUZZ=ON and build)" >&2
	exit 1
}
work=$(mktemp -d /tmp/portctl-fuzz-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT

for fz in "${targets[@]}"; do
	[ -x "$fz" ] || continue
	t=$(basename "$fz")
	committed=fuzz/corpus/$t
	mkdir -p "$committed"
	cands=()
	for d in "${FROM[@]}"; do [ -d "$d/$t" ] && cands+=("$d/$t"); done
	# sha1 -> name, so that a seed keeps its name (a committed one first);
	# libFuzzer's own names (a sha1) are no names.
	declare -A name_of=()
	files=()
	for d in "${cands[@]}" "$committed"; do files+=("$d"/*); done
	for f in "${files[@]}"; do
		[ -f "$f" ] || continue
		n=$(basename "$f")
		[[ $n =~ ^[0-9a-f]{40}$ ]] && continue
		name_of[$(sha1sum <"$f" | cut -c1-40)]=$n
	done
	out=$work/$t
	mkdir -p "$out"
	if [ "$MINIMIZE" = 1 ]; then
		inputs=("$committed" "${cands[@]}")
	else
		[ ${#cands[@]} -gt 0 ] || { echo "$t: nothing to merge"; continue; }
		cp -p "$committed"/* "$out"/ 2>/dev/null || true
		inputs=("${cands[@]}")
	fi
	# -merge=1 writes each input that adds features to $out, named by
	# its sha1; inputs already in $out stay.
	if ! "$fz" -merge=1 -timeout=10 -rss_limit_mb=2048 "$out" "${inputs[@]}" \
		>"$work/$t.log" 2>&1; then
		tail -n 20 "$work/$t.log" >&2
		echo "fuzz-corpus: $t: merge failed (an input crashes? see above)" >&2
		exit 1
	fi
	rm -rf "$work/$t.new"
	mkdir "$work/$t.new"
	for f in "$out"/*; do
		h=$(sha1sum <"$f" | cut -c1-40)
		n=${name_of[$h]:-}
		[ -n "$n" ] || n=found-${h:0:16}
		cp -p "$f" "$work/$t.new/$n"
	done
	before=$(find "$committed" -type f | wc -l)
	rm -rf "$committed"
	mv "$work/$t.new" "$committed"
	after=$(find "$committed" -type f | wc -l)
	echo "$t: $before -> $after seeds ($(du -sk --apparent-size "$committed" | cut -f1) KiB)"
	unset name_of
done
