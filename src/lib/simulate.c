/*
 * simulate.c: the public simulation API (include/incentive.h, inc_sim_*):
 * prices one policy, or compares two, over the same inputs without
 * recording anything.
 *
 * Stages: each side (policy A, policy B, or the inputs as they are against
 * the scenario) reads and validates the inputs into memory (evstore) ->
 * the scenario changes them (scenario.c) -> one evaluation per side feeds
 * the aggregates (cost per currency, team, rule and kind, pay per person,
 * tiers reached) -> Monte Carlo trials run the evaluator again on worker
 * threads with each person's sales multiplied by a drawn factor -> payout
 * curves of a person profile (curve.c) -> result tables (tbl.c).
 *
 * Every figure is an exact decimal; trials write their results into slots
 * indexed by trial number, and the draws depend only on (seed, trial,
 * person), so the tables are the same whatever the number of threads.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curve.h"
#include "fx.h"
#include "prng.h"
#include "scenario.h"
#include "tbl.h"
#include "audit_sim.h"

#define MAX_SIDES 2
#define MAX_CUR 64
#define ABSENT INT64_MIN

/* One person of either side's roster, by id. */
typedef struct uperson {
	const char *id, *name, *team, *level, *currency;
	int minor;
	int cur;
	bool in[MAX_SIDES];
	dec pay[MAX_SIDES];
	dec credited[MAX_SIDES];
	bool has_quota[MAX_SIDES];
	dec quota[MAX_SIDES];
} uperson;

/* A row of a sum table: (key, currency) -> count and sum per side. */
typedef struct srow {
	const char *key;
	int cur;
	uint64_t n[MAX_SIDES];
	dec sum[MAX_SIDES];
	dec credited[MAX_SIDES];
	uint64_t people;
} srow;

typedef struct sumtab {
	strmap ix;
	srow *rows;
	size_t n, cap;
} sumtab;

/* Tier items of a policy: "rule\x1fstep" -> label and people per side. */
typedef struct titem {
	const char *rule, *step;
	const char *label[MAX_SIDES];
	uint64_t people[MAX_SIDES];
} titem;

typedef struct side side;

typedef struct diag_ctx {
	struct inc_sim *s;
	int side;
} diag_ctx;

struct side {
	const inc_policy *p;
	bool scenario;		/* the scenario applies to this side */
	roster ro;
	input_ctx ictx;
	inc_run_stats stats;
	evstore ev;
	fx_rates *rates;	/* --rates, or NULL */
	uint32_t *uix;		/* roster person -> uperson */
	diag_ctx dctx;
	strmap tier_max;	/* "rule\x1fperiod\x1fperson" -> index in tmax */
	uint32_t *tmax;
	const char **tmax_rule;
	size_t n_tmax, cap_tmax;
	/* Monte Carlo */
	int64_t *mc_pay;	/* trials x n_up, minor units; ABSENT */
	dec *mc_total;		/* trials x n_cur */
};

struct inc_sim {
	const inc_policy *pol[MAX_SIDES];
	int n_sides;
	bool baseline_mode;
	inc_sim_options opts;
	inc_diag_fn diag;
	void *ud;
	scenario *sc;
	profile *pf;
	bool pf_given;
	char *errmsg;
	bool executed;
	char **people_paths, **quota_paths, **event_paths, **rate_paths;
	size_t n_people_paths, n_quota_paths, n_event_paths, n_rate_paths;
	side sides[MAX_SIDES];
	strmap seen_diags;

	arena mem;
	strmap uid;
	uperson *up;
	size_t n_up, cap_up;
	const char *cur_code[MAX_CUR];
	int cur_minor[MAX_CUR];
	int n_cur;
	dec credited_cur[MAX_SIDES][MAX_CUR];
	dec cost_cur[MAX_SIDES][MAX_CUR];
	sumtab teams, rules, kinds;
	titem *titems;
	size_t n_titems, cap_titems;
	strmap tix;

	/* Monte Carlo */
	uint64_t trials;
	uint64_t seed;
	uint64_t *streams;	/* stream keys */
	const char **stream_names;
	size_t n_streams;
	int64_t *draws;		/* trials x n_streams, micro units */

	tbl **tables;
	size_t n_tables;
	inc_sim_info info;
};

/* ---- small helpers ------------------------------------------------------ */

static int set_err(inc_sim *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int set_err(inc_sim *s, int rc, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	free(s->errmsg);
	s->errmsg = strdup(sb.oom ? "out of memory" : sb_cstr(&sb));
	sb_finish(&sb);
	return rc;
}

static int take_err(inc_sim *s, int rc, char **err, const char *fallback)
{
	if (err && *err) {
		free(s->errmsg);
		s->errmsg = *err;
		*err = NULL;
	} else if (!s->errmsg) {
		s->errmsg = strdup(fallback);
	}
	return rc;
}

static const char *fmt_money(char *b, size_t cap, dec d, int minor)
{
	dec_format(b, cap, d, minor, true);
	return b;
}

static bool push_path(char ***v, size_t *n, const char *path)
{
	char **p = realloc(*v, sizeof *p * (*n + 1));
	if (!p)
		return false;
	*v = p;
	if (!(p[*n] = strdup(path)))
		return false;
	(*n)++;
	return true;
}

static srow *sum_get(inc_sim *s, sumtab *t, const char *key, int cur)
{
	char k[512];
	uint32_t ix;
	int n = snprintf(k, sizeof k, "%s\x1f%d", key, cur);

	if (n < 0 || (size_t)n >= sizeof k)
		n = (int)sizeof k - 1;
	if (strmap_get(&t->ix, k, (size_t)n, &ix))
		return &t->rows[ix];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		srow *r = realloc(t->rows, cap * sizeof *r);
		if (!r)
			return NULL;
		t->rows = r;
		t->cap = cap;
	}
	srow *r = &t->rows[t->n];
	memset(r, 0, sizeof *r);
	r->key = arena_strdup(&s->mem, key);
	r->cur = cur;
	if (!r->key || strmap_put(&t->ix, k, (size_t)n, (uint32_t)t->n, NULL) < 0)
		return NULL;
	t->n++;
	return r;
}

static void sum_finish(sumtab *t)
{
	strmap_finish(&t->ix);
	free(t->rows);
}

static int cur_index(inc_sim *s, const char *code, int minor)
{
	for (int i = 0; i < s->n_cur; i++)
		if (strcmp(s->cur_code[i], code) == 0)
			return i;
	if (s->n_cur == MAX_CUR)
		return -1;
	s->cur_code[s->n_cur] = code;
	s->cur_minor[s->n_cur] = minor;
	return s->n_cur++;
}

/* Diagnostics: side 0 reports everything; side 1 only what side 0 did
 * not (the same files are read twice), saying which policy it concerns. */
static void side_diag(void *ud, const inc_diag *d)
{
	diag_ctx *c = ud;
	inc_sim *s = c->s;
	char key[1024];
	int n;

	if (!s->diag)
		return;
	n = snprintf(key, sizeof key, "%s:%u:%s", d->file ? d->file : "", d->line,
		     d->message ? d->message : "");
	if (n < 0 || (size_t)n >= sizeof key)
		n = (int)sizeof key - 1;
	if (c->side == 0) {
		(void)strmap_put(&s->seen_diags, key, (size_t)n, 0, NULL);
		s->diag(s->ud, d);
		return;
	}
	if (strmap_get(&s->seen_diags, key, (size_t)n, &(uint32_t){0}))
		return;
	(void)strmap_put(&s->seen_diags, key, (size_t)n, 0, NULL);
	if (s->baseline_mode) {
		s->diag(s->ud, d);
		return;
	}
	inc_diag copy = *d;
	strbuf sb;
	sb_init(&sb);
	sb_printf(&sb, "under policy B (%s): %s", s->pol[1]->root, d->message ? d->message : "");
	copy.message = sb.oom ? d->message : sb_cstr(&sb);
	s->diag(s->ud, &copy);
	sb_finish(&sb);
}

/* ---- lifetime and inputs -------------------------------------------------- */

int inc_sim_create(inc_sim **out, const inc_policy *a, const inc_policy *b,
		   const inc_sim_options *opts, inc_diag_fn diag, void *ud)
{
	inc_sim *s = calloc(1, sizeof *s);
	char *err = NULL;
	int rc = 0;

	if (!s)
		return INC_ERROR;
	*out = s;
	arena_init(&s->mem);
	strmap_init(&s->uid);
	strmap_init(&s->tix);
	strmap_init(&s->seen_diags);
	strmap_init(&s->teams.ix);
	strmap_init(&s->rules.ix);
	strmap_init(&s->kinds.ix);
	if (opts)
		s->opts = *opts;
	s->diag = diag;
	s->ud = ud;
	s->pol[0] = a;
	s->pol[1] = b;
	for (int i = 0; i < MAX_SIDES; i++) {
		roster_init(&s->sides[i].ro);
		evstore_init(&s->sides[i].ev);
		strmap_init(&s->sides[i].tier_max);
		s->sides[i].dctx.s = s;
		s->sides[i].dctx.side = i;
	}
	if (s->opts.scenario) {
		rc = scenario_load(&s->sc, s->opts.scenario, diag, ud, &err);
		if (rc)
			return take_err(s, rc, &err, "the scenario has errors");
	}
	if (s->opts.profile) {
		rc = profile_load(&s->pf, s->opts.profile, diag, ud, &err);
		if (rc)
			return take_err(s, rc, &err, "the profile has errors");
		s->pf_given = true;
	}
	s->n_sides = 1;
	if (b) {
		s->n_sides = 2;
	} else if (s->sc && s->sc->n_steps > 0) {
		s->n_sides = 2;
		s->baseline_mode = true;
		s->pol[1] = a;
	}
	for (int i = 0; i < s->n_sides; i++) {
		side *sd = &s->sides[i];
		sd->p = s->pol[i];
		sd->scenario = s->sc && (!s->baseline_mode || i == 1);
		sd->ictx.policy = sd->p;
		sd->ictx.diag = side_diag;
		sd->ictx.ud = &sd->dctx;
		sd->ictx.stats = &sd->stats;
	}
	s->info.label_a = s->n_sides == 1 ? "" : s->baseline_mode ? "baseline" : "A";
	s->info.label_b = s->n_sides == 1 ? "" : s->baseline_mode ? "scenario" : "B";
	s->info.compared = s->n_sides == 2;
	s->info.scenario = s->sc ? s->sc->name : "";
	return 0;
}

