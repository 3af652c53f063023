/*
 * audit_sim.c: simulations in the audit trail (`incentive simulate
 * --audit FILE`, docs/audit.md "Simulations").
 *
 * A simulation is recorded as a ledger entry of its own kind (table
 * `simulations`, sharing the ledger's seq with runs and approvals), never
 * as a run: it locks no period, is never counted as paid, and stores no
 * event.  What it keeps: the policy snapshots of A and B (as runs keep
 * theirs), the SHA-256 of every input file (the people, quota, rate,
 * scenario and profile files whole, in blobs), seed and trials, the total
 * cost per column and currency and the pay of each person, read from the
 * simulation's own `cost`, `mc_cost` and `people` tables.  Its side tables
 * are chained from zeros like a run's, and their digests are columns of
 * the ledger row, so the head hash commits to every figure.
 *
 * A database of schema version 1 is upgraded to version 2 (the tables of
 * schemas/audit.sql from AUDIT_SIM_MARKER on) in the same transaction as
 * its first simulation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fmt.h"
#include "audit_sim.h"
#include "dec.h"
#include "tbl.h"
#include "util.h"

/* ---- recording ------------------------------------------------------------
 */

typedef struct sinput {
	const char *role, *path;
	char sha[65];
	uint64_t size;
	char *bytes; /* stored roles */
} sinput;

typedef struct recorder {
	inc_audit *a;
	hasher h;
	canon c;
	int64_t sim;
	sinput *in;
	size_t n_in;
} recorder;

/* SHA-256 and size of a file; keep: its bytes too. */
static int file_sha(recorder *r, const char *path, sinput *in, bool keep)
{
	int rc = audit_hash_file(&r->h, path, in->sha, &in->size, keep ? &in->bytes : NULL);
	if (rc > 0)
		audit_set_err(r->a, "%s: %s", path, strerror(errno));
	else if (rc < 0)
		audit_set_err(r->a, "out of memory");
	return rc ? INC_ERROR : 0;
}

static int add_input(recorder *r, const char *role, const char *path)
{
	sinput *in = realloc(r->in, (r->n_in + 1) * sizeof *in);

	if (!in) {
		audit_set_err(r->a, "out of memory");
		return INC_ERROR;
	}
	r->in = in;
	in = &r->in[r->n_in++];
	memset(in, 0, sizeof *in);
	in->role = role;
	in->path = path;
	return file_sha(r, path, in, strcmp(role, "events") != 0);
}

/* A side table: rows chained from zeros; the head is the digest. */
typedef struct sidetab {
	sqlite3_stmt *st;
	uint8_t head[32];
} sidetab;

static int side_open(recorder *r, sidetab *s, const char *sql)
{
	memset(s, 0, sizeof *s);
	return audit_prepare(r->a, &s->st, sql);
}

static int side_put(recorder *r, sidetab *s)
{
	if (canon_hash(&r->h, s->head, &r->c) != 0) {
		audit_set_err(r->a, "cannot hash the simulation");
		return INC_ERROR;
	}
	int st = sqlite3_step(s->st);
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	if (st != SQLITE_DONE)
		return audit_db_err(r->a, "cannot record the simulation");
	return 0;
}

/* Binds text column i (1-based) and adds it to the canonical row; s NULL
 * is SQL NULL. */
