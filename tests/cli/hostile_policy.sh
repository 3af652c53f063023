# Hostile policy files: each is refused quickly with a clear message at
# file:line:column, `check` exits 1, and `run` computes and writes nothing.
# Every command runs under `timeout`, so a hang fails the test instead of
# stalling the suite.  Large files are generated in $TMP and deleted.
source "$(dirname "$0")/lib.sh"
T=(timeout 60)
[ -n "${INCENTIVE_UNDER_VALGRIND:-}" ] && T=(timeout 3000)
G=tests/golden/basic
P=$TMP/p
mkdir -p "$P"
head_yaml='policy: hostile
version: h1
effective: 2026-01-01
currency: USD
rounding: half_up
period: month'

# refused NAME EXPECTED-MESSAGE: `check $P/NAME.yaml` exits 1 with it, and
# `run` over the same file exits 1 and leaves no output file.
refused() {
  expect_status "$1: check refuses it" 1 "${T[@]}" "$INCENTIVE" check "$P/$1.yaml"
  expect_grep "$1: says why" "$2" "$TMP/err"
  expect_status "$1: run refuses it" 1 "${T[@]}" "$INCENTIVE" run --policy "$P/$1.yaml" \
    --people $G/people.csv --events $G/events.csv --out "$TMP/$1.out"
  expect_grep "$1: nothing computed" "nothing was computed" "$TMP/err"
  [ ! -e "$TMP/$1.out" ] && pass || fail "$1: run left an output file"
}

# --- "billion laughs": nine levels of nine aliases each (9^9 strings if
# expanded); anchors and aliases are refused before anything expands
python3 - "$P/laughs.yaml" <<'PY'
import sys
lines = ['lol0: &lol0 "lol"']
for i in range(1, 10):
    lines.append('lol%d: &lol%d [%s]' % (i, i, ', '.join(['*lol%d' % (i - 1)] * 9)))
open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
PY
refused laughs "laughs.yaml:1:7: anchors and aliases are not supported"
# an alias alone (no anchor in the file)
printf '%s\nevent_types: *types\n' "$head_yaml" > "$P/alias.yaml"
refused alias "alias.yaml:7:14: aliases are not supported"

# --- deep nesting: flow lists, flow maps, block lists
python3 -c "print('rules: ' + '[' * 100000 + ']' * 100000)" > "$P/deep-flow.yaml"
refused deep-flow "nesting deeper than 64 levels"
python3 -c "print('rules: ' + '{a: ' * 20000 + '1' + '}' * 20000)" > "$P/deep-map.yaml"
refused deep-map "deep-map.yaml:1:"
expect_grep "deep-map: nesting" "nesting deeper than 64 levels" "$TMP/err"
python3 - "$P/deep-block.yaml" <<'PY'
import sys
s = 'rules:\n' + ''.join('  ' * (i + 1) + '-\n' for i in range(300))
open(sys.argv[1], 'w').write(s)
PY
refused deep-block "nesting deeper than 64 levels"

# --- huge scalars: 2 MiB plain and quoted (the limit is 1 MiB)
python3 -c "print('title: ' + 'x' * (2 << 20))" > "$P/huge-plain.yaml"
refused huge-plain "huge-plain.yaml:1:8: scalar longer than 1 MiB (2097152 bytes)"
python3 -c "print('title: \"' + 'x' * (2 << 20) + '\"')" > "$P/huge-quoted.yaml"
refused huge-quoted "huge-quoted.yaml:1:8: scalar longer than 1 MiB"
# a 2 MiB key
python3 -c "print('k' * (2 << 20) + ': 1')" > "$P/huge-key.yaml"
refused huge-key "scalar longer than 1 MiB"

# --- duplicate keys: in a small mapping, and in one of 100,000 keys (the
# large-mapping path), reported where the second one is
printf '%s\npolicy: again\n' "$head_yaml" > "$P/dup.yaml"
refused dup "dup.yaml:7:1: duplicate key 'policy' (first at line 1)"
python3 - "$P/dup-many.yaml" <<'PY'
import sys
keys = ['k%d: %d' % (i, i) for i in range(100000)]
keys.append('k77777: again')
open(sys.argv[1], 'w').write('params:\n' + ''.join('  %s\n' % k for k in keys))
PY
refused dup-many "dup-many.yaml:100002:3: duplicate key 'k77777' (first at line 77779)"

# --- bytes that are not UTF-8 text
printf 'policy: caf\xe9\nversion: v\n' > "$P/latin1.yaml"
refused latin1 "latin1.yaml:1:12: invalid trailing UTF-8 octet"
expect_grep "latin1: hint" "policy files must be UTF-8 text" "$TMP/err"
printf '\xff\xfep\x00o\x00l\x00' > "$P/utf16.yaml"
refused utf16 "utf16.yaml:1:1: invalid leading UTF-8 octet"
printf 'policy: a\x00b\nversion: v\n' > "$P/nul.yaml"
refused nul "nul.yaml:1:10: control characters are not allowed"
printf 'policy: "a\\0b"\nversion: v\n' > "$P/nul-escape.yaml"
refused nul-escape "nul-escape.yaml:1:9: text contains a NUL character"
printf 'policy: "\\ud800"\n' > "$P/surrogate.yaml"
refused surrogate "surrogate.yaml:1:"

