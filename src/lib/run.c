/*
 * run.c: the public run API (include/incentive.h) over the internal
 * stages: roster (people, quotas) -> event source (validated, ordered) ->
 * evaluator -> the caller's sink.  It also keeps the run's summary: counts,
 * decisions per kind and totals per currency.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "eval.h"
#include "fx.h"
#include "input.h"
#include "outq.h"
#include "pipeline.h"
#include "state.h"

#define MAX_TOTALS 64
#define MAX_KINDS 32
/* events from which reading on a second thread is worth starting one */
#define PIPE_MIN_EVENTS 4096

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
	char *state_in_copy;	/* opts.state_in set by replay (run_set_state_in) */
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
	audit_run *audit; /* recorded (or replayed) in an audit database */
	outq *outq;	  /* the sink thread, during execute (outq.h) */
	/* during execute: the evaluator, the events taken so far and how
	 * many are expected (for opts.progress) */
	evaluator *ev;
	uint64_t n_done, n_expected;
	fx_rates *rates;  /* --rates, or NULL */
	currency_total totals[MAX_TOTALS];
	size_t n_totals;
	kind_count kinds[MAX_KINDS];
	size_t n_kinds;
	/* per-decision caches: the last kind and currency counted, and the
	 * text of the last period (decisions come in runs of one period) */
	size_t last_kind, last_total;
	bool have_period_text;
	int32_t period_of_text;
	char period_text[16];
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
	} else if (!r->errmsg) {
		/* the stage failed and could not allocate its message */
		set_err(r, "out of memory");
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
	free(r->state_in_copy);
	audit_run_destroy(r->audit);
	fx_destroy(r->rates);
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

/* The audit layer's failure as the run's. */
static int audit_status(inc_run *r, int rc)
{
	if (rc && r->audit)
		/* no message: the audit layer could not allocate one */
		set_err(r, audit_run_error(r->audit) ? audit_run_error(r->audit)
						      : "out of memory");
	return rc;
}

int inc_run_add_people(inc_run *r, const char *path)
{
	if (r->audit && audit_status(r, audit_run_input(r->audit, "people", path)))
		return INC_ERROR;
	return load_status(r, roster_load_people(&r->roster, &r->ictx, path));
}

int inc_run_add_quotas(inc_run *r, const char *path)
{
	if (r->audit && audit_status(r, audit_run_input(r->audit, "quotas", path)))
		return INC_ERROR;
	return load_status(r, roster_load_quotas(&r->roster, &r->ictx, path));
}

int inc_run_add_rates(inc_run *r, const char *path)
{
	if (r->audit && audit_status(r, audit_run_input(r->audit, "rates", path)))
		return INC_ERROR;
	if (!r->rates && fx_create(&r->rates) != 0)
		return INC_ERROR;
	return load_status(r, fx_load(r->rates, &r->ictx, path, &r->stats.rates,
				      &r->stats.rates_rejected));
}

int inc_run_add_events(inc_run *r, const char *path)
{
	if (r->audit && audit_status(r, audit_run_input(r->audit, "events", path)))
		return INC_ERROR;
	char **p = realloc(r->event_paths, sizeof *p * (r->n_event_paths + 1));
	if (!p) {
		set_err(r, "out of memory");
		return INC_ERROR;
	}
	r->event_paths = p;
	p[r->n_event_paths] = strdup(path);
	if (!p[r->n_event_paths]) {
		set_err(r, "out of memory");
		return INC_ERROR;
	}
	r->n_event_paths++;
	return 0;
}

static void count(inc_run *r, const char *kind, const char *currency,
		  bool has_amount, dec amount)
{
	size_t i = r->last_kind;

	if (i < r->n_kinds && strcmp(r->kinds[i].name, kind) == 0)
		goto kind_found;
	for (i = 0; i < r->n_kinds; i++)
		if (strcmp(r->kinds[i].name, kind) == 0)
			break;
	if (i == r->n_kinds && i < MAX_KINDS) {
		snprintf(r->kinds[i].name, sizeof r->kinds[i].name, "%s", kind);
		r->n_kinds++;
	}
	r->last_kind = i;
kind_found:
	if (i < r->n_kinds)
		r->kinds[i].n++;
	if (!has_amount)
		return;
	i = r->last_total;
	if (i < r->n_totals && strcmp(r->totals[i].code, currency) == 0)
		goto total_found;
	for (i = 0; i < r->n_totals; i++)
		if (strcmp(r->totals[i].code, currency) == 0)
			break;
	if (i == r->n_totals && i < MAX_TOTALS) {
		snprintf(r->totals[i].code, sizeof r->totals[i].code, "%s", currency);
		r->totals[i].amount = dec_zero();
		r->n_totals++;
	}
	r->last_total = i;
total_found:
	if (i < r->n_totals)
		(void)dec_add(&r->totals[i].amount, r->totals[i].amount, amount);
}

/* "D%06llu" without snprintf (a few hundred instructions a decision). */
static void decision_id(char *out, uint64_t n)
{
	char digits[24];
	size_t k = 0;

	do {
		digits[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	*out++ = 'D';
	for (size_t pad = k; pad < 6; pad++)
		*out++ = '0';
	while (k)
		*out++ = digits[--k];
	*out = '\0';
}

/* Writes a decision out and passes it to the audit record and the sink
 * (on the sink thread when there is one). */
static int deliver(inc_run *r, const eval_decision *d, uint64_t seq)
{
	inc_decision out;
	char id[32], amount[72];

	decision_id(id, seq);
	if (!r->have_period_text || r->period_of_text != d->period) {
		period_format(r->period_text, r->policy->versions[0].period, d->period);
		r->period_of_text = d->period;
		r->have_period_text = true;
	}
	memset(&out, 0, sizeof out);
	out.id = id;
	out.period = r->period_text;
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
	if (r->audit && audit_run_decision(r->audit, &out, d->has_amount, d->amount))
		return -1;
	return r->sink ? r->sink(r->sink_ud, &out) : 0;
}

static int emit(void *ud, const eval_decision *d)
{
	inc_run *r = ud;

	r->stats.decisions++;
	/* with a sink thread the decision is written out there (outq.h), and
	 * counted there too (deliver_item: the same decisions in the same
	 * order, read only after the thread is done; ~220 instructions an
	 * event off the evaluating thread on the default policy) */
	if (r->outq)
		return outq_decision(r->outq, d, r->stats.decisions);
	count(r, d->kind, d->who->currency, d->has_amount, d->amount);
	return deliver(r, d, r->stats.decisions);
}

/* A decision the audit layer adds (the adjustment lines of a locked
 * period): numbered, counted, recorded and passed on like the others. */
static int emit_extra(void *ud, inc_decision *d, bool has_amount, dec amount)
{
	inc_run *r = ud;
	char id[32];

	r->stats.decisions++;
	snprintf(id, sizeof id, "D%06llu", (unsigned long long)r->stats.decisions);
	d->id = id;
	count(r, d->kind, d->currency ? d->currency : "", has_amount, amount);
	if (r->audit && audit_run_decision(r->audit, d, has_amount, amount))
		return -1;
	return r->sink ? r->sink(r->sink_ud, d) : 0;
}

int run_set_state_in(inc_run *r, const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return INC_ERROR;
	free(r->state_in_copy);
	r->state_in_copy = copy;
	r->opts.state_in = copy;
	return 0;
}

int run_attach_audit(inc_run *r, audit_run *ar)
{
	if (r->audit || r->executed || r->n_event_paths || r->roster.n_people) {
		set_err(r, "an audit database is attached before any input is added");
		audit_run_destroy(ar);
		return INC_ERROR;
	}
	r->audit = ar;
	r->ictx.diag = audit_run_diag;
	r->ictx.ud = ar;
	r->opts.omit = 0; /* the record keeps every reason and detail */
	return 0;
}

int inc_run_set_audit(inc_run *r, inc_audit *a, const inc_audit_run_options *o)
{
	audit_run *ar = NULL;
	char *err = NULL;
	int rc;

	if (r->audit || r->executed || r->n_event_paths || r->roster.n_people) {
		set_err(r, "an audit database is attached before any input is added");
		return INC_ERROR;
	}
	rc = audit_run_create(&ar, a, r->policy, &r->opts, o, r->diag, r->ud, &err);
	if (rc) {
		set_err(r, err ? err : "cannot record the run");
		free(err);
		return rc;
	}
	return run_attach_audit(r, ar);
}

const inc_audit_run_info *inc_run_audit_info(const inc_run *r)
{
	return r->audit ? audit_run_get_info(r->audit) : NULL;
}

static int deliver_figures(inc_run *r, const eval_totals *t)
{
	inc_period_figures f;
	char credited[72], quo[72], earned[72];

	if (!r->have_period_text || r->period_of_text != t->period) {
		period_format(r->period_text, r->policy->versions[0].period, t->period);
		r->period_of_text = t->period;
		r->have_period_text = true;
	}
	dec_format(credited, sizeof credited, t->credited, t->who->minor, false);
	dec_format(earned, sizeof earned, t->earned, t->who->minor, false);
	if (t->has_quota)
		dec_format(quo, sizeof quo, t->quota, t->who->minor, false);
	f.person = t->who->id;
	f.period = r->period_text;
	f.currency = t->who->currency;
	f.credited = credited;
	f.quota = t->has_quota ? quo : NULL;
	f.earned = earned;
	return r->opts.period_figures(r->opts.period_figures_ud, &f);
}

static int figures(void *ud, const eval_totals *t)
{
	inc_run *r = ud;

	return r->outq ? outq_figures(r->outq, t) : deliver_figures(r, t);
}

/* The sink thread's side of outq. */
static int deliver_item(void *ud, const outq_item *it)
{
	inc_run *r = ud;

	if (it->figures)
		return deliver_figures(r, &it->t);
	count(r, it->d.kind, it->d.who->currency, it->d.has_amount, it->d.amount);
	return deliver(r, &it->d, it->seq);
}

static int cmp_totals(const void *a, const void *b)
{
	return strcmp(((const currency_total *)a)->code, ((const currency_total *)b)->code);
}

static int cmp_kinds(const void *a, const void *b)
{
	return strcmp(((const kind_count *)a)->name, ((const kind_count *)b)->name);
}

/* One accepted event, evaluated (in (date, id) order). */
static int take_event(inc_run *r, const event *e)
{
	char *err = NULL;
	int rc;

	if (r->audit && (rc = audit_status(r, audit_run_event(r->audit, e))) != 0)
		return rc;
	if ((rc = eval_event(r->ev, e, &err)) != 0) {
		take_err(r, &err);
		return rc;
	}
	if (r->opts.progress && (++r->n_done & 0xffff) == 0)
		r->opts.progress(r->opts.progress_ud, r->n_done, r->n_expected);
	return 0;
}

/* input_ctx.accepted of one pass on this thread. */
static int take_accepted(void *ud, const event *e)
{
	return take_event(ud, e);
}

/* The events from pipe (or from src on this thread), evaluated. */
static int take_all(inc_run *r, evsrc *src, evpipe *pipe)
{
	for (;;) {
		const event *e = NULL;
		int rc = pipe ? evpipe_next(pipe, &e) : evsrc_next(src, &e);

		if (rc == 0)
			return 0;
		if (rc < 0)
			return rc; /* the message is the reader's */
		if ((rc = take_event(r, e)) != 0)
			return rc;
	}
}

/* Pass 1 on its own (two passes): every line checked before anything is
 * evaluated; the files are read again by evsrc_next. */
static int check_events(inc_run *r, evsrc **src)
{
	int rc;

	rc = evsrc_create(src, &r->ictx, &r->roster,
			  (const char *const *)r->event_paths, r->n_event_paths);
	if (rc)
		return load_status(r, rc);
	if (r->opts.strict && (r->stats.events_rejected || r->stats.people_rejected ||
			       r->stats.quotas_rejected || r->stats.rates_rejected)) {
		char buf[200];
		snprintf(buf, sizeof buf,
			 "--strict: %llu input line(s) rejected; nothing was computed",
			 (unsigned long long)(r->stats.events_rejected + r->stats.people_rejected +
					      r->stats.quotas_rejected + r->stats.rates_rejected));
		set_err(r, buf);
		return INC_EREJECTED;
	}
	if (r->audit && (rc = audit_status(r, audit_run_start(r->audit, &r->roster))) != 0)
		return rc;
	r->n_expected = r->stats.events_accepted;
	return 0;
}

/* One pass (evsrc_one_pass): pass 1 hands each event to the evaluator as
 * it accepts it, on a reader thread (evpipe_start_checking) or, with one
 * thread or few events, on this one.  The events, the decisions and the
 * messages come in the same order as with two passes' pass 2; only pass
 * 1's messages are no longer all before the evaluation's. */
static int run_one_pass(inc_run *r)
{
	const char *const *paths = (const char *const *)r->event_paths;
	evsrc *src = NULL;
	evpipe *pipe = NULL;
	int rc;

	if (r->opts.threads != 1 && r->n_expected >= PIPE_MIN_EVENTS) {
		/* the reader thread splits the records itself: a third
		 * thread for that cost 5% more wall time here (the records
		 * copied once more; three busy threads on two cores) */
		r->ictx.read_ahead = false;
		if (evpipe_start_checking(&pipe, &r->ictx, &r->roster, paths,
					  r->n_event_paths) != 0)
			pipe = NULL;
	}
	if (pipe) {
		if (r->sink && outq_start(&r->outq, deliver_item, r) != 0)
			r->outq = NULL;
		rc = take_all(r, NULL, pipe);
		evpipe_stop(pipe); /* pass 1's counts and message */
		if (rc < 0 && r->errmsg == NULL)
			load_status(r, rc);
		return rc;
	}
	r->ictx.read_ahead = false;
	r->ictx.accepted = take_accepted;
	r->ictx.accepted_ud = r;
	rc = evsrc_create(&src, &r->ictx, &r->roster, paths, r->n_event_paths);
	r->ictx.accepted = NULL;
	r->ictx.accepted_ud = NULL;
	evsrc_destroy(src);
	if (rc && r->errmsg == NULL)
		load_status(r, rc);
	return rc;
}

int inc_run_execute(inc_run *r, inc_sink_fn sink, void *ud)
{
	evsrc *src = NULL;
	evpipe *pipe = NULL;
	char *err = NULL;
	state_ids *known = NULL;
	bool one_pass;
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

	/* a refund may name a deal of the run that saved --state-in.  (For
	 * replay the audit record would need the state's bytes too: input
	 * role 'state', which schemas/audit.sql does not admit yet; replay
	 * already loads one through run_set_state_in.) */
	if (r->opts.state_in) {
		rc = state_ids_load(&known, r->policy, r->opts.state_in, &err);
		if (rc) {
			take_err(r, &err);
			goto done;
		}
		r->ictx.known_id = state_ids_find;
		r->ictx.known_ud = known;
	}
	/* each line read once when nothing has to be settled after all of
	 * them were read (evsrc_one_pass); --strict must see every line
	 * before computing anything, and the audit record begins with the
	 * counts of pass 1 */
	/* a second thread where the run may use one: pass 1's read-ahead
	 * (two passes), the quick look's second half (one pass) */
	r->ictx.read_ahead = r->opts.threads != 1;
	one_pass = !r->opts.strict && !r->audit &&
		   evsrc_one_pass(&r->ictx, (const char *const *)r->event_paths,
				  r->n_event_paths, &r->n_expected);
	r->stats.event_passes = one_pass ? 1 : 2;
	if (!one_pass && (rc = check_events(r, &src)) != 0)
		goto done;

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
		/* the audit record keeps every reason and detail */
		.omit_reason = (r->opts.omit & INC_OMIT_REASON) && !r->audit,
		.omit_detail = (r->opts.omit & INC_OMIT_DETAIL) && !r->audit,
		.omit_warnings = (r->opts.omit & INC_OMIT_WARNINGS) && !r->audit,
		/* a refund in a later run may refer to any deal of this one */
		.keep_all_deals = r->opts.state_out != NULL,
		.rates = r->rates,
		.totals = r->opts.period_figures ? figures : NULL,
		.totals_ud = r,
	};
	rc = eval_create(&r->ev, &cfg, &err);
	if (rc) {
		take_err(r, &err);
		goto done;
	}
	/* the carried state of an earlier run (state.c) */
	if (r->opts.state_in && (rc = state_load(r->ev, r->opts.state_in, &err)) != 0) {
		take_err(r, &err);
		goto done;
	}
	int32_t closed;
	if (r->opts.state_in && r->has_period && state_last_closed(r->ev, &closed) &&
	    r->period <= closed) {
		char buf[256], a[16], b[16];
		period_format(a, r->policy->versions[0].period, r->period);
		period_format(b, r->policy->versions[0].period, closed);
		snprintf(buf, sizeof buf,
			 "--period %s was already decided by the run that saved %s (it closed "
			 "up to %s)",
			 a, r->opts.state_in, b);
		set_err(r, buf);
		rc = INC_EINPUT;
		goto done;
	}
	if (one_pass) {
		if ((rc = run_one_pass(r)) != 0)
			goto done;
	} else {
		/* reading on a second thread pays from a few thousand events on
		 * (pipeline.h); without a thread the run reads in this one */
		if (r->opts.threads != 1 && r->n_expected >= PIPE_MIN_EVENTS &&
		    evpipe_start(&pipe, src, r->policy) != 0)
			pipe = NULL;
		/* and writing the decisions out on a third (not with an audit
		 * record, which keeps its own writer) */
		if (pipe && !r->audit && r->sink &&
		    outq_start(&r->outq, deliver_item, r) != 0)
			r->outq = NULL;
		rc = take_all(r, src, pipe);
		if (rc < 0 && r->errmsg == NULL) {
			evpipe_stop(pipe); /* the message is the reader's */
			pipe = NULL;
			load_status(r, rc);
		}
		if (rc)
			goto done;
	}
	if (r->opts.progress && r->n_done > 0xffff)
		r->opts.progress(r->opts.progress_ud, r->n_done, r->n_done);
	rc = eval_finish(r->ev, &err);
	if (rc) {
		take_err(r, &err);
		goto done;
	}
	/* every decision written out before the run counts as done */
	if (r->outq) {
		int q = outq_finish(r->outq);
		r->outq = NULL;
		if (q != 0) {
			set_err(r, "output failed");
			rc = INC_ERROR;
			goto done;
		}
	}
	if (r->audit) {
		/* adjustment lines, then the run's record is committed */
		rc = audit_run_finish(r->audit, &r->stats, emit_extra, r, &err);
		if (rc) {
			if (!err && r->errmsg == NULL)
				set_err(r, "cannot record the run");
			take_err(r, &err);
			goto done;
		}
	}
	/* the state for the next run, once everything else succeeded */
	if (r->opts.state_out && (rc = state_save(r->ev, r->opts.state_out, &err)) != 0) {
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
	(void)outq_finish(r->outq); /* the run failed: waits for the thread */
	r->outq = NULL;
	evpipe_stop(pipe); /* before the source it reads */
	free(err);
	eval_destroy(r->ev);
	r->ev = NULL;
	evsrc_destroy(src);
	r->ictx.known_id = NULL;
	r->ictx.known_ud = NULL;
	state_ids_free(known);
	if (rc && r->audit) {
		/* an audit failure explains an "output failed"; then nothing
		 * of the run stays in the database (rolled back) */
		audit_status(r, rc);
		audit_run_destroy(r->audit);
		r->audit = NULL;
		r->ictx.diag = r->diag;
		r->ictx.ud = r->ud;
	}
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
