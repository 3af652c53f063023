# `incentive test`: the default policy's own tests pass and reach every
# rule; a failing case shows its first difference; problems in test files
# are reported with file:line:column and a hint; --filter, --coverage and
# --watch (inotify: a touched file re-runs the suite).
source "$(dirname "$0")/lib.sh"

# rules/ ships with tests that pass and cover every rule, row and band
expect_status "rules/ tests pass" 0 "$INCENTIVE" test rules --coverage
expect_grep "summary" " 0 failed" "$TMP/out"
expect_grep "coverage complete" "coverage: every rule, row, band and step was reached" "$TMP/out"
expect_no_grep "no FAIL" "FAIL" "$TMP/out"
# and so does every cookbook example
for ex in rules/examples/*/; do
  [ -d "$ex" ] || continue
  expect_status "example $ex tests pass" 0 "$INCENTIVE" test "$ex" --coverage
  expect_grep "example $ex coverage" "coverage: every rule, row, band and step was reached" "$TMP/out"
done

# a policy to break: the starter policy that init writes
"$INCENTIVE" init "$TMP/p" >/dev/null || fail "init"
T=$TMP/p/tests/starter.yaml

# a wrong expected amount: the first difference, where it is written
cp "$T" "$TMP/orig.yaml"
sed -i 's/amount: 8000.00, rule: commission}/amount: 8250.00, rule: commission}/' "$T"
expect_status "failing case" 1 "$INCENTIVE" test "$TMP/p"
expect_grep "FAIL line" "FAIL starter: the part of a deal above quota earns 1.5 times the rate" "$TMP/out"
expect_grep "first difference" "ben commission: expected 8,250.00, got 8,000.00, rule commission" "$TMP/out"
expect_grep "where" "$T:" "$TMP/out"
expect_grep "others pass" "ok   starter: the SPIFF stops at its cap" "$TMP/out"
expect_grep "summary" "cases: 6 passed, 1 failed" "$TMP/out"
# --filter runs only the matching cases
expect_status "filter" 0 "$INCENTIVE" test "$TMP/p" --filter SPIFF
expect_grep "filtered summary" "1 case: 1 passed, 0 failed, 6 left out by --filter" "$TMP/out"
expect_status "filter none" 1 "$INCENTIVE" test "$TMP/p" --filter no-such-case
expect_grep "no match" "no case matches --filter" "$TMP/out"
cp "$TMP/orig.yaml" "$T"

# problems in a test file: file:line:column, a hint, no case of the file run
cat > "$TMP/p/tests/bad.yaml" <<'YAML'
people:
  - {id: ana, level: SENIOR}
cases:
  - name: a typo in a key and in a rule id
    events:
      - {id: e1, date: 2026-01-05, type: deal_closed, person: ana, amount: 100.00, product: SW-1}
    expct:
      - {person: ana, kind: commission, amount: 10.00}
    expect:
      - {person: ana, kind: commission, amount: 10.00, rule: comission}
  - name: nothing expected
    events: []
  - name: an amount that is not one
    expect:
      - {person: ana, amount: ten}
YAML
expect_status "bad test file" 1 "$INCENTIVE" test "$TMP/p"
expect_grep "unknown key" "$TMP/p/tests/bad.yaml:7:5: unknown key 'expct'" "$TMP/err"
expect_grep "key hint" "hint: did you mean 'expect'?" "$TMP/err"
expect_grep "unknown rule" "$TMP/p/tests/bad.yaml:10:62: unknown rule 'comission': the policy has no rule with this id" "$TMP/err"
expect_grep "rule hint" "hint: did you mean 'commission'?" "$TMP/err"
expect_grep "expects nothing" "$TMP/p/tests/bad.yaml:11:5: case 'nothing expected' expects nothing" "$TMP/err"
expect_grep "bad amount" "$TMP/p/tests/bad.yaml:15:31: expected an amount like 1250.00, got 'ten'" "$TMP/err"
expect_grep "file errors counted" "FAIL 4 problems in test files" "$TMP/out"
expect_grep "other files still run" "7 passed, 0 failed" "$TMP/out"
rm "$TMP/p/tests/bad.yaml"

# each kind of expectation, failing the way it should
cat > "$TMP/p/tests/kinds.yaml" <<'YAML'
people:
  - {id: ana, level: SENIOR}
quotas:
  - {person: ana, period: 2026-Q1, amount: 100000.00}
events:
  - {id: e1, date: 2026-01-05, type: deal_closed, person: ana, amount: 1000.00, product: HW-1}
cases:
  - name: exact finds the decision nobody expected
    events:
      - {id: e1, date: 2026-01-05, type: deal_closed, person: ana, amount: 1000.00, product: HW-1}
      - {id: e2, date: 2026-01-06, type: deal_closed, person: ana, amount: 1000.00, product: SW-1}
    exact: true
    expect:
      - {person: ana, kind: commission, amount: 50.00, events: e1}
  - name: absent catches a decision that must not be made
    absent:
      - {person: ana, kind: commission}
  - name: a rejection that does not happen
    rejected:
      - {id: e1, reason: unknown person}
  - name: a rejection nobody listed
    events:
      - {id: x1, date: 2026-01-05, type: deal_closed, person: zed, amount: 1.00, product: HW-1}
    expect: []
  - name: an expected error that does not come
    error: instruction budget
  - name: an error that comes, as expected
    period: 2026-13
    error: "is not a quarter"
  - name: no such decision at all
    expect:
      - {person: bob, kind: bonus}
YAML
expect_status "kinds" 1 "$INCENTIVE" test "$TMP/p" --filter kinds
expect_grep "exact" "unexpected decision (exact: true): ana commission 100.00, rule commission, 2026-Q1, events e2" "$TMP/out"
expect_grep "absent" "decision that must not be made: ana commission 50.00, rule commission, 2026-Q1, events e1" "$TMP/out"
expect_grep "rejection missing" "expected e1 to be rejected ('unknown person'), but it was not" "$TMP/out"
expect_grep "rejection unlisted" "input line rejected: $TMP/p/tests/kinds.yaml:23: unknown person 'zed'" "$TMP/out"
expect_grep "error missing" "expected an error containing 'instruction budget', but the run succeeded" "$TMP/out"
expect_grep "error as expected" "ok   kinds: an error that comes, as expected" "$TMP/out"
expect_grep "no such decision" "expected bob bonus, but no such decision was made (1 decision)" "$TMP/out"
expect_grep "kinds summary" "7 cases: 1 passed, 6 failed" "$TMP/out"
rm "$TMP/p/tests/kinds.yaml"

# a broken policy: its errors, and no test is run
cp "$TMP/p/policy.yaml" "$TMP/policy.orig"
sed -i 's/rounding: half_up /rounding: half-up /' "$TMP/p/policy.yaml"
expect_status "broken policy" 1 "$INCENTIVE" test "$TMP/p"
expect_grep "policy error" "policy.yaml:24:11: expected one of half_up, half_even, got 'half-up'" "$TMP/err"
expect_grep "no test run" "the policy has 1 error (printed above); no test was run" "$TMP/out"
cp "$TMP/policy.orig" "$TMP/p/policy.yaml"

# no tests at all is a failure, not a silent pass
mkdir -p "$TMP/empty" && cp "$TMP/p/policy.yaml" "$TMP/empty/"
mkdir -p "$TMP/empty/scripts" && cp "$TMP/p/scripts/"* "$TMP/empty/scripts/"
expect_status "no tests" 1 "$INCENTIVE" test "$TMP/empty"
expect_grep "no tests message" "no test cases" "$TMP/out"

# usage
expect_status "no policy" 2 "$INCENTIVE" test
expect_status "help" 0 "$INCENTIVE" test --help
expect_grep "help text" "usage: incentive test POLICY" "$TMP/out"

# --watch: runs, then again after a file is touched; stops on SIGTERM
"$INCENTIVE" test "$TMP/p" --watch >"$TMP/watch.out" 2>"$TMP/watch.err" &
wpid=$!
wait_for() { # pattern count: up to 15 s for `count` lines matching
  for _ in $(seq 150); do
    local n; n=$(grep -c -- "$1" "$TMP/watch.out" 2>/dev/null)
    [ "${n:-0}" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
if wait_for "watching" 1; then pass; else fail "watch: no first run"; fi
expect_grep "watch first run" "7 cases: 7 passed, 0 failed" "$TMP/watch.out"
sleep 0.3
touch "$TMP/p/scripts/long_contract.lua"
if wait_for "watching" 2; then pass; else fail "watch: no run after touching a script"; sed 's/^/  | /' "$TMP/watch.out" >&2; fi
expect_grep "watch says why" "long_contract.lua changed: running the tests again" "$TMP/watch.out"
# a save that breaks a case shows at once
sed -i 's/amount: 8000.00, rule: commission}/amount: 8250.00, rule: commission}/' "$T"
if wait_for "watching" 3; then pass; else fail "watch: no run after editing a test"; fi
expect_grep "watch shows the failure" "expected 8,250.00, got 8,000.00" "$TMP/watch.out"
kill -TERM "$wpid" 2>/dev/null
for _ in $(seq 50); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$wpid" 2>/dev/null; then fail "watch did not stop on SIGTERM"; kill -KILL "$wpid"; else pass; fi
wait "$wpid" 2>/dev/null
expect_eq "watch runs" 3 "$(grep -c 'cases:' "$TMP/watch.out")"
done_testing
