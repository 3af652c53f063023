/*
 * test_sandbox.c: unit tests for the Lua rule sandbox (src/lib/sandbox.c)
 * and the dec type scripts use (src/lib/ldec.c).
 *
 * Each test builds a small policy_version by hand with its scripts as
 * strings.  Expected values are worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sandbox.h"

#define MAX_RULES 4

/* One policy version with up to MAX_RULES script rules r1, r2, ... each
 * calling `rule` in scripts/x1.lua, scripts/x2.lua, ... */
typedef struct fx {
	script scripts[MAX_RULES];
	rule rules[MAX_RULES];
	char paths[MAX_RULES][32];
	char ids[MAX_RULES][16];
	param items[4];
	policy_version v;
	sandbox *sb;
	/* one standard input */
	script_kv kv[6];
	script_input in;
} fx;

static dec D(const char *s)
{
	dec d = {0, 0};

	assert_int_equal(dec_parse(&d, s, strlen(s), true), DEC_OK);
	return d;
}

static void expect_dec(dec got, const char *want)
{
	char buf[64];

	dec_format(buf, sizeof buf, got, 0, false);
	assert_string_equal(buf, want);
}

/* Fills in the version for n scripts (not yet a sandbox). */
static void fx_setup(fx *f, size_t n, const char *const *srcs, uint64_t instr,
		     uint64_t mem)
{
	size_t i;

	memset(f, 0, sizeof *f);
	assert_true(n <= MAX_RULES);
	/* params: {label = "SW-ENT", min_years = 3, rate = 8%} (sorted) */
	f->items[0].type = PV_STR;
	f->items[0].key = "label";
	f->items[0].u.s = "SW-ENT";
	f->items[1].type = PV_INT;
	f->items[1].key = "min_years";
	f->items[1].u.i = 3;
	f->items[2].type = PV_DEC;
	f->items[2].key = "rate";
	f->items[2].u.d = D("8%"); /* 0.08 */
	for (i = 0; i < n; i++) {
		snprintf(f->paths[i], sizeof f->paths[i], "scripts/x%d.lua",
			 (int)i + 1);
		snprintf(f->ids[i], sizeof f->ids[i], "r%d", (int)i + 1);
		f->scripts[i].path = f->paths[i];
		f->scripts[i].source = srcs[i];
		f->scripts[i].len = strlen(srcs[i]);
		f->rules[i].id = f->ids[i];
		f->rules[i].kind = RULE_SCRIPT;
		f->rules[i].on_type = 0;
		f->rules[i].script = (int)i;
		f->rules[i].function = "rule";
		f->rules[i].params.type = PV_MAP;
		f->rules[i].params.u.list.items = f->items;
		f->rules[i].params.u.list.n = 3;
	}
	f->v.policy_name = "test";
	f->v.label = "t1";
	f->v.currency = "USD";
	f->v.rounding = DEC_HALF_UP;
	f->v.lua_instructions = instr;
	f->v.lua_memory = mem;
	f->v.rules = f->rules;
	f->v.n_rules = n;
	f->v.scripts = f->scripts;
	f->v.n_scripts = n;

	/* deal_closed e-1001 on 2026-02-10: amount 12500.00, product
	 * SW-ENT-100, units 3, region EMEA, closed 2026-02-09; `note`
	 * absent. */
	f->kv[0].key = "amount";
	f->kv[0].v.type = FT_MONEY;
	f->kv[0].v.u.d = D("12500.00");
	f->kv[0].present = true;
	f->kv[1].key = "product";
	f->kv[1].v.type = FT_STRING;
	f->kv[1].v.u.str.s = "SW-ENT-100";
	f->kv[1].v.u.str.len = 10;
	f->kv[1].present = true;
	f->kv[2].key = "units";
	f->kv[2].v.type = FT_INTEGER;
	f->kv[2].v.u.i = 3;
	f->kv[2].present = true;
	f->kv[3].key = "region";
	f->kv[3].v.type = FT_ENUM;
	f->kv[3].enum_text = "EMEA";
	f->kv[3].present = true;
	f->kv[4].key = "closed";
	f->kv[4].v.type = FT_DATE;
	f->kv[4].v.u.date = date_from_ymd(2026, 2, 9);
	f->kv[4].present = true;
	f->kv[5].key = "note";
	f->kv[5].v.type = FT_STRING;
	f->kv[5].present = false;
	f->in.event_id = "e-1001";
	f->in.event_type = "deal_closed";
	f->in.event_date = "2026-02-10";
	f->in.fields = f->kv;
	f->in.n_fields = 6;
	f->in.share = D("100");
	f->in.person_id = "p1";
	f->in.person_name = "Ada Lovelace";
	f->in.person_level = "SR2";
	f->in.person_team = "north";
	f->in.currency = "USD";
	f->in.minor = 2;
	f->in.period = "2026-Q1";
	f->in.period_start = "2026-01-01";
	f->in.period_end = "2026-03-31";
	f->in.credited = D("52000.00");
	f->in.has_quota = true;
	f->in.quota = D("80000.00");
	f->in.earned = D("1000.00");
}

/* Builds the version for n scripts and creates its sandbox.  Returns what
 * sandbox_create returned; *err is set on failure (caller frees). */
