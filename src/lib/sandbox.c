/*
 * sandbox.c: runs Lua 5.4 rule scripts as guests.
 *
 * One lua_State per policy version.  What a script can reach is built by
 * hand from an allow list (the idea of Lua's linit.c): base without
 * load/loadfile/dofile/collectgarbage/print/next/rawset/warn, string
 * without dump, table, math without random, utf8, and the `dec` type of
 * ldec.c.  Nothing can write to the shared objects: the library tables are
 * read-only proxies, every shared metatable is protected by __metatable,
 * and rawset is gone.  Each call then runs the compiled chunk again in a
 * fresh environment table, so no state survives from one call to the next.
 *
 * Determinism: pairs() walks keys in sorted order (and next is gone), so
 * Lua's randomised string hash never reaches a result; table.sort is a
 * stable merge sort (Lua's quicksort picks random pivots); tostring() and
 * string.format never print addresses; __gc and __mode are refused.
 *
 * Limits: a count hook charges every 1000 VM instructions against the
 * budget, plus work done inside single instructions or library calls
 * (each new long string one instruction per 64 bytes, table.move/insert/
 * remove one per element shifted), and the allocator refuses to grow the
 * state past its cap.  The cap is the live size of the state after
 * creation plus the per-call allowance, not the size at the start of the
 * call: garbage left by earlier calls is collected by Lua's emergency
 * collection before an allocation is refused (and a call that hit a limit
 * is followed by a full collection), so whether a call fits depends on
 * that call, not on the garbage of calls before it.  pcall and xpcall
 * re-raise once a limit was hit, so a script cannot catch its way past
 * one.
 *
 * Lua errors longjmp: every step that can raise runs inside lua_pcall, and
 * results are copied to malloc'd memory only after it returned.
 */
#include "sandbox.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "ldec.h"
#include "lpattern.h"

#define DEFAULT_INSTRUCTIONS 1000000u
#define DEFAULT_MEMORY (8u * 1024u * 1024u)
#define HOOK_STEP 1000
#define WHERE_SIZE (LUA_IDSIZE + 32)
#define MAX_MESSAGE 1000
/* Allocations of new strings larger than this are long strings (Lua
 * interns strings up to 40 bytes, which take at most ~70 bytes). */
#define LONG_STRING_BYTES 128
#define BYTES_PER_INSTRUCTION 64

enum limit_kind { LIMIT_NONE, LIMIT_INSTR, LIMIT_MEM };

/* Registry keys (their addresses are the keys). */
static const char key_ro = 'p';	    /* in a proxy's metatable: the real table */
static const char key_env_mt = 'e'; /* metatable of every call's environment */
static const char key_chunks = 'c'; /* compiled scripts, by script index + 1 */
static const char key_params = 'a'; /* read-only params, by rule index + 1 */
static const char key_ctx = 'x';    /* the reused tables of ctx (push_ctx) */
/* Indices in registry[key_ctx]: a table, then its read-only proxy; for
 * each event type, its table, proxy and the list of its field names. */
enum { CTX_CTX = 1, CTX_PERSON = 3, CTX_PERIOD = 5, CTX_EVENT = 7 };
#define CTX_TYPE(ti) (CTX_EVENT + 3 * (lua_Integer)(ti))
/* registry[key_names]: the keys push_ctx and normalize_one set and read,
 * interned once (lua_setfield with a C string looks each one up in the
 * string cache: ~70 lookups a call). */
static const char key_names = 'k';
/* in the metatable of the ctx proxy: its person and period are filled
 * on first use (ctx_index) */
static const char key_lazy = 'l';
enum {
	K_EVENT = 1, K_SHARE, K_PERSON, K_PERIOD, K_PARAMS, K_RULE, K_ID,
	K_TYPE, K_DATE, K_NAME, K_LEVEL, K_TEAM, K_CURRENCY, K_MINOR,
	K_START, K_END, K_CREDITED, K_EARNED, K_QUOTA, K_ATTAINMENT, K_KIND,
	K_AMOUNT, K_REASON, K_COUNT
};
static const char *const key_texts[K_COUNT] = {
	NULL, "event", "share", "person", "period", "params", "rule", "id",
	"type", "date", "name", "level", "team", "currency", "minor",
	"start", "end", "credited", "earned", "quota", "attainment", "kind",
	"amount", "reason",
};

/* Blocks of up to POOL_CLASSES x 16 bytes come from free lists by size
 * class, carved from 64 KiB chunks freed with the sandbox: a call makes
 * and drops a dozen small objects (tables, decs, closures), and malloc
 * plus free cost ~4,500 instructions of a ~39,000-instruction call; the
 * lists cost a tenth of that.  What the state holds is still counted in
 * requested bytes, so limits are unchanged. */
#define POOL_CLASSES 16
#define POOL_CHUNK 65536
struct pool_chunk {
	struct pool_chunk *next;
	_Alignas(16) char data[];
};

struct sandbox {
	lua_State *L;
	const policy_version *v;
	size_t used;	 /* bytes the state holds */
	size_t cap;	 /* growth past this is refused; SIZE_MAX between
			    calls */
	size_t base;	 /* bytes live after creation */
	uint64_t budget; /* instructions per call */
	uint64_t memory; /* bytes per call */
	uint64_t count;	 /* instructions run by this call so far */
	int hook_step;
	bool in_call;
	bool last_refused; /* the latest request to grow was refused */
	bool sys_oom;	   /* malloc failed during this call: the system's
			    * memory ran out, not the script's limit */
	enum limit_kind limit;
	int setup_rc;
	char limit_where[WHERE_SIZE];  /* "scripts/x.lua:7" where it was hit */
	char mem_where[WHERE_SIZE];    /* where growth was last refused */
	char err_where[WHERE_SIZE];    /* innermost Lua line of the error */
	char (*short_src)[LUA_IDSIZE]; /* per script, as Lua abbreviates it */
	/* the input of the call in progress: ctx.person and ctx.period are
	 * filled from it when the script first reads them (push_ctx) */
	const script_input *cur_in;
	/* small blocks (pool_alloc) */
	void *free_list[POOL_CLASSES];
	struct pool_chunk *chunks;
	char *carve, *carve_end;
};

/* What a protected call works on. */
struct call_args {
	sandbox *sb;
	const rule *r;
	const script_input *in; /* NULL: only check that the function exists */
};

static sandbox *get_sb(lua_State *L)
{
	void *ud = NULL;

	lua_getallocf(L, &ud);
	return ud;
}

static char *msg_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* A malloc'd formatted string, or NULL when out of memory. */
static char *msg_printf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Writes "source:line" of the innermost running Lua function at or above
 * stack level `from` into buf, or "" when none runs.  Never allocates. */
static void find_where(lua_State *L, int from, char *buf)
{
	lua_Debug ar;

	buf[0] = '\0';
	for (; lua_getstack(L, from, &ar); from++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
			snprintf(buf, WHERE_SIZE, "%s:%d", ar.short_src,
				 ar.currentline);
			return;
		}
	}
}

/* ---- limits ------------------------------------------------------------ */

static void count_hook(lua_State *L, lua_Debug *ar);
static void set_limit(sandbox *sb, enum limit_kind k, const char *where);

/* Size class of a block of n bytes (1..), or -1 for malloc.  Under
 * AddressSanitizer everything goes to malloc, which it watches. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_OFF 1
#endif
#endif
static int pool_class(size_t n)
{
#ifdef POOL_OFF
	(void)n;
	return -1;
#else
	return n <= POOL_CLASSES * 16 ? (int)((n - 1) / 16) : -1;
#endif
}

static void *pool_get(sandbox *sb, int c)
{
	size_t size = (size_t)(c + 1) * 16;
	void *p = sb->free_list[c];

	if (p) {
		memcpy(&sb->free_list[c], p, sizeof p);
		return p;
	}
	if ((size_t)(sb->carve_end - sb->carve) < size) {
		struct pool_chunk *ch = malloc(sizeof *ch + POOL_CHUNK);
		if (!ch)
			return NULL;
		ch->next = sb->chunks;
		sb->chunks = ch;
		sb->carve = ch->data;
		sb->carve_end = ch->data + POOL_CHUNK;
	}
	p = sb->carve;
	sb->carve += size;
	return p;
}

static void pool_put(sandbox *sb, void *p, int c)
{
	memcpy(p, &sb->free_list[c], sizeof p);
	sb->free_list[c] = p;
}

/* malloc/realloc/free with small blocks from the pool.  A block's class
 * follows from the size Lua gives back when it frees it. */
