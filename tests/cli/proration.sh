# Proration of quotas, target bonuses and draws for people hired or
# leaving inside a period (tests/golden/proration, worked out in its
# README.md): calendar days or whole months, the declared rounding.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/plans_lib.sh"
G=tests/golden/proration
args=(--people $G/people.csv --quotas $G/quotas.csv --events $G/events.csv)
golden_run days "$TMP/days.csv" --policy $G/days.yaml "${args[@]}"
golden_compare days "$TMP/days.csv" $G/expected-days.csv
expect_grep "days total" "total payout USD 22443.60" "$TMP/days.csv.err"
golden_run months "$TMP/months.csv" --policy $G/months.yaml "${args[@]}"
golden_compare months "$TMP/months.csv" $G/expected-months.csv
expect_grep "months total" "total payout USD 23900.00" "$TMP/months.csv.err"
expect_eq "days record" "quota 100,000.00 prorated to 48,888.00: 44 of 90 days (hired 2026-02-16), rounded down; target bonuses and draws prorated the same way" \
  "$(reason_of "$TMP/days.csv" D000004)"
expect_eq "months record" "quota 100,000.00 prorated to 66,666.67: 2 of 3 months (hired 2024-03-01, left 2026-03-10), rounded half_up; target bonuses and draws prorated the same way" \
  "$(reason_of "$TMP/months.csv" D000005)"
expect_grep "tiers use the prorated quota" "48,888.00 in tier 1 (x1) + 1,112.00 in tier 2 (x1.5) at 102.27% attainment" "$TMP/days.csv"
# the other ways to count months, and rounding up: n1 was hired on the
# 16th, so February counts with `include` (2 of 3) but not `mid_month`
for pm in include:66,666.67:2 mid_month:33,333.34:1; do
  IFS=: read -r mode quota months <<<"$pm"
  sed -e "s/partial_months: exclude/partial_months: $mode/" -e "s/^  rounding: half_up/  rounding: up/" \
    $G/months.yaml > "$TMP/$mode.yaml"
  expect_status "$mode" 0 "$INCENTIVE" run --policy "$TMP/$mode.yaml" "${args[@]}" --format csv
  # 100,000 x 2/3 = 66,666.666... up -> 66,666.67; x 1/3 up -> 33,333.34
  expect_grep "$mode quota" "quota 100,000.00 prorated to $quota: $months of 3 months (hired 2026-02-16), rounded up" "$TMP/out"
done
# quotas only: the target bonus is not prorated
sed -e 's/  rounding: half_up/  rounding: half_up\n  applies_to: [quota]/' $G/months.yaml > "$TMP/quota-only.yaml"
expect_status "quota only" 0 "$INCENTIVE" run --policy "$TMP/quota-only.yaml" "${args[@]}" --format csv
expect_grep "full target" "n1,bonus,1000.00" "$TMP/out"
expect_grep "record says what" "rounded half_up\"" "$TMP/out"
# mistakes
cat > "$TMP/bad.yaml" <<'YAML'
policy: t
effective: 2026-01-01
currency: USD
rounding: half_up
period: quarter
proration: {method: weeks, partial_months: include, decimals: 3, applies_to: [quota, bonus]}
event_types:
  deal_closed: {credit: amount, fields: {amount: money}}
rules:
  - {id: c, kind: commission, on: deal_closed, rates: [{rate: 1%}]}
YAML
expect_status "bad proration" 1 "$INCENTIVE" check "$TMP/bad.yaml"
expect_grep "method" "bad.yaml:6:21: expected one of days, months, got 'weeks'" "$TMP/err"
expect_grep "partial months" "bad.yaml:6:44: partial_months applies only to method: months" "$TMP/err"
expect_grep "decimals" "bad.yaml:6:63: decimals 3 is more than USD allows (2)" "$TMP/err"
expect_grep "applies_to" "bad.yaml:6:86: expected one of quota, target_bonus, draw, got 'bonus'" "$TMP/err"
done_testing
