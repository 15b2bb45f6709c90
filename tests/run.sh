#!/usr/bin/env bash
# make test: every test of xroute, from a fresh Debian 12 machine.
#  1. install dependencies (deploy/install-deps.sh, and the npm packages the interop tests use)
#  2. build/       RelWithDebInfo, -Werror: unit suites, integration suites, fuzz corpus replay
#  3. build-asan/  ASan+UBSan: unit suites and fuzz corpus replay, the venue workers' main integration
#                  scenarios (label venue-asan) and the whole-stack system tests (label system-asan)
#  4. build-fuzz/  clang libFuzzer: each target runs briefly (FUZZ_BRIEF_SECONDS, default 10)
# Ends with "make test: N passed, N failed" and CTest's summary line over every stage ("100% tests passed, 0
# tests failed out of N"); exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
JOBS=$(nproc 2>/dev/null || echo 2)
FUZZ_BRIEF_SECONDS=${FUZZ_BRIEF_SECONDS:-10}
passed=0
failed=0
failures=()

step() { printf '\n==== %s\n' "$*"; }

# run_ctest BUILD_DIR LABEL_REGEX PARALLEL: runs ctest and adds its counts to the totals.
run_ctest() {
  local dir=$1 labels=$2 par=$3 log
  log=$(mktemp)
  (cd "$dir" && ctest --output-on-failure --no-tests=ignore -L "$labels" -j "$par") 2>&1 | tee "$log"
  local total fails
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
  fails=$(sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
  total=${total:-0}; fails=${fails:-0}
  passed=$((passed + total - fails))
  failed=$((failed + fails))
  if [ "$fails" -ne 0 ]; then
    failures+=("$(grep -E '^\s+[0-9]+ - ' "$log" | sed "s|^|$dir: |")")
  fi
  rm -f "$log"
}

build() { # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null || return 1
  cmake --build "$dir" -j"$JOBS" 2>&1 | grep -vE '^\[|^-- |Built target|Scanning dependencies|Consolidate compiler|^g?make\[[0-9]+\]'
  return "${PIPESTATUS[0]}"
}

step "dependencies"
bash deploy/install-deps.sh || { echo "make test: dependency install failed"; exit 1; }
if [ -f tests/node/package.json ]; then
  (cd tests/node && { [ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error; }) \
    || { echo "make test: npm install in tests/node failed"; exit 1; }
fi

step "build (RelWithDebInfo, -Werror)"
if ! build build -DCMAKE_BUILD_TYPE=RelWithDebInfo; then echo "make test: build failed"; exit 1; fi
step "unit suites and fuzz corpus replay"
run_ctest build 'unit|fuzz' "$JOBS"
step "integration suites"
run_ctest build 'integration' 1

step "build-asan (ASan+UBSan)"
if ! build build-asan -DCMAKE_BUILD_TYPE=Debug -DXR_SANITIZE=ON; then echo "make test: sanitizer build failed"; exit 1; fi
step "unit suites and fuzz corpus replay under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest build-asan 'unit|fuzz' "$JOBS"

step "venue worker integration under ASan+UBSan (workers and simulator of build-asan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest build-asan 'venue-asan' 1
step "system integration under ASan+UBSan (the whole stack of build-asan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest build-asan 'system-asan' 1
step "brief fuzz runs (${FUZZ_BRIEF_SECONDS}s per target)"
if ! FUZZ_SECONDS=$FUZZ_BRIEF_SECONDS bash tests/fuzz/run.sh; then
  failed=$((failed + 1)); failures+=("brief fuzz run found a crash (see above)")
else
  passed=$((passed + 1))
fi

echo
if [ "$failed" -ne 0 ]; then
  echo "make test: failures:"
  printf '  %s\n' "${failures[@]}"
fi
total=$((passed + failed))
pct=$(( total ? passed * 100 / total : 0 ))
echo "make test: $passed passed, $failed failed"
# the last line in CTest's own words, over every stage
echo "${pct}% tests passed, $failed tests failed out of $total"
[ "$failed" -eq 0 ]
