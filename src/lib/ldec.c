/*
 * ldec.c: the `dec` userdata type that gives Lua rule scripts exact money.
 *
 * Every operation goes through dec.h, so a script computes exactly what the
 * engine would: no binary floating point.  Values are immutable; the
 * metatable is protected (getmetatable(d) is false) so a script cannot
 * change the type for the next call.  The payload is copied in and out
 * with memcpy because Lua only aligns userdata to 8 bytes and a dec holds
 * a 16-byte integer.
 */
#include "ldec.h"

#include <string.h>

#include <lauxlib.h>

/* Registry keys (their addresses are the keys). */
static const char ldec_mt_key = 'm';
static const char ldec_mode_key = 'r';

/* Rounding mode names, in dec_rounding order. */
static const char *const mode_names[] = {"half_up", "half_even", "down",
					 "floor", NULL};

bool ldec_to(lua_State *L, int idx, dec *out)
{
	void *p;
	bool ok;

	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) != LUA_TUSERDATA)
		return false;
	p = lua_touserdata(L, idx);
	if (!p || !lua_getmetatable(L, idx))
		return false;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &ldec_mt_key);
	ok = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	if (ok && out)
		memcpy(out, p, sizeof *out);
	return ok;
}

void ldec_push(lua_State *L, dec d)
{
	void *p = lua_newuserdatauv(L, sizeof d, 0);

	memcpy(p, &d, sizeof d);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &ldec_mt_key);
	lua_setmetatable(L, -2);
}

dec ldec_check(lua_State *L, int idx)
{
	dec d = dec_zero();

	if (!ldec_to(L, idx, &d))
		luaL_typeerror(L, idx, "dec");
	return d;
}

/* Raises the Lua error for a failed dec.h operation. */
static int dec_fail(lua_State *L, int rc)
{
	if (rc == DEC_EDIVZERO)
		return luaL_error(L, "division by zero");
	if (rc == DEC_ESYNTAX)
		return luaL_error(L, "not a decimal number");
	return luaL_error(L, "decimal overflow");
}

/* The operand at idx as a dec: a dec or a Lua integer.  `what` names the
 * operation for the error ("add", "compare"). */
static dec operand(lua_State *L, int idx, const char *what)
{
	dec d = dec_zero();

	if (ldec_to(L, idx, &d))
		return d;
	if (lua_type(L, idx) == LUA_TNUMBER) {
		if (lua_isinteger(L, idx))
			return dec_from_int((int64_t)lua_tointeger(L, idx));
		luaL_error(L,
			   "cannot %s a dec and a float: floats are not "
			   "exact, use dec('%s')",
			   what, lua_tostring(L, idx));
	}
	luaL_error(L, "cannot %s a dec and a %s", what, luaL_typename(L, idx));
	return d;
}

/* dec(x): x a dec, an integer, or a decimal string ("12.50", "8%"). */
static int l_dec(lua_State *L)
{
	dec d = dec_zero();
	size_t n;
	const char *s;
	int rc;

	switch (lua_type(L, 1)) {
	case LUA_TUSERDATA:
		if (ldec_to(L, 1, NULL)) {
			lua_settop(L, 1); /* immutable: share it */
			return 1;
		}
		break;
	case LUA_TNUMBER:
		if (lua_isinteger(L, 1)) {
			ldec_push(L,
				  dec_from_int((int64_t)lua_tointeger(L, 1)));
			return 1;
		}
		return luaL_error(L, "use dec('%s'): floats are not exact",
				  lua_tostring(L, 1));
	case LUA_TSTRING:
		s = lua_tolstring(L, 1, &n);
		rc = dec_parse(&d, s, n, true);
		if (rc == DEC_ESYNTAX)
			return luaL_error(
			    L,
			    "dec('%s'): not a decimal number "
			    "(write digits with an optional '-' "
			    "and '.', like \"-12.50\" or \"8%%\")",
			    s);
		if (rc != DEC_OK)
			return luaL_error(L, "dec('%s'): decimal overflow", s);
		ldec_push(L, d);
		return 1;
	default:
		break;
	}
	return luaL_typeerror(L, 1, "dec, integer or decimal string");
}

