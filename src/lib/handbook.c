/*
 * handbook.c: the policy as a handbook for staff (include/incentive.h,
 * inc_handbook_*; seed section 5.2: reward standards are published).
 *
 * Everything in it comes from the compiled policy: each rule in plain
 * language with its parameters, rate and tier tables, the career ladder,
 * the discipline ladder and promotion criteria when the policy has them,
 * the versions and their effective dates, and the seed section each rule
 * implements.  The worked example and the payout curve are not written by
 * hand either: they are the engine's own decisions for a person profile
 * (curve.c), so changing a number in the YAML changes the handbook.
 *
 * The handbook is a list of blocks (heading, paragraph, list item, note,
 * table, chart); the CLI renders them as Markdown or HTML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curve.h"
#include "model_conduct.h"
#include "plans.h"
#include "tbl.h"

struct inc_handbook {
	const inc_policy *p;
	arena mem;
	inc_block *blocks;
	size_t n, cap;
	tbl **tables;
	size_t n_tables;
	const char *title;
	bool oom;
};

/* ---- blocks ------------------------------------------------------------ */

static inc_block *add(inc_handbook *h, inc_block_kind kind)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		inc_block *b = realloc(h->blocks, cap * sizeof *b);
		if (!b) {
			h->oom = true;
			return NULL;
		}
		h->blocks = b;
		h->cap = cap;
	}
	inc_block *b = &h->blocks[h->n++];
	memset(b, 0, sizeof *b);
	b->kind = kind;
	b->text = "";
	b->anchor = "";
	return b;
}

static void textf(inc_handbook *h, inc_block_kind kind, int lvl, const char *anchor,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void textf(inc_handbook *h, inc_block_kind kind, int lvl, const char *anchor,
		  const char *fmt, ...)
{
	strbuf sb;
	va_list ap;
	inc_block *b;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (sb.oom || !(b = add(h, kind))) {
		h->oom = true;
		sb_finish(&sb);
		return;
	}
	b->level = lvl;
	b->text = arena_strdup(&h->mem, sb_cstr(&sb));
	b->anchor = anchor ? arena_strdup(&h->mem, anchor) : "";
	if (!b->text || !b->anchor)
		h->oom = true;
	sb_finish(&sb);
}

#define HEAD(h, lvl, anchor, ...) textf(h, INC_BLOCK_HEADING, lvl, anchor, __VA_ARGS__)
#define PARA(h, ...) textf(h, INC_BLOCK_PARAGRAPH, 0, NULL, __VA_ARGS__)
#define ITEM(h, ...) textf(h, INC_BLOCK_ITEM, 0, NULL, __VA_ARGS__)
#define NOTE(h, ...) textf(h, INC_BLOCK_NOTE, 0, NULL, __VA_ARGS__)

static void keep(inc_handbook *h, tbl *t)
{
	tbl **v;

	if (!t) {
		h->oom = true;
		return;
	}
	v = realloc(h->tables, sizeof *v * (h->n_tables + 1));
	if (!v) {
		h->oom = true;
		return;
	}
	h->tables = v;
	v[h->n_tables++] = t;
}

static void table_block(inc_handbook *h, tbl *t)
{
	inc_block *b;

	keep(h, t);
	if (!t || !(b = add(h, INC_BLOCK_TABLE)))
		return;
	tbl_view(t, &b->table);
}

/* ---- words for numbers and conditions ---------------------------------- */

static const char *pct(inc_handbook *h, dec fraction)
{
	char b[72];
	dec_format_percent(b, sizeof b, fraction);
	return arena_strdup(&h->mem, b);
}

static const char *money(inc_handbook *h, dec d, int minor)
{
	char b[72];
	dec_format(b, sizeof b, dec_normalize(d), minor, true);
	return arena_strdup(&h->mem, b);
}

static const char *plain(inc_handbook *h, dec d)
{
	char b[72];
	dec_format(b, sizeof b, dec_normalize(d), 0, false);
	return arena_strdup(&h->mem, b);
}

static const char *period_word(period_kind k)
{
	return k == PERIOD_MONTH ? "month" : k == PERIOD_QUARTER ? "quarter" : "year";
}

static bool regex_meta(char c)
{
	return strchr("\\^$.|?*+()[]{}", c) != NULL;
}

/* "product starts with SW-ENT-" for "product ~ ^SW-ENT-", and so on. */
static void cond_words(strbuf *sb, const cond *c)
{
	const char *t = c->text;
	const char *sp = strchr(t, ' ');
	size_t subj_len = sp ? (size_t)(sp - t) : strlen(t);
	char subj[128];

	snprintf(subj, sizeof subj, "%.*s", (int)subj_len, t);
	const char *who = strcmp(subj, "person.level") == 0	 ? "the person's level"
			  : strcmp(subj, "person.team") == 0	 ? "the person's team"
			  : strcmp(subj, "person.id") == 0	 ? "the person"
								 : subj;
	if (!sp) {
		sb_puts(sb, t);
		return;
	}
	const char *op = sp + 1, *val = strchr(op, ' ');
	val = val ? val + 1 : "";
	if (c->op == COND_MATCH) {
		size_t n = strlen(val);
		bool head = n && val[0] == '^', tail = n > 1 && val[n - 1] == '$' && val[n - 2] != '\\';
		const char *lit = val + head;
		size_t lit_n = n - head - tail;
		bool literal = true;
		for (size_t i = 0; i < lit_n; i++)
			if (regex_meta(lit[i]))
				literal = false;
		if (literal && lit_n)
			sb_printf(sb, "%s %s %.*s", who,
				  head && tail ? "is" : head ? "starts with" : tail ? "ends with" : "contains",
				  (int)lit_n, lit);
		else
			sb_printf(sb, "%s matches the pattern %s", who, val);
		return;
	}
	static const struct {
		cond_op op;
		const char *words;
	} w[] = {{COND_EQ, "is"},	  {COND_NE, "is not"},	 {COND_IN, "is one of"},
		 {COND_LT, "is below"},	  {COND_LE, "is at most"}, {COND_GT, "is above"},
		 {COND_GE, "is at least"}};
	for (size_t i = 0; i < sizeof w / sizeof *w; i++)
		if (w[i].op == c->op) {
			sb_printf(sb, "%s %s %s", who, w[i].words, val);
			return;
		}
	sb_puts(sb, t);
}

static const char *conds_words(inc_handbook *h, const cond_list *l, const char *none)
{
	strbuf sb;
	const char *out;

	if (l->n == 0)
		return none;
	sb_init(&sb);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			sb_puts(&sb, i + 1 == l->n ? " and " : ", ");
		cond_words(&sb, &l->items[i]);
	}
	out = sb.oom ? none : arena_strdup(&h->mem, sb_cstr(&sb));
	sb_finish(&sb);
	return out ? out : none;
}

