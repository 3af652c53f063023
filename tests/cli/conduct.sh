# Conduct and careers end to end: the golden case tests/golden/conduct
# (every decision worked out by hand in its README.md), the same events in
# three runs that carry the state (same decisions, same final state), the
# state file's shape and its errors, and the default policy's conduct
# rules on the sample company (fixtures/acme, README "Conduct and careers").
source "$(dirname "$0")/lib.sh"
G=tests/golden/conduct
base=(--policy $G/policy.yaml --people $G/people.csv --quotas $G/quotas.csv --format csv)

# ---- the golden run -----------------------------------------------------
expect_status "golden run" 0 "$INCENTIVE" run "${base[@]}" --events $G/events.csv \
  --out "$TMP/all.csv" --state-out "$TMP/all.json"
python3 - "$TMP/all.csv" "$G/expected.csv" <<'PY' || fail "golden decisions differ"
import csv, sys
got = [r[:8] for r in csv.reader(open(sys.argv[1]))]
want = [r[:8] for r in csv.reader(open(sys.argv[2]))]
if got != want:
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g != w:
            print(f"line {i+1}: expected {w}\n        got      {g}", file=sys.stderr)
    sys.exit(1)
PY
pass
expect_grep "total" "total payout USD 4450.00" "$TMP/err"
expect_grep "dismissal reported" "after their person's dismissal 1 (earn nothing)" "$TMP/err"
expect_grep "event after dismissal named" "event e16 (deal_closed, 2024-05-21) of eve is dated after their dismissal effective 2024-05-20" "$TMP/err"
# reasons a person can read: the rule, the events and the record counted
expect_grep "2nd active" "written warning: 2nd active minor violation in 12 months (e03 on 2024-01-15, e04 on 2024-02-15)" "$TMP/all.csv"
expect_grep "fine carried" "fine 150.00: 100.00 deducted in 2024-Q1 (at most 100.00 a period), 50.00 carried to the next period" "$TMP/all.csv"
expect_grep "carried deducted" "fine carried from an earlier period: 50.00 of 50.00 deducted in 2024-Q2" "$TMP/all.csv"
expect_grep "duty" "no report for 2024-Q1 by 2024-04-10 (rule report), recorded 2024-04-11" "$TMP/all.csv"
expect_grep "hold" "payments of comm held from 2024-03-22 until it is completed" "$TMP/all.csv"
expect_grep "release" "released 100.00 held since 2024-03-22: Onboarding completed (e10 on 2024-04-15, score 90)" "$TMP/all.csv"
expect_grep "promotion" "promotion: R1 -> R2 from 2024-07-01: 2 consecutive quarters at or above 100% (2024-Q1 120.00%, 2024-Q2 100.00%)" "$TMP/all.csv"
expect_grep "demotion" "demotion: R2 -> R1 from 2024-07-01: 2 consecutive quarters below 50% (2024-Q1 40.00%, 2024-Q2 49.99%)" "$TMP/all.csv"
expect_grep "level used" "10% of 10,000.00: senior" "$TMP/all.csv"
expect_grep "29 Feb, day before expiry" "2nd active minor violation in 12 months (e05 on 2024-02-29, e24 on 2025-02-27)" "$TMP/all.csv"
expect_grep "29 Feb, expiry day" "1st active minor violation in 12 months (e25 on 2025-02-28)" "$TMP/all.csv"
expect_grep "29 Feb, day after" "1st active minor violation in 12 months (e26 on 2025-03-01)" "$TMP/all.csv"
# jsonl carries the detail: the step, the counts, the row
expect_status "jsonl" 0 "$INCENTIVE" run "${base[@]}" --events $G/events.csv --format jsonl --quiet
expect_grep "detail of a step" '"step":"written_warning","row":"2"' "$TMP/out"
expect_grep "non-money has no amount" '"kind":"promotion","amount":null' "$TMP/out"