static int fx_make(fx *f, size_t n, const char *const *srcs, uint64_t instr,
		   uint64_t mem, char **err)
{
	fx_setup(f, n, srcs, instr, mem);
	*err = NULL;
	return sandbox_create(&f->sb, &f->v, err);
}

static void fx_one(fx *f, const char *src)
{
	char *err = NULL;
	int rc = fx_make(f, 1, &src, 1000000, 8u << 20, &err);

	if (rc)
		fail_msg("sandbox_create: %d %s", rc, err ? err : "");
	assert_null(err);
}

static int fx_call(fx *f, size_t rule_ix, script_output *out, char **err)
{
	f->in.rule = &f->rules[rule_ix];
	*err = NULL;
	return sandbox_call(f->sb, &f->in, out, err);
}

static void fx_done(fx *f)
{
	sandbox_destroy(f->sb);
	f->sb = NULL;
}

/* Runs src's `rule` once and expects it to fail with rc and a message
 * starting with want_prefix and containing want. */
static void expect_fail(const char *src, int want_rc, const char *want_prefix,
			const char *want)
{
	fx f;
	script_output out = {NULL, 0};
	char *err = NULL;
	int rc;

	fx_one(&f, src);
	rc = fx_call(&f, 0, &out, &err);
	if (rc != want_rc || !err ||
	    strncmp(err, want_prefix, strlen(want_prefix)) ||
	    !strstr(err, want))
		fail_msg("want %d \"%s...%s\", got %d \"%s\"", want_rc,
			 want_prefix, want, rc, err ? err : "(null)");
	assert_int_equal(out.n, 0);
	free(err);
	fx_done(&f);
}

/* Runs src's `rule` once, expects one decision and returns it (caller
 * clears out). */
static const script_decision *expect_one(fx *f, const char *src,
					 script_output *out)
{
	char *err = NULL;
	int rc;

	fx_one(f, src);
	rc = fx_call(f, 0, out, &err);
	if (rc)
		fail_msg("sandbox_call: %d %s", rc, err ? err : "");
	assert_int_equal(out->n, 1);
	return &out->items[0];
}

static void test_commission_from_ctx(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	const script_decision *d;

	(void)state;
	d = expect_one(
	    &f,
	    "function rule(ctx)\n"
	    "  local e = ctx.event\n"
	    "  return {kind = 'commission',\n"
	    "          amount = e.amount * ctx.params.rate,\n"
	    "          reason = ctx.params.rate:percent() .. ' of ' ..\n"
	    "                   e.amount:format(2, true) .. ': ' ..\n"
	    "                   ctx.params.label}\n"
	    "end\n",
	    &out);
	assert_string_equal(d->kind, "commission");
	assert_true(d->has_amount);
	/* 12500.00 x 0.08 = 1000.0000: scales add (2 + 2), nothing rounds */
	expect_dec(d->amount, "1000.0000");
	assert_int_equal(dec_cmp(d->amount, dec_from_int(1000)), 0);
	/* 0.08 -> "8%"; 12500.00 grouped with 2 places -> "12,500.00" */
	assert_string_equal(d->reason, "8% of 12,500.00: SW-ENT");
	script_output_clear(&out);
	assert_null(out.items);
	fx_done(&f);
}

static void test_ctx_fields(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	const script_decision *d;

	(void)state;
	/* Every ctx value, joined with '|'.  attainment = 52000.00 /
	 * 80000.00 = 0.65 -> 6 places: 0.650000.  units is the integer 3,
	 * so math.type says "integer"; note is absent -> nil. */
	d = expect_one(
	    &f,
	    "function rule(ctx)\n"
	    "  local e, p, q = ctx.event, ctx.person, ctx.period\n"
	    "  local t = {e.id, e.type, e.date, e.product, e.region,\n"
	    "    e.closed, math.type(e.units) .. e.units, tostring(e.note),\n"
	    "    tostring(ctx.share), p.id, p.name, p.level, p.team,\n"
	    "    p.currency, p.minor, q.name, q.start, q['end'],\n"
	    "    tostring(q.credited), tostring(q.quota),\n"
	    "    tostring(q.attainment), tostring(q.earned), ctx.rule,\n"
	    "    ctx.params.min_years, #ctx.params, type(ctx)}\n"
	    "  return {kind = 'bonus', amount = 0,\n"
	    "          reason = table.concat(t, '|')}\n"
	    "end\n",
	    &out);
	assert_string_equal(d->reason,
			    "e-1001|deal_closed|2026-02-10|SW-ENT-100|EMEA|"
			    "2026-02-09|integer3|nil|100|p1|Ada Lovelace|SR2|"
			    "north|USD|2|2026-Q1|2026-01-01|2026-03-31|"
			    "52000.00|80000.00|0.650000|1000.00|r1|3|0|table");
	expect_dec(d->amount, "0");
	script_output_clear(&out);

	/* At period end there is no event. */
	f.in.event_id = NULL;
	f.in.has_quota = false;
	char *err = NULL;
	fx_done(&f);
	fx_one(&f, "function rule(ctx)\n"
		   "  return {kind = 'bonus', amount = '1',\n"
		   "          reason = tostring(ctx.event) .. ' ' ..\n"
		   "                   tostring(ctx.period.attainment)}\n"
		   "end\n");
	f.in.event_id = NULL;
	f.in.has_quota = false;
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.items[0].reason, "nil nil");
	script_output_clear(&out);
	fx_done(&f);
}