static const char *slots_words(inc_handbook *h, const uint32_t *slots, size_t n)
{
	strbuf sb;
	const char *out;

	sb_init(&sb);
	for (size_t i = 0; i < n; i++)
		sb_printf(&sb, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", h->p->rule_slot_ids[slots[i]]);
	out = sb.oom ? "" : arena_strdup(&h->mem, sb_cstr(&sb));
	sb_finish(&sb);
	return out ? out : "";
}

static const char *kind_title(rule_kind k)
{
	switch (k) {
	case RULE_COMMISSION: return "commission";
	case RULE_SPIFF: return "SPIFF (a fixed reward)";
	case RULE_BONUS: return "bonus";
	case RULE_CLAWBACK: return "clawback";
	case RULE_CAP: return "cap";
	case RULE_SCRIPT: return "rule written as a script";
	case RULE_DISCIPLINE: return "discipline";
	case RULE_DUTY: return "duty";
	case RULE_TRAINING: return "required training";
	case RULE_PROMOTION: return "promotion";
	case RULE_DEMOTION: return "demotion";
	case RULE_APPRAISAL: return "appraisal";
	case RULE_OVERRIDE: return "manager override";
	case RULE_DRAW: return "draw";
	case RULE_OBJECTIVE: return "objective bonus";
	case RULE_WINDFALL: return "windfall";
	case RULE_EARNING: return "when commission is earned";
	default: return "rule";
	}
}

static int version_minor(const policy_version *v)
{
	int m = currency_minor_unit(v, v->currency, strlen(v->currency));
	return m < 0 ? 2 : m;
}

/* ---- one rule ---------------------------------------------------------------- */

static void tiers_block(inc_handbook *h, const policy_version *v, const rule *r)
{
	const tier_spec *t = r->tiers;
	int minor = version_minor(v);
	bool att = t->basis == TIER_ATTAINMENT;
	const char *measured =
		t->measure == MEASURE_EVENT	 ? "each sale on its own"
		: t->measure == MEASURE_RUNNING ? (att ? "the person's attainment so far in the period, sale after sale"
						       : "the person's sales so far in the period, sale after sale")
						: (att ? "the person's attainment for the whole period (paid once, at period end)"
						       : "the person's sales for the whole period (paid once, at period end)");

	PARA(h, "The rate depends on tiers of %s, measured on %s. %s A figure exactly on a boundary belongs to the %s tier.",
	     att ? "attainment (sales credited divided by quota)" : "sales", measured,
	     t->method == TIER_MARGINAL
		     ? "Each part of a sale is paid at the tier that part falls in (marginal tiers)."
		     : "The tier reached applies to the whole amount (retroactive tiers).",
	     t->boundary_upper ? "higher" : "lower");
	tbl *tb = tbl_new(&h->mem, "tiers", "Tiers", "n:tier", att ? "t:from (of quota)" : "m:from",
			  att ? "t:up to (of quota)" : "m:up to", "t:pays", NULL);
	for (size_t b = 0; tb && b < t->n_bands; b++) {
		const tier_band *band = &t->bands[b];
		tbl_row(tb);
		tbl_cell(tb, 0, "%zu", b + 1);
		dec lo = b ? t->bands[b - 1].upto : dec_zero();
		if (att) {
			tbl_cell_text(tb, 1, pct(h, lo));
			tbl_cell_text(tb, 2, band->has_upto ? pct(h, band->upto) : "and above");
		} else {
			tbl_cell_money(tb, 1, lo, minor);
			if (band->has_upto)
				tbl_cell_money(tb, 2, band->upto, minor);
			else
				tbl_cell_text(tb, 2, "and above");
		}
		if (band->is_rate)
			tbl_cell(tb, 3, "a rate of %s", pct(h, band->value));
		else if (dec_cmp(band->value, dec_from_int(1)) == 0)
			tbl_cell_text(tb, 3, "the rate as it is (x1)");
		else
			tbl_cell(tb, 3, "the rate x%s", plain(h, band->value));
	}
	table_block(h, tb);
}

static void rule_commission(inc_handbook *h, const policy_version *v, const rule *r)
{
	const event_type *et = &v->types[r->on_type];
	int minor = version_minor(v);
	const char *base = r->base_field >= 0 ? et->fields[r->base_field].name : "amount";

	PARA(h, "Pays a commission on every %s event%s%s: a share of its %s%s%s.", et->name,
	     r->when.n ? " where " : "", conds_words(h, &r->when, ""), base,
	     r->n_rates > 1 ? ", at a rate that depends on the sale" : "",
	     et->split_field >= 0 ? " (a shared sale is split between the people credited with it)" : "");
	if (r->n_rates) {
		PARA(h, "%s", r->select_most_specific
				      ? "The rate is the one of the row whose conditions all hold and that has the most conditions:"
				      : "The rate is the one of the first row whose conditions hold:");
		tbl *t = tbl_new(&h->mem, "rates", "Rates", "t:when", "t:rate", "t:label", NULL);
		for (size_t i = 0; t && i < r->n_rates; i++) {
			const rate_row *row = &r->rates[i];
			tbl_row(t);
			tbl_cell_text(t, 0, conds_words(h, &row->when, "any other sale"));
			if (row->per_unit)
				tbl_cell(t, 1, "%s per unit", money(h, row->rate, minor));
			else
				tbl_cell_text(t, 1, pct(h, row->rate));
			tbl_cell_text(t, 2, row->label ? row->label : "");
		}
		table_block(h, t);
		bool has_default = false;
		for (size_t i = 0; i < r->n_rates; i++)
			if (r->rates[i].when.n == 0)
				has_default = true;
		if (!has_default)
			NOTE(h, "A sale that matches no row earns no commission from this rule.");
	}
	for (size_t f = 0; f < r->n_factors; f++) {
		const factor_table *ft = &r->factors[f];
		PARA(h, "The commission is multiplied by the %s factor (first row that holds):", ft->name);
		tbl *t = tbl_new(&h->mem, "factors", ft->name, "t:when", "t:factor", NULL);
		for (size_t i = 0; t && i < ft->n_rows; i++) {
			tbl_row(t);
			tbl_cell_text(t, 0, conds_words(h, &ft->rows[i].when, "otherwise"));
			tbl_cell(t, 1, "x%s", plain(h, ft->rows[i].factor));
		}
		table_block(h, t);
	}
	if (r->tiers)
		tiers_block(h, v, r);
	if (r->has_threshold)
		PARA(h, "Threshold: a person who ends the %s below %s of quota earns no commission from this rule "
			"for that %s (what was paid is withheld at the end of the %s).",
		     period_word(v->period), pct(h, r->threshold), period_word(v->period), period_word(v->period));
}

static void rule_spiff(inc_handbook *h, const policy_version *v, const rule *r)
{
	const event_type *et = &v->types[r->on_type];
	int minor = version_minor(v);
	char d1[11], d2[11];

	if (r->per_unit)
		PARA(h, "A fixed reward of %s %s per unit for each %s event where %s.", money(h, r->amount, minor),
		     v->currency, et->name, conds_words(h, &r->when, "it applies"));
	else
		PARA(h, "A fixed reward of %s %s for each %s event where %s.", money(h, r->amount, minor), v->currency,
		     et->name, conds_words(h, &r->when, "it applies"));
	if (et->split_field >= 0)
		ITEM(h, "A shared sale shares the reward like the sale.");
	if (r->has_window) {
		date_format(d1, r->from);
		date_format(d2, r->to);
		ITEM(h, "Only for sales from %s to %s (both days included).", d1, d2);
	}
	if (r->has_cap)
		ITEM(h, "At most %s per person per %s; anything above is withheld.", money(h, r->cap, minor),
		     period_word(v->period));
}

static void rule_bonus(inc_handbook *h, const policy_version *v, const rule *r)
{
	int minor = version_minor(v);

	PARA(h, "At the end of each %s, everyone with a quota for it whose attainment reaches a band below gets "
		"that band's share of %s. Only the highest band reached pays.",
	     period_word(v->period),
	     r->target_from_level ? "the target bonus of their level on the career ladder" : "the target bonus");
	if (!r->target_from_level)
		ITEM(h, "Target bonus: %s %s.", money(h, r->target, minor), v->currency);
	size_t nl = r->target_from_level ? v->n_levels : 0;
	tbl *t = tbl_new(&h->mem, "bonus", "Bonus bands", "t:attainment from", "t:share of target", NULL);
	if (!t) {
		h->oom = true;
		return;
	}
	/* one column per level: what the band pays at that level */
	if (nl) {
		const char **cols = arena_alloc(&h->mem, sizeof *cols * (2 + nl));
		char *types = arena_alloc(&h->mem, 3 + nl);
		if (!cols || !types) {
			h->oom = true;
			return;
		}
		cols[0] = t->cols[0];
		cols[1] = t->cols[1];
		types[0] = 't';
		types[1] = 't';
		for (size_t l = 0; l < nl; l++) {
			cols[2 + l] = arena_printf(&h->mem, "%s (%s)", v->levels[l].id, v->currency);
			types[2 + l] = 'm';
		}
		t->cols = cols;
		t->types = types;
		t->n_cols = 2 + nl;
	}
	for (size_t b = 0; b < r->n_bands; b++) {
		tbl_row(t);
		tbl_cell(t, 0, "%s", pct(h, r->bands[b].from));
		tbl_cell_text(t, 1, pct(h, r->bands[b].pay));
		for (size_t l = 0; l < nl; l++) {
			dec x;
			if (!v->levels[l].has_target_bonus || dec_mul(&x, v->levels[l].target_bonus, r->bands[b].pay) != DEC_OK)
				continue;
			tbl_cell_money(t, 2 + l, x, minor);
		}
	}
	table_block(h, t);
}

static void rule_clawback(inc_handbook *h, const policy_version *v, const rule *r)
{
	const event_type *et = &v->types[r->on_type];
	const char *how = r->amount_field >= 0
				  ? arena_printf(&h->mem, ", in proportion to the amount refunded (field %s)",
						 et->fields[r->amount_field].name)
				  : " in full";

	PARA(h, "When a %s event names an earlier sale (field %s), what %s paid on that sale is taken back%s. "
		"The refund also lowers the sales credited toward quota.",
	     et->name, et->fields[r->ref_field].name, slots_words(h, r->reverses, r->n_reverses),
	     how ? how : "");
	if (r->window_days >= 0)
		ITEM(h, "Only within %d days of the sale (day %d included); a later refund takes nothing back.",
		     (int)r->window_days, (int)r->window_days);
}

static void rule_cap(inc_handbook *h, const policy_version *v, const rule *r)
{
	PARA(h, "What a person earns from %s in one %s is capped at %s %s; anything above is withheld at the end "
		"of the %s.",
	     slots_words(h, r->applies_to, r->n_applies), period_word(v->period),
	     money(h, r->max, version_minor(v)), v->currency, period_word(v->period));
}

static void param_rows(inc_handbook *h, tbl *t, const param *p, const char *prefix)
{
	for (size_t i = 0; i < p->u.list.n; i++) {
		const param *x = &p->u.list.items[i];
		char key[160];
		snprintf(key, sizeof key, "%s%s", prefix, x->key ? x->key : "");
		if (x->type == PV_MAP) {
			char pre[170];
			snprintf(pre, sizeof pre, "%s.", key);
			param_rows(h, t, x, pre);
			continue;
		}
		tbl_row(t);
		tbl_cell_text(t, 0, key);
		switch (x->type) {
		case PV_BOOL: tbl_cell_text(t, 1, x->u.b ? "yes" : "no"); break;
		case PV_INT: tbl_cell(t, 1, "%lld", (long long)x->u.i); break;
		case PV_DEC: tbl_cell_text(t, 1, plain(h, x->u.d)); break;
		case PV_STR: tbl_cell_text(t, 1, x->u.s); break;
		case PV_LIST: tbl_cell(t, 1, "a list of %zu", x->u.list.n); break;
		default: break;
		}
	}
}

static void rule_script(inc_handbook *h, const policy_version *v, const rule *r)
{
	PARA(h, "Written in Lua (%s, function %s) because YAML cannot say it; it runs %s.",
	     v->scripts[r->script].path, r->function,
	     r->at_period_end ? "at the end of each period" : arena_printf(&h->mem, "on every %s event", v->types[r->on_type].name));
	if (r->params.type == PV_MAP && r->params.u.list.n) {
		tbl *t = tbl_new(&h->mem, "params", "Parameters", "t:parameter", "t:value", NULL);
		if (t)
			param_rows(h, t, &r->params, "");
		table_block(h, t);
	}
}

static void rule_plan(inc_handbook *h, const policy_version *v, const rule *r)
{
	const plan_rule *pr = r->plan;
	int minor = version_minor(v);
	const char *per = period_word(v->period);

	if (!pr)
		return;
	switch (r->kind) {
	case RULE_OVERRIDE: {
		PARA(h, "A manager earns a share of the sales of the people who report to them, on every %s event:",
		     v->types[r->on_type].name);
		tbl *t = tbl_new(&h->mem, "override", "Override rates", "t:reports", "t:rate", NULL);
		for (size_t i = 0; t && i < pr->n_levels; i++) {
			tbl_row(t);
			tbl_cell_text(t, 0, i == 0 ? "direct reports" : arena_printf(&h->mem, "%zu levels down", i + 1));
			tbl_cell_text(t, 1, pct(h, pr->level_rates[i]));
		}
		table_block(h, t);
		break;
	}
	case RULE_DRAW:
		PARA(h, "A guaranteed minimum pay of %s %s per %s%s. %s", money(h, pr->amount, minor), v->currency, per,
		     pr->periods > 0 ? arena_printf(&h->mem, " for the first %d %s%s from hiring", (int)pr->periods, per,
						    pr->periods == 1 ? "" : "s")
				     : "",
		     pr->recoverable ? arena_printf(&h->mem, "What the draw adds is recovered from later earnings, at %s of "
							     "them, never taking pay below %s.",
						    pct(h, pr->recovery_rate), money(h, pr->floor, minor))
				     : "It is not recovered.");
		break;
	case RULE_WINDFALL:
		PARA(h, "The part of a single %s sale above %s %s counts at %s only, for credit and for pay.",
		     v->types[r->on_type].name, money(h, pr->above, minor), v->currency, pct(h, pr->rate));
		break;
	case RULE_OBJECTIVE: {
		PARA(h, "A bonus for activities at the end of each %s: %s, paid by the weighted score of the "
			"objectives below%s%s.",
		     per,
		     pr->target_from_level ? arena_printf(&h->mem, "%s of the level's target bonus", pct(h, pr->share))
					   : arena_printf(&h->mem, "%s %s at 100%%", money(h, pr->target, minor), v->currency),
		     pr->has_from ? arena_printf(&h->mem, "; nothing below a score of %s", pct(h, pr->from)) : "",
		     pr->has_cap ? arena_printf(&h->mem, "; at most %s", pct(h, pr->cap)) : "");
		tbl *t = tbl_new(&h->mem, "objectives", "Objectives", "t:objective", "t:counts", "n:target", "t:weight", NULL);
		for (size_t i = 0; t && i < pr->n_objectives; i++) {
			const plan_objective *o = &pr->objectives[i];
			tbl_row(t);
			tbl_cell_text(t, 0, o->name);
			tbl_cell(t, 1, "%s events%s%s", v->types[o->type].name, o->when.n ? " where " : "",
				 conds_words(h, &o->when, ""));
			tbl_cell_dec(t, 2, o->target);
			tbl_cell_text(t, 3, pct(h, o->weight));
		}
		table_block(h, t);
		break;
	}
	default:
		break;
	}
}

static void one_rule(inc_handbook *h, const policy_version *v, const rule *r, bool headed)
{
	if (headed)
		HEAD(h, 3, arena_printf(&h->mem, "rule-%s", r->id), "%s: %s", r->id, kind_title(r->kind));
	if (r->description)
		PARA(h, "%s", r->description);
	switch (r->kind) {
	case RULE_COMMISSION: rule_commission(h, v, r); break;
	case RULE_SPIFF: rule_spiff(h, v, r); break;
	case RULE_BONUS: rule_bonus(h, v, r); break;
	case RULE_CLAWBACK: rule_clawback(h, v, r); break;
	case RULE_CAP: rule_cap(h, v, r); break;
	case RULE_SCRIPT: rule_script(h, v, r); break;
	case RULE_DISCIPLINE:
		PARA(h, "Decides the step of the discipline ladder each violation leads to (see \"Discipline ladder\").");
		break;
	case RULE_PROMOTION:
	case RULE_DEMOTION:
		PARA(h, "See \"Promotion and demotion criteria\".");
		break;
	case RULE_APPRAISAL:
		PARA(h, "Gives everyone a rating at the end of each %s (see \"Appraisal\").", period_word(v->period));
		break;
	default:
		rule_plan(h, v, r);
		break;
	}
	if (r->section)
		NOTE(h, "Implements seed policy section %s. Written in %s, line %u.", r->section, r->loc.file,
		     (unsigned)r->loc.line);
	else
		NOTE(h, "Written in %s, line %u.", r->loc.file, (unsigned)r->loc.line);
}

/* ---- conduct and careers -------------------------------------------------- */

static const char *dur_words(inc_handbook *h, duration d)
{
	const char *u = d.unit == DUR_DAYS ? "day" : d.unit == DUR_MONTHS ? "month" : "year";
	return arena_printf(&h->mem, "%d %s%s", (int)d.n, u, d.n == 1 ? "" : "s");
}

static const char *step_words(int k)
{
	static const char *const w[] = {"verbal warning", "written warning", "fine", "demotion", "dismissal"};
	return k >= 0 && k < N_STEP_KINDS ? w[k] : "?";
}

static void discipline_section(inc_handbook *h, const policy_version *v)
{
	bool any = false;
	int minor = version_minor(v);

	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		const discipline_spec *d = r->discipline;
		if (r->kind != RULE_DISCIPLINE || !d)
			continue;
		if (!any)
			HEAD(h, 2, "discipline", "Discipline ladder");
		any = true;
		PARA(h, "Rule %s (seed section %s): a violation leads to a step of the ladder, from the mildest to the "
			"most severe, depending on the person's active record.",
		     r->id, r->section ? r->section : "5.3");
		tbl *t = tbl_new(&h->mem, "ladder", "The steps", "n:step", "t:consequence", "t:details", NULL);
		for (size_t s = 0; t && s < d->n_steps; s++) {
			const disc_step *st = &d->steps[s];
			tbl_row(t);
			tbl_cell(t, 0, "%zu", s + 1);
			tbl_cell_text(t, 1, step_words((int)st->kind));
			if (st->kind == STEP_FINE)
				tbl_cell(t, 2, "%s %s", money(h, st->fine, minor), v->currency);
			else if (st->kind == STEP_DEMOTION)
				tbl_cell(t, 2, "%d level%s down the ladder", (int)st->levels, st->levels == 1 ? "" : "s");
			else if (st->kind == STEP_DISMISSAL)
				tbl_cell(t, 2, "effective %d day%s after the violation", (int)st->effective_days,
					 st->effective_days == 1 ? "" : "s");
		}
		table_block(h, t);
		if (d->active && d->n_severities) {
			tbl *a = tbl_new(&h->mem, "active", "How long a violation stays on the record", "t:severity",
					 "t:active for", NULL);
			for (size_t s = 0; a && s < d->n_severities; s++) {
				tbl_row(a);
				tbl_cell_text(a, 0, d->severities[s]);
				tbl_cell_text(a, 1, dur_words(h, d->active[d->uniform_active ? 0 : s]));
			}
			table_block(h, a);
		}
		if (d->n_rows) {
			tbl *e = tbl_new(&h->mem, "escalate", "Which step a new violation leads to", "t:when",
					 "t:step", NULL);
			for (size_t k = 0; e && k < d->n_rows; k++) {
				const escalation_row *row = &d->rows[k];
				strbuf sb;
				sb_init(&sb);
				for (size_t s = 0; s < d->n_severities; s++)
					if (row->severities & ((uint64_t)1 << s))
						sb_printf(&sb, "%sthe violation is %s", sb.len ? "; " : "", d->severities[s]);
				for (size_t c = 0; c < d->n_categories; c++)
					if (row->categories & ((uint64_t)1 << c))
						sb_printf(&sb, "%scategory %s", sb.len ? "; " : "", d->categories[c]);
				for (size_t s = 0; row->min_count && s < d->n_severities; s++)
					if (row->min_count[s])
						sb_printf(&sb, "%sat least %u active %s", sb.len ? "; " : "",
							  row->min_count[s], d->severities[s]);
				if (row->min_any)
					sb_printf(&sb, "%sat least %u active violations", sb.len ? "; " : "", row->min_any);
				tbl_row(e);
				tbl_cell_text(e, 0, sb.len ? sb_cstr(&sb) : "any violation");
				tbl_cell_text(e, 1, row->step >= 0 && (size_t)row->step < d->n_steps
							    ? step_words((int)d->steps[row->step].kind)
							    : "");
				sb_finish(&sb);
			}
			table_block(h, e);
			NOTE(h, "When several rows hold, the most severe step applies.");
		}
		if (d->has_fine_limit)
			ITEM(h, "Fines deducted in one %s never exceed %s %s; the rest carries to the next %s.",
			     period_word(v->period), money(h, d->fine_limit, minor), v->currency, period_word(v->period));
	}
}

