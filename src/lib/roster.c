/*
 * roster.c: people and quotas (input.h), read whole from CSV or JSON Lines
 * and checked against the policy.
 *
 * people: id,name,level,team,manager,hired,left,currency.  A person is
 * kept only when every value is good; a manager must be a person too,
 * which is checked once the whole file is read (a manager may come after
 * the people they manage), and a person whose manager was rejected is
 * rejected in turn.  quotas: person,period,amount.  Every rejected line is
 * reported as file:line: reason and counted in people_rejected or
 * quotas_rejected; nothing is dropped silently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "record.h"

enum {
	P_ID,
	P_NAME,
	P_LEVEL,
	P_TEAM,
	P_MANAGER,
	P_HIRED,
	P_LEFT,
	P_CURRENCY,
	P_MOVES,
	P_NCOLS
};
static const char *const people_cols[P_NCOLS] = {
    "id", "name", "level", "team", "manager", "hired", "left", "currency",
    "manager_changes"};
static const int people_required[] = {P_ID, P_NAME, P_LEVEL, P_HIRED};

enum { Q_PERSON, Q_PERIOD, Q_AMOUNT, Q_NCOLS };
static const char *const quota_cols[Q_NCOLS] = {"person", "period", "amount"};

#define MSG 320
#define VAL 72

void roster_init(roster *r)
{
	memset(r, 0, sizeof *r);
	arena_init(&r->mem);
	strmap_init(&r->by_id);
}

void roster_finish(roster *r)
{
	if (r == NULL)
		return;
	free(r->people);
	free(r->quotas);
	strmap_finish(&r->by_id);
	arena_finish(&r->mem);
	memset(r, 0, sizeof *r);
}

int64_t roster_find(const roster *r, const char *id, size_t len)
{
	uint32_t v;

	if (!strmap_get(&r->by_id, id, len, &v))
		return -1;
	return v;
}

const char *person_manager_on(const person *p, date_t d)
{
	const char *m = p->manager ? p->manager : "";
	for (size_t i = 0; i < p->n_moves && p->moves[i].from <= d; i++)
		m = p->moves[i].manager;
	return m;
}

bool roster_quota(const roster *r, uint32_t pix, int32_t period, dec *out)
{
	size_t lo = 0, hi = r->n_quotas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const quota *q = &r->quotas[mid];

		if (q->person < pix ||
		    (q->person == pix && q->period < period)) {
			lo = mid + 1;
		} else if (q->person == pix && q->period == period) {
			*out = q->amount;
			return true;
		} else {
			hi = mid;
		}
	}
	return false;
}

/* ---- reporting ------------------------------------------------------- */

static void report(input_ctx *ctx, const char *file, uint64_t line,
		   inc_severity sev, const char *msg, const char *hint)
{
	inc_diag d;

	if (ctx->diag == NULL)
		return;
	d.file = file;
	d.line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	d.column = 0;
	d.severity = sev;
	d.message = msg;
	d.hint = hint;
	ctx->diag(ctx->ud, &d);
}

static void set_errmsg(input_ctx *ctx, char *msg)
{
	free(ctx->errmsg);
	ctx->errmsg = msg;
}

static void set_errmsg_copy(input_ctx *ctx, const char *msg)
{
	set_errmsg(ctx, strdup(msg));
}

/* Opens path and checks the required columns.  Returns 0 or INC_EINPUT. */
static int open_input(rec_reader **out, input_ctx *ctx, const char *path,
		      const char *const *cols, size_t n_cols,
		      const int *required, size_t n_required, const char *what)
{
	rec_reader *rd = NULL;
	char *err = NULL;

	if (rec_open(&rd, path, cols, n_cols, &err) < 0) {
		set_errmsg(ctx, err ? err : strdup("out of memory"));
		return INC_EINPUT;
	}
	for (size_t i = 0; i < n_required; i++) {
		if (!rec_has_column(rd, (size_t)required[i])) {
			char buf[MSG];

			snprintf(buf, sizeof buf,
				 "%s:1: the header has no '%s' column (%s "
				 "files need %s)",
				 path, cols[required[i]], what,
				 n_cols == P_NCOLS ? "id,name,level,hired"
						   : "person,period,amount");
			set_errmsg_copy(ctx, buf);
			rec_close(rd);
			return INC_EINPUT;
		}
	}
	*out = rd;
	return 0;
}

/* ---- people ---------------------------------------------------------- */