static void *pool_realloc(sandbox *sb, void *ptr, size_t old, size_t nsize)
{
	int oc = ptr ? pool_class(old) : -1, nc = pool_class(nsize);
	void *p;

	if (ptr && oc < 0 && nc < 0) {
		p = realloc(ptr, nsize);
		/* Lua assumes shrinking never fails */
		return p || nsize > old ? p : ptr;
	}
	if (ptr && oc == nc)
		return ptr;
	if (ptr && nsize <= old) {
		/* shrinking must not fail either: without a new block the
		 * old one, larger, serves as a block of the new class */
		p = pool_get(sb, nc);
		if (!p)
			return ptr;
		memcpy(p, ptr, nsize);
		if (oc >= 0)
			pool_put(sb, ptr, oc);
		else
			free(ptr);
		return p;
	}
	p = nc >= 0 ? pool_get(sb, nc) : malloc(nsize);
	if (!p || !ptr)
		return p;
	memcpy(p, ptr, old < nsize ? old : nsize);
	if (oc >= 0)
		pool_put(sb, ptr, oc);
	else
		free(ptr);
	return p;
}

/* The allocator (modelled on l_alloc in lauxlib.c): counts the bytes the
 * state holds and refuses to grow past sb->cap. */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	sandbox *sb = ud;
	size_t old = ptr ? osize : 0; /* without ptr, osize is a type tag */
	void *p;

	if (nsize == 0) {
		if (ptr) {
			int c = pool_class(old);
			if (c >= 0)
				pool_put(sb, ptr, c);
			else
				free(ptr);
		}
		sb->used -= old;
		return NULL;
	}
	if (nsize > old &&
	    (sb->used >= sb->cap || nsize - old > sb->cap - sb->used)) {
		sb->last_refused = true;
		if (sb->in_call && sb->L)
			find_where(sb->L, 0, sb->mem_where);
		return NULL;
	}
	p = pool_realloc(sb, ptr, old, nsize);
	if (!p) {
		sb->sys_oom = true;
		return NULL;
	}
	if (nsize > old)
		sb->last_refused = false;
	sb->used = sb->used - old + nsize;
	/* A new long string (never interned, so its creation depends only
	 * on the script) costs instructions by size: `s = s .. x` in a loop
	 * copies quadratically inside single VM instructions. */
	if (sb->in_call && !ptr && osize == LUA_TSTRING &&
	    nsize > LONG_STRING_BYTES) {
		sb->count += nsize / BYTES_PER_INSTRUCTION;
		/* Over budget: have the hook run at the next instruction
		 * (lua_sethook may be called at any time, even from a
		 * signal handler). */
		if (sb->count > sb->budget && sb->limit == LIMIT_NONE) {
			char where[WHERE_SIZE];

			find_where(sb->L, 0, where);
			set_limit(sb, LIMIT_INSTR, where);
			lua_sethook(sb->L, count_hook, LUA_MASKCOUNT, 1);
		}
	}
	return p;
}

static void set_limit(sandbox *sb, enum limit_kind k, const char *where)
{
	if (sb->limit != LIMIT_NONE)
		return;
	sb->limit = k;
	snprintf(sb->limit_where, sizeof sb->limit_where, "%s", where);
}

/* Counts instructions; past the budget, raises (again every step, so a
 * script that catches the error is stopped at its next step anyway). */
static void count_hook(lua_State *L, lua_Debug *ar)
{
	sandbox *sb = get_sb(L);
	char where[WHERE_SIZE] = "";

	sb->count += (uint64_t)sb->hook_step;
	if (sb->count <= sb->budget)
		return;
	if (sb->limit == LIMIT_NONE) {
		if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
			snprintf(where, sizeof where, "%s:%d", ar->short_src,
				 ar->currentline);
		set_limit(sb, LIMIT_INSTR, where);
	}
	lua_pushliteral(L, "instruction budget exceeded");
	lua_error(L);
}

/* Charges n instructions for work a library function does in one loop of
 * its own (no VM instruction runs, so the hook would not see it). */
static void charge(lua_State *L, lua_Unsigned n)
{
	sandbox *sb = get_sb(L);
	char where[WHERE_SIZE];

	if (n <=
	    sb->budget - (sb->count < sb->budget ? sb->count : sb->budget)) {
		sb->count += n;
		return;
	}
	sb->count = sb->budget + 1;
	find_where(L, 1, where);
	set_limit(sb, LIMIT_INSTR, where);
	luaL_error(L, "instruction budget exceeded");
}

/* Notes a memory limit when the error at idx is the one lauxlib raises
 * after our allocator refused to grow a buffer. */
static void note_mem_error(sandbox *sb, lua_State *L, int status, int idx)
{
	size_t n;
	const char *s;

	if (sb->sys_oom)
		return; /* call_error says "out of memory" */
	if (status == LUA_ERRMEM) {
		set_limit(sb, LIMIT_MEM, sb->mem_where);
		return;
	}
	if (!sb->last_refused || lua_type(L, idx) != LUA_TSTRING)
		return;
	s = lua_tolstring(L, idx, &n);
	if (n == 17 && memcmp(s, "not enough memory", 17) == 0)
		set_limit(sb, LIMIT_MEM, sb->mem_where);
}

/* Message handler of every call: notes limits and where the error
 * happened, and makes sure the error is a string. */
static int msgh(lua_State *L)
{
	sandbox *sb = get_sb(L);
	int t = lua_type(L, 1);

	note_mem_error(sb, L, LUA_ERRRUN, 1);
	find_where(L, 1, sb->err_where);
	if (t == LUA_TNUMBER)
		lua_tolstring(L, 1, NULL);
	else if (t != LUA_TSTRING)
		lua_pushfstring(L, "(error object is a %s value)",
				luaL_typename(L, 1));
	return 1;
}

/* ---- read-only tables ---------------------------------------------------- */

/* Pushes the real table behind the read-only proxy at idx and returns
 * true, or pushes nothing and returns false. */
static void fill_lazy(lua_State *L, int real);
static int ctx_index(lua_State *L);

static bool push_underlying(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx))
		return false;
	if (lua_rawgetp(L, -1, &key_ro) == LUA_TTABLE) {
		/* the ctx: fill what it fills on first use, so pairs() and
		 * # see every key */
		if (lua_rawgetp(L, -2, &key_lazy) != LUA_TNIL)
			fill_lazy(L, lua_absindex(L, -2));
		lua_pop(L, 1);
		lua_remove(L, -2);
		return true;
	}
	lua_pop(L, 2);
	return false;
}

static int ro_newindex(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L,
				  "cannot set field '%s': the table is "
				  "read-only",
				  lua_tostring(L, 2));
	return luaL_error(L, "cannot modify a read-only table");
}

static int ro_len(lua_State *L)
{
	lua_Integer n = 0;

	if (push_underlying(L, 1))
		n = (lua_Integer)lua_rawlen(L, -1);
	lua_pushinteger(L, n);
	return 1;
}

/* Replaces the table on top of the stack with a read-only proxy of it:
 * an empty table whose protected metatable reads from the real one and
 * refuses writes.  (rawset is not available to scripts.) */
static void make_ro(lua_State *L)
{
	lua_createtable(L, 0, 0);
	lua_createtable(L, 0, 5);
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ro_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ro_len);
	lua_setfield(L, -2, "__len");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pushvalue(L, -3);
	lua_rawsetp(L, -2, &key_ro);
	lua_setmetatable(L, -2);
	lua_remove(L, -2);
}

