/*
 * run.c: the public run API (include/incentive.h) over the internal
 * stages: roster (people, quotas) -> event source (validated, ordered) ->
 * evaluator -> the caller's sink.  It also keeps the run's summary: counts,
 * decisions per kind and totals per currency.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "input.h"

#define MAX_TOTALS 64
#define MAX_KINDS 32

typedef struct currency_total {
	char code[16];
	dec amount;
	char text[72];
} currency_total;

typedef struct kind_count {
	char name[32];
	uint64_t n;
} kind_count;

struct inc_run {
	const inc_policy *policy;
	inc_run_options opts;
	bool has_period;
	int32_t period;
	inc_diag_fn diag;
	void *ud;
	roster roster;
	input_ctx ictx;
	inc_run_stats stats;
	char **event_paths;
	size_t n_event_paths;
	bool executed;
	char *errmsg;

	inc_sink_fn sink;
	void *sink_ud;
	currency_total totals[MAX_TOTALS];
	size_t n_totals;
	kind_count kinds[MAX_KINDS];
	size_t n_kinds;
};

static void set_err(inc_run *r, const char *msg)
{
	free(r->errmsg);
	r->errmsg = strdup(msg ? msg : "unknown error");
}

static void take_err(inc_run *r, char **msg)
{
	if (*msg) {
		free(r->errmsg);
		r->errmsg = *msg;
		*msg = NULL;
	}
}

int inc_run_create(inc_run **out, const inc_policy *policy,
		   const inc_run_options *opts, inc_diag_fn diag, void *ud)
{
	inc_run *r = calloc(1, sizeof *r);
	if (!r)
		return INC_ERROR;
	r->policy = policy;
	if (opts)
		r->opts = *opts;
	r->diag = diag;
	r->ud = ud;
	roster_init(&r->roster);
	r->ictx.policy = policy;
	r->ictx.diag = diag;
	r->ictx.ud = ud;
	r->ictx.stats = &r->stats;
	if (r->opts.period) {
		if (period_parse(&r->period, policy->versions[0].period, r->opts.period,
				 strlen(r->opts.period)) != 0) {
			char buf[160];
			snprintf(buf, sizeof buf, "--period '%s' is not a %s (write it like %s)",
				 r->opts.period, period_kind_name(policy->versions[0].period),
				 policy->versions[0].period == PERIOD_MONTH     ? "2026-03"
				 : policy->versions[0].period == PERIOD_QUARTER ? "2026-Q1"
										: "2026");
			set_err(r, buf);
			/* the run is usable only to read the message */
			r->has_period = false;
			r->executed = true;
			*out = r;
			return INC_EINPUT;
		}
		r->has_period = true;
	}
	*out = r;
	return 0;
}

void inc_run_destroy(inc_run *r)
{
	if (!r)
		return;
	roster_finish(&r->roster);
	for (size_t i = 0; i < r->n_event_paths; i++)
		free(r->event_paths[i]);
	free(r->event_paths);
	free(r->ictx.errmsg);
	free(r->errmsg);
	free(r);
}

static int load_status(inc_run *r, int rc)
{
	if (rc) {
		set_err(r, r->ictx.errmsg ? r->ictx.errmsg : "cannot read input");
		free(r->ictx.errmsg);
		r->ictx.errmsg = NULL;
	}
	return rc;
}

int inc_run_add_people(inc_run *r, const char *path)
{
	return load_status(r, roster_load_people(&r->roster, &r->ictx, path));
}

int inc_run_add_quotas(inc_run *r, const char *path)
{
	return load_status(r, roster_load_quotas(&r->roster, &r->ictx, path));
}

int inc_run_add_events(inc_run *r, const char *path)
{
	char **p = realloc(r->event_paths, sizeof *p * (r->n_event_paths + 1));
	if (!p)
		return INC_ERROR;
	r->event_paths = p;
	p[r->n_event_paths] = strdup(path);
	if (!p[r->n_event_paths])
		return INC_ERROR;
	r->n_event_paths++;
	return 0;
}

static void count(inc_run *r, const char *kind, const char *currency,
		  bool has_amount, dec amount)
{
	size_t i;
	for (i = 0; i < r->n_kinds; i++)
		if (strcmp(r->kinds[i].name, kind) == 0)
			break;
	if (i == r->n_kinds && i < MAX_KINDS) {
		snprintf(r->kinds[i].name, sizeof r->kinds[i].name, "%s", kind);
		r->n_kinds++;
	}
	if (i < r->n_kinds)
		r->kinds[i].n++;
	if (!has_amount)
		return;
	for (i = 0; i < r->n_totals; i++)
		if (strcmp(r->totals[i].code, currency) == 0)
			break;
	if (i == r->n_totals && i < MAX_TOTALS) {
		snprintf(r->totals[i].code, sizeof r->totals[i].code, "%s", currency);
		r->totals[i].amount = dec_zero();
		r->n_totals++;
	}
	if (i < r->n_totals)
		(void)dec_add(&r->totals[i].amount, r->totals[i].amount, amount);
}

