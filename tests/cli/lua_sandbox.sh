# Lua rule scripts run as guests: a good script computes with exact
# decimals; hostile ones are stopped with "rule <id>: script.lua:LINE:"
# and the run writes nothing.
source "$(dirname "$0")/lib.sh"
mk() { # name, lua body -> $TMP/name/ policy dir
  local d=$TMP/$1; mkdir -p "$d/scripts"
  cat > "$d/policy.yaml" <<YAML
policy: lua-test
version: l1
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
rules:
  - id: guest
    kind: script
    on: deal_closed
    script: scripts/guest.lua
    function: pay
    params: {rate: 2.5%}
YAML
  printf '%s\n' "$2" > "$d/scripts/guest.lua"
}
printf 'id,name,level,team,manager,hired,left,currency\np1,Pat,L1,,,2020-01-01,,USD\n' > "$TMP/people.csv"
printf 'id,date,type,person,amount\ne1,2026-01-05,deal_closed,p1,1234.50\ne2,2026-01-06,deal_closed,p1,0.10\n' > "$TMP/events.csv"
runp() { "$INCENTIVE" run --policy "$TMP/$1" --people "$TMP/people.csv" --events "$TMP/events.csv" --format csv --out "$TMP/$1.out"; }

# good: 1,234.50 x 2.5% = 30.8625 -> 30.86; 0.10 x 2.5% = 0.0025 -> 0.00
mk good 'function pay(ctx)
  local amt = ctx.event.amount * ctx.params.rate
  return {kind = "commission", amount = amt, reason = "2.5% of " .. tostring(ctx.event.amount)}
end'
expect_status "good script" 0 runp good
expect_grep "exact result" ",commission,30.86,USD,guest,e1," "$TMP/good.out"
expect_grep "tiny result rounds" ",commission,0.00,USD,guest,e2," "$TMP/good.out"

# 0.1 + 0.2 == 0.3 with dec, and a float is refused
mk exact 'function pay(ctx)
  if dec("0.1") + dec("0.2") ~= dec("0.3") then error("inexact") end
  return {kind = "bonus", amount = dec("0.30"), reason = "exact"}
end'
expect_status "dec is exact" 0 runp exact
expect_grep "0.30 paid" ",bonus,0.30," "$TMP/exact.out"
mk float 'function pay(ctx)
  return {kind = "bonus", amount = 0.1 + 0.2, reason = "float"}
end'
expect_status "float refused" 1 runp float
expect_grep "float message" "rule guest:" "$TMP/err"
[ ! -e "$TMP/float.out" ] && pass || fail "a failed run left an output file"

hostile() { # name, line, expected message fragment, lua body
  mk "$1" "$4"
  expect_status "$1 is stopped" 1 runp "$1"
  expect_grep "$1 names rule and line" "rule guest: scripts/guest.lua:$2:" "$TMP/err"
  expect_grep "$1 says why" "$3" "$TMP/err"
  [ ! -e "$TMP/$1.out" ] && pass || fail "$1 left an output file"
}
hostile os 2 "os" 'function pay(ctx)
  os.execute("touch /tmp/pwned")
end'
hostile io 2 "io" 'function pay(ctx)
  io.open("/etc/passwd")
end'
hostile require 2 "require" 'function pay(ctx)
  require("os")
end'
hostile loop 2 "instruction budget" 'function pay(ctx)
  while true do end
end'
hostile bomb 2 "memory limit" 'function pay(ctx)
  local s = string.rep("x", 1 << 30)
end'
hostile error 3 "boom" 'function pay(ctx)
  local x = 1
  error("boom")
end'
# a syntax error is found by check, before anything runs
mk syntax 'function pay(ctx)
  return {kind = "bonus",
end'
expect_status "syntax error refused by check" 1 "$INCENTIVE" check "$TMP/syntax"
expect_grep "syntax error location" "scripts/guest.lua:3:" "$TMP/err"
done_testing