static void test_ctx_read_only(void **state)
{
	(void)state;
	expect_fail("function rule(ctx)\n"
		    "  ctx.event.amount = dec(0)\n"
		    "end\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:2: ",
		    "cannot set field 'amount': the table is read-only");
	expect_fail("function rule(ctx)\n"
		    "  table.insert(ctx.params, 1)\n"
		    "end\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:2: ", "read-only");
	expect_fail("function rule(ctx)\n"
		    "  setmetatable(ctx, nil)\n"
		    "end\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:2: ",
		    "cannot change a protected metatable");
}

static void test_dec_exact(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	const script_decision *d;

	(void)state;
	d = expect_one(
	    &f,
	    "function rule(ctx)\n"
	    "  local s = dec('0.1') + dec('0.2')\n"
	    "  assert(s == dec('0.3'), 'not exact')\n"
	    "  assert(0.1 + 0.2 ~= 0.3)\n" /* floats are not */
	    "  assert(s < 1 and 0 < s and s <= dec('0.30'))\n"
	    "  assert(dec(10):div(3, 2) == dec('3.33'))\n"
	    "  assert(dec('2.5'):round(0, 'half_even') == dec(2))\n"
	    "  assert(dec('2.5'):round(0) == dec(3))\n" /* policy: half_up */
	    "  assert(dec('-2.5'):round(0) == dec(-3))\n"
	    "  assert(dec('0.0825'):percent() == '8.25%')\n"
	    "  assert(-dec('1.5') == dec('-1.5') and dec('-4'):abs() == "
	    "dec(4))\n"
	    "  assert(dec('7') - 10 == dec(-3) and 2 * dec('1.25') == "
	    "dec('2.5'))\n"
	    "  assert(dec('1.50'):cmp(dec('1.5')) == 0)\n"
	    "  assert(tostring(dec('1.50')) == '1.50')\n"
	    "  assert(dec(dec(5)) == dec(5) and dec('8%') == dec('0.08'))\n"
	    "  return {kind = 'adjustment', amount = s, reason = 'sum ' .. s}\n"
	    "end\n",
	    &out);
	/* 0.1 + 0.2 = 0.3 exactly, scale 1 */
	expect_dec(d->amount, "0.3");
	assert_string_equal(d->reason, "sum 0.3");
	script_output_clear(&out);
	fx_done(&f);

	expect_fail("function rule(ctx)\n"
		    "  return dec(0.1)\n"
		    "end\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:2: ",
		    "use dec('0.1'): floats are not exact");
	expect_fail("function rule(ctx)\n"
		    "  local x = dec(1) + 0.5\n"
		    "end\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:2: ", "float");
	expect_fail("function rule(ctx)\n"
		    "  local x = dec(1) / 3\n"
		    "end\n",
		    INC_ESCRIPT,
		    "rule r1: scripts/x1.lua:2: ", "a:div(b, places");
	expect_fail("function rule(ctx)\n"
		    "  local x = dec(1):div(0, 2)\n"
		    "end\n",
		    INC_ESCRIPT,
		    "rule r1: scripts/x1.lua:2: ", "division by zero");
	/* 10^35 x 10^5 = 10^40 > 2^127 (about 1.7 x 10^38) */
	expect_fail("function rule(ctx)\n"
		    "  local x = dec('100000000000000000000000000000000000')"
		    " * 100000\n"
		    "end\n",
		    INC_ESCRIPT,
		    "rule r1: scripts/x1.lua:2: ", "decimal overflow");
	expect_fail("function rule(ctx)\n"
		    "  local x = dec('12,50')\n"
		    "end\n",
		    INC_ESCRIPT,
		    "rule r1: scripts/x1.lua:2: ", "not a decimal number");
}

static void test_amounts(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	char *err = NULL;

	(void)state;
	fx_one(
	    &f,
	    "function rule(ctx)\n"
	    "  return {\n"
	    "    {kind = 'spiff', amount = 250, reason = 'integer'},\n"
	    "    {kind = 'clawback', amount = '-12.50', reason = 'text'},\n"
	    "    {kind = 'commission', amount = dec('0.005'), reason = 'd'},\n"
	    "  }\n"
	    "end\n");
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.items[0].kind, "spiff");
	expect_dec(out.items[0].amount, "250");
	assert_string_equal(out.items[1].kind, "clawback");
	expect_dec(out.items[1].amount, "-12.50");
	/* exact, not yet rounded */
	expect_dec(out.items[2].amount, "0.005");
	assert_string_equal(out.items[2].reason, "d");
	script_output_clear(&out);
	fx_done(&f);

	/* nil and {} are no decisions */
	fx_one(&f, "function rule(ctx) if ctx.event then return {} end end\n");
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 0);
	f.in.event_id = NULL;
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 0);
	fx_done(&f);

	/* The function is on line 1, so errors about what it returned point
	 * there. */
	expect_fail(
	    "function rule(ctx)\n"
	    "  return {kind = 'commission', amount = 0.5, reason = 'x'}\n"
	    "end\n",
	    INC_ESCRIPT, "rule r1: scripts/x1.lua:1: ",
	    "amount must be a dec, an integer or a decimal string, "
	    "not a float");
	expect_fail("function rule(ctx)\n"
		    "  return {{kind = 'bonus', amount = 1, reason = 'ok'},\n"
		    "          {kind = 'fine', amount = 1, reason = 'x'}}\n"
		    "end\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:1: ",
		    "decision #2: unknown kind 'fine'");
	expect_fail("function rule(ctx)\n"
		    "  return {kind = 'bonus', amout = 1, reason = 'x'}\n"
		    "end\n",
		    INC_ESCRIPT,
		    "rule r1: scripts/x1.lua:1: ", "unknown key 'amout'");
	expect_fail("function rule(ctx)\n"
		    "  return {kind = 'bonus', reason = 'x'}\n"
		    "end\n",
		    INC_ESCRIPT,
		    "rule r1: scripts/x1.lua:1: ", "a bonus needs an amount");
	expect_fail("function rule(ctx)\n"
		    "  return {kind = 'bonus', amount = 1}\n"
		    "end\n",
		    INC_ESCRIPT,
		    "rule r1: scripts/x1.lua:1: ", "reason must be a string");
	expect_fail("function rule(ctx)\n"
		    "  return 42\n"
		    "end\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:1: ", "not a number");
}

