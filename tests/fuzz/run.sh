#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz for a bounded time each.
#
#   tests/fuzz/run.sh [--build DIR] [--seconds N] [TARGET...]
#       builds DIR (default build-fuzz: clang, -Dfuzz=true, ASan+UBSan) if
#       needed and runs each TARGET (default: all) for N seconds (default
#       300) on a corpus kept in DIR/fuzz-corpus/TARGET, seeded from
#       tests/fuzz/corpus/TARGET.  Crashes go to DIR/fuzz-artifacts/.
#       Prints one line per target: seconds, executions, corpus, result.
#   tests/fuzz/run.sh --ci --bin EXE --seconds N TARGET
#       what `meson test --suite fuzz` runs: one target, a throw-away
#       corpus, exit status 1 on any finding.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-fuzz
seconds=300
ci=0
bin=
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --ci) ci=1; shift ;;
    --bin) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(policy csv jsonl events dec sandbox detail)

# Options every run uses: a hang of 25 s is a finding (a script or pattern
# escaped its limits), so is using more than 2 GiB.
common=(-timeout=25 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

dict_args() { # target -> -dict=... when there is a dictionary
  if [ -f "$here/$1.dict" ]; then echo "-dict=$here/$1.dict"; fi
}

# run_one TARGET EXE CORPUS ARTIFACTS LOG -> exit status of the fuzzer
run_one() {
  local t=$1 exe=$2 corpus=$3 art=$4 log=$5
  mkdir -p "$corpus" "$art"
  # shellcheck disable=SC2046
  "$exe" "${common[@]}" $(dict_args "$t") -max_total_time="$seconds" \
    -artifact_prefix="$art/$t-" "$corpus" "$here/corpus/$t" >"$log" 2>&1
}

summary() { # target log status corpus
  local t=$1 log=$2 st=$3 corpus=$4 execs secs result
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  if [ "$st" -eq 0 ]; then result=ok; else
    result="FOUND: $(grep -m1 -E 'ERROR: |SUMMARY: |deadly signal|timeout' "$log" | tr -s ' ')"
  fi
  printf '%-8s %6ss %12s execs %6s corpus  %s\n' "$t" "${secs:-?}" "${execs:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$result"
}

if [ "$ci" -eq 1 ]; then
  [ -n "$bin" ] && [ ${#targets[@]} -eq 1 ] || { echo "--ci needs --bin EXE and one TARGET" >&2; exit 2; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  run_one "${targets[0]}" "$bin" "$work/corpus" "$work/art" "$work/log"
  st=$?
  summary "${targets[0]}" "$work/log" "$st" "$work/corpus"
  if [ "$st" -ne 0 ]; then
    tail -60 "$work/log"
    for f in "$work"/art/*; do [ -f "$f" ] && { echo "input (base64):"; base64 "$f" | head -40; }; done
  fi
  exit "$st"
fi

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null || exit 1
fi
ninja -C "$build" $(printf 'tests/fuzz/fuzz_%s ' "${targets[@]}") >/dev/null || exit 1
status=0
for t in "${targets[@]}"; do
  log=$build/fuzz-logs/$t.log
  mkdir -p "$build/fuzz-logs"
  run_one "$t" "$build/tests/fuzz/fuzz_$t" "$build/fuzz-corpus/$t" \
    "$build/fuzz-artifacts" "$log"
  st=$?
  summary "$t" "$log" "$st" "$build/fuzz-corpus/$t"
  [ "$st" -eq 0 ] || status=1
done
exit $status