/* ---- replaced base and library functions -------------------------------- */

struct pkey {
	int is_str;
	lua_Integer i;
	const char *s;
	size_t len;
	lua_Integer pos;
};

/* Integers ascending, then strings bytewise. */
static int pkey_cmp(const void *a, const void *b)
{
	const struct pkey *x = a, *y = b;
	size_t n;
	int c;

	if (x->is_str != y->is_str)
		return x->is_str - y->is_str;
	if (!x->is_str)
		return (x->i > y->i) - (x->i < y->i);
	n = x->len < y->len ? x->len : y->len;
	c = n ? memcmp(x->s, y->s, n) : 0;
	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* Iterator of pairs: upvalues are the table, the sorted keys and the
 * position reached. */
static int pairs_next(lua_State *L)
{
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(3));

	for (;;) {
		i++;
		if (lua_rawgeti(L, lua_upvalueindex(2), i) == LUA_TNIL)
			return 1; /* nil: the end */
		lua_pushvalue(L, -1);
		if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) {
			lua_pushinteger(L, i);
			lua_replace(L, lua_upvalueindex(3));
			return 2;
		}
		lua_pop(L, 2); /* removed since pairs began: skip */
	}
}

/* pairs(t): integer keys ascending, then string keys bytewise; any other
 * key is an error, because its order could change between runs. */
static int l_pairs(lua_State *L)
{
	lua_Integer n = 0, i = 0, j;
	struct pkey *pk;
	int src, keys, sorted;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	if (!push_underlying(L, 1)) {
		if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
			lua_pushvalue(L, 1);
			lua_call(L, 1, 3);
			return 3;
		}
		lua_pushvalue(L, 1);
	}
	src = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, src)) {
		int kt = lua_type(L, -2);

		lua_pop(L, 1);
		if (kt != LUA_TSTRING &&
		    !(kt == LUA_TNUMBER && lua_isinteger(L, -1)))
			return luaL_error(
			    L,
			    "pairs: a %s key has no fixed order (only "
			    "integer and string keys can be iterated)",
			    kt == LUA_TNUMBER ? "float" : luaL_typename(L, -1));
		n++;
	}
	if ((size_t)n > SIZE_MAX / sizeof *pk || n >= INT_MAX)
		return luaL_error(L, "pairs: table too large");
	lua_createtable(L, (int)n, 0);
	keys = lua_gettop(L);
	pk = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *pk, 0);
	lua_pushnil(L);
	while (lua_next(L, src)) {
		lua_pop(L, 1);
		lua_pushvalue(L, -1);
		lua_rawseti(L, keys, i + 1);
		pk[i].pos = i + 1;
		pk[i].is_str = lua_type(L, -1) == LUA_TSTRING;
		if (pk[i].is_str) {
			/* stays valid: the string is also in `keys` */
			pk[i].s = lua_tolstring(L, -1, &pk[i].len);
			pk[i].i = 0;
		} else {
			pk[i].i = lua_tointeger(L, -1);
			pk[i].s = NULL;
			pk[i].len = 0;
		}
		i++;
	}
	qsort(pk, (size_t)n, sizeof *pk, pkey_cmp);
	lua_createtable(L, (int)n, 0);
	sorted = lua_gettop(L);
	for (j = 0; j < n; j++) {
		lua_rawgeti(L, keys, pk[j].pos);
		lua_rawseti(L, sorted, j + 1);
	}
	lua_pushvalue(L, src);
	lua_pushvalue(L, sorted);
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, pairs_next, 3);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/* Pushes a string for the value at idx that never shows an address:
 * __tostring when there is one, else __name or the type name. */
static const char *safe_tostring(lua_State *L, int idx)
{
	int t;

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TTABLE:
	case LUA_TFUNCTION:
	case LUA_TUSERDATA:
	case LUA_TLIGHTUSERDATA:
	case LUA_TTHREAD:
		if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
			lua_pop(L, 1);
			return luaL_tolstring(L, idx, NULL);
		}
		t = luaL_getmetafield(L, idx, "__name");
		if (t == LUA_TSTRING)
			return lua_tostring(L, -1);
		if (t != LUA_TNIL)
			lua_pop(L, 1);
		lua_pushstring(L, luaL_typename(L, idx));
		return lua_tostring(L, -1);
	default:
		return luaL_tolstring(L, idx, NULL);
	}
}

static int l_tostring(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_settop(L, 1);
	safe_tostring(L, 1);
	return 1;
}

/* string.format without %p, and %s of a table without its address.  The
 * real string.format is upvalue 1. */
static int l_format(lua_State *L)
{
	size_t len, i;
	const char *f = luaL_checklstring(L, 1, &len);
	int top = lua_gettop(L), arg = 1;

	for (i = 0; i < len; i++) {
		if (f[i] != '%')
			continue;
		if (++i >= len)
			break;
		if (f[i] == '%')
			continue;
		while (i < len && f[i] != '\0' &&
		       strchr("-+ #0123456789.", f[i]))
			i++;
		if (i >= len)
			break;
		arg++;
		if (f[i] == 'p')
			return luaL_error(L, "string.format: '%%p' is not "
					     "available (addresses differ "
					     "between runs)");
		if (f[i] == 's' && arg <= top &&
		    lua_type(L, arg) != LUA_TSTRING &&
		    lua_type(L, arg) != LUA_TNUMBER) {
			safe_tostring(L, arg);
			lua_replace(L, arg);
			lua_settop(L, top);
		}
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, top, 1);
	return 1;
}

/* setmetatable without __gc (finalisers would run at a time that depends
 * on the collector, possibly during another call) and without __mode
 * (weak tables empty themselves when the collector runs). */
static int l_setmetatable(lua_State *L)
{
	int t = lua_type(L, 2);

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2,
			 "nil or table");
	if (t == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "__gc metamethods are not "
					     "available in rule scripts");
		lua_pop(L, 1);
		lua_pushliteral(L, "__mode");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "weak tables (__mode) are not "
					     "available in rule scripts");
		lua_pop(L, 1);
	}
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	lua_settop(L, 2);
	lua_setmetatable(L, 1);
	return 1;
}

/* Ends pcall/xpcall: a limit, once hit, is not caught. */
static int finish_pcall(lua_State *L, int status, int extra)
{
	sandbox *sb = get_sb(L);

	if (status != LUA_OK) {
		note_mem_error(sb, L, status, -1);
		if (sb->limit != LIMIT_NONE)
			return lua_error(L);
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L) - extra;
}

static int l_pcall(lua_State *L)
{
	int status;

	luaL_checkany(L, 1);
	lua_pushboolean(L, 1);
	lua_insert(L, 1);
	status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
	return finish_pcall(L, status, 0);
}

/* xpcall's message handler: notes a memory limit before the script's
 * handler (upvalue 1) can allocate and so hide it. */
static int xpcall_handler(lua_State *L)
{
	sandbox *sb = get_sb(L);

	note_mem_error(sb, L, LUA_ERRRUN, 1);
	/* After a limit the script's handler is not run: finish_pcall
	 * re-raises the limit anyway, and for the instruction budget the
	 * handler would run inside the count hook, where Lua turns hooks
	 * off: `xpcall(f, function() while true do end end)` never ended. */
	if (sb->limit != LIMIT_NONE)
		return 1;
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int l_xpcall(lua_State *L)
{
	int status, n = lua_gettop(L);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, xpcall_handler, 1);
	lua_replace(L, 2);
	lua_pushboolean(L, 1);
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 2); /* true and the function below the arguments */
	status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
	return finish_pcall(L, status, 2);
}

/* Calls the real library function (upvalue 1) with this call's
 * arguments and returns its results. */
static int call_real(lua_State *L)
{
	int n = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);
	return lua_gettop(L);
}

/* table.move(a1, f, e, t [, a2]) copies e - f + 1 elements in C. */
static int l_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);

	if (e >= f)
		charge(L, (lua_Unsigned)e - (lua_Unsigned)f + 1u);
	return call_real(L);
}