/* Each escape is refused with an error naming the rule and line 2. */
static void test_refused(void **state)
{
	static const struct {
		const char *body;
		const char *want;
	} cases[] = {
	    {"os.execute('id')", "global 'os'"},
	    {"io.open('/etc/passwd')", "global 'io'"},
	    {"require('os')", "global 'require'"},
	    {"load(string.dump(function() end))", "field 'dump'"},
	    {"load('return 1')", "global 'load'"},
	    {"dofile('/etc/passwd')", "global 'dofile'"},
	    {"loadfile('/etc/passwd')", "global 'loadfile'"},
	    {"debug.getinfo(1)", "global 'debug'"},
	    {"getmetatable('').__index.upper = nil", "boolean value"},
	    {"collectgarbage('count')", "global 'collectgarbage'"},
	    {"math.random(1, 6)", "field 'random'"},
	    {"math.randomseed(1)", "field 'randomseed'"},
	    {"print('hi')", "global 'print'"},
	    {"next({})", "global 'next'"},
	    {"rawset(string, 'upper', nil)", "global 'rawset'"},
	    {"string.upper = nil", "the table is read-only"},
	    {"coroutine.wrap(print)", "global 'coroutine'"},
	    {"package.loaded.os.exit()", "global 'package'"},
	    {"setmetatable({}, {__gc = function() end})", "__gc"},
	    {"setmetatable({}, {__mode = 'k'})", "__mode"},
	    {"string.format('%p', {})", "'%p' is not available"},
	    {"pairs({[1.5] = true})", "float key has no fixed order"},
	    {"pairs({[{}] = true})", "table key has no fixed order"},
	    /* errors of wrapped library functions keep their names */
	    {"string.format('%d', 'x')",
	     "bad argument #2 to 'string.format' (number expected, got "
	     "string)"},
	    {"table.insert(1, 2, 3)",
	     "bad argument #1 to 'table.insert' (table expected, got "
	     "number)"},
	};
	char src[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(src, sizeof src, "function rule(ctx)\n  %s\nend\n",
			 cases[i].body);
		expect_fail(src, INC_ESCRIPT,
			    "rule r1: scripts/x1.lua:2: ", cases[i].want);
	}
	/* error() without a position still gets the line */
	expect_fail("function rule(ctx)\n  error('boom', 0)\nend\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:2: ", "boom");
	expect_fail(
	    "function rule(ctx)\n  error({})\nend\n", INC_ESCRIPT,
	    "rule r1: scripts/x1.lua:2: ", "(error object is a table value)");
}

/* Addresses never reach a script's results. */
static void test_no_addresses(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	const script_decision *d;

	(void)state;
	d = expect_one(
	    &f,
	    "function rule(ctx)\n"
	    "  return {kind = 'bonus', amount = 0,\n"
	    "    reason = tostring({}) .. ' ' .. tostring(print) .. ' ' ..\n"
	    "      tostring(rule) .. ' ' .. string.format('%s %5.1f', {}, "
	    "1.25)\n"
	    "      .. ' ' .. string.format('%s', dec('1.0'))}\n"
	    "end\n",
	    &out);
	/* print is nil; %5.1f of 1.25 is "  1.2" (round-half-even of the
	 * binary value 1.25) */
	assert_string_equal(d->reason, "table nil function table   1.2 1.0");
	script_output_clear(&out);
	fx_done(&f);
}