static void careers_section(inc_handbook *h, const policy_version *v)
{
	tbl *t = NULL;

	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		const career_spec *c = r->career;
		if ((r->kind != RULE_PROMOTION && r->kind != RULE_DEMOTION) || !c)
			continue;
		if (!t) {
			HEAD(h, 2, "careers", "Promotion and demotion criteria");
			PARA(h, "A change of level takes effect at the start of the next %s.", period_word(v->period));
			t = tbl_new(&h->mem, "careers", "Criteria", "t:rule", "t:moves", "t:from", "t:to",
				    "t:attainment", "t:tenure", "t:also needs", NULL);
			if (!t) {
				h->oom = true;
				return;
			}
		}
		strbuf from, also;
		sb_init(&from);
		sb_init(&also);
		for (size_t k = 0; k < c->n_from; k++)
			sb_printf(&from, "%s%s", k ? ", " : "", c->from[k]);
		if (c->n_training)
			sb_printf(&also, "training: %s", slots_words(h, c->training, c->n_training));
		if (c->has_max_step)
			sb_printf(&also, "%s%s", also.len ? "; " : "",
				  c->max_step < 0 ? "no active discipline"
						  : arena_printf(&h->mem, "no active discipline above %s",
								 step_words(c->max_step)));
		if (c->min_rating)
			sb_printf(&also, "%sappraisal rating at least %s", also.len ? "; " : "", c->min_rating);
		if (c->approval_type >= 0)
			sb_printf(&also, "%sa %s event (approval)", also.len ? "; " : "",
				  v->types[c->approval_type].name);
		tbl_row(t);
		tbl_cell_text(t, 0, r->id);
		tbl_cell_text(t, 1, c->down ? "down" : "up");
		tbl_cell_text(t, 2, from.len ? sb_cstr(&from) : "any level");
		tbl_cell_text(t, 3, c->to ? c->to : c->down ? "the level below" : "the level above");
		if (c->has_attainment)
			tbl_cell(t, 4, "%s %s for %u consecutive %s%s", c->down ? "below" : "at least",
				 pct(h, c->attainment), c->periods, period_word(v->period), c->periods == 1 ? "" : "s");
		if (c->tenure_months >= 0)
			tbl_cell(t, 5, "%d month%s at the level", (int)c->tenure_months, c->tenure_months == 1 ? "" : "s");
		tbl_cell_text(t, 6, also.len ? sb_cstr(&also) : "");
		sb_finish(&from);
		sb_finish(&also);
	}
	if (t)
		table_block(h, t);
	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		const appraisal_spec *a = r->appraisal;
		if (r->kind != RULE_APPRAISAL || !a)
			continue;
		HEAD(h, 2, "appraisal", "Appraisal");
		PARA(h, "Rule %s gives each person a rating at the end of each %s: the first row that holds.", r->id,
		     period_word(v->period));
		tbl *at = tbl_new(&h->mem, "ratings", "Ratings", "t:rating", "t:attainment", "t:discipline", NULL);
		for (size_t k = 0; at && k < a->n_rows; k++) {
			const rating_row *row = &a->rows[k];
			strbuf sb;
			sb_init(&sb);
			if (row->has_lo)
				sb_printf(&sb, "%s %s", row->lo_strict ? "above" : "at least", pct(h, row->lo));
			if (row->has_hi)
				sb_printf(&sb, "%s%s %s", sb.len ? ", " : "", row->hi_strict ? "below" : "at most",
					  pct(h, row->hi));
			tbl_row(at);
			tbl_cell_text(at, 0, row->rating);
			tbl_cell_text(at, 1, sb.len ? sb_cstr(&sb) : "any");
			tbl_cell_text(at, 2, row->disc == DT_CLEAN	  ? "none active"
					     : row->disc == DT_AT_LEAST ? arena_printf(&h->mem, "%s or worse active", step_words(row->disc_step))
					     : row->disc == DT_AT_MOST	  ? arena_printf(&h->mem, "at most %s active", step_words(row->disc_step))
									  : "any");
			sb_finish(&sb);
		}
		table_block(h, at);
	}
}