void inc_sim_destroy(inc_sim *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_SIDES; i++) {
		side *sd = &s->sides[i];
		roster_finish(&sd->ro);
		evstore_finish(&sd->ev);
		free(sd->ictx.errmsg);
		fx_destroy(sd->rates);
		free(sd->uix);
		strmap_finish(&sd->tier_max);
		free(sd->tmax);
		free(sd->tmax_rule);
		free(sd->mc_pay);
		free(sd->mc_total);
	}
	for (size_t i = 0; i < s->n_tables; i++)
		tbl_free(s->tables[i]);
	free(s->tables);
	for (size_t i = 0; i < s->n_people_paths; i++)
		free(s->people_paths[i]);
	for (size_t i = 0; i < s->n_quota_paths; i++)
		free(s->quota_paths[i]);
	for (size_t i = 0; i < s->n_event_paths; i++)
		free(s->event_paths[i]);
	for (size_t i = 0; i < s->n_rate_paths; i++)
		free(s->rate_paths[i]);
	free(s->rate_paths);
	free(s->people_paths);
	free(s->quota_paths);
	free(s->event_paths);
	scenario_destroy(s->sc);
	profile_destroy(s->pf);
	strmap_finish(&s->uid);
	strmap_finish(&s->tix);
	strmap_finish(&s->seen_diags);
	sum_finish(&s->teams);
	sum_finish(&s->rules);
	sum_finish(&s->kinds);
	free(s->up);
	free(s->titems);
	free(s->streams);
	free(s->stream_names);
	free(s->draws);
	free(s->errmsg);
	arena_finish(&s->mem);
	free(s);
}

int inc_sim_add_people(inc_sim *s, const char *path)
{
	return push_path(&s->people_paths, &s->n_people_paths, path) ? 0 : INC_ERROR;
}

int inc_sim_add_quotas(inc_sim *s, const char *path)
{
	return push_path(&s->quota_paths, &s->n_quota_paths, path) ? 0 : INC_ERROR;
}

int inc_sim_add_events(inc_sim *s, const char *path)
{
	return push_path(&s->event_paths, &s->n_event_paths, path) ? 0 : INC_ERROR;
}

int inc_sim_add_rates(inc_sim *s, const char *path)
{
	return push_path(&s->rate_paths, &s->n_rate_paths, path) ? 0 : INC_ERROR;
}

static int load_side(inc_sim *s, side *sd)
{
	int rc = 0;

	if (s->n_rate_paths && fx_create(&sd->rates) != 0)
		return set_err(s, INC_ERROR, "out of memory");
	for (size_t i = 0; rc == 0 && i < s->n_rate_paths; i++)
		rc = fx_load(sd->rates, &sd->ictx, s->rate_paths[i], &sd->stats.rates,
			     &sd->stats.rates_rejected);

	for (size_t i = 0; rc == 0 && i < s->n_people_paths; i++)
		rc = roster_load_people(&sd->ro, &sd->ictx, s->people_paths[i]);
	for (size_t i = 0; rc == 0 && i < s->n_quota_paths; i++)
		rc = roster_load_quotas(&sd->ro, &sd->ictx, s->quota_paths[i]);
	if (rc == 0)
		rc = evstore_load(&sd->ev, &sd->ictx, &sd->ro,
				  (const char *const *)s->event_paths, s->n_event_paths);
	if (rc)
		return take_err(s, rc, &sd->ictx.errmsg, "cannot read the inputs");
	return 0;
}

static int cmp_up_order(const void *a, const void *b, void *arg)
{
	const uperson *up = arg;
	return strcmp(up[*(const uint32_t *)a].id, up[*(const uint32_t *)b].id);
}

/* Maps every person of every side onto the union by id. */
static int unite_people(inc_sim *s)
{
	for (int i = 0; i < s->n_sides; i++) {
		side *sd = &s->sides[i];
		sd->uix = calloc(sd->ro.n_people ? sd->ro.n_people : 1, sizeof *sd->uix);
		if (!sd->uix)
			return INC_ERROR;
		for (size_t k = 0; k < sd->ro.n_people; k++) {
			const person *pe = &sd->ro.people[k];
			uint32_t ix;
			if (!strmap_get(&s->uid, pe->id, strlen(pe->id), &ix)) {
				if (s->n_up == s->cap_up) {
					size_t cap = s->cap_up ? s->cap_up * 2 : 64;
					uperson *u = realloc(s->up, cap * sizeof *u);
					if (!u)
						return INC_ERROR;
					s->up = u;
					s->cap_up = cap;
				}
				ix = (uint32_t)s->n_up;
				uperson *u = &s->up[ix];
				memset(u, 0, sizeof *u);
				u->id = pe->id;
				u->name = pe->name;
				u->team = pe->team;
				u->level = pe->level;
				u->currency = pe->currency;
				u->minor = pe->minor;
				u->cur = cur_index(s, pe->currency, pe->minor);
				if (u->cur < 0)
					return set_err(s, INC_EINPUT, "more than %d currencies", MAX_CUR);
				if (strmap_put(&s->uid, pe->id, strlen(pe->id), ix, NULL) < 0)
					return INC_ERROR;
				s->n_up++;
			}
			sd->uix[k] = ix;
			s->up[ix].in[i] = true;
		}
	}
	/* people sorted by id: every table's order is independent of the
	 * order of the input files */
	uint32_t *order = malloc(sizeof *order * (s->n_up ? s->n_up : 1));
	uint32_t *inv = malloc(sizeof *inv * (s->n_up ? s->n_up : 1));
	uperson *nu = malloc(sizeof *nu * (s->n_up ? s->n_up : 1));
	if (!order || !inv || !nu) {
		free(order);
		free(inv);
		free(nu);
		return INC_ERROR;
	}
	for (size_t i = 0; i < s->n_up; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, s->n_up, sizeof *order, cmp_up_order, s->up);
	for (size_t j = 0; j < s->n_up; j++) {
		nu[j] = s->up[order[j]];
		inv[order[j]] = (uint32_t)j;
	}
	for (int i = 0; i < s->n_sides; i++)
		for (size_t k = 0; k < s->sides[i].ro.n_people; k++)
			s->sides[i].uix[k] = inv[s->sides[i].uix[k]];
	free(s->up);
	s->up = nu;
	s->cap_up = s->n_up;
	free(order);
	free(inv);
	return 0;
}

/* ---- credited revenue --------------------------------------------------- */

static const rule *clawback_rule(const event *ev, int *ref_field)
{
	const policy_version *v = ev->version;

	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind == RULE_CLAWBACK && r->on_type >= 0 && &v->types[r->on_type] == ev->type) {
			*ref_field = r->ref_field;
			return r;
		}
	}
	return NULL;
}

/* ---- tiers ---------------------------------------------------------------- */

static const char *detail_get(const char *detail, const char *key, char *buf, size_t cap)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	if (!detail || !(p = strstr(detail, pat)))
		return NULL;
	p += strlen(pat);
	while (p[n] && p[n] != '"' && n + 1 < cap) {
		buf[n] = p[n];
		n++;
	}
	buf[n] = '\0';
	return buf;
}

static titem *titem_get(inc_sim *s, const char *rule_id, const char *step)
{
	char k[300];
	uint32_t ix;
	int n = snprintf(k, sizeof k, "%s\x1f%s", rule_id, step);

	if (n < 0 || (size_t)n >= sizeof k)
		return NULL;
	if (strmap_get(&s->tix, k, (size_t)n, &ix))
		return &s->titems[ix];
	if (s->n_titems == s->cap_titems) {
		size_t cap = s->cap_titems ? s->cap_titems * 2 : 32;
		titem *t = realloc(s->titems, cap * sizeof *t);
		if (!t)
			return NULL;
		s->titems = t;
		s->cap_titems = cap;
	}
	titem *t = &s->titems[s->n_titems];
	memset(t, 0, sizeof *t);
	t->rule = arena_strdup(&s->mem, rule_id);
	t->step = arena_strdup(&s->mem, step);
	if (!t->rule || !t->step || strmap_put(&s->tix, k, (size_t)n, (uint32_t)s->n_titems, NULL) < 0)
		return NULL;
	s->n_titems++;
	return t;
}

static void pct_text(char *b, size_t cap, dec fraction)
{
	dec_format_percent(b, cap, fraction);
}

/* The tier items of each side's policy: the latest version that has the
 * rule describes it. */
static int tier_catalog(inc_sim *s, int si)
{
	const inc_policy *p = s->pol[si];
	strmap seen;
	char b1[64], b2[64], b3[64];
	strbuf sb;
	int rc = 0;

	strmap_init(&seen);
	sb_init(&sb);
	for (size_t vi = p->n_versions; vi-- > 0 && rc == 0;) {
		const policy_version *v = &p->versions[vi];
		for (size_t i = 0; i < v->n_rules && rc == 0; i++) {
			const rule *r = &v->rules[i];
			if (strmap_put(&seen, r->id, strlen(r->id), 0, NULL) != 1)
				continue;
			int minor = currency_minor_unit(v, v->currency, strlen(v->currency));
			if (minor < 0)
				minor = 2;
			if (r->kind == RULE_COMMISSION && r->tiers) {
				const tier_spec *t = r->tiers;
				for (size_t b = 0; b < t->n_bands; b++) {
					const tier_band *tb = &t->bands[b];
					sb_reset(&sb);
					if (b == 0 && tb->has_upto)
						sb_puts(&sb, "up to ");
					else if (b > 0)
						sb_puts(&sb, "above ");
					dec lower = b > 0 ? t->bands[b - 1].upto : dec_zero();
					if (t->basis == TIER_ATTAINMENT) {
						if (b > 0) {
							pct_text(b1, sizeof b1, lower);
							sb_printf(&sb, "%s", b1);
						}
						if (tb->has_upto) {
							pct_text(b2, sizeof b2, tb->upto);
							sb_printf(&sb, "%s%s", b > 0 ? " up to " : "", b2);
						}
						sb_puts(&sb, " of quota");
					} else {
						if (b > 0)
							sb_printf(&sb, "%s", fmt_money(b1, sizeof b1, lower, minor));
						if (tb->has_upto)
							sb_printf(&sb, "%s%s", b > 0 ? " up to " : "",
								  fmt_money(b2, sizeof b2, tb->upto, minor));
					}
					if (tb->is_rate) {
						pct_text(b3, sizeof b3, tb->value);
						sb_printf(&sb, ": rate %s", b3);
					} else {
						dec_format(b3, sizeof b3, dec_normalize(tb->value), 0, false);
						sb_printf(&sb, ": x%s", b3);
					}
					snprintf(b1, sizeof b1, "tier %zu", b + 1);
					titem *ti = titem_get(s, r->id, b1);
					if (!ti || sb.oom || !(ti->label[si] = arena_strdup(&s->mem, sb_cstr(&sb))))
						rc = INC_ERROR;
				}
			}
			if (r->kind == RULE_COMMISSION && r->has_threshold) {
				pct_text(b1, sizeof b1, r->threshold);
				titem *ti = titem_get(s, r->id, "threshold");
				if (!ti || !(ti->label[si] = arena_printf(&s->mem, "below %s of quota: withheld", b1)))
					rc = INC_ERROR;
			}
			if (r->kind == RULE_BONUS) {
				for (size_t b = 0; b < r->n_bands; b++) {
					pct_text(b1, sizeof b1, r->bands[b].from);
					pct_text(b2, sizeof b2, r->bands[b].pay);
					snprintf(b3, sizeof b3, "band %zu", b + 1);
					titem *ti = titem_get(s, r->id, b3);
					if (!ti || !(ti->label[si] = arena_printf(&s->mem, "from %s of quota: %s of target", b1, b2)))
						rc = INC_ERROR;
				}
			}
			if (r->kind == RULE_CAP || (r->kind == RULE_SPIFF && r->has_cap)) {
				titem *ti = titem_get(s, r->id, "cap");
				fmt_money(b1, sizeof b1, r->kind == RULE_CAP ? r->max : r->cap, minor);
				if (!ti || !(ti->label[si] = arena_printf(&s->mem, "above %s per period: withheld", b1)))
					rc = INC_ERROR;
			}
		}
	}
	sb_finish(&sb);
	strmap_finish(&seen);
	return rc;
}

