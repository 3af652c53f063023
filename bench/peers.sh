#!/usr/bin/env bash
# bench/peers.sh: `incentive` next to the peer rules engines of
# ../shared/bench/peers (zen-engine, json-rules-engine, CLIPS, a plain Lua
# loop, hand-written C), on the same generated events, in one table.
#
# Usage: bench/peers.sh [N ...]            (default: 1000000)
# Environment:
#   PEERS="c lua zen-loop zen-event jre clips"   peer variants to run
#   OURS="declarative lua declarative+audit"     our variants to run
#   REPS=1          runs of each of our variants (the best is kept; the
#                   harness runs each peer once at >= 1M events)
#   SHARED=../shared/bench/peers   the harness, used as it is
#   WORK=bench/out/peers           its writable copy (data, outputs)
#   INCENTIVE=build-bench/incentive
# Needs what the harness needs (its README): gcc, libpcre2-dev, lua5.4,
# clips, time, python3, Node 20 (npm installs the pinned engines).
#
# Steps: copy the harness to WORK (its README: it writes beside itself),
# generate the events with its gen_events.py, run its run_all.sh for the
# peers, run bench/reference/run.sh for our variants under the same
# /usr/bin/time -v, check every output against the others and the Python
# decimal oracle with its compare.py, print one table and write it to
# WORK/summary_N.md.  Exit status 1 when any output disagrees.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=${SHARED:-$root/../shared/bench/peers}
work=${WORK:-$root/bench/out/peers}
PEERS=${PEERS:-"c lua zen-loop zen-event jre clips"}
OURS=${OURS:-"declarative lua declarative+audit"}
REPS=${REPS:-1}
bin=${INCENTIVE:-$root/build-bench/incentive}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000)

[ -d "$shared" ] || { echo "peers.sh: no harness at $shared" >&2; exit 1; }
mkdir -p "$work"
cp -r "$shared/." "$work/"
chmod -R u+w "$work"
if [ ! -x "$bin" ]; then
  [ -d "$root/build-bench" ] || meson setup "$root/build-bench" --buildtype=release -Doptimization=2 -Db_lto=true >/dev/null
  meson compile -C "$root/build-bench" >/dev/null
  bin=$root/build-bench/incentive
fi
if [ ! -d "$work/node_modules/@gorules/zen-engine" ]; then
  # the lock file lacks other platforms' optional packages: `npm ci`
  # refuses it; install the versions package.json pins
  (cd "$work" && { npm ci --no-audit --no-fund >/dev/null 2>&1 ||
                   npm install --no-audit --no-fund >/dev/null; })
fi

for n in "${sizes[@]}"; do
  data=$work/data/ev_$n
  mkdir -p "$work/data" "$work/out/time"
  [ -s "$data.csv" ] || (cd "$work" && python3 gen_events.py "$n" "data/ev_$n")
  # the peers, by the harness
  (cd "$work" && ENGINES="$PEERS" REPS_BIG=1 OUT=out ./run_all.sh "$n" >/dev/null) ||
    echo "peers.sh: the harness reported a failure (see $work/out)" >&2
  ours_tsv=$work/out/incentive_$n.tsv
  : > "$ours_tsv"
  outs=()
  for v in $OURS; do
    variant=${v%+audit}
    o=$work/out/incentive-${v}_$n.csv
    best=""
    for rep in $(seq 1 "$REPS"); do
      tf=$work/out/time/incentive-${v}_${n}_$rep.txt
      db=$work/out/audit_$n.db
      rm -f "$db" "$db-wal" "$db-shm"
      audit=""
      [ "$v" != "$variant" ] && audit=$db
      t0=$(date +%s.%N)
      INCENTIVE=$bin AUDIT=$audit /usr/bin/time -v -o "$tf" \
        bench/reference/run.sh "$variant" "$data.csv" "$o"
      t1=$(date +%s.%N)
      wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
      rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tf")
      if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a<b)}'; then
        best=$wall; best_rss=$rss
      fi
    done
    printf 'incentive-%s\t%s\t%s\t%s\n' "$v" "$n" "$best" "$best_rss" >> "$ours_tsv"
    outs+=("$o")
  done
  cmp=$work/out/compare_incentive_$n.txt
  agree=0
  c_out=$work/out/c_$n.csv
  ref=("${outs[@]}")
  [ -s "$c_out" ] && ref=("$c_out" "${outs[@]}")
  python3 "$work/compare.py" --oracle "$data.csv" "${ref[@]}" > "$cmp" || agree=1
  python3 - "$work/out/results.tsv" "$ours_tsv" "$n" "$cmp" <<'PYEOF' | tee "$work/summary_$n.md"
import sys
res, ours, n, cmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = {}
for line in open(res).read().splitlines()[1:]:
    f = line.split('\t')
    if len(f) < 9 or f[2] != 'full' or int(f[1]) != n or f[8] != 'ok':
        continue
    wall, rss = float(f[4]), float(f[7] or 0) / 1024
    if f[0] not in rows or wall < rows[f[0]][0]:
        rows[f[0]] = (wall, rss)
for line in open(ours).read().splitlines():
    name, _, wall, rss = line.split('\t')
    rows[name] = (float(wall), float(rss) / 1024)
eps = {k: n / w for k, (w, _) in rows.items()}
engines = [k for k in eps if k.startswith(('zen', 'jre', 'clips'))]
fastest = max(engines, key=lambda k: eps[k]) if engines else None
print("%d events; fastest peer engine: %s" % (n, fastest or "(none run)"))
print()
print("| implementation | wall s | events/s | vs hand-written C | vs fastest peer engine | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---:|")
for k in sorted(rows, key=lambda k: -eps[k]):
    w, rss = rows[k]
    vc = "%.2f" % (eps[k] / eps['c']) if 'c' in eps else "-"
    vf = "%.1fx" % (eps[k] / eps[fastest]) if fastest else "-"
    print("| %s | %.3f | %d | %s | %s | %.1f |" % (k, w, eps[k], vc, vf, rss))
print()
print("outputs: " + open(cmp).read().strip().splitlines()[-1])
PYEOF
  [ $agree = 0 ] || { echo "peers.sh: OUTPUTS DISAGREE (see $cmp)" >&2; exit 1; }
done
