#!/usr/bin/env bash
# The HTML report of `incentive simulate --report` and the HTML handbook,
# rendered by headless Chromium (Debian's `chromium`, installed by
# .ci/deps): the page loads with no error and no request leaving the file,
# its DOM holds the charts, and the screenshot is a real picture.  The PNGs
# are kept as test artifacts in the build's meson-logs/ (ARTIFACTS).
source "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  fail "chromium is not installed (bash .ci/deps installs it)"
  done_testing
  exit 1
fi
ART=${ARTIFACTS:-$TMP}
mkdir -p "$ART"

# policy B: the accelerator above quota raised from 1.5x to 2x
mkdir -p "$TMP/b"
cp -r rules/. "$TMP/b/"
sed -i 's/- {multiplier: 1.5}/- {multiplier: 2}/' "$TMP/b/2026-01.yaml" "$TMP/b/2026-03.yaml"
cat >"$TMP/risk.yaml" <<'YAML'
scenario: sales risk
seed: 11
monte_carlo: {trials: 200, distribution: lognormal, mean: 1, spread: 0.25}
YAML
RATES=()
[ -f fixtures/acme/rates.csv ] && RATES=(--rates fixtures/acme/rates.csv)
expect_status "simulate with report" 0 "$INCENTIVE" simulate --policy rules --vs "$TMP/b" \
  --people fixtures/acme/people.csv --quotas fixtures/acme/quotas.csv "${RATES[@]}" \
  --events fixtures/acme/events.csv --scenario "$TMP/risk.yaml" --report "$TMP/report.html" --quiet
"$INCENTIVE" doc rules --format html --out "$TMP/handbook.html"

# render FILE NAME: DOM into $TMP/NAME.dom, screenshot into $ART/NAME.png,
# Chromium's own messages into $TMP/NAME.log
render() {
  local prof
  prof=$(mktemp -d)
  local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --user-data-dir="$prof" --window-size=1200,2000 --enable-logging=stderr --v=0)
  timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$1" >"$TMP/$2.dom" 2>"$TMP/$2.log"
  local st=$?
  rm -rf "$prof"
  prof=$(mktemp -d)
  timeout 120 "$CHROMIUM" "${flags[@]/--user-data-dir=*/--user-data-dir=$prof}" \
    --screenshot="$ART/$2.png" "file://$1" >>"$TMP/$2.log" 2>&1
  rm -rf "$prof"
  return $st
}

for page in report handbook; do
  if render "$TMP/$page.html" "$page"; then pass; else fail "$page: chromium failed"; sed 's/^/  | /' "$TMP/$page.log" | tail -20 >&2; fi
  # loaded: the DOM is the whole document, charts included
  expect_grep "$page: DOM loaded" "</html>" "$TMP/$page.dom"
  expect_grep "$page: chart in DOM" "<svg class=\"chart\"" "$TMP/$page.dom"
  expect_grep "$page: axis" "attainment (% of quota)" "$TMP/$page.dom"
  # no console errors, no blocked or failed requests (the page is self-contained)
  if grep -E "CONSOLE\(|Uncaught|Refused to|net::ERR_" "$TMP/$page.log" >"$TMP/$page.errs"; then
    fail "$page: errors while loading"; sed 's/^/  | /' "$TMP/$page.errs" | head >&2
  else pass; fi
  # a PNG of real content (a blank 1200x2000 page compresses to a few KB)
  size=$(stat -c %s "$ART/$page.png" 2>/dev/null || echo 0)
  if [ "$(head -c 8 "$ART/$page.png" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]; then pass; else fail "$page: not a PNG"; fi
  if [ "$size" -gt 40000 ]; then pass; else fail "$page: screenshot is only $size bytes"; fi
done

# the report has every chart: cost per team and Monte Carlo histogram (one
# per currency of the roster), winners and losers, payout curve (A and B:
# two polylines)
n=$(grep -o '<svg class="chart"' "$TMP/report.dom" | wc -l)
if [ "$n" -ge 4 ]; then pass; else fail "report has $n charts, expected at least 4"; fi
for title in "Cost per team" "Biggest winners and losers" "Payout curve: policy A and policy B" \
  "Monte Carlo: distribution of the total cost"; do
  expect_grep "chart: $title" "aria-label=\"$title\"" "$TMP/report.dom"
done
expect_eq "curve series" "2" "$(grep -o '<polyline class="series"' "$TMP/report.dom" | wc -l)"
expect_grep "histogram axis" "total cost of the period (USD)" "$TMP/report.dom"
expect_grep "team axis" "cost for the period (USD)" "$TMP/report.dom"
expect_grep "movers" "Biggest winners and losers" "$TMP/report.dom"
expect_grep "MC table" "Monte Carlo: total cost" "$TMP/report.dom"

# a statement (`statement --format html`): the same look (src/cli/html.c),
# self-contained, loads cleanly
G=tests/golden/basic
"$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv --quotas $G/quotas.csv \
  --events $G/events.csv --audit "$TMP/st.db" --format none --quiet
expect_status "statement html" 0 "$INCENTIVE" statement --audit "$TMP/st.db" --person d \
  --format html --out "$TMP/statement.html"
if render "$TMP/statement.html" statement; then pass; else fail "statement: chromium failed"; fi
expect_grep "statement: DOM loaded" "</html>" "$TMP/statement.dom"
expect_grep "statement: lines" "<h2 id=\"lines\">Lines</h2>" "$TMP/statement.dom"
if grep -E "CONSOLE\(|Uncaught|Refused to|net::ERR_" "$TMP/statement.log" >"$TMP/statement.errs"; then
  fail "statement: errors while loading"; sed 's/^/  | /' "$TMP/statement.errs" | head >&2
else pass; fi
if [ "$(head -c 8 "$ART/statement.png" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]; then pass; else fail "statement: not a PNG"; fi
cp "$TMP/report.html" "$TMP/handbook.html" "$TMP/statement.html" "$ART/" 2>/dev/null
echo "artifacts: $ART/report.png $ART/handbook.png $ART/statement.png"
done_testing