# --- a 100 MB policy file, a 100 MB version in a directory and a 100 MB
# script: refused from their size, without reading them (small memory)
yes 'title: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' | head -c 100000000 > "$P/big.yaml"
refused big "big.yaml: file larger than 16 MiB (100000000 bytes)"
mkdir -p "$TMP/bigdir" && mv "$P/big.yaml" "$TMP/bigdir/v1.yaml"
expect_status "big version in a directory" 1 "${T[@]}" "$INCENTIVE" check "$TMP/bigdir"
expect_grep "big version named" "bigdir/v1.yaml: file larger than 16 MiB" "$TMP/err"
rm -rf "$TMP/bigdir"
mkdir -p "$TMP/bigscript/scripts"
sed -e 's/^rules:$/rules:\n  - {id: s, kind: script, on: deal_closed, script: scripts\/big.lua, function: f}/' \
  $G/policy.yaml > "$TMP/bigscript/policy.yaml"
yes -- '-- a comment line that goes on and on and on and on and on and on' | head -c 100000000 > "$TMP/bigscript/scripts/big.lua"
expect_status "big script" 1 "${T[@]}" "$INCENTIVE" check "$TMP/bigscript"
expect_grep "big script named" "scripts/big.lua: file larger than 16 MiB" "$TMP/err"
rm -rf "$TMP/bigscript"

# --- things that are not files: a FIFO (must not block), a device, a
# FIFO among the versions of a directory
mkfifo "$P/fifo.yaml"
refused fifo "fifo.yaml: not a regular file"
expect_status "device" 1 "${T[@]}" "$INCENTIVE" check /dev/zero
expect_grep "device refused" "/dev/zero: not a regular file" "$TMP/err"
mkdir -p "$TMP/fifodir" && mkfifo "$TMP/fifodir/v1.yaml"
expect_status "FIFO version" 1 "${T[@]}" "$INCENTIVE" check "$TMP/fifodir"
expect_grep "FIFO version refused" "v1.yaml: not a regular file" "$TMP/err"

# --- script paths that leave the policy directory: ../, absolute, a
# .. inside, a symlink to a file outside, a symlinked directory, a symlink
# to a device, a symlink loop; a symlink that stays inside is fine
E=$TMP/esc
mkdir -p "$E/pol/scripts" "$E/outside"
echo 'function f(ctx) return nil end' > "$E/outside/x.lua"
echo 'function f(ctx) return nil end' > "$E/pol/real.lua"
ln -s ../../outside/x.lua "$E/pol/scripts/link.lua"
ln -s ../outside "$E/pol/linkdir"
ln -s /dev/zero "$E/pol/scripts/dev.lua"
ln -s loop.lua "$E/pol/scripts/loop.lua"
ln -s ../real.lua "$E/pol/scripts/inside.lua"
script_policy() { # script path -> $E/pol/policy.yaml
  sed -e "s#^rules:\$#rules:\n  - {id: s, kind: script, on: deal_closed, script: '$1', function: f}#" \
    $G/policy.yaml > "$E/pol/policy.yaml"
}
escapes() { # name, script path, hint
  script_policy "$2"
  expect_status "$1: refused" 1 "${T[@]}" "$INCENTIVE" check "$E/pol"
  expect_grep "$1: says where" "policy.yaml:24:" "$TMP/err"
  expect_grep "$1: message" "script path leaves the policy directory" "$TMP/err"
  expect_grep "$1: hint" "$3" "$TMP/err"
  expect_status "$1: run refuses" 1 "${T[@]}" "$INCENTIVE" run --policy "$E/pol" \
    --people $G/people.csv --events $G/events.csv --out "$TMP/esc.out"
  [ ! -e "$TMP/esc.out" ] && pass || fail "$1: run left an output file"
}
escapes dotdot '../outside/x.lua' "name scripts relative to the policy directory"
escapes absolute "$E/outside/x.lua" "name scripts relative to the policy directory"
escapes inner-dotdot 'scripts/../../outside/x.lua' "name scripts relative to the policy directory"
escapes symlink 'scripts/link.lua' "symbolic links may not point outside the policy directory"
escapes symlinked-dir 'linkdir/x.lua' "symbolic links may not point outside the policy directory"
escapes device 'scripts/dev.lua' "symbolic links may not point outside the policy directory"
script_policy 'scripts/loop.lua'
expect_status "symlink loop refused" 1 "${T[@]}" "$INCENTIVE" check "$E/pol"
expect_grep "symlink loop says so" "script file 'scripts/loop.lua' cannot be read" "$TMP/err"
script_policy 'scripts/inside.lua'
expect_status "a symlink inside the directory is fine" 0 "${T[@]}" "$INCENTIVE" check "$E/pol"
# a version file that is a symbolic link to a policy outside the directory
# is refused like a script (a link to a version inside is fine)
mkdir -p "$E/vers"
cp $G/policy.yaml "$E/outside/v.yaml"
ln -s ../outside/v.yaml "$E/vers/v1.yaml"
expect_status "version symlink leaving the directory" 1 "${T[@]}" "$INCENTIVE" check "$E/vers"
expect_grep "version symlink named" "vers/v1.yaml: version file leaves the policy directory" "$TMP/err"
expect_grep "version symlink hint" "symbolic links may not point outside the policy directory" "$TMP/err"
expect_status "version symlink: run refuses" 1 "${T[@]}" "$INCENTIVE" run --policy "$E/vers" \
  --people $G/people.csv --events $G/events.csv --out "$TMP/esc.out"
[ ! -e "$TMP/esc.out" ] && pass || fail "version symlink: run left an output file"
rm "$E/vers/v1.yaml"
mkdir "$E/vers/keep"
cp $G/policy.yaml "$E/vers/keep/v1.txt"
ln -s keep/v1.txt "$E/vers/v1.yaml"
expect_status "version symlink inside is fine" 0 "${T[@]}" "$INCENTIVE" check "$E/vers"
done_testing
