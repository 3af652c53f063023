# Bad input lines are reported as file:line: reason, counted, and never
# dropped silently; --strict fails the run before anything is written.
source "$(dirname "$0")/lib.sh"
G=tests/golden/basic
B=$G/events-bad.csv
args=(--policy $G/policy.yaml --people $G/people.csv --quotas $G/quotas.csv)
expect_status "bad lines are rejected, the rest runs" 0 "$INCENTIVE" run "${args[@]}" --events $B --format csv
cp "$TMP/err" "$TMP/rejects"
expect_grep "counts" "events read 13, accepted 2, rejected 11" "$TMP/rejects"
check() { expect_grep "line $1" "events-bad.csv:$1: " "$TMP/rejects"; expect_grep "line $1 reason" "$2" "$TMP/rejects"; }
check 2 "deal_closd"            # unknown type, with a did-you-mean
check 2 "deal_closed"
check 3 "zz"                    # unknown person
check 4 "2026-02-30"            # a date that does not exist
check 5 "100.001"               # 3 decimals for USD
check 6 "99"                    # split sums to 99
check 8 "duplicate event id 'b6'"
check 9 "nope"                  # ref to nothing
check 10 "amount"               # missing required amount
check 11 "product"              # field not declared for refunds
check 12 "MARS"                 # not one of the enum's values
check 13 "fields"               # wrong field count
# only b6 (line 7) and b12 (line 14) are decided: 100 x 10% each; at the
# quarter's end a's 200.00 is 2% of the 10,000.00 quota, below the 20%
# threshold, so the 20.00 is withheld
expect_eq "three decisions" 4 "$(wc -l < "$TMP/out")"
expect_grep "b6 decided" ",a,commission,10.00,USD,comm,b6," "$TMP/out"
expect_grep "b12 decided" ",a,commission,10.00,USD,comm,b12," "$TMP/out"
expect_grep "threshold" ",a,threshold_withheld,-20.00,USD,comm,," "$TMP/out"
# --strict: exit 1, and an existing --out file is left untouched
echo "previous results" > "$TMP/keep.csv"
expect_status "strict fails" 1 "$INCENTIVE" run "${args[@]}" --events $B --strict --out "$TMP/keep.csv"
expect_grep "strict says why" "rejected" "$TMP/err"
expect_eq "out file untouched" "previous results" "$(cat "$TMP/keep.csv")"
expect_eq "no temp files left" 1 "$(ls "$TMP" | grep -c keep.csv)"
# a missing file is an error naming it
expect_status "missing events file" 1 "$INCENTIVE" run "${args[@]}" --events "$TMP/none.csv"
expect_grep "names the file" "none.csv" "$TMP/err"
# an unknown column is a file error with a hint
printf 'id,date,type,person,amout\n' > "$TMP/col.csv"
expect_status "unknown column" 1 "$INCENTIVE" run "${args[@]}" --events "$TMP/col.csv"
expect_grep "column hint" "amount" "$TMP/err"
done_testing
