#!/usr/bin/env bash
# Runs the peer benchmark's reference policy (../shared/bench/peers/POLICY.md)
# with `incentive` and writes the harness's output format.
#
# Usage: bench/reference/run.sh VARIANT EVENTS.csv OUT.csv
#   VARIANT   declarative (rules only) or lua (per-event logic in a script)
#   EVENTS    the harness's events (id,date,rep,region,sku,type,amount)
#   OUT       the harness's output: one line per event, then one per rep
# Environment: INCENTIVE (the binary; default: build-bench/incentive,
# built when missing), AUDIT=FILE (also record the run in an audit
# database), THREADS=1 (one thread; the output is the same).
#
# A thin adapter: `incentive run --format peers` writes the harness's format
# from the decisions (money per event and per rep, see src/cli/output.c);
# the policy is bench/reference/VARIANT/policy.yaml, and people.csv is the
# harness's 500 reps (r0001..r0500).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -eq 3 ] || { echo "usage: $0 declarative|lua EVENTS.csv OUT.csv" >&2; exit 2; }
variant=$1 events=$2 out=$3
case $variant in declarative|lua) ;; *) echo "$0: VARIANT is declarative or lua" >&2; exit 2 ;; esac
bin=${INCENTIVE:-$root/build-bench/incentive}
if [ ! -x "$bin" ]; then
  [ -d "$root/build-bench" ] || meson setup "$root/build-bench" --buildtype=release -Doptimization=2 -Db_lto=true >/dev/null
  meson compile -C "$root/build-bench" >/dev/null
fi
extra=()
[ -n "${AUDIT:-}" ] && extra+=(--audit "$AUDIT")
[ -n "${THREADS:-}" ] && extra+=(--threads "$THREADS")
exec "$bin" run --policy "$here/$variant" --people "$here/people.csv" \
  --events "$events" --format peers --out "$out" --quiet "${extra[@]}"
