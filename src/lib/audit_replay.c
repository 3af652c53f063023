/*
 * audit_replay.c: `incentive replay`: re-evaluates a recorded run from the
 * database alone and compares the result with what was recorded.
 *
 * The inputs are rebuilt from the record, then fed through the normal
 * readers so that nothing is evaluated differently from a run: the
 * policy from its snapshot (inc_policy_load_memory, whose hash must match
 * the recorded one), the people and quota files from their stored bytes
 * (checked against their SHA-256), and the run's accepted events as one
 * JSON Lines file written from the events table (each field exactly as
 * the engine read it).  The files go to a private temporary directory
 * that is removed afterwards.  The adjustment lines of a locked period
 * are recomputed against the final runs recorded before the replayed one.
 *
 * With another policy (`--policy DIR`, the "what if" view) the same events
 * are evaluated under it; the comparison then shows, per person and in
 * total, what would have been paid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "model.h"

#define MAX_DIFFS 1000

typedef struct money_row {
	char *person, *currency;
	dec recorded, replayed;
	char t_recorded[72], t_replayed[72], t_change[72];
} money_row;

struct inc_replay {
	inc_replay_summary sum;
	char policy[65];
	inc_replay_diff *diffs;
	size_t n_diffs;
	money_row *money;
	size_t n_money, cap_money;
	strmap money_ix;
	size_t n_people_rows; /* rows before the currency totals */
	arena mem;
};

typedef struct cmp_state {
	inc_audit *a;
	inc_replay *rp;
	sqlite3_stmt *rec; /* the recorded decisions, in order */
	bool rec_done;
	int rc;
	char *err;
	detail_shapes shapes; /* the recorded details' (schema version 3) */
	canon detail;
} cmp_state;

static const char *const dcols[] = {"id",     "period",	  "person", "kind",
				    "amount", "currency", "rule",   "events",
				    "reason", "version",  "detail"};

static char *keep(inc_replay *rp, const char *s)
{
	return s ? arena_strdup(&rp->mem, s) : NULL;
}

static void add_diff(inc_replay *rp, const char *id, const char *col,
		     const char *rec, const char *rep)
{
	if (rp->n_diffs >= MAX_DIFFS)
		return;
	inc_replay_diff *d = &rp->diffs[rp->n_diffs++];
	d->decision = keep(rp, id);
	d->column = col;
	d->recorded = keep(rp, rec);
	d->replayed = keep(rp, rep);
}

/* money[person, currency] += amount on one side */
static int add_money(inc_replay *rp, const char *pid, const char *currency,
		     const char *amount, bool replayed)
{
	char key[400];
	uint32_t ix;
	dec d;
	int n;

	if (!amount || !currency)
		return 0;
	if (dec_parse(&d, amount, strlen(amount), false) != DEC_OK)
		return INC_EAUDIT;
	n = snprintf(key, sizeof key, "%s%c%s", pid, 0, currency);
	if (n < 0 || (size_t)n >= sizeof key)
		return INC_ERROR;
	if (!strmap_get(&rp->money_ix, key, (size_t)n, &ix)) {
		if (rp->n_money == rp->cap_money) {
			size_t cap = rp->cap_money ? rp->cap_money * 2 : 64;
			money_row *m = realloc(rp->money, cap * sizeof *m);
			if (!m)
				return INC_ERROR;
			rp->money = m;
			rp->cap_money = cap;
		}
		ix = (uint32_t)rp->n_money;
		money_row *m = &rp->money[ix];
		memset(m, 0, sizeof *m);
		m->person = keep(rp, pid);
		m->currency = keep(rp, currency);
		m->recorded = dec_zero();
		m->replayed = dec_zero();
		if (!m->person || !m->currency ||
		    strmap_put(&rp->money_ix, key, (size_t)n, ix, NULL) < 0)
			return INC_ERROR;
		rp->n_money++;
	}
	money_row *m = &rp->money[ix];
	dec *t = replayed ? &m->replayed : &m->recorded;
	return dec_add(t, *t, d) == DEC_OK ? 0 : INC_EARITH;
}

