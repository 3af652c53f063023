# One pass: when the events come in one CSV file already in (date, id)
# order and the policy has no refs, each line is read once and evaluated as
# soon as pass 1 accepted it (src/lib/evsrc.c, evsrc_one_pass).  The
# decisions must be those of two passes byte for byte, whatever the order
# of the lines and the threads, and the messages must come in the same
# order with one thread or several.
source "$(dirname "$0")/lib.sh"
R=bench/reference
# N events of the peer benchmark's policy, in (date, id) order, PER_DAY a
# day (default 80) over 25 days a month.
gen() {
  awk -v n="$1" -v per_day="${2:-80}" 'BEGIN {
    print "id,date,rep,region,sku,type,amount"
    split("EMEA APAC AMER", rg, " "); split("SW-ENT SW-SMB HW SVC", fam, " ")
    for (i = 1; i <= n; i++) {
      d = int((i - 1) / per_day)
      printf "%d,2026-%02d-%02d,r%04d,%s,%s-%03d,%s,%d.%02d\n", i,
        1 + int(d / 25), 1 + d % 25, 1 + (i * 7) % 500,
        rg[1 + i % 3], fam[1 + i % 4], i % 1000, (i % 10 ? "deal_closed" : "refund"),
        (i * 37) % 100000, i % 100
    }
  }'
}
gen 6000 > "$TMP/sorted.csv"
run() { # NAME EVENTS [ARGS...]: decisions to $TMP/NAME.out, stderr kept in $TMP/NAME.err
  local name=$1 ev=$2; shift 2
  "$INCENTIVE" run --policy $R/declarative --people $R/people.csv --events "$ev" \
    --format csv --out "$TMP/$name.out" "$@" >"$TMP/out" 2>"$TMP/$name.err"
  echo $?
}
same() { # WHAT A B
  cmp -s "$TMP/$2.out" "$TMP/$3.out" && pass ||
    { fail "$1: the decisions differ"; diff "$TMP/$2.out" "$TMP/$3.out" | head -5 >&2; }
}
expect_eq "sorted, threads auto" 0 "$(run sorted "$TMP/sorted.csv")"
expect_grep "sorted: one pass" "; one pass (in date order)" "$TMP/sorted.err"
expect_grep "sorted: every event" "events read 6000, accepted 6000, rejected 0" "$TMP/sorted.err"
# every event pays a commission (refunds a negative one), every rep an
# accelerator line at the end of the year, and the SPIFF its deals
spiffs=$(awk -F, '$6 == "deal_closed" && $5 ~ /^SW-ENT-1[0-9][0-9]$/ && $7 >= 50000' "$TMP/sorted.csv" | wc -l)
expect_eq "decisions" $((1 + 6000 + 500 + spiffs)) "$(wc -l < "$TMP/sorted.out")"
expect_eq "sorted, one thread" 0 "$(run sorted1 "$TMP/sorted.csv" --threads 1)"
same "one thread" sorted sorted1
expect_grep "one thread: one pass" "; one pass (in date order)" "$TMP/sorted1.err"

# the same lines in reverse: two passes, the same decisions
{ head -1 "$TMP/sorted.csv"; tail -n +2 "$TMP/sorted.csv" | tac; } > "$TMP/rev.csv"
expect_eq "reversed" 0 "$(run rev "$TMP/rev.csv")"
expect_grep "reversed: two passes" "; two passes" "$TMP/rev.err"
same "reversed" sorted rev
# in order but for the last line (the first event, moved to the end)
{ head -1 "$TMP/sorted.csv"; tail -n +3 "$TMP/sorted.csv"; sed -n 2p "$TMP/sorted.csv"; } > "$TMP/late.csv"
expect_eq "one late line" 0 "$(run late "$TMP/late.csv")"
expect_grep "late: two passes" "; two passes" "$TMP/late.err"
same "one late line" sorted late
# the same id twice (in order otherwise): two passes, and the second rejected
{ cat "$TMP/sorted.csv"; tail -1 "$TMP/sorted.csv"; } > "$TMP/dup.csv"
expect_eq "a duplicate" 0 "$(run dup "$TMP/dup.csv")"
expect_grep "dup: two passes" "; two passes" "$TMP/dup.err"
expect_grep "dup: rejected" "duplicate event id '6000'" "$TMP/dup.err"
same "a duplicate" sorted dup
# a quoted field: the quick look leaves such files to two passes
awk -F, -v OFS=, '$1 == 2 { $5 = "\"" $5 "\"" } { print }' "$TMP/sorted.csv" > "$TMP/quoted.csv"
expect_eq "the quote is in" 1 "$(grep -c '"HW-002"' "$TMP/quoted.csv")"
expect_eq "quoted field" 0 "$(run quoted "$TMP/quoted.csv")"
expect_grep "quoted: two passes" "; two passes" "$TMP/quoted.err"
same "quoted field" sorted quoted
# JSON Lines: two passes
awk -F, 'NR > 1 { printf "{\"id\":\"%s\",\"date\":\"%s\",\"rep\":\"%s\",\"region\":\"%s\",\"sku\":\"%s\",\"type\":\"%s\",\"amount\":\"%s\"}\n", $1, $2, $3, $4, $5, $6, $7 }' \
  "$TMP/sorted.csv" > "$TMP/ev.jsonl"