static int tier_note(inc_sim *s, int si, const eval_decision *d, uint32_t ux)
{
	side *sd = &s->sides[si];
	char buf[128], key[300];
	const rule *r = d->rule;
	titem *ti = NULL;

	if (!r)
		return 0;
	if (strcmp(d->kind, "threshold_withheld") == 0) {
		ti = titem_get(s, r->id, "threshold");
	} else if (strcmp(d->kind, "cap_withheld") == 0) {
		int n = snprintf(key, sizeof key, "%s\x1f%d\x1f%u\x1f" "cap", r->id, d->period, ux);
		if (strmap_put(&sd->tier_max, key, (size_t)n, 0, NULL) != 1)
			return 0; /* counted for this person and period */
		ti = titem_get(s, r->id, "cap");
	} else if (r->kind == RULE_BONUS && detail_get(d->detail, "band_from", buf, sizeof buf)) {
		dec from;
		if (dec_parse(&from, buf, strlen(buf), false) != DEC_OK)
			return 0;
		for (size_t b = 0; b < r->n_bands; b++)
			if (dec_cmp(r->bands[b].from, from) == 0) {
				snprintf(buf, sizeof buf, "band %zu", b + 1);
				ti = titem_get(s, r->id, buf);
				break;
			}
	} else if (r->kind == RULE_COMMISSION && detail_get(d->detail, "tiers", buf, sizeof buf)) {
		uint32_t max = 0, ix;
		for (char *p = buf; *p;) {
			uint32_t v = (uint32_t)strtoul(p, &p, 10);
			if (v > max)
				max = v;
			if (*p == ',')
				p++;
			else if (*p)
				break;
		}
		int n = snprintf(key, sizeof key, "%s\x1f%d\x1f%u", r->id, d->period, ux);
		if (strmap_get(&sd->tier_max, key, (size_t)n, &ix)) {
			if (max > sd->tmax[ix])
				sd->tmax[ix] = max;
			return 0;
		}
		if (sd->n_tmax == sd->cap_tmax) {
			size_t cap = sd->cap_tmax ? sd->cap_tmax * 2 : 64;
			uint32_t *t = realloc(sd->tmax, cap * sizeof *t);
			if (!t)
				return INC_ERROR;
			sd->tmax = t;
			const char **rr = realloc(sd->tmax_rule, cap * sizeof *rr);
			if (!rr)
				return INC_ERROR;
			sd->tmax_rule = rr;
			sd->cap_tmax = cap;
		}
		sd->tmax[sd->n_tmax] = max;
		sd->tmax_rule[sd->n_tmax] = r->id;
		if (strmap_put(&sd->tier_max, key, (size_t)n, (uint32_t)sd->n_tmax, NULL) < 0)
			return INC_ERROR;
		sd->n_tmax++;
		return 0;
	} else {
		return 0;
	}
	if (ti)
		ti->people[si]++;
	return 0;
}

static int tier_count(inc_sim *s, int si)
{
	side *sd = &s->sides[si];
	char step[32];

	for (size_t i = 0; i < sd->n_tmax; i++)
		for (uint32_t b = 1; b <= sd->tmax[i]; b++) {
			snprintf(step, sizeof step, "tier %u", b);
			titem *ti = titem_get(s, sd->tmax_rule[i], step);
			if (!ti)
				return INC_ERROR;
			ti->people[si]++;
		}
	return 0;
}

/* ---- the base evaluation ---------------------------------------------- */

typedef struct base_ctx {
	inc_sim *s;
	int side;
	int rc;
} base_ctx;

static int base_emit(void *ud, const eval_decision *d)
{
	base_ctx *c = ud;
	inc_sim *s = c->s;
	side *sd = &s->sides[c->side];
	uint32_t ux = sd->uix[d->who->index];
	uperson *u = &s->up[ux];
	const char *rid = d->rule ? d->rule->id : "(no rule)";
	dec amt = d->has_amount ? d->amount : dec_zero();
	srow *r;

	if (d->has_amount) {
		if (dec_add(&u->pay[c->side], u->pay[c->side], amt) != DEC_OK ||
		    dec_add(&s->cost_cur[c->side][u->cur], s->cost_cur[c->side][u->cur], amt) != DEC_OK)
			return c->rc = INC_EARITH;
		if (!(r = sum_get(s, &s->teams, *u->team ? u->team : "(no team)", u->cur)) ||
		    dec_add(&r->sum[c->side], r->sum[c->side], amt) != DEC_OK)
			return c->rc = INC_ERROR;
		r->n[c->side]++;
	}
	if (!(r = sum_get(s, &s->rules, rid, d->has_amount ? u->cur : -1)) ||
	    dec_add(&r->sum[c->side], r->sum[c->side], amt) != DEC_OK)
		return c->rc = INC_ERROR;
	r->n[c->side]++;
	if (!(r = sum_get(s, &s->kinds, d->kind, d->has_amount ? u->cur : -1)) ||
	    dec_add(&r->sum[c->side], r->sum[c->side], amt) != DEC_OK)
		return c->rc = INC_ERROR;
	r->n[c->side]++;
	if (tier_note(s, c->side, d, ux) != 0)
		return c->rc = INC_ERROR;
	return 0;
}

/* The engine's own figures at each period end: credited (converted,
 * refunds deducted) and quota. */
static int base_totals(void *ud, const eval_totals *t)
{
	base_ctx *c = ud;
	side *sd = &c->s->sides[c->side];
	uperson *u = &c->s->up[sd->uix[t->who->index]];

	if (dec_add(&u->credited[c->side], u->credited[c->side], t->credited) != DEC_OK)
		return c->rc = INC_EARITH;
	if (t->has_quota) {
		u->has_quota[c->side] = true;
		if (dec_add(&u->quota[c->side], u->quota[c->side], t->quota) != DEC_OK)
			return c->rc = INC_EARITH;
	}
	return 0;
}

static int evaluate_side(inc_sim *s, int si)
{
	side *sd = &s->sides[si];
	base_ctx c = {.s = s, .side = si};
	char *err = NULL;
	int rc;

	eval_config cfg = {
		.policy = sd->p,
		.roster = &sd->ro,
		.emit = base_emit,
		.emit_ud = &c,
		.diag = side_diag,
		.diag_ud = &sd->dctx,
		.stats = &sd->stats,
		.rates = sd->rates,
		.totals = base_totals,
		.totals_ud = &c,
	};
	rc = evstore_eval(&cfg, sd->ev.ev, sd->ev.n, &err);
	if (rc)
		return take_err(s, c.rc ? c.rc : rc, &err, "the evaluation failed");
	return tier_count(s, si);
}

/* ---- Monte Carlo ---------------------------------------------------------- */

typedef struct mc_slot {
	size_t ev;
	uint32_t field;
	uint32_t stream;
	int minor;
	dec_rounding mode;
} mc_slot;

typedef struct mc_job {
	inc_sim *s;
	int side;
	mc_slot *slots;
	size_t n_slots;
	atomic_uint_fast64_t next;
	atomic_int failed;
	atomic_uint running;	/* workers not finished yet */
	pthread_mutex_t lock;
	int rc;
	char *err;
} mc_job;

typedef struct mc_acc {
	dec *pay; /* per roster person */
} mc_acc;

static int mc_emit(void *ud, const eval_decision *d)
{
	mc_acc *a = ud;

	if (d->has_amount &&
	    dec_add(&a->pay[d->who->index], a->pay[d->who->index], d->amount) != DEC_OK)
		return INC_EARITH;
	return 0;
}

static bool is_target(const inc_sim *s, const event *ev, int fi)
{
	const mc_spec *m = &s->sc->mc;
	const char *tn = ev->type->name, *fn = ev->type->fields[fi].name;

	if (m->n_targets == 0)
		return ev->type->credit_field == fi;
	for (size_t i = 0; i < m->n_targets; i++) {
		const char *dot = strchr(m->targets[i], '.');
		if (dot && (size_t)(dot - m->targets[i]) == strlen(tn) &&
		    memcmp(m->targets[i], tn, strlen(tn)) == 0 && strcmp(dot + 1, fn) == 0)
			return true;
	}
	return false;
}

static uint32_t stream_of(inc_sim *s, const person *pe, strmap *ix)
{
	const char *name = s->sc->mc.per_team ? pe->team : pe->id;
	uint32_t k;

	if (strmap_get(ix, name, strlen(name), &k))
		return k;
	k = (uint32_t)s->n_streams;
	uint64_t *st = realloc(s->streams, sizeof *st * (k + 1));
	if (!st)
		return UINT32_MAX;
	s->streams = st;
	const char **nm = realloc(s->stream_names, sizeof *nm * (k + 1));
	if (!nm)
		return UINT32_MAX;
	s->stream_names = nm;
	st[k] = prng_hash(name, strlen(name));
	nm[k] = name;
	if (strmap_put(ix, name, strlen(name), k, NULL) < 0)
		return UINT32_MAX;
	s->n_streams++;
	return k;
}

