# Draws (tests/golden/draws, worked out in its README.md): guarantees,
# recovery at a rate above a floor, balances carried and shown, prorated
# draws, and the three treatments of an open balance when a person leaves.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/plans_lib.sh"
G=tests/golden/draws
golden_run draws "$TMP/d.csv" --policy $G/policy.yaml --people $G/people.csv --events $G/events.csv
golden_compare draws "$TMP/d.csv" $G/expected.csv
expect_grep "total" "total payout USD 10416.66" "$TMP/d.csv.err"
expect_eq "recovery reason" "recovers 1,000.00 of the draw balance 1,500.00 from earnings of 3,000.00 (at most 50% of them, pay kept at or above 2,000.00): balance 1,500.00 -> 500.00" \
  "$(reason_of "$TMP/d.csv" D000018)"
expect_eq "balance shown" "draw balance 200.00 carried over after 2026-Q3" "$(reason_of "$TMP/d.csv" D000024)"
expect_eq "prorated draw" "guaranteed 1,333.33 for 2026-Q1 (prorated from 2,000.00), earned 300.00: draw of 1,033.33, recoverable: balance 0.00 -> 1,033.33" \
  "$(reason_of "$TMP/d.csv" D000007)"
expect_eq "write off" "p5 left on 2026-03-10: the draw balance of 1,333.33 is written off (on_leave: write_off)" \
  "$(reason_of "$TMP/d.csv" D000014)"
# --period Q2 alone: the balances carried from Q1 are the same
expect_status "period Q2" 0 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv --events $G/events.csv --period 2026-Q2 --format csv
expect_grep "Q2 recovery from the Q1 balance" "p1,draw_recovery,-1000.00" "$TMP/out"
expect_no_grep "no Q1 decisions" "2026-Q1" "$TMP/out"
# quarter by quarter, carrying the state (--state-out, --state-in): the
# same decisions as one run over the three quarters
head -1 $G/events.csv > "$TMP/h.csv"
for q in 1 2 3; do cp "$TMP/h.csv" "$TMP/q$q.csv"; done
grep ',2026-0[1-3]-' $G/events.csv >> "$TMP/q1.csv"
grep ',2026-0[4-6]-' $G/events.csv >> "$TMP/q2.csv"
grep ',2026-0[7-9]-' $G/events.csv >> "$TMP/q3.csv"
s=(--policy $G/policy.yaml --people $G/people.csv --format csv --quiet)
"$INCENTIVE" run "${s[@]}" --events "$TMP/q1.csv" --state-out "$TMP/s1.json" > "$TMP/o1.csv" &&
"$INCENTIVE" run "${s[@]}" --events "$TMP/q2.csv" --state-in "$TMP/s1.json" --state-out "$TMP/s2.json" > "$TMP/o2.csv" &&
"$INCENTIVE" run "${s[@]}" --events "$TMP/q3.csv" --state-in "$TMP/s2.json" > "$TMP/o3.csv" && pass || fail "quarterly runs"
expect_grep "balance in the state" '"balance": "1033.33"' "$TMP/s1.json"
for i in 1 2 3; do tail -n +2 "$TMP/o$i.csv"; done | cut -d, -f2-8 > "$TMP/split.txt"
tail -n +2 "$TMP/d.csv" | cut -d, -f2-8 > "$TMP/whole.txt"
cmp -s "$TMP/split.txt" "$TMP/whole.txt" && pass || fail "quarterly runs differ from one run"
# jsonl: the balance is in the detail
expect_status "jsonl" 0 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv --events $G/events.csv --format jsonl --quiet
expect_grep "balance detail" '"kind":"draw_balance","amount":null,"currency":null' "$TMP/out"
expect_grep "balance figure" '"balance":"200"' "$TMP/out"
# policy mistakes
cat > "$TMP/bad.yaml" <<'YAML'
policy: t
effective: 2026-01-01
currency: USD
rounding: half_up
period: quarter
event_types:
  deal_closed: {credit: amount, fields: {amount: money}}
