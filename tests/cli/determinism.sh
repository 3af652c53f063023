# Determinism: the same policy and inputs give byte-identical decisions in
# every run, whatever the order of the input lines, the file format (CSV
# or JSON Lines) or how the events are split into files.
source "$(dirname "$0")/lib.sh"
A=fixtures/acme
args=(--policy rules --people $A/people.csv --quotas $A/quotas.csv --format csv --quiet)
expect_status "run 1" 0 "$INCENTIVE" run "${args[@]}" --events $A/events.csv --out "$TMP/1.csv"
expect_status "run 2" 0 "$INCENTIVE" run "${args[@]}" --events $A/events.csv --out "$TMP/2.csv"
cmp -s "$TMP/1.csv" "$TMP/2.csv" && pass || fail "two runs differ"
[ "$(wc -l < "$TMP/1.csv")" -gt 100 ] && pass || fail "expected over 100 decisions from acme"
# shuffled lines (header kept first): evaluation is in (date, id) order
{ head -1 $A/events.csv; tail -n +2 $A/events.csv | python3 -c 'import sys,random
l=sys.stdin.readlines(); random.Random(7).shuffle(l); sys.stdout.writelines(l)'; } > "$TMP/shuffled.csv"
expect_status "shuffled" 0 "$INCENTIVE" run "${args[@]}" --events "$TMP/shuffled.csv" --out "$TMP/3.csv"
cmp -s "$TMP/1.csv" "$TMP/3.csv" && pass || fail "shuffled input gives different decisions"
# split into two files
{ head -1 $A/events.csv; tail -n +2 $A/events.csv | awk 'NR % 2 == 0'; } > "$TMP/even.csv"
{ head -1 $A/events.csv; tail -n +2 $A/events.csv | awk 'NR % 2 == 1'; } > "$TMP/odd.csv"
expect_status "two files" 0 "$INCENTIVE" run "${args[@]}" --events "$TMP/even.csv" --events "$TMP/odd.csv" --out "$TMP/4.csv"
cmp -s "$TMP/1.csv" "$TMP/4.csv" && pass || fail "two files give different decisions"
# JSON Lines
expect_status "jsonl input" 0 "$INCENTIVE" run "${args[@]}" --events $A/events.jsonl --out "$TMP/5.csv"
cmp -s "$TMP/1.csv" "$TMP/5.csv" && pass || fail "JSON Lines input gives different decisions"
# a generated company, twice
python3 fixtures/gen_events.py --seed 11 --count 20000 --people 60 --out "$TMP/gen" >/dev/null
g=(--policy rules --people "$TMP/gen/people.csv" --quotas "$TMP/gen/quotas.csv" --events "$TMP/gen/events.csv" --format csv --quiet)
expect_status "gen 1" 0 "$INCENTIVE" run "${g[@]}" --out "$TMP/g1.csv"
expect_status "gen 2" 0 "$INCENTIVE" run "${g[@]}" --out "$TMP/g2.csv"
cmp -s "$TMP/g1.csv" "$TMP/g2.csv" && pass || fail "generated runs differ"
done_testing