static const policy_version *latest(const input_ctx *ctx)
{
	const inc_policy *p = ctx->policy;

	return p->n_versions ? &p->versions[p->n_versions - 1] : NULL;
}

/* Level ids of every version's ladder, without repeats. */
static const char **all_levels(const inc_policy *p, size_t *n_out)
{
	size_t n = 0, cap = 0;
	const char **v;

	for (size_t i = 0; i < p->n_versions; i++)
		cap += p->versions[i].n_levels;
	v = malloc((cap + 1) * sizeof *v);
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < p->n_versions; i++)
		for (size_t k = 0; k < p->versions[i].n_levels; k++) {
			const char *id = p->versions[i].levels[k].id;
			size_t j;

			for (j = 0; j < n; j++)
				if (strcmp(v[j], id) == 0)
					break;
			if (j == n)
				v[n++] = id;
		}
	*n_out = n;
	return v;
}

static bool eq(const char *name, const rec_field *f)
{
	return strlen(name) == f->len && memcmp(name, f->s, f->len) == 0;
}

static bool grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * size);
	if (p == NULL)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/* manager_changes: "ID from YYYY-MM-DD" entries separated by ';', in
 * increasing date order, each after the hire date (the `manager` column is
 * the manager from hire until the first change).  The ids are checked with
 * the managers once the whole file is read.  Returns false with msg set. */
static bool parse_moves(roster *r, const rec_field *fv, person *pe, char *msg)
{
	const char *s = fv->s, *end = fv->s + fv->len;
	manager_change *mv = NULL;
	size_t n = 0;

	for (const char *p = s; p < end; p++)
		n += *p == ';';
	mv = arena_alloc(&r->mem, (n + 1) * sizeof *mv);
	if (mv == NULL) {
		snprintf(msg, MSG, "out of memory");
		return false;
	}
	n = 0;
	while (s < end) {
		const char *e = memchr(s, ';', (size_t)(end - s));
		if (e == NULL)
			e = end;
		const char *a = s, *b = e;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		const char *sp = a;
		while (sp < b && *sp != ' ')
			sp++;
		const char *d = sp;
		while (d < b && *d == ' ')
			d++;
		char v[VAL];
		rec_quote(v, sizeof v, a, (size_t)(b - a));
		if (sp == a || (size_t)(b - d) < 5 || memcmp(d, "from ", 5) != 0) {
			snprintf(msg, MSG,
				 "manager_changes entry '%s' is not 'ID from YYYY-MM-DD' "
				 "(entries separated by ';')", v);
			return false;
		}
		const char *ds = d + 5;
		while (ds < b && *ds == ' ')
			ds++;
		if (date_parse(&mv[n].from, ds, (size_t)(b - ds)) != 0) {
			snprintf(msg, MSG, "manager_changes entry '%s': the date %s", v,
				 rec_date_problem(ds, (size_t)(b - ds)));
			return false;
		}
		if (mv[n].from <= pe->hired || (n > 0 && mv[n].from <= mv[n - 1].from)) {
			snprintf(msg, MSG, "manager_changes entry '%s' must come after %s",
				 v, n > 0 ? "the change before it" : "the hire date");
			return false;
		}
		mv[n].manager = arena_strndup(&r->mem, a, (size_t)(sp - a));
		if (mv[n].manager == NULL) {
			snprintf(msg, MSG, "out of memory");
			return false;
		}
		n++;
		s = e + 1;
	}
	pe->moves = mv;
	pe->n_moves = n;
	return true;
}

/* Checks one people line.  Returns true with *pe filled (strings in the
 * roster arena), or false with msg (and maybe hint) set. */
