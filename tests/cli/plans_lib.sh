# Helpers for the pay-plan golden cases (tests/golden/{overrides,draws,
# proration,currency,earning,windfall,objectives}): run a case and compare
# its decisions with the expected.csv worked out by hand in the case's
# README.md.  Source after lib.sh.

# golden_run NAME OUT.csv ARGS...: runs incentive with ARGS (csv output to
# OUT.csv); stderr is kept in OUT.csv.err.
golden_run() {
  local name=$1 out=$2; shift 2
  expect_status "$name: run" 0 "$INCENTIVE" run "$@" --format csv --out "$out"
  cp "$TMP/err" "$out.err"
}

# golden_compare NAME GOT.csv EXPECTED.csv: the first 8 columns (id ..
# events) must match exactly, line by line.
golden_compare() {
  python3 - "$2" "$3" <<'PY' && pass || fail "$1: decisions differ from $3"
import csv, sys
got = [r[:8] for r in csv.reader(open(sys.argv[1]))]
want = [r[:8] for r in csv.reader(open(sys.argv[2]))]
if got != want:
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g != w:
            print(f"line {i+1}: expected {w}\n        got      {g}", file=sys.stderr)
    sys.exit(1)
PY
}

# reason_of FILE DECISION-ID: the reason column of that decision.
reason_of() {
  python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["id"]==sys.argv[2]: print(r["reason"])' "$1" "$2"
}