/* ---- worked example and curve ------------------------------------------------ */

typedef struct ex_line {
	const char *rule, *kind, *reason;
	dec amount;
	bool money;
} ex_line;

typedef struct ex_acc {
	inc_handbook *h;
	ex_line *lines;
	size_t n, cap;
	dec total;
} ex_acc;

static int ex_emit(void *ud, const eval_decision *d)
{
	ex_acc *a = ud;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		ex_line *l = realloc(a->lines, cap * sizeof *l);
		if (!l)
			return INC_ERROR;
		a->lines = l;
		a->cap = cap;
	}
	ex_line *l = &a->lines[a->n++];
	l->rule = d->rule ? d->rule->id : "";
	l->kind = arena_strdup(&a->h->mem, d->kind);
	l->reason = arena_strdup(&a->h->mem, d->reason ? d->reason : "");
	l->money = d->has_amount;
	l->amount = d->has_amount ? d->amount : dec_zero();
	if (!l->kind || !l->reason)
		return INC_ERROR;
	if (d->has_amount && dec_add(&a->total, a->total, d->amount) != DEC_OK)
		return INC_EARITH;
	return 0;
}

static const char *att_text(inc_handbook *h, dec att)
{
	dec x;
	(void)dec_mul(&x, att, dec_from_int(100));
	return arena_printf(&h->mem, "%s%%", plain(h, x));
}

