# The peer benchmark's reference policy (bench/reference/, POLICY.md of
# ../shared/bench/peers) on a few events worked out by hand, in both
# variants, through `--format peers`; the keys it uses (`input:`, `sign:
# negative`, `base: credited`) and their mistakes; and the second thread
# (`--threads`) giving the same output as one.
source "$(dirname "$0")/lib.sh"
R=bench/reference
cat > "$TMP/ev.csv" <<'CSV'
id,date,rep,region,sku,type,amount
1,2026-01-05,r0001,EMEA,SW-ENT-120,deal_closed,60000.00
2,2026-01-05,r0002,APAC,HW-SRV-010,deal_closed,100.05
9,2026-01-05,r0002,AMER,SW-SMB-040,deal_closed,50.50
10,2026-01-05,r0001,AMER,SVC-CON-005,refund,1000.00
11,2026-01-06,r0001,EMEA,SW-ENT-1234,deal_closed,2000000.00
CSV
# By hand (POLICY.md: amount x rate x region multiplier, rounded half up):
#  1: 60000.00 x 8% x 1.00 = 4800.00; SW-ENT-120 >= 50000.00: SPIFF 150.00
#  2: 100.05 x 3% x 1.10 = 3.30165 -> 3.30
#  9: 50.50 x 6% x 0.95 = 2.8785 -> 2.88 (9 before 10: ids are numbers)
# 10: refund: -(1000.00 x 10% x 0.95) = -95.00
# 11: 2,000,000.00 x 8% = 160000.00; SW-ENT-1234 is not SW-ENT-1dd: no SPIFF
# r0001: net 60000 - 1000 + 2000000 = 2059000.00; commission 4800 - 95 +
#        160000 = 164705.00; accelerator 2% x (2059000 - 1000000) =
#        21180.00; payout 164705 + 150 + 21180 = 186035.00
# r0002: net 100.05 + 50.50 = 150.55; commission 3.30 + 2.88 = 6.18
cat > "$TMP/want.csv" <<'CSV'
id,commission,spiff
1,4800.00,150.00
2,3.30,0.00
9,2.88,0.00
10,-95.00,0.00
11,160000.00,0.00
rep,net_amount,commission,spiff,accelerator,payout
r0001,2059000.00,164705.00,150.00,21180.00,186035.00
r0002,150.55,6.18,0.00,0.00,6.18
CSV
for v in declarative lua; do
  expect_status "$v" 0 "$INCENTIVE" run --policy $R/$v --people $R/people.csv \
    --events "$TMP/ev.csv" --format peers --out "$TMP/$v.csv" --quiet
  cmp -s "$TMP/want.csv" "$TMP/$v.csv" && pass ||
    { fail "$v: output differs from the hand-worked one"; diff "$TMP/want.csv" "$TMP/$v.csv" >&2; }
done
# the same lines in another order: 10 on the same day is still after 9
{ head -1 "$TMP/ev.csv"; tail -n +2 "$TMP/ev.csv" | sort -r; } > "$TMP/rev.csv"
expect_status "reversed lines" 0 "$INCENTIVE" run --policy $R/declarative --people $R/people.csv \
  --events "$TMP/rev.csv" --format peers --out "$TMP/rev.out" --quiet
cmp -s "$TMP/want.csv" "$TMP/rev.out" && pass || fail "reversed input gives another output"
# ids: numeric refuses an id that is not a number
printf 'id,date,rep,region,sku,type,amount\nx1,2026-01-05,r0001,EMEA,HW-1,deal_closed,1.00\n' > "$TMP/bad.csv"
expect_status "not a number" 0 "$INCENTIVE" run --policy $R/declarative --people $R/people.csv \
  --events "$TMP/bad.csv" --format peers
expect_grep "not a number" "event id 'x1' is not a number" "$TMP/err"

# mistakes in the keys
mk() { mkdir -p "$TMP/$1"; cat > "$TMP/$1/p.yaml"; }
head='policy: p
effective: 2026-01-01
currency: USD
rounding: half_up
period: quarter'
mk cols <<Y
$head
input: {columns: {person: id}, ids: number}
event_types: {deal_closed: {credit: amount, fields: {amount: money}}}
rules: []
Y
expect_status "check input" 1 "$INCENTIVE" check "$TMP/cols"
expect_grep "same column" "columns id and person are both named 'id'" "$TMP/err"
expect_grep "ids" "expected one of text, numeric" "$TMP/err"
mk base <<Y
$head
event_types:
  deal_closed: {credit: amount, fields: {amount: money}}
  refund: {credit: amount, sign: minus, fields: {amount: money}}
rules:
  - {id: a, kind: commission, on: deal_closed, base: credited, rates: [{rate: 1%}]}
Y
expect_status "check base" 1 "$INCENTIVE" check "$TMP/base"
expect_grep "sign" "expected one of positive, negative" "$TMP/err"
expect_grep "base credited" "base: credited is paid at period end on the credited total" "$TMP/err"
expect_grep "base credited rates" "base: credited takes no rates, factors or units" "$TMP/err"
mkdir -p "$TMP/vers"
printf '%s\ninput: {ids: numeric}\nevent_types: {deal_closed: {fields: {amount: money}}}\nrules: []\n' "$head" > "$TMP/vers/a.yaml"
printf '%s\nversion: b\neffective: 2026-02-01\nevent_types: {deal_closed: {fields: {amount: money}}}\nrules: []\n' \
  "$(echo "$head" | sed /effective/d)" > "$TMP/vers/b.yaml"
expect_status "check versions" 1 "$INCENTIVE" check "$TMP/vers"
expect_grep "versions" "input: differs from the input of" "$TMP/err"

# a second thread reads while the first evaluates: the same output
python3 fixtures/gen_events.py --seed 5 --count 30000 --people 80 --out "$TMP/gen" >/dev/null
g=(--policy rules --people "$TMP/gen/people.csv" --quotas "$TMP/gen/quotas.csv" --events "$TMP/gen/events.csv" --format jsonl --quiet)
expect_status "threads 1" 0 "$INCENTIVE" run "${g[@]}" --threads 1 --out "$TMP/t1.jsonl"
expect_status "threads auto" 0 "$INCENTIVE" run "${g[@]}" --threads auto --out "$TMP/t2.jsonl"
cmp -s "$TMP/t1.jsonl" "$TMP/t2.jsonl" && pass || fail "--threads 1 and auto differ"
expect_status "threads bad" 2 "$INCENTIVE" run "${g[@]}" --threads 3
# Recorded and replayed: the stored events are written back under the
# policy's own column names (`rep`) and a refund's amount as written in the
# file (1000.00; `sign: negative` negates it when read, on replay too), so
# the replay is identical: the refund's -95.00 again.
expect_status "peers run with --audit" 0 "$INCENTIVE" run --policy $R/declarative --people $R/people.csv --events "$TMP/ev.csv" --format csv --quiet --audit "$TMP/p.db"
expect_eq "refund stored as written" '{"amount":"1000.00","sku":"SVC-CON-005","region":"AMER"}' \
  "$(sqlite3 "$TMP/p.db" "SELECT data FROM events WHERE id = '10'")"
expect_status "peers replay" 0 "$INCENTIVE" replay --audit "$TMP/p.db"
expect_grep "peers replay identical" "identical: every decision matches the record byte for byte" "$TMP/out"
expect_grep "peers replay count" "decisions recorded, " "$TMP/out"
expect_no_grep "peers replay not empty" " 0 decisions recorded" "$TMP/out"
done_testing