/* table.insert(t, pos, v) and table.remove(t, pos) shift #t - pos
 * elements in C; #t may come from a __len metamethod. */
static int l_shift(lua_State *L)
{
	lua_Integer pos, n;

	if (lua_gettop(L) == (lua_toboolean(L, lua_upvalueindex(2)) ? 3 : 2) &&
	    lua_type(L, 1) == LUA_TTABLE && lua_isinteger(L, 2)) {
		pos = lua_tointeger(L, 2);
		n = luaL_len(L, 1);
		if (n >= pos)
			charge(L, (lua_Unsigned)n - (lua_Unsigned)pos + 1u);
	}
	return call_real(L);
}

/* string.rep(s, n [, sep]): with s and sep empty Lua would loop n times
 * making nothing. */
static int l_rep(lua_State *L)
{
	size_t l, lsep = 0;

	luaL_checklstring(L, 1, &l);
	luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (l == 0 && lsep == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	return call_real(L);
}

/* string.find, match, gmatch and gsub: Lua's matcher runs in C, where
 * the count hook never fires, and can backtrack for hours inside one call
 * (string.find(("a"):rep(20000), ".-.-.-b")).  Each call is first charged
 * an upper bound of its work (lpattern.c); a pattern that could exceed
 * the budget fails before it starts.  Upvalue 2: true for find (a fourth
 * argument `plain`). */
static int l_pattern(lua_State *L)
{
	sandbox *sb = get_sb(L);
	size_t n = 0, m = 0;
	const char *s, *p;
	lpat_kind kind = LPAT_FIND;

	if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
		s = lua_tolstring(L, 1, &n);
		p = lua_tolstring(L, 2, &m);
		if (lua_toboolean(L, lua_upvalueindex(2)) && lua_toboolean(L, 4))
			kind = LPAT_PLAIN;
		charge(L, lpat_cost(s, n, p, m, kind,
				    sb->budget - (sb->count < sb->budget
						      ? sb->count
						      : sb->budget)));
	}
	return call_real(L);
}

/* string.gmatch: the same, with '^' an ordinary character (the charge
 * covers every step of the iteration). */
static int l_gmatch(lua_State *L)
{
	sandbox *sb = get_sb(L);
	size_t n = 0, m = 0;
	const char *s, *p;

	if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
		s = lua_tolstring(L, 1, &n);
		p = lua_tolstring(L, 2, &m);
		charge(L, lpat_cost(s, n, p, m, LPAT_GMATCH,
				    sb->budget - (sb->count < sb->budget
						      ? sb->count
						      : sb->budget)));
	}
	return call_real(L);
}

/* Replaces lib[name] (lib on top) with fn, the old value as upvalue 1
 * and an optional boolean as upvalue 2.  The old function is also filed
 * in package.loaded (which scripts cannot reach) as "lib.name", so that
 * its argument errors name it rather than '?'. */
static void wrap(lua_State *L, const char *lib, const char *name,
		 lua_CFunction fn, int flag)
{
	lua_getfield(L, -1, name);
	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushfstring(L, "%s.%s", lib, name);
	lua_pushvalue(L, -3);
	lua_rawset(L, -3);
	lua_pop(L, 1);
	if (flag >= 0) {
		lua_pushboolean(L, flag);
		lua_pushcclosure(L, fn, 2);
	} else {
		lua_pushcclosure(L, fn, 1);
	}
	lua_setfield(L, -2, name);
}

static bool sort_less(lua_State *L, int a, int b)
{
	bool r;

	if (lua_isnil(L, 2))
		return lua_compare(L, a, b, LUA_OPLT);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, a);
	lua_pushvalue(L, b);
	lua_call(L, 2, 1);
	r = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return r;
}

/* table.sort(list [, less]): a stable bottom-up merge sort.  Lua's own
 * quicksort picks random pivots, so the order of equal elements could
 * change from run to run. */
static int l_sort(lua_State *L)
{
	lua_Integer n, w, lo, i, j, k, mid, hi;
	int from = 3, to = 4, t;

	luaL_checktype(L, 1, LUA_TTABLE);
	n = luaL_len(L, 1);
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	if (n < 2)
		return 0;
	luaL_argcheck(L, n < INT_MAX, 1, "array too big");
	lua_createtable(L, (int)n, 0);
	lua_createtable(L, (int)n, 0);
	for (i = 1; i <= n; i++) {
		lua_geti(L, 1, i);
		lua_rawseti(L, from, i);
	}
	for (w = 1; w < n; w *= 2) {
		for (lo = 1; lo <= n; lo += 2 * w) {
			mid = lo + w < n + 1 ? lo + w : n + 1;
			hi = lo + 2 * w < n + 1 ? lo + 2 * w : n + 1;
			i = lo;
			j = mid;
			k = lo;
			while (i < mid && j < hi) {
				lua_rawgeti(L, from, i);
				lua_rawgeti(L, from, j);
				t = lua_gettop(L);
				if (sort_less(L, t, t - 1)) { /* right first */
					lua_rawseti(L, to, k++);
					lua_pop(L, 1);
					j++;
				} else {
					lua_pop(L, 1);
					lua_rawseti(L, to, k++);
					i++;
				}
			}
			for (; i < mid; i++) {
				lua_rawgeti(L, from, i);
				lua_rawseti(L, to, k++);
			}
			for (; j < hi; j++) {
				lua_rawgeti(L, from, j);
				lua_rawseti(L, to, k++);
			}
		}
		t = from;
		from = to;
		to = t;
	}
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, from, i);
		lua_seti(L, 1, i);
	}
	return 0;
}

/* ---- the state ---------------------------------------------------------- */

static const luaL_Reg opened_libs[] = {
    {LUA_GNAME, luaopen_base},	     {LUA_STRLIBNAME, luaopen_string},
    {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
    {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL},
};

/* Base functions a script must not have: code loading, the collector,
 * output, hash-ordered traversal and raw writes into shared tables. */
static const char *const removed_base[] = {
    "dofile", "loadfile", "load", "collectgarbage", "print", "next", "warn",
    "rawset", "_G",	  NULL,
};

static const luaL_Reg replaced_base[] = {
    {"pairs", l_pairs},	      {"setmetatable", l_setmetatable},
    {"tostring", l_tostring}, {"pcall", l_pcall},
    {"xpcall", l_xpcall},     {NULL, NULL},
};

static void set_nil(lua_State *L, int t, const char *name)
{
	t = lua_absindex(L, t);
	lua_pushnil(L);
	lua_setfield(L, t, name);
}

/* Opens the allow-listed libraries into the globals table, trims them and
 * makes them read-only. */
static void open_libs(lua_State *L, dec_rounding rounding)
{
	const luaL_Reg *lib;
	const char *const *name;
	int g;

	for (lib = opened_libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lua_pushglobaltable(L);
	g = lua_gettop(L);
	for (name = removed_base; *name; name++)
		set_nil(L, g, *name);
	luaL_setfuncs(L, replaced_base, 0);

	lua_getfield(L, g, LUA_STRLIBNAME);
	set_nil(L, -1, "dump");
	wrap(L, LUA_STRLIBNAME, "format", l_format, -1);
	wrap(L, LUA_STRLIBNAME, "rep", l_rep, -1);
	wrap(L, LUA_STRLIBNAME, "find", l_pattern, 1);
	wrap(L, LUA_STRLIBNAME, "match", l_pattern, 0);
	wrap(L, LUA_STRLIBNAME, "gsub", l_pattern, 0);
	wrap(L, LUA_STRLIBNAME, "gmatch", l_gmatch, -1);
	lua_pop(L, 1);

	lua_getfield(L, g, LUA_MATHLIBNAME);
	set_nil(L, -1, "random");
	set_nil(L, -1, "randomseed");
	lua_pop(L, 1);

	lua_getfield(L, g, LUA_TABLIBNAME);
	lua_pushcfunction(L, l_sort);
	lua_setfield(L, -2, "sort");
	wrap(L, LUA_TABLIBNAME, "move", l_move, -1);
	wrap(L, LUA_TABLIBNAME, "insert", l_shift, 1);
	wrap(L, LUA_TABLIBNAME, "remove", l_shift, 0);
	lua_pop(L, 1);

	for (lib = opened_libs + 1; lib->func; lib++) {
		lua_getfield(L, g, lib->name);
		make_ro(L);
		lua_setfield(L, g, lib->name);
	}

	/* Strings index the read-only string table; getmetatable("") is
	 * false. */
	lua_pushliteral(L, "");
	lua_getmetatable(L, -1);
	lua_getfield(L, g, LUA_STRLIBNAME);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 2);

	ldec_open(L, rounding);
	lua_setfield(L, g, "dec");

	/* Every call's environment reads the globals through this. */
	lua_createtable(L, 0, 2);
	lua_pushvalue(L, g);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key_env_mt);
	lua_pop(L, 1);
}

