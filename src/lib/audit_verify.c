/*
 * audit_verify.c: `incentive verify`: proves that the audit database holds
 * what the runs recorded, or names the first row where it does not.
 *
 * What is checked (docs/audit.md, "verify"):
 *  - PRAGMA integrity_check, and that the schema (tables, indexes and the
 *    append-only triggers) is exactly schemas/audit.sql;
 *  - every blob against its SHA-256, every policy snapshot against its
 *    policy hash;
 *  - the four hash chains (ledger = runs + approvals, events, rejects,
 *    decisions): each row's hash is recomputed from its canonical
 *    serialisation and its predecessor's stored hash, and positions run
 *    1, 2, 3 ... without gaps;
 *  - each run's record of the chains (row counts and head hashes), and of
 *    its side tables (inputs, roster, event ranges) by their digests;
 *  - optionally, that a head hash written down earlier is in the ledger.
 *
 * A chain reports its first bad row only, classified: "changed" (the row
 * no longer matches its hash), "deleted" (rows are missing before it),
 * "inserted" (a row that is not part of the record) or "reordered" (the
 * row was recorded at another position).  The classification tries the
 * row's hash against nearby positions and predecessors (a window of
 * WINDOW rows), which is how a row that moved is told from one that
 * changed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define WINDOW 8
#define MAX_COLS 40

typedef struct tspec {
	const char *table;
	const char *const *cols;
	size_t ncols;
} tspec;

static const char *const run_cols[] = {
    "seq",	     "run",	      "status",
    "started",	     "engine",	      "command",
    "options",	     "policy",	      "policy_name",
    "policy_root",   "period",	      "approval",
    "locked_by",     "lines_read",    "events",
    "events_new",    "events_known",  "rejected",
    "people",	     "quotas",	      "decisions",
    "adjustments",   "inputs_sha256", "members_sha256",
    "people_sha256", "events_count",  "events_head",
    "rejects_count", "rejects_head",  "decisions_count",
    "decisions_head"};
enum {
	RC_RUN = 1,
	RC_STATUS = 2,
	RC_POLICY = 7,
	RC_APPROVAL = 11,
	RC_DECISIONS = 20,
	RC_INPUTS = 22,
	RC_MEMBERS = 23,
	RC_PEOPLE = 24,
	RC_EV_COUNT = 25,
	RC_EV_HEAD = 26,
	RC_RJ_COUNT = 27,
	RC_RJ_HEAD = 28,
	RC_DC_COUNT = 29,
	RC_DC_HEAD = 30,
};
static const char *const approval_cols[] = {
    "seq",	   "approval", "policy",     "policy_name",
    "approved_by", "note",     "approved_at"};
static const char *const event_cols[] = {
    "seq", "id", "date", "type", "person", "data", "run", "input", "line"};
static const char *const reject_cols[] = {"seq",      "run",	 "file", "line",
					  "severity", "message", "hint"};
static const char *const decision_cols[] = {
    "seq",	"run",	"id",	  "period", "person",  "kind",	"amount",
    "currency", "rule", "events", "reason", "version", "detail"};
static const char *const input_cols[] = {"run",	 "n",	   "role",  "path",
					 "size", "sha256", "stored"};
static const char *const people_cols[] = {
    "run",  "n",       "person", "name",    "level",
    "team", "manager", "hired",	 "left_on", "currency"};
static const char *const member_cols[] = {"run", "n", "first_seq", "last_seq"};
/* simulations (schema version 2): a third kind of ledger entry */
static const char *const sim_cols[] = {
    "seq",	     "simulation",    "started",       "engine",
    "command",	     "made_by",	      "note",	       "options",
    "policy_a",	     "policy_a_name", "policy_a_root", "policy_b",
    "policy_b_name", "policy_b_root", "label_a",       "label_b",
    "scenario",	     "scenario_name", "seed",	       "trials",
    "events",	     "events_used",   "people",	       "inputs_sha256",
    "totals_sha256", "people_sha256"};
enum {
	SC_SIM = 1,
	SC_POLICY_A = 8,
	SC_POLICY_B = 11,
	SC_SCENARIO = 16,
	SC_INPUTS = 23,
	SC_TOTALS = 24,
	SC_PEOPLE = 25,
};
static const char *const sim_input_cols[] = {
    "simulation", "n", "role", "path", "size", "sha256", "stored"};
static const char *const sim_total_cols[] = {
    "simulation", "n",	    "side",   "currency", "credited", "cost",
    "mc_mean",	  "mc_p10", "mc_p50", "mc_p90",	  "mc_min",   "mc_max"};
static const char *const sim_people_cols[] = {
    "simulation", "n",	      "side",	   "person",	 "name", "team",
    "level",	  "currency", "credited", "attainment", "pay"};

#define SPEC(t, c)                                                             \
	{                                                                      \
		t, c, sizeof c / sizeof *c                                     \
	}