static bool check_person(roster *r, input_ctx *ctx, const rec_field *f,
			 const char **levels, size_t n_levels, person *pe,
			 char *msg, char *hint)
{
	const policy_version *lv = latest(ctx);
	char v1[VAL], v2[VAL];
	const char *why;
	uint32_t first;
	size_t i;

	memset(pe, 0, sizeof *pe);
	/* required values first, in column order */
	for (i = 0; i < sizeof people_required / sizeof people_required[0];
	     i++) {
		if (rec_empty(&f[people_required[i]])) {
			snprintf(msg, MSG, "missing '%s'",
				 people_cols[people_required[i]]);
			return false;
		}
	}
	rec_quote(v1, sizeof v1, f[P_ID].s, f[P_ID].len);
	if ((why = rec_check_id(f[P_ID].s, f[P_ID].len)) != NULL) {
		snprintf(msg, MSG, "person id '%s' %s", v1, why);
		return false;
	}
	if (strmap_get(&r->by_id, f[P_ID].s, f[P_ID].len, &first)) {
		const person *o = &r->people[first];

		snprintf(msg, MSG,
			 "duplicate person id '%s' (first at %s:%llu)", v1,
			 o->file, (unsigned long long)o->line);
		return false;
	}
	for (i = 0; i < n_levels; i++)
		if (eq(levels[i], &f[P_LEVEL]))
			break;
	if (i == n_levels) {
		const char *near;

		rec_quote(v2, sizeof v2, f[P_LEVEL].s, f[P_LEVEL].len);
		snprintf(msg, MSG, "level '%s' is not on the career ladder",
			 v2);
		near = closest_word(v2, levels, n_levels);
		if (near)
			snprintf(hint, VAL + 32, "did you mean '%s'?", near);
		return false;
	}
	pe->level = levels[i];
	if (date_parse(&pe->hired, f[P_HIRED].s, f[P_HIRED].len) != 0) {
		rec_quote(v2, sizeof v2, f[P_HIRED].s, f[P_HIRED].len);
		snprintf(msg, MSG, "hired '%s' %s", v2,
			 rec_date_problem(f[P_HIRED].s, f[P_HIRED].len));
		return false;
	}
	if (!rec_empty(&f[P_LEFT])) {
		if (date_parse(&pe->left, f[P_LEFT].s, f[P_LEFT].len) != 0) {
			rec_quote(v2, sizeof v2, f[P_LEFT].s, f[P_LEFT].len);
			snprintf(msg, MSG, "left '%s' %s", v2,
				 rec_date_problem(f[P_LEFT].s, f[P_LEFT].len));
			return false;
		}
		if (pe->left < pe->hired) {
			char a[11], b[11];

			date_format(a, pe->left);
			date_format(b, pe->hired);
			snprintf(msg, MSG, "left %s is before hired %s", a, b);
			return false;
		}
		pe->has_left = true;
	}
	if (!rec_empty(&f[P_CURRENCY])) {
		const rec_field *c = &f[P_CURRENCY];

		pe->minor = currency_minor_unit(lv, c->s, c->len);
		if (pe->minor < 0) {
			char up[8];

			rec_quote(v2, sizeof v2, c->s, c->len);
			snprintf(msg, MSG, "unknown currency '%s'", v2);
			if (c->len == 3) {
				for (i = 0; i < 3; i++)
					up[i] =
					    (c->s[i] >= 'a' && c->s[i] <= 'z')
						? (char)(c->s[i] - 32)
						: c->s[i];
				up[3] = '\0';
				if (currency_minor_unit(lv, up, 3) >= 0)
					snprintf(hint, VAL + 32,
						 "did you mean '%s'?", up);
			}
			return false;
		}
		pe->currency = arena_strndup(&r->mem, c->s, c->len);
	} else {
		pe->currency = lv->currency;
		pe->minor =
		    currency_minor_unit(lv, lv->currency, strlen(lv->currency));
		if (pe->minor < 0) {
			snprintf(msg, MSG, "unknown currency '%s'",
				 lv->currency);
			return false;
		}
	}
	if (!rec_empty(&f[P_MOVES]) && !parse_moves(r, &f[P_MOVES], pe, msg))
		return false;
	pe->id = arena_strndup(&r->mem, f[P_ID].s, f[P_ID].len);
	pe->name = arena_strndup(&r->mem, f[P_NAME].s, f[P_NAME].len);
	pe->team = arena_strndup(&r->mem, f[P_TEAM].s, f[P_TEAM].len);
	pe->manager = arena_strndup(&r->mem, f[P_MANAGER].s, f[P_MANAGER].len);
	if (!pe->id || !pe->name || !pe->team || !pe->manager ||
	    !pe->currency) {
		snprintf(msg, MSG, "out of memory");
		return false;
	}
	return true;
}

typedef struct late_reject {
	uint64_t line;
	char msg[MSG];
	char hint[VAL + 32];
} late_reject;

