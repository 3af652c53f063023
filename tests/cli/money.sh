# Exact money: rounding modes, 0.10 + 0.20, amounts near 10^12 with
# 6-decimal rates, refunds that exactly reverse, per-currency minor units.
# Inputs: tests/golden/money/.  Every expected figure is worked out below.
source "$(dirname "$0")/lib.sh"
G=tests/golden/money
run() { # policy -> $TMP/out (csv)
  expect_status "run $1" 0 "$INCENTIVE" run --policy "$G/$1" --people $G/people.csv \
    --events $G/events.csv --format csv --out "$TMP/$1.csv"
  cp "$TMP/err" "$TMP/$1.err"
}
amount() { # file event-id kind -> amount column
  python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["events"].split(",")[0]==sys.argv[2] and r["kind"]==sys.argv[3]: print(r["amount"])' "$@"
}
run half_up.yaml
run half_even.yaml
U=$TMP/half_up.yaml.csv E=$TMP/half_even.yaml.csv
# 617.25 x 10% = 61.725: a tie at the third decimal
expect_eq "61.725 half_up" 61.73 "$(amount $U m1 commission)"
expect_eq "61.725 half_even" 61.72 "$(amount $E m1 commission)"
# 0.10 x 100% and 0.20 x 100%
expect_eq "0.10" 0.10 "$(amount $U m2 commission)"
expect_eq "0.20" 0.20 "$(amount $U m3 commission)"
# 999,999,999,999.99 x 8.123456% = 81,234,560,000 - 0.0008123456
#   = 81,234,559,999.9991876544 -> 81,234,560,000.00 (no overflow)
expect_eq "10^12 x 6-decimal rate" 81234560000.00 "$(amount $U m4 commission)"
expect_eq "its refund reverses it exactly" -81234560000.00 "$(amount $U m5 clawback)"
# 12,345.67 x 8.5% = 1,049.38195 -> 1,049.38; the refund is exactly -1,049.38
expect_eq "sale" 1049.38 "$(amount $U m6 commission)"
expect_eq "refund" -1049.38 "$(amount $U m7 clawback)"
# JPY has no decimals: 1005 x 10% = 100.5 -> 101 (half_up) / 100 (half_even)
expect_eq "JPY half_up" 101 "$(amount $U m8 commission)"
expect_eq "JPY half_even" 100 "$(amount $E m8 commission)"
# KWD has 3: 1.005 x 10% = 0.1005 -> 0.101 / 0.100
expect_eq "KWD half_up" 0.101 "$(amount $U m9 commission)"
expect_eq "KWD half_even" 0.100 "$(amount $E m9 commission)"
# totals per currency, never mixed: USD 61.73 + 0.10 + 0.20 + 0 + 0 = 62.03
expect_grep "USD total half_up" "total payout USD 62.03" "$TMP/half_up.yaml.err"
expect_grep "USD total half_even" "total payout USD 62.02" "$TMP/half_even.yaml.err"
expect_grep "JPY total" "total payout JPY 101" "$TMP/half_up.yaml.err"
expect_grep "KWD total" "total payout KWD 0.101" "$TMP/half_up.yaml.err"
# too many decimals for the currency is a rejected line, not a rounding
printf 'id,date,type,person,amount,product,ref\nx1,2026-01-02,deal_closed,u1,1.005,TEN,\nx2,2026-01-02,deal_closed,j1,10.5,TEN,\n' > "$TMP/dec.csv"
expect_status "too many decimals" 0 "$INCENTIVE" run --policy $G/half_up.yaml --people $G/people.csv \
  --events "$TMP/dec.csv" --format csv
expect_grep "USD 3 decimals" "dec.csv:2:" "$TMP/err"
expect_grep "JPY 1 decimal" "dec.csv:3:" "$TMP/err"
expect_eq "no decisions from rejected lines" 1 "$(wc -l < "$TMP/out")"
done_testing
