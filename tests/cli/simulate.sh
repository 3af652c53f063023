#!/usr/bin/env bash
# `incentive simulate`: the figures of a tiny golden case worked out by hand
# (tests/golden/sim), scenarios, Monte Carlo determinism, CSV output, and
# that a simulation without --audit records nothing (tests/cli/audit_sim.sh:
# with --audit).
source "$(dirname "$0")/lib.sh"

G=tests/golden/sim
IN=(--people $G/people.csv --quotas $G/quotas.csv --events $G/events.csv --no-curves --quiet)

# cell TABLE COLUMN ROWKEY: the value in COLUMN of the row whose first cell
# is ROWKEY, from the CSV of one table in $TMP/csv/TABLE.csv
cell() {
  python3 - "$TMP/csv/$1.csv" "$2" "$3" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
col = rows[0].index(sys.argv[2])
print(next((r[col] for r in rows[1:] if r[0] == sys.argv[3]), "(no row)"))
PY
}
sim() { rm -rf "$TMP/csv"; "$INCENTIVE" simulate "$@" --csv-dir "$TMP/csv" >"$TMP/out" 2>"$TMP/err"; }

# ---- the policy alone -------------------------------------------------------
# policy.yaml pays 10% of every deal, x2 (20%) for the part above quota, a
# bonus of 1,000.00 from 100% of quota, and claws back refunds.  Both people
# have a quota of 10,000.00.
#  p1: e1 6,000.00 -> 600.00; e3 3,000.00 (6,000 -> 9,000) -> 300.00;
#      e4 refunds 1,000.00 of e1: 600.00 x 1,000 / 6,000 = 100.00 back.
#      Credited 6,000 + 3,000 - 1,000 = 8,000 (80%): no bonus.  Pay 800.00.
#  p2: e2 12,000.00: 10,000 x 10% + 2,000 x 20% = 1,400.00, and at 120%
#      the bonus 1,000.00.  Pay 2,400.00.
#  Total 3,200.00 on credited revenue 8,000 + 12,000 = 20,000: 16.00%.
expect_status "simulate one policy" 0 sim --policy $G/policy.yaml "${IN[@]}"
expect_eq "total cost" "3200.00" "$(cell cost cost USD)"
expect_eq "credited revenue" "20000.00" "$(cell cost "credited revenue" USD)"
expect_eq "cost share" "16.00" "$(cell cost "cost % of revenue" USD)"
expect_eq "pay p1" "800.00" "$(cell people pay p1)"
expect_eq "pay p2" "2400.00" "$(cell people pay p2)"
expect_eq "attainment p1" "80.00" "$(cell people attainment p1)"
expect_eq "team Alpha" "800.00" "$(cell cost_by_team cost Alpha)"
expect_eq "team Beta" "2400.00" "$(cell cost_by_team cost Beta)"
expect_eq "rule commission" "2300.00" "$(cell cost_by_rule amount commission)"   # 600 + 1,400 + 300
expect_eq "rule clawback" "-100.00" "$(cell cost_by_rule amount clawback)"
expect_eq "kind bonus" "1000.00" "$(cell cost_by_kind amount bonus)"
# tiers: both reached tier 1, only p2 tier 2; one bonus at band 1
python3 - "$TMP/csv/tiers.csv" >"$TMP/tiers" <<'PY'
import csv, sys
for r in list(csv.reader(open(sys.argv[1])))[1:]:
    print(r[0], r[1], r[3])
PY
expect_grep "tier 1 reached by 2" "commission tier 1 2" "$TMP/tiers"
expect_grep "tier 2 reached by 1" "commission tier 2 1" "$TMP/tiers"
expect_grep "bonus band 1 paid to 1" "bonus band 1 1" "$TMP/tiers"
# the same figures as `incentive run`
"$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv --quotas $G/quotas.csv \
  --events $G/events.csv 2>"$TMP/runerr" >/dev/null
expect_grep "run agrees" "total payout USD 3200.00" "$TMP/runerr"