static int cmp_late(const void *a, const void *b)
{
	const late_reject *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

static bool rebuild_map(roster *r)
{
	strmap_finish(&r->by_id);
	strmap_init(&r->by_id);
	for (size_t i = 0; i < r->n_people; i++)
		if (strmap_put(&r->by_id, r->people[i].id,
			       strlen(r->people[i].id), (uint32_t)i, NULL) < 0)
			return false;
	return true;
}

/* Checks the managers of people [first, n_people) once the file is read,
 * rejects those whose manager is unknown (or rejected, or themselves) and
 * removes them.  Returns 0 or INC_ERROR (out of memory). */
static int check_managers(roster *r, input_ctx *ctx, const char *file,
			  size_t first)
{
	size_t n = r->n_people - first, n_late = 0, cap_late = 0, k;
	bool *dead = calloc(n + 1, sizeof *dead);
	late_reject *late = NULL;
	const char **ids = NULL;
	bool changed = true;
	int rc = INC_ERROR;

	if (dead == NULL)
		goto done;
	while (changed) {
		changed = false;
		for (size_t i = first; i < r->n_people; i++) {
			person *pe = &r->people[i];
			const char *mid = pe->manager;
			size_t mlen = 0;
			int64_t m = -1;
			late_reject *lr;
			char v[VAL];

			if (dead[i - first])
				continue;
			/* the manager from hire, then each later one */
			for (size_t j = 0; j <= pe->n_moves; j++) {
				mid = j ? pe->moves[j - 1].manager : pe->manager;
				mlen = strlen(mid);
				if (mlen == 0)
					continue;
				m = roster_find(r, mid, mlen);
				if (!(m >= 0 && (size_t)m != i &&
				      !((size_t)m >= first && dead[(size_t)m - first])))
					break;
				mlen = 0;
			}
			if (mlen == 0)
				continue;
			if (!grow((void **)&late, &cap_late, n_late + 1,
				  sizeof *late))
				goto done;
			lr = &late[n_late++];
			lr->line = pe->line;
			lr->hint[0] = '\0';
			dead[i - first] = true;
			changed = true;
			rec_quote(v, sizeof v, mid, mlen);
			if ((size_t)m == i) {
				snprintf(lr->msg, sizeof lr->msg,
					 "person '%s' is their own manager",
					 pe->id);
			} else if (m >= 0) {
				snprintf(lr->msg, sizeof lr->msg,
					 "manager '%s' was rejected", v);
			} else {
				const char *near;

				snprintf(lr->msg, sizeof lr->msg,
					 "manager '%s' is not a person id", v);
				if (ids == NULL) {
					ids = malloc((r->n_people + 1) *
						     sizeof *ids);
					if (ids == NULL)
						goto done;
					for (k = 0; k < r->n_people; k++)
						ids[k] = r->people[k].id;
				}
				near = closest_word(v, ids, r->n_people);
				if (near)
					snprintf(lr->hint, sizeof lr->hint,
						 "did you mean '%s'?", near);
			}
		}
	}
	if (n_late == 0) {
		rc = 0;
		goto done;
	}
	qsort(late, n_late, sizeof *late, cmp_late);
	for (k = 0; k < n_late; k++) {
		report(ctx, file, late[k].line, INC_SEV_ERROR, late[k].msg,
		       late[k].hint[0] ? late[k].hint : NULL);
		if (ctx->stats)
			ctx->stats->people_rejected++;
	}
	/* remove them: only this file's people move, nothing refers to them
	 * yet */
	k = first;
	for (size_t i = first; i < r->n_people; i++) {
		if (dead[i - first])
			continue;
		r->people[k] = r->people[i];
		r->people[k].index = (uint32_t)k;
		k++;
	}
	r->n_people = k;
	rc = rebuild_map(r) ? 0 : INC_ERROR;
done:
	free(ids);
	free(late);
	free(dead);
	if (rc == INC_ERROR)
		set_errmsg_copy(ctx, "out of memory");
	return rc;
}

int roster_load_people(roster *r, input_ctx *ctx, const char *path)
{
	rec_reader *rd = NULL;
	const char **levels = NULL;
	size_t n_levels = 0, first = r->n_people;
	const char *file;
	rec rc;
	int st, ret = INC_EINPUT;

	if (ctx->policy == NULL || ctx->policy->n_versions == 0) {
		set_errmsg_copy(ctx,
				"no policy version to check people against");
		return INC_EINPUT;
	}
	if (open_input(&rd, ctx, path, people_cols, P_NCOLS, people_required,
		       sizeof people_required / sizeof people_required[0],
		       "people") != 0)
		return INC_EINPUT;
	file = arena_strdup(&r->mem, path);
	levels = all_levels(ctx->policy, &n_levels);
	if (file == NULL || levels == NULL) {
		set_errmsg_copy(ctx, "out of memory");
		ret = INC_ERROR;
		goto done;
	}
	while ((st = rec_next(rd, &rc)) > 0) {
		char msg[MSG], hint[VAL + 32];
		person pe;

		hint[0] = '\0';
		if (ctx->stats)
			ctx->stats->lines_read++;
		if (rc.err) {
			report(ctx, file, rc.line, INC_SEV_ERROR, rc.err,
			       rc.hint);
			if (ctx->stats)
				ctx->stats->people_rejected++;
			if (rc.fatal)
				break;
			continue;
		}
		if (!check_person(r, ctx, rc.f, levels, n_levels, &pe, msg,
				  hint)) {
			report(ctx, file, rc.line, INC_SEV_ERROR, msg,
			       hint[0] ? hint : NULL);
			if (ctx->stats)
				ctx->stats->people_rejected++;
			continue;
		}
		if (!grow((void **)&r->people, &r->cap_people, r->n_people + 1,
			  sizeof *r->people) ||
		    strmap_put(&r->by_id, pe.id, strlen(pe.id),
			       (uint32_t)r->n_people, NULL) < 0) {
			set_errmsg_copy(ctx, "out of memory");
			ret = INC_ERROR;
			goto done;
		}
		pe.index = (uint32_t)r->n_people;
		pe.file = file;
		pe.line = rc.line;
		r->people[r->n_people++] = pe;
	}
	if (st < 0) {
		char buf[MSG];

		snprintf(buf, sizeof buf, "%s", rec_errmsg(rd));
		set_errmsg_copy(ctx, buf);
		goto done;
	}
	ret = check_managers(r, ctx, file, first);
	if (ctx->stats)
		ctx->stats->people = r->n_people;
done:
	free(levels);
	rec_close(rd);
	return ret;
}

/* ---- quotas ---------------------------------------------------------- */

static int cmp_quota(const void *a, const void *b)
{
	const quota *x = a, *y = b;

	if (x->person != y->person)
		return x->person < y->person ? -1 : 1;
	return (x->period > y->period) - (x->period < y->period);
}

static void quota_key(char key[8], uint32_t pix, int32_t period)
{
	memcpy(key, &pix, 4);
	memcpy(key + 4, &period, 4);
}

static const char *period_example(period_kind k)
{
	return k == PERIOD_MONTH     ? "2026-03"
	       : k == PERIOD_QUARTER ? "2026-Q1"
				     : "2026";
}

/* Checks one quota line.  Returns true with *q filled, or false with msg
 * (and maybe hint) set. */
static bool check_quota(roster *r, input_ctx *ctx, const rec_field *f,
			strmap *seen, const char ***ids, quota *q, char *msg,
			char *hint)
{
	period_kind kind = ctx->policy->versions[0].period;
	const person *pe;
	char v[VAL], key[8];
	uint32_t first;
	int64_t ix;
	int rc;

	for (int c = 0; c < Q_NCOLS; c++) {
		if (rec_empty(&f[c])) {
			snprintf(msg, MSG, "missing '%s'", quota_cols[c]);
			return false;
		}
	}
	rec_quote(v, sizeof v, f[Q_PERSON].s, f[Q_PERSON].len);
	ix = roster_find(r, f[Q_PERSON].s, f[Q_PERSON].len);
	if (ix < 0) {
		const char *near;

		snprintf(msg, MSG, "unknown person '%s'", v);
		if (*ids == NULL) {
			*ids = malloc((r->n_people + 1) * sizeof **ids);
			if (*ids == NULL)
				return false;
			for (size_t i = 0; i < r->n_people; i++)
				(*ids)[i] = r->people[i].id;
		}
		near = closest_word(v, *ids, r->n_people);
		if (near)
			snprintf(hint, VAL + 32, "did you mean '%s'?", near);
		return false;
	}
	pe = &r->people[ix];
	q->person = (uint32_t)ix;
	if (period_parse(&q->period, kind, f[Q_PERIOD].s, f[Q_PERIOD].len) !=
	    0) {
		rec_quote(v, sizeof v, f[Q_PERIOD].s, f[Q_PERIOD].len);
		snprintf(msg, MSG, "period '%s' is not a %s (write it like %s)",
			 v, period_kind_name(kind), period_example(kind));
		return false;
	}
	rec_quote(v, sizeof v, f[Q_AMOUNT].s, f[Q_AMOUNT].len);
	rc = dec_parse(&q->amount, f[Q_AMOUNT].s, f[Q_AMOUNT].len, false);
	if (rc == DEC_EOVERFLOW) {
		snprintf(msg, MSG, "amount '%s' has too many digits", v);
		return false;
	}
	if (rc != DEC_OK) {
		snprintf(msg, MSG, "amount '%s' is not a decimal number", v);
		return false;
	}
	if (dec_sign(q->amount) < 0) {
		snprintf(msg, MSG, "amount %s is negative", v);
		return false;
	}
	if (!dec_fits_scale(q->amount, pe->minor)) {
		snprintf(msg, MSG, "amount %s has %d decimal%s; %s allows %d",
			 v, (int)dec_normalize(q->amount).scale,
			 dec_normalize(q->amount).scale == 1 ? "" : "s",
			 pe->currency, pe->minor);
		return false;
	}
	(void)dec_round(&q->amount, q->amount, pe->minor, DEC_HALF_EVEN);
	quota_key(key, q->person, q->period);
	if (strmap_get(seen, key, 8, &first)) {
		char per[16];

		period_format(per, kind, q->period);
		snprintf(msg, MSG,
			 "duplicate quota for '%s' in %s (first at %s:%llu)",
			 pe->id, per, r->quotas[first].file,
			 (unsigned long long)r->quotas[first].line);
		return false;
	}
	return true;
}

int roster_load_quotas(roster *r, input_ctx *ctx, const char *path)
{
	static const int required[] = {Q_PERSON, Q_PERIOD, Q_AMOUNT};
	rec_reader *rd = NULL;
	const char **ids = NULL;
	const char *file;
	strmap seen;
	rec rc;
	int st, ret = INC_EINPUT;

	strmap_init(&seen);
	if (ctx->policy == NULL || ctx->policy->n_versions == 0) {
		set_errmsg_copy(ctx,
				"no policy version to check quotas against");
		return INC_EINPUT;
	}
	if (open_input(&rd, ctx, path, quota_cols, Q_NCOLS, required, 3,
		       "quota") != 0)
		return INC_EINPUT;
	file = arena_strdup(&r->mem, path);
	if (file == NULL)
		goto oom;
	for (size_t i = 0; i < r->n_quotas; i++) {
		char key[8];

		quota_key(key, r->quotas[i].person, r->quotas[i].period);
		if (strmap_put(&seen, key, 8, (uint32_t)i, NULL) < 0)
			goto oom;
	}
	while ((st = rec_next(rd, &rc)) > 0) {
		char msg[MSG], hint[VAL + 32], key[8];
		quota q;

		hint[0] = '\0';
		msg[0] = '\0';
		if (ctx->stats)
			ctx->stats->lines_read++;
		if (rc.err) {
			report(ctx, file, rc.line, INC_SEV_ERROR, rc.err,
			       rc.hint);
			if (ctx->stats)
				ctx->stats->quotas_rejected++;
			if (rc.fatal)
				break;
			continue;
		}
		memset(&q, 0, sizeof q);
		if (!check_quota(r, ctx, rc.f, &seen, &ids, &q, msg, hint)) {
			if (msg[0] == '\0')
				goto oom;
			report(ctx, file, rc.line, INC_SEV_ERROR, msg,
			       hint[0] ? hint : NULL);
			if (ctx->stats)
				ctx->stats->quotas_rejected++;
			continue;
		}
		q.file = file;
		q.line = rc.line;
		quota_key(key, q.person, q.period);
		if (!grow((void **)&r->quotas, &r->cap_quotas, r->n_quotas + 1,
			  sizeof *r->quotas) ||
		    strmap_put(&seen, key, 8, (uint32_t)r->n_quotas, NULL) < 0)
			goto oom;
		r->quotas[r->n_quotas++] = q;
	}
	if (st < 0) {
		char buf[MSG];

		snprintf(buf, sizeof buf, "%s", rec_errmsg(rd));
		set_errmsg_copy(ctx, buf);
		goto done;
	}
	if (r->n_quotas > 1) /* quotas is NULL when the file has none */
		qsort(r->quotas, r->n_quotas, sizeof *r->quotas, cmp_quota);
	if (ctx->stats)
		ctx->stats->quotas = r->n_quotas;
	ret = 0;
	goto done;
oom:
	set_errmsg_copy(ctx, "out of memory");
	ret = INC_ERROR;
done:
	free(ids);
	strmap_finish(&seen);
	rec_close(rd);
	return ret;
}
