# explain and statement, read from the audit database only, on the golden
# case (every figure worked out by hand in tests/golden/basic/README.md).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit_lib.sh"
DB=$TMP/audit.db
expect_status "run" 0 golden_run "$DB" --quiet --format none

# D000003: a's commission on e2 (README.md row 3): 10% x 1.1 on 6,000.00,
# 4,000.00 in tier 1 and 2,000.00 in tier 2 (x2) = 880.00
expect_status "explain D000003" 0 "$INCENTIVE" explain --audit "$DB" D000003
o=$TMP/out
expect_grep "header" "Decision D000003 of run 1 (draft run" "$o"
expect_grep "who and what" "a (Ann), 2026-Q1: commission 880.00 USD" "$o"
expect_grep "rule and version" "Rule: comm (commission), policy golden-basic version g1, effective 2026-01-01" "$o"
rule_line=$(grep -n '^  - id: comm$' $G/policy.yaml | cut -d: -f1)
expect_grep "where it is written" "written in $G/policy.yaml at line $rule_line, column 5" "$o"
expect_grep "file hash" "file sha256 $(sha256sum $G/policy.yaml | cut -c1-16)" "$o"
expect_grep "event" "e2  2026-01-10  deal_closed  person a" "$o"
expect_grep "event file and line" "events.csv line 3, recorded by run 1" "$o"
expect_grep "event amount" "amount = 6000.00" "$o"
expect_grep "event region" "region = APAC" "$o"
expect_grep "rate" "10%   rate row 1 (SW)" "$o"
expect_grep "factor" "1.1" "$o"
expect_grep "tiers" "tier(s) the amount fell in" "$o"
expect_grep "before" "6,000.00   period to date" "$o"
expect_grep "after" "12,000.00   period to date" "$o"
expect_grep "quota" "10,000.00" "$o"
expect_grep "attainment" "120.00%   credited after / quota, truncated" "$o"
expect_grep "rounding mode" "Rounding: half up (ties away from zero) to 2 decimals" "$o"
expect_grep "nothing rounded" "-> 880.00 USD (exact: nothing was rounded away)" "$o"
expect_grep "reason" "Reason: 10% of 6,000.00: SW, region x1.1" "$o"

# D000006: b's third of e3, 3.33 x 5% = 0.1665, rounded half up: 0.17
expect_status "explain D000006" 0 "$INCENTIVE" explain --audit "$DB" 1:D000006
expect_grep "split share" "33.33%" "$TMP/out"
expect_grep "exact" "exact 0.1665" "$TMP/out"
expect_grep "rounded" "-> 0.17 USD" "$TMP/out"
expect_no_grep "not exact" "nothing was rounded away" "$TMP/out"
# D000019: d's cap, a period-end decision: no events; earned 3,500.00 > 1,000.00
expect_status "explain D000019" 0 "$INCENTIVE" explain --audit "$DB" --run 1 D000019
expect_grep "no events" "Events: none (a period-end decision" "$TMP/out"
expect_grep "earned" "3,500.00" "$TMP/out"
expect_grep "cap" "1,000.00" "$TMP/out"
# D000010: the clawback of e2, with both events
expect_status "explain D000010" 0 "$INCENTIVE" explain --audit "$DB" D000010
expect_grep "refund event" "e5  2026-02-01  refund  person a" "$TMP/out"
expect_grep "deal event" "e2  2026-01-10  deal_closed" "$TMP/out"
expect_grep "days" "22" "$TMP/out"
expect_status "no such decision" 1 "$INCENTIVE" explain --audit "$DB" D000099
expect_grep "range given" "D000001..D000019" "$TMP/err"
expect_status "no decision given" 2 "$INCENTIVE" explain --audit "$DB"

# a's statement (README.md): lines D1 D2 D3 D4 D5 D8 D10 D13
#   commission 600.00 + 880.00 + 0.33 = 1,480.33; spiff 100.00 + 100.00 =
#   200.00; cap_withheld -50.00; clawback -880.00 - 0.17 = -880.17;
#   earned 1,480.33 + 200.00 - 50.00 - 880.17 = 750.16, of which -50.00 held
expect_status "statement" 0 "$INCENTIVE" statement --audit "$DB" --person a
o=$TMP/out
expect_grep "title" "Statement for a (Ann), level R1, team T1" "$o"
expect_grep "currency" "Amounts in USD" "$o"
expect_eq "eight lines" "8" "$(grep -c '^D0000' "$o")"
grep -Eq '^D000003 +2026-01-10 +commission +comm +e2 +10% +1,2 +880.00 +10% of 6,000.00' "$o" && pass || fail "line D000003 with its rate and tiers"
expect_grep "commission total" "commission                       1,480.33" "$o"
expect_grep "spiff total" "spiff                              200.00" "$o"
expect_grep "clawback total" "clawback                          -880.17" "$o"
expect_grep "hold" "cap_withheld                       -50.00   held back, not paid" "$o"
expect_grep "earned" "earned (net of holds)              750.16" "$o"
expect_grep "held" "of which held back                 -50.00" "$o"
expect_grep "payable" "payable by this run                750.16 USD" "$o"
expect_no_grep "no lock" "already paid" "$o"

