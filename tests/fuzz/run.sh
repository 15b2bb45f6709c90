#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for FUZZ_SECONDS (default 300).
# New inputs go to a temporary corpus; the kept corpus in tests/fuzz/corpus/<target>/ is read, never written.
# A crash leaves its input in build-fuzz/crashes/ and fails the run: fix it, then add the input to the corpus.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
SECONDS_EACH=${FUZZ_SECONDS:-300}
JOBS=$(nproc 2>/dev/null || echo 2)
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXR_FUZZ=ON >/dev/null || exit 1
cmake --build build-fuzz -j"$JOBS" --target fuzz_all 2>&1 | grep -E ': (error|warning):' ; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
mkdir -p build-fuzz/crashes
status=0
shopt -s nullglob
targets=(build-fuzz/fuzz/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then echo "fuzz: no targets"; exit 0; fi
for t in "${targets[@]}"; do
  name=${t##*/fuzz_}
  work=$(mktemp -d)
  corpus=tests/fuzz/corpus/$name
  mkdir -p "$corpus"
  if "$t" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix=build-fuzz/crashes/"$name"- "$work" "$corpus" >"build-fuzz/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -oE 'Done [0-9]+ runs' "build-fuzz/$name.log" | tail -1 | tr -dc '0-9') runs in ${SECONDS_EACH}s)"
  else
    echo "fuzz $name: FAILED (log build-fuzz/$name.log)"; tail -30 "build-fuzz/$name.log"; status=1
  fi
  rm -rf "$work"
done
exit $status