# ---- A against B --------------------------------------------------------------
# policy-b.yaml pays x3 above quota: only p2 has sales above quota:
#  p2: 10,000 x 10% + 2,000 x 30% = 1,600.00 + bonus 1,000.00 = 2,600.00 (+200.00,
#  200 / 2,400 = 8.33%); p1 unchanged.  Total 3,400.00: +200.00 = 6.25%.
expect_status "simulate A vs B" 0 sim --policy $G/policy.yaml --vs $G/policy-b.yaml "${IN[@]}"
expect_eq "cost A" "3200.00" "$(cell cost "cost A" USD)"
expect_eq "cost B" "3400.00" "$(cell cost "cost B" USD)"
expect_eq "change" "200.00" "$(cell cost change USD)"
expect_eq "change %" "6.25" "$(cell cost "change %" USD)"
expect_eq "winner p2" "200.00" "$(cell winners change p2)"
expect_eq "winner p2 %" "8.33" "$(cell winners "change %" p2)"
expect_eq "p1 unchanged" "0.00" "$(cell people change p1)"
expect_eq "no losers" "1" "$(wc -l < "$TMP/csv/losers.csv" | tr -d ' ')"
python3 - "$TMP/csv/tiers.csv" >"$TMP/tiers" <<'PY'
import csv, sys
for r in list(csv.reader(open(sys.argv[1])))[1:]:
    print(r[0], r[1], "|", r[2], "|", r[4])
PY
expect_grep "tier labels differ" "commission tier 2 | above 100% of quota: x2 | above 100% of quota: x3" "$TMP/tiers"

# ---- scenarios ------------------------------------------------------------------
# All deal amounts x 1.10; the refund follows its deal (1,000.00 -> 1,100.00):
#  p1: e1 6,600 -> 660.00; e3 3,300 -> 330.00; clawback 660 x 1,100 / 6,600
#      = 110.00; credited 8,800 (88%).  Pay 880.00.
#  p2: 13,200: 1,000.00 + 3,200 x 20% = 1,640.00 + bonus 1,000.00 = 2,640.00.
#  Total 3,520.00 against 3,200.00 as the inputs are: +320.00 = 10.00%.
cat >"$TMP/up10.yaml" <<'EOF'
scenario: deals up 10%
steps:
  - scale: {field: amount, by: 110%}
    when: {type: deal_closed}
EOF
expect_status "scenario x1.10" 0 sim --policy $G/policy.yaml --scenario "$TMP/up10.yaml" "${IN[@]}"
expect_eq "baseline" "3200.00" "$(cell cost "cost baseline" USD)"
expect_eq "scenario" "3520.00" "$(cell cost "cost scenario" USD)"
expect_eq "scenario change" "10.00" "$(cell cost "change %" USD)"
expect_eq "scenario credited" "22000.00" "$(cell cost "credited revenue scenario" USD)"
expect_eq "scenario p1" "880.00" "$(cell people "pay scenario" p1)"
expect_grep "overview counts" "4 amounts scaled" "$TMP/csv/overview.csv"

# Only p2's deals twice as big: 24,000: 1,000.00 + 14,000 x 20% = 3,800.00
# + bonus 1,000.00 = 4,800.00; total 800.00 + 4,800.00 = 5,600.00.
cat >"$TMP/p2x2.yaml" <<'EOF'
steps:
  - {scale: {field: amount, by: 2}, when: {person: p2, amount: {gte: 5000.00}}}
EOF
expect_status "scenario person" 0 sim --policy $G/policy.yaml --scenario "$TMP/p2x2.yaml" "${IN[@]}"
expect_eq "p2 doubled" "5600.00" "$(cell cost "cost scenario" USD)"

# Drop every deal of team Beta (e2): p2 earns nothing; total 800.00.
# Duplicate every deal of p2 instead: e2 and its copy e2~2, 12,000 each:
#  1,400.00 + 12,000 x 20% = 2,400.00, + bonus 1,000.00 = 4,800.00; total 5,600.00.
printf 'steps:\n  - {drop: 100%%, when: {team: Beta}}\n' >"$TMP/drop.yaml"
printf 'steps:\n  - {duplicate: 100%%, when: {person: p2, type: deal_closed}}\n' >"$TMP/dup.yaml"
expect_status "drop" 0 sim --policy $G/policy.yaml --scenario "$TMP/drop.yaml" "${IN[@]}"
expect_eq "dropped" "800.00" "$(cell cost "cost scenario" USD)"
expect_status "duplicate" 0 sim --policy $G/policy.yaml --scenario "$TMP/dup.yaml" "${IN[@]}"
expect_eq "duplicated" "5600.00" "$(cell cost "cost scenario" USD)"
expect_grep "duplicate counted" "1 duplicated" "$TMP/csv/overview.csv"
# Dropping the deal a refund names drops the refund too (a real run would
# reject its ref): dropping e1 leaves e3 (300.00) for p1; total 2,700.00.
printf 'steps:\n  - {drop: 1, when: {product: "^X-1$", amount: {gt: 5000.00}}}\n' >"$TMP/drop1.yaml"
expect_status "drop cascades" 0 sim --policy $G/policy.yaml --scenario "$TMP/drop1.yaml" "${IN[@]}"
expect_eq "cascade" "2700.00" "$(cell cost "cost scenario" USD)"
expect_grep "two dropped" "2 events dropped" "$TMP/csv/overview.csv"

