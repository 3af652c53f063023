# replay: a recorded run re-evaluated from the database alone (the input
# files and the policy are deleted first) matches the record byte for
# byte; a tampered decision shows up as a difference; --policy shows what
# another policy would have paid, per person and in total (worked out by
# hand from tests/golden/basic/README.md).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit_lib.sh"
DB=$TMP/audit.db

# copies of the inputs and the policy, recorded, then deleted
mkdir -p "$TMP/in/policy"
cp $G/people.csv $G/quotas.csv $G/events.csv $G/events-bad.csv "$TMP/in/"
cp $G/policy.yaml "$TMP/in/policy/"
expect_status "run" 0 "$INCENTIVE" run --policy "$TMP/in/policy" --people "$TMP/in/people.csv" \
  --quotas "$TMP/in/quotas.csv" --events "$TMP/in/events.csv" \
  --audit "$DB" --format csv --out "$TMP/run.csv" --quiet
# a second run: the events as JSON Lines, with the bad lines, one period
python3 - "$TMP/in/events.csv" "$TMP/in/events.jsonl" <<'PY'
import csv, json, sys
with open(sys.argv[2], "w") as out:
    for r in csv.DictReader(open(sys.argv[1])):
        out.write(json.dumps({k: v for k, v in r.items() if v}) + "\n")
PY
expect_status "run 2" 0 "$INCENTIVE" run --policy "$TMP/in/policy" --people "$TMP/in/people.csv" \
  --quotas "$TMP/in/quotas.csv" --events "$TMP/in/events.jsonl" --events "$TMP/in/events-bad.csv" \
  --audit "$DB" --format none --period 2026-Q1 --quiet
rm -rf "$TMP/in"
expect_status "replay run 1" 0 "$INCENTIVE" replay --audit "$DB" 1
expect_grep "identical" "identical: every decision matches the record byte for byte" "$TMP/out"
n=$(($(wc -l < "$TMP/run.csv") - 1))
expect_grep "count" "$n decisions recorded, $n replayed" "$TMP/out"
expect_status "replay run 2" 0 "$INCENTIVE" replay --audit "$DB" 2
expect_grep "identical 2" "identical" "$TMP/out"

# a bigger run: the default policy (Lua script, two versions, splits,
# clawbacks) over the sample company and a generated one
expect_status "acme" 0 "$INCENTIVE" run --policy rules --people fixtures/acme/people.csv \
  --quotas fixtures/acme/quotas.csv --events fixtures/acme/events.csv \
  --events fixtures/acme/events-bad.csv --audit "$TMP/acme.db" --format none --quiet
expect_status "replay acme" 0 "$INCENTIVE" replay --audit "$TMP/acme.db"
expect_grep "acme identical" "identical" "$TMP/out"
python3 fixtures/gen_events.py --seed 5 --count 30000 --people 60 --out "$TMP/gen" >/dev/null
expect_status "generated" 0 "$INCENTIVE" run --policy rules --people "$TMP/gen/people.csv" \
  --quotas "$TMP/gen/quotas.csv" --events "$TMP/gen/events.csv" --audit "$TMP/acme.db" \
  --period 2026-Q2 --format none --quiet
rm -rf "$TMP/gen"
expect_status "replay generated" 0 "$INCENTIVE" replay --audit "$TMP/acme.db" 2
expect_grep "generated identical" "identical" "$TMP/out"

# every kind of input: exchange rates, euro deals and the carried state of
# an earlier run (--state-in) are stored too, and replay uses them
A=fixtures/acme
expect_status "all inputs" 0 "$INCENTIVE" run --policy rules --people $A/people.csv --quotas $A/quotas.csv \
  --events $A/events.csv --events $A/events-eur.csv --rates $A/rates.csv \
  --state-in $A/state-2025-Q4.json --audit "$TMP/all.db" --format none --quiet
expect_eq "inputs stored" "state|1 people|1 quotas|1 rates|1 events|0 events|0" \
  "$(q "$TMP/all.db" "SELECT role || '|' || stored FROM run_inputs ORDER BY n" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "state stored byte for byte" "$(sha256sum < $A/state-2025-Q4.json | cut -d' ' -f1)" \
  "$(q "$TMP/all.db" "SELECT b.sha256 FROM blobs b JOIN run_inputs i ON i.sha256 = b.sha256 WHERE i.role = 'state'")"