static void put_text(recorder *r, sqlite3_stmt *st, int i, const char *col,
		     const char *s)
{
	canon_cstr(&r->c, col, s);
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void put_int(recorder *r, sqlite3_stmt *st, int i, const char *col,
		    int64_t v)
{
	canon_int(&r->c, col, v);
	sqlite3_bind_int64(st, i, v);
}

static int write_inputs(recorder *r, char out[65])
{
	sidetab s;
	int rc = side_open(
	    r, &s,
	    "INSERT INTO simulation_inputs VALUES (?, ?, ?, ?, ?, ?, ?)");

	for (size_t i = 0; rc == 0 && i < r->n_in; i++) {
		sinput *in = &r->in[i];
		int stored = in->bytes != NULL;
		if (stored && (rc = audit_store_blob(r->a, in->bytes, in->size,
						     NULL)) != 0)
			break;
		canon_begin(&r->c, "simulation_inputs", s.head);
		put_int(r, s.st, 1, "simulation", r->sim);
		put_int(r, s.st, 2, "n", (int64_t)i + 1);
		put_text(r, s.st, 3, "role", in->role);
		put_text(r, s.st, 4, "path", in->path);
		put_int(r, s.st, 5, "size", (int64_t)in->size);
		put_text(r, s.st, 6, "sha256", in->sha);
		put_int(r, s.st, 7, "stored", stored);
		rc = side_put(r, &s);
	}
	sqlite3_finalize(s.st);
	hex_encode(out, s.head);
	return rc;
}

static int col_index(const inc_table *t, const char *name)
{
	for (size_t c = 0; c < t->n_cols; c++)
		if (strcmp(t->cols[c], name) == 0)
			return (int)c;
	return -1;
}

static const char *cell(const inc_table *t, size_t r, int c)
{
	return c >= 0 && (size_t)c < t->n_cols
		   ? t->cells[r * t->n_cols + (size_t)c]
		   : "";
}

/* Heading of a per-column figure: "cost" alone, else "cost A". */
static void heading(char *buf, size_t cap, const char *what,
		    const inc_sim_info *in, int side)
{
	if (!in->compared)
		snprintf(buf, cap, "%s", what);
	else
		snprintf(buf, cap, "%s %s", what,
			 side ? in->label_b : in->label_a);
}

static int write_totals(recorder *r, const inc_sim *s, char out[65])
{
	const inc_sim_info *in = inc_sim_get_info(s);
	inc_table cost, mc;
	bool has_mc = inc_sim_table_named(s, "mc_cost", &mc) == 0;
	sidetab st;
	int rc, n = 0;

	if (inc_sim_table_named(s, "cost", &cost) != 0) {
		audit_set_err(r->a, "the simulation has no cost table");
		return INC_ERROR;
	}
	rc =
	    side_open(r, &st,
		      "INSERT INTO simulation_totals VALUES (?, ?, ?, ?, ?, ?, "
		      "?, ?, ?, ?, ?, ?)");
	for (int side = 0; rc == 0 && side < (in->compared ? 2 : 1); side++) {
		char hc[96], hk[96];
		heading(hc, sizeof hc, "credited revenue", in, side);
		heading(hk, sizeof hk, "cost", in, side);
		int cc = col_index(&cost, hc), ck = col_index(&cost, hk);
		if (cc < 0 || ck < 0) {
			audit_set_err(r->a, "the cost table has no column '%s'",
				      hk);
			rc = INC_ERROR;
			break;
		}
		for (size_t row = 0; rc == 0 && row < cost.n_rows; row++) {
			const char *cur = cell(&cost, row, 0);
			const char *m[6] = {NULL};
			for (size_t k = 0; has_mc && k < mc.n_rows; k++) {
				const char *lab = cell(&mc, k, 0);
				int ms = in->compared &&
					 strcmp(lab, in->label_b) == 0;
				if (ms != side ||
				    strcmp(cell(&mc, k, 1), cur) != 0)
					continue;
				/* mean, P10, P50, P90, max, min */
				m[0] = cell(&mc, k, 3);
				m[1] = cell(&mc, k, 4);
				m[2] = cell(&mc, k, 5);
				m[3] = cell(&mc, k, 6);
				m[4] = cell(&mc, k, 8);
				m[5] = cell(&mc, k, 7);
			}
			canon_begin(&r->c, "simulation_totals", st.head);
			put_int(r, st.st, 1, "simulation", r->sim);
			put_int(r, st.st, 2, "n", ++n);
			put_text(r, st.st, 3, "side", side ? "B" : "A");
			put_text(r, st.st, 4, "currency", cur);
			put_text(r, st.st, 5, "credited", cell(&cost, row, cc));
			put_text(r, st.st, 6, "cost", cell(&cost, row, ck));
			static const char *const mcols[6] = {
			    "mc_mean", "mc_p10", "mc_p50",
			    "mc_p90",  "mc_min", "mc_max"};
			for (int k = 0; k < 6; k++)
				put_text(r, st.st, 7 + k, mcols[k], m[k]);
			rc = side_put(r, &st);
		}
	}
	sqlite3_finalize(st.st);
	hex_encode(out, st.head);
	return rc;
}

static int write_people(recorder *r, const inc_sim *s, char out[65],
			int64_t *people)
{
	const inc_sim_info *in = inc_sim_get_info(s);
	inc_table t;
	sidetab st;
	int rc, n = 0;

	*people = 0;
	if (inc_sim_table_named(s, "people", &t) != 0) {
		audit_set_err(r->a, "the simulation has no people table");
		return INC_ERROR;
	}
	*people = (int64_t)t.n_rows;
	rc =
	    side_open(r, &st,
		      "INSERT INTO simulation_people VALUES (?, ?, ?, ?, ?, ?, "
		      "?, ?, ?, ?, ?)");
	for (int side = 0; rc == 0 && side < (in->compared ? 2 : 1); side++) {
		char h[3][96];
		heading(h[0], sizeof h[0], "credited", in, side);
		heading(h[1], sizeof h[1], "attainment", in, side);
		heading(h[2], sizeof h[2], "pay", in, side);
		int cc = col_index(&t, h[0]), ca = col_index(&t, h[1]),
		    cp = col_index(&t, h[2]);
		if (cc < 0 || ca < 0 || cp < 0) {
			audit_set_err(
			    r->a, "the people table has no column '%s'", h[2]);
			rc = INC_ERROR;
			break;
		}
		for (size_t row = 0; rc == 0 && row < t.n_rows; row++) {
			if (!*cell(&t, row, cp))
				continue; /* not in this column's roster */
			canon_begin(&r->c, "simulation_people", st.head);
			put_int(r, st.st, 1, "simulation", r->sim);
			put_int(r, st.st, 2, "n", ++n);
			put_text(r, st.st, 3, "side", side ? "B" : "A");
			put_text(r, st.st, 4, "person", cell(&t, row, 0));
			put_text(r, st.st, 5, "name", cell(&t, row, 1));
			put_text(r, st.st, 6, "team", cell(&t, row, 2));
			put_text(r, st.st, 7, "level", cell(&t, row, 3));
			put_text(r, st.st, 8, "currency", cell(&t, row, 4));
			put_text(r, st.st, 9, "credited", cell(&t, row, cc));
			put_text(r, st.st, 10, "attainment", cell(&t, row, ca));
			put_text(r, st.st, 11, "pay", cell(&t, row, cp));
			rc = side_put(r, &st);
		}
	}
	sqlite3_finalize(st.st);
	hex_encode(out, st.head);
	return rc;
}

/* Inside the write transaction: version 1 gets the simulation tables. */
static int upgrade(inc_audit *a)
{
	sqlite3_stmt *st = NULL;
	int64_t ver = 0;
	int rc = audit_prepare(a, &st, "PRAGMA user_version");

	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		ver = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (ver >= 2) {
		a->version = (int)ver;
		return 0;
	}
	char *part = audit_schema_part(2, 2);
	char sql[160];
	if (!part) {
		audit_set_err(a, "the embedded schema has no simulation part");
		return INC_ERROR;
	}
	rc = audit_exec(a, part);
	free(part);
	if (rc)
		return rc;
	snprintf(sql, sizeof sql,
		 "INSERT OR IGNORE INTO meta VALUES ('upgraded', "
		 "'schema 2 (simulations) by incentive %s'); "
		 "PRAGMA user_version = 2",
		 INC_VERSION);
	if ((rc = audit_exec(a, sql)) != 0)
		return rc;
	a->version = 2;
	return 0;
}

static const char *policy_name(const inc_policy *p)
{
	return p && p->n_versions ? p->versions[0].policy_name : "";
}

int inc_audit_record_sim(inc_audit *a, const inc_sim *s,
			 const inc_audit_sim_options *o, int64_t *sim_out)
{
	const inc_sim_info *info = inc_sim_get_info(s);
	inc_audit_sim_options none = {0};
	recorder r = {.a = a};
	sim_view v;
	strbuf opts;
	char started[32], inputs[65], totals[65], people_d[65];
	char scen_sha[65] = "";
	uint8_t prev[32], hash[32];
	int64_t seq = 0, people = 0;
	sqlite3_stmt *st = NULL;
	int rc = 0;
	bool began = false;

	if (!o)
		o = &none;
	sim_get_view(s, &v);
	canon_init(&r.c);
	sb_init(&opts);
	if (!v.executed) {
		audit_set_err(a, "only an executed simulation can be recorded");
		return INC_ERROR;
	}
	if (a->recording || a->mode != INC_AUDIT_WRITE) {
		audit_set_err(a,
			      "%s: the audit database is not open for "
			      "writing",
			      a->path);
		return INC_ERROR;
	}
	if (hasher_init(&r.h) != 0) {
		audit_set_err(a, "SHA-256 is not available");
		rc = INC_ERROR;
		goto done;
	}
	/* the files first, outside the write lock */
	for (size_t i = 0; rc == 0 && i < v.n_people; i++)
		rc = add_input(&r, "people", v.people[i]);
	for (size_t i = 0; rc == 0 && i < v.n_quotas; i++)
		rc = add_input(&r, "quotas", v.quotas[i]);
	for (size_t i = 0; rc == 0 && i < v.n_rates; i++)
		rc = add_input(&r, "rates", v.rates[i]);
	for (size_t i = 0; rc == 0 && i < v.n_events; i++)
		rc = add_input(&r, "events", v.events[i]);
	if (rc == 0 && v.scenario) {
		rc = add_input(&r, "scenario", v.scenario);
		if (rc == 0)
			memcpy(scen_sha, r.in[r.n_in - 1].sha, 65);
	}
	if (rc == 0 && v.profile)
		rc = add_input(&r, "profile", v.profile);
	if (rc)
		goto done;

	if ((rc = audit_exec(a, "BEGIN IMMEDIATE")) != 0)
		goto done;
	began = true;
	if ((rc = upgrade(a)) != 0 || (rc = audit_store_policy(a, v.a)) != 0 ||
	    (v.b && (rc = audit_store_policy(a, v.b)) != 0) ||
	    (rc = audit_ledger_tail(a, &seq, prev)) != 0)
		goto done;
	{
		sqlite3_stmt *q = NULL;
		if ((rc = audit_prepare(
			 a, &q,
			 "SELECT coalesce(max(simulation), 0) + 1 "
			 "FROM simulations")) != 0)
			goto done;
		if (sqlite3_step(q) == SQLITE_ROW)
			r.sim = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	if ((rc = write_inputs(&r, inputs)) != 0 ||
	    (rc = write_totals(&r, s, totals)) != 0 ||
	    (rc = write_people(&r, s, people_d, &people)) != 0)
		goto done;

	audit_now(started);
	sb_printf(&opts,
		  "{\"top\":%u,\"curves\":%s,\"profile\":", v.top ? v.top : 10,
		  v.no_curves ? "false" : "true");
	if (v.profile)
		fmt_sb_json_str(&opts, v.profile);
	else
		sb_puts(&opts, "null");
	sb_putc(&opts, '}');
	if (opts.oom) {
		audit_set_err(a, "out of memory");
		rc = INC_ERROR;
		goto done;
	}
	if ((rc = audit_prepare(a, &st,
				"INSERT INTO simulations VALUES (?, ?, ?, ?, "
				"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
				"?, ?, ?, ?, ?, ?, ?, ?)")) != 0)
		goto done;
	canon_begin(&r.c, "simulations", prev);
	put_int(&r, st, 1, "seq", seq);
	put_int(&r, st, 2, "simulation", r.sim);
	put_text(&r, st, 3, "started", started);
	put_text(&r, st, 4, "engine", "incentive " INC_VERSION);
	put_text(&r, st, 5, "command", o->command ? o->command : "");
	put_text(&r, st, 6, "made_by", o->by ? o->by : "");
	put_text(&r, st, 7, "note", o->note ? o->note : "");
	put_text(&r, st, 8, "options", sb_cstr(&opts));
	put_text(&r, st, 9, "policy_a", inc_policy_hash(v.a));
	put_text(&r, st, 10, "policy_a_name", policy_name(v.a));
	put_text(&r, st, 11, "policy_a_root", v.a->root);
	put_text(&r, st, 12, "policy_b", v.b ? inc_policy_hash(v.b) : NULL);
	put_text(&r, st, 13, "policy_b_name", v.b ? policy_name(v.b) : NULL);
	put_text(&r, st, 14, "policy_b_root", v.b ? v.b->root : NULL);
	put_text(&r, st, 15, "label_a", info->label_a);
	put_text(&r, st, 16, "label_b", info->compared ? info->label_b : NULL);
	put_text(&r, st, 17, "scenario", scen_sha[0] ? scen_sha : NULL);
	put_text(&r, st, 18, "scenario_name", info->scenario);
	put_int(&r, st, 19, "seed", (int64_t)info->seed);
	put_int(&r, st, 20, "trials", (int64_t)info->trials);
	put_int(&r, st, 21, "events", (int64_t)info->events);
	put_int(&r, st, 22, "events_used", (int64_t)info->events_used);
	put_int(&r, st, 23, "people", people);
	put_text(&r, st, 24, "inputs_sha256", inputs);
	put_text(&r, st, 25, "totals_sha256", totals);
	put_text(&r, st, 26, "people_sha256", people_d);
	if (canon_hash(&r.h, hash, &r.c) != 0) {
		audit_set_err(a, "cannot hash the simulation");
		rc = INC_ERROR;
		goto done;
	}
	sqlite3_bind_blob(st, 27, hash, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = audit_db_err(a, "cannot record the simulation");
		goto done;
	}
	rc = audit_exec(a, "COMMIT");
	if (rc == 0) {
		began = false;
		if (sim_out)
			*sim_out = r.sim;
	}
done:
	sqlite3_finalize(st);
	if (began) {
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		/* the upgrade, if any, was rolled back too */
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(a->db, "PRAGMA user_version", -1, &q,
				       NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			a->version = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	for (size_t i = 0; i < r.n_in; i++)
		free(r.in[i].bytes);
	free(r.in);
	sb_finish(&opts);
	hasher_finish(&r.h);
	canon_finish(&r.c);
	return rc;
}

/* ---- listing and showing ----------------------------------------------------
 */

struct inc_sim_record {
	arena mem;
	tbl *tables[4];
	size_t n;
};

static const char *ctext(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* b - a of two money texts, at the scale of the wider; "" when either is
 * not a number. */
static void money_change(char *buf, size_t cap, const char *a, const char *b)
{
	dec x, y, d;

	buf[0] = '\0';
	if (!*a || !*b || dec_parse(&x, a, strlen(a), false) != DEC_OK ||
	    dec_parse(&y, b, strlen(b), false) != DEC_OK ||
	    dec_sub(&d, y, x) != DEC_OK)
		return;
	dec_format(buf, cap, d, x.scale > y.scale ? x.scale : y.scale, false);
}

static int record_new(inc_sim_record **out)
{
	inc_sim_record *r = calloc(1, sizeof *r);

	*out = r;
	if (!r)
		return INC_ERROR;
	arena_init(&r->mem);
	return 0;
}

static tbl *record_add(inc_sim_record *r, tbl *t)
{
	if (t && r->n < sizeof r->tables / sizeof *r->tables)
		r->tables[r->n++] = t;
	return t;
}

static bool has_sims(inc_audit *a)
{
	return audit_refresh_version(a) == 0 && a->version >= 2;
}

/* "USD 3200.00; EUR 12.00": the costs of side `side` of simulation `sim`. */
static int costs_of(inc_audit *a, sqlite3_stmt *q, int64_t sim,
		    const char *side, strbuf *sb)
{
	int s;

	sb_reset(sb);
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, sim);
	sqlite3_bind_text(q, 2, side, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(q)) == SQLITE_ROW)
		sb_printf(sb, "%s%s %s", sb->len ? "; " : "", ctext(q, 0),
			  ctext(q, 1));
	if (s != SQLITE_DONE)
		return audit_db_err(a, "cannot read simulation_totals");
	return 0;
}

int inc_audit_list_sims(inc_sim_record **out, inc_audit *a)
{
	inc_sim_record *r = NULL;
	sqlite3_stmt *st = NULL, *q = NULL;
	strbuf ca, cb;
	int rc, s;

	if ((rc = record_new(&r)) != 0)
		return rc;
	sb_init(&ca);
	sb_init(&cb);
	tbl *t = record_add(
	    r, tbl_new(&r->mem, "simulations", "Recorded simulations",
		       "n:simulation", "t:started", "t:by", "t:policy A",
		       "t:policy B", "t:scenario", "n:seed", "n:trials",
		       "n:events", "t:cost A", "t:cost B", "t:note", NULL));
	if (!t) {
		rc = INC_ERROR;
		goto done;
	}
	tbl_set_note(t, "Simulations are not runs: they pay nothing and lock "
			"no period. Policies by name and the first 12 digits "
			"of their hash; cost per currency.");
	if (!has_sims(a))
		goto done;
	if ((rc = audit_prepare(
		 a, &st,
		 "SELECT simulation, started, made_by, policy_a_name, "
		 "policy_a, policy_b_name, policy_b, label_a, label_b, "
		 "scenario_name, scenario, seed, trials, events, note "
		 "FROM simulations ORDER BY simulation")) != 0 ||
	    (rc = audit_prepare(a, &q,
				"SELECT currency, cost FROM simulation_totals "
				"WHERE simulation = ? AND side = ? ORDER BY "
				"n")) != 0)
		goto done;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t sim = sqlite3_column_int64(st, 0);
		tbl_row(t);
		tbl_cell(t, 0, "%lld", (long long)sim);
		tbl_cell_text(t, 1, ctext(st, 1));
		tbl_cell_text(t, 2, ctext(st, 2));
		tbl_cell(t, 3, "%s %.12s", ctext(st, 3), ctext(st, 4));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			tbl_cell(t, 4, "%s %.12s", ctext(st, 5), ctext(st, 6));
		else if (sqlite3_column_type(st, 8) != SQLITE_NULL)
			tbl_cell(t, 4, "(%s)", ctext(st, 8));
		if (sqlite3_column_type(st, 10) != SQLITE_NULL)
			tbl_cell(t, 5, "%s %.12s", ctext(st, 9), ctext(st, 10));
		tbl_cell_text(t, 6, ctext(st, 11));
		tbl_cell_text(t, 7, ctext(st, 12));
		tbl_cell_text(t, 8, ctext(st, 13));
		if ((rc = costs_of(a, q, sim, "A", &ca)) != 0 ||
		    (rc = costs_of(a, q, sim, "B", &cb)) != 0)
			goto done;
		tbl_cell_text(t, 9, sb_cstr(&ca));
		tbl_cell_text(t, 10, sb_cstr(&cb));
		tbl_cell_text(t, 11, ctext(st, 14));
	}
	if (s != SQLITE_DONE)
		rc = audit_db_err(a, "cannot read simulations");
	if (rc == 0 && (t->oom || ca.oom || cb.oom))
		rc = INC_ERROR;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(q);
	sb_finish(&ca);
	sb_finish(&cb);
	if (rc) {
		if (rc == INC_ERROR && !a->errmsg)
			audit_set_err(a, "out of memory");
		inc_sim_record_destroy(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

static void kv(tbl *t, const char *k, const char *v)
{
	tbl_row(t);
	tbl_cell_text(t, 0, k);
	tbl_cell_text(t, 1, v);
}

int inc_audit_show_sim(inc_sim_record **out, inc_audit *a, int64_t sim)
{
	inc_sim_record *r = NULL;
	sqlite3_stmt *st = NULL, *q = NULL;
	int rc, s;
	char la[64] = "", lb[64] = "";
	bool two;

	*out = NULL;
	if (!has_sims(a)) {
		audit_set_err(a, "%s: no simulation is recorded yet", a->path);
		return INC_ENOTFOUND;
	}
	if ((rc = audit_prepare(
		 a, &st,
		 sim > 0 ? "SELECT * FROM simulations WHERE simulation = ?"
			 : "SELECT * FROM simulations ORDER BY simulation "
			   "DESC LIMIT 1")) != 0)
		return rc;
	if (sim > 0)
		sqlite3_bind_int64(st, 1, sim);
	s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (s != SQLITE_DONE)
			return audit_db_err(a, "cannot read simulations");
		if (sim > 0)
			audit_set_err(a, "%s: no simulation %lld", a->path,
				      (long long)sim);
		else
			audit_set_err(a, "%s: no simulation is recorded yet",
				      a->path);
		return INC_ENOTFOUND;
	}
	if ((rc = record_new(&r)) != 0) {
		sqlite3_finalize(st);
		return rc;
	}
	sim = sqlite3_column_int64(st, 1);
	two = sqlite3_column_type(st, 15) != SQLITE_NULL;
	snprintf(la, sizeof la, "%s", ctext(st, 14));
	snprintf(lb, sizeof lb, "%s", ctext(st, 15));

	/* the ledger row */
	tbl *t = record_add(r, tbl_new(&r->mem, "simulation", "Simulation",
				       "t:item", "t:value", NULL));
	if (!t)
		goto oom;
	tbl_set_note(t, "A simulation, recorded in the audit ledger: it pays "
			"nothing and locks no period.");
	{
		char hex[65] = "";
		if (sqlite3_column_bytes(st, 26) == 32)
			hex_encode(hex, sqlite3_column_blob(st, 26));
		char *num = arena_printf(
		    &r->mem, "%lld (ledger seq %lld)", (long long)sim,
		    (long long)sqlite3_column_int64(st, 0));
		kv(t, "simulation", num ? num : "");
		kv(t, "started", ctext(st, 2));
		kv(t, "engine", ctext(st, 3));
		kv(t, "by", ctext(st, 5));
		kv(t, "note", ctext(st, 6));
		kv(t, "command", ctext(st, 4));
		char *pa =
		    arena_printf(&r->mem, "%s (%s), sha256 %s", ctext(st, 9),
				 ctext(st, 10), ctext(st, 8));
		kv(t,
		   sqlite3_column_type(st, 11) != SQLITE_NULL ? "policy A"
							      : "policy",
		   pa ? pa : "");
		if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
			char *pb = arena_printf(&r->mem, "%s (%s), sha256 %s",
						ctext(st, 12), ctext(st, 13),
						ctext(st, 11));
			kv(t, "policy B", pb ? pb : "");
		}
		if (two) {
			char *cols = arena_printf(&r->mem, "%s, %s", la, lb);
			kv(t, "columns", cols ? cols : "");
		}
		if (sqlite3_column_type(st, 16) != SQLITE_NULL) {
			char *sc = arena_printf(&r->mem, "%s, sha256 %s",
						*ctext(st, 17) ? ctext(st, 17)
							       : "(unnamed)",
						ctext(st, 16));
			kv(t, "scenario", sc ? sc : "");
		}
		kv(t, "seed", ctext(st, 18));
		kv(t, "Monte Carlo trials", ctext(st, 19));
		kv(t, "events read", ctext(st, 20));
		kv(t, "events evaluated", ctext(st, 21));
		kv(t, "people", ctext(st, 22));
		kv(t, "options", ctext(st, 7));
		kv(t, "hash", hex);
	}

	/* inputs */
	t = record_add(r, tbl_new(&r->mem, "inputs", "Input files", "t:role",
				  "t:path", "n:size", "t:sha256", "t:stored",
				  NULL));
	if (!t)
		goto oom;
	tbl_set_note(t, "stored: the file's bytes are in the database "
			"(blobs); events files are kept by hash only.");
	if ((rc = audit_prepare(a, &q,
				"SELECT role, path, size, sha256, stored FROM "
				"simulation_inputs WHERE simulation = ? ORDER "
				"BY n")) != 0)
		goto done;
	sqlite3_bind_int64(q, 1, sim);
	while ((s = sqlite3_step(q)) == SQLITE_ROW) {
		tbl_row(t);
		for (int c = 0; c < 4; c++)
			tbl_cell_text(t, (size_t)c, ctext(q, c));
		tbl_cell_text(t, 4, sqlite3_column_int(q, 4) ? "yes" : "no");
	}
	sqlite3_finalize(q);
	q = NULL;
	if (s != SQLITE_DONE)
		goto dberr;

	/* totals */
	bool mc = sqlite3_column_int64(st, 19) > 0;
	t = record_add(
	    r,
	    mc ? tbl_new(&r->mem, "cost", "Total cost per currency", "t:column",
			 "t:currency", "m:credited revenue", "m:cost",
			 "m:change", "m:MC mean", "m:MC P10", "m:MC P50",
			 "m:MC P90", "m:MC min", "m:MC max", NULL)
	       : tbl_new(&r->mem, "cost", "Total cost per currency", "t:column",
			 "t:currency", "m:credited revenue", "m:cost",
			 "m:change", NULL));
	if (!t)
		goto oom;
	tbl_set_note(t, "change: the second column's cost less the first's, "
			"in the same currency. MC: the Monte Carlo "
			"distribution of the total cost (nearest-rank "
			"percentiles).");
	if ((rc = audit_prepare(
		 a, &q,
		 "SELECT t.side, t.currency, t.credited, t.cost, t.mc_mean, "
		 "t.mc_p10, t.mc_p50, t.mc_p90, t.mc_min, t.mc_max, "
		 "(SELECT a.cost FROM simulation_totals a WHERE "
		 "a.simulation = t.simulation AND a.side = 'A' AND "
		 "a.currency = t.currency) FROM simulation_totals t "
		 "WHERE t.simulation = ? ORDER BY t.n")) != 0)
		goto done;
	sqlite3_bind_int64(q, 1, sim);
	while ((s = sqlite3_step(q)) == SQLITE_ROW) {
		bool b = strcmp(ctext(q, 0), "B") == 0;
		char ch[64] = "";
		tbl_row(t);
		tbl_cell_text(t, 0, b ? lb : la);
		for (int c = 1; c < 4; c++)
			tbl_cell_text(t, (size_t)c, ctext(q, c));
		if (b)
			money_change(ch, sizeof ch, ctext(q, 10), ctext(q, 3));
		tbl_cell_text(t, 4, ch);
		for (int c = 4; mc && c < 10; c++)
			tbl_cell_text(t, (size_t)c + 1, ctext(q, c));
	}
	sqlite3_finalize(q);
	q = NULL;
	if (s != SQLITE_DONE)
		goto dberr;

	/* people */
	{
		/* the headings must outlive the table: in its arena */
		const char *ca =
		    two ? arena_printf(&r->mem, "m:credited %s", la)
			: "m:credited";
		const char *aa =
		    two ? arena_printf(&r->mem, "p:attainment %s", la)
			: "p:attainment";
		const char *pa =
		    two ? arena_printf(&r->mem, "m:pay %s", la) : "m:pay";
		const char *pb = arena_printf(&r->mem, "m:pay %s", lb);
		if (!ca || !aa || !pa || !pb)
			goto oom;
		t = two ? tbl_new(&r->mem, "people", "Pay per person",
				  "t:person", "t:name", "t:team", "t:level",
				  "t:currency", ca, aa, pa, pb, "m:change",
				  NULL)
			: tbl_new(&r->mem, "people", "Pay per person",
				  "t:person", "t:name", "t:team", "t:level",
				  "t:currency", ca, aa, pa, NULL);
	}
	if (!record_add(r, t))
		goto oom;
	tbl_set_note(t, "Attainment is credited / quota, over every period "
			"the inputs cover.");
	if ((rc = audit_prepare(
		 a, &q,
		 "SELECT p.person, p.name, p.team, p.level, p.currency, "
		 "p.credited, p.attainment, p.pay, "
		 "(SELECT b.pay FROM simulation_people b WHERE "
		 "b.simulation = p.simulation AND b.side = 'B' AND "
		 "b.person = p.person) FROM simulation_people p "
		 "WHERE p.simulation = ? AND p.side = 'A' ORDER BY p.n")) != 0)
		goto done;
	sqlite3_bind_int64(q, 1, sim);
	while ((s = sqlite3_step(q)) == SQLITE_ROW) {
		tbl_row(t);
		for (int c = 0; c < 8; c++)
			tbl_cell_text(t, (size_t)c, ctext(q, c));
		if (two) {
			char ch[64];
			tbl_cell_text(t, 8, ctext(q, 8));
			money_change(ch, sizeof ch, ctext(q, 7), ctext(q, 8));
			tbl_cell_text(t, 9, ch);
		}
	}
	sqlite3_finalize(q);
	q = NULL;
	if (s != SQLITE_DONE)
		goto dberr;
	for (size_t i = 0; i < r->n; i++)
		if (r->tables[i]->oom)
			goto oom;
	rc = 0;
	goto done;
dberr:
	rc = audit_db_err(a, "cannot read the simulation");
	goto done;
oom:
	audit_set_err(a, "out of memory");
	rc = INC_ERROR;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(q);
	if (rc) {
		inc_sim_record_destroy(r);
		return rc;
	}
	*out = r;
	return 0;
}

int inc_sim_record_table(const inc_sim_record *r, size_t i, inc_table *out)
{
	if (!r || i >= r->n)
		return INC_ENOTFOUND;
	tbl_view(r->tables[i], out);
	return 0;
}

void inc_sim_record_destroy(inc_sim_record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		tbl_free(r->tables[i]);
	arena_finish(&r->mem);
	free(r);
}