static const tspec t_runs = SPEC("runs", run_cols);
static const tspec t_approvals = SPEC("approvals", approval_cols);
static const tspec t_events = SPEC("events", event_cols);
static const tspec t_rejects = SPEC("rejects", reject_cols);
static const tspec t_decisions = SPEC("decisions", decision_cols);
static const tspec t_inputs = SPEC("run_inputs", input_cols);
static const tspec t_people = SPEC("run_people", people_cols);
static const tspec t_members = SPEC("run_events", member_cols);
static const tspec t_sims = SPEC("simulations", sim_cols);
static const tspec t_sim_inputs = SPEC("simulation_inputs", sim_input_cols);
static const tspec t_sim_totals = SPEC("simulation_totals", sim_total_cols);
static const tspec t_sim_people = SPEC("simulation_people", sim_people_cols);
enum { DC_DETAIL = 12 }; /* decision_cols */

/* One row: its canonical columns (NULL: SQL NULL) and stored hash. */
typedef struct vrow {
	const tspec *t;
	int64_t seq;
	const char *v[MAX_COLS];
	size_t len[MAX_COLS];
	char *own; /* the values' storage when copied */
	uint8_t hash[32];
	bool hash_ok;
} vrow;

typedef struct verifier {
	inc_audit *a;
	hasher h;
	canon c;
	inc_audit_finding_fn fn;
	void *ud;
	inc_audit_verify_summary *sum;
	int failed; /* INC_ERROR when a check could not be made */
	vrow *ledger;
	size_t n_ledger;
	/* schema version 3: decisions store their detail compactly; the
	 * chain is over the detail object (audit_detail.c) */
	detail_shapes shapes;
	canon detail;
} verifier;

