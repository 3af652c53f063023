# Hostile rule scripts, end to end: each is stopped by the sandbox, the
# run fails naming the rule and the script line ("rule guest:
# scripts/guest.lua:LINE: ..."), and nothing is written.  lua_sandbox.sh
# covers os, io, require, a plain loop, a string.rep bomb and error();
# tests/unit/test_sandbox.c covers the library one call at a time.  These
# add the other ways out: recursion, memory growth, to-be-closed
# variables, error objects, handlers, coroutines, debug/package/load,
# bytecode, the string metatable, _ENV, and pattern matching that
# backtracks inside one call.  Every run is under `timeout`.
source "$(dirname "$0")/lib.sh"
T=(timeout 60)
[ -n "${INCENTIVE_UNDER_VALGRIND:-}" ] && T=(timeout 3000)
mk() { # name, lua body -> $TMP/name/ policy dir
  local d=$TMP/$1; mkdir -p "$d/scripts"
  cat > "$d/policy.yaml" <<YAML
policy: lua-hostile
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
      product: string
rules:
  - id: guest
    kind: script
    on: deal_closed
    script: scripts/guest.lua
    function: pay
YAML
  printf '%s\n' "$2" > "$d/scripts/guest.lua"
}
printf 'id,name,level,team,manager,hired,left,currency\np1,Pat,L1,,,2020-01-01,,USD\n' > "$TMP/people.csv"
printf 'id,date,type,person,amount,product\ne1,2026-01-05,deal_closed,p1,1234.50,SW-ENT-1\n' > "$TMP/events.csv"
runp() { "${T[@]}" "$INCENTIVE" run --policy "$TMP/$1" --people "$TMP/people.csv" \
  --events "$TMP/events.csv" --format csv --out "$TMP/$1.out"; }

hostile() { # name, line, expected message fragment, lua body
  mk "$1" "$4"
  expect_status "$1 is stopped" 1 runp "$1"
  expect_grep "$1 names rule and line" "rule guest: scripts/guest.lua:$2: " "$TMP/err"
  expect_grep "$1 says why" "$3" "$TMP/err"
  expect_grep "$1 writes nothing" "nothing was written" "$TMP/err"
  [ ! -e "$TMP/$1.out" ] && pass || fail "$1 left an output file"
}

# --- recursion
hostile recursion 1 "memory limit of 8192 KiB exceeded" 'local function f(n) return f(n + 1) + 1 end
function pay(ctx) return f(1) end'
hostile tail-calls 1 "instruction budget of 1000000 exceeded" 'local function f(n) return f(n + 1) end
function pay(ctx) return f(1) end'
hostile c-recursion 3 "stack overflow" 'function pay(ctx)
  local t = setmetatable({}, {__index = function(t, k)
    return t[k] end})
  return t.x
end'
# --- memory
hostile table-growth 4 "memory limit of 8192 KiB exceeded" 'function pay(ctx)
  local t = {}
  for i = 1, math.maxinteger do
    t[i] = {i, i, i}
  end
end'
hostile doubling 3 "memory limit of 8192 KiB exceeded" 'function pay(ctx)
  local s = "x"
  while true do s = s .. s end
end'
hostile concat-bomb 2 "memory limit of 8192 KiB exceeded" 'function pay(ctx)
  local s = table.concat({string.rep("x", 1000000)}, "", 1, 1) .. string.rep("y", 1 << 30)
end'
hostile rep-separator 2 "memory limit of 8192 KiB exceeded" 'function pay(ctx)
  return string.rep("", 1 << 24, string.rep("s", 100))
end'
hostile huge-reason 2 "memory limit of 8192 KiB exceeded" 'function pay(ctx)
  return {kind = "bonus", amount = 1, reason = string.rep("r", 8 << 20)}
end'
hostile many-decisions 4 "memory limit of 8192 KiB exceeded" 'function pay(ctx)
  local t = {}
  for i = 1, 1 << 30 do
    t[i] = {kind = "bonus", amount = 1, reason = "x"}
  end
  return t
end'
# --- catching the stop does not help: pcall, xpcall with a handler that
# loops, error objects whose __tostring loops, to-be-closed variables
hostile pcall-loop 3 "instruction budget of 1000000 exceeded" 'function pay(ctx)
  while true do
    pcall(function() while true do end end)
  end
end'
hostile pcall-memory 2 "memory limit of 8192 KiB exceeded" 'function pay(ctx)
  local ok = pcall(string.rep, "x", 1 << 30)
  return {kind = "bonus", amount = 1, reason = tostring(ok)}
end'
hostile handler-loop 2 "instruction budget of 1000000 exceeded" 'function pay(ctx)
  xpcall(function() error("x") end, function(m) while true do end end)