static void test_instruction_budget(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	char *err = NULL;
	const char *srcs[2] = {
	    "function rule(ctx)\n"
	    "  while true do end\n"
	    "end\n",
	    "function rule(ctx)\n"
	    "  return {kind = 'bonus', amount = 1, reason = 'fine'}\n"
	    "end\n",
	};

	(void)state;
	expect_fail(srcs[0], INC_ELIMIT, "rule r1: scripts/x1.lua:2: ",
		    "instruction budget of 1000000 exceeded");
	/* Catching the error does not help: pcall re-raises a limit. */
	expect_fail("function rule(ctx)\n"
		    "  while true do\n"
		    "    pcall(function() while true do end end)\n"
		    "  end\n"
		    "end\n",
		    INC_ELIMIT,
		    "rule r1: scripts/x1.lua:", "instruction budget");
	expect_fail("function rule(ctx)\n"
		    "  local ok = xpcall(function() while true do end end,\n"
		    "                    function(m) return m end)\n"
		    "  return {kind = 'bonus', amount = 1, reason = 'caught'}\n"
		    "end\n",
		    INC_ELIMIT,
		    "rule r1: scripts/x1.lua:2: ", "instruction budget");

	/* Work done inside library calls counts too.  Each 1 MiB string
	 * costs about 2^20 / 64 = 16384 instructions, so 100 of them cost
	 * about 1.6 million: past the budget of 1,000,000 although the loop
	 * runs only a few hundred VM instructions. */
	expect_fail("function rule(ctx)\n"
		    "  for i = 1, 100 do\n"
		    "    local s = string.rep('x', 1 << 20)\n"
		    "  end\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:3: ",
		    "instruction budget of 1000000 exceeded");
	/* 10^15 moves or shifts in C are charged before they start */
	expect_fail("function rule(ctx)\n"
		    "  table.move({}, 1, 1000000000000000, 2)\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:2: ",
		    "instruction budget of 1000000 exceeded");
	expect_fail("function rule(ctx)\n"
		    "  local t = setmetatable({}, {__len = function() return 1 "
		    "<< 50 end})\n"
		    "  table.insert(t, 1, 'x')\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:3: ",
		    "instruction budget of 1000000 exceeded");
	expect_fail("function rule(ctx)\n"
		    "  local s = string.rep('', 1 << 50)\n"
		    "  error('rep made ' .. #s .. ' bytes')\n"
		    "end\n",
		    INC_ESCRIPT,
		    "rule r1: scripts/x1.lua:3: ", "rep made 0 bytes");

	/* The sandbox keeps working after a limit, for this rule and others. */
	assert_int_equal(fx_make(&f, 2, srcs, 5000, 8u << 20, &err), 0);
	assert_int_equal(fx_call(&f, 0, &out, &err), INC_ELIMIT);
	assert_string_equal(err, "rule r1: scripts/x1.lua:2: instruction "
				 "budget of 5000 exceeded");
	free(err);
	assert_int_equal(fx_call(&f, 1, &out, &err), 0);
	assert_int_equal(out.n, 1);
	script_output_clear(&out);
	assert_int_equal(fx_call(&f, 0, &out, &err), INC_ELIMIT);
	assert_string_equal(err, "rule r1: scripts/x1.lua:2: instruction "
				 "budget of 5000 exceeded");
	free(err);
	fx_done(&f);

	/* A top level that never ends is found when the sandbox is made. */
	const char *loop_top = "while true do end\n";
	assert_int_equal(fx_make(&f, 1, &loop_top, 5000, 8u << 20, &err),
			 INC_ELIMIT);
	assert_string_equal(err, "rule r1: scripts/x1.lua:1: instruction "
				 "budget of 5000 exceeded");
	free(err);
}

static void test_memory_limit(void **state)
{
	fx f;
	char *err = NULL;
	script_output out = {NULL, 0};
	const char *grow[1] = {
	    "function rule(ctx)\n"
	    "  local t, i = {}, 0\n"
	    "  while true do\n"
	    "    i = i + 1\n"
	    "    t[i] = {i}\n"
	    "  end\n"
	    "end\n",
	};

	(void)state;
	/* 2^30 bytes is far past 8 MiB = 8192 KiB */
	expect_fail("function rule(ctx)\n"
		    "  local s = string.rep('x', 1 << 30)\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:2: ",
		    "memory limit of 8192 KiB exceeded");
	expect_fail("function rule(ctx)\n"
		    "  local ok = pcall(string.rep, 'x', 1 << 30)\n"
		    "  return {kind = 'bonus', amount = 1, reason = 'caught'}\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:2: ",
		    "memory limit of 8192 KiB exceeded");

	/* 1 MiB = 1024 KiB; the allocation is the table on line 5 (or the
	 * growth of t on the same line). */
	assert_int_equal(fx_make(&f, 1, grow, 100000000, 1u << 20, &err), 0);
	assert_int_equal(fx_call(&f, 0, &out, &err), INC_ELIMIT);
	assert_string_equal(err, "rule r1: scripts/x1.lua:5: memory limit of "
				 "1024 KiB exceeded");
	free(err);
	/* Deterministic: the same call fails the same way again. */
	assert_int_equal(fx_call(&f, 0, &out, &err), INC_ELIMIT);
	assert_string_equal(err, "rule r1: scripts/x1.lua:5: memory limit of "
				 "1024 KiB exceeded");
	free(err);
	fx_done(&f);
}

/* Refuses memory at every point a call allocates (the environment, the
 * chunk's functions, ctx, the script, the result): each call either
 * succeeds with the right answer or fails cleanly with the limit. */