static int examples(inc_handbook *h, const profile *pf, char **err)
{
	const inc_policy *p = h->p;
	date_t day = profile_date(pf, p);
	const policy_version *v = policy_version_at(p, day);
	size_t ne = pf->n_examples;
	ex_acc *acc = calloc(ne ? ne : 1, sizeof *acc);
	dec sales = dec_zero(), target = dec_zero();
	const char *cur = "";
	int minor = 2, rc = 0;
	char d1[11];

	if (!acc)
		return INC_ERROR;
	for (size_t i = 0; i < ne && rc == 0; i++) {
		acc[i].h = h;
		acc[i].total = dec_zero();
		rc = curve_run(p, pf, day, pf->examples[i], ex_emit, &acc[i], &sales, &target, &minor, &cur, err);
	}
	if (rc)
		goto done;
	date_format(d1, day);
	strbuf sb;
	sb_init(&sb);
	for (size_t k = 0; k < pf->n_fields; k++)
		sb_printf(&sb, "%s%s %s", k ? ", " : "", pf->keys[k], pf->vals[k]);
	HEAD(h, 2, "example", "Worked example");
	PARA(h, "What the policy pays %s: level %s, a quota of %s %s for the %s%s%s. The sales are %u equal %s "
		"events (%s) on %s, under version %s. Every figure below is computed by the engine from "
		"these sales, exactly as in a real run.",
	     pf->name, pf->level, money(h, pf->quota, minor), cur, period_word(p->versions[0].period),
	     dec_sign(target) > 0 ? ", a target bonus of " : "",
	     dec_sign(target) > 0 ? arena_printf(&h->mem, "%s %s", money(h, target, minor), cur) : "", pf->deals,
	     pf->type, sb.oom ? "" : sb_cstr(&sb), d1, v ? v->label : "?");
	sb_finish(&sb);
	/* a summary: rule by rule, one column per attainment */
	size_t n_cols = 2 + ne;
	tbl *t = tbl_new(&h->mem, "example", "Payout by rule", "t:rule", "t:kind", NULL);
	if (!t) {
		rc = INC_ERROR;
		goto done;
	}
	const char **cols = arena_alloc(&h->mem, sizeof *cols * n_cols);
	char *types = arena_alloc(&h->mem, n_cols + 1);
	if (!cols || !types) {
		rc = INC_ERROR;
		goto done;
	}
	cols[0] = "rule";
	cols[1] = "kind";
	types[0] = types[1] = 't';
	for (size_t i = 0; i < ne; i++) {
		cols[2 + i] = arena_printf(&h->mem, "at %s of quota (%s)", att_text(h, pf->examples[i]), cur);
		types[2 + i] = 'm';
	}
	t->cols = cols;
	t->types = types;
	t->n_cols = n_cols;
	/* rows: (rule, kind) pairs in order of first appearance */
	for (size_t i = 0; i < ne; i++)
		for (size_t k = 0; k < acc[i].n; k++) {
			ex_line *l = &acc[i].lines[k];
			bool seen = false;
			for (size_t r = 0; r < t->n_rows && !seen; r++)
				seen = strcmp(t->cells[r * n_cols], l->rule) == 0 &&
				       strcmp(t->cells[r * n_cols + 1], l->kind) == 0;
			if (seen || !l->money)
				continue;
			tbl_row(t);
			tbl_cell_text(t, 0, l->rule);
			tbl_cell_text(t, 1, l->kind);
			for (size_t j = 0; j < ne; j++) {
				dec sum = dec_zero();
				for (size_t m = 0; m < acc[j].n; m++)
					if (acc[j].lines[m].money && strcmp(acc[j].lines[m].rule, l->rule) == 0 &&
					    strcmp(acc[j].lines[m].kind, l->kind) == 0)
						(void)dec_add(&sum, sum, acc[j].lines[m].amount);
				tbl_cell_money(t, 2 + j, sum, minor);
			}
		}
	tbl_row(t);
	tbl_cell_text(t, 0, "total");
	for (size_t j = 0; j < ne; j++)
		tbl_cell_money(t, 2 + j, acc[j].total, minor);
	table_block(h, t);
	for (size_t i = 0; i < ne; i++) {
		dec s;
		(void)dec_mul(&s, pf->quota, pf->examples[i]);
		HEAD(h, 3, NULL, "At %s of quota: sales of %s %s, pay %s %s", att_text(h, pf->examples[i]),
		     money(h, s, minor), cur, money(h, acc[i].total, minor), cur);
		if (acc[i].n == 0) {
			PARA(h, "Nothing is paid.");
			continue;
		}
		tbl *d = tbl_new(&h->mem, "lines", "Decisions", "t:rule", "t:kind", "m:amount", "t:why", NULL);
		for (size_t k = 0; d && k < acc[i].n; k++) {
			tbl_row(d);
			tbl_cell_text(d, 0, acc[i].lines[k].rule);
			tbl_cell_text(d, 1, acc[i].lines[k].kind);
			if (acc[i].lines[k].money)
				tbl_cell_money(d, 2, acc[i].lines[k].amount, minor);
			tbl_cell_text(d, 3, acc[i].lines[k].reason);
		}
		table_block(h, d);
	}

	/* the payout curve */
	HEAD(h, 2, "curve", "Payout curve");
	PARA(h, "Pay for the %s at every attainment from 0%% to %s of quota, for the same person.",
	     period_word(p->versions[0].period), att_text(h, pf->curve_to));
	tbl *c = tbl_new(&h->mem, "curve", "Payout curve", "p:attainment", "m:payout", NULL);
	if (!c) {
		rc = INC_ERROR;
		goto done;
	}
	c->cols[1] = arena_printf(&h->mem, "payout (%s)", cur);
	for (dec a = dec_zero(); rc == 0 && dec_cmp(a, pf->curve_to) <= 0;) {
		ex_acc one = {.h = h, .total = dec_zero()};
		rc = curve_run(p, pf, day, a, ex_emit, &one, &sales, &target, &minor, &cur, err);
		free(one.lines);
		if (rc)
			break;
		dec x;
		char b[72];
		(void)dec_mul(&x, a, dec_from_int(100));
		dec_format(b, sizeof b, x, 2, false);
		tbl_row(c);
		tbl_cell_text(c, 0, b);
		tbl_cell_money(c, 1, one.total, minor);
		if (dec_add(&a, a, pf->curve_step) != DEC_OK)
			rc = INC_EARITH;
	}
	if (rc == 0) {
		keep(h, c);
		inc_block *b = add(h, INC_BLOCK_CHART);
		if (b) {
			tbl_view(c, &b->table);
			b->text = arena_printf(&h->mem, "Payout curve: %s", pf->name);
			b->x_label = "attainment (% of quota)";
			b->y_label = arena_printf(&h->mem, "payout for the %s (%s)", period_word(p->versions[0].period), cur);
		}
	} else {
		tbl_free(c);
	}
done:
	for (size_t i = 0; i < ne; i++)
		free(acc[i].lines);
	free(acc);
	return rc;
}