/* The money fields each trial scales, and the stream whose draw scales
 * them.  A refund that a clawback rule reverses follows its deal. */
static int mc_plan(inc_sim *s, int si, strmap *streams, mc_slot **out, size_t *n_out)
{
	side *sd = &s->sides[si];
	mc_slot *v = NULL;
	size_t n = 0, cap = 0;
	strmap deals; /* scaled deal id -> stream */
	int rc = 0;

	strmap_init(&deals);
	for (size_t i = 0; i < sd->ev.n && rc == 0; i++) {
		const event *ev = &sd->ev.ev[i];
		for (size_t f = 0; f < ev->type->n_fields; f++) {
			uint32_t stream = UINT32_MAX;
			const person *pe = &sd->ro.people[ev->person];
			int rf = -1;
			if (ev->type->fields[f].type != FT_MONEY || !ev->fields[f].present)
				continue;
			if (is_target(s, ev, (int)f)) {
				stream = stream_of(s, pe, streams);
				if (stream == UINT32_MAX ||
				    strmap_put(&deals, ev->id, ev->id_len, stream, NULL) < 0) {
					rc = INC_ERROR;
					break;
				}
			} else {
				const rule *r = clawback_rule(ev, &rf);
				if (!r || rf < 0 || r->amount_field != (int)f || !ev->fields[rf].present ||
				    !strmap_get(&deals, ev->fields[rf].v.u.str.s,
						ev->fields[rf].v.u.str.len, &stream))
					continue;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				mc_slot *nv = realloc(v, cap * sizeof *nv);
				if (!nv) {
					rc = INC_ERROR;
					break;
				}
				v = nv;
			}
			v[n].ev = i;
			v[n].field = (uint32_t)f;
			v[n].stream = stream;
			v[n].minor = event_money_minor(ev, &sd->ro);
			v[n].mode = ev->version->rounding;
			n++;
		}
	}
	strmap_finish(&deals);
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* The multiplier of a stream in a trial: the same for every side.  The
 * draw is made in double (a random sales multiplier, not money: prng.h
 * makes it bit-reproducible) and turned into an exact 6-decimal `dec`
 * before it scales anything; every amount is then worked out in decimal. */
static dec mc_draw(const inc_sim *s, uint64_t trial, size_t k, double mu, double sigma)
{
	const mc_spec *m = &s->sc->mc;
	prng g;
	double z, x, t;

	prng_seed(&g, s->seed, s->streams[k], trial);
	z = prng_normal(&g);
	if (m->dist == MC_NORMAL) {
		t = m->spread_d * z;
		x = m->mean_d + t;
	} else {
		t = sigma * z;
		t = mu + t;
		x = prng_exp(t);
	}
	return prng_to_dec6(x);
}

static void lognormal_params(const mc_spec *m, double *mu, double *sigma)
{
	/* the multiplier's own mean and standard deviation:
	 * sigma^2 = ln(1 + (sd/mean)^2), mu = ln(mean) - sigma^2 / 2 */
	double cv, cv2, s2, lm, half;

	if (m->mean_d <= 0.0) {
		*mu = 0.0;
		*sigma = 0.0;
		return;
	}
	cv = m->spread_d / m->mean_d;
	cv2 = cv * cv;
	s2 = prng_log(1.0 + cv2);
	*sigma = sqrt(s2);
	lm = prng_log(m->mean_d);
	half = s2 / 2.0;
	*mu = lm - half;
}

static void job_fail(mc_job *j, int rc, char **err)
{
	pthread_mutex_lock(&j->lock);
	if (!j->rc) {
		j->rc = rc;
		j->err = err ? *err : NULL;
		if (err)
			*err = NULL;
	}
	pthread_mutex_unlock(&j->lock);
	atomic_store(&j->failed, 1);
}

static void *mc_worker(void *arg)
{
	mc_job *j = arg;
	inc_sim *s = j->s;
	side *sd = &s->sides[j->side];
	size_t np = sd->ro.n_people, ne = sd->ev.n;
	event *evs = malloc(sizeof *evs * (ne ? ne : 1));
	dec *mult = malloc(sizeof *mult * (s->n_streams ? s->n_streams : 1));
	mc_acc acc = {.pay = malloc(sizeof(dec) * (np ? np : 1))};
	field_value **own = calloc(ne ? ne : 1, sizeof *own);
	double mu = 0, sigma = 0;
	char *err = NULL;
	int rc = 0;

	if (!evs || !mult || !acc.pay || !own) {
		rc = INC_ERROR;
		goto done;
	}
	if (ne)
		memcpy(evs, sd->ev.ev, sizeof *evs * ne);
	for (size_t i = 0; i < j->n_slots; i++) {
		size_t e = j->slots[i].ev;
		if (own[e])
			continue;
		size_t nf = evs[e].type->n_fields;
		own[e] = malloc(sizeof(field_value) * nf);
		if (!own[e]) {
			rc = INC_ERROR;
			goto done;
		}
		memcpy(own[e], sd->ev.ev[e].fields, sizeof(field_value) * nf);
		evs[e].fields = own[e];
	}
	lognormal_params(&s->sc->mc, &mu, &sigma);
	for (;;) {
		uint64_t t = atomic_fetch_add(&j->next, 1);
		if (t >= s->trials || atomic_load(&j->failed))
			break;
		for (size_t k = 0; k < s->n_streams; k++) {
			mult[k] = mc_draw(s, t, k, mu, sigma);
			if (j->side == 0 && s->draws)
				s->draws[t * s->n_streams + k] = (int64_t)mult[k].coef;
		}
		for (size_t i = 0; i < j->n_slots; i++) {
			const mc_slot *sl = &j->slots[i];
			dec base = sd->ev.ev[sl->ev].fields[sl->field].v.u.d;
			if (scale_money(&evs[sl->ev].fields[sl->field].v.u.d, base, mult[sl->stream],
					sl->minor, sl->mode)) {
				rc = INC_EARITH;
				goto done;
			}
		}
		memset(acc.pay, 0, sizeof(dec) * (np ? np : 1));
		eval_config cfg = {
			.policy = sd->p,
			.roster = &sd->ro,
			.emit = mc_emit,
			.emit_ud = &acc,
			.rates = sd->rates,
			/* a trial needs amounts only */
			.omit_reason = true,
			.omit_detail = true,
		};
		rc = evstore_eval(&cfg, evs, ne, &err);
		if (rc)
			goto done;
		int64_t *row = &sd->mc_pay[t * s->n_up];
		dec *tot = &sd->mc_total[t * (size_t)s->n_cur];
		for (size_t k = 0; k < np; k++) {
			uperson *u = &s->up[sd->uix[k]];
			dec v;
			if (dec_round(&v, acc.pay[k], u->minor, DEC_HALF_EVEN) != DEC_OK ||
			    v.coef > INT64_MAX || v.coef < -INT64_MAX ||
			    dec_add(&tot[u->cur], tot[u->cur], v) != DEC_OK) {
				rc = INC_EARITH;
				goto done;
			}
			row[sd->uix[k]] = (int64_t)v.coef;
		}
	}
done:
	if (rc)
		job_fail(j, rc, &err);
	atomic_fetch_sub(&j->running, 1);
	free(err);
	for (size_t i = 0; own && i < ne; i++)
		free(own[i]);
	free(own);
	free(evs);
	free(mult);
	free(acc.pay);
	return NULL;
}

static int run_trials(inc_sim *s)
{
	strmap streams;
	unsigned nt = s->opts.threads;
	int rc = 0;

	strmap_init(&streams);
	if (nt == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		nt = n > 0 ? (unsigned)n : 1;
	}
	if (nt > 256)
		nt = 256;
	if (nt > s->trials)
		nt = (unsigned)s->trials;
	s->info.threads = nt;
	for (int si = 0; si < s->n_sides && rc == 0; si++) {
		side *sd = &s->sides[si];
		mc_job j;
		memset(&j, 0, sizeof j);
		j.s = s;
		j.side = si;
		rc = mc_plan(s, si, &streams, &j.slots, &j.n_slots);
		if (rc)
			break;
		if (si == 0) {
			s->draws = calloc(s->trials * (s->n_streams ? s->n_streams : 1), sizeof *s->draws);
			if (!s->draws)
				rc = INC_ERROR;
		}
		sd->mc_pay = malloc(sizeof *sd->mc_pay * s->trials * (s->n_up ? s->n_up : 1));
		sd->mc_total = calloc(s->trials * (size_t)(s->n_cur ? s->n_cur : 1), sizeof *sd->mc_total);
		if (rc || !sd->mc_pay || !sd->mc_total) {
			free(j.slots);
			rc = INC_ERROR;
			break;
		}
		for (size_t i = 0; i < s->trials * s->n_up; i++)
			sd->mc_pay[i] = ABSENT;
		atomic_init(&j.next, 0);
		atomic_init(&j.failed, 0);
		atomic_init(&j.running, nt);
		pthread_mutex_init(&j.lock, NULL);
		pthread_t *th = calloc(nt, sizeof *th);
		unsigned started = 0;
		if (th)
			for (; started < nt; started++)
				if (pthread_create(&th[started], NULL, mc_worker, &j) != 0)
					break;
		atomic_fetch_sub(&j.running, nt - started);
		if (started == 0) {
			atomic_store(&j.running, 1);
			mc_worker(&j); /* no thread could start: run here */
		}
		while (s->opts.progress && atomic_load(&j.running) > 0) {
			uint64_t done = atomic_load(&j.next);
			if (done > s->trials)
				done = s->trials;
			s->opts.progress(s->opts.progress_ud, (uint64_t)si * s->trials + done,
					 (uint64_t)s->n_sides * s->trials);
			usleep(200000);
		}
		for (unsigned i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		free(th);
		pthread_mutex_destroy(&j.lock);
		free(j.slots);
		if (j.rc) {
			rc = take_err(s, j.rc, &j.err, "a Monte Carlo trial failed");
			free(j.err);
		}
	}
	strmap_finish(&streams);
	if (rc == INC_ERROR && !s->errmsg)
		set_err(s, rc, "out of memory");
	return rc;
}

/* ---- statistics --------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_dec(const void *a, const void *b)
{
	return dec_cmp(*(const dec *)a, *(const dec *)b);
}

/* Nearest rank: the value at rank ceil(k n / 100) of the sorted values. */
static size_t rank_of(size_t n, unsigned k)
{
	size_t r = (k * n + 99) / 100;
	return r ? r - 1 : 0;
}

typedef struct dstats {
	dec mean, p10, p50, p90, max, min;
} dstats;

static int stats_of(dec *v, size_t n, int minor, dstats *out)
{
	dec sum = dec_zero();

	qsort(v, n, sizeof *v, cmp_dec);
	for (size_t i = 0; i < n; i++)
		if (dec_add(&sum, sum, v[i]) != DEC_OK)
			return INC_EARITH;
	if (dec_div(&out->mean, sum, dec_from_int((int64_t)n), minor, DEC_HALF_EVEN) != DEC_OK)
		return INC_EARITH;
	out->p10 = v[rank_of(n, 10)];
	out->p50 = v[rank_of(n, 50)];
	out->p90 = v[rank_of(n, 90)];
	out->max = v[n - 1];
	out->min = v[0];
	return 0;
}

/* ---- tables ----------------------------------------------------------------- */

static tbl *add_table(inc_sim *s, tbl *t)
{
	if (!t)
		return NULL;
	tbl **v = realloc(s->tables, sizeof *v * (s->n_tables + 1));
	if (!v)
		return NULL;
	s->tables = v;
	v[s->n_tables++] = t;
	return t;
}

static const char *col(inc_sim *s, const char *what, int si)
{
	const char *label = si == 0 ? s->info.label_a : s->info.label_b;
	if (!*label)
		return what;
	return arena_printf(&s->mem, "%c:%s %s", what[0], what + 2, label);
}

static const char *policy_text(inc_sim *s, const inc_policy *p)
{
	strbuf sb;
	const char *out;

	sb_init(&sb);
	sb_printf(&sb, "%s: %s (", p->root, p->versions[0].policy_name);
	for (size_t i = 0; i < p->n_versions; i++) {
		char d[11];
		date_format(d, p->versions[i].effective);
		sb_printf(&sb, "%s%s from %s", i ? ", " : "", p->versions[i].label, d);
	}
	sb_printf(&sb, "), sha256 %.12s", p->hash);
	out = sb.oom ? "" : arena_strdup(&s->mem, sb_cstr(&sb));
	sb_finish(&sb);
	return out ? out : "";
}

static void kv(tbl *t, const char *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void kv(tbl *t, const char *k, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	tbl_row(t);
	tbl_cell_text(t, 0, k);
	tbl_cell_text(t, 1, sb.oom ? "" : sb_cstr(&sb));
	sb_finish(&sb);
}

static int table_overview(inc_sim *s)
{
	tbl *t = add_table(s, tbl_new(&s->mem, "overview", "What was simulated", "item", "value", NULL));
	const inc_sim_info *in = &s->info;

	if (!t)
		return INC_ERROR;
	if (s->baseline_mode) {
		kv(t, "policy", "%s", policy_text(s, s->pol[0]));
		kv(t, "compared", "baseline: the inputs as they are; scenario: the inputs changed by the scenario");
	} else if (s->n_sides == 2) {
		kv(t, "policy A", "%s", policy_text(s, s->pol[0]));
		kv(t, "policy B", "%s", policy_text(s, s->pol[1]));
	} else {
		kv(t, "policy", "%s", policy_text(s, s->pol[0]));
	}
	if (s->sc) {
		kv(t, "scenario", "%s%s%s (%s)", s->sc->name, *s->sc->description ? ": " : "",
		   s->sc->description, s->sc->file);
		kv(t, "seed", "%llu", (unsigned long long)s->seed);
	}
	kv(t, "events", "%llu accepted, %llu evaluated", (unsigned long long)in->events,
	   (unsigned long long)in->events_used);
	if (s->sc && s->sc->n_steps)
		kv(t, "scenario changes",
		   "%llu amounts scaled, %llu events dropped, %llu duplicated, %llu moved, %llu left out, %llu quotas scaled",
		   (unsigned long long)in->scaled, (unsigned long long)in->dropped,
		   (unsigned long long)in->duplicated, (unsigned long long)in->moved,
		   (unsigned long long)in->rejected_by_scenario, (unsigned long long)in->quotas_scaled);
	kv(t, "people", "%zu", s->n_up);
	if (s->trials) {
		const mc_spec *m = &s->sc->mc;
		char b1[72], b2[72];
		dec_format(b1, sizeof b1, dec_normalize(m->mean), 0, false);
		dec_format(b2, sizeof b2, dec_normalize(m->spread), 0, false);
		kv(t, "Monte Carlo", "%llu trials; each %s's sales multiplied by a %s draw with mean %s and spread %s",
		   (unsigned long long)s->trials, m->per_team ? "team" : "person", m->dist_name, b1, b2);
		size_t n = s->trials * s->n_streams;
		if (n && s->draws) {
			int64_t *v = malloc(sizeof *v * n);
			if (!v)
				return INC_ERROR;
			memcpy(v, s->draws, sizeof *v * n);
			qsort(v, n, sizeof *v, cmp_i64);
			dec sum = dec_zero(), mean;
			for (size_t i = 0; i < n; i++)
				(void)dec_add(&sum, sum, (dec){v[i], 6});
			(void)dec_div(&mean, sum, dec_from_int((int64_t)n), 6, DEC_HALF_EVEN);
			char a[72], b[72], c[72], d[72];
			dec_format(a, sizeof a, mean, 6, false);
			dec_format(b, sizeof b, (dec){v[rank_of(n, 10)], 6}, 6, false);
			dec_format(c, sizeof c, (dec){v[rank_of(n, 50)], 6}, 6, false);
			dec_format(d, sizeof d, (dec){v[rank_of(n, 90)], 6}, 6, false);
			kv(t, "multipliers drawn", "%zu: mean %s, P10 %s, P50 %s, P90 %s", n, a, b, c, d);
			free(v);
		}
	}
	return t->oom ? INC_ERROR : 0;
}

static void cells_cmp(tbl *t, size_t c, dec a, dec b, int minor)
{
	dec d;
	(void)dec_sub(&d, b, a);
	tbl_cell_money(t, c, d, minor);
	if (dec_sign(a) != 0) {
		if (dec_sign(a) < 0)
			a = dec_neg(a);
		tbl_cell_pct(t, c + 1, d, a);
	}
}

static int table_cost(inc_sim *s)
{
	bool two = s->n_sides == 2;
	tbl *t = two ? tbl_new(&s->mem, "cost", "Total cost per currency", "t:currency",
			       col(s, "m:credited revenue", 0), col(s, "m:cost", 0), col(s, "p:cost % of revenue", 0),
			       col(s, "m:credited revenue", 1), col(s, "m:cost", 1), col(s, "p:cost % of revenue", 1),
			       "m:change", "p:change %", NULL)
		     : tbl_new(&s->mem, "cost", "Total cost per currency", "t:currency", "m:credited revenue",
			       "m:cost", "p:cost % of revenue", NULL);
	if (!add_table(s, t))
		return INC_ERROR;
	tbl_set_note(t, "Cost is every money decision added up (commissions, bonuses, SPIFFs, less clawbacks "
			"and withheld amounts). Credited revenue is what the engine credits toward quota, "
			"in the pay currency: every sale's credited amount less refunds inside the clawback "
			"window.");
	for (int c = 0; c < s->n_cur; c++) {
		dec cr[MAX_SIDES];
		for (int si = 0; si < s->n_sides; si++) {
			cr[si] = dec_zero();
			for (size_t i = 0; i < s->n_up; i++)
				if (s->up[i].cur == c)
					(void)dec_add(&cr[si], cr[si], s->up[i].credited[si]);
			s->credited_cur[si][c] = cr[si];
		}
		tbl_row(t);
		tbl_cell_text(t, 0, s->cur_code[c]);
		for (int si = 0; si < s->n_sides; si++) {
			tbl_cell_money(t, 1 + 3 * (size_t)si, cr[si], s->cur_minor[c]);
			tbl_cell_money(t, 2 + 3 * (size_t)si, s->cost_cur[si][c], s->cur_minor[c]);
			tbl_cell_pct(t, 3 + 3 * (size_t)si, s->cost_cur[si][c], cr[si]);
		}
		if (two)
			cells_cmp(t, 7, s->cost_cur[0][c], s->cost_cur[1][c], s->cur_minor[c]);
	}
	return t->oom ? INC_ERROR : 0;
}

static int cmp_srow(const void *a, const void *b)
{
	const srow *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->cur > y->cur) - (x->cur < y->cur);
}

static int table_teams(inc_sim *s)
{
	bool two = s->n_sides == 2;
	/* credited revenue and people per team */
	for (size_t i = 0; i < s->n_up; i++) {
		uperson *u = &s->up[i];
		srow *r = sum_get(s, &s->teams, *u->team ? u->team : "(no team)", u->cur);
		if (!r)
			return INC_ERROR;
		r->people++;
		for (int si = 0; si < s->n_sides; si++)
			(void)dec_add(&r->credited[si], r->credited[si], u->credited[si]);
	}
	qsort(s->teams.rows, s->teams.n, sizeof *s->teams.rows, cmp_srow);
	tbl *t = two ? tbl_new(&s->mem, "cost_by_team", "Cost per team", "t:team", "t:currency", "n:people",
			       col(s, "m:credited revenue", 0), col(s, "m:cost", 0), col(s, "p:cost % of revenue", 0),
			       col(s, "m:credited revenue", 1), col(s, "m:cost", 1), col(s, "p:cost % of revenue", 1),
			       "m:change", "p:change %", NULL)
		     : tbl_new(&s->mem, "cost_by_team", "Cost per team", "t:team", "t:currency", "n:people",
			       "m:credited revenue", "m:cost", "p:cost % of revenue", NULL);
	if (!add_table(s, t))
		return INC_ERROR;
	tbl_set_note(t, "A person's pay counts for their team in the roster; a split sale is credited to "
			"each person's team by their share.");
	for (size_t i = 0; i < s->teams.n; i++) {
		srow *r = &s->teams.rows[i];
		int minor = s->cur_minor[r->cur];
		tbl_row(t);
		tbl_cell_text(t, 0, r->key);
		tbl_cell_text(t, 1, s->cur_code[r->cur]);
		tbl_cell(t, 2, "%llu", (unsigned long long)r->people);
		for (int si = 0; si < s->n_sides; si++) {
			tbl_cell_money(t, 3 + 3 * (size_t)si, r->credited[si], minor);
			tbl_cell_money(t, 4 + 3 * (size_t)si, r->sum[si], minor);
			tbl_cell_pct(t, 5 + 3 * (size_t)si, r->sum[si], r->credited[si]);
		}
		if (two)
			cells_cmp(t, 9, r->sum[0], r->sum[1], minor);
	}
	return t->oom ? INC_ERROR : 0;
}

static int table_sums(inc_sim *s, sumtab *st, const char *name, const char *title, const char *what,
		      const char *note)
{
	bool two = s->n_sides == 2;
	qsort(st->rows, st->n, sizeof *st->rows, cmp_srow);
	tbl *t = two ? tbl_new(&s->mem, name, title, what, "t:currency", col(s, "n:decisions", 0),
			       col(s, "m:amount", 0), col(s, "n:decisions", 1), col(s, "m:amount", 1),
			       "m:change", "p:change %", NULL)
		     : tbl_new(&s->mem, name, title, what, "t:currency", "n:decisions", "m:amount", NULL);
	if (!add_table(s, t))
		return INC_ERROR;
	tbl_set_note(t, "%s", note);
	for (size_t i = 0; i < st->n; i++) {
		srow *r = &st->rows[i];
		int minor = r->cur >= 0 ? s->cur_minor[r->cur] : 0;
		tbl_row(t);
		tbl_cell_text(t, 0, r->key);
		tbl_cell_text(t, 1, r->cur >= 0 ? s->cur_code[r->cur] : "");
		for (int si = 0; si < s->n_sides; si++) {
			tbl_cell(t, 2 + 2 * (size_t)si, "%llu", (unsigned long long)r->n[si]);
			if (r->cur >= 0)
				tbl_cell_money(t, 3 + 2 * (size_t)si, r->sum[si], minor);
		}
		if (two && r->cur >= 0)
			cells_cmp(t, 6, r->sum[0], r->sum[1], minor);
	}
	return t->oom ? INC_ERROR : 0;
}

static int table_tiers(inc_sim *s)
{
	bool two = s->n_sides == 2, same = true;

	for (size_t i = 0; two && i < s->n_titems; i++) {
		const char *a = s->titems[i].label[0], *b = s->titems[i].label[1];
		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
			same = false;
	}
	tbl *t = !two ? tbl_new(&s->mem, "tiers", "People reaching each tier", "t:rule", "t:step", "t:what",
				"n:people", NULL)
		 : same ? tbl_new(&s->mem, "tiers", "People reaching each tier", "t:rule", "t:step", "t:what",
				  col(s, "n:people", 0), col(s, "n:people", 1), "n:change", NULL)
			: tbl_new(&s->mem, "tiers", "People reaching each tier", "t:rule", "t:step",
				  col(s, "t:what", 0), col(s, "n:people", 0), col(s, "t:what", 1),
				  col(s, "n:people", 1), "n:change", NULL);
	if (!add_table(s, t))
		return INC_ERROR;
	tbl_set_note(t, "Counted per person and period: a commission tier when some sale was paid in it or a "
			"higher one; a bonus band when the bonus was paid at it; a threshold or cap when it "
			"withheld money.");
	for (size_t i = 0; i < s->n_titems; i++) {
		titem *ti = &s->titems[i];
		tbl_row(t);
		tbl_cell_text(t, 0, ti->rule);
		tbl_cell_text(t, 1, ti->step);
		if (!two || same) {
			tbl_cell_text(t, 2, ti->label[0] ? ti->label[0] : ti->label[1]);
			for (int si = 0; si < s->n_sides; si++)
				tbl_cell(t, 3 + (size_t)si, "%llu", (unsigned long long)ti->people[si]);
			if (two)
				tbl_cell(t, 5, "%lld", (long long)ti->people[1] - (long long)ti->people[0]);
		} else {
			for (int si = 0; si < 2; si++) {
				tbl_cell_text(t, 2 + 2 * (size_t)si, ti->label[si] ? ti->label[si] : "(no such step)");
				tbl_cell(t, 3 + 2 * (size_t)si, "%llu", (unsigned long long)ti->people[si]);
			}
			tbl_cell(t, 6, "%lld", (long long)ti->people[1] - (long long)ti->people[0]);
		}
	}
	return t->oom ? INC_ERROR : 0;
}

static int table_people(inc_sim *s)
{
	bool two = s->n_sides == 2;
	tbl *t = two ? tbl_new(&s->mem, "people", "Pay per person", "t:person", "t:name", "t:team", "t:level",
			       "t:currency", col(s, "m:credited", 0), col(s, "p:attainment", 0), col(s, "m:pay", 0),
			       col(s, "m:credited", 1), col(s, "p:attainment", 1), col(s, "m:pay", 1), "m:change",
			       "p:change %", NULL)
		     : tbl_new(&s->mem, "people", "Pay per person", "t:person", "t:name", "t:team", "t:level",
			       "t:currency", "m:credited", "p:attainment", "m:pay", NULL);
	if (!add_table(s, t))
		return INC_ERROR;
	tbl_set_note(t, "Attainment is credited / quota, over every period the inputs cover.");
	for (size_t i = 0; i < s->n_up; i++) {
		uperson *u = &s->up[i];
		tbl_row(t);
		tbl_cell_text(t, 0, u->id);
		tbl_cell_text(t, 1, u->name);
		tbl_cell_text(t, 2, u->team);
		tbl_cell_text(t, 3, u->level);
		tbl_cell_text(t, 4, u->currency);
		for (int si = 0; si < s->n_sides; si++) {
			if (!u->in[si])
				continue;
			tbl_cell_money(t, 5 + 3 * (size_t)si, u->credited[si], u->minor);
			if (u->has_quota[si])
				tbl_cell_pct(t, 6 + 3 * (size_t)si, u->credited[si], u->quota[si]);
			tbl_cell_money(t, 7 + 3 * (size_t)si, u->pay[si], u->minor);
		}
		if (two)
			cells_cmp(t, 11, u->pay[0], u->pay[1], u->minor);
	}
	return t->oom ? INC_ERROR : 0;
}

typedef struct mover {
	const uperson *u;
	dec delta;
	bool has_pct;
	dec pct;
} mover;

static int cmp_mover_abs(const void *a, const void *b)
{
	const mover *x = a, *y = b;
	int c = dec_cmp(y->delta, x->delta);
	return c ? c : strcmp(x->u->id, y->u->id);
}

static int cmp_mover_pct(const void *a, const void *b)
{
	const mover *x = a, *y = b;
	if (x->has_pct != y->has_pct)
		return x->has_pct ? -1 : 1;
	int c = dec_cmp(y->pct, x->pct);
	return c ? c : strcmp(x->u->id, y->u->id);
}

static int table_movers(inc_sim *s)
{
	mover *m = calloc(s->n_up ? s->n_up : 1, sizeof *m);
	size_t n = 0, top = s->opts.top ? s->opts.top : 10;
	static const struct {
		const char *name, *title;
		bool pct, up;
	} kinds[] = {
		{"winners", "Biggest winners (amount)", false, true},
		{"losers", "Biggest losers (amount)", false, false},
		{"winners_pct", "Biggest winners (percent)", true, true},
		{"losers_pct", "Biggest losers (percent)", true, false},
	};
	int rc = 0;

	if (!m)
		return INC_ERROR;
	for (size_t i = 0; i < s->n_up; i++) {
		uperson *u = &s->up[i];
		if (!u->in[0] || !u->in[1])
			continue;
		m[n].u = u;
		(void)dec_sub(&m[n].delta, u->pay[1], u->pay[0]);
		if (dec_sign(u->pay[0]) > 0) {
			dec x;
			m[n].has_pct = dec_mul(&x, m[n].delta, dec_from_int(100)) == DEC_OK &&
				       dec_div(&m[n].pct, x, u->pay[0], 2, DEC_HALF_EVEN) == DEC_OK;
		}
		n++;
	}
	for (size_t k = 0; k < 4 && rc == 0; k++) {
		tbl *t = add_table(s, tbl_new(&s->mem, kinds[k].name, kinds[k].title, "t:person", "t:name",
					      "t:team", "t:currency", col(s, "m:pay", 0), col(s, "m:pay", 1),
					      "m:change", "p:change %", NULL));
		if (!t) {
			rc = INC_ERROR;
			break;
		}
		tbl_set_note(t, "The %zu people whose pay %s most%s.", top, kinds[k].up ? "rises" : "falls",
			     kinds[k].pct ? " in percent of their pay under the first column (people paid "
					    "nothing there have no percentage)"
					  : "");
		qsort(m, n, sizeof *m, kinds[k].pct ? cmp_mover_pct : cmp_mover_abs);
		size_t shown = 0;
		for (size_t j = 0; j < n && shown < top; j++) {
			size_t i = kinds[k].up ? j : n - 1 - j;
			if (kinds[k].pct) {
				/* has_pct sorts first: walk the ones that have it */
				size_t n_pct = 0;
				while (n_pct < n && m[n_pct].has_pct)
					n_pct++;
				if (j >= n_pct)
					break;
				i = kinds[k].up ? j : n_pct - 1 - j;
			}
			const mover *mv = &m[i];
			int sg = kinds[k].pct ? dec_sign(mv->pct) : dec_sign(mv->delta);
			if (kinds[k].up ? sg <= 0 : sg >= 0)
				break;
			tbl_row(t);
			tbl_cell_text(t, 0, mv->u->id);
			tbl_cell_text(t, 1, mv->u->name);
			tbl_cell_text(t, 2, mv->u->team);
			tbl_cell_text(t, 3, mv->u->currency);
			tbl_cell_money(t, 4, mv->u->pay[0], mv->u->minor);
			tbl_cell_money(t, 5, mv->u->pay[1], mv->u->minor);
			tbl_cell_money(t, 6, mv->delta, mv->u->minor);
			if (mv->has_pct) {
				char b[72];
				dec_format(b, sizeof b, mv->pct, 2, false);
				tbl_cell_text(t, 7, b);
			}
			shown++;
		}
		if (t->oom)
			rc = INC_ERROR;
	}
	free(m);
	return rc;
}

/* ---- payout curves ------------------------------------------------------ */

typedef struct curve_acc {
	dec total;
} curve_acc;

static int curve_emit(void *ud, const eval_decision *d)
{
	curve_acc *a = ud;
	if (d->has_amount && dec_add(&a->total, a->total, d->amount) != DEC_OK)
		return INC_EARITH;
	return 0;
}

/* A profile from the inputs: the person with the median quota in the
 * period of the last event, selling what they (or anyone) sold first. */
static int default_profile(inc_sim *s)
{
	side *sd = &s->sides[0];
	const inc_policy *p = sd->p;
	period_kind pk = p->versions[0].period;
	int32_t period;
	size_t n = 0;
	uint32_t *cand = NULL;

	if (sd->ev.n == 0 || sd->ro.n_quotas == 0)
		return 1;
	period = period_of(pk, sd->ev.ev[sd->ev.n - 1].date);
	cand = malloc(sizeof *cand * sd->ro.n_quotas);
	if (!cand)
		return INC_ERROR;
	for (size_t q = 0; q < sd->ro.n_quotas; q++)
		if (sd->ro.quotas[q].period == period && dec_sign(sd->ro.quotas[q].amount) > 0)
			cand[n++] = (uint32_t)q;
	if (n == 0) {
		free(cand);
		return 1;
	}
	/* sort by (amount, person id) */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			const quota *a = &sd->ro.quotas[cand[j - 1]], *b = &sd->ro.quotas[cand[j]];
			int c = dec_cmp(a->amount, b->amount);
			if (c < 0 || (c == 0 && strcmp(sd->ro.people[a->person].id, sd->ro.people[b->person].id) <= 0))
				break;
			uint32_t x = cand[j];
			cand[j] = cand[j - 1];
			cand[j - 1] = x;
		}
	const quota *mq = &sd->ro.quotas[cand[(n - 1) / 2]];
	const person *who = &sd->ro.people[mq->person];
	free(cand);
	const event *tmpl = NULL;
	for (int pass = 0; pass < 2 && !tmpl; pass++)
		for (size_t i = 0; i < sd->ev.n; i++) {
			const event *ev = &sd->ev.ev[i];
			int cf = ev->type->credit_field, sf = ev->type->split_field;
			if (cf < 0 || !ev->fields[cf].present || (sf >= 0 && ev->fields[sf].present))
				continue;
			if (pass == 0 && ev->person != mq->person)
				continue;
			tmpl = ev;
			break;
		}
	if (!tmpl)
		return 1;
	profile *pf = profile_new();
	if (!pf)
		return INC_ERROR;
	pf->name = arena_printf(&pf->mem, "median quota (like %s %s)", who->id, who->name);
	pf->level = arena_strdup(&pf->mem, who->level);
	pf->team = arena_strdup(&pf->mem, who->team);
	pf->currency = arena_strdup(&pf->mem, who->currency);
	pf->quota = mq->amount;
	pf->type = arena_strdup(&pf->mem, tmpl->type->name);
	pf->file = "(the inputs)";
	bool ok = pf->name && pf->level && pf->team && pf->currency && pf->type;
	for (size_t f = 0; ok && f < tmpl->type->n_fields; f++) {
		const field_def *fd = &tmpl->type->fields[f];
		const value *v = &tmpl->fields[f].v;
		char b[96];
		const char *text = b;
		if ((int)f == tmpl->type->credit_field || !tmpl->fields[f].present ||
		    fd->type == FT_REF || fd->type == FT_SPLIT)
			continue;
		switch (fd->type) {
		case FT_STRING:
			text = arena_strndup(&pf->mem, v->u.str.s, v->u.str.len);
			break;
		case FT_ENUM: text = fd->enum_values[v->u.ix]; break;
		case FT_MONEY:
		case FT_DECIMAL: dec_format(b, sizeof b, v->u.d, 0, false); break;
		case FT_INTEGER: snprintf(b, sizeof b, "%lld", (long long)v->u.i); break;
		case FT_DATE: date_format(b, v->u.date); break;
		default: continue;
		}
		ok = text && profile_set_field(pf, fd->name, text);
	}
	if (!ok) {
		profile_destroy(pf);
		return INC_ERROR;
	}
	s->pf = pf;
	return 0;
}

static int table_curve(inc_sim *s)
{
	int n_pol = s->baseline_mode ? 1 : s->n_sides;
	date_t day = 0;
	char path[4096];
	char *err = NULL;
	int rc = 0;

	if (!s->pf) {
		/* POLICY/examples/profile.yaml, else a typical person of the inputs */
		if (profile_default_path(s->pol[0], path, sizeof path)) {
			rc = profile_load(&s->pf, path, s->diag, s->ud, &err);
			if (rc)
				return take_err(s, rc, &err, "the profile has errors");
		} else {
			rc = default_profile(s);
			if (rc < 0)
				return set_err(s, rc, "out of memory");
			if (rc > 0)
				return 0; /* nothing to draw a curve from */
		}
	}
	for (int i = 0; i < n_pol; i++) {
		date_t d = profile_date(s->pf, s->pol[i]);
		if (d > day)
			day = d;
	}
	dec step = s->pf->curve_step, att = dec_zero();
	tbl *t = n_pol == 2 ? tbl_new(&s->mem, "curve", "Payout curve", "p:attainment", "t:currency", "m:sales",
				      "m:payout A", "m:payout B", NULL)
			    : tbl_new(&s->mem, "curve", "Payout curve", "p:attainment", "t:currency", "m:sales",
				      "m:payout", NULL);
	if (!t)
		return INC_ERROR;
	dec target = dec_zero();
	const char *cur = "";
	int minor = 2;
	for (; rc == 0 && dec_cmp(att, s->pf->curve_to) <= 0;) {
		tbl_row(t);
		for (int i = 0; i < n_pol && rc == 0; i++) {
			curve_acc a = {dec_zero()};
			dec sales;
			rc = curve_run(s->pol[i], s->pf, day, att, curve_emit, &a, &sales, &target, &minor, &cur,
				       &err);
			if (rc)
				break;
			if (i == 0) {
				char b[72];
				dec x;
				(void)dec_mul(&x, att, dec_from_int(100));
				dec_format(b, sizeof b, x, 2, false);
				tbl_cell_text(t, 0, b);
				tbl_cell_text(t, 1, cur);
				tbl_cell_money(t, 2, sales, minor);
			}
			tbl_cell_money(t, 3 + (size_t)i, a.total, minor);
		}
		if (dec_add(&att, att, step) != DEC_OK)
			rc = INC_EARITH;
	}
	if (rc) {
		tbl_free(t);
		if (!s->pf_given && rc == INC_EINPUT) {
			/* a profile we made up does not fit: say so, no curve */
			inc_diag g = {.severity = INC_SEV_WARNING, .message = err ? err : "no payout curve"};
			if (s->diag)
				s->diag(s->ud, &g);
			free(err);
			return 0;
		}
		return take_err(s, rc, &err, "the payout curve failed");
	}
	char d1[11], q[72], tb[72];
	date_format(d1, day);
	strbuf sb;
	sb_init(&sb);
	for (size_t k = 0; k < s->pf->n_fields; k++)
		sb_printf(&sb, "%s%s %s", k ? ", " : "", s->pf->keys[k], s->pf->vals[k]);
	tbl_set_note(t, "Person profile: %s, level %s, quota %s %s%s%s; the sales are %u %s events (%s) on %s, "
			"and every payout is computed by the engine from them.",
		     s->pf->name, s->pf->level, fmt_money(q, sizeof q, s->pf->quota, minor), cur,
		     dec_sign(target) > 0 ? ", target bonus " : "",
		     dec_sign(target) > 0 ? fmt_money(tb, sizeof tb, target, minor) : "", s->pf->deals, s->pf->type,
		     sb.oom ? "" : sb_cstr(&sb), d1);
	sb_finish(&sb);
	if (!add_table(s, t))
		return INC_ERROR;
	return t->oom ? INC_ERROR : 0;
}

/* ---- Monte Carlo tables -------------------------------------------------- */

static int table_mc(inc_sim *s)
{
	bool two = s->n_sides == 2;
	size_t N = s->trials;
	dec *v = malloc(sizeof *v * (N ? N : 1) * 2);
	dstats st;
	int rc = 0;

	if (!v)
		return INC_ERROR;
	tbl *t = add_table(s, tbl_new(&s->mem, "mc_cost", "Monte Carlo: total cost", "t:policy", "t:currency",
				      "n:trials", "m:mean", "m:P10", "m:P50", "m:P90", "m:max", "m:min", NULL));
	tbl *h = add_table(s, two ? tbl_new(&s->mem, "mc_histogram", "Monte Carlo: distribution of total cost",
					    "t:currency", "m:from", "m:to", col(s, "n:trials", 0),
					    col(s, "n:trials", 1), NULL)
				  : tbl_new(&s->mem, "mc_histogram", "Monte Carlo: distribution of total cost",
					    "t:currency", "m:from", "m:to", "n:trials", NULL));
	tbl *pp = add_table(s, tbl_new(&s->mem, "mc_people", "Monte Carlo: pay per person", "t:person", "t:name",
				       "t:team", "t:policy", "t:currency", "m:mean", "m:P10", "m:P50", "m:P90",
				       "m:max", NULL));
	if (!t || !h || !pp) {
		free(v);
		return INC_ERROR;
	}
	tbl_set_note(t, "P10, P50 and P90 are nearest-rank percentiles: the value at rank ceil(k x trials / 100) "
			"of the sorted results; the mean is rounded half to even.");
	tbl_set_note(h, "Trials whose total cost falls in [from, to).");
	tbl_set_note(pp, "Each person's pay over the trials.");
	for (int c = 0; c < s->n_cur && rc == 0; c++) {
		int minor = s->cur_minor[c];
		dec lo = dec_zero(), hi = dec_zero();
		for (int si = 0; si < s->n_sides; si++) {
			for (size_t k = 0; k < N; k++)
				v[k] = s->sides[si].mc_total[k * (size_t)s->n_cur + (size_t)c];
			if ((rc = stats_of(v, N, minor, &st)))
				break;
			if (si == 0 || dec_cmp(st.min, lo) < 0)
				lo = st.min;
			if (si == 0 || dec_cmp(st.max, hi) > 0)
				hi = st.max;
			tbl_row(t);
			tbl_cell_text(t, 0, si == 0 ? (two ? s->info.label_a : "") : s->info.label_b);
			tbl_cell_text(t, 1, s->cur_code[c]);
			tbl_cell(t, 2, "%zu", N);
			tbl_cell_money(t, 3, st.mean, minor);
			tbl_cell_money(t, 4, st.p10, minor);
			tbl_cell_money(t, 5, st.p50, minor);
			tbl_cell_money(t, 6, st.p90, minor);
			tbl_cell_money(t, 7, st.max, minor);
			tbl_cell_money(t, 8, st.min, minor);
		}
		if (rc)
			break;
		/* bins of a round width: 1, 2, 2.5 or 5 times a power of ten */
		size_t want = N < 20 ? (N ? N : 1) : 20;
		dec span, raw, w = {1, minor}, start, x;
		(void)dec_sub(&span, hi, lo);
		if (dec_div(&raw, span, dec_from_int((int64_t)want), minor + 2, DEC_HALF_EVEN) != DEC_OK) {
			rc = INC_EARITH;
			break;
		}
		static const int mant[][2] = {{1, 0}, {2, 0}, {25, 1}, {5, 0}};
		for (int e = -minor; e < 30; e++) {
			bool found = false;
			for (int m = 0; m < 4 && !found; m++) {
				dec c10 = {mant[m][0], 0};
				int sc = mant[m][1] - e;
				dec cand;
				if (sc >= 0) {
					cand.coef = c10.coef;
					cand.scale = sc;
				} else {
					cand.coef = c10.coef;
					for (int z = 0; z < -sc; z++)
						cand.coef *= 10;
					cand.scale = 0;
				}
				if (dec_cmp(cand, raw) >= 0 && dec_sign(cand) > 0) {
					w = cand;
					found = true;
				}
			}
			if (found)
				break;
		}
		if (dec_div(&x, lo, w, 0, DEC_FLOOR) != DEC_OK || dec_mul(&start, x, w) != DEC_OK) {
			rc = INC_EARITH;
			break;
		}
		dec nb;
		(void)dec_sub(&x, hi, start);
		if (dec_div(&nb, x, w, 0, DEC_FLOOR) != DEC_OK) {
			rc = INC_EARITH;
			break;
		}
		size_t bins = (size_t)nb.coef + 1;
		uint64_t *cnt = calloc(bins * 2, sizeof *cnt);
		if (!cnt) {
			rc = INC_ERROR;
			break;
		}
		for (int si = 0; si < s->n_sides; si++)
			for (size_t k = 0; k < N; k++) {
				dec b;
				(void)dec_sub(&x, s->sides[si].mc_total[k * (size_t)s->n_cur + (size_t)c], start);
				if (dec_div(&b, x, w, 0, DEC_FLOOR) == DEC_OK && b.coef >= 0 && (size_t)b.coef < bins)
					cnt[(size_t)b.coef * 2 + (size_t)si]++;
			}
		for (size_t b = 0; b < bins; b++) {
			dec from, to;
			(void)dec_mul(&x, w, dec_from_int((int64_t)b));
			(void)dec_add(&from, start, x);
			(void)dec_add(&to, from, w);
			tbl_row(h);
			tbl_cell_text(h, 0, s->cur_code[c]);
			tbl_cell_money(h, 1, from, minor);
			tbl_cell_money(h, 2, to, minor);
			for (int si = 0; si < s->n_sides; si++)
				tbl_cell(h, 3 + (size_t)si, "%llu", (unsigned long long)cnt[b * 2 + (size_t)si]);
		}
		free(cnt);
	}
	/* per person */
	for (size_t i = 0; rc == 0 && i < s->n_up; i++) {
		uperson *u = &s->up[i];
		for (int si = 0; si < s->n_sides && rc == 0; si++) {
			if (!u->in[si])
				continue;
			for (size_t k = 0; k < N; k++)
				v[k] = (dec){s->sides[si].mc_pay[k * s->n_up + i], u->minor};
			if ((rc = stats_of(v, N, u->minor, &st)))
				break;
			tbl_row(pp);
			tbl_cell_text(pp, 0, u->id);
			tbl_cell_text(pp, 1, u->name);
			tbl_cell_text(pp, 2, u->team);
			tbl_cell_text(pp, 3, si == 0 ? (two ? s->info.label_a : "") : s->info.label_b);
			tbl_cell_text(pp, 4, u->currency);
			tbl_cell_money(pp, 5, st.mean, u->minor);
			tbl_cell_money(pp, 6, st.p10, u->minor);
			tbl_cell_money(pp, 7, st.p50, u->minor);
			tbl_cell_money(pp, 8, st.p90, u->minor);
			tbl_cell_money(pp, 9, st.max, u->minor);
		}
	}
	free(v);
	if (rc == INC_EARITH)
		return set_err(s, rc, "arithmetic overflow in the Monte Carlo statistics");
	return rc ? rc : (t->oom || h->oom || pp->oom) ? INC_ERROR : 0;
}

/* ---- execute ------------------------------------------------------------------ */

int inc_sim_execute(inc_sim *s)
{
	int rc = 0;
	char *err = NULL;

	if (s->executed)
		return set_err(s, INC_ERROR, "a simulation can be executed once");
	s->executed = true;
	s->seed = s->opts.has_seed ? s->opts.seed : s->sc ? s->sc->seed : 1;
	s->info.seed = s->seed;
	for (int i = 0; i < s->n_sides && rc == 0; i++)
		rc = load_side(s, &s->sides[i]);
	if (rc)
		return rc;
	rc = unite_people(s);
	if (rc)
		return rc == INC_ERROR ? set_err(s, rc, "out of memory") : rc;
	s->info.events = s->sides[0].ev.n;
	for (int i = 0; i < s->n_sides && rc == 0; i++) {
		side *sd = &s->sides[i];
		if (sd->scenario) {
			sc_stats st = {0};
			rc = scenario_apply(s->sc, s->seed, sd->p, &sd->ro, &sd->ev, side_diag, &sd->dctx, &st, &err);
			if (rc)
				return take_err(s, rc, &err, "the scenario cannot be applied");
			if (i == s->n_sides - 1) {
				s->info.dropped = st.dropped;
				s->info.duplicated = st.duplicated;
				s->info.moved = st.moved;
				s->info.scaled = st.scaled;
				s->info.rejected_by_scenario = st.rejected;
				s->info.quotas_scaled = st.quotas_scaled;
			}
		}
		if (i == s->n_sides - 1)
			s->info.events_used = sd->ev.n;
	}
	for (int i = 0; i < s->n_sides && rc == 0; i++)
		rc = tier_catalog(s, i);
	for (int i = 0; i < s->n_sides && rc == 0; i++)
		rc = evaluate_side(s, i);
	if (rc)
		return rc == INC_ERROR && !s->errmsg ? set_err(s, rc, "out of memory") : rc;
	s->trials = s->opts.trials ? s->opts.trials : (s->sc && s->sc->mc.on) ? s->sc->mc.trials : 0;
	if (s->trials && !s->sc) {
		/* --trials without a scenario: the documented defaults */
		s->sc = calloc(1, sizeof *s->sc);
		if (!s->sc)
			return set_err(s, INC_ERROR, "out of memory");
		arena_init(&s->sc->mem);
		s->sc->name = "";
		s->sc->description = "";
		s->sc->file = "";
	}
	if (s->trials && !s->sc->mc.on) {
		mc_spec *m = &s->sc->mc;
		m->on = true;
		m->dist = MC_LOGNORMAL;
		m->dist_name = "lognormal";
		m->mean = dec_from_int(1);
		(void)dec_parse(&m->spread, "0.2", 3, false);
		m->mean_d = 1.0;
		m->spread_d = 0.2;
	}
	s->info.trials = s->trials;
	if (s->trials && (rc = run_trials(s)))
		return rc;
	/* tables */
	if ((rc = table_overview(s)) || (rc = table_cost(s)) || (rc = table_teams(s)) ||
	    (rc = table_sums(s, &s->rules, "cost_by_rule", "Cost per rule", "t:rule",
			     "Every decision of each rule: its money added up.")) ||
	    (rc = table_sums(s, &s->kinds, "cost_by_kind", "Cost per kind of decision", "t:kind",
			     "Withheld amounts and clawbacks are negative.")) ||
	    (rc = table_tiers(s)) || (rc = table_people(s)))
		return rc == INC_ERROR && !s->errmsg ? set_err(s, rc, "out of memory") : rc;
	if (s->n_sides == 2 && (rc = table_movers(s)))
		return set_err(s, rc, "out of memory");
	if (!s->opts.no_curves && (rc = table_curve(s)))
		return rc == INC_ERROR && !s->errmsg ? set_err(s, rc, "out of memory") : rc;
	if (s->trials && (rc = table_mc(s)))
		return rc == INC_ERROR && !s->errmsg ? set_err(s, rc, "out of memory") : rc;
	return 0;
}

int inc_sim_table(const inc_sim *s, size_t i, inc_table *out)
{
	if (i >= s->n_tables)
		return INC_ENOTFOUND;
	tbl_view(s->tables[i], out);
	return 0;
}

int inc_sim_table_named(const inc_sim *s, const char *name, inc_table *out)
{
	for (size_t i = 0; i < s->n_tables; i++)
		if (strcmp(s->tables[i]->name, name) == 0) {
			tbl_view(s->tables[i], out);
			return 0;
		}
	return INC_ENOTFOUND;
}

const inc_sim_info *inc_sim_get_info(const inc_sim *s)
{
	return &s->info;
}

const char *inc_sim_errmsg(const inc_sim *s)
{
	return s->errmsg ? s->errmsg : "";
}

/* ---- for the audit trail (audit_sim.h) ------------------------------------ */

void sim_get_view(const inc_sim *s, sim_view *v)
{
	memset(v, 0, sizeof *v);
	v->a = s->pol[0];
	v->b = s->n_sides == 2 && !s->baseline_mode ? s->pol[1] : NULL;
	v->people = (const char *const *)s->people_paths;
	v->n_people = s->n_people_paths;
	v->quotas = (const char *const *)s->quota_paths;
	v->n_quotas = s->n_quota_paths;
	v->events = (const char *const *)s->event_paths;
	v->n_events = s->n_event_paths;
	v->rates = (const char *const *)s->rate_paths;
	v->n_rates = s->n_rate_paths;
	v->scenario = s->opts.scenario;
	v->profile = s->opts.profile;
	v->top = s->opts.top;
	v->no_curves = s->opts.no_curves;
	v->executed = s->executed && s->n_tables > 0;
}