# ---- one long run == three runs carrying the state ---------------------
head -1 $G/events.csv > "$TMP/r1.csv"; cp "$TMP/r1.csv" "$TMP/r2.csv"; cp "$TMP/r1.csv" "$TMP/r3.csv"
tail -n +2 $G/events.csv | awk -F, '$2 <  "2024-04-01"' >> "$TMP/r1.csv"
tail -n +2 $G/events.csv | awk -F, '$2 >= "2024-04-01" && $2 < "2024-10-01"' >> "$TMP/r2.csv"
tail -n +2 $G/events.csv | awk -F, '$2 >= "2024-10-01"' >> "$TMP/r3.csv"
expect_status "run 1" 0 "$INCENTIVE" run "${base[@]}" --events "$TMP/r1.csv" --out "$TMP/o1.csv" --state-out "$TMP/s1.json"
expect_grep "state saved" "last_closed\": \"2024-Q1\"" "$TMP/s1.json"
expect_status "run 2" 0 "$INCENTIVE" run "${base[@]}" --events "$TMP/r2.csv" --out "$TMP/o2.csv" --state-in "$TMP/s1.json" --state-out "$TMP/s2.json"
expect_status "run 3" 0 "$INCENTIVE" run "${base[@]}" --events "$TMP/r3.csv" --out "$TMP/o3.csv" --state-in "$TMP/s2.json" --state-out "$TMP/s3.json"
{ cut -d, -f2- "$TMP/all.csv"; } > "$TMP/a.txt"
{ cut -d, -f2- "$TMP/o1.csv"; tail -n +2 "$TMP/o2.csv" | cut -d, -f2-; tail -n +2 "$TMP/o3.csv" | cut -d, -f2-; } > "$TMP/b.txt"
cmp -s "$TMP/a.txt" "$TMP/b.txt" && pass || { fail "three runs differ from one"; diff "$TMP/a.txt" "$TMP/b.txt" | head -20 >&2; }
cmp -s "$TMP/all.json" "$TMP/s3.json" && pass || { fail "final states differ"; diff "$TMP/all.json" "$TMP/s3.json" | head -20 >&2; }
# the state names what carries over
for key in '"fine_balance": "50.00"' '"level": "R2"' '"holds": [' '"periods": [' '"violations": [' '"dismissed": {' '"id": "e01"' '"rule": "report"'; do
  expect_grep "state after run 1 or 2 has $key" "$key" <(cat "$TMP/s1.json" "$TMP/s2.json")
done
# the events the state already covers are not evaluated again
expect_status "overlapping input" 0 "$INCENTIVE" run "${base[@]}" --events $G/events.csv --state-in "$TMP/s1.json" --out "$TMP/o4.csv"
expect_grep "overlap counted" "already closed by --state-in 9 (not evaluated)" "$TMP/err"
{ tail -n +2 "$TMP/o2.csv" | cut -d, -f2-; tail -n +2 "$TMP/o3.csv" | cut -d, -f2-; } > "$TMP/c.txt"
tail -n +2 "$TMP/o4.csv" | cut -d, -f2- > "$TMP/d.txt"
cmp -s "$TMP/c.txt" "$TMP/d.txt" && pass || fail "resuming over the whole input differs from runs 2 and 3"

# a --period the state already closed is refused, not silently empty
expect_status "period already closed" 1 "$INCENTIVE" run "${base[@]}" --events $G/events.csv \
  --state-in "$TMP/s2.json" --period 2024-Q2
expect_grep "period closed msg" "--period 2024-Q2 was already decided by the run that saved $TMP/s2.json (it closed up to 2024-Q3)" "$TMP/err"

# ---- a bad state is refused with the place of the problem ---------------
sed 's/"2024-03-22"/"2024-02-30"/' "$TMP/s1.json" > "$TMP/bad.json"
expect_status "bad state" 1 "$INCENTIVE" run "${base[@]}" --events "$TMP/r2.csv" --state-in "$TMP/bad.json"
expect_grep "bad state place" "holds[0].since: expected a date YYYY-MM-DD, got '2024-02-30'" "$TMP/err"
sed 's/"golden-conduct"/"other"/' "$TMP/s1.json" > "$TMP/bad2.json"
expect_status "other policy" 1 "$INCENTIVE" run "${base[@]}" --events "$TMP/r2.csv" --state-in "$TMP/bad2.json"
expect_grep "other policy msg" "saved under policy 'other', not 'golden-conduct'" "$TMP/err"
expect_status "missing state" 1 "$INCENTIVE" run "${base[@]}" --events "$TMP/r2.csv" --state-in "$TMP/nope.json"
expect_grep "missing state msg" "cannot read the state $TMP/nope.json" "$TMP/err"