/* ---- versions --------------------------------------------------------------- */

/* The text of a rule as the handbook shows it, to tell versions apart. */
static char *rule_fingerprint(inc_handbook *h, const policy_version *v, const rule *r)
{
	size_t mark = h->n, mark_t = h->n_tables;
	strbuf sb;
	char *out;

	one_rule(h, v, r, false);
	sb_init(&sb);
	for (size_t i = mark; i < h->n; i++) {
		const inc_block *b = &h->blocks[i];
		if (b->kind == INC_BLOCK_NOTE)
			continue; /* where it is written changes with the file */
		sb_printf(&sb, "%d:%s\n", (int)b->kind, b->text);
		for (size_t k = 0; k < b->table.n_rows * b->table.n_cols; k++)
			sb_printf(&sb, "%s|", b->table.cells[k]);
	}
	out = sb.oom ? NULL : strdup(sb_cstr(&sb));
	sb_finish(&sb);
	for (size_t i = mark_t; i < h->n_tables; i++)
		tbl_free(h->tables[i]);
	h->n = mark;
	h->n_tables = mark_t;
	return out;
}

static const rule *find_rule(const policy_version *v, const char *id)
{
	for (size_t i = 0; i < v->n_rules; i++)
		if (strcmp(v->rules[i].id, id) == 0)
			return &v->rules[i];
	return NULL;
}

