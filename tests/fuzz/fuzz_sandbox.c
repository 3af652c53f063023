/*
 * fuzz_sandbox.c: libFuzzer target for the Lua sandbox (src/lib/sandbox.c
 * and ldec.c): arbitrary script text through sandbox_check_script, then,
 * when it compiles, sandbox_create and sandbox_call under tight limits.
 *
 * Input: byte 0 sets the instruction budget (1,000..256,000), byte 1 the
 * memory cap (64 KiB..2 MiB), byte 2 bit 0 makes it a period-end call (no
 * event); the rest is the script, whose function `rule` is called.
 *
 * Oracles, besides no crash / leak / sanitizer report / timeout (a script
 * that escapes the instruction budget shows up as a libFuzzer timeout):
 *  - a failure is INC_ESCRIPT or INC_ELIMIT with a message naming the rule
 *    ("rule r1: ..."), never INC_ERROR;
 *  - two calls give the same result: same code, same message, same
 *    decisions (no state survives a call).  Not compared when either call
 *    hit a limit: a call that hit one can leave the state a few hundred
 *    bytes larger (Lua keeps part of a grown stack), so a second call
 *    right at the memory cap may stop at another point (see README.md);
 *  - every returned decision has a kind and a reason.
 */
#include "fuzz_common.h"
#include "sandbox.h"

static const char *const chunk = "scripts/f.lua";

typedef struct result {
	int rc;
	char *err;
	script_output out;
} result;

static void call(sandbox *sb, const script_input *in, result *r)
{
	r->err = NULL;
	r->out.items = NULL;
	r->out.n = 0;
	r->rc = sandbox_call(sb, in, &r->out, &r->err);
	if (r->rc == 0) {
		if (r->err)
			abort();
		for (size_t i = 0; i < r->out.n; i++)
			if (!r->out.items[i].kind || !r->out.items[i].reason)
				abort();
		return;
	}
	if ((r->rc != INC_ESCRIPT && r->rc != INC_ELIMIT) || !r->err ||
	    strncmp(r->err, "rule r1: ", 9) != 0 || r->out.n != 0)
		abort();
}

static bool same(const result *a, const result *b)
{
	if (a->rc != b->rc || (a->err == NULL) != (b->err == NULL))
		return false;
	if (a->err && strcmp(a->err, b->err) != 0)
		return false;
	if (a->out.n != b->out.n)
		return false;
	for (size_t i = 0; i < a->out.n; i++) {
		const script_decision *x = &a->out.items[i],
				      *y = &b->out.items[i];
		if (strcmp(x->kind, y->kind) || strcmp(x->reason, y->reason) ||
		    x->has_amount != y->has_amount ||
		    (x->has_amount && (x->amount.coef != y->amount.coef ||
				       x->amount.scale != y->amount.scale)))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;

	if (size < 3 || size > 65536)
		return 0;
	uint64_t instr = 1000u + (uint64_t)data[0] * 1000u;
	uint64_t mem = (64u << 10) + (uint64_t)data[1] * (8u << 10);
	bool period_end = data[2] & 1;
	const char *src = (const char *)data + 3;
	size_t len = size - 3;

	if (sandbox_check_script(chunk, src, len, &err) != 0) {
		if (!err || strncmp(err, chunk, strlen(chunk)) != 0)
			abort();
		free(err);
		return 0;
	}
	if (err)
		abort();

	/* one version with one script rule, as the loader would build it */
	param items[2];
	memset(items, 0, sizeof items);
	items[0].type = PV_STR;
	items[0].key = "label";
	items[0].u.s = "SW";
	items[1].type = PV_DEC;
	items[1].key = "rate";
	items[1].u.d.coef = 8;
	items[1].u.d.scale = 2;
	script sc = {chunk, src, len};
	rule ru;
	memset(&ru, 0, sizeof ru);
	ru.id = "r1";
	ru.kind = RULE_SCRIPT;
	ru.on_type = period_end ? -1 : 0;
	ru.at_period_end = period_end;
	ru.script = 0;
	ru.function = "rule";
	ru.params.type = PV_MAP;
	ru.params.u.list.items = items;
	ru.params.u.list.n = 2;
	policy_version v;
	memset(&v, 0, sizeof v);
	v.policy_name = "fuzz";
	v.label = "f1";
	v.currency = "USD";
	v.rounding = DEC_HALF_EVEN;
	v.lua_instructions = instr;
	v.lua_memory = mem;
	v.rules = &ru;
	v.n_rules = 1;
	v.scripts = &sc;
	v.n_scripts = 1;

	sandbox *sb = NULL;
	int rc = sandbox_create(&sb, &v, &err);
	if (rc != 0) {
		if (!err || !*err || sb)
			abort();
		free(err);
		return 0;
	}

	script_kv kv[3];
	memset(kv, 0, sizeof kv);
	kv[0].key = "amount";
	kv[0].v.type = FT_MONEY;
	kv[0].v.u.d.coef = 1250000;
	kv[0].v.u.d.scale = 2;
	kv[0].present = true;
	kv[1].key = "product";
	kv[1].v.type = FT_STRING;
	kv[1].v.u.str.s = "SW-ENT-100";
	kv[1].v.u.str.len = 10;
	kv[1].present = true;
	kv[2].key = "note";
	kv[2].v.type = FT_STRING;
	kv[2].present = false;
	script_input in;
	memset(&in, 0, sizeof in);
	in.rule = &ru;
	if (!period_end) {
		in.event_id = "e-1";
		in.event_type = "deal_closed";
		in.event_date = "2026-02-10";
		in.fields = kv;
		in.n_fields = 3;
	}
	in.share.coef = 100;
	in.person_id = "p1";
	in.person_name = "Ada";
	in.person_level = "L1";
	in.person_team = "north";
	in.currency = "USD";
	in.minor = 2;
	in.period = "2026-Q1";
	in.period_start = "2026-01-01";
	in.period_end = "2026-03-31";
	in.credited.coef = 5200000;
	in.credited.scale = 2;
	in.has_quota = true;
	in.quota.coef = 8000000;
	in.quota.scale = 2;

	result r1, r2;
	call(sb, &in, &r1);
	call(sb, &in, &r2);
	if (r1.rc != INC_ELIMIT && r2.rc != INC_ELIMIT && !same(&r1, &r2)) {
		fprintf(stderr, "not deterministic:\n 1: %d %s\n 2: %d %s\n",
			r1.rc, r1.err ? r1.err : "", r2.rc,
			r2.err ? r2.err : "");
		abort();
	}
	free(r1.err);
	free(r2.err);
	script_output_clear(&r1.out);
	script_output_clear(&r2.out);
	sandbox_destroy(sb);
	return 0;
}