expect_status "statement csv" 0 "$INCENTIVE" statement --audit "$DB" --person a --format csv
expect_eq "csv lines" "9" "$(wc -l < "$TMP/out")"
expect_eq "csv header" "run,person,id,period,date,kind,rule,events,rate,tier,amount,currency,reason" "$(head -1 "$TMP/out")"
expect_grep "csv line" "1,a,D000003,2026-Q1,2026-01-10,commission,comm,e2,10%,\"1,2\",880.00,USD," "$TMP/out"
python3 - "$TMP/out" <<'PY' && pass || fail "csv amounts do not add up to 750.16"
import csv, sys
from decimal import Decimal
rows = list(csv.DictReader(open(sys.argv[1])))
sys.exit(0 if sum(Decimal(r["amount"]) for r in rows) == Decimal("750.16") else 1)
PY

expect_status "statement html" 0 "$INCENTIVE" statement --audit "$DB" --person d --format html --out "$TMP/d.html"
h=$TMP/d.html
expect_grep "html doctype" "<!doctype html>" "$h"
expect_grep "inline css" "<style>" "$h"
expect_grep "printable" "@media print" "$h"
expect_grep "name" "<h1>Statement for d · Dan</h1>" "$h"
expect_grep "nothing fetched (CSP)" "Content-Security-Policy" "$h"
# the look of every HTML page of incentive (src/cli/html.c): the same
# stylesheet as the simulation report, byte for byte
S=tests/golden/sim
"$INCENTIVE" simulate --policy $S/policy.yaml --people $S/people.csv --quotas $S/quotas.csv \
  --events $S/events.csv --no-curves --quiet --report "$TMP/sim.html" >/dev/null
style() { sed -n '/^<style>$/,/^<\/style>$/p' "$1"; }
[ -n "$(style "$h")" ] && pass || fail "the statement has no <style> block"
expect_eq "same stylesheet as the simulation report" "$(style "$TMP/sim.html")" "$(style "$h")"
expect_grep "shared table markup" '<table class="data">' "$h"
expect_grep "negative amounts marked" '<td class="n neg">-2,500.00</td>' "$h"
expect_grep "bonus line" "1,000.00" "$h"
expect_grep "cap held back" "cap_withheld (held back)" "$h"
# self-contained: nothing fetched
for bad in "http:" "https:" "<script" "<link" "src=" "@import" "url("; do
  expect_no_grep "no $bad" "$bad" "$h"
done
python3 - "$h" <<'PY' && pass || fail "the HTML is not well nested"
import sys
from html.parser import HTMLParser
void = {"meta", "br", "hr", "img", "input", "link"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.ok = True
    def handle_starttag(self, t, a):
        if t not in void: self.stack.append(t)
    def handle_endtag(self, t):
        if not self.stack or self.stack.pop() != t: self.ok = False
p = P(); p.feed(open(sys.argv[1]).read())
sys.exit(0 if p.ok and not p.stack else 1)
PY
# balances carried: a new hire's draw (guaranteed pay minus what was
# earned, to recover later), from the sample company
A=fixtures/acme
expect_status "acme run" 0 "$INCENTIVE" run --policy rules --people $A/people.csv --quotas $A/quotas.csv \
  --events $A/events.csv --events $A/events-eur.csv --rates $A/rates.csv \
  --state-in $A/state-2025-Q4.json --audit "$TMP/acme.db" --format none --quiet
who=$(q "$TMP/acme.db" "SELECT person FROM decisions WHERE kind = 'draw_balance' ORDER BY seq LIMIT 1")
[ -n "$who" ] && pass || fail "acme has no draw balance"
g=$(q "$TMP/acme.db" "SELECT g.value || ' ' || e.value FROM decisions d JOIN decision_details g ON g.seq = d.seq AND g.key = 'guaranteed' JOIN decision_details e ON e.seq = d.seq AND e.key = 'earned' WHERE d.kind = 'draw' AND d.person = '$who'")
want=$(python3 -c 'import sys; from decimal import Decimal as D; g, e = sys.argv[1:3]; print(f"{D(g) - D(e):,.2f}")' $g)
expect_status "statement with a draw" 0 "$INCENTIVE" statement --audit "$TMP/acme.db" --person "$who"
expect_grep "balances section" "Balances carried to the next period" "$TMP/out"
grep -Eq "^  draw_balance \(new-hire-draw\) +$want\$" "$TMP/out" && pass || { fail "draw balance $want"; cat "$TMP/out" >&2; }
expect_status "html with a draw" 0 "$INCENTIVE" statement --audit "$TMP/acme.db" --person "$who" --format html
expect_grep "html balance" "<tr><td>draw_balance (new-hire-draw)</td><td class=\"n\">$want</td></tr>" "$TMP/out"

expect_status "no such person" 1 "$INCENTIVE" statement --audit "$DB" --person zz
expect_grep "no person message" "run 1 has no person 'zz'" "$TMP/err"
expect_status "bad format" 2 "$INCENTIVE" statement --audit "$DB" --person a --format pdf
done_testing
