# The golden case tests/golden/basic: every decision of a small run, worked
# out by hand in tests/golden/basic/README.md, compared field by field.
source "$(dirname "$0")/lib.sh"
G=tests/golden/basic
expect_status "golden run" 0 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv \
  --quotas $G/quotas.csv --events $G/events.csv --format csv --out "$TMP/out.csv"
# the first 8 columns (id .. events) must match exactly
python3 - "$TMP/out.csv" "$G/expected.csv" <<'PY' || fail "golden decisions differ"
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
expect_grep "total" "total payout USD 3025.24" "$TMP/err"
# reasons a person can read
expect_grep "tier story" "tier 2 (x2)" "$TMP/out.csv"
expect_grep "window" "outside the 30-day window" "$TMP/out.csv"
expect_grep "threshold" "below the 20% threshold" "$TMP/out.csv"
expect_grep "split share" "33.34% of 10.00" "$TMP/out.csv"
# jsonl and table carry the same decisions
expect_status "jsonl" 0 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv \
  --quotas $G/quotas.csv --events $G/events.csv --format jsonl --quiet
expect_eq "jsonl lines" 19 "$(wc -l < "$TMP/out")"
expect_grep "jsonl amount is a string" '"amount":"-2500.00"' "$TMP/out"
expect_status "table" 0 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv \
  --quotas $G/quotas.csv --events $G/events.csv --quiet
expect_eq "table lines" 20 "$(wc -l < "$TMP/out")"
# --period: same decisions for 2026-Q1, none for 2026-Q2
expect_status "period Q2" 0 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv \
  --quotas $G/quotas.csv --events $G/events.csv --period 2026-Q2 --format csv
expect_eq "no Q2 decisions" 1 "$(wc -l < "$TMP/out")"
expect_status "bad period" 1 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv \
  --events $G/events.csv --period 2026-13
expect_grep "bad period message" "--period '2026-13' is not a quarter" "$TMP/err"
# no quotas: attainment rules say so (once per person and period), and the
# threshold is not applied rather than guessed
expect_status "no quotas" 0 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv \
  --events $G/events.csv --format csv
expect_grep "no quota warning" "warning: a has no quota for 2026-Q1: rule comm puts all of their sales in its first tier" "$TMP/err"
expect_grep "threshold not applied" "the 20% threshold of rule comm is not applied" "$TMP/err"
done_testing
