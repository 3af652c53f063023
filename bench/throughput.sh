#!/usr/bin/env bash
# Throughput and peak memory of `incentive run` on the default policy over
# generated inputs (fixtures/gen_events.py), at 1M and 4M events by default.
# Usage: bench/throughput.sh [COUNT ...]     (needs a release build: see below)
# Prints one line per size: events, input MiB, wall s, events/s, peak RSS MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@"); [ ${#counts[@]} -eq 0 ] && counts=(1000000 4000000)
if [ ! -d build-release ]; then meson setup build-release --buildtype=release >/dev/null; fi
meson compile -C build-release >/dev/null
bin=build-release/incentive
data=bench/data; mkdir -p "$data" bench/out
printf '%-10s %10s %8s %12s %10s\n' events input_MiB wall_s events/s peak_MiB
for n in "${counts[@]}"; do
  d=$data/gen_$n
  if [ ! -f "$d/events.csv" ]; then
    python3 fixtures/gen_events.py --seed 1 --count "$n" --people 500 --out "$d" >/dev/null
  fi
  in_mib=$(du -m "$d/events.csv" | cut -f1)
  best=""
  for rep in 1 2 3; do
    r=$(python3 bench/measure.py "$bin" run --policy rules --people "$d/people.csv" \
        --quotas "$d/quotas.csv" --events "$d/events.csv" --format csv \
        --out bench/out/decisions_$n.csv --quiet)
    wall=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["wall"])' "$r")
    rss=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rss_mib"])' "$r")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $wall < $best else 1)"; then best=$wall; best_rss=$rss; fi
  done
  eps=$(python3 -c "print(int($n / $best))")
  printf '%-10s %10s %8s %12s %10s\n' "$n" "$in_mib" "$best" "$eps" "$best_rss"
done
