# Approvals and the period lock: a final run pays only from an approved
# policy hash and locks its period; a later run over the locked period
# never rewrites it but adds adjustment lines (owed now minus already
# paid), worked out by hand on tests/golden/basic (README.md).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit_lib.sh"
DB=$TMP/audit.db
phash=$(python3 -c 'import hashlib,sys; b=open(sys.argv[1],"rb").read(); print(hashlib.sha256(b"policy.yaml\0"+str(len(b)).encode()+b"\0"+b).hexdigest())' $G/policy.yaml)

# not approved: refused, with the hash in the message; nothing recorded
expect_status "final, unapproved" 1 golden_run "$DB" --final --period 2026-Q1
expect_grep "hash in the message" "policy sha256 $phash has no approval" "$TMP/err"
expect_grep "how to approve" "incentive approve --audit" "$TMP/err"
expect_eq "nothing recorded" "0" "$(q "$DB" 'SELECT count(*) FROM runs')"
expect_status "final needs a period" 2 golden_run "$DB" --final

expect_status "approve" 0 "$INCENTIVE" approve --audit "$DB" --policy $G/policy.yaml --by "Finance Director" --note "minutes 2026-03-31"
expect_grep "approval printed" "approval 1: policy $phash" "$TMP/out"
expect_eq "approval row" "1|$phash|Finance Director|minutes 2026-03-31" "$(q "$DB" 'SELECT approval, policy, approved_by, note FROM approvals')"
expect_status "approve needs --by" 2 "$INCENTIVE" approve --audit "$DB" --policy $G/policy.yaml
# a policy with errors is not approved
printf 'policy: x\n' > "$TMP/bad.yaml"
expect_status "bad policy" 1 "$INCENTIVE" approve --audit "$DB" --policy "$TMP/bad.yaml" --by X
expect_eq "still one approval" "1" "$(q "$DB" 'SELECT count(*) FROM approvals')"

# the final run: approved, locks 2026-Q1
expect_status "final run" 0 golden_run "$DB" --final --period 2026-Q1 --out "$TMP/final.csv"
expect_grep "final summary" "run 1 recorded (final, approval 1, locks 2026-Q1)" "$TMP/err"
expect_eq "final row" "final|1|2026-Q1|" "$(q "$DB" 'SELECT status, approval, period, locked_by FROM runs WHERE run = 1')"
q "$DB" "SELECT * FROM decisions WHERE run = 1 ORDER BY seq" > "$TMP/locked.before"
# drafts are drafts
expect_status "draft run" 0 golden_run "$DB" --quiet --format none --period 2026-Q2
expect_eq "draft" "draft" "$(q "$DB" 'SELECT status FROM runs WHERE run = 2')"

# a late event for b: 2026-03-20, 1,000.00 SW-Z EMEA.  b had 2,501.66
# credited (README.md): 3,501.66 is under the 10,000.00 quota (tier 1),
# 1,000.00 x 10% x 1 = 100.00 more commission; b stays above the 20%
# threshold, under the cap and below the bonus band.  So b is owed 100.00
# more commission than run 1 paid, and nobody else changes.
{ head -1 $G/events.csv; echo "x1,2026-03-20,deal_closed,b,1000.00,SW-Z,EMEA,,"; } > "$TMP/late.csv"
late=(--events "$TMP/late.csv")
expect_status "re-run with a late event" 0 golden_run "$DB" "${late[@]}" --period 2026-Q1 --out "$TMP/r3.csv"
expect_grep "lock reported" "2026-Q1 was locked by final run 1: 1 adjustment line" "$TMP/err"
expect_eq "one adjustment" "1" "$(grep -c ',adjustment,' "$TMP/r3.csv")"
expect_grep "b adjusted by 100.00" ",2026-Q1,b,adjustment,100.00,USD," "$TMP/r3.csv"
expect_grep "adjustment reason" "commission for 2026-Q1: 375.17 owed now, 275.17 already paid by final run 1: adjustment +100.00" "$TMP/r3.csv"
expect_eq "locked_by" "1" "$(q "$DB" 'SELECT locked_by FROM runs WHERE run = 3')"
# the locked run was not rewritten
q "$DB" "SELECT * FROM decisions WHERE run = 1 ORDER BY seq" > "$TMP/locked.after"
cmp -s "$TMP/locked.before" "$TMP/locked.after" && pass || fail "the locked run changed"

# a final re-run pays the adjustment; after it, nothing more is owed
expect_status "final re-run" 0 golden_run "$DB" "${late[@]}" --period 2026-Q1 --final --quiet --out "$TMP/r4.csv"
expect_grep "final re-run adjusts" ",b,adjustment,100.00,USD," "$TMP/r4.csv"
expect_status "draft after" 0 golden_run "$DB" "${late[@]}" --period 2026-Q1 --out "$TMP/r5.csv"
expect_eq "no adjustment" "0" "$(grep -c ',adjustment,' "$TMP/r5.csv")"
expect_grep "0 lines" "0 adjustment lines" "$TMP/err"
# without the late event, the 100.00 paid by runs 1 and 4 is taken back
expect_status "without the late event" 0 golden_run "$DB" --period 2026-Q1 --out "$TMP/r6.csv"
expect_grep "reversal" ",b,adjustment,-100.00,USD," "$TMP/r6.csv"
expect_grep "paid by both" "already paid by final runs 1,4" "$TMP/r6.csv"

# the statement of b for run 3: already paid and payable
expect_status "statement" 0 "$INCENTIVE" statement --audit "$DB" --run 3 --person b
expect_grep "already paid" "already paid" "$TMP/out"
expect_grep "payable" "payable by this run                100.00 USD" "$TMP/out"

# every run replays identical, adjustments included, and verifies
for r in 1 2 3 4 5 6; do
  expect_status "replay $r" 0 "$INCENTIVE" replay --audit "$DB" $r
done
expect_status "verify" 0 "$INCENTIVE" verify --audit "$DB" --quiet

# any change to the policy bytes is a new hash, unapproved
mkdir -p "$TMP/p2"
{ cat $G/policy.yaml; echo "# reviewed"; } > "$TMP/p2/policy.yaml"
expect_status "changed policy, final" 1 "$INCENTIVE" run --policy "$TMP/p2/policy.yaml" --people $G/people.csv \
  --quotas $G/quotas.csv --events $G/events.csv --audit "$DB" --final --period 2026-Q1
expect_grep "unapproved again" "has no approval" "$TMP/err"
expect_status "approve it" 0 "$INCENTIVE" approve --audit "$DB" --policy "$TMP/p2/policy.yaml" --by "Finance Director"
expect_grep "approval 2" "approval 2:" "$TMP/out"
expect_status "changed policy, approved" 0 "$INCENTIVE" run --policy "$TMP/p2/policy.yaml" --people $G/people.csv \
  --quotas $G/quotas.csv --events $G/events.csv --audit "$DB" --final --period 2026-Q1 --quiet
expect_eq "relied on approval 2" "2" "$(q "$DB" 'SELECT approval FROM runs ORDER BY run DESC LIMIT 1')"
expect_eq "chains recomputed" "ok" "$($AUDIT_CHAIN "$DB" | tail -1)"
done_testing