rules:
  - {id: d1, kind: draw, amount: 100.00, floor: 50.00}
  - {id: d2, kind: draw, amount: 100.00, recoverable: true, on_leave: forgive}
  - {id: d3, kind: draw, amount: 100.005, applies_to: [comm]}
YAML
expect_status "bad draws" 1 "$INCENTIVE" check "$TMP/bad.yaml"
expect_grep "floor needs recoverable" "bad.yaml:9:49: floor applies only to a recoverable draw" "$TMP/err"
expect_grep "on_leave choices" "bad.yaml:10:71: expected one of write_off, recover, final_pay, got 'forgive'" "$TMP/err"
expect_grep "money decimals" "bad.yaml:11:34: amount 100.005 has more decimals than USD allows (2)" "$TMP/err"
expect_grep "unknown rule" "bad.yaml:11:56: unknown rule 'comm'" "$TMP/err"
# A dismissal ends a draw like a leaving date.  p1 (hired 2025) has a
# recoverable draw of 3,000.00 a quarter prorated by days; Q1 2026 has
# 31 + 28 + 31 = 90 days.  A gross violation on 2026-02-14 dismisses p1
# effective that day: 31 (January) + 14 (February) = 45 days worked, so
# the guarantee is 3,000.00 x 45 / 90 = 1,500.00.  Earned: 10% of the
# 5,000.00 deal = 500.00, so the draw is 1,500.00 - 500.00 = 1,000.00.
# The March deal is after the dismissal and earns nothing; on_leave
# write_off writes the open balance of 1,000.00 off at the quarter's end.
cat > "$TMP/dismiss.yaml" <<'YAML'
policy: draw-dismissal
effective: 2025-01-01
currency: USD
rounding: half_up
period: quarter
ladder: [{level: R1, title: Rep}]
proration: {method: days, rounding: half_up, applies_to: [draw]}
event_types:
  deal_closed: {credit: amount, fields: {amount: money}}
  violation:
    fields:
      category: {type: enum, values: [company_rule, duty, law]}
      severity: {type: enum, values: [minor, gross]}
rules:
  - {id: comm, kind: commission, on: deal_closed, rates: [{rate: 10%}]}
  - id: draw
    kind: draw
    amount: 3000.00
    recoverable: true
    recovery_rate: 50%
    on_leave: write_off
  - id: conduct
    kind: discipline
    on: violation
    category: category
    severity: severity
    active_for: 12 months
    steps: [verbal_warning, dismissal]
    escalate:
      - {count: {minor: 1}, step: verbal_warning}
      - {severity: gross, step: dismissal}
YAML
printf 'id,name,level,team,manager,hired,left,currency\np1,Pia,R1,A,,2025-01-01,,\n' > "$TMP/dp.csv"
cat > "$TMP/de.csv" <<'CSV'
id,date,type,person,amount,category,severity
d1,2026-01-10,deal_closed,p1,5000.00,,
v1,2026-02-14,violation,p1,,law,gross
d2,2026-03-02,deal_closed,p1,10000.00,,
CSV
expect_status "draw after a dismissal" 0 "$INCENTIVE" run --policy "$TMP/dismiss.yaml" --people "$TMP/dp.csv" --events "$TMP/de.csv" --format csv
expect_grep "commission before the dismissal" "p1,commission,500.00,USD,comm" "$TMP/out"
expect_grep "dismissal" "p1,dismissal,,,conduct" "$TMP/out"
expect_no_grep "nothing for the March deal" ",d2," "$TMP/out"
expect_grep "the March deal reported" "event d2 (deal_closed, 2026-03-02) of p1 is dated after their dismissal effective 2026-02-14" "$TMP/err"
expect_grep "draw prorated to the dismissal" "guaranteed 1,500.00 for 2026-Q1 (prorated from 3,000.00), earned 500.00: draw of 1,000.00" "$TMP/out"
expect_grep "balance written off" "p1 dismissed effective 2026-02-14: the draw balance of 1,000.00 is written off (on_leave: write_off)" "$TMP/out"
done_testing
