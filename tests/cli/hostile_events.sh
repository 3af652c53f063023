# Hostile input files: every bad line is reported as file:line: reason and
# the rest of the run goes on (or, with --strict, nothing is written);
# files that cannot be read at all stop the run with a message and write
# nothing.  Large inputs are generated in $TMP; each command runs under
# `timeout`, so a hang fails the test.  Under AddressSanitizer the two
# million-line cases use 100,000 lines, under valgrind 20,000 (the figures
# for a million are in docs/reliability.md).
source "$(dirname "$0")/lib.sh"
T=(timeout 300)
G=tests/golden/basic
A=(--policy $G/policy.yaml --people $G/people.csv --quotas $G/quotas.csv --format csv)
H='id,date,type,person,amount,product,region,split,ref'
MILLION=1000000
if ldd "$INCENTIVE" 2>/dev/null | grep -q libasan; then MILLION=100000; fi
if [ -n "${INCENTIVE_UNDER_VALGRIND:-}" ]; then MILLION=20000; T=(timeout 3000); fi

# runs INCENTIVE over events file $1 (more args after), output in $TMP/out.csv
run_events() { local f=$1; shift; "${T[@]}" "$INCENTIVE" run "${A[@]}" --events "$f" --out "$TMP/out.csv" "$@"; }

# --- a 10 MB line, in CSV and JSON Lines: rejected, its neighbours kept
{ echo "$H"; echo 'e1,2026-01-05,deal_closed,a,100.00,SW-1,EMEA,,'
  printf 'e2,2026-01-05,deal_closed,a,100.00,'; head -c 10485760 /dev/zero | tr '\0' x; printf ',EMEA,,\n'
  echo 'e3,2026-01-06,deal_closed,a,100.00,SW-1,EMEA,,'; } > "$TMP/long.csv"
expect_status "10 MB CSV line" 0 run_events "$TMP/long.csv"
expect_grep "long line reported" "long.csv:3: line longer than 1 MiB" "$TMP/err"
expect_grep "long line counted" "events read 3, accepted 2, rejected 1" "$TMP/err"
expect_grep "next line kept" ",a,commission,10.00,USD,comm,e3," "$TMP/out.csv"
{ echo '{"id":"e1","date":"2026-01-05","type":"deal_closed","person":"a","amount":"100.00","product":"SW-1","region":"EMEA"}'
  printf '{"id":"e2","date":"2026-01-05","type":"deal_closed","person":"a","amount":"100.00","product":"'
  head -c 10485760 /dev/zero | tr '\0' x; printf '","region":"EMEA"}\n'
  echo '{"id":"e3","date":"2026-01-06","type":"deal_closed","person":"a","amount":"100.00","product":"SW-1","region":"EMEA"}'; } > "$TMP/long.jsonl"
expect_status "10 MB JSON line" 0 run_events "$TMP/long.jsonl"
expect_grep "long JSON line reported" "long.jsonl:2: line longer than 1 MiB" "$TMP/err"
expect_grep "long JSON line counted" "events read 3, accepted 2, rejected 1" "$TMP/err"
# a 10 MB file with no line end at all: one bad line, no hang
head -c 10485760 /dev/zero | tr '\0' x > "$TMP/noeol.csv"
expect_status "10 MB without a line end" 1 run_events "$TMP/noeol.csv"
expect_grep "named" "noeol.csv:1: bad header: line longer than 1 MiB" "$TMP/err"
rm -f "$TMP/long.csv" "$TMP/long.jsonl" "$TMP/noeol.csv"

# --- bytes: NUL, Latin-1, a UTF-16 surrogate, overlong UTF-8, a BOM in
# the middle; quotes that never close; 400-digit numbers; impossible dates
{ echo "$H"
  printf 'b1,2026-01-05,deal_closed,a,100.00,SW\0-1,EMEA,,\n'
  printf 'b2,2026-01-05,deal_closed,a,100.00,SW-\xe9,EMEA,,\n'
  printf 'b3,2026-01-05,deal_closed,a,100.00,SW-1,EMEA,,\xed\xa0\x80\n'
  printf 'b4,2026-01-05,deal_closed,a,100.00,\xc0\xafSW,EMEA,,\n'
  printf 'b5,2026-01-05,deal_closed,a,%s,SW-1,EMEA,,\n' "$(printf '1%.0s' $(seq 400))"
  printf 'b6,2026-01-05,deal_closed,a,0.%s1,SW-1,EMEA,,\n' "$(printf '0%.0s' $(seq 399))"
  printf 'b7,2026-02-30,deal_closed,a,100.00,SW-1,EMEA,,\n'
  printf 'b8,2026-13-01,deal_closed,a,100.00,SW-1,EMEA,,\n'
  printf 'b9,0000-01-01,deal_closed,a,100.00,SW-1,EMEA,,\n'
  printf 'b10,2026-1-5,deal_closed,a,100.00,SW-1,EMEA,,\n'
  printf 'b11,2026-01-05,deal_closed,a,1e3,SW-1,EMEA,,\n'
  printf 'b12,2026-01-05,deal_closed,a,100.00,SW-1,EMEA,,\n'
  printf 'b13,2026-01-05,deal_closed,a,100.00,"SW-1,EMEA,,\n'
  printf 'b14,2026-01-05,deal_closed,a,100.00,SW-1,EMEA,,\n'; } > "$TMP/bad.csv"
