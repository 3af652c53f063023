# Shared helpers for the CLI tests.  Each test is a bash script run by meson
# with INCENTIVE (the binary) and SRCDIR (the repository root) set; it exits
# 0 when every check passed.
set -uo pipefail
: "${INCENTIVE:?INCENTIVE must point at the incentive binary}"
: "${SRCDIR:?SRCDIR must point at the repository root}"
cd "$SRCDIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*" >&2; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  if [ "$2" == "$3" ]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}
# expect_status WHAT EXPECTED_STATUS COMMAND...
expect_status() {
  local what=$1 want=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [ "$got" == "$want" ]; then pass; else
    fail "$what: exit status $got, expected $want"; sed 's/^/  stderr: /' "$TMP/err" | head -20 >&2
  fi
}
# expect_grep WHAT PATTERN FILE  (fixed string)
expect_grep() {
  if grep -qF -- "$2" "$3"; then pass; else fail "$1: [$2] not found in $3"; sed 's/^/  | /' "$3" | head -20 >&2; fi
}
expect_no_grep() {
  if grep -qF -- "$2" "$3"; then fail "$1: [$2] unexpectedly found in $3"; else pass; fi
}
done_testing() {
  echo "$checks checks, $failures failed"
  [ "$failures" -eq 0 ]
}