# Move the refund 60 days later: 2026-04-11, 91 days after e1 (2026-01-10),
# outside the 90-day window: nothing is clawed back and the credit stays:
# p1 600.00 + 300.00 = 900.00; total 3,300.00.
printf 'steps:\n  - {move_dates: {days: 60}, when: {type: refund}}\n' >"$TMP/move.yaml"
expect_status "move" 0 sim --policy $G/policy.yaml --scenario "$TMP/move.yaml" "${IN[@]}"
expect_eq "moved" "3300.00" "$(cell cost "cost scenario" USD)"
# Quotas of p2 x 1.2 = 12,000.00: 12,000 of sales is exactly 100%, all in
# tier 1 (a value on a boundary belongs to the lower tier): 1,200.00 + bonus
# 1,000.00; total 800.00 + 2,200.00 = 3,000.00.
printf 'steps:\n  - {scale_quotas: 1.2, when: {person: p2}}\n' >"$TMP/quota.yaml"
expect_status "quotas" 0 sim --policy $G/policy.yaml --scenario "$TMP/quota.yaml" "${IN[@]}"
expect_eq "quota scaled" "3000.00" "$(cell cost "cost scenario" USD)"

# A bad scenario is refused with file:line:column and nothing is printed.
printf 'steps:\n  - {scale: {field: amount, by: 1.1}, whne: {type: x}}\n' >"$TMP/bad.yaml"
expect_status "bad scenario" 1 "$INCENTIVE" simulate --policy $G/policy.yaml --scenario "$TMP/bad.yaml" "${IN[@]}"
expect_grep "bad key located" "bad.yaml:2:39: unknown key 'whne'" "$TMP/err"
expect_eq "nothing printed" "0" "$(wc -c < "$TMP/out" | tr -d ' ')"

# ---- Monte Carlo --------------------------------------------------------------------
# A normal draw with spread 0 is exactly the mean: every multiplier is
# 1.100000, so every trial is the x1.10 scenario above: 3,520.00.
cat >"$TMP/mc0.yaml" <<'EOF'
monte_carlo: {trials: 50, distribution: normal, mean: 1.1, spread: 0}
EOF
expect_status "mc spread 0" 0 sim --policy $G/policy.yaml --scenario "$TMP/mc0.yaml" "${IN[@]}"
for c in mean P10 P50 P90 max min; do
  expect_eq "mc $c" "3520.00" "$(cell mc_cost "$c" "")"
done
expect_eq "mc p2 mean" "2640.00" "$(cell mc_people mean p2)"
# lognormal with spread 0 and mean 1: exp(ln 1) = 1 exactly: the inputs as they are.
printf 'monte_carlo: {trials: 20, mean: 1, spread: 0}\n' >"$TMP/mc1.yaml"
expect_status "mc lognormal spread 0" 0 sim --policy $G/policy.yaml --scenario "$TMP/mc1.yaml" "${IN[@]}"
expect_eq "mc lognormal" "3200.00" "$(cell mc_cost P50 "")"

# Same seed, same numbers, whatever the number of threads; another seed differs.
printf 'monte_carlo: {trials: 300, distribution: lognormal, mean: 1, spread: 0.3}\n' >"$TMP/mc.yaml"
for t in 1 2 5; do
  "$INCENTIVE" simulate --policy $G/policy.yaml --vs $G/policy-b.yaml --scenario "$TMP/mc.yaml" \
    --seed 42 --threads $t "${IN[@]}" --format csv >"$TMP/mc_t$t.csv" 2>/dev/null
done
expect_eq "threads 1 = 2" "" "$(cmp "$TMP/mc_t1.csv" "$TMP/mc_t2.csv" 2>&1)"
expect_eq "threads 1 = 5" "" "$(cmp "$TMP/mc_t1.csv" "$TMP/mc_t5.csv" 2>&1)"
"$INCENTIVE" simulate --policy $G/policy.yaml --vs $G/policy-b.yaml --scenario "$TMP/mc.yaml" \
  --seed 43 "${IN[@]}" --format csv >"$TMP/mc_s43.csv" 2>/dev/null