static void test_memory_sweep(void **state)
{
	static const char src[] =
	    "function rule(ctx)\n"
	    "  local t = {}\n"
	    "  for k, v in pairs(ctx.event) do t[#t + 1] = k end\n"
	    "  return {{kind = 'commission', amount = ctx.event.amount *\n"
	    "           ctx.params.rate, reason = table.concat(t, ',')}}\n"
	    "end\n";
	const char *srcs[1] = {src};
	fx f;
	script_output out = {NULL, 0};
	char *err = NULL;
	uint64_t mem;
	int rc, ok = 0, limited = 0;

	(void)state;
	for (mem = 64; mem < 40000; mem += 61) {
		rc = fx_make(&f, 1, srcs, 1000000, mem, &err);
		if (rc == 0) {
			rc = fx_call(&f, 0, &out, &err);
			fx_done(&f);
		}
		if (rc == 0) {
			ok++;
			assert_int_equal(out.n, 1);
			/* 12500.00 x 0.08 */
			expect_dec(out.items[0].amount, "1000.0000");
			/* event keys in pairs order: bytewise */
			assert_string_equal(out.items[0].reason,
					    "amount,closed,date,id,product,"
					    "region,type,units");
			script_output_clear(&out);
			continue;
		}
		limited++;
		if (rc != INC_ELIMIT || !err ||
		    strncmp(err, "rule r1: scripts/x1.lua", 23) ||
		    !strstr(err, "memory limit of "))
			fail_msg("cap %d: %d %s", (int)mem, rc,
				 err ? err : "(null)");
		free(err);
		err = NULL;
	}
	/* both outcomes were reached */
	assert_true(ok > 0 && limited > 0);
}

static void test_deep_recursion(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	char *err = NULL;
	int rc;

	(void)state;
	/* Lua-to-Lua recursion grows the Lua stack until a limit stops it. */
	fx_one(&f, "local function f(n) return 1 + f(n + 1) end\n"
		   "function rule(ctx) return f(1) end\n");
	rc = fx_call(&f, 0, &out, &err);
	assert_true(rc == INC_ELIMIT || rc == INC_ESCRIPT);
	assert_non_null(err);
	assert_true(strncmp(err, "rule r1: scripts/x1.lua:", 24) == 0);
	free(err);
	fx_done(&f);

	/* Recursion through C (a metamethod) hits Lua's C stack limit. */
	expect_fail("function rule(ctx)\n"
		    "  local t = setmetatable({}, {__index = function(t, k)\n"
		    "    return t[k] end})\n"
		    "  return t.x\n"
		    "end\n",
		    INC_ESCRIPT, "rule r1: scripts/x1.lua:", "stack overflow");
}

static void test_no_state_between_calls(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	char *err = NULL;
	int i;

	(void)state;
	/* count (top level) and n (in the function) start from nil on every
	 * call, so both calls return 1 * 10 + 1 = 11. */
	fx_one(&f,
	       "count = (count or 0) + 1\n"
	       "function rule(ctx)\n"
	       "  n = (n or 0) + 1\n"
	       "  _G.seen = (_G.seen or 0) + 1\n"
	       "  pcall(function() string.upper = nil end)\n"
	       "  return {kind = 'bonus', amount = count * 10 + n,\n"
	       "          reason = 'seen ' .. seen .. ' ' .. ('a'):upper()}\n"
	       "end\n");
	for (i = 0; i < 2; i++) {
		assert_int_equal(fx_call(&f, 0, &out, &err), 0);
		assert_int_equal(out.n, 1);
		expect_dec(out.items[0].amount, "11");
		assert_string_equal(out.items[0].reason, "seen 1 A");
		script_output_clear(&out);
	}
	fx_done(&f);
}

static void test_pairs_sorted(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	const script_decision *d;

	(void)state;
	/* integers ascending (1, 3, 20), then strings bytewise: "10" < "B"
	 * < "a" < "aa" < "b" ('1' 0x31 < 'B' 0x42 < 'a' 0x61) */
	d = expect_one(
	    &f,
	    "function rule(ctx)\n"
	    "  local t = {b = 1, a = 2, [3] = 'x', [1] = 'y', ['10'] = 0,\n"
	    "             aa = 3, [20] = 1, B = 4}\n"
	    "  local ks = {}\n"
	    "  for k in pairs(t) do ks[#ks + 1] = tostring(k) end\n"
	    "  for k, v in pairs(ctx.params) do ks[#ks + 1] = k end\n"
	    "  local list = {{n = 2, id = 'a'}, {n = 1, id = 'b'},\n"
	    "                {n = 2, id = 'c'}, {n = 1, id = 'd'}}\n"
	    "  table.sort(list, function(x, y) return x.n < y.n end)\n"
	    "  for _, e in ipairs(list) do ks[#ks + 1] = e.id end\n"
	    "  return {kind = 'bonus', amount = 0,\n"
	    "          reason = table.concat(ks, ',')}\n"
	    "end\n",
	    &out);
	/* params keys: label, min_years, rate; the stable sort keeps b
	 * before d and a before c */
	assert_string_equal(d->reason, "1,3,20,10,B,a,aa,b,"
				       "label,min_years,rate,b,d,a,c");
	script_output_clear(&out);
	fx_done(&f);
}

