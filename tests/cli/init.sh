# `incentive init DIR`: writes a starter policy that checks clean, whose
# tests pass and reach every rule, and that runs on its sample data with
# the decisions worked out by hand in its tests/starter.yaml.
source "$(dirname "$0")/lib.sh"
expect_status "init" 0 "$INCENTIVE" init "$TMP/new"
expect_grep "lists files" "wrote $TMP/new/policy.yaml" "$TMP/out"
expect_grep "says what next" "incentive test $TMP/new" "$TMP/out"
for f in policy.yaml scripts/long_contract.lua data/people.csv data/quotas.csv data/events.csv tests/starter.yaml; do
  if [ -s "$TMP/new/$f" ]; then pass; else fail "init did not write $f"; fi
done
expect_status "starter checks clean" 0 "$INCENTIVE" check "$TMP/new"
expect_status "starter tests pass" 0 "$INCENTIVE" test "$TMP/new" --coverage
expect_grep "starter tests" "7 cases: 7 passed, 0 failed" "$TMP/out"
expect_grep "starter coverage" "coverage: every rule, row, band and step was reached" "$TMP/out"
expect_status "starter runs" 0 "$INCENTIVE" run --policy "$TMP/new" --people "$TMP/new/data/people.csv" \
  --quotas "$TMP/new/data/quotas.csv" --events "$TMP/new/data/events.csv" --format csv
# 9 decisions (worked out in tests/starter.yaml), one header line
expect_eq "starter decisions" 10 "$(wc -l < "$TMP/out")"
expect_grep "accelerated split" "ana,commission,2250.00,USD,commission,d3" "$TMP/out"
expect_grep "total" "total payout USD 14475.00" "$TMP/err"
# the starter policy has one rule of each common kind
for k in commission spiff bonus clawback cap script; do
  expect_grep "kind $k" "kind: $k" "$TMP/new/policy.yaml"
done
# never over an existing, non-empty directory
expect_status "init refuses non-empty" 1 "$INCENTIVE" init "$TMP/new"
expect_grep "refusal says why" "is not an empty directory" "$TMP/err"
mkdir "$TMP/empty"
expect_status "init into empty dir" 0 "$INCENTIVE" init "$TMP/empty"
expect_status "usage" 2 "$INCENTIVE" init
expect_status "help" 0 "$INCENTIVE" init --help
done_testing