static const char *rcol(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static bool streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Steps the recorded side: true when there is a row. */
static bool next_recorded(cmp_state *cs)
{
	if (cs->rec_done)
		return false;
	int s = sqlite3_step(cs->rec);
	if (s == SQLITE_ROW) {
		cs->rp->sum.recorded++;
		if (add_money(cs->rp, rcol(cs->rec, 2), rcol(cs->rec, 5),
			      rcol(cs->rec, 4), false) != 0 &&
		    !cs->rc)
			cs->rc = INC_ERROR;
		return true;
	}
	cs->rec_done = true;
	if (s != SQLITE_DONE && !cs->rc) {
		cs->rc = audit_db_err(cs->a, "cannot read decisions");
		cs->err = strdup(inc_audit_errmsg(cs->a));
	}
	return false;
}

static int compare_sink(void *ud, const inc_decision *d)
{
	cmp_state *cs = ud;
	inc_replay *rp = cs->rp;
	const char *v[11] = {d->id,
			     d->period,
			     d->person,
			     d->kind,
			     d->amount,
			     d->currency,
			     d->rule,
			     d->events,
			     d->reason,
			     d->version ? d->version : "",
			     d->detail ? d->detail : "{}"};

	rp->sum.replayed++;
	if (add_money(rp, d->person, d->currency, d->amount, true) != 0 &&
	    !cs->rc)
		cs->rc = INC_ERROR;
	if (!next_recorded(cs)) {
		rp->sum.differing++;
		add_diff(rp, d->id, "decision", NULL,
			 d->reason ? d->reason : "");
		return cs->rc ? -1 : 0;
	}
	bool differs = false;
	for (int i = 0; i < 11; i++) {
		const char *r = rcol(cs->rec, i);
		/* the detail as the object it stands for (as stored when it
		 * does not expand: it then differs) */
		if (i == 10 && r) {
			int e = detail_expand(
			    &cs->shapes, r,
			    (size_t)sqlite3_column_bytes(cs->rec, i),
			    &cs->detail);
			if (e < 0) {
				cs->rc = INC_ERROR;
				return -1;
			}
			if (e == 0)
				r = cs->detail.buf;
		}
		if (streq(r, v[i]))
			continue;
		differs = true;
		add_diff(rp, d->id, dcols[i], r, v[i]);
	}
	if (differs)
		rp->sum.differing++;
	return cs->rc ? -1 : 0;
}

/* ---- rebuilding the inputs ---------------------------------------------- */

static int write_all(FILE *f, const void *p, size_t n)
{
	return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -1;
}

static void json_put(FILE *f, const char *s)
{
	const char *run = s;

	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fwrite(run, 1, (size_t)(s - run), f);
		run = s + 1;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else
			fprintf(f, "\\u%04x", c);
	}
	fwrite(run, 1, (size_t)(s - run), f);
	fputc('"', f);
}

/* The run's events as JSON Lines in path. */
/* Writes the run's stored events to path as JSON Lines, the id, date,
 * type and person under the names the replaying policy reads them by (its
 * `input: columns:`, e.g. `person: rep`). */