static void test_syntax_errors(void **state)
{
	fx f;
	char *err = NULL;
	const char *bad = "local a = 1\n"
			  "local b = 2\n"
			  "local c = = 3\n";
	const char *missing = "function other(ctx) end\n";

	(void)state;
	assert_int_equal(
	    sandbox_check_script("scripts/bad.lua", bad, strlen(bad), &err),
	    -1);
	/* the error is on line 3, near the second '=' */
	assert_string_equal(err,
			    "scripts/bad.lua:3: unexpected symbol near '='");
	free(err);
	assert_int_equal(sandbox_check_script("@scripts/ok.lua", missing,
					      strlen(missing), &err),
			 0);
	/* binary chunks are refused, naming the file */
	assert_int_equal(
	    sandbox_check_script("scripts/bin.lua", "\x1bLua", 4, &err), -1);
	assert_non_null(strstr(err, "scripts/bin.lua: "));
	assert_non_null(strstr(err, "binary chunk"));
	free(err);

	assert_int_equal(fx_make(&f, 1, &bad, 1000000, 8u << 20, &err),
			 INC_ESCRIPT);
	assert_string_equal(err,
			    "scripts/x1.lua:3: unexpected symbol near '='");
	free(err);
	assert_int_equal(fx_make(&f, 1, &missing, 1000000, 8u << 20, &err),
			 INC_ESCRIPT);
	assert_non_null(strstr(err, "rule r1: scripts/x1.lua: function 'rule' "
				    "is not defined"));
	free(err);
}

/* The two examples of docs/lua-api.md, as written there. */
static const char kicker_lua[] =
    "function kicker(ctx)\n"
    "  local e, p = ctx.event, ctx.params\n"
    "  if e.years < p.min_years then\n"
    "    return nil                           -- too short: no decision\n"
    "  end\n"
    "  local pct = p.rate * (e.years - (p.min_years - 1))\n"
    "  local capped = pct > p.max\n"
    "  if capped then pct = p.max end\n"
    "  -- ctx.share is a percentage: 100 unless the contract is split\n"
    "  local amount = e.amount * pct * ctx.share:div(100, 4)\n"
    "  local reason = string.format(\"%s of %s (%d-year contract)%s\",\n"
    "    pct:percent(), e.amount:format(2, true), e.years,\n"
    "    capped and \", capped\" or \"\")\n"
    "  return {kind = \"bonus\", amount = amount, reason = reason}\n"
    "end\n";

static const char accelerator_lua[] =
    "local function money(d) return d:round(2):format(2, true) end\n"
    "\n"
    "function accelerator(ctx)\n"
    "  local q, p = ctx.period, ctx.params\n"
    "  if not q.attainment or q.attainment < p.from then\n"
    "    return {}                            -- no quota, or not above it\n"
    "  end\n"
    "  local threshold = q.quota * p.from\n"
    "  local above = q.credited - threshold\n"
    "  local out = {{\n"
    "    kind = \"bonus\",\n"
    "    amount = (above * p.rate):round(ctx.person.minor),\n"
    "    reason = string.format(\"%s of %s credited above %s of quota "
    "(%s)\",\n"
    "      p.rate:percent(), money(above), p.from:percent(),\n"
    "      q.attainment:percent()),\n"
    "  }}\n"
    "  if q.attainment >= p.star_from then\n"
    "    out[#out + 1] = {kind = \"spiff\", amount = p.star_spiff,\n"
    "                     reason = \"star performer in \" .. q.name}\n"
    "  end\n"
    "  return out\n"
    "end\n";

static void set_param(param *p, param_type t, const char *key, const char *text)
{
	p->type = t;
	p->key = key;
	if (t == PV_DEC)
		p->u.d = D(text);
	else
		p->u.i = atoi(text);
}

/* Work that happens inside one call, where the count hook does not run
 * (found by tests/cli/hostile_lua.sh and the fuzzer, issue 9): a message
 * handler called for the budget error itself ran inside the hook with
 * hooks off, and Lua's pattern matcher backtracks in C. */
static void test_work_inside_one_call(void **state)
{
	(void)state;
	/* the handler loops after the budget error: stopped, not hung */
	expect_fail("function rule(ctx)\n"
		    "  xpcall(function() while true do end end,\n"
		    "         function(m) while true do end end)\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:2: ",
		    "instruction budget of 1000000 exceeded");
	/* an ordinary error, then a handler that never ends */
	expect_fail("function rule(ctx)\n"
		    "  xpcall(error, function(m) while true do end end)\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:2: ",
		    "instruction budget of 1000000 exceeded");
	/* ".-" six times over 20,000 characters would backtrack for hours:
	 * charged (about 20000^6 / 8 steps) before it starts */
	expect_fail("function rule(ctx)\n"
		    "  local s = string.rep('a', 20000)\n"
		    "  return s:find('.-.-.-.-.-.-b')\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:3: ",
		    "instruction budget of 1000000 exceeded");
	expect_fail("function rule(ctx)\n"
		    "  for w in string.gmatch(string.rep(' ', 20000), '%s*%s*x') do end\n"
		    "end\n",
		    INC_ELIMIT, "rule r1: scripts/x1.lua:2: ",
		    "instruction budget of 1000000 exceeded");
}

/* Everyday patterns still work, with the results Lua gives. */
static void test_patterns_still_work(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	const script_decision *d;

	(void)state;
	d = expect_one(
	    &f,
	    "function rule(ctx)\n"
	    "  local a, b = ctx.event.product:match('^(%u+)%-(%u+)%-%d+$')\n"
	    "  local n = 0\n"
	    "  for w in ('a,b,,c'):gmatch('[^,]+') do n = n + 1 end\n"
	    "  local s, k = ('x  y   z'):gsub('%s+', ' ')\n"
	    "  local i = string.find('a.b', '.', 1, true)\n"
	    "  return {kind = 'bonus', amount = 1,\n"
	    "          reason = a .. b .. n .. s .. k .. i}\n"
	    "end\n",
	    &out);
	/* SW-ENT-100: SW and ENT; 3 non-empty items; "x y z" after 2
	 * replacements; the plain '.' is at 2 */
	assert_string_equal(d->reason, "SWENT3x y z22");
	script_output_clear(&out);
	fx_done(&f);
}