static void changes_section(inc_handbook *h)
{
	const inc_policy *p = h->p;

	if (p->n_versions < 2)
		return;
	HEAD(h, 2, "changes", "Changes between versions");
	for (size_t vi = 1; vi < p->n_versions; vi++) {
		const policy_version *a = &p->versions[vi - 1], *b = &p->versions[vi];
		char d[11], until[11];
		size_t changed = 0;
		date_format(d, b->effective);
		date_format(until, b->effective - 1);
		HEAD(h, 3, NULL, "Version %s, from %s", b->label, d);
		for (size_t i = 0; i < b->n_rules; i++) {
			const rule *rb = &b->rules[i], *ra = find_rule(a, rb->id);
			if (!ra) {
				ITEM(h, "New rule %s (%s).", rb->id, kind_title(rb->kind));
				changed++;
				continue;
			}
			char *fa = rule_fingerprint(h, a, ra), *fb = rule_fingerprint(h, b, rb);
			if (!fa || !fb || strcmp(fa, fb) != 0) {
				ITEM(h, "Rule %s changed. Until %s it read:", rb->id, until);
				one_rule(h, a, ra, false);
				changed++;
			}
			free(fa);
			free(fb);
		}
		for (size_t i = 0; i < a->n_rules; i++)
			if (!find_rule(b, a->rules[i].id)) {
				ITEM(h, "Rule %s no longer applies.", a->rules[i].id);
				changed++;
			}
		if (!changed)
			PARA(h, "The rules are the same as in version %s.", a->label);
	}
}