# ---- the default policy on the sample company ---------------------------
A=fixtures/acme
acme=(--policy rules --people $A/people.csv --quotas $A/quotas.csv --events $A/events.csv --format csv)
expect_status "acme" 0 "$INCENTIVE" run "${acme[@]}" --out "$TMP/acme.csv"
for kind in verbal_warning written_warning fine dismissal hold release appraisal; do
  expect_grep "acme $kind" ",$kind," "$TMP/acme.csv"
done
expect_grep "acme r16 dismissed" "r16,dismissal,,,conduct,e-0145" "$TMP/acme.csv"
expect_grep "acme r08 fine" "r08,fine,-300.00,USD,conduct" "$TMP/acme.csv"
expect_grep "acme r38 missed onboarding" "r38,verbal_warning,,,onboarding" "$TMP/acme.csv"
expect_grep "acme r38 release" "r38,release,810.00,USD,onboarding" "$TMP/acme.csv"
expect_no_grep "acme no promotion without 2025-Q4" ",promotion," "$TMP/acme.csv"
# with the end of 2025 carried in: r13's promotion, r24's 2nd minor, r30's fine
expect_status "acme with state" 0 "$INCENTIVE" run "${acme[@]}" --state-in $A/state-2025-Q4.json \
  --out "$TMP/acme2.csv" --state-out "$TMP/acme-2026-Q1.json"
expect_grep "r13 promoted" "r13,promotion,,,promotion,\"e-0424,e-0431\"" "$TMP/acme2.csv"
expect_grep "r13 reason" "promotion: SR1 -> SR2 from 2026-04-01: 2 consecutive quarters at or above 110% (2025-Q4 125.00%, 2026-Q1 120.00%)" "$TMP/acme2.csv"
expect_grep "r24 written" "written warning: 2nd active minor violation in 12 months (v-2025-0131 on 2025-06-16, e-0338 on 2026-03-18)" "$TMP/acme2.csv"
expect_grep "r30 carried fine" "r30,fine,-150.00,USD,conduct" "$TMP/acme2.csv"
expect_grep "acme state" '"from": "2026-04-01"' "$TMP/acme-2026-Q1.json"
# The approver is the manager on the approval's date (manager_changes):
# ann's promotion needs her manager's approval; max approves on 2024-06-20
# (e17).  Moved to cid from 2024-06-01, max is no longer her manager that
# day: no promotion.  Moved from 2024-07-01, max still was: promoted.
sed 's/$/,/; 1s/,$/,manager_changes/; s/^ann,Ann Field,R1,Field,max,2023-01-01,,USD,$/&cid from 2024-06-01/' \
  $G/people.csv > "$TMP/moved-early.csv"
sed 's/$/,/; 1s/,$/,manager_changes/; s/^ann,Ann Field,R1,Field,max,2023-01-01,,USD,$/&cid from 2024-07-01/' \
  $G/people.csv > "$TMP/moved-late.csv"
expect_grep "people file edited" "cid from 2024-06-01" "$TMP/moved-early.csv"
expect_status "approval by a former manager" 0 "$INCENTIVE" run --policy $G/policy.yaml \
  --people "$TMP/moved-early.csv" --quotas $G/quotas.csv --format csv --events $G/events.csv
expect_no_grep "no rejected people" "expected 9 fields" "$TMP/err"
expect_grep "the run decided" ",2024-Q1,ann,commission,600.00," "$TMP/out"
expect_no_grep "no promotion without the manager's approval" ",ann,promotion," "$TMP/out"
expect_status "approval before the move" 0 "$INCENTIVE" run --policy $G/policy.yaml \
  --people "$TMP/moved-late.csv" --quotas $G/quotas.csv --format csv --events $G/events.csv
expect_grep "promoted with the manager's approval" ',2024-Q2,ann,promotion,,,promote,"e12,e17"' "$TMP/out"
done_testing