expect_status "bad lines rejected, the rest runs" 0 run_events "$TMP/bad.csv"
bad() { expect_grep "line $1" "bad.csv:$1: $2" "$TMP/err"; }
bad 2 "embedded NUL byte"
bad 3 "invalid UTF-8"
bad 4 "invalid UTF-8"
bad 5 "invalid UTF-8"
bad 6 "amount '1111111111"
bad 7 "amount '0.000000000"
expect_eq "400 digits: too many" 2 "$(grep -c "' has too many digits" "$TMP/err")"
bad 8 "date '2026-02-30' does not exist"
bad 9 "date '2026-13-01' does not exist"
bad 10 "date '0000-01-01' does not exist"
bad 11 "date '2026-1-5' is not a date (write YYYY-MM-DD)"
bad 12 "amount '1e3' is not a decimal number"
bad 14 "unterminated quoted field"
expect_grep "counted" "events read 13, accepted 1, rejected 12" "$TMP/err"
expect_grep "b12 decided" ",a,commission,10.00,USD,comm,b12," "$TMP/out.csv"
expect_no_grep "nothing after the open quote" "b14" "$TMP/out.csv"
# --strict: the same file fails and writes nothing
rm -f "$TMP/out.csv"
expect_status "strict" 1 run_events "$TMP/bad.csv" --strict
expect_grep "strict says" "12 input line(s) rejected; nothing was computed" "$TMP/err"
[ ! -e "$TMP/out.csv" ] && pass || fail "strict run left an output file"
# JSON Lines: a 400-digit number, NUL escapes, bad UTF-8, a key twice
{ printf '{"id":"j1","date":"2026-01-05","type":"deal_closed","person":"a","amount":%s,"product":"SW-1","region":"EMEA"}\n' "$(printf '9%.0s' $(seq 400))"
  printf '{"id":"j2","date":"2026-01-05","type":"deal_closed","person":"a","amount":"100.00","product":"SW\\u00001","region":"EMEA"}\n'
  printf '{"id":"j3","date":"2026-01-05","type":"deal_closed","person":"a","amount":"100.00","product":"SW-\xe9","region":"EMEA"}\n'
  printf '{"id":"j4","id":"j5","date":"2026-01-05","type":"deal_closed","person":"a","amount":"100.00","product":"SW-1","region":"EMEA"}\n'
  printf '{"id":"j6","date":"2026-01-05","type":"deal_closed","person":"a","amount":"100.00","product":"SW-1","region":"EMEA"\n'
  printf '{"id":"j7","date":"2026-01-05","type":"deal_closed","person":"a","amount":100.00,"product":"SW-1","region":"EMEA"}\n'; } > "$TMP/bad.jsonl"
expect_status "bad JSON lines rejected" 0 run_events "$TMP/bad.jsonl"
for n in 1 2 3 4 5; do expect_grep "JSON line $n reported" "bad.jsonl:$n: " "$TMP/err"; done
expect_grep "JSON counted" "events read 6, accepted 1, rejected 5" "$TMP/err"
expect_grep "j7 decided" ",a,commission,10.00,USD,comm,j7," "$TMP/out.csv"
# a line cut right after a high surrogate escape, then a good line whose
# first escape is \u0073 ("s"): the good line keeps its bytes (json-c
# 0.16 used to carry the surrogate over: the id became U+FFFD "s2";
# found by fuzz_jsonl)
{ printf '{"id":"s1","date":"2026-01-05","type":"deal_closed","person":"a","amount":"100.00","product":"SW-1","region":"\\ud800\n'
  printf '{"id":"\\u00732","date":"2026-01-05","type":"deal_closed","person":"a","amount":"100.00","product":"SW-1","region":"EMEA"}\n'; } > "$TMP/cut.jsonl"
expect_status "line cut after a surrogate" 0 run_events "$TMP/cut.jsonl"
expect_grep "cut line reported" "cut.jsonl:1: invalid JSON: the line ends inside the object" "$TMP/err"
expect_grep "cut counted" "events read 2, accepted 1, rejected 1" "$TMP/err"
expect_grep "next line intact" ",a,commission,10.00,USD,comm,s2," "$TMP/out.csv"
# a whole file in UTF-16: the header is refused, nothing is written
printf '\xff\xfei\x00d\x00,\x00d\x00\n\x00' > "$TMP/utf16.csv"
rm -f "$TMP/out.csv"
expect_status "UTF-16 file" 1 run_events "$TMP/utf16.csv"
expect_grep "UTF-16 named" "utf16.csv:1: bad header: invalid UTF-8" "$TMP/err"
expect_grep "nothing written" "nothing was written" "$TMP/err"
[ ! -e "$TMP/out.csv" ] && pass || fail "UTF-16 run left an output file"

