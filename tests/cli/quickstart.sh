# The README's first command, minus the install: check the default policy
# and run it over the sample company; the run must succeed, reject nothing
# from events.csv and pay every kind the default policy declares.
source "$(dirname "$0")/lib.sh"
A=fixtures/acme
expect_status "check rules" 0 "$INCENTIVE" check rules
expect_status "run acme" 0 "$INCENTIVE" run --policy rules --people $A/people.csv \
  --quotas $A/quotas.csv --events $A/events.csv --events $A/events-eur.csv \
  --rates $A/rates.csv
expect_grep "summary" "rejected 0" "$TMP/err"
for kind in commission spiff bonus clawback cap_withheld threshold_withheld \
    override draw draw_balance conversion proration; do
  expect_grep "kind $kind" " $kind " "$TMP/out"
done
# the second currency: totals per currency, never added together
expect_grep "EUR total" "total payout EUR " "$TMP/err"
expect_grep "USD total" "total payout USD " "$TMP/err"
expect_grep "Lua rule fired" "multi-year-kicker" "$TMP/out"
# events.csv alone needs no rates (its deals are all in dollars)
expect_status "run acme, dollars only" 0 "$INCENTIVE" run --policy rules --people $A/people.csv \
  --quotas $A/quotas.csv --events $A/events.csv
# the euro deals without the rates file: a clear error
expect_status "no rates" 1 "$INCENTIVE" run --policy rules --people $A/people.csv \
  --quotas $A/quotas.csv --events $A/events.csv --events $A/events-eur.csv
expect_grep "no rates message" "no EUR->USD rate for 2026-02-09: no rates file was given" "$TMP/err"
# README quickstart names the two commands
expect_grep "README quickstart" "bash .ci/quickstart" README.md
expect_grep "README tests" "bash .ci/run" README.md
# every verb answers --help
for v in check run; do expect_status "$v --help" 0 "$INCENTIVE" $v --help; done
expect_status "no verb" 2 "$INCENTIVE"
expect_status "unknown verb" 2 "$INCENTIVE" frobnicate
done_testing