static void finding(verifier *vf, const char *table, int64_t seq,
		    const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void finding(verifier *vf, const char *table, int64_t seq,
		    const char *kind, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	vf->sum->problems++;
	if (vf->fn) {
		inc_audit_finding f = {table, seq, kind, msg};
		vf->fn(vf->ud, &f);
	}
}

static void db_fail(verifier *vf, const char *what)
{
	audit_db_err(vf->a, what);
	vf->failed = INC_ERROR;
}

/* ---- rows ------------------------------------------------------------------
 */

static int row_fill(verifier *vf, vrow *r, const tspec *t, sqlite3_stmt *st,
		    bool copy)
{
	size_t total = 0;

	free(r->own);
	r->own = NULL;
	r->t = t;
	for (size_t i = 0; i < t->ncols; i++) {
		if (sqlite3_column_type(st, (int)i) == SQLITE_NULL) {
			r->v[i] = NULL;
			r->len[i] = 0;
			continue;
		}
		r->v[i] = (const char *)sqlite3_column_text(st, (int)i);
		r->len[i] = (size_t)sqlite3_column_bytes(st, (int)i);
		/* the detail object the row stands for; a detail that does
		 * not expand is hashed as stored (and so found changed) */
		if (t == &t_decisions && i == DC_DETAIL && r->v[i]) {
			int e = detail_expand(&vf->shapes, r->v[i], r->len[i],
					      &vf->detail);
			if (e < 0)
				return -1;
			if (e == 0) {
				r->v[i] = vf->detail.buf;
				r->len[i] = vf->detail.len;
			}
		}
		total += r->len[i] + 1;
	}
	r->seq = sqlite3_column_int64(st, 0);
	r->hash_ok = sqlite3_column_type(st, (int)t->ncols) == SQLITE_BLOB &&
		     sqlite3_column_bytes(st, (int)t->ncols) == 32;
	if (r->hash_ok)
		memcpy(r->hash, sqlite3_column_blob(st, (int)t->ncols), 32);
	if (copy) {
		char *p = malloc(total + 1);
		if (!p)
			return -1;
		r->own = p;
		for (size_t i = 0; i < t->ncols; i++) {
			if (!r->v[i])
				continue;
			memcpy(p, r->v[i], r->len[i]);
			p[r->len[i]] = '\0';
			r->v[i] = p;
			p += r->len[i] + 1;
		}
	}
	return 0;
}

static void row_free(vrow *r)
{
	free(r->own);
	r->own = NULL;
}

/* The chain hash of r after prev; seq_as >= 0 puts r at that position. */
static int row_hash(verifier *vf, const vrow *r, const uint8_t prev[32],
		    int64_t seq_as, uint8_t out[32])
{
	canon *c = &vf->c;

	canon_begin(c, r->t->table, prev);
	for (size_t i = 0; i < r->t->ncols; i++) {
		if (i == 0 && seq_as >= 0)
			canon_int(c, r->t->cols[0], seq_as);
		else
			canon_text(c, r->t->cols[i], r->v[i], r->len[i]);
	}
	return canon_hash(&vf->h, out, c);
}

static bool row_ok(verifier *vf, const vrow *r, const uint8_t prev[32],
		   int64_t pos)
{
	uint8_t h[32];

	return r->hash_ok && row_hash(vf, r, prev, pos, h) == 0 &&
	       memcmp(h, r->hash, 32) == 0;
}

static const char *val(const vrow *r, size_t i)
{
	return r->v[i] ? r->v[i] : "NULL";
}

/* "run 2 D000005 (r01 commission 120.00)" and the like. */
static void describe(char *buf, size_t cap, const vrow *r)
{
	const char *t = r->t->table;

	if (strcmp(t, "decisions") == 0)
		snprintf(buf, cap, "run %s decision %s (%s %s %s)", val(r, 1),
			 val(r, 2), val(r, 4), val(r, 5), val(r, 6));
	else if (strcmp(t, "events") == 0)
		snprintf(buf, cap, "event %s (%s %s %s)", val(r, 1), val(r, 2),
			 val(r, 3), val(r, 4));
	else if (strcmp(t, "rejects") == 0)
		snprintf(buf, cap, "run %s rejected line %s:%s", val(r, 1),
			 val(r, 2), val(r, 3));
	else if (strcmp(t, "runs") == 0)
		snprintf(buf, cap, "run %s (%s)", val(r, 1), val(r, 2));
	else if (strcmp(t, "simulations") == 0)
		snprintf(buf, cap, "simulation %s of %.12s (%s)", val(r, 1),
			 val(r, SC_POLICY_A), val(r, 2));
	else
		snprintf(buf, cap, "approval %s of %.12s by %s", val(r, 1),
			 val(r, 2), val(r, 4));
}

/* ---- classification of the first bad row ------------------------------------
 */

/* win[0..n) are the rows at positions base, base+1, ...; the bad row is at
 * position pos (win[pos - base]).  Reports one finding. */
static void classify(verifier *vf, const char *chain, vrow *win, size_t n,
		     int64_t base, int64_t pos)
{
	static const uint8_t zero[32];
	size_t xi = (size_t)(pos - base);
	const vrow *x = &win[xi];
	const uint8_t *pred = xi > 0 ? win[xi - 1].hash : zero;
	char what[512];
	uint8_t h[32];

	describe(what, sizeof what, x);
	if (x->hash_ok) {
		/* which predecessor and position does its hash fit? */
		for (size_t zi = 0; zi <= n; zi++) {
			const uint8_t *z = zi == n ? zero : win[zi].hash;
			if (zi < n && (zi == xi || !win[zi].hash_ok))
				continue;
			for (int64_t s = pos - WINDOW - 1;
			     s <= pos + WINDOW + 1; s++) {
				if (s < 1 || (s == pos && z == pred))
					continue;
				if (zi == n && s != 1)
					continue; /* zero only precedes row 1 */
				if (row_hash(vf, x, z, s, h) != 0 ||
				    memcmp(h, x->hash, 32) != 0)
					continue;
				bool after_pred =
				    (zi == n && xi == 0 && base == 1) ||
				    (zi + 1 == xi);
				if (after_pred && s > pos)
					finding(vf, chain, pos, "deleted",
						"%s: %lld row(s) before seq "
						"%lld were deleted: "
						"%s was recorded at seq %lld",
						chain, (long long)(s - pos),
						(long long)pos, what,
						(long long)s);
				else if (after_pred && s < pos)
					finding(vf, chain, pos, "inserted",
						"%s: %lld row(s) were inserted "
						"before seq %lld: "
						"%s was recorded at seq %lld",
						chain, (long long)(pos - s),
						(long long)pos, what,
						(long long)s);
				else
					finding(
					    vf, chain, pos, "reordered",
					    "%s: rows were reordered: seq %lld "
					    "holds %s, "
					    "which was recorded at seq %lld",
					    chain, (long long)pos, what,
					    (long long)s);
				return;
			}
		}
	}
	/* not a moved row: is it one too many? */
	if (xi + 1 < n && row_ok(vf, &win[xi + 1], pred, pos)) {
		finding(
		    vf, chain, pos, "inserted",
		    "%s: seq %lld (%s) is not part of the record: the chain "
		    "goes on without it",
		    chain, (long long)pos, what);
		return;
	}
	/* does the next row still follow it, and at which position?  Rows
	 * deleted before it (and the rest renumbered) shift both. */
	for (int64_t d = -WINDOW; xi + 1 < n && x->hash_ok && d <= WINDOW;
	     d++) {
		if (pos + 1 + d < 2 ||
		    row_hash(vf, &win[xi + 1], x->hash, pos + 1 + d, h) != 0 ||
		    memcmp(h, win[xi + 1].hash, 32) != 0)
			continue;
		if (d > 0) {
			finding(vf, chain, pos, "deleted",
				"%s: %lld row(s) before seq %lld were deleted "
				"and the "
				"rest renumbered: %s was recorded at seq %lld",
				chain, (long long)d, (long long)pos, what,
				(long long)(pos + d));
			return;
		}
		if (d < 0) {
			finding(vf, chain, pos, "inserted",
				"%s: %lld row(s) were inserted before seq %lld "
				"and the "
				"rest renumbered: %s was recorded at seq %lld",
				chain, (long long)-d, (long long)pos, what,
				(long long)(pos + d));
			return;
		}
		break; /* d == 0: the row itself changed */
	}
	finding(vf, chain, pos, "changed",
		"%s: seq %lld (%s) was changed: its content no longer matches "
		"its hash",
		chain, (long long)pos, what);
}

/* ---- chains
 * ------------------------------------------------------------------- */

/* Where a run says a chain stood when it committed. */
typedef struct checkpoint {
	int64_t run;
	int64_t count;
	const char *head; /* hex */
	uint8_t found[32];
	bool seen;
} checkpoint;

static char *select_sql(const tspec *t, const char *tail)
{
	size_t n = 64 + strlen(t->table) + strlen(tail);
	for (size_t i = 0; i < t->ncols; i++)
		n += strlen(t->cols[i]) + 2;
	char *s = malloc(n);
	if (!s)
		return NULL;
	char *p = s + sprintf(s, "SELECT ");
	for (size_t i = 0; i < t->ncols; i++)
		p += sprintf(p, "%s, ", t->cols[i]);
	sprintf(p, "hash FROM %s %s", t->table, tail);
	return s;
}

/* Loads the rows at positions [from, from + n) (by seq order). */
static size_t load_window(verifier *vf, const tspec *t, int64_t from, size_t n,
			  vrow *out)
{
	char *sql = select_sql(t, "ORDER BY seq LIMIT ? OFFSET ?");
	sqlite3_stmt *st = NULL;
	size_t k = 0;

	if (!sql || audit_prepare(vf->a, &st, sql) != 0) {
		free(sql);
		vf->failed = INC_ERROR;
		return 0;
	}
	sqlite3_bind_int64(st, 1, (int64_t)n);
	sqlite3_bind_int64(st, 2, from - 1);
	while (k < n && sqlite3_step(st) == SQLITE_ROW) {
		memset(&out[k], 0, sizeof out[k]);
		if (row_fill(vf, &out[k], t, st, true) != 0)
			break;
		k++;
	}
	sqlite3_finalize(st);
	free(sql);
	return k;
}

/* Walks a chain table in seq order.  Returns true when every row is good;
 * *rows gets the table's row count. */
static bool walk(verifier *vf, const tspec *t, checkpoint *cps, size_t ncp,
		 int64_t last, int64_t *rows)
{
	char *sql = select_sql(t, "ORDER BY seq");
	sqlite3_stmt *st = NULL;
	vrow r = {0};
	uint8_t prev[32] = {0};
	int64_t pos = 0;
	size_t cp = 0;
	bool ok = true;
	int s;

	*rows = 0;
	if (!sql || audit_prepare(vf->a, &st, sql) != 0) {
		free(sql);
		vf->failed = INC_ERROR;
		return false;
	}
	free(sql);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		pos++;
		if (row_fill(vf, &r, t, st, false) != 0) {
			vf->failed = INC_ERROR;
			break;
		}
		if (pos > last) {
			/* past what the last run recorded: nobody wrote it */
			char what[512];
			int64_t total = pos;
			describe(what, sizeof what, &r);
			while (sqlite3_step(st) == SQLITE_ROW)
				total++;
			finding(
			    vf, t->table, pos, "inserted",
			    "%s: seq %lld..%lld were inserted: no run recorded "
			    "them "
			    "(the last run ends at seq %lld; seq %lld is %s)",
			    t->table, (long long)pos, (long long)total,
			    (long long)last, (long long)pos, what);
			ok = false;
			break;
		}
		if (r.seq != pos) {
			char what[512];
			describe(what, sizeof what, &r);
			if (r.seq > pos)
				finding(vf, t->table, pos, "deleted",
					"%s: rows at seq %lld..%lld are "
					"missing (deleted): "
					"the next row is seq %lld, %s",
					t->table, (long long)pos,
					(long long)(r.seq - 1),
					(long long)r.seq, what);
			else
				finding(
				    vf, t->table, pos, "inserted",
				    "%s: a row with seq %s was inserted (%s)",
				    t->table, val(&r, 0), what);
			ok = false;
			break;
		}
		if (!row_ok(vf, &r, prev, -1)) {
			int64_t from =
			    pos - WINDOW - 1 < 1 ? 1 : pos - WINDOW - 1;
			vrow win[2 * WINDOW + 4];
			size_t n =
			    load_window(vf, t, from,
					(size_t)(pos - from) + WINDOW + 2, win);
			if ((int64_t)n > pos - from)
				classify(vf, t->table, win, n, from, pos);
			else
				finding(vf, t->table, pos, "changed",
					"%s: seq %lld was changed", t->table,
					(long long)pos);
			for (size_t i = 0; i < n; i++)
				row_free(&win[i]);
			ok = false;
			break;
		}
		memcpy(prev, r.hash, 32);
		while (cp < ncp && cps[cp].count == pos) {
			memcpy(cps[cp].found, r.hash, 32);
			cps[cp].seen = true;
			cp++;
		}
	}
	if (ok && s != SQLITE_DONE) {
		db_fail(vf, "cannot read the database");
		ok = false;
	}
	sqlite3_finalize(st);
	if (ok) {
		*rows = pos;
	} else {
		/* the row count, for the summary */
		char q[96];
		sqlite3_stmt *c = NULL;
		snprintf(q, sizeof q, "SELECT count(*) FROM %s", t->table);
		if (audit_prepare(vf->a, &c, q) == 0 &&
		    sqlite3_step(c) == SQLITE_ROW)
			*rows = sqlite3_column_int64(c, 0);
		sqlite3_finalize(c);
	}
	return ok;
}

