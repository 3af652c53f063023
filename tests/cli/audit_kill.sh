# A recorded run killed (SIGKILL) at several points leaves the audit
# database consistent, with no partial run in it; the same command run
# again records the run whole, and it replays identical.
#
# Kill points: after the 1st decision, 10%, 50% and 90% of them, at the
# last one (the run then records its last rows and commits), and at
# fixed delays up to just before the run would end.  The decision count
# uses the CLI's test aid INCENTIVE_TEST_KILL_AFTER=N (src/cli/cmd_run.c).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit_lib.sh"
DB=$TMP/audit.db

python3 fixtures/gen_events.py --seed 9 --count 12000 --people 50 --out "$TMP/gen" >/dev/null
args=(run --policy rules --people "$TMP/gen/people.csv" --quotas "$TMP/gen/quotas.csv"
      --events "$TMP/gen/events.csv" --format csv --quiet)
expect_status "reference run" 0 "$INCENTIVE" "${args[@]}" --out "$TMP/ref.csv"
total=$(($(wc -l < "$TMP/ref.csv") - 1))
[ "$total" -gt 1000 ] && pass || fail "expected over 1000 decisions, got $total"
# something already recorded, which the kills must leave alone
expect_status "first run" 0 golden_run "$DB" --quiet --format none
before_head=$(q "$DB" "SELECT lower(hex(hash)) FROM runs WHERE run = 1")
# how long a recorded run takes here (on a copy)
cp "$DB" "$TMP/timing.db"
t0=$(date +%s%N)
"$INCENTIVE" "${args[@]}" --audit "$TMP/timing.db" --out "$TMP/t.csv" || fail "timing run"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))

# consistent DB WHAT: the checks after each kill
consistent() {
  local what=$1
  expect_eq "$what: integrity" "ok" "$(q "$DB" 'PRAGMA integrity_check')"
  local runs
  runs=$(q "$DB" 'SELECT count(*) FROM runs')
  echo "$what: $runs runs recorded" >&2
  for t in events rejects decisions; do
    expect_eq "$what: no partial $t" "$(q "$DB" "SELECT coalesce((SELECT ${t}_count FROM runs ORDER BY seq DESC LIMIT 1), 0)")" \
      "$(q "$DB" "SELECT count(*) FROM $t")"
  done
  expect_eq "$what: no stray rows" "0" "$(q "$DB" "SELECT count(*) FROM decisions WHERE run NOT IN (SELECT run FROM runs)")"
  expect_eq "$what: run 1 intact" "$before_head" "$(q "$DB" "SELECT lower(hex(hash)) FROM runs WHERE run = 1")"
  "$INCENTIVE" verify --audit "$DB" --quiet >"$TMP/v.out" 2>&1 && pass || { fail "$what: verify"; cat "$TMP/v.out" >&2; }
  # every run in the ledger is whole: its decisions are all there
  expect_eq "$what: whole runs" "0" "$(q "$DB" "SELECT count(*) FROM runs r WHERE r.decisions <> (SELECT count(*) FROM decisions d WHERE d.run = r.run)")"
  rm -f "$TMP"/o.csv.tmp.*
}

# kill_after WHAT N: the run is killed when its N-th decision is out
kill_after() {
  INCENTIVE_TEST_KILL_AFTER=$2 "$INCENTIVE" "${args[@]}" --audit "$DB" --out "$TMP/o.csv" 2>/dev/null
  local st=$?
  [ $st = 137 ] && pass || fail "$1: exit status $st, expected 137 (SIGKILL)"
  expect_eq "$1: nothing recorded" "1" "$(q "$DB" 'SELECT count(*) FROM runs')"
  consistent "$1"
}
kill_after "1st decision" 1
kill_after "10%" $((total / 10))
kill_after "50%" $((total / 2))
kill_after "90%" $((total * 9 / 10))
kill_after "last decision" "$total"

# kill_in WHAT MS: killed after MS milliseconds, wherever it is
kill_in() {
  "$INCENTIVE" "${args[@]}" --audit "$DB" --out "$TMP/o.csv" 2>/dev/null &
  local pid=$!
  sleep "$(printf '%d.%03d' $(($2 / 1000)) $(($2 % 1000)))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  consistent "$1"
}
kill_in "at 20 ms" 20
for pct in 30 70 90 97; do
  kill_in "at ${pct}% of the time" $((ms * pct / 100))
done

# the same command again: the run is recorded whole
runs_before=$(q "$DB" 'SELECT count(*) FROM runs')
expect_status "run again" 0 "$INCENTIVE" "${args[@]}" --audit "$DB" --out "$TMP/o.csv"
expect_eq "one more run" "$((runs_before + 1))" "$(q "$DB" 'SELECT count(*) FROM runs')"
cmp -s "$TMP/o.csv" "$TMP/ref.csv" && pass || fail "the completed run's decisions differ from the reference"
last=$(q "$DB" 'SELECT max(run) FROM runs')
expect_eq "all decisions recorded" "$(($(wc -l < "$TMP/ref.csv") - 1))" "$(q "$DB" "SELECT count(*) FROM decisions WHERE run = $last")"
consistent "after the re-run"
expect_status "replay the completed run" 0 "$INCENTIVE" replay --audit "$DB" "$last"
expect_grep "identical" "identical" "$TMP/out"
expect_eq "chains recomputed" "ok" "$($AUDIT_CHAIN "$DB" | tail -1)"
done_testing
