#!/usr/bin/env bash
# Monte Carlo speed of `incentive simulate`: the default policy over the
# sample company (fixtures/acme, 40 people, 402 events) with
# fixtures/acme/scenarios/sales-risk.yaml (1,000 lognormal trials), on 1
# thread and on every core.  Needs a release build (made here).
# Usage: bench/simulate.sh [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-1000}
if [ ! -d build-release ]; then meson setup build-release --buildtype=release >/dev/null; fi
meson compile -C build-release >/dev/null
bin=build-release/incentive
args=(simulate --policy rules --people fixtures/acme/people.csv --quotas fixtures/acme/quotas.csv
  --events fixtures/acme/events.csv --rates fixtures/acme/rates.csv --scenario fixtures/acme/scenarios/sales-risk.yaml
  --trials "$trials" --no-curves --table mc_cost --quiet)
printf '%-8s %8s %8s %12s\n' threads trials wall_s trials/s
for t in 1 "$(nproc)"; do
  best=""
  for rep in 1 2 3; do
    r=$(python3 bench/measure.py "$bin" "${args[@]}" --threads "$t")
    wall=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["wall"])' "$r")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $wall < $best else 1)"; then best=$wall; fi
  done
  printf '%-8s %8s %8s %12s\n' "$t" "$trials" "$best" "$(python3 -c "print(int($trials / $best))")"
done
