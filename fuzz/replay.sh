#!/usr/bin/env bash
# CTest's fuzz/replay/<target> (fuzz/CMakeLists.txt): the committed seed
# corpus of a fuzz target exists, is small, and every seed runs through the
# target once without a crash, leak or broken invariant.  libFuzzer is
# given the files, not the directory, so it writes nothing.
#   fuzz/replay.sh FUZZER CORPUS_DIR
set -euo pipefail
fz=$1 dir=$2
name=$(basename "$dir")
# "Small": reviewable in a diff and quick to replay (docs/fuzzing.md).
max_files=1000 max_kib=1024
shopt -s nullglob
seeds=("$dir"/*)
if [ ${#seeds[@]} -eq 0 ]; then
	echo "replay: $name has no seed corpus in $dir (docs/fuzzing.md says how to make one)"
	exit 1
fi
kib=$(du -sk --apparent-size "$dir" | cut -f1)
if [ ${#seeds[@]} -gt $max_files ] || [ "$kib" -gt $max_kib ]; then
	echo "replay: $dir holds ${#seeds[@]} files, $kib KiB: more than $max_files files or $max_kib KiB" \
		"(scripts/fuzz-corpus.sh --minimize)"
	exit 1
fi
"$fz" -timeout=10 -rss_limit_mb=2048 "${seeds[@]}" 2>&1 | tail -n 3
echo "replay: $name: ${#seeds[@]} seeds, $kib KiB, no crash"
