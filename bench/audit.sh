#!/usr/bin/env bash
# The audit trail's cost: `incentive run --audit` end to end over generated
# inputs (events and decisions stored, hash chains computed, committed),
# the database size per million events, and `verify` and `replay` over the
# database it wrote.  Release build in its own directory.
# Usage: bench/audit.sh [COUNT ...]          (default 1000000)
# Prints one line per size: events, run wall s, events/s, plain run wall s
# (same run without --audit), DB MiB, MiB per million events, verify s,
# replay s, peak RSS MiB of the recorded run.  Then, when the peers data
# is there (PEERS=FILE, default bench/out/peers/data/ev_1000000.csv), the
# peers reference workload (declarative) with the audit database on.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@"); [ ${#counts[@]} -eq 0 ] && counts=(1000000)
# BUILD=DIR uses another release build directory (e.g. build-bench, the
# one bench/reference/run.sh uses) instead of configuring a new one.
b=${BUILD:-build-audit-rel}
if [ ! -d "$b" ]; then meson setup "$b" --buildtype=release >/dev/null; fi
meson compile -C "$b" >/dev/null
bin=$b/incentive
data=bench/data; out=bench/out; mkdir -p "$data" "$out"
wall() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
printf '%-9s %8s %9s %8s %8s %8s %8s %8s %8s\n' events run_s events/s plain_s DB_MiB MiB/1M verify_s replay_s peak_MiB
for n in "${counts[@]}"; do
  d=$data/gen_$n
  if [ ! -f "$d/events.csv" ]; then
    python3 fixtures/gen_events.py --seed 1 --count "$n" --people 500 --out "$d" >/dev/null
  fi
  in=(--policy rules --people "$d/people.csv" --quotas "$d/quotas.csv" --events "$d/events.csv")
  db=$out/audit_$n.db
  best=""; best_rss=""
  for rep in 1 2 3; do
    rm -f "$db" "$db-wal" "$db-shm"
    r=$(python3 bench/measure.py "$bin" run "${in[@]}" --format none --quiet --audit "$db")
    [ "$(wall "$r" status)" = 0 ] || { echo "recorded run failed" >&2; exit 1; }
    w=$(wall "$r" wall)
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $w < $best else 1)"; then
      best=$w; best_rss=$(wall "$r" rss_mib)
    fi
  done
  plain=""
  for rep in 1 2 3; do
    r=$(python3 bench/measure.py "$bin" run "${in[@]}" --format none --quiet)
    w=$(wall "$r" wall)
    if [ -z "$plain" ] || python3 -c "import sys; sys.exit(0 if $w < $plain else 1)"; then plain=$w; fi
  done
  bytes=$(( $(stat -c %s "$db") + $( [ -f "$db-wal" ] && stat -c %s "$db-wal" || echo 0) ))
  mib=$(python3 -c "print(round($bytes / 1048576, 1))")
  per=$(python3 -c "print(round($bytes / 1048576 * 1000000 / $n, 1))")
  v=$(python3 bench/measure.py "$bin" verify --audit "$db" --quiet)
  [ "$(wall "$v" status)" = 0 ] || { echo "verify failed" >&2; exit 1; }
  rp=$(python3 bench/measure.py "$bin" replay --audit "$db" 1)
  [ "$(wall "$rp" status)" = 0 ] || { echo "replay failed" >&2; exit 1; }
  eps=$(python3 -c "print(int($n / $best))")
  printf '%-9s %8s %9s %8s %8s %8s %8s %8s %8s\n' "$n" "$best" "$eps" "$plain" "$mib" "$per" \
    "$(wall "$v" wall)" "$(wall "$rp" wall)" "$best_rss"
done

peers=${PEERS:-bench/out/peers/data/ev_1000000.csv}
if [ -f "$peers" ]; then
  n=$(( $(wc -l < "$peers") - 1 ))
  best=""
  for rep in 1 2 3; do
    rm -f "$out/peers_audit.db" "$out/peers_audit.db-wal" "$out/peers_audit.db-shm"
    r=$(python3 bench/measure.py "$bin" run --policy bench/reference/declarative \
      --people bench/reference/people.csv --events "$peers" --format peers \
      --out "$out/peers_out.csv" --quiet --audit "$out/peers_audit.db")
    [ "$(wall "$r" status)" = 0 ] || { echo "peers recorded run failed" >&2; exit 1; }
    w=$(wall "$r" wall)
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $w < $best else 1)"; then best=$w; fi
  done
  mib=$(python3 -c "print(round($(stat -c %s "$out/peers_audit.db") / 1048576, 1))")
  printf 'peers declarative, %s events, --audit: %s s, %s events/s, DB %s MiB\n' \
    "$n" "$best" "$(python3 -c "print(int($n / $best))")" "$mib"
fi
