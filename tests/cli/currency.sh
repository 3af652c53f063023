# Currencies (tests/golden/currency, worked out in its README.md): events
# in another currency converted with a rates file, before computing
# (convert: amount) or after (convert: result); totals per currency; a
# missing rate is an error naming the date and the pair.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/plans_lib.sh"
G=tests/golden/currency
args=(--people $G/people.csv --rates $G/rates.csv --events $G/events.csv)
golden_run amount "$TMP/a.csv" --policy $G/amount.yaml "${args[@]}"
golden_compare amount "$TMP/a.csv" $G/expected-amount.csv
expect_grep "USD total" "total payout USD 67.56" "$TMP/a.csv.err"
expect_grep "EUR total" "total payout EUR 44.60" "$TMP/a.csv.err"
expect_grep "rates counted" "exchange rates 8 (0 rejected)" "$TMP/a.csv.err"
golden_run result "$TMP/r.csv" --policy $G/result.yaml "${args[@]}"
golden_compare result "$TMP/r.csv" $G/expected-result.csv
expect_grep "USD total (result)" "total payout USD 67.55" "$TMP/r.csv.err"
expect_eq "conversion record" "EUR amounts converted to USD at 1.0865 (EUR->USD rate of 2026-01-07); amount 10.00 EUR = 10.87 USD (rounded half_up)" \
  "$(reason_of "$TMP/a.csv" D000007)"
expect_eq "refund at the deal's rate" "EUR amounts converted to USD at 1.25 (EUR->USD rate of 2026-01-05, the rate of deal x1); amount 1,000.01 EUR = 1,250.01 USD (rounded half_up)" \
  "$(reason_of "$TMP/a.csv" D000017)"
# a missing rate stops the run, naming the date and the pair
printf 'id,date,type,person,amount,currency,product\nm1,2026-01-09,deal_closed,u1,50.00,EUR,BIG\n' > "$TMP/missing.csv"
expect_status "missing rate" 1 "$INCENTIVE" run --policy $G/amount.yaml --people $G/people.csv \
  --rates $G/rates.csv --events "$TMP/missing.csv"
expect_grep "missing rate message" "event m1 ($TMP/missing.csv:2): no EUR->USD rate for 2026-01-09 in the rates file" "$TMP/err"
expect_status "no rates file" 1 "$INCENTIVE" run --policy $G/amount.yaml --people $G/people.csv \
  --events "$TMP/missing.csv"
expect_grep "no rates file message" "no EUR->USD rate for 2026-01-09: no rates file was given (run with --rates FILE" "$TMP/err"
# lookup: latest takes the last rate on or before the date (01-07's)
sed 's/lookup: exact/lookup: latest/' $G/amount.yaml > "$TMP/latest.yaml"
expect_status "latest" 0 "$INCENTIVE" run --policy "$TMP/latest.yaml" --people $G/people.csv \
  --rates $G/rates.csv --events "$TMP/missing.csv" --format csv
# 50.00 x 1.0865 = 54.325 -> 54.33 (half_up); 8% = 4.3464 -> 4.35
expect_grep "latest rate" "EUR amounts converted to USD at 1.0865 (EUR->USD rate of 2026-01-07); amount 50.00 EUR = 54.33 USD" "$TMP/out"
expect_grep "latest commission" "u1,commission,4.35,USD" "$TMP/out"
# money decimals follow the event's currency: JPY has none, EUR two
printf 'id,date,type,person,amount,currency,product\nj1,2026-01-06,deal_closed,u2,99.5,JPY,BIG\nj2,2026-01-06,deal_closed,u2,1.005,EUR,BIG\nj3,2026-01-06,deal_closed,u2,1.00,XXX,BIG\n' > "$TMP/dec.csv"
expect_status "decimals" 0 "$INCENTIVE" run --policy $G/amount.yaml --people $G/people.csv \
  --rates $G/rates.csv --events "$TMP/dec.csv" --format csv
expect_grep "JPY decimals" "dec.csv:2: amount 99.5 has 1 decimal; JPY allows 0" "$TMP/err"
expect_grep "EUR decimals" "dec.csv:3: amount 1.005 has 3 decimals; EUR allows 2" "$TMP/err"
expect_grep "unknown currency" "dec.csv:4: currency 'XXX' is not one of USD, EUR, JPY" "$TMP/err"
# bad rates lines are reported and counted, and fail --strict
printf 'date,from,to,rate\n2026-01-05,EUR,USD,1.25\n2026-01-05,EUR,USD,1.26\n2026-01-06,EUR,EUR,1\n2026-01-07,EUR,XYZ,1\n2026-01-08,EUR,USD,-1\n2026-02-30,EUR,USD,1\n2026-01-09,EUR,USD,1.2.3\n' > "$TMP/rates-bad.csv"
expect_status "bad rates" 0 "$INCENTIVE" run --policy $G/amount.yaml --people $G/people.csv \
  --rates "$TMP/rates-bad.csv" --events "$TMP/dec.csv" --format csv
expect_grep "duplicate" "rates-bad.csv:3: duplicate EUR->USD rate for 2026-01-05 (first at $TMP/rates-bad.csv:2)" "$TMP/err"
expect_grep "same currency" "rates-bad.csv:4: from and to are both EUR" "$TMP/err"
expect_grep "unknown code" "rates-bad.csv:5: to 'XYZ' is not a currency code the policy knows" "$TMP/err"
expect_grep "negative" "rates-bad.csv:6: rate -1 must be greater than 0" "$TMP/err"
expect_grep "date" "rates-bad.csv:7: date '2026-02-30' does not exist" "$TMP/err"
expect_grep "not a number" "rates-bad.csv:8: rate '1.2.3' is not a decimal number" "$TMP/err"
expect_grep "counted" "exchange rates 1 (6 rejected)" "$TMP/err"
expect_status "bad rates strict" 1 "$INCENTIVE" run --policy $G/amount.yaml --people $G/people.csv \
  --rates "$TMP/rates-bad.csv" --events $G/events.csv --strict
expect_grep "strict" "--strict: 6 input line(s) rejected" "$TMP/err"
printf 'day,from,to,rate\n' > "$TMP/rates-header.csv"
expect_status "bad header" 1 "$INCENTIVE" run --policy $G/amount.yaml --people $G/people.csv \
  --rates "$TMP/rates-header.csv" --events $G/events.csv
# policy mistakes
cat > "$TMP/bad.yaml" <<'YAML'
policy: t
effective: 2026-01-01
currency: USD
rounding: half_up
period: quarter
conversion: {convert: before, lookup: nearest}
event_types:
  deal_closed: {credit: amount, fields: {amount: money, currency: integer}}
  refund: {fields: {amount: money, currency: {type: enum, values: [USD, EURO]}}}
rules:
  - {id: c, kind: commission, on: deal_closed, rates: [{rate: 1%}]}
YAML
expect_status "bad conversion" 1 "$INCENTIVE" check "$TMP/bad.yaml"
expect_grep "convert" "bad.yaml:6:23: expected one of amount, result, got 'before'" "$TMP/err"
expect_grep "lookup" "bad.yaml:6:39: expected one of exact, latest, got 'nearest'" "$TMP/err"
expect_grep "currency field type" "bad.yaml:8:57: field 'currency' of event type 'deal_closed' names the currency of its money fields: it must be a string or an enum" "$TMP/err"
expect_grep "currency enum values" "bad.yaml:9:36: field 'currency' of event type 'refund': 'EURO' is not a currency code" "$TMP/err"
done_testing
