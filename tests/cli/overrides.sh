# Manager overrides (tests/golden/overrides, worked out in its README.md):
# two levels, split deals rolled up by share, a manager who left, a refund
# reversing overrides, a cap on overrides; and the policy checks.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/plans_lib.sh"
G=tests/golden/overrides
golden_run overrides "$TMP/o.csv" --policy $G/policy.yaml --people $G/people.csv --events $G/events.csv
golden_compare overrides "$TMP/o.csv" $G/expected.csv
expect_grep "total" "total payout USD 3545.00" "$TMP/o.csv.err"
# reasons name the report, the event and the level
expect_eq "level 1 reason" "3% override on 10,000.00 credited to a Ada on d1: level 1, direct report" \
  "$(reason_of "$TMP/o.csv" D000002)"
expect_eq "split share reason" "1% override on 2,000.00 credited to b Ben (40% of 5,000.00) on d2: level 2, through m1" \
  "$(reason_of "$TMP/o.csv" D000009)"
expect_eq "manager who left" "1% override on 2,000.00 credited to c Cy on d4: level 2, through m2 (m2 left on 2026-02-15: no override for them)" \
  "$(reason_of "$TMP/o.csv" D000022)"
expect_grep "reversal names the report" "reverses part of 90.00 team-override paid on d2 (2026-01-20) for a's deal" "$TMP/o.csv"
# jsonl detail carries the figures
expect_status "jsonl" 0 "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv --events $G/events.csv --format jsonl --quiet
expect_grep "detail" '"report":"b","level":"2","base":"2000","rate":"0.01","share_pct":"40"' "$TMP/out"
# a rule without override is the same pay for the reps: drop the override
# rule and compare the reps' lines
python3 - $G/policy.yaml "$TMP/no-ovr.yaml" <<'PY'
import sys
t = open(sys.argv[1]).read()
a = t.index("  - id: team-override")
b = t.index("  - id: refund-clawback")
t = t[:a] + t[b:]
t = t.replace("reverses: [comm, team-override]", "reverses: [comm]")
t = t.replace("applies_to: [team-override]", "applies_to: [comm]\n    # was the override cap")
open(sys.argv[2], "w").write(t)
PY
expect_status "without overrides" 0 "$INCENTIVE" run --policy "$TMP/no-ovr.yaml" --people $G/people.csv --events $G/events.csv --format csv --quiet
python3 - "$TMP/o.csv" "$TMP/out" <<'PY' && pass || fail "reps' pay changed by the override rule"
import csv, sys
def reps(p):
    return [(r["person"], r["kind"], r["amount"], r["events"]) for r in csv.DictReader(open(p))
            if r["rule"] == "comm" or (r["rule"] == "refund-clawback" and r["person"] in "abc")]
a, b = reps(sys.argv[1]), reps(sys.argv[2])
sys.exit(0 if a == b and len(a) == 8 else 1)
PY
# policy mistakes are reported with their position
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
  - {id: o1, kind: override, on: deal_closed, rate: 3%, levels: 11}
  - {id: o2, kind: override, on: deal_closed, rate: [3%, 1%], levels: 3}
  - {id: o3, kind: override, on: visit, rate: 3%}
  - {id: o4, kind: override, on: deal_closed, rates: 3%}
YAML
expect_status "bad overrides" 1 "$INCENTIVE" check "$TMP/bad.yaml"
expect_grep "levels range" "bad.yaml:10:65: 11 is out of range 1..10" "$TMP/err"
expect_grep "levels vs list" "bad.yaml:11:71: levels: 3, but \`rate\` lists 2 rates" "$TMP/err"
expect_grep "no credit field" "bad.yaml:12:5: missing required key 'base' (event type 'visit' has no credit field)" "$TMP/err"
expect_grep "key of another kind" "bad.yaml:13:47: key 'rates' does not apply to an override rule" "$TMP/err"
expect_grep "did you mean hint" "did you mean 'rate'?" "$TMP/err"
# The reporting line in force on the event's date (people column
# manager_changes): b reports to m1 until 2026-01-31 and to h from
# 2026-02-01 ("h from 2026-02-01").  e1 (2026-01-20, 10,000.00): m1 3% =
# 300.00 (level 1), h 1% = 100.00 (level 2, through m1).  e2 on the day of
# the change (20,000.00): h 3% = 600.00 as b's direct manager; h has no
# manager, so no level 2.  m1 earns nothing on e2.
cat > "$TMP/mv-people.csv" <<'CSV'
id,name,level,team,manager,hired,left,currency,manager_changes
h,Hana Head,M,,,2015-01-01,,,
m1,Mia One,M,T1,h,2018-01-01,,,
b,Ben,R,T1,m1,2020-01-01,,,h from 2026-02-01
CSV
cat > "$TMP/mv-events.csv" <<'CSV'
id,date,type,person,amount
e1,2026-01-20,deal_closed,b,10000.00
e2,2026-02-01,deal_closed,b,20000.00
CSV
expect_status "manager changes" 0 "$INCENTIVE" run --policy $G/policy.yaml --people "$TMP/mv-people.csv" --events "$TMP/mv-events.csv" --format csv
expect_grep "e1 to m1" 'm1,override,300.00,USD,team-override,e1,"3% override on 10,000.00 credited to b Ben on e1: level 1, direct report"' "$TMP/out"
expect_grep "e1 to h through m1" 'h,override,100.00,USD,team-override,e1,"1% override on 10,000.00 credited to b Ben on e1: level 2, through m1"' "$TMP/out"
expect_grep "e2 to h directly" 'h,override,600.00,USD,team-override,e2,"3% override on 20,000.00 credited to b Ben on e2: level 1, direct report"' "$TMP/out"
expect_no_grep "nothing for m1 on e2" "m1,override,600.00" "$TMP/out"
expect_eq "three overrides" "3" "$(grep -c ',override,' "$TMP/out")"
# a change naming nobody, or written wrong, rejects the person's line
cat > "$TMP/mv-bad.csv" <<'CSV'
id,name,level,team,manager,hired,left,currency,manager_changes
h,Hana Head,M,,,2015-01-01,,,
m1,Mia One,M,T1,h,2018-01-01,,,
b,Ben,R,T1,m1,2020-01-01,,,hh from 2026-02-01
c,Cy,R,T1,m1,2020-01-01,,,h on 2026-02-01
d,Di,R,T1,m1,2020-01-01,,,h from 2026-03-01; m1 from 2026-02-01
CSV
expect_status "bad manager changes" 1 "$INCENTIVE" run --strict --policy $G/policy.yaml --people "$TMP/mv-bad.csv" --events "$TMP/mv-events.csv" --format csv
expect_grep "unknown id" "mv-bad.csv:4: manager 'hh' is not a person id" "$TMP/err"
expect_grep "unknown id hint" "did you mean 'h'?" "$TMP/err"
expect_grep "bad entry" "mv-bad.csv:5: manager_changes entry 'h on 2026-02-01' is not 'ID from YYYY-MM-DD' (entries separated by ';')" "$TMP/err"
expect_grep "out of order" "mv-bad.csv:6: manager_changes entry 'm1 from 2026-02-01' must come after the change before it" "$TMP/err"
done_testing