/* The ledger: runs, approvals and simulations merged by seq, kept in
 * memory. */
static bool walk_ledger(verifier *vf)
{
	const tspec *specs[3] = {&t_runs, &t_approvals, &t_sims};
	uint8_t prev[32] = {0};
	size_t cap = 0;

	for (int k = 0; k < (vf->a->version >= 2 ? 3 : 2); k++) {
		char *sql = select_sql(specs[k], "ORDER BY seq");
		sqlite3_stmt *st = NULL;
		if (!sql || audit_prepare(vf->a, &st, sql) != 0) {
			free(sql);
			vf->failed = INC_ERROR;
			return false;
		}
		free(sql);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (vf->n_ledger == cap) {
				size_t c2 = cap ? cap * 2 : 32;
				vrow *l = realloc(vf->ledger, c2 * sizeof *l);
				if (!l) {
					sqlite3_finalize(st);
					vf->failed = INC_ERROR;
					return false;
				}
				vf->ledger = l;
				cap = c2;
			}
			vrow *r = &vf->ledger[vf->n_ledger];
			memset(r, 0, sizeof *r);
			if (row_fill(vf, r, specs[k], st, true) != 0) {
				sqlite3_finalize(st);
				vf->failed = INC_ERROR;
				return false;
			}
			vf->n_ledger++;
			if (k == 0)
				vf->sum->runs++;
			else if (k == 1)
				vf->sum->approvals++;
			else
				vf->sum->simulations++;
		}
		sqlite3_finalize(st);
	}
	/* merge by seq (insertion sort: the lists are each in order) */
	for (size_t i = 1; i < vf->n_ledger; i++) {
		vrow t = vf->ledger[i];
		size_t j = i;
		while (j > 0 && vf->ledger[j - 1].seq > t.seq) {
			vf->ledger[j] = vf->ledger[j - 1];
			j--;
		}
		vf->ledger[j] = t;
	}
	for (size_t i = 0; i < vf->n_ledger; i++) {
		vrow *r = &vf->ledger[i];
		int64_t pos = (int64_t)i + 1;
		if (r->seq != pos) {
			char what[512];
			describe(what, sizeof what, r);
			if (r->seq > pos)
				finding(vf, "ledger", pos, "deleted",
					"ledger (runs, approvals and "
					"simulations): seq "
					"%lld..%lld are "
					"missing (deleted): the next entry is "
					"seq %lld, %s",
					(long long)pos, (long long)(r->seq - 1),
					(long long)r->seq, what);
			else
				finding(
				    vf, "ledger", pos, "inserted",
				    "ledger: two entries claim seq %lld (%s)",
				    (long long)r->seq, what);
			return false;
		}
		if (!row_ok(vf, r, prev, -1)) {
			size_t lo = i > WINDOW + 1 ? i - WINDOW - 1 : 0;
			size_t hi = i + WINDOW + 2 < vf->n_ledger
					? i + WINDOW + 2
					: vf->n_ledger;
			classify(vf, "ledger", vf->ledger + lo, hi - lo,
				 (int64_t)lo + 1, pos);
			return false;
		}
		memcpy(prev, r->hash, 32);
	}
	if (vf->n_ledger)
		hex_encode(vf->sum->head, vf->ledger[vf->n_ledger - 1].hash);
	return true;
}

