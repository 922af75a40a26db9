#!/usr/bin/env bash
# make check: every test of portctl, in the order that fails fastest.
#  1. install missing Debian packages (scripts/deps.sh);
#  2. build with gcc, -Wall -Wextra -Werror, and run the whole CTest suite;
#  3. build with gcc in the Debug and MinSizeRel types (warnings are errors);
#  4. build with clang, ASan+UBSan and the fuzz targets, run the suite again;
#  5. run every libFuzzer target for FUZZ_SECONDS (default 30), $JOBS at a
#     time, on a copy of its seeds, keeping what it finds in $BUILD/fuzz-found (docs/fuzzing.md);
#  6. fail if any program of the build tree started by the suite still runs.
# Exits non-zero on any failure; the last line is "check: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
JOBS=$(nproc 2>/dev/null || echo 2)
BUILD=${BUILD_ROOT:-build}
passed=0
failed=0
failures=()

stage() { printf '\n=== %s\n' "$*"; }
fail() { failures+=("$1"); failed=$((failed + ${2:-1})); }

# Runs ctest in a build dir and adds its counts to the totals.
run_ctest() {
  local dir=$1 label=$2 log
  log="$dir/ctest.log"
  (cd "$dir" && ctest --output-on-failure -j"$JOBS" --timeout 600) 2>&1 | tee "$log"
  local line p f t
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [ -z "$line" ]; then
    fail "$label: ctest produced no summary"
    return
  fi
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  t=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  p=$((t - f))
  passed=$((passed + p))
  [ "$f" -gt 0 ] && fail "$label: $f test(s) failed" "$f"
  [ "$t" -eq 0 ] && fail "$label: no tests ran"
}

build() {
  local dir=$1 label=$2
  shift 2
  cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; fail "$label: configure"; return 1; }
  cmake --build "$dir" -j"$JOBS" 2>&1 | tail -n 40 && [ "${PIPESTATUS[0]}" -eq 0 ] || { fail "$label: build"; return 1; }
}

# PIDs of the processes running a program from the build tree.
build_pids() {
  local root exe target
  root=$(cd "$BUILD" 2>/dev/null && pwd -P) || return 0
  for exe in /proc/[0-9]*/exe; do
    target=$(readlink "$exe" 2>/dev/null) || continue
    case "$target" in "$root"/*) exe=${exe#/proc/}; echo "${exe%/exe}" ;; esac
  done
}

stage "dependencies"
scripts/deps.sh || { echo "check: dependencies could not be installed"; echo "check: 0 passed, 1 failed"; exit 1; }
mkdir -p "$BUILD"
# The fuzz stage must leave the committed corpus as it found it.
corpus_dirty_before=$(git status --porcelain -- fuzz/corpus 2>/dev/null)
# Whatever already ran from the build tree is not the suite's to judge.
read -r -a before_pids <<<"$(build_pids | tr '\n' ' ')"

stage "gcc -Wall -Wextra -Werror build and tests"
if build "$BUILD/gcc" gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
  run_ctest "$BUILD/gcc" gcc
fi

# The other build types must be warning-free too (gcc's -O0 and -Os see
# different flows than -O2): built, not run again.
for type in Debug MinSizeRel; do
  stage "gcc $type build (-Werror, not run)"
  build "$BUILD/gcc-$type" "gcc $type" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=$type &&
    passed=$((passed + 1))
done

stage "clang ASan+UBSan build and tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build "$BUILD/asan" clang-asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
     -DPORTCTL_SANITIZE=ON -DPORTCTL_FUZZ=ON; then
  run_ctest "$BUILD/asan" clang-asan

  stage "fuzzing, ${FUZZ_SECONDS}s per target"
  # The committed seeds (fuzz/corpus/<target>/) are read from a copy in a
  # temporary directory; what the fuzzer finds goes to $BUILD/fuzz-found/
  # <target>/, which scripts/fuzz-corpus.sh merges into the committed
  # corpus when asked (docs/fuzzing.md).  The tree is never written.
  # $JOBS targets run at once (each fuzzer is one process): the stage takes
  # FUZZ_SECONDS x targets / JOBS, not x targets.
  fuzz_one() {
    local fz=$1 name found seeds
    name=$(basename "$fz")
    found="$BUILD/fuzz-found/$name"
    seeds=$(mktemp -d "${TMPDIR:-/tmp}/portctl-seeds.XXXXXX")
    mkdir -p "$found"
    [ -d "fuzz/corpus/$name" ] && cp fuzz/corpus/"$name"/* "$seeds"/ 2>/dev/null
    if "$fz" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$BUILD/${name}-" "$found" "$seeds" >"$BUILD/$name.log" 2>&1; then
      echo ok >"$BUILD/$name.result"
    else
      echo crash >"$BUILD/$name.result"
    fi
    rm -rf "$seeds"
  }
  fuzzers=()
  for fz in "$BUILD"/asan/fuzz/fuzz_*; do
    [ -x "$fz" ] || continue
    fuzzers+=("$fz")
    rm -f "$BUILD/$(basename "$fz").result"
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    fuzz_one "$fz" &
  done
  wait
  for fz in "${fuzzers[@]}"; do
    name=$(basename "$fz")
    echo "--- $name"
    if [ "$(cat "$BUILD/$name.result" 2>/dev/null)" = ok ]; then
      grep -E 'stat::number_of_executed_units|Done' "$BUILD/$name.log" | tail -2
      echo "$(find "$BUILD/fuzz-found/$name" -type f | wc -l) inputs found so far in $BUILD/fuzz-found/$name"
      passed=$((passed + 1))
    else
      tail -n 40 "$BUILD/$name.log"
      fail "fuzz: $name found a crash (see $BUILD/$name.log)"
    fi
  done
  if [ -n "$(git status --porcelain -- fuzz/corpus 2>/dev/null)" ] &&
     [ -z "$corpus_dirty_before" ]; then
    git status --short -- fuzz/corpus
    fail "fuzz: the fuzz stage changed fuzz/corpus"
  fi
fi

# Tests must end every process they start (house rule): anything still
# running from this build tree is a leak.  It is reported as a failure and
# ended, by PID (these are the suite's own programs).
stage "leftover processes"
leaks=()
for pid in $(build_pids); do
  case " ${before_pids[*]} " in *" $pid "*) continue ;; esac
  leaks+=("$pid")
  echo "$pid $(readlink "/proc/$pid/exe" 2>/dev/null)"
done
if [ "${#leaks[@]}" -gt 0 ]; then
  fail "tests left ${#leaks[@]} process(es) running"
  kill "${leaks[@]}" 2>/dev/null
else
  echo "none"
fi

stage "summary"
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