/* ---- the handbook -------------------------------------------------------------- */

static int build(inc_handbook *h, const profile *pf, const char *pf_problem, char **err)
{
	const inc_policy *p = h->p;
	const policy_version *v = &p->versions[p->n_versions - 1];
	int minor = version_minor(v);
	char d[11];
	int rc = 0;

	h->title = v->title ? v->title : v->policy_name;
	PARA(h, "This handbook publishes the reward standards of the %s policy (seed policy section 5.2). It is "
		"generated from the very files that compute pay, so it always says what the computer pays.",
	     v->policy_name);
	NOTE(h, "Policy %s, sha256 %s.", p->root, p->hash);

	HEAD(h, 2, "versions", "Versions and effective dates");
	PARA(h, "A sale is judged by the version in force on its date; rules that run at the end of a %s by the "
		"version in force on its last day (seed section 8).",
	     period_word(v->period));
	tbl *t = tbl_new(&h->mem, "versions", "Versions", "t:version", "t:in force from", "t:until", "t:file",
			 "n:rules", NULL);
	for (size_t i = 0; t && i < p->n_versions; i++) {
		const policy_version *x = &p->versions[i];
		tbl_row(t);
		tbl_cell_text(t, 0, x->label);
		date_format(d, x->effective);
		tbl_cell_text(t, 1, d);
		if (i + 1 < p->n_versions) {
			date_format(d, p->versions[i + 1].effective - 1);
			tbl_cell_text(t, 2, d);
		} else {
			tbl_cell_text(t, 2, "further notice");
		}
		tbl_cell_text(t, 3, x->file);
		tbl_cell(t, 4, "%zu", x->n_rules);
	}
	table_block(h, t);

	HEAD(h, 2, "basics", "How pay is worked out");
	date_format(d, v->effective);
	ITEM(h, "Pay is worked out per calendar %s: sales credited, attainment and caps start again at zero at "
		"the start of each %s.",
	     period_word(v->period), period_word(v->period));
	ITEM(h, "Attainment is the sales credited to you in the %s divided by your quota for it, compared exactly "
		"(99.996%% is not 100%%).",
	     period_word(v->period));
	ITEM(h, "Money is in %s with %d decimal%s unless your contract says another currency. Each payment line is "
		"computed exactly and rounded once, %s.",
	     v->currency, minor, minor == 1 ? "" : "s",
	     v->rounding == DEC_HALF_EVEN ? "halves to the even cent" : "halves away from zero, so a refund exactly reverses its sale");
	if (v->n_levels) {
		HEAD(h, 2, "ladder", "Career ladder");
		bool tb = false;
		for (size_t i = 0; i < v->n_levels; i++)
			tb = tb || v->levels[i].has_target_bonus;
		tbl *l = tb ? tbl_new(&h->mem, "ladder", "Levels", "t:level", "t:title", "m:target bonus", NULL)
			    : tbl_new(&h->mem, "ladder", "Levels", "t:level", "t:title", NULL);
		for (size_t i = 0; l && i < v->n_levels; i++) {
			tbl_row(l);
			tbl_cell_text(l, 0, v->levels[i].id);
			tbl_cell_text(l, 1, v->levels[i].title ? v->levels[i].title : "");
			if (tb && v->levels[i].has_target_bonus)
				tbl_cell_money(l, 2, v->levels[i].target_bonus, minor);
		}
		table_block(h, l);
		NOTE(h, "Lowest level first. Target bonuses in %s for a %s.", v->currency, period_word(v->period));
	}

	HEAD(h, 2, "rules", "The rules");
	PARA(h, "As in force from %s (version %s).", d, v->label);
	for (size_t i = 0; i < v->n_rules; i++)
		one_rule(h, v, &v->rules[i], true);

	discipline_section(h, v);
	careers_section(h, v);

	if (pf) {
		rc = examples(h, pf, err);
		if (rc)
			return rc;
	} else {
		HEAD(h, 2, "example", "Worked example");
		PARA(h, "%s", pf_problem);
	}
	changes_section(h);
	return h->oom ? INC_ERROR : 0;
}

int inc_handbook_create(inc_handbook **out, const inc_policy *policy,
			const inc_handbook_options *opts, inc_diag_fn diag,
			void *ud, char **errmsg_out)
{
	inc_handbook *h = calloc(1, sizeof *h);
	profile *pf = NULL;
	const char *problem = NULL;
	char path[4096], *err = NULL;
	int rc = 0;

	if (!h)
		return INC_ERROR;
	arena_init(&h->mem);
	h->p = policy;
	if (opts && opts->profile) {
		rc = profile_load(&pf, opts->profile, diag, ud, &err);
	} else {
		if (profile_default_path(policy, path, sizeof path))
			rc = profile_load(&pf, path, diag, ud, &err);
		else
			problem = "There is no worked example: the policy has no person profile. Write one in "
				  "examples/profile.yaml beside the policy files (docs/simulate.md, \"Person profiles\").";
	}
	if (rc == 0)
		rc = build(h, pf, problem, &err);
	profile_destroy(pf);
	if (rc) {
		if (errmsg_out)
			*errmsg_out = err ? err : strdup(rc == INC_EINPUT ? "the profile has errors" : "out of memory");
		else
			free(err);
		inc_handbook_destroy(h);
		return rc;
	}
	free(err);
	*out = h;
	return 0;
}

void inc_handbook_destroy(inc_handbook *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_tables; i++)
		tbl_free(h->tables[i]);
	free(h->tables);
	free(h->blocks);
	arena_finish(&h->mem);
	free(h);
}

const char *inc_handbook_title(const inc_handbook *h)
{
	return h->title ? h->title : "";
}

int inc_handbook_block(const inc_handbook *h, size_t i, inc_block *out)
{
	if (i >= h->n)
		return INC_ENOTFOUND;
	*out = h->blocks[i];
	return 0;
}