static int64_t ival(const vrow *r, size_t i)
{
	return r->v[i] ? strtoll(r->v[i], NULL, 10) : 0;
}

/* The chain `t` against what each run recorded of it. */
static void check_chain(verifier *vf, const tspec *t, size_t count_col,
			size_t head_col, uint64_t *rows_out)
{
	checkpoint *cps = calloc(vf->n_ledger + 1, sizeof *cps);
	size_t ncp = 0;
	int64_t rows = 0, last = 0, last_run = 0;
	bool ok;

	if (!cps) {
		vf->failed = INC_ERROR;
		return;
	}
	for (size_t i = 0; i < vf->n_ledger; i++) {
		const vrow *r = &vf->ledger[i];
		if (r->t != &t_runs)
			continue;
		checkpoint *c = &cps[ncp++];
		c->run = ival(r, RC_RUN);
		c->count = ival(r, count_col);
		c->head = r->v[head_col] ? r->v[head_col] : "";
		if (c->count < last)
			finding(
			    vf, "runs", r->seq, "changed",
			    "runs: run %lld records %s up to seq %lld, before "
			    "run %lld's %lld",
			    (long long)c->run, t->table, (long long)c->count,
			    (long long)last_run, (long long)last);
		last = c->count;
		last_run = c->run;
	}
	ok = walk(vf, t, cps, ncp, last, &rows);
	*rows_out = (uint64_t)rows;
	if (ok) {
		if (rows < last)
			finding(vf, t->table, rows + 1, "deleted",
				"%s: seq %lld..%lld were deleted: run %lld "
				"recorded "
				"them, the table ends at seq %lld",
				t->table, (long long)(rows + 1),
				(long long)last, (long long)last_run,
				(long long)rows);
		for (size_t i = 0; rows == last && i < ncp; i++) {
			char hex[65];
			const checkpoint *c = &cps[i];
			if (c->count == 0) {
				static const uint8_t zero[32];
				hex_encode(hex, zero);
			} else if (c->seen) {
				hex_encode(hex, c->found);
			} else {
				continue;
			}
			if (strcmp(hex, c->head) != 0) {
				finding(vf, t->table, c->count, "changed",
					"%s: run %lld recorded head %.16s... "
					"at seq %lld, "
					"the chain has %.16s... there: rows up "
					"to seq %lld "
					"were rewritten",
					t->table, (long long)c->run, c->head,
					(long long)c->count, hex,
					(long long)c->count);
				break;
			}
		}
	}
	free(cps);
}

