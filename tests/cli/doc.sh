#!/usr/bin/env bash
# `incentive doc`: the handbook says what the YAML says, its worked example
# is computed by the engine (figures worked out by hand below), and a
# number changed in the YAML changes the handbook.
source "$(dirname "$0")/lib.sh"

G=tests/golden/sim

# ---- the golden policy, Markdown ---------------------------------------------
expect_status "doc md" 0 "$INCENTIVE" doc $G/policy.yaml --profile $G/profile.yaml
cp "$TMP/out" "$TMP/a.md"
expect_grep "title" "# Simulation golden policy" "$TMP/a.md"
expect_grep "rule heading" "### commission: commission" "$TMP/a.md"
expect_grep "description" "Ten percent of every deal, twice that above quota." "$TMP/a.md"
expect_grep "rate row" "| any other sale | 10% | all |" "$TMP/a.md"
expect_grep "tier table" "| 2 | 100% | and above | the rate x2 |" "$TMP/a.md"
expect_grep "bonus band with the level's amount" "| 100% | 100% | 1,000.00 |" "$TMP/a.md"
expect_grep "clawback window" "Only within 90 days of the sale" "$TMP/a.md"
expect_grep "seed section" "Implements seed policy section 5.1." "$TMP/a.md"
expect_grep "version table" "| 1 | 2026-01-01 | further notice |" "$TMP/a.md"
# worked example (profile: quota 10,000.00 in two deals):
#  50%: 5,000 x 10% = 500.00; 100%: 1,000.00 + bonus 1,000.00 = 2,000.00;
#  150%: 10,000 x 10% + 5,000 x 20% = 2,000.00 + bonus 1,000.00 = 3,000.00
expect_grep "example totals" "| total |  | 500.00 | 2,000.00 | 3,000.00 |" "$TMP/a.md"
expect_grep "example lines" "At 150% of quota: sales of 15,000.00 USD, pay 3,000.00 USD" "$TMP/a.md"
# curve at 200%: 20,000 of sales: 10,000 x 10% + 10,000 x 20% = 3,000.00,
# + bonus 1,000.00 = 4,000.00
expect_grep "curve point" "| 200.00 | 4,000.00 |" "$TMP/a.md"
expect_no_grep "no profile note" "There is no worked example" "$TMP/a.md"

# ---- change a number in the YAML: the handbook follows ------------------------------
sed 's/{rate: 10%, label: all}/{rate: 12%, label: all}/' $G/policy.yaml >"$TMP/policy.yaml"
expect_status "doc changed" 0 "$INCENTIVE" doc "$TMP/policy.yaml" --profile $G/profile.yaml
cp "$TMP/out" "$TMP/b.md"
expect_grep "new rate" "| any other sale | 12% | all |" "$TMP/b.md"
expect_no_grep "old rate gone" "| any other sale | 10% | all |" "$TMP/b.md"
# 12%: 50%: 600.00; 100%: 1,200.00 + 1,000.00 = 2,200.00;
# 150%: 1,200.00 + 5,000 x 24% = 2,400.00 + 1,000.00 = 3,400.00
expect_grep "new example" "| total |  | 600.00 | 2,200.00 | 3,400.00 |" "$TMP/b.md"
if cmp -s "$TMP/a.md" "$TMP/b.md"; then fail "the handbook did not change"; else pass; fi

# ---- the default policy, HTML ---------------------------------------------------------
expect_status "doc html" 0 "$INCENTIVE" doc rules --format html --out "$TMP/hb.html"
expect_grep "html" "<!doctype html>" "$TMP/hb.html"
expect_grep "chart" "<svg class=\"chart\"" "$TMP/hb.html"
expect_grep "axis with unit" "payout for the quarter (USD)" "$TMP/hb.html"
expect_grep "every rule" "id=\"rule-multi-year-kicker\"" "$TMP/hb.html"
expect_no_grep "no scripts" "<script" "$TMP/hb.html"
expect_no_grep "nothing fetched" "http://www.w3.org/2000/svg\" src=" "$TMP/hb.html"
if grep -E -o '(src|href)="[a-z]+://' "$TMP/hb.html" >/dev/null; then fail "external reference"; else pass; fi
# rules/examples/profile.yaml: SR2, quota 250,000.00, SW-ENT (8%), four deals.
#  100%: 125,000 x 4% (tier 1, x0.5) + 125,000 x 8% = 15,000.00 + target bonus
#  3,500.00 = 18,500.00
expect_grep "acme example" "18,500.00" "$TMP/hb.html"
# version 2026.2 changed the strategic SPIFF from 150.00 to 250.00
expect_grep "version change" "Rule spiff-strategic changed. Until 2026-02-28 it read:" "$TMP/hb.html"
expect_grep "old SPIFF" "A fixed reward of 150.00 USD" "$TMP/hb.html"

# ---- without a profile: said so, not failed ---------------------------------------------
expect_status "no profile" 0 "$INCENTIVE" doc $G/policy.yaml
expect_grep "no example explained" "There is no worked example" "$TMP/out"
expect_status "bad profile" 1 "$INCENTIVE" doc $G/policy.yaml --profile $G/people.csv
expect_status "usage" 2 "$INCENTIVE" doc
expect_status "help" 0 "$INCENTIVE" doc --help

done_testing
