# Every broken policy under tests/policies/ must give exactly the errors
# its expected.txt lists, each with file:line:column and its hint.  Each
# case directory holds a policy and expected.txt (paths relative to the
# case directory); `# hint: H` after a diagnostic says that the diagnostic
# is followed by the line "  hint: H" (and every hint printed must be
# listed).  good-* cases must be clean.  Cases of errors found later than
# `check` (see tests/policies/README.md):
#   run-*   `incentive run` on the case's policy, people.csv, [quotas.csv]
#           and events.csv must fail with the errors listed;
#   test-*  `incentive test` on the case's policy must fail with them.
# In their expected.txt, {dir} stands for the case directory.
source "$(dirname "$0")/lib.sh"

# check_expected NAME EXPECTED OUTPUT PREFIX DIR
check_expected() {
  local name=$1 exp=$2 out=$3 prefix=$4 d=$5 prev="" hints=0 line want
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    case $line in
    "# hint: "*)
      hints=$((hints + 1))
      want="  hint: ${line#\# hint: }"
      want=${want//\{dir\}/$d}
      if [ -z "$prev" ]; then fail "$name: a hint with no diagnostic before it"; continue; fi
      if grep -A1 -F -- "$prev" "$out" | grep -qxF -- "$want"; then pass; else
        fail "$name: [$prev] is not followed by [$want]"; sed 's/^/  | /' "$out" | head -30 >&2
      fi
      continue ;;
    \#*) continue ;;
    esac
    prev=$prefix${line//\{dir\}/$d}
    expect_grep "$name" "$prev" "$out"
  done < "$exp"
  expect_eq "$name: every hint printed is listed" "$hints" "$(grep -c '^  hint: ' "$out")"
}

n=0
for dir in tests/policies/*/; do
  name=$(basename "$dir")
  d=${dir%/}
  target=$dir
  [ -f "$dir/target" ] && target=$dir$(cat "$dir/target")
  n=$((n + 1))
  case $name in
  good-*)
    expect_status "$name is clean" 0 "$INCENTIVE" check "$target"
    continue ;;
  run-*)
    expect_status "$name checks clean" 0 "$INCENTIVE" check "$d"
    args=(--policy "$d" --people "$d/people.csv" --events "$d/events.csv")
    [ -f "$d/quotas.csv" ] && args+=(--quotas "$d/quotas.csv")
    expect_status "$name fails when run" 1 "$INCENTIVE" run "${args[@]}" --out "$TMP/run.out"
    [ ! -e "$TMP/run.out" ] && pass || fail "$name: a failed run wrote its output"
    check_expected "$name" "$dir/expected.txt" "$TMP/err" "" "$d"
    continue ;;
  test-*)
    expect_status "$name checks clean" 0 "$INCENTIVE" check "$d"
    expect_status "$name tests fail" 1 "$INCENTIVE" test "$d"
    cat "$TMP/out" "$TMP/err" > "$TMP/both"
    check_expected "$name" "$dir/expected.txt" "$TMP/both" "" "$d"
    continue ;;
  esac
  expect_status "$name fails" 1 "$INCENTIVE" check "$target"
  if [ ! -s "$dir/expected.txt" ]; then fail "$name: no expected.txt"; continue; fi
  check_expected "$name" "$dir/expected.txt" "$TMP/err" "$d/" "$d"
done
[ "$n" -gt 10 ] && pass || fail "expected more than 10 policy cases, found $n"
# the default policy is clean, and check reports its versions and hash
expect_status "rules/ is clean" 0 "$INCENTIVE" check rules
expect_grep "hash printed" "sha256" "$TMP/out"
# a directory without any version file
mkdir -p "$TMP/none/scripts"
expect_status "no versions" 1 "$INCENTIVE" check "$TMP/none"
expect_grep "no versions message" "$TMP/none: no policy files (*.yaml, *.yml) in '$TMP/none'" "$TMP/err"
expect_grep "no versions hint" "  hint: each version of a policy is a .yaml file" "$TMP/err"
# files too large to keep in the repository: a version file over 16 MiB,
# and a scalar over 1 MiB
mkdir -p "$TMP/big" "$TMP/long"
truncate -s 17M "$TMP/big/policy.yaml"
expect_status "file too large" 1 "$INCENTIVE" check "$TMP/big"
expect_grep "file too large message" "$TMP/big/policy.yaml: file larger than 16 MiB (17825792 bytes)" "$TMP/err"
{ printf 'policy: '; head -c 1100000 /dev/zero | tr '\0' x; printf '\n'; } > "$TMP/long/policy.yaml"
expect_status "scalar too long" 1 "$INCENTIVE" check "$TMP/long"
expect_grep "scalar too long message" "$TMP/long/policy.yaml:1:9: scalar longer than 1 MiB" "$TMP/err"
# usage errors exit 2
expect_status "no policy" 2 "$INCENTIVE" check
expect_status "help" 0 "$INCENTIVE" check --help
expect_status "missing path" 1 "$INCENTIVE" check "$TMP/nope"
done_testing