static int l_add(lua_State *L)
{
	dec r;
	int rc = dec_add(&r, operand(L, 1, "add"), operand(L, 2, "add"));

	if (rc != DEC_OK)
		return dec_fail(L, rc);
	ldec_push(L, r);
	return 1;
}

static int l_sub(lua_State *L)
{
	dec r;
	int rc =
	    dec_sub(&r, operand(L, 1, "subtract"), operand(L, 2, "subtract"));

	if (rc != DEC_OK)
		return dec_fail(L, rc);
	ldec_push(L, r);
	return 1;
}

static int l_mul(lua_State *L)
{
	dec r;
	int rc =
	    dec_mul(&r, operand(L, 1, "multiply"), operand(L, 2, "multiply"));

	if (rc != DEC_OK)
		return dec_fail(L, rc);
	ldec_push(L, r);
	return 1;
}

static int l_unm(lua_State *L)
{
	dec a = ldec_check(L, 1);

	/* dec_neg cannot represent -(minimum coefficient); dec_sub checks. */
	dec r;
	int rc = dec_sub(&r, dec_zero(), a);

	if (rc != DEC_OK)
		return dec_fail(L, rc);
	ldec_push(L, r);
	return 1;
}

static int l_div_op(lua_State *L)
{
	return luaL_error(L, "use a:div(b, places [, mode]) to divide decs: "
			     "a division must say where it rounds");
}

static int l_mod_op(lua_State *L)
{
	return luaL_error(L, "'%%' is not defined for dec");
}

static int l_pow_op(lua_State *L)
{
	return luaL_error(L, "'^' is not defined for dec: multiply instead");
}

static int l_eq(lua_State *L)
{
	dec a, b;

	lua_pushboolean(L, ldec_to(L, 1, &a) && ldec_to(L, 2, &b) &&
			       dec_cmp(a, b) == 0);
	return 1;
}

static int l_lt(lua_State *L)
{
	dec a = operand(L, 1, "compare"), b = operand(L, 2, "compare");

	lua_pushboolean(L, dec_cmp(a, b) < 0);
	return 1;
}

static int l_le(lua_State *L)
{
	dec a = operand(L, 1, "compare"), b = operand(L, 2, "compare");

	lua_pushboolean(L, dec_cmp(a, b) <= 0);
	return 1;
}

static void push_text(lua_State *L, dec d)
{
	char buf[64];
	size_t n = dec_format(buf, sizeof buf, d, 0, false);

	lua_pushlstring(L, buf, n);
}

static int l_tostring(lua_State *L)
{
	push_text(L, ldec_check(L, 1));
	return 1;
}

/* "x" .. d and d .. "x": the dec as text; strings and numbers as Lua
 * writes them. */
static int l_concat(lua_State *L)
{
	int i;
	dec d;

	for (i = 1; i <= 2; i++) {
		if (ldec_to(L, i, &d)) {
			push_text(L, d);
		} else if (lua_type(L, i) == LUA_TSTRING ||
			   lua_type(L, i) == LUA_TNUMBER) {
			lua_pushvalue(L, i);
		} else {
			return luaL_error(L,
					  "attempt to concatenate a %s value",
					  luaL_typename(L, i));
		}
	}
	lua_concat(L, 2);
	return 1;
}

/* The optional rounding mode argument at idx; the policy's when absent. */
static dec_rounding opt_mode(lua_State *L, int idx)
{
	lua_Integer def;

	if (lua_isnoneornil(L, idx)) {
		lua_rawgetp(L, LUA_REGISTRYINDEX, &ldec_mode_key);
		def = lua_tointeger(L, -1);
		lua_pop(L, 1);
		return (dec_rounding)def;
	}
	return (dec_rounding)luaL_checkoption(L, idx, NULL, mode_names);
}

