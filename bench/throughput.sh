#!/usr/bin/env bash
# Throughput and peak memory of `incentive run` on the default policy over
# generated inputs (fixtures/gen_events.py), at 1M and 4M events by default,
# with the decisions written as CSV to a file (issue 2's benchmark).
# Usage: bench/throughput.sh [COUNT ...]
# Environment: REPS=3 (runs per size, the fastest is kept), THREADS=auto|1.
# Prints one line per size: events, input MiB, decisions, wall s, CPU s
# (user + system, both threads), events/s (by wall), peak RSS MiB.
# Release build at -O2 (the level bench/README.md's figures were taken at)
# in its own directory, build-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@"); [ ${#counts[@]} -eq 0 ] && counts=(1000000 4000000)
REPS=${REPS:-3}
if [ ! -d build-bench ]; then
  meson setup build-bench --buildtype=release -Doptimization=2 -Db_lto=true >/dev/null
fi
meson compile -C build-bench >/dev/null
bin=build-bench/incentive
data=bench/data; mkdir -p "$data" bench/out
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
printf '%-9s %9s %10s %7s %7s %10s %8s\n' events input_MiB decisions wall_s cpu_s events/s peak_MiB
for n in "${counts[@]}"; do
  d=$data/gen_$n
  if [ ! -f "$d/events.csv" ]; then
    python3 fixtures/gen_events.py --seed 1 --count "$n" --people 500 --out "$d" >/dev/null
  fi
  in_mib=$(du -m "$d/events.csv" | cut -f1)
  best=""
  for rep in $(seq 1 "$REPS"); do
    r=$(python3 bench/measure.py "$bin" run --policy rules --people "$d/people.csv" \
        --quotas "$d/quotas.csv" --events "$d/events.csv" --format csv \
        --out bench/out/decisions_$n.csv --quiet --threads "${THREADS:-auto}")
    [ "$(field "$r" status)" = 0 ] || { echo "run failed: $r" >&2; exit 1; }
    wall=$(field "$r" wall)
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $wall < $best else 1)"; then
      best=$wall; best_cpu=$(field "$r" cpu); best_rss=$(field "$r" rss_mib)
    fi
  done
  decisions=$(($(wc -l < bench/out/decisions_$n.csv) - 1))
  eps=$(python3 -c "print(int($n / $best))")
  printf '%-9s %9s %10s %7s %7s %10s %8s\n' "$n" "$in_mib" "$decisions" "$best" "$best_cpu" "$eps" "$best_rss"
done
