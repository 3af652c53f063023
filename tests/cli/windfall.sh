# Windfall deals (tests/golden/windfall, worked out in its README.md):
# credited up to a line plus a share of the excess, the rest recorded;
# refunds counted at the same ratio.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/plans_lib.sh"
G=tests/golden/windfall
golden_run windfall "$TMP/w.csv" --policy $G/policy.yaml --people $G/people.csv --quotas $G/quotas.csv --events $G/events.csv
golden_compare windfall "$TMP/w.csv" $G/expected.csv
expect_grep "total" "total payout USD 41500.00" "$TMP/w.csv.err"
expect_eq "record" "w1 of 180,000.00 is above the windfall line of 100,000.00: credited 120,000.00 (100,000.00 + 25% of 80,000.00); 60,000.00 not credited" \
  "$(reason_of "$TMP/w.csv" D000001)"
expect_eq "split record" "w2 of 300,000.00 is above the windfall line of 100,000.00: credited 150,000.00 (100,000.00 + 25% of 200,000.00); 150,000.00 not credited, 50% share 75,000.00" \
  "$(reason_of "$TMP/w.csv" D000004)"
expect_eq "refund record" "r1 refers to w1, which was credited 120,000.00 of its 180,000.00 (windfall): amount 90,000.00 counts as 60,000.00, 30,000.00 not counted" \
  "$(reason_of "$TMP/w.csv" D000009)"
# credited only up to the line (rate 0%): w1 credits 100,000, the refund of
# 90,000 counts 50,000 (half), so half of the 10,000 commission comes back
sed 's/    rate: 25%/    rate: 0%/' $G/policy.yaml > "$TMP/zero.yaml"
expect_status "rate 0" 0 "$INCENTIVE" run --policy "$TMP/zero.yaml" --people $G/people.csv --quotas $G/quotas.csv --events $G/events.csv --format csv
expect_grep "w1 capped" "a,commission,10000.00,USD,comm,w1" "$TMP/out"
expect_grep "refund halves it" "a,clawback,-5000.00,USD,refund-clawback" "$TMP/out"
# mistakes
cat > "$TMP/bad.yaml" <<'YAML'
policy: t
effective: 2026-01-01
currency: USD
rounding: half_up
period: quarter
event_types:
  deal_closed: {credit: amount, fields: {amount: money}}
  visit: {fields: {customer: string}}
rules:
  - {id: w1, kind: windfall, on: deal_closed, above: 0.00, rate: 120%}
  - {id: w2, kind: windfall, on: visit, above: 100.00}
YAML
expect_status "bad windfall" 1 "$INCENTIVE" check "$TMP/bad.yaml"
expect_grep "above" "bad.yaml:10:54: above must be greater than 0" "$TMP/err"
expect_grep "rate range" "bad.yaml:10:66: rate 120% is out of range 0%..100%" "$TMP/err"
expect_grep "no credit" "bad.yaml:11:34: a windfall rule limits the credited amount, but event type 'visit' has no credit field" "$TMP/err"
done_testing