if cmp -s "$TMP/mc_t1.csv" "$TMP/mc_s43.csv"; then fail "another seed gives other draws"; else pass; fi
expect_grep "mc tables" "# mc_histogram:" "$TMP/mc_t1.csv"
# B pays at least A in every trial (x3 >= x2 above quota): its P10 >= A's.
python3 - "$TMP/mc_t1.csv" >"$TMP/mcchk" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n\n")
t = [b for b in lines if b.startswith("# mc_cost:")][0].splitlines()[2:]
a, b = (r.split(",") for r in t)
print("ok" if all(float(b[i]) >= float(a[i]) for i in range(3, 9)) else "B below A")
PY
expect_eq "B pays at least A" "ok" "$(cat "$TMP/mcchk")"

# ---- payout curve --------------------------------------------------------------------
# profile: quota 10,000.00 in two deals.  50%: 5,000 x 10% = 500.00;
# 100%: 1,000.00 + bonus 1,000.00 = 2,000.00; 150%: 1,000.00 + 5,000 x 20%
# = 2,000.00 + 1,000.00 = 3,000.00 (B: 1,000 + 5,000 x 30% + 1,000 = 3,500.00).
expect_status "curve" 0 sim --policy $G/policy.yaml --vs $G/policy-b.yaml --people $G/people.csv \
  --quotas $G/quotas.csv --events $G/events.csv --profile $G/profile.yaml --quiet
expect_eq "curve 50%" "500.00" "$(cell curve "payout A" 50.00)"
expect_eq "curve 100%" "2000.00" "$(cell curve "payout A" 100.00)"
expect_eq "curve 150% A" "3000.00" "$(cell curve "payout A" 150.00)"
expect_eq "curve 150% B" "3500.00" "$(cell curve "payout B" 150.00)"
expect_eq "curve points" "6" "$(wc -l < "$TMP/csv/curve.csv" | tr -d ' ')"   # 0, 50, ... 200 and the header

# ---- output and usage --------------------------------------------------------------
expect_status "one table as plain csv" 0 "$INCENTIVE" simulate --policy $G/policy.yaml "${IN[@]}" \
  --format csv --table cost
expect_eq "plain csv" "currency,credited revenue,cost,cost % of revenue
USD,20000.00,3200.00,16.00" "$(cat "$TMP/out")"
expect_status "table format" 0 "$INCENTIVE" simulate --policy $G/policy.yaml "${IN[@]}" --table people
expect_grep "grouped" "2,400.00" "$TMP/out"
expect_status "unknown table" 2 "$INCENTIVE" simulate --policy $G/policy.yaml "${IN[@]}" --table nope
expect_status "no events" 2 "$INCENTIVE" simulate --policy $G/policy.yaml --people $G/people.csv
expect_status "bad trials" 2 "$INCENTIVE" simulate --policy $G/policy.yaml "${IN[@]}" --trials x
expect_status "help" 0 "$INCENTIVE" simulate --help

# ---- the default policy over the sample company -----------------------------------
RATES=()
[ -f fixtures/acme/rates.csv ] && RATES=(--rates fixtures/acme/rates.csv)
expect_status "acme" 0 sim --policy rules --people fixtures/acme/people.csv --quotas fixtures/acme/quotas.csv \
  --events fixtures/acme/events.csv "${RATES[@]}" --quiet
"$INCENTIVE" run --policy rules --people fixtures/acme/people.csv --quotas fixtures/acme/quotas.csv \
  --events fixtures/acme/events.csv "${RATES[@]}" 2>"$TMP/runerr" >/dev/null
expect_grep "acme total as run" "total payout USD $(cell cost cost USD)" "$TMP/runerr"
# the handbook's profile (rules/examples/profile.yaml) draws the curve:
# SR2, quota 250,000.00, SW-ENT 8%; at 100%: 125,000 x 4% + 125,000 x 8%
# + target bonus 3,500.00 = 18,500.00
expect_eq "acme curve 100%" "18500.00" "$(cell curve payout 100.00)"

# ---- nothing is recorded -----------------------------------------------------------------
expect_eq "no files left" "" "$(ls $G | grep -v -E '^(policy|policy-b)\.yaml$|\.csv$|^profile\.yaml$|^README\.md$')"

done_testing