static void test_doc_examples(void **state)
{
	fx f;
	script_output out = {NULL, 0};
	char *err = NULL;
	const char *src = kicker_lua;

	(void)state;
	/* params {rate: 1%, min_years: 3, max: 5%}, sorted by key */
	fx_setup(&f, 1, &src, 1000000, 8u << 20);
	set_param(&f.items[0], PV_DEC, "max", "5%");
	set_param(&f.items[1], PV_INT, "min_years", "3");
	set_param(&f.items[2], PV_DEC, "rate", "1%");
	f.rules[0].function = "kicker";
	assert_int_equal(sandbox_create(&f.sb, &f.v, &err), 0);
	/* contract_signed: amount 120000.00, years 4 */
	f.kv[0].v.u.d = D("120000.00");
	f.kv[1].key = "years";
	f.kv[1].v.type = FT_INTEGER;
	f.kv[1].v.u.i = 4;
	f.in.n_fields = 2;
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.items[0].kind, "bonus");
	/* pct = 0.01 x (4 - 2) = 0.02; share 100:div(100, 4) = 1.0000;
	 * 120000.00 x 0.02 x 1.0000 = 2400.00000000 (2+2+4 decimals) */
	expect_dec(out.items[0].amount, "2400.00000000");
	assert_string_equal(out.items[0].reason,
			    "2% of 120,000.00 (4-year contract)");
	script_output_clear(&out);
	/* 9 years: 0.07 > 0.05, capped; split 60%: share 0.6000;
	 * 120000.00 x 0.05 x 0.6000 = 3600.00000000 */
	f.kv[1].v.u.i = 9;
	f.in.share = D("60");
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 1);
	expect_dec(out.items[0].amount, "3600.00000000");
	assert_string_equal(out.items[0].reason,
			    "5% of 120,000.00 (9-year contract), capped");
	script_output_clear(&out);
	/* 2 years < 3: nothing */
	f.kv[1].v.u.i = 2;
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 0);
	fx_done(&f);

	/* params {from: 110%, rate: 5%, star_from: 150%, star_spiff: 500} */
	src = accelerator_lua;
	fx_setup(&f, 1, &src, 1000000, 8u << 20);
	set_param(&f.items[0], PV_DEC, "from", "110%");
	set_param(&f.items[1], PV_DEC, "rate", "5%");
	set_param(&f.items[2], PV_DEC, "star_from", "150%");
	set_param(&f.items[3], PV_INT, "star_spiff", "500");
	f.rules[0].params.u.list.n = 4;
	f.rules[0].function = "accelerator";
	assert_int_equal(sandbox_create(&f.sb, &f.v, &err), 0);
	f.in.event_id = NULL; /* at period end */
	/* quota 80000.00, credited 100000.00: attainment 1.25; threshold
	 * 80000.00 x 1.10 = 88000.0000; above 12000.0000; bonus 12000.0000 x
	 * 0.05 = 600.000000 -> 600.00 (minor 2) */
	f.in.credited = D("100000.00");
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 1);
	expect_dec(out.items[0].amount, "600.00");
	assert_string_equal(out.items[0].reason,
			    "5% of 12,000.00 credited above 110% of quota "
			    "(125%)");
	script_output_clear(&out);
	/* credited 130000.00: attainment 1.625 (>= 1.50: star); above
	 * 130000.00 - 88000.0000 = 42000.0000; x 0.05 = 2100.00 */
	f.in.credited = D("130000.00");
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 2);
	expect_dec(out.items[0].amount, "2100.00");
	assert_string_equal(out.items[0].reason,
			    "5% of 42,000.00 credited above 110% of quota "
			    "(162.5%)");
	assert_string_equal(out.items[1].kind, "spiff");
	expect_dec(out.items[1].amount, "500");
	assert_string_equal(out.items[1].reason, "star performer in 2026-Q1");
	script_output_clear(&out);
	/* credited 80000.00: attainment 1 < 1.10; no quota: nil attainment */
	f.in.credited = D("80000.00");
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 0);
	f.in.has_quota = false;
	assert_int_equal(fx_call(&f, 0, &out, &err), 0);
	assert_int_equal(out.n, 0);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commission_from_ctx),
	    cmocka_unit_test(test_ctx_fields),
	    cmocka_unit_test(test_ctx_read_only),
	    cmocka_unit_test(test_dec_exact),
	    cmocka_unit_test(test_amounts),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_no_addresses),
	    cmocka_unit_test(test_instruction_budget),
	    cmocka_unit_test(test_memory_limit),
	    cmocka_unit_test(test_memory_sweep),
	    cmocka_unit_test(test_deep_recursion),
	    cmocka_unit_test(test_no_state_between_calls),
	    cmocka_unit_test(test_pairs_sorted),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_doc_examples),
	    cmocka_unit_test(test_work_inside_one_call),
	    cmocka_unit_test(test_patterns_still_work),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