static int emit(void *ud, const eval_decision *d)
{
	inc_run *r = ud;
	inc_decision out;
	char id[32], period[16], amount[72];

	r->stats.decisions++;
	snprintf(id, sizeof id, "D%06llu", (unsigned long long)r->stats.decisions);
	period_format(period, r->policy->versions[0].period, d->period);
	memset(&out, 0, sizeof out);
	out.id = id;
	out.period = period;
	out.person = d->who->id;
	out.kind = d->kind;
	if (d->has_amount) {
		dec_format(amount, sizeof amount, d->amount, d->who->minor, false);
		out.amount = amount;
		out.currency = d->who->currency;
	}
	out.rule = d->rule ? d->rule->id : "";
	out.events = d->events ? d->events : "";
	out.reason = d->reason ? d->reason : "";
	out.version = d->version ? d->version->label : "";
	out.detail = d->detail ? d->detail : "{}";
	count(r, d->kind, d->who->currency, d->has_amount, d->amount);
	return r->sink ? r->sink(r->sink_ud, &out) : 0;
}

static int cmp_totals(const void *a, const void *b)
{
	return strcmp(((const currency_total *)a)->code, ((const currency_total *)b)->code);
}

static int cmp_kinds(const void *a, const void *b)
{
	return strcmp(((const kind_count *)a)->name, ((const kind_count *)b)->name);
}

int inc_run_execute(inc_run *r, inc_sink_fn sink, void *ud)
{
	evsrc *src = NULL;
	evaluator *ev = NULL;
	char *err = NULL;
	uint64_t n_done = 0;
	int rc;

	if (r->executed) {
		if (!r->errmsg)
			set_err(r, "a run can be executed once");
		return INC_ERROR;
	}
	r->executed = true;
	r->sink = sink;
	r->sink_ud = ud;
	r->stats.people = r->roster.n_people;
	r->stats.quotas = r->roster.n_quotas;

	rc = evsrc_create(&src, &r->ictx, &r->roster,
			  (const char *const *)r->event_paths, r->n_event_paths);
	if (rc) {
		load_status(r, rc);
		goto done;
	}
	if (r->opts.strict && (r->stats.events_rejected || r->stats.people_rejected ||
			       r->stats.quotas_rejected)) {
		char buf[200];
		snprintf(buf, sizeof buf,
			 "--strict: %llu input line(s) rejected; nothing was computed",
			 (unsigned long long)(r->stats.events_rejected + r->stats.people_rejected +
					      r->stats.quotas_rejected));
		set_err(r, buf);
		rc = INC_EREJECTED;
		goto done;
	}

	eval_config cfg = {
		.policy = r->policy,
		.roster = &r->roster,
		.emit = emit,
		.emit_ud = r,
		.diag = r->diag,
		.diag_ud = r->ud,
		.has_period = r->has_period,
		.period = r->period,
		.stats = &r->stats,
	};
	rc = eval_create(&ev, &cfg, &err);
	if (rc) {
		take_err(r, &err);
		goto done;
	}
	for (;;) {
		const event *e = NULL;
		rc = evsrc_next(src, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			load_status(r, rc);
			goto done;
		}
		rc = eval_event(ev, e, &err);
		if (rc) {
			take_err(r, &err);
			goto done;
		}
		if (r->opts.progress && (++n_done & 0xffff) == 0)
			r->opts.progress(r->opts.progress_ud, n_done, r->stats.events_accepted);
	}
	if (r->opts.progress && n_done > 0xffff)
		r->opts.progress(r->opts.progress_ud, n_done, n_done);
	rc = eval_finish(ev, &err);
	if (rc) {
		take_err(r, &err);
		goto done;
	}
	qsort(r->totals, r->n_totals, sizeof *r->totals, cmp_totals);
	qsort(r->kinds, r->n_kinds, sizeof *r->kinds, cmp_kinds);
	for (size_t i = 0; i < r->n_totals; i++) {
		int minor = currency_minor_unit(&r->policy->versions[r->policy->n_versions - 1],
						r->totals[i].code, strlen(r->totals[i].code));
		dec_format(r->totals[i].text, sizeof r->totals[i].text, r->totals[i].amount,
			   minor < 0 ? 0 : minor, false);
	}
done:
	free(err);
	eval_destroy(ev);
	evsrc_destroy(src);
	return rc;
}

const inc_run_stats *inc_run_get_stats(const inc_run *r)
{
	return &r->stats;
}

int inc_run_total(const inc_run *r, size_t i, const char **currency,
		  const char **amount)
{
	if (i >= r->n_totals)
		return INC_ENOTFOUND;
	*currency = r->totals[i].code;
	*amount = r->totals[i].text;
	return 0;
}

int inc_run_kind_count(const inc_run *r, size_t i, const char **kind,
		       uint64_t *n)
{
	if (i >= r->n_kinds)
		return INC_ENOTFOUND;
	*kind = r->kinds[i].name;
	*n = r->kinds[i].n;
	return 0;
}

const char *inc_run_errmsg(const inc_run *r)
{
	return r->errmsg ? r->errmsg : "";
}