expect_eq "JSON Lines" 0 "$(run jsonl "$TMP/ev.jsonl")"
expect_grep "jsonl: two passes" "; two passes" "$TMP/jsonl.err"
same "JSON Lines" sorted jsonl

# Bad lines in an ordered file: still one pass (the quick look leaves a
# line with a bad date out; an unknown person does not change the order).
# Each is reported with its file and line, and the messages come in the
# same order with one thread or several.
awk -F, -v OFS=, '$1 == 3000 { $3 = "r9999" } $1 == 4000 { $2 = "2026-2-25" }
  $1 == 5000 { $6 = "deal_closd" } { print }' "$TMP/sorted.csv" > "$TMP/bad.csv"
expect_eq "bad lines" 0 "$(run bad "$TMP/bad.csv")"
expect_eq "bad lines, one thread" 0 "$(run bad1 "$TMP/bad.csv" --threads 1)"
expect_grep "bad: one pass" "; one pass (in date order)" "$TMP/bad.err"
expect_grep "bad: counted" "events read 6000, accepted 5997, rejected 3" "$TMP/bad.err"
expect_grep "bad person" "bad.csv:3001: unknown person 'r9999'" "$TMP/bad.err"
expect_grep "bad date" "bad.csv:4001: date '2026-2-25' is not a date (write YYYY-MM-DD)" "$TMP/bad.err"
expect_grep "bad type" "bad.csv:5001: unknown event type 'deal_closd'" "$TMP/bad.err"
cmp -s "$TMP/bad.err" "$TMP/bad1.err" && pass || { fail "messages differ between threads"; diff "$TMP/bad.err" "$TMP/bad1.err" >&2; }
same "bad lines, threads" bad bad1
expect_eq "three decisions fewer" $(($(wc -l < "$TMP/sorted.out") - 3)) "$(wc -l < "$TMP/bad.out")"
# the same bad file in reverse: two passes, the same decisions
{ head -1 "$TMP/bad.csv"; tail -n +2 "$TMP/bad.csv" | tac; } > "$TMP/badrev.csv"
expect_eq "bad lines reversed" 0 "$(run badrev "$TMP/badrev.csv")"
expect_grep "bad reversed: two passes" "; two passes" "$TMP/badrev.err"
same "bad lines, reversed" bad badrev
# --strict sees every line before computing anything: nothing is written
expect_eq "strict" 1 "$(run strict "$TMP/bad.csv" --strict)"
expect_grep "strict: nothing" "--strict: 3 input line(s) rejected; nothing was computed" "$TMP/strict.err"
[ ! -e "$TMP/strict.out" ] && pass || fail "--strict wrote decisions"

# A big file: the quick look cuts it in two halves (one a thread) and maps
# it 4 MiB at a time.  A pair of lines out of order anywhere, at the cut
# between the halves or at a window's edge too, must keep two passes.
gen 250000 1000 > "$TMP/big.csv" # ten months
size=$(stat -c %s "$TMP/big.csv")
# swap_at OFFSET IN OUT: the line holding byte OFFSET and the next one swapped
swap_at() {
  awk -v at="$1" '{ n = length($0) + 1 }
    held != "" { print; print held; held = ""; pos += n; next }
    pos <= at && at < pos + n && NR > 1 { held = $0; pos += n; next }
    { print; pos += n }' "$2" > "$3"
}
expect_eq "big" 0 "$(run big "$TMP/big.csv")"
expect_grep "big: one pass" "; one pass (in date order)" "$TMP/big.err"
expect_grep "big: every event" "events read 250000, accepted 250000, rejected 0" "$TMP/big.err"
{ head -1 "$TMP/big.csv"; tail -n +2 "$TMP/big.csv" | tac; } > "$TMP/bigrev.csv"
expect_eq "big reversed" 0 "$(run bigrev "$TMP/bigrev.csv")"
same "big reversed" big bigrev
for at in $((size / 2 - 1)) $((size / 2)) $((size / 2 + 40)) 4194303 4194304 8388600 $((size - 100)); do
  swap_at "$at" "$TMP/big.csv" "$TMP/swap.csv"
  expect_eq "one pair swapped at byte $at: the lines differ" 1 "$(cmp -s "$TMP/big.csv" "$TMP/swap.csv"; echo $?)"
  expect_eq "swapped at $at" 0 "$(run swap "$TMP/swap.csv")"
  expect_grep "swapped at $at: two passes" "; two passes" "$TMP/swap.err"
  same "swapped at $at" big swap
done
# CR LF line ends, and no line end after the last line: one pass, the same
sed 's/$/\r/' "$TMP/big.csv" | head -c -2 > "$TMP/crlf.csv"
expect_eq "CR LF" 0 "$(run crlf "$TMP/crlf.csv")"
expect_grep "crlf: one pass" "; one pass (in date order)" "$TMP/crlf.err"
expect_grep "crlf: every event" "events read 250000, accepted 250000" "$TMP/crlf.err"
same "CR LF" big crlf

# a policy with refs (the default policy: refunds name their deal) reads
# twice: whether a later refund names a deal is known at the end only
expect_status "default policy" 0 "$INCENTIVE" run --policy rules --people fixtures/acme/people.csv \
  --quotas fixtures/acme/quotas.csv --events fixtures/acme/events.csv --format csv --out "$TMP/d.csv"
expect_grep "refs: two passes" "; two passes" "$TMP/err"
done_testing