expect_status "replay all inputs" 0 "$INCENTIVE" replay --audit "$TMP/all.db"
expect_grep "all inputs identical" "identical" "$TMP/out"

# a recorded decision altered (guards dropped): replay names it
cp "$DB" "$TMP/t.db"
drop_guards "$TMP/t.db"
q "$TMP/t.db" "UPDATE decisions SET amount = '700.00' WHERE run = 1 AND id = 'D000001'"
expect_status "replay tampered" 1 "$INCENTIVE" replay --audit "$TMP/t.db" 1
expect_grep "difference shown" "D000001 amount: recorded 700.00, replayed 600.00" "$TMP/out"
expect_eq "only that one" "1" "$(grep -c '^D0' "$TMP/out")"
expect_grep "verdict" "DIFFERENT: 1 decision differ" "$TMP/out"
# a tampered snapshot is refused rather than replayed
q "$TMP/t.db" "UPDATE blobs SET bytes = CAST(replace(CAST(bytes AS TEXT), '10%', '12%') AS BLOB) WHERE sha256 = (SELECT sha256 FROM policy_files)"
expect_status "replay altered snapshot" 1 "$INCENTIVE" replay --audit "$TMP/t.db" 1
expect_grep "snapshot refused" "the snapshot was altered" "$TMP/err"

# what if SW deals paid 12% instead of 10% (README.md, by hand):
#  a: e1 6,000 x 12% = 720 (was 600): +120; e2's commission 1,056 (was
#     880) is reversed in full by e5 either way: +0  -> a +120.00
#     (recorded: 600 + 100 + 880 + 100 - 50 + 0.33 - 880 - 0.17 = 750.16)
#  b: e8 2,500 x 12% x 1.1 = 330 (was 275)            -> b  +55.00
#  c: only HW and OTHER deals                          -> c    0.00
#  d: e9 5,000 x 12% + 15,000 x 12% x 2 = 4,200; the cap keeps 1,000
#     either way (withheld -3,200 instead of -2,500)   -> d    0.00
#  total +175.00
mkdir -p "$TMP/p12"
sed 's/rate: 10%, label: SW/rate: 12%, label: SW/' $G/policy.yaml > "$TMP/p12/policy.yaml"
grep -q 'rate: 12%' "$TMP/p12/policy.yaml" && pass || fail "test setup: rate not changed"
expect_status "what if" 0 "$INCENTIVE" replay --audit "$DB" 1 --policy "$TMP/p12/policy.yaml" --format csv
expect_grep "a" "a,USD,750.16,870.16,+120.00" "$TMP/out"
expect_grep "b" "b,USD,275.08,330.08,+55.00" "$TMP/out"
expect_grep "total" "TOTAL,USD,3025.24,3200.24,+175.00" "$TMP/out"
expect_no_grep "c unchanged" "c,USD" "$TMP/out"
expect_no_grep "d unchanged" "d,USD" "$TMP/out"
expect_status "what if, all" 0 "$INCENTIVE" replay --audit "$DB" 1 --policy "$TMP/p12/policy.yaml" --format csv --all
expect_grep "d listed with --all" "d,USD,2000.00,2000.00,0.00" "$TMP/out"
expect_status "what if, table" 0 "$INCENTIVE" replay --audit "$DB" 1 --policy "$TMP/p12/policy.yaml"
expect_grep "table total" "TOTAL" "$TMP/out"
expect_grep "unchanged people" "(2 people unchanged; --all lists them)" "$TMP/out"
# the what-if recorded nothing
expect_eq "still two runs" "2" "$(q "$DB" 'SELECT count(*) FROM runs')"

expect_status "no such run" 1 "$INCENTIVE" replay --audit "$DB" 9
expect_grep "no such run message" "no run 9" "$TMP/err"
expect_status "bad run number" 2 "$INCENTIVE" replay --audit "$DB" x
expect_status "missing database" 1 "$INCENTIVE" replay --audit "$TMP/nope.db"
done_testing