/* Pushes a policy parameter as a Lua value; lists and maps read-only. */
static void push_param(lua_State *L, const param *p)
{
	size_t i;

	luaL_checkstack(L, 4, "params nested too deeply");
	switch (p->type) {
	case PV_BOOL:
		lua_pushboolean(L, p->u.b);
		break;
	case PV_INT:
		lua_pushinteger(L, (lua_Integer)p->u.i);
		break;
	case PV_DEC:
		ldec_push(L, p->u.d);
		break;
	case PV_STR:
		lua_pushstring(L, p->u.s ? p->u.s : "");
		break;
	case PV_LIST:
		lua_createtable(L, (int)p->u.list.n, 0);
		for (i = 0; i < p->u.list.n; i++) {
			push_param(L, &p->u.list.items[i]);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		make_ro(L);
		break;
	case PV_MAP:
		lua_createtable(L, 0, (int)p->u.list.n);
		for (i = 0; i < p->u.list.n; i++) {
			if (!p->u.list.items[i].key)
				continue;
			push_param(L, &p->u.list.items[i]);
			lua_setfield(L, -2, p->u.list.items[i].key);
		}
		make_ro(L);
		break;
	case PV_NULL:
	default:
		lua_pushnil(L);
		break;
	}
}

/* Compiles src as a text chunk named "@path".  Returns the lua_load status
 * with the function or the message on top. */
static int load_script(lua_State *L, const char *path, const char *src,
		       size_t len)
{
	char name[512];

	snprintf(name, sizeof name, "@%s", path);
	return luaL_loadbufferx(L, src ? src : "", src ? len : 0, name, "t");
}

/* Protected: builds the state for sb->v. */
static int setup_main(lua_State *L)
{
	sandbox *sb = lua_touserdata(L, 1);
	const policy_version *v = sb->v;
	size_t i;
	lua_Debug ar;

	open_libs(L, v->rounding);

	lua_createtable(L, (int)v->n_rules, 0);
	for (i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];

		if (r->kind != RULE_SCRIPT)
			continue;
		if (r->params.type == PV_MAP) {
			push_param(L, &r->params);
		} else {
			lua_createtable(L, 0, 0);
			make_ro(L);
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key_params);

	/* the tables ctx is made of, reused by every call (push_ctx): made
	 * here, before the state's base size is measured */
	lua_createtable(L, (int)CTX_TYPE(v->n_types), 0);
	for (i = 0; i < 3; i++) {
		lua_createtable(L, 0, i == 2 ? 7 : 6);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, (lua_Integer)(2 * i + 1));
		if (i == 0) {
			/* ctx reads missing keys through ctx_index */
			lua_pushvalue(L, -1);
			make_ro(L);
			lua_getmetatable(L, -1);
			lua_pushvalue(L, -3);
			lua_pushcclosure(L, ctx_index, 1);
			lua_setfield(L, -2, "__index");
			lua_pushboolean(L, 1);
			lua_rawsetp(L, -2, &key_lazy);
			lua_pop(L, 1);
			lua_remove(L, -2);
		} else {
			make_ro(L);
		}
		lua_rawseti(L, -2, (lua_Integer)(2 * i + 2));
	}
	for (i = 0; i < v->n_types; i++) {
		const event_type *t = &v->types[i];

		lua_createtable(L, 0, (int)t->n_fields + 3);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, CTX_TYPE(i));
		make_ro(L);
		lua_rawseti(L, -2, CTX_TYPE(i) + 1);
		lua_createtable(L, (int)t->n_fields, 0);
		for (size_t f = 0; f < t->n_fields; f++) {
			lua_pushstring(L, t->fields[f].name);
			lua_rawseti(L, -2, (lua_Integer)f + 1);
		}
		lua_rawseti(L, -2, CTX_TYPE(i) + 2);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key_ctx);
	lua_createtable(L, K_COUNT, 0);
	for (i = 1; i < K_COUNT; i++) {
		lua_pushstring(L, key_texts[i]);
		lua_rawseti(L, -2, (lua_Integer)i);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key_names);

	lua_createtable(L, (int)v->n_scripts, 0);
	for (i = 0; i < v->n_scripts; i++) {
		const script *s = &v->scripts[i];
		int st = load_script(L, s->path, s->source, s->len);

		if (st != LUA_OK) {
			size_t plen = strlen(s->path);
			const char *m = lua_tostring(L, -1);

			sb->setup_rc =
			    st == LUA_ERRMEM ? INC_ERROR : INC_ESCRIPT;
			/* "attempt to load a binary chunk" names no file */
			if (m && (strncmp(m, s->path, plen) || m[plen] != ':'))
				lua_pushfstring(L, "%s: %s", s->path, m);
			return lua_error(L);
		}
		lua_pushvalue(L, -1);
		lua_getinfo(L, ">S", &ar);
		memcpy(sb->short_src[i], ar.short_src, LUA_IDSIZE);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key_chunks);
	return 0;
}

/* ---- one call ------------------------------------------------------------ */

/* Sets key k (from the list at K) of the table at t to the value on top,
 * popping it.  t and K are absolute indices; the table has no metatable. */
static void kset(lua_State *L, int K, int t, int k)
{
	lua_rawgeti(L, K, k);
	lua_insert(L, -2);
	lua_rawset(L, t);
}

/* ... to the string s, or to nil when s is NULL. */
static void kset_str(lua_State *L, int K, int t, int k, const char *s)
{
	if (s)
		lua_pushstring(L, s);
	else
		lua_pushnil(L);
	kset(L, K, t, k);
}

static void kset_dec(lua_State *L, int K, int t, int k, dec d)
{
	ldec_push(L, d);
	kset(L, K, t, k);
}

static void push_field(lua_State *L, const script_kv *kv)
{
	char buf[16];

	switch (kv->v.type) {
	case FT_MONEY:
	case FT_DECIMAL:
		ldec_push(L, kv->v.u.d);
		break;
	case FT_INTEGER:
		lua_pushinteger(L, (lua_Integer)kv->v.u.i);
		break;
	case FT_DATE:
		date_format(buf, kv->v.u.date);
		lua_pushstring(L, buf);
		break;
	case FT_ENUM:
		if (kv->enum_text)
			lua_pushstring(L, kv->enum_text);
		else
			lua_pushnil(L);
		break;
	case FT_STRING:
	case FT_REF:
		if (kv->v.u.str.s)
			lua_pushlstring(L, kv->v.u.str.s, kv->v.u.str.len);
		else
			lua_pushnil(L);
		break;
	case FT_SPLIT: /* the share is ctx.share */
	default:
		lua_pushnil(L);
		break;
	}
}

/* Fills ctx.person and ctx.period (if not yet) of the real ctx at `real`
 * from the call's input, with their read-only proxies. */