# --- the same id a million times: one accepted, every other line
# reported as a duplicate naming the first
awk -v n=$MILLION 'BEGIN { print "'"$H"'"; for (i = 0; i < n; i++)
  printf "same,2026-01-%02d,deal_closed,a,100.00,SW-1,EMEA,,\n", 1 + i % 28 }' > "$TMP/same.csv"
expect_status "same id $MILLION times" 0 run_events "$TMP/same.csv"
expect_grep "duplicates reported" "same.csv:3: duplicate event id 'same' (first at " "$TMP/err"
expect_grep "naming the first" "same.csv:2)" "$TMP/err"
expect_eq "every duplicate reported" "$((MILLION - 1))" "$(grep -c "duplicate event id 'same'" "$TMP/err")"
expect_grep "duplicates counted" "events read $MILLION, accepted 1, rejected $((MILLION - 1))" "$TMP/err"
expect_eq "one decision for it" 1 "$(grep -c ',same,' "$TMP/out.csv")"
rm -f "$TMP/same.csv" "$TMP/err"

# --- a million distinct people, each with one deal and no quota
awk -v n=$MILLION 'BEGIN { print "id,name,level,team,manager,hired,left,currency";
  for (i = 0; i < n; i++) printf "p%d,Person %d,R1,T%d,,2020-01-01,,USD\n", i, i, i % 100 }' > "$TMP/people.csv"
awk -v n=$MILLION 'BEGIN { print "'"$H"'"; for (i = 0; i < n; i++)
  printf "e%d,2026-01-%02d,deal_closed,p%d,100.00,SW-1,EMEA,,\n", i, 1 + i % 28, i }' > "$TMP/many.csv"
expect_status "$MILLION people" 0 "${T[@]}" "$INCENTIVE" run --policy $G/policy.yaml \
  --people "$TMP/people.csv" --events "$TMP/many.csv" --format csv --out "$TMP/out.csv"
expect_grep "people counted" "people $MILLION (0 rejected)" "$TMP/err"
expect_grep "events counted" "events read $MILLION, accepted $MILLION, rejected 0" "$TMP/err"
# 10% of 100.00 for each (no quota: tier 1), and the last person's line
expect_eq "a commission each" "$MILLION" "$(grep -c ',commission,10.00,USD,comm,' "$TMP/out.csv")"
expect_grep "the last person" ",p$((MILLION - 1)),commission,10.00,USD,comm,e$((MILLION - 1))," "$TMP/out.csv"
rm -f "$TMP/people.csv" "$TMP/many.csv" "$TMP/out.csv"

# --- catastrophic backtracking: `^(a+)+$` against 5,000 a's and a b
R=$TMP/rx
mkdir -p "$R"
cat > "$R/policy.yaml" <<'YAML'
policy: regex-test
version: r1
effective: 2026-01-01
currency: USD
rounding: half_up
period: month
ladder:
  - {level: L1, title: Rep}
event_types:
  deal_closed:
    credit: amount
    fields:
      amount: money
      product: string
rules:
  - id: evil-pattern
    kind: commission
    on: deal_closed
    rates:
      - {when: {product: '^(a+)+$'}, rate: 10%, label: evil}
      - {rate: 1%, label: other}
YAML
printf 'id,name,level,team,manager,hired,left,currency\np1,Pat,L1,,,2020-01-01,,USD\n' > "$R/people.csv"
{ echo 'id,date,type,person,amount,product'; echo 'e1,2026-01-05,deal_closed,p1,100.00,aaaa'
  printf 'e2,2026-01-06,deal_closed,p1,100.00,%sb\n' "$(head -c 5000 /dev/zero | tr '\0' a)"; } > "$R/events.csv"
expect_status "backtracking stopped in a rule" 1 "${T[@]}" "$INCENTIVE" run --policy "$R/policy.yaml" \
  --people "$R/people.csv" --events "$R/events.csv" --out "$R/out.csv"
expect_grep "names the rule, pattern and event" \
  "rule evil-pattern: pattern 'product ~ ^(a+)+\$' hit the PCRE2 match limit on event e2 (" "$TMP/err"
expect_grep "says where the rule is" "rx/policy.yaml:20)" "$TMP/err"
[ ! -e "$R/out.csv" ] && pass || fail "backtracking run left an output file"
# the same pattern as a field's `pattern:`: the line is rejected, the run goes on
sed -e "s/      product: string/      product: {type: string, pattern: '^(a+)+\$'}/" \
    -e "s/{when: {product: '^(a+)+\$'}, rate: 10%, label: evil}/{rate: 10%, label: all}/" \
    "$R/policy.yaml" > "$R/field.yaml"
expect_status "backtracking stopped in a field" 0 "${T[@]}" "$INCENTIVE" run --policy "$R/field.yaml" \
  --people "$R/people.csv" --events "$R/events.csv" --format csv
expect_grep "line rejected" "events.csv:3: product 'aaaa" "$TMP/err"
expect_grep "why" "could not be matched against its pattern: match limit exceeded" "$TMP/err"
expect_grep "e1 decided" ",p1,commission,10.00,USD,evil-pattern,e1," "$TMP/out"
done_testing
