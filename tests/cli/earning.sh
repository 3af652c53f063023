# When commission is earned (tests/golden/earning, worked out in its
# README.md): held at booking, released by payments in proportion, a
# refund cancelling what is still held, a later version back at booking.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/plans_lib.sh"
G=tests/golden/earning
golden_run earning "$TMP/e.csv" --policy $G/policy --people $G/people.csv --events $G/events.csv
golden_compare earning "$TMP/e.csv" $G/expected.csv
expect_grep "total" "total payout USD 2500.00" "$TMP/e.csv.err"
expect_grep "overpaid" "events.csv:11: warning: payments of d3 add up to more than its 1,000.00" "$TMP/e.csv.err"
expect_eq "release reason" "releases 1,000.00 of the 2,000.00 of comm held on d1: payment of 10,000.00 brings it to 75% paid (15,000.00 of 20,000.00); 500.00 still held" \
  "$(reason_of "$TMP/e.csv" D000009)"
expect_eq "hold reason" "100.00 of comm on d3 held until the deal is paid (earned at payment)" \
  "$(reason_of "$TMP/e.csv" D000014)"
# --period 2026-Q2 only: the releases of deals held in Q1 are the same
expect_status "Q2 only" 0 "$INCENTIVE" run --policy $G/policy --people $G/people.csv --events $G/events.csv --period 2026-Q2 --format csv
expect_grep "Q2 release" "a,release,500.00,USD,paid-when-paid,\"p3,d1\"" "$TMP/out"
expect_eq "Q2 decisions" 5 "$(wc -l < "$TMP/out")"
# a quarter at a time, carrying the state: the Q2 payments release what
# the Q1 run held
head -1 $G/events.csv > "$TMP/q1.csv"; head -1 $G/events.csv > "$TMP/q2.csv"
grep ',2026-0[1-3]-' $G/events.csv >> "$TMP/q1.csv"
grep ',2026-0[4-6]-' $G/events.csv >> "$TMP/q2.csv"
s=(--policy $G/policy --people $G/people.csv --format csv --quiet)
"$INCENTIVE" run "${s[@]}" --events "$TMP/q1.csv" --state-out "$TMP/s1.json" > "$TMP/o1.csv" &&
"$INCENTIVE" run "${s[@]}" --events "$TMP/q2.csv" --state-in "$TMP/s1.json" > "$TMP/o2.csv" && pass || fail "quarterly runs"
expect_grep "holds in the state" '"released": "1500"' "$TMP/s1.json"
for i in 1 2; do tail -n +2 "$TMP/o$i.csv"; done | cut -d, -f2-8 > "$TMP/split.txt"
tail -n +2 "$TMP/e.csv" | cut -d, -f2-8 > "$TMP/whole.txt"
cmp -s "$TMP/split.txt" "$TMP/whole.txt" && pass || fail "quarterly runs differ from one run"
# at: invoice words it so
mkdir -p "$TMP/inv"
sed -e 's/at: payment/at: invoice/' $G/policy/2026-01.yaml > "$TMP/inv/2026-01.yaml"
cp $G/policy/2026-04.yaml "$TMP/inv/"
expect_status "invoice" 0 "$INCENTIVE" run --policy "$TMP/inv" --people $G/people.csv --events $G/events.csv --format csv
expect_grep "invoice words" "held until the deal is invoiced (earned at invoice)" "$TMP/out"
expect_grep "invoice release" "invoice of 5,000.00 brings it to 25% invoiced" "$TMP/out"
# mistakes
cat > "$TMP/bad.yaml" <<'YAML'
policy: t
effective: 2026-01-01
currency: USD
rounding: half_up
period: quarter
event_types:
  deal_closed: {credit: amount, fields: {amount: money}}
  payment: {fields: {amount: money, ref: {type: ref, to: deal_closed}}}
rules:
  - {id: c, kind: commission, on: deal_closed, rates: [{rate: 1%}]}
  - {id: e1, kind: earning, at: paymnt, on: payment, ref: ref, holds: [c]}
  - {id: e2, kind: earning, at: payment, on: payment, ref: amount, holds: [c, e1, cc]}
  - {id: e3, kind: earning, at: booking, holds: [c]}
YAML
expect_status "bad earning" 1 "$INCENTIVE" check "$TMP/bad.yaml"
expect_grep "at choices" "bad.yaml:11:33: expected one of booking, invoice, payment, got 'paymnt'" "$TMP/err"
expect_grep "at hint" "did you mean 'payment'?" "$TMP/err"
expect_grep "ref type" "bad.yaml:12:60: ref: field 'amount' is a money field, expected a ref field" "$TMP/err"
expect_grep "not payable" "bad.yaml:12:79: rule 'e1' is not paid per deal: it cannot be held until the deal is paid" "$TMP/err"
expect_grep "unknown held" "bad.yaml:12:83: unknown rule 'cc'" "$TMP/err"
expect_grep "booking holds nothing" "bad.yaml:13:49: 'holds' does not apply with at: booking" "$TMP/err"
done_testing