static int check_places(lua_State *L, int idx)
{
	lua_Integer p = luaL_checkinteger(L, idx);

	luaL_argcheck(L, p >= 0 && p <= DEC_MAX_SCALE, idx,
		      "places must be between 0 and 30");
	return (int)p;
}

/* a:div(b, places [, mode]) */
static int m_div(lua_State *L)
{
	dec a = ldec_check(L, 1), b = operand(L, 2, "divide"), r;
	int places = check_places(L, 3);
	int rc = dec_div(&r, a, b, places, opt_mode(L, 4));

	if (rc != DEC_OK)
		return dec_fail(L, rc);
	ldec_push(L, r);
	return 1;
}

/* a:round(places [, mode]) */
static int m_round(lua_State *L)
{
	dec a = ldec_check(L, 1), r;
	int places = check_places(L, 2);
	int rc = dec_round(&r, a, places, opt_mode(L, 3));

	if (rc != DEC_OK)
		return dec_fail(L, rc);
	ldec_push(L, r);
	return 1;
}

/* a:percent(): 0.0825 -> "8.25%" */
static int m_percent(lua_State *L)
{
	char buf[64];
	size_t n = dec_format_percent(buf, sizeof buf, ldec_check(L, 1));

	lua_pushlstring(L, buf, n);
	return 1;
}

/* a:format([min_places [, group]]): pads with zeros, never rounds;
 * group puts ',' between thousands. */
static int m_format(lua_State *L)
{
	char buf[64];
	dec a = ldec_check(L, 1);
	int places = lua_isnoneornil(L, 2) ? 0 : check_places(L, 2);
	size_t n = dec_format(buf, sizeof buf, a, places, lua_toboolean(L, 3));

	lua_pushlstring(L, buf, n);
	return 1;
}

/* a:cmp(b): -1, 0 or 1 */
static int m_cmp(lua_State *L)
{
	dec a = ldec_check(L, 1), b = operand(L, 2, "compare");
	int c = dec_cmp(a, b);

	lua_pushinteger(L, c < 0 ? -1 : c > 0 ? 1 : 0);
	return 1;
}

static int m_sign(lua_State *L)
{
	lua_pushinteger(L, dec_sign(ldec_check(L, 1)));
	return 1;
}

static int m_iszero(lua_State *L)
{
	lua_pushboolean(L, dec_is_zero(ldec_check(L, 1)));
	return 1;
}

static int m_abs(lua_State *L)
{
	dec a = ldec_check(L, 1);

	if (dec_sign(a) >= 0) {
		lua_settop(L, 1);
		return 1;
	}
	return l_unm(L);
}

static const luaL_Reg meta[] = {
    {"__add", l_add},	    {"__sub", l_sub},	 {"__mul", l_mul},
    {"__unm", l_unm},	    {"__div", l_div_op}, {"__idiv", l_div_op},
    {"__mod", l_mod_op},    {"__pow", l_pow_op}, {"__eq", l_eq},
    {"__lt", l_lt},	    {"__le", l_le},	 {"__tostring", l_tostring},
    {"__concat", l_concat}, {NULL, NULL},
};

static const luaL_Reg methods[] = {
    {"div", m_div},	    {"round", m_round},
    {"percent", m_percent}, {"tostring", l_tostring},
    {"format", m_format},   {"cmp", m_cmp},
    {"sign", m_sign},	    {"iszero", m_iszero},
    {"abs", m_abs},	    {NULL, NULL},
};

void ldec_open(lua_State *L, dec_rounding default_mode)
{
	luaL_newmetatable(L, "dec"); /* also sets __name = "dec" */
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &ldec_mt_key);
	lua_pushinteger(L, (lua_Integer)default_mode);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &ldec_mode_key);
	lua_pushcfunction(L, l_dec);
}