static int write_events(inc_audit *a, int64_t run, const inc_policy *pol,
			const char *path, char **err)
{
	static const char *const std[INPUT_N_COLUMNS] = {"id", "date", "type", "person"};
	const char *col[INPUT_N_COLUMNS];
	for (int c = 0; c < INPUT_N_COLUMNS; c++)
		col[c] = pol && pol->n_versions && pol->versions[0].input.columns[c]
			     ? pol->versions[0].input.columns[c]
			     : std[c];
	sqlite3_stmt *rg = NULL, *ev = NULL;
	FILE *f = fopen(path, "w");
	int rc = 0, s;

	if (!f) {
		if (asprintf(err, "cannot write %s: %s", path,
			     strerror(errno)) < 0)
			*err = NULL;
		return INC_ERROR;
	}
	if ((rc = audit_prepare(a, &rg,
				"SELECT first_seq, last_seq FROM run_events "
				"WHERE run = ? ORDER BY n")) != 0 ||
	    (rc = audit_prepare(
		 a, &ev,
		 "SELECT id, date, type, person, data FROM events "
		 "WHERE seq BETWEEN ? AND ? ORDER BY seq")) != 0)
		goto dberr;
	sqlite3_bind_int64(rg, 1, run);
	while ((s = sqlite3_step(rg)) == SQLITE_ROW) {
		sqlite3_reset(ev);
		sqlite3_bind_int64(ev, 1, sqlite3_column_int64(rg, 0));
		sqlite3_bind_int64(ev, 2, sqlite3_column_int64(rg, 1));
		int64_t want = sqlite3_column_int64(rg, 1) -
			       sqlite3_column_int64(rg, 0) + 1,
			got = 0;
		while ((s = sqlite3_step(ev)) == SQLITE_ROW) {
			const char *data = rcol(ev, 4);
			size_t dl = data ? strlen(data) : 0;
			for (int c = 0; c < INPUT_N_COLUMNS; c++) {
				fputs(c ? "," : "{", f);
				json_put(f, col[c]);
				fputc(':', f);
				json_put(f, rcol(ev, c));
			}
			if (dl > 2 && data[0] == '{' && data[dl - 1] == '}') {
				fputc(',', f);
				write_all(f, data + 1, dl - 2);
			}
			fputs("}\n", f);
			got++;
		}
		if (s != SQLITE_DONE)
			goto dberr;
		if (got != want) {
			if (asprintf(
				err,
				"%s: run %lld evaluated events seq %lld..%lld; "
				"%lld of them are missing from the database",
				a->path, (long long)run,
				(long long)sqlite3_column_int64(rg, 0),
				(long long)sqlite3_column_int64(rg, 1),
				(long long)(want - got)) < 0)
				*err = NULL;
			rc = INC_EAUDIT;
			goto done;
		}
	}
	if (s != SQLITE_DONE)
		goto dberr;
	goto done;
dberr:
	rc = audit_db_err(a, "cannot read the run's events");
	*err = strdup(inc_audit_errmsg(a));
done:
	sqlite3_finalize(rg);
	sqlite3_finalize(ev);
	if (fclose(f) != 0 && rc == 0) {
		if (asprintf(err, "cannot write %s: %s", path,
			     strerror(errno)) < 0)
			*err = NULL;
		rc = INC_ERROR;
	}
	return rc;
}

typedef struct tmpdir {
	char *dir;
	char **files;
	size_t n;
} tmpdir;

static char *tmp_file(tmpdir *t, const char *name)
{
	char *p = NULL, **f;

	if (asprintf(&p, "%s/%s", t->dir, name) < 0)
		return NULL;
	f = realloc(t->files, (t->n + 1) * sizeof *f);
	if (!f) {
		free(p);
		return NULL;
	}
	t->files = f;
	t->files[t->n++] = p;
	return p;
}

static void tmp_remove(tmpdir *t)
{
	for (size_t i = 0; i < t->n; i++) {
		unlink(t->files[i]);
		free(t->files[i]);
	}
	free(t->files);
	if (t->dir) {
		rmdir(t->dir);
		free(t->dir);
	}
}

static int cmp_money(const void *a, const void *b)
{
	const money_row *x = a, *y = b;
	int c = strcmp(x->person, y->person);
	return c ? c : strcmp(x->currency, y->currency);
}

static int cmp_currency(const void *a, const void *b)
{
	return strcmp(((const money_row *)a)->currency,
		      ((const money_row *)b)->currency);
}