end'
hostile error-object 2 "(error object is a table value)" 'function pay(ctx)
  error(setmetatable({}, {__tostring = function() while true do end end}))
end'
hostile close-loop 2 "instruction budget of 1000000 exceeded" 'function pay(ctx)
  local guard <close> = setmetatable({}, {__close = function() while true do end end})
  error("boom")
end'
hostile close-after-stop 3 "instruction budget of 1000000 exceeded" 'function pay(ctx)
  local guard <close> = setmetatable({}, {__close = function() local t = {} for i = 1, 1e9 do t[i] = i end end})
  while true do end
end'
# --- what is not there: coroutines, debug, package, load, dofile, the
# collector, bytecode (string.dump is gone too)
hostile coroutine 2 "attempt to index a nil value (global 'coroutine')" 'function pay(ctx)
  local co = coroutine.create(function() while true do coroutine.yield() end end)
  return coroutine.resume(co)
end'
hostile debug 2 "attempt to index a nil value (global 'debug')" 'function pay(ctx)
  debug.sethook()
end'
hostile package 2 "attempt to index a nil value (global 'package')" 'function pay(ctx)
  package.loaded.os.exit(1)
end'
hostile load 2 "attempt to call a nil value (global 'load')" 'function pay(ctx)
  return load("\27Lua")()
end'
hostile dump 2 "attempt to call a nil value (field 'dump')" 'function pay(ctx)
  return string.dump(pay)
end'
hostile collectgarbage 2 "attempt to call a nil value (global 'collectgarbage')" 'function pay(ctx)
  collectgarbage("stop")
end'
# --- shared objects cannot be changed: the string metatable, the
# libraries, the globals of the next call
hostile string-metatable 2 "attempt to index a boolean value" 'function pay(ctx)
  getmetatable("").__index = {upper = function() return "pwned" end}
end'
hostile string-library 2 "cannot set field 'upper': the table is read-only" 'function pay(ctx)
  string.upper = function() return "pwned" end
end'
hostile rawset 2 "attempt to call a nil value (global 'rawset')" 'function pay(ctx)
  rawset(string, "upper", nil)
end'
hostile env-metatable 2 "cannot change a protected metatable" 'function pay(ctx)
  setmetatable(_ENV, nil)
end'
# --- Lua patterns backtrack in C, inside one call: each call is charged
# an upper bound of its work before it starts
hostile find-backtrack 3 "instruction budget of 1000000 exceeded" 'function pay(ctx)
  local s = string.rep("a", 20000)
  return string.find(s, ".-.-.-.-.-.-b")
end'
hostile match-backtrack 2 "instruction budget of 1000000 exceeded" 'function pay(ctx)
  return (string.rep("a", 5000)):match("a*a*a*a*b")
end'
hostile gsub-backtrack 2 "instruction budget of 1000000 exceeded" 'function pay(ctx)
  return string.gsub(string.rep("ab", 5000), "[ab]*[ab]*c", "")
end'
hostile gmatch-backtrack 2 "instruction budget of 1000000 exceeded" 'function pay(ctx)
  for w in string.gmatch(string.rep(" ", 20000), "%s*%s*%s*x") do end
end'

# --- a script file that is Lua bytecode is refused by check
mk bytecode 'function pay(ctx) return nil end'
printf '\033Lua\124\000\031\223\015\012\032\012\004\010\010x' > "$TMP/bytecode/scripts/guest.lua"
expect_status "bytecode refused" 1 "${T[@]}" "$INCENTIVE" check "$TMP/bytecode"
expect_grep "bytecode says so" "scripts/guest.lua" "$TMP/err"
expect_grep "bytecode why" "attempt to load a binary chunk" "$TMP/err"

# --- a legitimate script with patterns still runs, and is exact
mk patterns 'function pay(ctx)
  local family, line = ctx.event.product:match("^(%u+)%-(%u+)%-%d+$")
  local words = 0
  for w in string.gmatch("a b c", "%a+") do words = words + 1 end
  local s = string.gsub("x, y, z", "%s+", "")
  return {kind = "spiff", amount = ctx.event.amount * dec("0.01"),
          reason = family .. "/" .. line .. " " .. words .. " " .. s ..
                   " " .. tostring(string.find("a.b", ".", 1, true))}
end'
expect_status "patterns run" 0 runp patterns
# 1,234.50 x 0.01 = 12.345 -> 12.35 (half up)
expect_grep "patterns result" ',p1,spiff,12.35,USD,guest,e1,"SW/ENT 3 x,y,z 2",' "$TMP/patterns.out"
done_testing