static void fill_lazy(lua_State *L, int real)
{
	sandbox *sb = get_sb(L);
	const script_input *in = sb->cur_in;
	int T, K, t;
	dec att;

	if (!in)
		return;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_ctx);
	T = lua_gettop(L);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_names);
	K = lua_gettop(L);

	lua_rawgeti(L, K, K_PERSON);
	if (lua_rawget(L, real) == LUA_TNIL) {
		lua_rawgeti(L, T, CTX_PERSON);
		t = lua_gettop(L);
		kset_str(L, K, t, K_ID, in->person_id);
		kset_str(L, K, t, K_NAME, in->person_name);
		kset_str(L, K, t, K_LEVEL, in->person_level);
		kset_str(L, K, t, K_TEAM, in->person_team);
		kset_str(L, K, t, K_CURRENCY, in->currency);
		lua_pushinteger(L, in->minor);
		kset(L, K, t, K_MINOR);
		lua_pop(L, 1);
		lua_rawgeti(L, T, CTX_PERSON + 1);
		kset(L, K, real, K_PERSON);
	}
	lua_pop(L, 1);

	lua_rawgeti(L, K, K_PERIOD);
	if (lua_rawget(L, real) == LUA_TNIL) {
		lua_rawgeti(L, T, CTX_PERIOD);
		t = lua_gettop(L);
		kset_str(L, K, t, K_NAME, in->period);
		kset_str(L, K, t, K_START, in->period_start);
		kset_str(L, K, t, K_END, in->period_end);
		kset_dec(L, K, t, K_CREDITED, in->credited);
		kset_dec(L, K, t, K_EARNED, in->earned);
		if (in->has_quota)
			kset_dec(L, K, t, K_QUOTA, in->quota);
		else
			kset_str(L, K, t, K_QUOTA, NULL);
		if (in->has_quota &&
		    dec_div(&att, in->credited, in->quota, 6, DEC_HALF_EVEN) ==
			DEC_OK)
			kset_dec(L, K, t, K_ATTAINMENT, att);
		else
			kset_str(L, K, t, K_ATTAINMENT, NULL);
		lua_pop(L, 1);
		lua_rawgeti(L, T, CTX_PERIOD + 1);
		kset(L, K, real, K_PERIOD);
	}
	lua_pop(L, 1);
	lua_settop(L, T - 1);
}

/* __index of the ctx proxy: its real table, after filling ctx.person and
 * ctx.period when the script asks for one of them. */
static int ctx_index(lua_State *L)
{
	int real = lua_upvalueindex(1);

	lua_settop(L, 2);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, real) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	if (lua_type(L, 2) != LUA_TSTRING)
		return 0;
	fill_lazy(L, real);
	lua_rawget(L, real);
	return 1;
}

/* Pushes the read-only ctx for one call.
 *
 * The tables (ctx, ctx.person, ctx.period and one ctx.event per event
 * type, each with its read-only proxy) are made once, in setup_main, and
 * refilled here: every key a call may see is set, to nil when absent.  A
 * script cannot tell: the tables are read-only and nothing of a call
 * stays reachable after it (limits_end), so no call sees another's
 * values.  What it buys: building 4 tables and 4 proxies per call was
 * ~37,000 of the ~64,000 instructions of a call (bench/README.md). */
__attribute__((noinline)) static void push_ctx(lua_State *L, sandbox *sb, const script_input *in)
{
	const policy_version *v = sb->v;
	const rule *r = in->rule;
	int T, K, C, t;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_ctx);
	T = lua_gettop(L);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_names);
	K = lua_gettop(L);
	lua_rawgeti(L, T, CTX_CTX); /* the real ctx */
	C = lua_gettop(L);

	if (in->event_id) {
		size_t ti = 0;

		/* the event type: the name is the version's own pointer */
		while (ti < v->n_types && v->types[ti].name != in->event_type)
			ti++;
		if (ti == v->n_types)
			for (ti = 0; ti < v->n_types &&
				     strcmp(v->types[ti].name, in->event_type);
			     ti++)
				;
		if (ti == v->n_types) {
			/* not a type of this version (cannot happen): a
			 * fresh table, keys by name */
			lua_createtable(L, 0, (int)in->n_fields + 3);
			lua_pushvalue(L, -1);
			make_ro(L); /* proxy, event */
			lua_insert(L, -2);
			t = lua_gettop(L);
			for (size_t i = 0; i < in->n_fields; i++) {
				const script_kv *kv = &in->fields[i];
				if (!kv->key || !kv->present)
					continue;
				push_field(L, kv);
				lua_setfield(L, t, kv->key);
			}
		} else {
			lua_rawgeti(L, T, CTX_TYPE(ti) + 1); /* proxy */
			lua_rawgeti(L, T, CTX_TYPE(ti));     /* event */
			lua_rawgeti(L, T, CTX_TYPE(ti) + 2); /* field names */
			t = lua_gettop(L) - 1;
			/* in->fields are the type's fields, in order */
			for (size_t i = 0; i < in->n_fields; i++) {
				const script_kv *kv = &in->fields[i];

				lua_rawgeti(L, t + 1, (lua_Integer)i + 1);
				if (kv->key && kv->present)
					push_field(L, kv);
				else
					lua_pushnil(L);
				lua_rawset(L, t);
			}
			lua_pop(L, 1);
		}
		kset_str(L, K, t, K_ID, in->event_id);
		kset_str(L, K, t, K_TYPE, in->event_type);
		kset_str(L, K, t, K_DATE, in->event_date);
		lua_pop(L, 1);
	} else {
		lua_pushnil(L);
	}
	kset(L, K, C, K_EVENT);
	kset_dec(L, K, C, K_SHARE, in->share);

	/* person and period: filled when the script first reads them
	 * (ctx_index): most scripts never do, and the two tables were a
	 * tenth of a call */
	sb->cur_in = in;
	kset_str(L, K, C, K_PERSON, NULL);
	kset_str(L, K, C, K_PERIOD, NULL);

	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_params);
	lua_rawgeti(L, -1, (lua_Integer)(r - sb->v->rules) + 1);
	lua_remove(L, -2);
	kset(L, K, C, K_PARAMS);

	kset_str(L, K, C, K_RULE, r->id);
	lua_settop(L, T);
	lua_rawgeti(L, T, CTX_CTX + 1); /* the ctx proxy */
	lua_remove(L, T);
}

/* What a script may return. */
static const struct {
	const char *name;
	bool money;
} kinds[] = {
    {"commission", true}, {"bonus", true},	{"spiff", true},
    {"clawback", true},	  {"adjustment", true},
};

#define KIND_LIST "commission, bonus, spiff, clawback or adjustment"

/* The rule function, for messages about what it returned. */
struct fninfo {
	const char *src;
	int fn;		/* stack index of the function: its line is looked
			   up only for a message (lua_getinfo costs ~1,000
			   instructions, a tenth of a small call) */
	const char *name;
};

static int fn_line(lua_State *L, const struct fninfo *fi)
{
	lua_Debug ar;

	lua_pushvalue(L, fi->fn);
	if (!lua_getinfo(L, ">S", &ar))
		return 0;
	return ar.linedefined > 0 ? ar.linedefined : 0;
}

/* Raises "src:line: fn returned ...: <fmt>". item > 0 numbers the
 * decision in a list. */
static int ret_error(lua_State *L, const struct fninfo *fi, lua_Integer item,
		     const char *fmt, ...)
{
	va_list ap;

	int line = fn_line(L, fi);

	if (item > 0)
		lua_pushfstring(L, "%s:%d: %s returned a bad decision #%I: ",
				fi->src, line, fi->name, item);
	else
		lua_pushfstring(L,
				"%s:%d: %s returned a bad decision: ", fi->src,
				line, fi->name);
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 2);
	return lua_error(L);
}

static bool bytes_less(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c < 0 || (c == 0 && an < bn);
}

/* Refuses keys other than kind, amount and reason, naming the bytewise
 * smallest so the message does not depend on hash order. */
static void check_keys(lua_State *L, int t, const struct fninfo *fi,
		       lua_Integer item)
{
	const char *worst = NULL, *s;
	size_t worst_len = 0, len;
	bool other = false;

	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			other = true;
			continue;
		}
		s = lua_tolstring(L, -1, &len);
		if (!strcmp(s, "kind") || !strcmp(s, "amount") ||
		    !strcmp(s, "reason"))
			continue;
		if (!worst || bytes_less(s, len, worst, worst_len)) {
			worst = s;
			worst_len = len;
		}
	}
	if (worst) {
		lua_pushlstring(L, worst, worst_len); /* keep it alive */
		ret_error(L, fi, item,
			  "unknown key '%s' (a decision has kind, amount "
			  "and reason)",
			  lua_tostring(L, -1));
	}
	if (other)
		ret_error(L, fi, item,
			  "a decision is a table with the keys kind, amount "
			  "and reason");
}