/* A side table of a run (inputs, roster, event ranges) or of a simulation
 * (inputs, totals, people) against the digest its ledger row recorded. */
static void check_side(verifier *vf, const tspec *t, const vrow *run,
		       size_t digest_col)
{
	bool sim = run->t == &t_sims;
	char *sql = select_sql(t, sim ? "WHERE simulation = ? ORDER BY n"
				      : "WHERE run = ? ORDER BY n");
	sqlite3_stmt *st = NULL;
	uint8_t head[32] = {0};
	char hex[65];
	int64_t n = 0;

	/* the side tables have no hash column: select_sql asks for one, so
	 * select a NULL in its place */
	if (sql) {
		char *h = strstr(sql, "hash FROM");
		if (h)
			memcpy(h, "NULL", 4);
	}
	if (!sql || audit_prepare(vf->a, &st, sql) != 0) {
		free(sql);
		vf->failed = INC_ERROR;
		return;
	}
	free(sql);
	sqlite3_bind_int64(st, 1, ival(run, sim ? SC_SIM : RC_RUN));
	while (sqlite3_step(st) == SQLITE_ROW) {
		vrow r = {0};
		if (row_fill(vf, &r, t, st, false) != 0) {
			vf->failed = INC_ERROR;
			break;
		}
		n++;
		canon_begin(&vf->c, t->table, head);
		for (size_t i = 0; i < t->ncols; i++)
			canon_text(&vf->c, t->cols[i], r.v[i], r.len[i]);
		canon_hash(&vf->h, head, &vf->c);
	}
	sqlite3_finalize(st);
	hex_encode(hex, head);
	if (!run->v[digest_col] || strcmp(hex, run->v[digest_col]) != 0)
		finding(vf, t->table, 0, "changed",
			"%s: the rows of %s %lld (%lld now) do not match the "
			"digest "
			"the %s recorded: rows were changed, added or deleted",
			t->table, sim ? "simulation" : "run",
			(long long)ival(run, sim ? SC_SIM : RC_RUN),
			(long long)n, sim ? "simulation" : "run");
}

/* ---- content-addressed data
 * ----------------------------------------------------- */

static void check_blobs(verifier *vf)
{
	sqlite3_stmt *st = NULL;
	uint8_t md[32];
	char hex[65];

	if (audit_prepare(
		vf->a, &st,
		"SELECT sha256, size, bytes FROM blobs ORDER BY rowid") != 0) {
		vf->failed = INC_ERROR;
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const void *b = sqlite3_column_blob(st, 2);
		size_t n = (size_t)sqlite3_column_bytes(st, 2);
		vf->sum->blobs++;
		hasher_digest(&vf->h, md, b ? b : "", n);
		hex_encode(hex, md);
		if (!key || strcmp(hex, key) != 0 ||
		    sqlite3_column_int64(st, 1) != (int64_t)n) {
			finding(vf, "blobs", 0, "changed",
				"blobs: the file stored as %.16s... was "
				"changed: its "
				"bytes hash to %.16s...",
				key ? key : "NULL", hex);
			break;
		}
	}
	sqlite3_finalize(st);
}

