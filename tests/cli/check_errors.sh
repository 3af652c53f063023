# `incentive check` on every broken policy under tests/policies/: each case
# directory holds a policy and expected.txt, the diagnostics it must print
# (paths relative to the case directory).  good-* cases must be clean.
source "$(dirname "$0")/lib.sh"
n=0
for dir in tests/policies/*/; do
  name=$(basename "$dir")
  target=$dir
  [ -f "$dir/target" ] && target=$dir$(cat "$dir/target")
  n=$((n + 1))
  case $name in
  good-*)
    expect_status "$name is clean" 0 "$INCENTIVE" check "$target"
    continue ;;
  esac
  expect_status "$name fails" 1 "$INCENTIVE" check "$target"
  if [ ! -s "$dir/expected.txt" ]; then fail "$name: no expected.txt"; continue; fi
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    case $line in \#*) continue ;; esac
    expect_grep "$name" "${dir%/}/$line" "$TMP/err"
  done < "$dir/expected.txt"
done
[ "$n" -gt 10 ] && pass || fail "expected more than 10 policy cases, found $n"
# the default policy is clean, and check reports its versions and hash
expect_status "rules/ is clean" 0 "$INCENTIVE" check rules
expect_grep "hash printed" "sha256" "$TMP/out"
# usage errors exit 2
expect_status "no policy" 2 "$INCENTIVE" check
expect_status "help" 0 "$INCENTIVE" check --help
expect_status "missing path" 1 "$INCENTIVE" check "$TMP/nope"
done_testing