/* Validates the decision table at t and appends {kind, amount or false,
 * reason} to the list at out. */
static void normalize_one(lua_State *L, int t, const struct fninfo *fi,
			  lua_Integer item, int out)
{
	size_t i, len;
	const char *s;
	bool money = false;
	dec d = dec_zero();
	int e;

	t = lua_absindex(L, t);
	check_keys(L, t, fi, item);
	lua_createtable(L, 3, 0);
	e = lua_gettop(L);

	if (lua_getfield(L, t, "kind") != LUA_TSTRING)
		ret_error(L, fi, item, "kind must be a string (%s)", KIND_LIST);
	s = lua_tolstring(L, -1, &len);
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strlen(kinds[i].name) == len &&
		    !memcmp(kinds[i].name, s, len))
			break;
	if (i == sizeof kinds / sizeof kinds[0])
		ret_error(L, fi, item,
			  "unknown kind '%s' (a script returns %s)", s,
			  KIND_LIST);
	money = kinds[i].money;
	lua_rawseti(L, e, 1);

	switch (lua_getfield(L, t, "amount")) {
	case LUA_TNIL:
		if (money)
			ret_error(L, fi, item, "a %s needs an amount",
				  kinds[i].name);
		lua_pushboolean(L, 0);
		break;
	case LUA_TNUMBER:
		if (!lua_isinteger(L, -1))
			ret_error(L, fi, item,
				  "amount must be a dec, an integer or a "
				  "decimal string, not a float");
		d = dec_from_int((int64_t)lua_tointeger(L, -1));
		ldec_push(L, d);
		break;
	case LUA_TSTRING:
		s = lua_tolstring(L, -1, &len);
		if (dec_parse(&d, s, len, false) != DEC_OK)
			ret_error(L, fi, item,
				  "amount '%s' is not a decimal number", s);
		ldec_push(L, d);
		break;
	default:
		if (!ldec_to(L, -1, NULL))
			ret_error(L, fi, item,
				  "amount must be a dec, an integer or a "
				  "decimal string, not a %s",
				  luaL_typename(L, -1));
		lua_pushvalue(L, -1);
		break;
	}
	lua_rawseti(L, e, 2);
	lua_pop(L, 1);

	if (lua_getfield(L, t, "reason") != LUA_TSTRING)
		ret_error(L, fi, item, "reason must be a string");
	s = lua_tolstring(L, -1, &len);
	if (len == 0 || memchr(s, '\0', len))
		ret_error(L, fi, item,
			  "reason must be a non-empty string without NUL "
			  "bytes");
	lua_rawseti(L, e, 3);

	lua_rawseti(L, out, (lua_Integer)lua_rawlen(L, out) + 1);
}

/* Turns what the rule function returned (at res) into a list of
 * normalized decisions, pushed on the stack. */
__attribute__((noinline)) static void normalize(lua_State *L, int res, const struct fninfo *fi)
{
	lua_Integer n, i, count = 0;
	int out;

	lua_createtable(L, 0, 0);
	out = lua_gettop(L);
	if (lua_isnil(L, res))
		return;
	if (!lua_istable(L, res))
		ret_error(L, fi, 0,
			  "expected nil, a decision table or a list of "
			  "decision tables, not a %s",
			  luaL_typename(L, res));
	if (lua_getfield(L, res, "kind") != LUA_TNIL) {
		lua_pop(L, 1);
		normalize_one(L, res, fi, 0, out);
		return;
	}
	lua_pop(L, 1);
	n = luaL_len(L, res);
	lua_pushnil(L);
	while (lua_next(L, res)) {
		lua_pop(L, 1);
		count++;
	}
	if (n == 0 && count > 0)
		ret_error(L, fi, 0, "kind is missing (%s)", KIND_LIST);
	if (count != n)
		ret_error(L, fi, 0,
			  "a list of decisions must hold entries 1 to n and "
			  "nothing else");
	for (i = 1; i <= n; i++) {
		if (lua_geti(L, res, i) != LUA_TTABLE)
			ret_error(L, fi, i, "expected a table, not a %s",
				  luaL_typename(L, -1));
		normalize_one(L, -1, fi, i, out);
		lua_pop(L, 1);
	}
}

/* Protected: runs the rule's chunk in a fresh environment, then (with
 * an input) its function, and leaves the normalized decisions. */
static int call_main(lua_State *L)
{
	struct call_args *a = lua_touserdata(L, 1);
	const rule *r = a->r;
	const char *src = a->sb->short_src[r->script];
	struct fninfo fi;

	lua_settop(L, 0);
	lua_createtable(L, 0, 4); /* 1: the environment */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_env_mt);
	lua_setmetatable(L, 1);
	lua_pushliteral(L, "_G");
	lua_pushvalue(L, 1);
	lua_rawset(L, 1);

	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_chunks);
	lua_rawgeti(L, -1, (lua_Integer)r->script + 1);
	lua_remove(L, -2);
	lua_pushvalue(L, 1);
	if (!lua_setupvalue(L, -2, 1))
		return luaL_error(L, "%s: script has no environment", src);
	lua_call(L, 0, 0);

	lua_pushstring(L, r->function); /* 2: the rule function */
	lua_rawget(L, 1);
	if (!lua_isfunction(L, 2))
		return luaL_error(L,
				  "%s: function '%s' is not defined (write "
				  "`function %s(ctx) ... end` at the top "
				  "level of the script)",
				  src, r->function, r->function);
	if (!a->in)
		return 0;

	fi.src = src;
	fi.fn = 2;
	fi.name = r->function;

	lua_pushvalue(L, 2);
	push_ctx(L, a->sb, a->in);
	lua_call(L, 1, 1); /* 3: the result */
	normalize(L, 3, &fi);
	return 1;
}

/* Runs fn(ud) under pcall with msgh; results from index 2. */
static int run_protected(sandbox *sb, lua_CFunction fn, void *ud, int nres)
{
	lua_State *L = sb->L;

	lua_settop(L, 0);
	lua_pushcfunction(L, msgh);
	lua_pushcfunction(L, fn);
	lua_pushlightuserdata(L, ud);
	return lua_pcall(L, 1, nres, 1);
}

static void limits_begin(sandbox *sb)
{
	sb->count = 0;
	sb->limit = LIMIT_NONE;
	sb->last_refused = false;
	sb->sys_oom = false;
	sb->limit_where[0] = sb->mem_where[0] = sb->err_where[0] = '\0';
	sb->cap = sb->memory > SIZE_MAX - sb->base
		      ? SIZE_MAX
		      : sb->base + (size_t)sb->memory;
	sb->in_call = true;
	lua_sethook(sb->L, count_hook, LUA_MASKCOUNT, sb->hook_step);
}

/* Ends a limited call and drops the call's environment, so nothing of it
 * stays reachable (and counted) until the next call.  Never raises. */
static void limits_end(sandbox *sb, const rule *r)
{
	lua_State *L = sb->L;

	lua_sethook(L, NULL, 0, 0);
	sb->in_call = false;
	sb->cur_in = NULL;
	sb->cap = SIZE_MAX;
	lua_settop(L, 0);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_chunks);
	if (lua_rawgeti(L, -1, (lua_Integer)r->script + 1) == LUA_TFUNCTION) {
		lua_pushnil(L);
		lua_setupvalue(L, -2, 1);
	}
	lua_settop(L, 0);
	/* After a limit, collect fully (an emergency collection does not
	 * shrink the Lua stack a runaway recursion left), so the next call
	 * starts from the same state as after creation. */
	if (sb->limit != LIMIT_NONE)
		lua_gc(L, LUA_GCCOLLECT);
}