static void check_policies(verifier *vf)
{
	sqlite3_stmt *st = NULL, *f = NULL;
	char hex[65];

	if (audit_prepare(vf->a, &st,
			  "SELECT hash, files FROM policies ORDER BY rowid") !=
		0 ||
	    audit_prepare(vf->a, &f,
			  "SELECT pf.path, b.bytes FROM policy_files pf LEFT "
			  "JOIN blobs b "
			  "ON b.sha256 = pf.sha256 WHERE pf.policy = ? ORDER "
			  "BY pf.path") != 0) {
		sqlite3_finalize(st);
		vf->failed = INC_ERROR;
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *hash = (const char *)sqlite3_column_text(st, 0);
		int64_t files = sqlite3_column_int64(st, 1), n = 0;
		uint8_t md[32];
		bool missing = false;
		vf->sum->policies++;
		sqlite3_reset(f);
		sqlite3_bind_text(f, 1, hash, -1, SQLITE_TRANSIENT);
		hasher_begin(&vf->h);
		while (sqlite3_step(f) == SQLITE_ROW) {
			const char *path =
			    (const char *)sqlite3_column_text(f, 0);
			size_t len = (size_t)sqlite3_column_bytes(f, 1);
			char num[32];
			int nl = snprintf(num, sizeof num, "%zu", len);
			if (sqlite3_column_type(f, 1) == SQLITE_NULL)
				missing = true;
			hasher_update(&vf->h, path, strlen(path) + 1);
			hasher_update(&vf->h, num, (size_t)nl + 1);
			hasher_update(
			    &vf->h, len ? sqlite3_column_blob(f, 1) : "", len);
			n++;
		}
		hasher_end(&vf->h, md);
		hex_encode(hex, md);
		if (missing || n != files || strcmp(hex, hash) != 0) {
			finding(vf, "policies", 0, "changed",
				"policies: the snapshot of policy %.16s... was "
				"changed "
				"(%lld of %lld files%s): its files hash to "
				"%.16s...",
				hash, (long long)n, (long long)files,
				missing ? ", some bytes missing" : "", hex);
			break;
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(f);
}

/* Every object of schemas/audit.sql, and nothing else. */
static void check_schema(verifier *vf)
{
	sqlite3 *mem = NULL;
	sqlite3_stmt *want = NULL, *have = NULL;
	static const char *const q =
	    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
	    "ORDER BY name";

	/* a database of an earlier version has only the parts up to it */
	char *want_sql = audit_schema_part(1, vf->a->version);

	if (!want_sql || sqlite3_open(":memory:", &mem) != SQLITE_OK ||
	    sqlite3_exec(mem, want_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(mem, q, -1, &want, NULL) != SQLITE_OK ||
	    audit_prepare(vf->a, &have, q) != 0) {
		vf->failed = INC_ERROR;
		goto done;
	}
	/* merge the two sorted lists */
	int sw = sqlite3_step(want), sh = sqlite3_step(have);
	while (sw == SQLITE_ROW || sh == SQLITE_ROW) {
		const char *nw =
		    sw == SQLITE_ROW
			? (const char *)sqlite3_column_text(want, 1)
			: NULL;
		const char *nh =
		    sh == SQLITE_ROW
			? (const char *)sqlite3_column_text(have, 1)
			: NULL;
		int c = !nw ? 1 : !nh ? -1 : strcmp(nw, nh);
		if (!nw)
			nw = "";
		if (!nh)
			nh = "";
		if (c < 0) {
			const char *type =
			    (const char *)sqlite3_column_text(want, 0);
			finding(vf, "database", 0, "schema",
				"schema: %s %s is missing%s", type, nw,
				strcmp(type, "trigger") == 0
				    ? " (the append-only guard was removed)"
				    : "");
			sw = sqlite3_step(want);
		} else if (c > 0) {
			finding(vf, "database", 0, "schema",
				"schema: %s %s is not part of the audit schema",
				(const char *)sqlite3_column_text(have, 0), nh);
			sh = sqlite3_step(have);
		} else {
			if (strcmp((const char *)sqlite3_column_text(want, 2),
				   (const char *)sqlite3_column_text(have,
								     2)) != 0)
				finding(
				    vf, "database", 0, "schema",
				    "schema: %s %s differs from "
				    "schemas/audit.sql",
				    (const char *)sqlite3_column_text(have, 0),
				    nh);
			sw = sqlite3_step(want);
			sh = sqlite3_step(have);
		}
	}
done:
	free(want_sql);
	sqlite3_finalize(want);
	sqlite3_finalize(have);
	sqlite3_close(mem);
}

static void check_integrity(verifier *vf)
{
	sqlite3_stmt *st = NULL;

	if (audit_prepare(vf->a, &st, "PRAGMA integrity_check") != 0) {
		finding(vf, "database", 0, "integrity", "integrity_check: %s",
			inc_audit_errmsg(vf->a));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		if (m && strcmp(m, "ok") != 0) {
			finding(vf, "database", 0, "integrity",
				"integrity_check: %s", m);
			break;
		}
	}
	sqlite3_finalize(st);
}

/* Runs' references: policy snapshots and approvals. */
static void check_references(verifier *vf)
{
	sqlite3_stmt *pol = NULL, *apr = NULL;

	if (audit_prepare(vf->a, &pol,
			  "SELECT 1 FROM policies WHERE hash = ?") != 0 ||
	    audit_prepare(vf->a, &apr,
			  "SELECT policy FROM approvals WHERE approval = ?") !=
		0) {
		sqlite3_finalize(pol);
		vf->failed = INC_ERROR;
		return;
	}
	for (size_t i = 0; i < vf->n_ledger; i++) {
		const vrow *r = &vf->ledger[i];
		const char *policy = r->t == &t_runs   ? r->v[RC_POLICY]
				     : r->t == &t_sims ? r->v[SC_POLICY_A]
						       : r->v[2];
		if (r->t == &t_sims && r->v[SC_POLICY_B]) {
			sqlite3_reset(pol);
			sqlite3_bind_text(pol, 1, r->v[SC_POLICY_B], -1,
					  SQLITE_STATIC);
			if (sqlite3_step(pol) != SQLITE_ROW)
				policy = r->v[SC_POLICY_B];
		}
		sqlite3_reset(pol);
		sqlite3_bind_text(pol, 1, policy ? policy : "", -1,
				  SQLITE_STATIC);
		if (sqlite3_step(pol) != SQLITE_ROW) {
			char what[512];
			describe(what, sizeof what, r);
			finding(vf, "policies", 0, "deleted",
				"policies: the snapshot of policy %.16s... "
				"(%s) is missing",
				policy ? policy : "NULL", what);
			break;
		}
		if (r->t != &t_runs || !r->v[RC_APPROVAL])
			continue;
		sqlite3_reset(apr);
		sqlite3_bind_int64(apr, 1, ival(r, RC_APPROVAL));
		if (sqlite3_step(apr) != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(apr, 0), policy) !=
			0) {
			finding(
			    vf, "approvals", 0, "changed",
			    "approvals: final run %lld relied on approval %lld "
			    "of "
			    "policy %.16s..., which the ledger does not hold",
			    (long long)ival(r, RC_RUN),
			    (long long)ival(r, RC_APPROVAL), policy);
			break;
		}
	}
	sqlite3_finalize(pol);
	sqlite3_finalize(apr);
}

int inc_audit_verify(inc_audit_verify_summary *out, inc_audit *a,
		     const char *expect_head, inc_audit_finding_fn fn, void *ud)
{
	verifier vf = {0};
	inc_audit_verify_summary sum = {0};
	int rc;

	vf.a = a;
	vf.fn = fn;
	vf.ud = ud;
	vf.sum = &sum;
	canon_init(&vf.c);
	canon_init(&vf.detail);
	detail_shapes_init(&vf.shapes);
	if (hasher_init(&vf.h) != 0) {
		audit_set_err(a, "SHA-256 is not available");
		return INC_ERROR;
	}
	/* one read transaction: a consistent snapshot while runs go on */
	if ((rc = audit_exec(a, "BEGIN")) != 0)
		goto done;
	if ((rc = audit_refresh_version(a)) != 0) {
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		goto done;
	}
	check_integrity(&vf);
	check_schema(&vf);
	if ((rc = detail_shapes_load(a, &vf.shapes)) != 0) {
		if (rc != INC_EAUDIT) {
			sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
			goto done;
		}
		/* the decisions of the shapes after the gap show as changed */
		finding(&vf, "detail_keys", 0, "changed", "%s",
			inc_audit_errmsg(a));
		rc = 0;
	}
	check_blobs(&vf);
	check_policies(&vf);
	bool ledger_ok = walk_ledger(&vf);
	check_references(&vf);
	check_chain(&vf, &t_events, RC_EV_COUNT, RC_EV_HEAD, &sum.events);
	check_chain(&vf, &t_rejects, RC_RJ_COUNT, RC_RJ_HEAD, &sum.rejects);
	check_chain(&vf, &t_decisions, RC_DC_COUNT, RC_DC_HEAD, &sum.decisions);
	for (size_t i = 0; ledger_ok && i < vf.n_ledger; i++) {
		const vrow *r = &vf.ledger[i];
		if (r->t == &t_sims) {
			check_side(&vf, &t_sim_inputs, r, SC_INPUTS);
			check_side(&vf, &t_sim_totals, r, SC_TOTALS);
			check_side(&vf, &t_sim_people, r, SC_PEOPLE);
			continue;
		}
		if (r->t != &t_runs)
			continue;
		check_side(&vf, &t_inputs, r, RC_INPUTS);
		check_side(&vf, &t_people, r, RC_PEOPLE);
		check_side(&vf, &t_members, r, RC_MEMBERS);
	}
	if (expect_head && *expect_head) {
		uint8_t want[32];
		if (hex_decode(want, expect_head) != 0) {
			audit_set_err(
			    a, "the expected head must be 64 hex digits");
			rc = INC_EINPUT;
			sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
			goto done;
		}
		for (size_t i = 0; i < vf.n_ledger && !sum.head_found; i++)
			if (vf.ledger[i].hash_ok &&
			    memcmp(vf.ledger[i].hash, want, 32) == 0)
				sum.head_found = 1;
		if (!sum.head_found)
			finding(&vf, "ledger", 0, "deleted",
				"ledger: the head %.16s... written down "
				"earlier is not in "
				"the ledger: entries were removed or rewritten "
				"since",
				expect_head);
	}
	sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
	if (vf.failed) {
		rc = vf.failed;
		if (!a->errmsg)
			audit_set_err(a, "out of memory");
	} else {
		rc = sum.problems ? INC_EAUDIT : 0;
	}
done:
	for (size_t i = 0; i < vf.n_ledger; i++)
		row_free(&vf.ledger[i]);
	free(vf.ledger);
	hasher_finish(&vf.h);
	canon_finish(&vf.c);
	canon_finish(&vf.detail);
	detail_shapes_free(&vf.shapes);
	if (out)
		*out = sum;
	return rc;
}
