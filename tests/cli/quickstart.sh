# The README's first command, minus the install: check the default policy
# and run it over the sample company; the run must succeed, reject nothing
# from events.csv and pay every kind the default policy declares.
source "$(dirname "$0")/lib.sh"
A=fixtures/acme
expect_status "check rules" 0 "$INCENTIVE" check rules
expect_status "run acme" 0 "$INCENTIVE" run --policy rules --people $A/people.csv \
  --quotas $A/quotas.csv --events $A/events.csv
expect_grep "summary" "rejected 0" "$TMP/err"
for kind in commission spiff bonus clawback cap_withheld threshold_withheld; do
  expect_grep "kind $kind" " $kind " "$TMP/out"
done
expect_grep "Lua rule fired" "multi-year-kicker" "$TMP/out"
# README quickstart names the two commands
expect_grep "README quickstart" "bash .ci/quickstart" README.md
expect_grep "README tests" "bash .ci/run" README.md
# every verb answers --help
for v in check run; do expect_status "$v --help" 0 "$INCENTIVE" $v --help; done
expect_status "no verb" 2 "$INCENTIVE"
expect_status "unknown verb" 2 "$INCENTIVE" frobnicate
done_testing