/* Sorts the per-person rows and appends one total row per currency. */
static int finish_money(inc_replay *rp)
{
	size_t n = rp->n_money;
	money_row *tot = NULL;
	size_t nt = 0;

	if (n)
		qsort(rp->money, n, sizeof *rp->money, cmp_money);
	tot = calloc(n + 1, sizeof *tot);
	if (!tot)
		return INC_ERROR;
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < nt; k++)
			if (strcmp(tot[k].currency, rp->money[i].currency) == 0)
				break;
		if (k == nt) {
			tot[nt].currency = rp->money[i].currency;
			tot[nt].recorded = dec_zero();
			tot[nt].replayed = dec_zero();
			nt++;
		}
		if (dec_add(&tot[k].recorded, tot[k].recorded,
			    rp->money[i].recorded) != DEC_OK ||
		    dec_add(&tot[k].replayed, tot[k].replayed,
			    rp->money[i].replayed) != DEC_OK) {
			free(tot);
			return INC_EARITH;
		}
	}
	if (nt)
		qsort(tot, nt, sizeof *tot, cmp_currency);
	if (n + nt > rp->cap_money) {
		money_row *m = realloc(rp->money, (n + nt) * sizeof *m);
		if (!m) {
			free(tot);
			return INC_ERROR;
		}
		rp->money = m;
		rp->cap_money = n + nt;
	}
	for (size_t k = 0; k < nt; k++) {
		tot[k].person = NULL;
		rp->money[n + k] = tot[k];
	}
	rp->n_people_rows = n;
	rp->n_money = n + nt;
	free(tot);
	for (size_t i = 0; i < rp->n_money; i++) {
		money_row *m = &rp->money[i];
		dec ch;
		int sc = m->recorded.scale > m->replayed.scale
			     ? m->recorded.scale
			     : m->replayed.scale;
		if (dec_sub(&ch, m->replayed, m->recorded) != DEC_OK)
			return INC_EARITH;
		dec_format(m->t_recorded, sizeof m->t_recorded, m->recorded, sc,
			   false);
		dec_format(m->t_replayed, sizeof m->t_replayed, m->replayed, sc,
			   false);
		dec_format(m->t_change, sizeof m->t_change, ch, sc, false);
	}
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int inc_audit_replay(inc_replay **out, inc_audit *a, int64_t run,
		     const inc_policy *other, inc_diag_fn diag, void *ud,
		     char **errmsg_out)
{
	inc_replay *rp = calloc(1, sizeof *rp);
	inc_policy *snap = NULL;
	const inc_policy *pol = other;
	inc_run *r = NULL;
	audit_run *ar = NULL;
	sqlite3_stmt *st = NULL;
	cmp_state cs = {0};
	tmpdir td = {0};
	char *err = NULL, *policy_hash = NULL, *root = NULL, *period = NULL;
	int strict = 0;
	int64_t after = 0, last = 0;
	int rc = INC_ERROR;

	if (errmsg_out)
		*errmsg_out = NULL;
	if (!rp)
		return INC_ERROR;
	arena_init(&rp->mem);
	strmap_init(&rp->money_ix);
	detail_shapes_init(&cs.shapes);
	canon_init(&cs.detail);
	rp->diffs = calloc(MAX_DIFFS, sizeof *rp->diffs);
	if (!rp->diffs)
		goto oom;
	/* a consistent snapshot of the record */
	if ((rc = audit_exec(a, "BEGIN")) != 0)
		goto auditerr;
	if (run <= 0) {
		inc_audit_run_info info;
		if ((rc = inc_audit_get_run(a, 0, &info)) != 0)
			goto auditerr;
		run = info.run;
	}
	rp->sum.run = run;
	if ((rc = audit_prepare(a, &st,
				"SELECT policy, policy_root, period, options "
				"FROM runs WHERE run = ?")) != 0)
		goto auditerr;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) != SQLITE_ROW) {
		audit_set_err(a, "%s: no run %lld", a->path, (long long)run);
		rc = INC_ENOTFOUND;
		goto auditerr;
	}
	policy_hash = strdup(rcol(st, 0));
	root = strdup(rcol(st, 1));
	period = rcol(st, 2) ? strdup(rcol(st, 2)) : NULL;
	strict = rcol(st, 3) && strstr(rcol(st, 3), "\"strict\":true") != NULL;
	sqlite3_finalize(st);
	st = NULL;
	if (!policy_hash || !root)
		goto oom;
	if (!pol) {
		if ((rc = audit_load_policy(a, policy_hash, root, diag, ud,
					    &snap)) != 0)
			goto auditerr;
		pol = snap;
	}
	snprintf(rp->policy, sizeof rp->policy, "%s", inc_policy_hash(pol));
	rp->sum.policy = rp->policy;

	/* the inputs, rebuilt in a private directory */
	{
		const char *t = getenv("TMPDIR");
		if (asprintf(&td.dir, "%s/incentive-replay-XXXXXX",
			     t && *t ? t : "/tmp") < 0) {
			td.dir = NULL;
			goto oom;
		}
		if (!mkdtemp(td.dir)) {
			if (asprintf(&err,
				     "cannot create a temporary directory: %s",
				     strerror(errno)) < 0)
				err = NULL;
			free(td.dir);
			td.dir = NULL;
			rc = INC_ERROR;
			goto done;
		}
	}
	inc_run_options ro = {.period = period, .strict = strict};
	if ((rc = inc_run_create(&r, pol, &ro, diag, ud)) != 0) {
		err = strdup(r ? inc_run_errmsg(r) : "out of memory");
		goto done;
	}
	if ((rc = audit_run_create_replay(&ar, a, run, period, diag, ud,
					  &err)) != 0)
		goto done;
	rc = run_attach_audit(r, ar);
	ar = NULL;
	if (rc) {
		err = strdup(inc_run_errmsg(r));
		goto done;
	}
	if ((rc = audit_prepare(
		 a, &st,
		 "SELECT n, role, path, sha256, stored FROM run_inputs "
		 "WHERE run = ? ORDER BY n")) != 0)
		goto auditerr;
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *role = rcol(st, 1), *sha = rcol(st, 3);
		char name[300], *bytes = NULL, *path;
		size_t len = 0;
		uint8_t md[32];
		char hex[65];
		hasher h = {0};
		if (strcmp(role, "events") == 0)
			continue;
		if (!sqlite3_column_int(st, 4)) {
			if (asprintf(&err,
				     "%s: run %lld's %s file %s was not stored",
				     a->path, (long long)run, role,
				     rcol(st, 2)) < 0)
				err = NULL;
			rc = INC_EAUDIT;
			goto done;
		}
		if ((rc = audit_read_blob(a, sha, &bytes, &len)) != 0)
			goto auditerr;
		if (hasher_init(&h) == 0 &&
		    hasher_digest(&h, md, bytes, len) == 0)
			hex_encode(hex, md);
		else
			hex[0] = '\0';
		hasher_finish(&h);
		if (strcmp(hex, sha) != 0) {
			free(bytes);
			if (asprintf(&err,
				     "%s: the stored %s file %s was altered "
				     "(sha256 %.12s, "
				     "recorded %.12s)",
				     a->path, role, rcol(st, 2), hex, sha) < 0)
				err = NULL;
			rc = INC_EAUDIT;
			goto done;
		}
		snprintf(name, sizeof name, "%lld-%s",
			 (long long)sqlite3_column_int64(st, 0),
			 base_name(rcol(st, 2)));
		path = tmp_file(&td, name);
		FILE *f = path ? fopen(path, "w") : NULL;
		if (!f || write_all(f, bytes, len) != 0 || fclose(f) != 0) {
			free(bytes);
			if (asprintf(&err, "cannot write %s: %s",
				     path ? path : name, strerror(errno)) < 0)
				err = NULL;
			rc = INC_ERROR;
			goto done;
		}
		free(bytes);
		rc = strcmp(role, "people") == 0 ? inc_run_add_people(r, path)
		     : strcmp(role, "rates") == 0
			 ? inc_run_add_rates(r, path) /* plans */
		     : strcmp(role, "state") == 0
			 ? run_set_state_in(r, path) /* conduct, state.c */
			 : inc_run_add_quotas(r, path);
		if (rc) {
			err = strdup(inc_run_errmsg(r));
			goto done;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	{
		char *ev_path = tmp_file(&td, "events.jsonl");
		if (!ev_path)
			goto oom;
		if ((rc = write_events(a, run, pol, ev_path, &err)) != 0)
			goto done;
		if ((rc = inc_run_add_events(r, ev_path)) != 0) {
			err = strdup(inc_run_errmsg(r));
			goto done;
		}
	}

	/* evaluate, comparing as the decisions come */
	if ((rc = audit_run_decision_range(a, run, &after, &last)) != 0 ||
	    (rc = detail_shapes_load(a, &cs.shapes)) != 0)
		goto auditerr;
	if ((rc = audit_prepare(a, &cs.rec,
				"SELECT id, period, person, kind, amount, "
				"currency, rule, events, "
				"reason, version, detail FROM decisions WHERE "
				"seq > ? AND seq <= ? "
				"ORDER BY seq")) != 0)
		goto auditerr;
	sqlite3_bind_int64(cs.rec, 1, after);
	sqlite3_bind_int64(cs.rec, 2, last);
	cs.a = a;
	cs.rp = rp;
	rc = inc_run_execute(r, compare_sink, &cs);
	if (rc || cs.rc) {
		if (cs.err) {
			err = cs.err;
			cs.err = NULL;
		} else {
			err = strdup(inc_run_errmsg(r));
		}
		if (!rc)
			rc = cs.rc;
		goto done;
	}
	while (next_recorded(&cs)) {
		rp->sum.differing++;
		add_diff(rp, rcol(cs.rec, 0), "decision", rcol(cs.rec, 8),
			 NULL);
	}
	if (cs.rc) {
		rc = cs.rc;
		err = cs.err ? cs.err : strdup("cannot read decisions");
		cs.err = NULL;
		goto done;
	}
	if ((rc = finish_money(rp)) != 0) {
		err = strdup(rc == INC_EARITH ? "arithmetic overflow in a total"
					      : "out of memory");
		goto done;
	}
	rp->sum.identical =
	    rp->sum.differing == 0 && rp->sum.recorded == rp->sum.replayed;
	rc = 0;
	goto done;
oom:
	rc = INC_ERROR;
	err = strdup("out of memory");
	goto done;
auditerr:
	if (!rc)
		rc = INC_ERROR;
	err = strdup(inc_audit_errmsg(a));
done:
	sqlite3_finalize(st);
	sqlite3_finalize(cs.rec);
	free(cs.err);
	detail_shapes_free(&cs.shapes);
	canon_finish(&cs.detail);
	sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
	inc_run_destroy(r);
	audit_run_destroy(ar);
	inc_policy_destroy(snap);
	tmp_remove(&td);
	free(policy_hash);
	free(root);
	free(period);
	if (rc) {
		if (errmsg_out)
			*errmsg_out = err;
		else
			free(err);
		inc_replay_destroy(rp);
		return rc;
	}
	free(err);
	*out = rp;
	return 0;
}

void inc_replay_destroy(inc_replay *rp)
{
	if (!rp)
		return;
	free(rp->diffs);
	free(rp->money);
	strmap_finish(&rp->money_ix);
	arena_finish(&rp->mem);
	free(rp);
}

const inc_replay_summary *inc_replay_get_summary(const inc_replay *rp)
{
	return &rp->sum;
}

int inc_replay_diff_at(const inc_replay *rp, size_t i, inc_replay_diff *out)
{
	if (i >= rp->n_diffs)
		return INC_ENOTFOUND;
	*out = rp->diffs[i];
	return 0;
}

int inc_replay_change_at(const inc_replay *rp, size_t i, inc_replay_change *out)
{
	if (i >= rp->n_money)
		return INC_ENOTFOUND;
	const money_row *m = &rp->money[i];
	out->person = m->person;
	out->currency = m->currency;
	out->recorded = m->t_recorded;
	out->replayed = m->t_replayed;
	out->change = m->t_change;
	return 0;
}