/* Builds the message of a failed call (error value on top) and returns
 * INC_ELIMIT, INC_ESCRIPT or INC_ERROR. */
static int call_error(sandbox *sb, const rule *r, int status, char **err)
{
	lua_State *L = sb->L;
	const char *src = sb->short_src[r->script];
	const char *msg = "unknown error", *where;
	size_t len = 13, srclen = strlen(src);
	int rc = INC_ESCRIPT;

	note_mem_error(sb, L, status, -1);
	if (sb->sys_oom && sb->limit == LIMIT_NONE) {
		/* the machine's memory, not the script's: not a limit the
		 * policy could raise */
		*err = msg_printf("rule %s: %s: out of memory", r->id, src);
		return INC_ERROR;
	}
	if (sb->limit == LIMIT_INSTR) {
		*err = msg_printf(
		    "rule %s: %s: instruction budget of %" PRIu64 " exceeded",
		    r->id, sb->limit_where[0] ? sb->limit_where : src,
		    sb->budget);
		rc = INC_ELIMIT;
	} else if (sb->limit == LIMIT_MEM) {
		*err = msg_printf(
		    "rule %s: %s: memory limit of %" PRIu64 " KiB exceeded",
		    r->id, sb->limit_where[0] ? sb->limit_where : src,
		    sb->memory / 1024);
		rc = INC_ELIMIT;
	} else {
		if (lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tolstring(L, -1, &len);
		if (len > MAX_MESSAGE)
			len = MAX_MESSAGE;
		if (len > srclen && !memcmp(msg, src, srclen) &&
		    msg[srclen] == ':')
			*err =
			    msg_printf("rule %s: %.*s", r->id, (int)len, msg);
		else {
			where = sb->err_where[0] ? sb->err_where : src;
			*err = msg_printf("rule %s: %s: %.*s", r->id, where,
					  (int)len, msg);
		}
	}
	return *err ? rc : INC_ERROR;
}

/* Copies the normalized decisions at idx into out.  Never raises. */
static int collect(lua_State *L, int idx, script_output *out)
{
	size_t n = lua_rawlen(L, idx), i, len;
	const char *s;
	script_decision *d;

	if (n == 0)
		return 0;
	if (!lua_checkstack(L, 4))
		return INC_ERROR;
	out->items = calloc(n, sizeof *out->items);
	if (!out->items)
		return INC_ERROR;
	for (i = 0; i < n; i++) {
		d = &out->items[i];
		out->n = i + 1;
		lua_rawgeti(L, idx, (lua_Integer)i + 1);
		lua_rawgeti(L, -1, 1);
		s = lua_tolstring(L, -1, &len);
		d->kind = s ? strndup(s, len) : NULL;
		lua_pop(L, 1);
		lua_rawgeti(L, -1, 2);
		d->has_amount = ldec_to(L, -1, &d->amount);
		lua_pop(L, 1);
		lua_rawgeti(L, -1, 3);
		s = lua_tolstring(L, -1, &len);
		d->reason = s ? strndup(s, len) : NULL;
		lua_pop(L, 2);
		if (!d->kind || !d->reason)
			return INC_ERROR;
	}
	return 0;
}

/* ---- public -------------------------------------------------------------- */

int sandbox_check_script(const char *chunkname, const char *src, size_t len,
			 char **err)
{
	lua_State *L;
	const char *msg, *path = chunkname;
	size_t plen;
	int st;

	if (path[0] == '@' || path[0] == '=')
		path++;
	L = luaL_newstate();
	if (!L) {
		*err = msg_printf("%s: out of memory", path);
		return -2;
	}
	st = load_script(L, path, src, len);
	if (st == LUA_OK || st == LUA_ERRMEM) {
		lua_close(L);
		if (st == LUA_OK)
			return 0;
		*err = msg_printf("%s: out of memory", path);
		return -2; /* not a fault of the script */
	}
	msg = lua_tostring(L, -1);
	if (!msg)
		msg = "cannot compile";
	plen = strlen(path);
	if (!strncmp(msg, path, plen) && msg[plen] == ':')
		*err = msg_printf("%s", msg);
	else
		*err = msg_printf("%s: %s", path, msg);
	lua_close(L);
	return -1;
}

void sandbox_destroy(sandbox *sb)
{
	if (!sb)
		return;
	if (sb->L)
		lua_close(sb->L);
	while (sb->chunks) {
		struct pool_chunk *next = sb->chunks->next;
		free(sb->chunks);
		sb->chunks = next;
	}
	free(sb->short_src);
	free(sb);
}

int sandbox_create(sandbox **out, const policy_version *v, char **err)
{
	sandbox *sb = NULL;
	const char *msg;
	size_t i;
	int st, rc = INC_ERROR;

	*err = NULL;
	sb = calloc(1, sizeof *sb);
	if (!sb)
		goto oom;
	sb->v = v;
	sb->cap = SIZE_MAX;
	sb->budget =
	    v->lua_instructions ? v->lua_instructions : DEFAULT_INSTRUCTIONS;
	sb->memory = v->lua_memory ? v->lua_memory : DEFAULT_MEMORY;
	sb->hook_step = sb->budget < HOOK_STEP ? (int)sb->budget : HOOK_STEP;
	sb->short_src =
	    calloc(v->n_scripts ? v->n_scripts : 1, sizeof *sb->short_src);
	if (!sb->short_src)
		goto oom;
	sb->L = lua_newstate(capped_alloc, sb);
	if (!sb->L)
		goto oom;

	sb->setup_rc = INC_ERROR;
	st = run_protected(sb, setup_main, sb, 0);
	if (st != LUA_OK) {
		msg = lua_tostring(sb->L, -1);
		rc = sb->setup_rc;
		*err = msg_printf("%s", msg ? msg : "cannot start Lua");
		goto done;
	}
	lua_settop(sb->L, 0);
	lua_gc(sb->L, LUA_GCCOLLECT);
	sb->base = sb->used;

	/* Run each script rule's chunk once, so a missing function or a
	 * failing top level is found before any event. */
	for (i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		struct call_args a = {sb, r, NULL};

		if (r->kind != RULE_SCRIPT)
			continue;
		if (r->script < 0 || (size_t)r->script >= v->n_scripts ||
		    !r->function) {
			*err = msg_printf("rule %s: no script function", r->id);
			goto done;
		}
		limits_begin(sb);
		st = run_protected(sb, call_main, &a, 0);
		if (st != LUA_OK) {
			rc = call_error(sb, r, st, err);
			limits_end(sb, r);
			goto done;
		}
		limits_end(sb, r);
	}
	lua_gc(sb->L, LUA_GCCOLLECT);
	sb->base = sb->used;
	*out = sb;
	return 0;

oom:
	*err = msg_printf("out of memory starting the Lua sandbox");
done:
	sandbox_destroy(sb);
	return rc;
}

int sandbox_call(sandbox *sb, const script_input *in, script_output *out,
		 char **err)
{
	script_output res = {NULL, 0};
	const rule *r = in->rule;
	struct call_args a = {sb, r, in};
	int st, rc;

	assert(r && r->kind == RULE_SCRIPT && r >= sb->v->rules &&
	       r < sb->v->rules + sb->v->n_rules);
	*err = NULL;
	limits_begin(sb);
	st = run_protected(sb, call_main, &a, 1);
	if (st != LUA_OK) {
		rc = call_error(sb, r, st, err);
		goto done;
	}
	/* The hook is still set but only Lua code triggers it; collect()
	 * runs none. */
	rc = collect(sb->L, 2, &res);
	if (rc) {
		*err = msg_printf("rule %s: out of memory", r->id);
		goto done;
	}
	*out = res;
	res.items = NULL;
	res.n = 0;
done:
	limits_end(sb, r);
	script_output_clear(&res);
	return rc;
}

void script_output_clear(script_output *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n; i++) {
		free(o->items[i].kind);
		free(o->items[i].reason);
	}
	free(o->items);
	o->items = NULL;
	o->n = 0;
}
