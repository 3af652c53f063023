# Activity and objective (MBO) bonuses (tests/golden/objectives, worked
# out in its README.md): counts and sums of activity events against
# weighted targets, inclusive and exclusive thresholds, caps.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/plans_lib.sh"
G=tests/golden/objectives
golden_run objectives "$TMP/o.csv" --policy $G/policy.yaml --people $G/people.csv --events $G/events.csv
golden_compare objectives "$TMP/o.csv" $G/expected.csv
expect_grep "total" "total payout USD 1601.36" "$TMP/o.csv.err"
expect_eq "o3 reason" "7.33% of target 500.00 (50% of the level's target bonus 1,000.00): visits 4 of 10 (40%, below the threshold) x 40%, demos 0 of 4 (0%, not above the threshold) x 20%, quotes 10,000 of 50,000 (20%) x 20%, reports 2 of 12 (16.66%) x 20%; below the 30% threshold: nothing paid" \
  "$(reason_of "$TMP/o.csv" D000003)"
expect_eq "o4 capped" "210% of target 500.00 (50% of the level's target bonus 1,000.00): visits 30 of 10 (300%, capped) x 40%, demos 10 of 4 (250%) x 20%, quotes 200,000 of 50,000 (400%) x 20%, reports 12 of 12 (100%) x 20%; capped at 120%" \
  "$(reason_of "$TMP/o.csv" D000004)"
# a fixed target instead of the level's, and reports due the Sunday
# itself: o1's reports (Monday after) are all late now
sed -e 's/    target: level/    target: 400.00/' -e '/    share: 50%/d' -e 's/days: 2}/days: 0}/' $G/policy.yaml > "$TMP/fixed.yaml"
expect_status "fixed target" 0 "$INCENTIVE" run --policy "$TMP/fixed.yaml" --people $G/people.csv --events $G/events.csv --format csv
# o1: 0.6 + 0 + 0.24 + 0 = 0.84 x 400 = 336.00
expect_grep "o1 late reports" "o1,bonus,336.00" "$TMP/out"
expect_grep "o1 reports 0" "reports 0 of 12 (0%)" "$TMP/out"
# mistakes
cat > "$TMP/bad.yaml" <<'YAML'
policy: t
effective: 2026-01-01
currency: USD
rounding: half_up
period: quarter
event_types:
  visit: {fields: {customer: string}}
rules:
  - id: a
    kind: objective
    target: 100.00
    share: 10%
    objectives:
      - {name: v, event: visits, target: 10, weight: 60%}
      - {name: v, event: visit, sum: customer, target: 0, weight: 30%, from: 50%, above: 60%}
YAML
expect_status "bad objectives" 1 "$INCENTIVE" check "$TMP/bad.yaml"
expect_grep "share" "bad.yaml:12:12: share applies only to target: level" "$TMP/err"
expect_grep "event type" "bad.yaml:14:26: unknown event type 'visits'" "$TMP/err"
expect_grep "event hint" "did you mean 'visit'?" "$TMP/err"
expect_grep "duplicate" "bad.yaml:15:16: duplicate objective 'v' (first at line 14)" "$TMP/err"
expect_grep "sum type" "bad.yaml:15:38: sum: field 'customer' is not a number" "$TMP/err"
expect_grep "target" "bad.yaml:15:56: target 0 must be greater than 0" "$TMP/err"
expect_grep "both thresholds" "bad.yaml:15:90: give either 'from' or 'above', not both" "$TMP/err"
expect_grep "weights" "bad.yaml:14:7: objective weights add up to 90%, not 100%" "$TMP/err"
done_testing
