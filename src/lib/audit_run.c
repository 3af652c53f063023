/*
 * audit_run.c: recording a run in the audit database, and the adjustment
 * lines of a run over a locked period.
 *
 * A recorded run is one transaction (BEGIN IMMEDIATE at
 * audit_run_create, COMMIT at the end of audit_run_finish): a run that
 * fails, is destroyed early or is killed leaves nothing, and running the
 * same command again records it whole.  The ledger row in `runs` is
 * written last, so a run without it never happened.
 *
 * The evaluating thread serialises what it hands over (each event's
 * fields, each decision with its chain hash, each rejected line) into
 * chunks; a writer thread computes the events' and rejected lines' chains
 * and does the inserts with prepared statements, so that SQLite and
 * SHA-256 run on the second core while the engine evaluates.  (The
 * decisions' chain is computed where the decisions are made: that
 * balances the two threads.)  The connection is used by one thread at a time: the creating
 * thread until the writer starts, the writer until it is joined in
 * audit_run_finish, then the creating thread again.
 *
 * Events are stored once per id: an event already in the database with the
 * same content is a no-op (counted as known), with different content an
 * error (an event id names one fact forever).  Which events a run
 * evaluated is kept as ranges of events.seq (run_events).
 *
 * Period lock: a final run locks its period.  A later run over a locked
 * period records its decisions as usual (what is owed now) and adds, per
 * person, kind and currency, an `adjustment` line: owed now minus what
 * the final runs of the period before it paid (the locking run's lines,
 * then later final runs' adjustments).  Replay computes the same lines
 * against the runs before the one replayed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "fmt.h"

#define CHUNK_SIZE (512u * 1024u)
#define N_CHUNKS 8
#define NULL_LEN UINT32_MAX

enum {
	REC_EVENT = 'E',
	REC_DECISION = 'D',
	REC_REJECT = 'R',
	REC_HASH = 'H',
	REC_SHAPE = 'K' /* a new row of detail_keys */
};

typedef struct chunk {
	char *buf;
	size_t len, cap;
	struct chunk *next;
} chunk;

typedef struct ainput {
	char *role;
	char *path;
	char sha[65];
	uint64_t size;
	char *bytes; /* people and quotas: kept until finish */
} ainput;

typedef struct lockp {
	char period[16];
	int64_t *finals; /* final runs of the period before this run */
	size_t n_finals;
	bool in_scope;
} lockp;

/* owed[key] for locked periods: key = period NUL person NUL kind NUL
 * currency */
typedef struct owed_ent {
	char *key;
	size_t klen;
	dec sum;
} owed_ent;

/* An events file hashed by the writer (while the engine reads it). */
typedef struct fhash {
	int64_t n; /* index into inputs */
	char sha[65];
	uint64_t size;
} fhash;

typedef struct chainpos {
	int64_t count;
	uint8_t head[32];
} chainpos;

struct audit_run {
	inc_audit *a;
	bool replay;
	const inc_policy *policy;
	int64_t run; /* this run; replay: the run replayed */
	bool final;
	bool strict;
	char *period;
	char *command;
	char started[32];
	int64_t approval;
	int64_t locked_by;
	int64_t ledger_seq;
	uint8_t ledger_prev[32];
	inc_diag_fn diag;
	void *ud;
	const roster *ro;

	ainput *inputs;
	size_t n_inputs;
	const char *last_file;
	int64_t last_input;

	lockp *locks;
	size_t n_locks;
	owed_ent *owed;
	size_t n_owed, cap_owed;
	strmap owed_ix;

	/* writer state */
	chainpos ev, rj, dc;
	int64_t (*ranges)[2];
	size_t n_ranges, cap_ranges;
	uint64_t events_new, events_known, n_errors, n_decisions, n_adjust;
	fhash *fh;
	size_t n_fh;
	hasher h;
	/* the decisions' chain is computed by the evaluating thread (it
	 * knows each decision's position), the writer only stores rows */
	hasher mh;
	canon mc;
	/* The events' chain as the evaluating thread predicts it (every
	 * event new), while it computes the events' hashes for the writer:
	 * see audit_run_event. */
	chainpos pev;
	bool main_hashes_events;
	bool take_at_once; /* INCENTIVE_TEST_AUDIT_TAKE_CHAIN set */
	unsigned win_flushes, win_waits; /* hand-overs, and waits for a chunk */
	canon c;
	sqlite3_stmt *ins_event, *sel_event, *ins_reject, *ins_decision;
	sqlite3_stmt *ins_shape;
	/* schema version 3: details stored compactly (audit_detail.c) */
	bool compact;
	detail_shapes shapes;
	canon dkeys, dstored; /* the evaluating thread's scratch */

	/* hand-over */
	pthread_t thread;
	bool thread_on;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_free;
	bool sync_ok; /* mutex and conditions initialised */
	chunk chunks[N_CHUNKS];
	chunk *free_list, *work_head, *work_tail, *cur;
	bool ending;
	bool writer_busy; /* the writer holds a chunk */
	/* the writer's failure (an INC_E* code), read by the evaluating
	 * thread to stop early; werr is read only after the join */
	_Atomic int wrc;
	char *werr; /* and its message */

	canon data; /* the evaluating thread's scratch */
	bool began, committed;
	/* SQLite ends a transaction by itself when some statements fail
	 * (out of memory, disk full, I/O error: sqlite3VdbeHalt rolls
	 * everything back unless the statement has a statement journal).
	 * While a run is recorded, a commit hook refuses every commit but
	 * the run's own (`committing`), so a statement run after such a
	 * rollback can never commit alone; the rollback hook notes it
	 * (`rolled_back`) for the message. */
	_Atomic bool committing, rolled_back;
	bool lost; /* a rejected line could not be queued (out of memory) */
	char *err;
	char hash_hex[65];
	inc_audit_run_info info;
};

static void set_err(audit_run *ar, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(audit_run *ar, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	free(ar->err);
	ar->err = m;
}

static const char txn_lost[] =
    " (SQLite rolled the run's transaction back: nothing of the run was "
    "recorded)";

/* takes the audit handle's message */
static int db_err(audit_run *ar, const char *what)
{
	int rc = audit_db_err(ar->a, what);
	set_err(ar, "%s%s", inc_audit_errmsg(ar->a),
		ar->rolled_back ? txn_lost : "");
	return rc;
}

/* The hooks of the recording transaction (see `committing`). */
static int commit_guard(void *ud)
{
	audit_run *ar = ud;

	return ar->committing ? 0 : 1; /* non-zero: roll back instead */
}

static void rollback_seen(void *ud)
{
	audit_run *ar = ud;

	ar->rolled_back = true;
}

/* ---- the event's data --------------------------------------------------- */

/* s as the inside of a JSON string (escaped, without the quotes) */
static void put_json_chars(canon *c, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		canon_put(c, s + run, i - run);
		run = i + 1;
		if (ch == '"' || ch == '\\') {
			char e[2] = {'\\', (char)ch};
			canon_put(c, e, 2);
		} else {
			char e[6] = {'\\', 'u',		  '0',
				     '0',  hexd[ch >> 4], hexd[ch & 15]};
			canon_put(c, e, 6);
		}
	}
	canon_put(c, s + run, n - run);
}

static void put_dec(canon *c, dec d)
{
	char b[72];
	size_t n = dec_format(b, sizeof b, d, d.scale, false);

	canon_put(c, b, n);
}

void audit_event_data(canon *c, const event *e, const roster *ro)
{
	const event_type *t = e->type;
	bool first = true;

	c->len = 0;
	canon_put(c, "{", 1);
	for (size_t i = 0; i < t->n_fields; i++) {
		const field_def *fd = &t->fields[i];
		const field_value *fv = &e->fields[i];
		char b[72];
		if (!fv->present)
			continue;
		canon_put(c, first ? "\"" : ",\"", first ? 1 : 2);
		first = false;
		put_json_chars(c, fd->name, strlen(fd->name));
		canon_put(c, "\":\"", 3);
		switch (fd->type) {
		case FT_STRING:
		case FT_REF:
			put_json_chars(c, fv->v.u.str.s, fv->v.u.str.len);
			break;
		case FT_MONEY:
			/* as written in the file: a `sign: negative` type's
			 * money was negated when read, and is again on replay */
			put_dec(c, t->negative ? dec_neg(fv->v.u.d) : fv->v.u.d);
			break;
		case FT_DECIMAL:
			put_dec(c, fv->v.u.d);
			break;
		case FT_INTEGER: {
			int n =
			    snprintf(b, sizeof b, "%lld", (long long)fv->v.u.i);
			canon_put(c, b, (size_t)n);
			break;
		}
		case FT_DATE:
			date_format(b, fv->v.u.date);
			canon_put(c, b, 10);
			break;
		case FT_ENUM: {
			const char *s = fd->enum_values[fv->v.u.ix];
			put_json_chars(c, s, strlen(s));
			break;
		}
		case FT_SPLIT:
			for (size_t k = 0; k < fv->n_parts; k++) {
				const char *pid =
				    ro->people[fv->parts[k].person].id;
				if (k)
					canon_put(c, ";", 1);
				put_json_chars(c, pid, strlen(pid));
				canon_put(c, ":", 1);
				put_dec(c, fv->parts[k].pct);
			}
			break;
		}
		canon_put(c, "\"", 1);
	}
	canon_put(c, "}", 1);
}

/* ---- chunks ----------------------------------------------------------------
 */

static bool chunk_reserve(chunk *k, size_t extra)
{
	if (k->len + extra <= k->cap)
		return true;
	size_t cap = k->cap ? k->cap : CHUNK_SIZE;
	while (cap < k->len + extra)
		cap *= 2;
	char *b = realloc(k->buf, cap);
	if (!b)
		return false;
	k->buf = b;
	k->cap = cap;
	return true;
}

static void chunk_u8(chunk *k, uint8_t v) { k->buf[k->len++] = (char)v; }

static void chunk_i64(chunk *k, int64_t v)
{
	memcpy(k->buf + k->len, &v, 8);
	k->len += 8;
}

static void chunk_text(chunk *k, const char *s, size_t n)
{
	uint32_t len = s ? (uint32_t)n : NULL_LEN;

	memcpy(k->buf + k->len, &len, 4);
	k->len += 4;
	if (s) {
		memcpy(k->buf + k->len, s, n);
		k->len += n;
		k->buf[k->len++] = '\0';
	}
}

static size_t text_size(const char *s) { return 4 + (s ? strlen(s) + 1 : 0); }

/* reader side */
typedef struct cursor {
	const char *p, *end;
} cursor;

static int64_t cur_i64(cursor *c)
{
	int64_t v;
	memcpy(&v, c->p, 8);
	c->p += 8;
	return v;
}

static const char *cur_text(cursor *c, size_t *n)
{
	uint32_t len;
	memcpy(&len, c->p, 4);
	c->p += 4;
	if (len == NULL_LEN) {
		*n = 0;
		return NULL;
	}
	const char *s = c->p;
	c->p += len + 1;
	*n = len;
	return s;
}

/* ---- the writer's work ------------------------------------------------------
 */

static void wfail(audit_run *ar, int rc, const char *msg)
{
	if (ar->wrc)
		return;
	free(ar->werr);
	ar->werr = strdup(msg ? msg : "audit database error");
	ar->wrc = rc;
}

static void wdb(audit_run *ar, const char *what)
{
	char buf[512];

	snprintf(buf, sizeof buf, "%s: %s: %s%s", ar->a->path, what,
		 sqlite3_errmsg(ar->a->db), ar->rolled_back ? txn_lost : "");
	wfail(ar, INC_EAUDIT, buf);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s, size_t n)
{
	if (s)
		sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void add_member(audit_run *ar, int64_t seq)
{
	if (ar->n_ranges && ar->ranges[ar->n_ranges - 1][1] + 1 == seq) {
		ar->ranges[ar->n_ranges - 1][1] = seq;
		return;
	}
	if (ar->n_ranges == ar->cap_ranges) {
		size_t cap = ar->cap_ranges ? ar->cap_ranges * 2 : 16;
		int64_t(*r)[2] = realloc(ar->ranges, cap * sizeof *r);
		if (!r) {
			wfail(ar, INC_ERROR, "out of memory");
			return;
		}
		ar->ranges = r;
		ar->cap_ranges = cap;
	}
	ar->ranges[ar->n_ranges][0] = seq;
	ar->ranges[ar->n_ranges][1] = seq;
	ar->n_ranges++;
}

static bool same(const char *a, size_t an, const unsigned char *b, int bn)
{
	return b && (size_t)bn == an && memcmp(a, b, an) == 0;
}

static void do_event(audit_run *ar, cursor *cu)
{
	int64_t input = cur_i64(cu), line = cur_i64(cu);
	int64_t pred_seq = cur_i64(cu); /* 0: not hashed by the evaluator */
	const char *pred_hash = cu->p;
	cu->p += pred_seq ? 32 : 0;
	size_t nid, ndate, ntype, nperson, ndata;
	const char *id = cur_text(cu, &nid), *date = cur_text(cu, &ndate);
	const char *type = cur_text(cu, &ntype), *pers = cur_text(cu, &nperson);
	const char *data = cur_text(cu, &ndata);
	int64_t seq = ar->ev.count + 1;
	uint8_t hash[32];
	canon *c = &ar->c;
	sqlite3_stmt *st = ar->ins_event;
	int s;

	/* The evaluator's hash holds when it predicted this very position:
	 * it assumed every event before this one was new, and was right
	 * (once an event is already recorded, its predictions run ahead of
	 * the real positions for the rest of the run, and never match). */
	if (pred_seq == seq) {
		memcpy(hash, pred_hash, 32);
		goto insert;
	}
	canon_begin(c, "events", ar->ev.head);
	canon_int(c, "seq", seq);
	canon_text(c, "id", id, nid);
	canon_text(c, "date", date, ndate);
	canon_text(c, "type", type, ntype);
	canon_text(c, "person", pers, nperson);
	canon_text(c, "data", data, ndata);
	canon_int(c, "run", ar->run);
	canon_int(c, "input", input);
	canon_int(c, "line", line);
	if (canon_hash(&ar->h, hash, c) != 0) {
		wfail(ar, INC_ERROR, "cannot hash an event");
		return;
	}
insert:
	sqlite3_bind_int64(st, 1, seq);
	bind_text(st, 2, id, nid);
	bind_text(st, 3, date, ndate);
	bind_text(st, 4, type, ntype);
	bind_text(st, 5, pers, nperson);
	bind_text(st, 6, data, ndata);
	sqlite3_bind_int64(st, 7, ar->run);
	sqlite3_bind_int64(st, 8, input);
	sqlite3_bind_int64(st, 9, line);
	sqlite3_bind_blob(st, 10, hash, 32, SQLITE_STATIC);
	s = sqlite3_step(st);
	sqlite3_reset(st);
	if (s == SQLITE_DONE) {
		ar->ev.count = seq;
		memcpy(ar->ev.head, hash, 32);
		ar->events_new++;
		add_member(ar, seq);
		return;
	}
	if (s != SQLITE_CONSTRAINT) {
		wdb(ar, "cannot store an event");
		return;
	}
	/* the id is already recorded: the same fact, or a conflict */
	st = ar->sel_event;
	sqlite3_bind_text(st, 1, id, (int)nid, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		sqlite3_reset(st);
		wdb(ar, "cannot store an event");
		return;
	}
	int64_t old_seq = sqlite3_column_int64(st, 0);
	bool eq = same(date, ndate, sqlite3_column_text(st, 1),
		       sqlite3_column_bytes(st, 1)) &&
		  same(type, ntype, sqlite3_column_text(st, 2),
		       sqlite3_column_bytes(st, 2)) &&
		  same(pers, nperson, sqlite3_column_text(st, 3),
		       sqlite3_column_bytes(st, 3)) &&
		  same(data, ndata, sqlite3_column_text(st, 4),
		       sqlite3_column_bytes(st, 4));
	if (!eq) {
		char buf[1024];
		snprintf(
		    buf, sizeof buf,
		    "event '%.*s' is already in the audit database with "
		    "different content (recorded by run %lld: %s %s %s %s; "
		    "now: %.*s %.*s %.*s %.*s): an event id names one fact "
		    "forever; record a correction as a new event",
		    (int)(nid > 128 ? 128 : nid), id,
		    (long long)sqlite3_column_int64(st, 5),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4), (int)ndate, date,
		    (int)ntype, type, (int)nperson, pers,
		    (int)(ndata > 300 ? 300 : ndata), data);
		sqlite3_reset(st);
		wfail(ar, INC_EINPUT, buf);
		return;
	}
	sqlite3_reset(st);
	ar->events_known++;
	add_member(ar, old_seq);
}

static void do_decision(audit_run *ar, cursor *cu)
{
	int64_t seq = cur_i64(cu);
	size_t hl;
	const char *hash = cur_text(cu, &hl);
	const char *v[11];
	size_t n[11];
	sqlite3_stmt *st = ar->ins_decision;

	for (int i = 0; i < 11; i++)
		v[i] = cur_text(cu, &n[i]);
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, ar->run);
	for (int i = 0; i < 11; i++)
		bind_text(st, 3 + i, v[i], n[i]);
	sqlite3_bind_blob(st, 14, hash, (int)hl, SQLITE_STATIC);
	int s = sqlite3_step(st);
	sqlite3_reset(st);
	if (s != SQLITE_DONE)
		wdb(ar, "cannot store a decision");
}

static void do_shape(audit_run *ar, cursor *cu)
{
	int64_t shape = cur_i64(cu);
	size_t n;
	const char *keys = cur_text(cu, &n);
	sqlite3_stmt *st = ar->ins_shape;

	sqlite3_bind_int64(st, 1, shape);
	bind_text(st, 2, keys, n);
	int s = sqlite3_step(st);
	sqlite3_reset(st);
	if (s != SQLITE_DONE)
		wdb(ar, "cannot store a detail shape");
}

static void do_reject(audit_run *ar, cursor *cu)
{
	int64_t line = cur_i64(cu);
	size_t nf, ns, nm, nh;
	const char *file = cur_text(cu, &nf), *sev = cur_text(cu, &ns);
	const char *msg = cur_text(cu, &nm), *hint = cur_text(cu, &nh);
	int64_t seq = ar->rj.count + 1;
	uint8_t hash[32];
	canon *c = &ar->c;
	sqlite3_stmt *st = ar->ins_reject;

	canon_begin(c, "rejects", ar->rj.head);
	canon_int(c, "seq", seq);
	canon_int(c, "run", ar->run);
	canon_text(c, "file", file, nf);
	canon_int(c, "line", line);
	canon_text(c, "severity", sev, ns);
	canon_text(c, "message", msg, nm);
	canon_text(c, "hint", hint, nh);
	if (canon_hash(&ar->h, hash, c) != 0) {
		wfail(ar, INC_ERROR, "cannot hash a rejected line");
		return;
	}
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, ar->run);
	bind_text(st, 3, file, nf);
	sqlite3_bind_int64(st, 4, line);
	bind_text(st, 5, sev, ns);
	bind_text(st, 6, msg, nm);
	bind_text(st, 7, hint, nh);
	sqlite3_bind_blob(st, 8, hash, 32, SQLITE_STATIC);
	int s = sqlite3_step(st);
	sqlite3_reset(st);
	if (s != SQLITE_DONE) {
		wdb(ar, "cannot store a rejected line");
		return;
	}
	ar->rj.count = seq;
	memcpy(ar->rj.head, hash, 32);
}

static void do_hash(audit_run *ar, cursor *cu)
{
	int64_t n = cur_i64(cu);
	size_t len;
	const char *path = cur_text(cu, &len);
	fhash *f = realloc(ar->fh, (ar->n_fh + 1) * sizeof *f);

	if (!f) {
		wfail(ar, INC_ERROR, "out of memory");
		return;
	}
	ar->fh = f;
	f = &f[ar->n_fh++];
	memset(f, 0, sizeof *f);
	f->n = n;
	if (audit_hash_file(&ar->h, path, f->sha, &f->size, NULL) < 0)
		wfail(ar, INC_ERROR, "out of memory");
}

static void process_chunk(audit_run *ar, const chunk *k)
{
	cursor cu = {k->buf, k->buf + k->len};

	while (cu.p < cu.end && !ar->wrc) {
		char kind = *cu.p++;
		switch (kind) {
		case REC_EVENT:
			do_event(ar, &cu);
			break;
		case REC_DECISION:
			do_decision(ar, &cu);
			break;
		case REC_REJECT:
			do_reject(ar, &cu);
			break;
		case REC_HASH:
			do_hash(ar, &cu);
			break;
		case REC_SHAPE:
			do_shape(ar, &cu);
			break;
		default:
			wfail(ar, INC_ERROR, "bad audit record");
			break;
		}
	}
}

static void *writer_main(void *arg)
{
	audit_run *ar = arg;

	pthread_mutex_lock(&ar->mu);
	for (;;) {
		while (!ar->work_head && !ar->ending)
			pthread_cond_wait(&ar->cv_work, &ar->mu);
		chunk *k = ar->work_head;
		if (!k)
			break; /* ending, and nothing left */
		ar->work_head = k->next;
		if (!ar->work_head)
			ar->work_tail = NULL;
		ar->writer_busy = true;
		bool failed = ar->wrc != 0;
		pthread_mutex_unlock(&ar->mu);
		if (!failed)
			process_chunk(ar, k);
		pthread_mutex_lock(&ar->mu);
		k->len = 0;
		k->next = ar->free_list;
		ar->free_list = k;
		ar->writer_busy = false;
		pthread_cond_signal(&ar->cv_free);
	}
	pthread_mutex_unlock(&ar->mu);
	return NULL;
}

/* Hands the current chunk over (or processes it here when the writer is
 * not running) and takes an empty one. */
static int flush_chunk(audit_run *ar)
{
	chunk *k = ar->cur;

	if (!ar->thread_on) {
		if (k && k->len) {
			process_chunk(ar, k);
			k->len = 0;
		}
		return ar->wrc;
	}
	pthread_mutex_lock(&ar->mu);
	if (k && k->len) {
		k->next = NULL;
		if (ar->work_tail)
			ar->work_tail->next = k;
		else
			ar->work_head = k;
		ar->work_tail = k;
		pthread_cond_signal(&ar->cv_work);
		ar->cur = NULL;
	}
	bool waited = false;
	while (!ar->cur) {
		if (ar->free_list) {
			ar->cur = ar->free_list;
			ar->free_list = ar->cur->next;
			ar->cur->len = 0;
		} else {
			pthread_cond_wait(&ar->cv_free, &ar->mu);
			waited = true;
		}
	}
	ar->win_flushes++;
	ar->win_waits += waited;
	int rc = ar->wrc;
	pthread_mutex_unlock(&ar->mu);
	return rc;
}

/* Room for `need` more bytes in the current chunk. */
static int room(audit_run *ar, size_t need)
{
	if (ar->cur->len + need > CHUNK_SIZE && ar->cur->len > 0) {
		int rc = flush_chunk(ar);
		if (rc)
			return rc;
	}
	if (!chunk_reserve(ar->cur, need)) {
		set_err(ar, "out of memory");
		return INC_ERROR;
	}
	return 0;
}

/* Takes the events' chain over from the writer: hands the current chunk
 * over, waits until the writer has stored everything (a few milliseconds:
 * at most N_CHUNKS chunks), and starts predicting from where its chain
 * stands. */
static int take_events_chain(audit_run *ar)
{
	int rc = flush_chunk(ar);

	if (rc)
		return rc;
	pthread_mutex_lock(&ar->mu);
	while (ar->work_head || ar->writer_busy)
		pthread_cond_wait(&ar->cv_free, &ar->mu);
	ar->pev = ar->ev;
	rc = ar->wrc;
	pthread_mutex_unlock(&ar->mu);
	ar->main_hashes_events = true;
	return rc;
}

static int stop_writer(audit_run *ar)
{
	if (ar->thread_on) {
		int rc = flush_chunk(ar);
		(void)rc;
		pthread_mutex_lock(&ar->mu);
		ar->ending = true;
		pthread_cond_signal(&ar->cv_work);
		pthread_mutex_unlock(&ar->mu);
		pthread_join(ar->thread, NULL);
		ar->thread_on = false;
	}
	if (ar->wrc) {
		set_err(ar, "%s", ar->werr ? ar->werr : "audit database error");
		return ar->wrc;
	}
	return 0;
}

/* ---- creating
 * ------------------------------------------------------------------ */

static int load_locks(audit_run *ar, int64_t before)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    audit_prepare(ar->a, &st,
			  "SELECT run, period FROM runs WHERE status = 'final' "
			  "AND period IS NOT NULL AND run < ? ORDER BY run");
	int s;

	if (rc) {
		set_err(ar, "%s", inc_audit_errmsg(ar->a));
		return rc;
	}
	sqlite3_bind_int64(st, 1, before);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *per = (const char *)sqlite3_column_text(st, 1);
		size_t i;
		for (i = 0; i < ar->n_locks; i++)
			if (strcmp(ar->locks[i].period, per) == 0)
				break;
		if (i == ar->n_locks) {
			lockp *l =
			    realloc(ar->locks, (ar->n_locks + 1) * sizeof *l);
			if (!l) {
				rc = INC_ERROR;
				break;
			}
			ar->locks = l;
			memset(&l[i], 0, sizeof *l);
			snprintf(l[i].period, sizeof l[i].period, "%s", per);
			ar->n_locks++;
		}
		lockp *l = &ar->locks[i];
		int64_t *f = realloc(l->finals, (l->n_finals + 1) * sizeof *f);
		if (!f) {
			rc = INC_ERROR;
			break;
		}
		l->finals = f;
		f[l->n_finals++] = sqlite3_column_int64(st, 0);
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = db_err(ar, "cannot read runs");
	sqlite3_finalize(st);
	if (rc == INC_ERROR)
		set_err(ar, "out of memory");
	if (rc == 0 && ar->period)
		for (size_t i = 0; i < ar->n_locks; i++)
			if (strcmp(ar->locks[i].period, ar->period) == 0) {
				ar->locks[i].in_scope = true;
				ar->locked_by = ar->locks[i].finals[0];
			}
	return rc;
}

static audit_run *new_run(inc_audit *a, inc_diag_fn diag, void *ud)
{
	audit_run *ar = calloc(1, sizeof *ar);

	if (!ar)
		return NULL;
	ar->a = a;
	ar->diag = diag;
	ar->ud = ud;
	canon_init(&ar->c);
	canon_init(&ar->mc);
	canon_init(&ar->data);
	canon_init(&ar->dkeys);
	canon_init(&ar->dstored);
	detail_shapes_init(&ar->shapes);
	strmap_init(&ar->owed_ix);
	for (size_t i = 0; i < N_CHUNKS; i++) {
		ar->chunks[i].next = ar->free_list;
		ar->free_list = &ar->chunks[i];
	}
	ar->cur = ar->free_list;
	ar->free_list = ar->cur->next;
	if (hasher_init(&ar->h) != 0 || hasher_init(&ar->mh) != 0) {
		hasher_finish(&ar->h);
		canon_finish(&ar->c);
		canon_finish(&ar->data);
		detail_shapes_free(&ar->shapes);
		strmap_finish(&ar->owed_ix);
		free(ar);
		return NULL;
	}
	return ar;
}

int audit_run_create(audit_run **out, inc_audit *a, const inc_policy *p,
		     const inc_run_options *ro, const inc_audit_run_options *o,
		     inc_diag_fn diag, void *ud, char **err)
{
	audit_run *ar = NULL;
	sqlite3_stmt *st = NULL;
	int rc = INC_ERROR;

	*err = NULL;
	if (a->mode != INC_AUDIT_WRITE) {
		*err = strdup("the audit database is open read-only");
		return INC_ERROR;
	}
	if (a->recording) {
		*err = strdup(
		    "another run is being recorded on this audit handle");
		return INC_ERROR;
	}
	ar = new_run(a, diag, ud);
	if (!ar)
		return INC_ERROR;
	ar->policy = p;
	ar->final = o && o->final;
	ar->strict = ro && ro->strict;
	if (ro && ro->period && !(ar->period = strdup(ro->period)))
		goto oom;
	if (!(ar->command = strdup(o && o->command ? o->command : "")))
		goto oom;
	if (ar->final && !ar->period) {
		set_err(ar,
			"a final run pays one period: name it with --period");
		rc = INC_EINPUT;
		goto done;
	}
	audit_now(ar->started);
	if (audit_exec(a, "BEGIN IMMEDIATE") != 0) {
		set_err(ar, "%s", inc_audit_errmsg(a));
		rc = INC_EAUDIT;
		goto done;
	}
	ar->began = true;
	sqlite3_commit_hook(a->db, commit_guard, ar);
	sqlite3_rollback_hook(a->db, rollback_seen, ar);
	if (ar->final) {
		rc = audit_prepare(
		    a, &st,
		    "SELECT max(approval) FROM approvals WHERE policy = ?");
		if (rc)
			goto dberr;
		sqlite3_bind_text(st, 1, inc_policy_hash(p), -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			ar->approval = sqlite3_column_int64(st, 0);
		} else {
			/* out of memory: not "no approval" */
			rc = db_err(ar, "cannot read approvals");
			goto done;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (ar->approval <= 0) {
			set_err(ar,
				"policy sha256 %s has no approval in %s: a "
				"final run "
				"pays only from an approved policy (incentive "
				"approve "
				"--audit %s --policy POLICY --by NAME)",
				inc_policy_hash(p), a->path, a->path);
			rc = INC_ENOTAPPROVED;
			goto done;
		}
	}
	{
		sqlite3_stmt *q = NULL;
		if ((rc = audit_prepare(
			 a, &q,
			 "SELECT coalesce(max(run), 0) + 1 FROM runs")) != 0)
			goto dberr;
		int s = sqlite3_step(q);
		if (s == SQLITE_ROW)
			ar->run = sqlite3_column_int64(q, 0);
		else
			/* out of memory here rolls the transaction back: go on
			 * and every write would commit alone, as run 0 */
			rc = db_err(ar, "cannot number the run");
		sqlite3_finalize(q);
		if (rc)
			goto done;
	}
	if ((rc = audit_ledger_tail(a, &ar->ledger_seq, ar->ledger_prev)) !=
		0 ||
	    (rc = audit_chain_tail(a, "events", &ar->ev.count, ar->ev.head)) !=
		0 ||
	    (rc = audit_chain_tail(a, "rejects", &ar->rj.count, ar->rj.head)) !=
		0 ||
	    (rc = audit_chain_tail(a, "decisions", &ar->dc.count,
				   ar->dc.head)) != 0)
		goto dberr;
	if ((rc = load_locks(ar, ar->run)) != 0)
		goto done;
	if ((rc = audit_store_policy(a, p)) != 0)
		goto dberr;
	/* audit_ledger_tail has read the version inside this transaction */
	ar->compact = a->version >= 3;
	if (ar->compact &&
	    ((rc = detail_shapes_load(a, &ar->shapes)) != 0 ||
	     (rc = audit_prepare(a, &ar->ins_shape,
				 "INSERT INTO detail_keys VALUES (?, ?)")) != 0))
		goto dberr;
	if ((rc = audit_prepare(
		 a, &ar->ins_event,
		 "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) !=
		0 ||
	    (rc = audit_prepare(a, &ar->sel_event,
				"SELECT seq, date, type, person, data, run "
				"FROM events WHERE id = ?")) != 0 ||
	    (rc = audit_prepare(
		 a, &ar->ins_reject,
		 "INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) != 0 ||
	    (rc = audit_prepare(a, &ar->ins_decision,
				"INSERT INTO decisions VALUES (?, ?, ?, ?, ?, "
				"?, ?, ?, ?, ?, ?, ?, ?, ?)")) != 0)
		goto dberr;
	if (pthread_mutex_init(&ar->mu, NULL) == 0) {
		if (pthread_cond_init(&ar->cv_work, NULL) == 0) {
			if (pthread_cond_init(&ar->cv_free, NULL) == 0)
				ar->sync_ok = true;
			else
				pthread_cond_destroy(&ar->cv_work);
		}
		if (!ar->sync_ok)
			pthread_mutex_destroy(&ar->mu);
	}
	/* without a thread everything still works, in this thread */
	if (ar->sync_ok && !(ro && ro->threads == 1) &&
	    pthread_create(&ar->thread, NULL, writer_main, ar) == 0)
		ar->thread_on = true;
	ar->take_at_once = getenv("INCENTIVE_TEST_AUDIT_TAKE_CHAIN") != NULL;

	a->recording = true;
	/* the carried state an earlier run saved is an input like the others */
	if (ro && ro->state_in &&
	    (rc = audit_run_input(ar, "state", ro->state_in)) != 0)
		goto done;
	*out = ar;
	return 0;
dberr:
	set_err(ar, "%s", inc_audit_errmsg(a));
	if (rc == 0)
		rc = INC_ERROR;
	goto done;
oom:
	set_err(ar, "out of memory");
	rc = INC_ERROR;
done:
	sqlite3_finalize(st);
	*err = ar && ar->err ? strdup(ar->err) : NULL;
	audit_run_destroy(ar);
	return rc;
}

int audit_run_create_replay(audit_run **out, inc_audit *a, int64_t as_of,
			    const char *period, inc_diag_fn diag, void *ud,
			    char **err)
{
	audit_run *ar = new_run(a, diag, ud);
	int rc;

	*err = NULL;
	if (!ar)
		return INC_ERROR;
	ar->replay = true;
	ar->run = as_of;
	if (audit_refresh_version(a) != 0) {
		*err = strdup(inc_audit_errmsg(a));
		audit_run_destroy(ar);
		return INC_EAUDIT;
	}
	ar->compact = a->version >= 3;
	if (period && !(ar->period = strdup(period))) {
		audit_run_destroy(ar);
		return INC_ERROR;
	}
	rc = load_locks(ar, as_of);
	if (rc) {
		*err = ar->err ? strdup(ar->err) : NULL;
		audit_run_destroy(ar);
		return rc;
	}
	*out = ar;
	return 0;
}

void audit_run_destroy(audit_run *ar)
{
	if (!ar)
		return;
	if (ar->thread_on) {
		pthread_mutex_lock(&ar->mu);
		ar->ending = true;
		if (!ar->wrc)
			ar->wrc = INC_ERROR; /* drop the rest */
		pthread_cond_signal(&ar->cv_work);
		pthread_mutex_unlock(&ar->mu);
		pthread_join(ar->thread, NULL);
	}
	if (ar->sync_ok) {
		pthread_cond_destroy(&ar->cv_work);
		pthread_cond_destroy(&ar->cv_free);
		pthread_mutex_destroy(&ar->mu);
	}
	sqlite3_finalize(ar->ins_event);
	sqlite3_finalize(ar->sel_event);
	sqlite3_finalize(ar->ins_reject);
	sqlite3_finalize(ar->ins_decision);
	sqlite3_finalize(ar->ins_shape);
	if (ar->began && !ar->committed)
		sqlite3_exec(ar->a->db, "ROLLBACK", NULL, NULL, NULL);
	if (ar->began) {
		sqlite3_commit_hook(ar->a->db, NULL, NULL);
		sqlite3_rollback_hook(ar->a->db, NULL, NULL);
	}
	if (!ar->replay && ar->a)
		ar->a->recording = false;
	for (size_t i = 0; i < N_CHUNKS; i++)
		free(ar->chunks[i].buf);
	for (size_t i = 0; i < ar->n_inputs; i++) {
		free(ar->inputs[i].role);
		free(ar->inputs[i].path);
		free(ar->inputs[i].bytes);
	}
	free(ar->inputs);
	for (size_t i = 0; i < ar->n_locks; i++)
		free(ar->locks[i].finals);
	free(ar->locks);
	for (size_t i = 0; i < ar->n_owed; i++)
		free(ar->owed[i].key);
	free(ar->owed);
	strmap_finish(&ar->owed_ix);
	free(ar->ranges);
	free(ar->fh);
	hasher_finish(&ar->h);
	hasher_finish(&ar->mh);
	canon_finish(&ar->c);
	canon_finish(&ar->mc);
	canon_finish(&ar->data);
	canon_finish(&ar->dkeys);
	canon_finish(&ar->dstored);
	detail_shapes_free(&ar->shapes);
	free(ar->period);
	free(ar->command);
	free(ar->werr);
	free(ar->err);
	free(ar);
}

const char *audit_run_error(const audit_run *ar) { return ar->err; }

const inc_audit_run_info *audit_run_get_info(const audit_run *ar)
{
	return ar->committed ? &ar->info : NULL;
}

/* ---- hooks
 * ------------------------------------------------------------------------ */

void audit_run_diag(void *ud, const inc_diag *d)
{
	audit_run *ar = ud;

	if (!ar->replay && !ar->wrc &&
	    (d->severity == INC_SEV_ERROR || d->severity == INC_SEV_WARNING)) {
		const char *file = d->file ? d->file : "";
		const char *msg = d->message ? d->message : "";
		const char *hint = d->hint ? d->hint : "";
		const char *sev =
		    d->severity == INC_SEV_ERROR ? "error" : "warning";
		size_t need = 1 + 8 + text_size(file) + text_size(sev) +
			      text_size(msg) + text_size(hint);
		if (room(ar, need) != 0) {
			ar->lost = true; /* fails the run at finish */
		} else {
			chunk *k = ar->cur;
			chunk_u8(k, REC_REJECT);
			chunk_i64(k, d->line);
			chunk_text(k, file, strlen(file));
			chunk_text(k, sev, strlen(sev));
			chunk_text(k, msg, strlen(msg));
			chunk_text(k, hint, strlen(hint));
			if (d->severity == INC_SEV_ERROR)
				ar->n_errors++;
		}
	}
	if (ar->diag)
		ar->diag(ar->ud, d);
}


int audit_run_input(audit_run *ar, const char *role, const char *path)
{
	ainput *in;

	if (ar->replay)
		return 0;
	in = realloc(ar->inputs, (ar->n_inputs + 1) * sizeof *in);
	if (!in)
		return INC_ERROR;
	ar->inputs = in;
	in = &ar->inputs[ar->n_inputs];
	memset(in, 0, sizeof *in);
	in->role = strdup(role);
	in->path = strdup(path);
	ar->n_inputs++;
	if (!in->role || !in->path) {
		set_err(ar, "out of memory");
		return INC_ERROR;
	}
	if (strcmp(role, "events") == 0) {
		/* big: the writer hashes it while the engine reads it */
		int rc = room(ar, 1 + 8 + text_size(path));
		if (rc)
			return ar->wrc ? stop_writer(ar) : rc;
		chunk_u8(ar->cur, REC_HASH);
		chunk_i64(ar->cur, (int64_t)ar->n_inputs - 1);
		chunk_text(ar->cur, path, strlen(path));
		return 0;
	}
	/* people and quotas: small, and stored whole at the end */
	hasher h = {0};
	int rc = hasher_init(&h) == 0
		     ? audit_hash_file(&h, path, in->sha, &in->size, &in->bytes)
		     : INC_ERROR;
	hasher_finish(&h);
	if (rc > 0)
		return 0; /* unreadable: the reader reports it */
	if (rc)
		set_err(ar, "out of memory");
	return rc;
}

int audit_run_start(audit_run *ar, const roster *ro)
{
	ar->ro = ro;
	return 0;
}

static int64_t input_of(audit_run *ar, const char *file)
{
	if (file == ar->last_file)
		return ar->last_input;
	for (size_t i = 0; i < ar->n_inputs; i++)
		if (strcmp(ar->inputs[i].role, "events") == 0 &&
		    strcmp(ar->inputs[i].path, file) == 0) {
			ar->last_file = file;
			ar->last_input = (int64_t)i + 1;
			return ar->last_input;
		}
	return 0;
}

int audit_run_event(audit_run *ar, const event *e)
{
	const person *who;
	char date[11];
	size_t need;
	int rc;

	if (ar->replay)
		return 0;
	if (ar->wrc)
		return stop_writer(ar);
	who = &ar->ro->people[e->person];
	audit_event_data(&ar->data, e, ar->ro);
	if (ar->data.oom) {
		set_err(ar, "out of memory");
		return INC_ERROR;
	}
	date_format(date, e->date);
	int64_t input = input_of(ar, e->file ? e->file : "");
	/* Who computes the events' chain hashes.  The writer thread does
	 * (it alone knows whether an id is already recorded, so each event's
	 * position), unless it is the slower thread: then this thread takes
	 * the chain over and hashes the events, predicting that every event
	 * is new; the writer uses each hash whose predicted position turns
	 * out right (do_event), and computes the others itself.  Judged
	 * every 32 hand-overs (16 MiB): this thread found no free chunk at
	 * half of them or more, the writer is slower: take the chain (a
	 * wait of a few ms while the writer drains its queue); at fewer than
	 * 4, this thread is slower: leave it to the writer (free: the
	 * writer's own chain is always exact).  On the peers workload the
	 * writer is the slower thread all along (SQLite work for two rows an
	 * event) and this moves about 0.4 s of SHA-256 and serialisation
	 * off it; on the default policy this thread is mostly the slower
	 * (1.5 decisions an event to build, serialise and hash), and takes
	 * the chain only in the stretches where the writer falls behind. */
	int64_t pred_seq = 0;
	uint8_t pred_hash[32];
	if (ar->thread_on && ar->win_flushes >= 32) {
		unsigned waits = ar->win_waits;
		ar->win_flushes = ar->win_waits = 0;
		if (waits >= 16 && !ar->main_hashes_events &&
		    (rc = take_events_chain(ar)) != 0)
			return ar->wrc ? stop_writer(ar) : rc;
		if (waits < 4)
			ar->main_hashes_events = false;
	}
	/* tests: take the chain at the first event (the hand-over and the
	 * writer's check of each predicted position, on a small run) */
	if (!ar->main_hashes_events && ar->thread_on && ar->take_at_once &&
	    (rc = take_events_chain(ar)) != 0)
		return ar->wrc ? stop_writer(ar) : rc;
	if (ar->main_hashes_events) {
		canon *c = &ar->mc;
		pred_seq = ar->pev.count + 1;
		canon_begin(c, "events", ar->pev.head);
		canon_int(c, "seq", pred_seq);
		canon_text(c, "id", e->id, e->id_len);
		canon_text(c, "date", date, 10);
		canon_cstr(c, "type", e->type->name);
		canon_cstr(c, "person", who->id);
		canon_text(c, "data", ar->data.buf, ar->data.len);
		canon_int(c, "run", ar->run);
		canon_int(c, "input", input);
		canon_int(c, "line", (int64_t)e->line);
		if (canon_hash(&ar->mh, pred_hash, c) != 0) {
			set_err(ar, "cannot hash an event");
			return INC_ERROR;
		}
		ar->pev.count = pred_seq;
		memcpy(ar->pev.head, pred_hash, 32);
	}
	need = 1 + 24 + (pred_seq ? 32 : 0) + (4 + e->id_len + 1) + (4 + 11) +
	       text_size(e->type->name) + text_size(who->id) +
	       (4 + ar->data.len + 1);
	if ((rc = room(ar, need)) != 0)
		return ar->wrc ? stop_writer(ar) : rc;
	chunk *k = ar->cur;
	chunk_u8(k, REC_EVENT);
	chunk_i64(k, input);
	chunk_i64(k, (int64_t)e->line);
	chunk_i64(k, pred_seq);
	if (pred_seq) {
		memcpy(k->buf + k->len, pred_hash, 32);
		k->len += 32;
	}
	chunk_text(k, e->id, e->id_len);
	chunk_text(k, date, 10);
	chunk_text(k, e->type->name, strlen(e->type->name));
	chunk_text(k, who->id, strlen(who->id));
	chunk_text(k, ar->data.buf, ar->data.len);
	return 0;
}

/* Adds amount to owed[period, person, kind, currency]. */
static int owe(audit_run *ar, const inc_decision *d, dec amount)
{
	char key[512];
	int n =
	    snprintf(key, sizeof key, "%s%c%s%c%s%c%s", d->period, 0, d->person,
		     0, d->kind, 0, d->currency ? d->currency : "");
	uint32_t ix;

	if (n < 0 || (size_t)n >= sizeof key) {
		set_err(ar, "person or kind too long");
		return INC_ERROR;
	}
	if (strmap_get(&ar->owed_ix, key, (size_t)n, &ix))
		return dec_add(&ar->owed[ix].sum, ar->owed[ix].sum, amount) ==
			       DEC_OK
			   ? 0
			   : INC_EARITH;
	if (ar->n_owed == ar->cap_owed) {
		size_t cap = ar->cap_owed ? ar->cap_owed * 2 : 64;
		owed_ent *o = realloc(ar->owed, cap * sizeof *o);
		if (!o)
			return INC_ERROR;
		ar->owed = o;
		ar->cap_owed = cap;
	}
	owed_ent *o = &ar->owed[ar->n_owed];
	o->key = malloc((size_t)n + 1);
	if (!o->key)
		return INC_ERROR;
	memcpy(o->key, key, (size_t)n + 1);
	o->klen = (size_t)n;
	o->sum = amount;
	if (strmap_put(&ar->owed_ix, key, (size_t)n, (uint32_t)ar->n_owed,
		       NULL) < 0) {
		free(o->key);
		return INC_ERROR;
	}
	ar->n_owed++;
	return 0;
}

int audit_run_decision(audit_run *ar, const inc_decision *d, bool has_amount,
		       dec amount)
{
	int rc;

	/* what is owed in locked periods, for the adjustment lines */
	for (size_t i = 0; i < ar->n_locks; i++) {
		if (strcmp(ar->locks[i].period, d->period) != 0)
			continue;
		if (!ar->period)
			ar->locks[i].in_scope = true;
		if (has_amount && strcmp(d->kind, "adjustment") != 0 &&
		    (rc = owe(ar, d, amount)) != 0) {
			set_err(ar, rc == INC_EARITH
					? "arithmetic overflow in a total"
					: "out of memory");
			return rc;
		}
		break;
	}
	if (ar->replay)
		return 0;
	ar->n_decisions++;
	if (ar->wrc)
		return stop_writer(ar);
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
#define COL(name) {name, sizeof name - 1}
	static const struct {
		const char *name;
		size_t len;
	} cols[] = {COL("id"),	   COL("period"),   COL("person"),
		    COL("kind"),   COL("amount"),   COL("currency"),
		    COL("rule"),   COL("events"),   COL("reason"),
		    COL("version"), COL("detail")};
#undef COL
	size_t len[11], need = 1 + 8 + 4 + 32 + 1;
	uint8_t hash[32];
	int64_t seq = ar->dc.count + 1;
	canon *c = &ar->mc;

	for (int i = 0; i < 11; i++) {
		len[i] = v[i] ? strlen(v[i]) : 0;
		need += 4 + (v[i] ? len[i] + 1 : 0);
	}
	canon_begin(c, "decisions", ar->dc.head);
	canon_int(c, "seq", seq);
	canon_int(c, "run", ar->run);
	for (int i = 0; i < 11; i++)
		canon_text_n(c, cols[i].name, cols[i].len, v[i], len[i]);
	if (canon_hash(&ar->mh, hash, c) != 0) {
		set_err(ar, "cannot hash a decision");
		return INC_ERROR;
	}
	/* the hash is over the detail object; the row stores it compactly
	 * (a new shape goes first, in the same chunk) */
	bool new_shape = false;
	if (ar->compact) {
		int r = detail_compact(&ar->shapes, v[10], len[10], &ar->dkeys,
				       &ar->dstored, &new_shape);
		if (r < 0) {
			set_err(ar, "out of memory");
			return INC_ERROR;
		}
		if (r == 0) {
			need = need - len[10] + ar->dstored.len;
			v[10] = ar->dstored.buf;
			len[10] = ar->dstored.len;
		}
		if (new_shape)
			need += 1 + 8 + 4 + ar->dkeys.len + 1;
	}
	if ((rc = room(ar, need)) != 0)
		return ar->wrc ? stop_writer(ar) : rc;
	if (new_shape) {
		chunk_u8(ar->cur, REC_SHAPE);
		chunk_i64(ar->cur, (int64_t)ar->shapes.n);
		chunk_text(ar->cur, ar->dkeys.buf, ar->dkeys.len);
	}
	ar->dc.count = seq;
	memcpy(ar->dc.head, hash, 32);
	chunk *k = ar->cur;
	chunk_u8(k, REC_DECISION);
	chunk_i64(k, seq);
	chunk_text(k, (const char *)hash, 32);
	for (int i = 0; i < 11; i++)
		chunk_text(k, v[i], len[i]);
	return 0;
}

/* ---- finishing
 * --------------------------------------------------------------------- */

typedef struct adj_key {
	const char *person, *kind, *currency; /* into owed keys or paid rows */
	dec owed, paid;
	bool has_owed, has_paid;
} adj_key;

static int cmp_adj(const void *a, const void *b)
{
	const adj_key *x = a, *y = b;
	int c = strcmp(x->person, y->person);
	if (c == 0)
		c = strcmp(x->kind, y->kind);
	if (c == 0)
		c = strcmp(x->currency, y->currency);
	return c;
}

/* What the final runs of lock l paid, per person, kind and currency,
 * merged into *keys (strings kept in *store). */
static int read_paid(audit_run *ar, const lockp *l, adj_key **keys, size_t *n,
		     size_t *cap, strbuf *store, size_t **offs)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	/* an adjustment line's kind is the one it adjusts: its detail's
	 * "adjusts", stored compactly from schema version 3 on */
#define PAID_FROM                                                              \
	"coalesce(currency, ''), amount FROM decisions "                       \
	"WHERE seq > ?1 AND seq <= ?2 AND period = ?3 AND amount IS NOT "      \
	"NULL AND ((?4 = 1 AND kind <> 'adjustment') OR "                      \
	"(?4 = 0 AND kind = 'adjustment')) ORDER BY seq"
	rc = audit_prepare(
	    ar->a, &st,
	    ar->compact
		? "SELECT person, CASE WHEN kind = 'adjustment' THEN "
		  "coalesce(json_extract(detail, '$.adjusts'), (SELECT v.value "
		  "FROM detail_keys s, json_each(s.keys) k, json_each(detail) v "
		  "WHERE detail LIKE '[%' AND "
		  "s.shape = json_extract(detail, '$[0]') AND "
		  "k.value = 'adjusts' AND v.key = k.key + 1), '') "
		  "ELSE kind END, " PAID_FROM
		: "SELECT person, CASE WHEN kind = 'adjustment' THEN "
		  "coalesce(json_extract(detail, '$.adjusts'), '') "
		  "ELSE kind END, " PAID_FROM);
#undef PAID_FROM
	if (rc)
		return db_err(ar, "cannot read what was paid");
	for (size_t f = 0; rc == 0 && f < l->n_finals; f++) {
		int64_t after = 0, last = 0;
		if ((rc = audit_run_decision_range(ar->a, l->finals[f], &after,
						   &last)) != 0) {
			set_err(ar, "%s", inc_audit_errmsg(ar->a));
			break;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, after);
		sqlite3_bind_int64(st, 2, last);
		sqlite3_bind_text(st, 3, l->period, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, f == 0);
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			const char *cols[3];
			dec amt;
			const char *at =
			    (const char *)sqlite3_column_text(st, 3);
			for (int i = 0; i < 3; i++)
				cols[i] =
				    (const char *)sqlite3_column_text(st, i);
			if (dec_parse(&amt, at, strlen(at), false) != DEC_OK) {
				set_err(ar,
					"%s: a recorded amount '%s' is not a "
					"number",
					ar->a->path, at);
				rc = INC_EAUDIT;
				break;
			}
			size_t i;
			for (i = 0; i < *n; i++) {
				const char *p = store->buf + (*offs)[3 * i];
				const char *k = store->buf + (*offs)[3 * i + 1];
				const char *c = store->buf + (*offs)[3 * i + 2];
				if (!strcmp(p, cols[0]) &&
				    !strcmp(k, cols[1]) && !strcmp(c, cols[2]))
					break;
			}
			if (i == *n) {
				if (*n == *cap) {
					size_t c2 = *cap ? *cap * 2 : 64;
					adj_key *k2 =
					    realloc(*keys, c2 * sizeof *k2);
					size_t *o2 =
					    k2 ? realloc(*offs,
							 3 * c2 * sizeof *o2)
					       : NULL;
					if (k2)
						*keys = k2;
					if (!o2) {
						rc = INC_ERROR;
						break;
					}
					*offs = o2;
					*cap = c2;
				}
				memset(&(*keys)[i], 0, sizeof **keys);
				for (int j = 0; j < 3; j++) {
					(*offs)[3 * i + (size_t)j] = store->len;
					sb_append(store, cols[j],
						  strlen(cols[j]) + 1);
				}
				(*n)++;
			}
			adj_key *k = &(*keys)[i];
			if (!k->has_paid) {
				k->paid = amt;
				k->has_paid = true;
			} else if (dec_add(&k->paid, k->paid, amt) != DEC_OK) {
				rc = INC_EARITH;
				break;
			}
		}
		if (rc == 0 && s != SQLITE_DONE)
			rc = db_err(ar, "cannot read what was paid");
	}
	sqlite3_finalize(st);
	if (rc == INC_ERROR && !ar->err)
		set_err(ar, "out of memory");
	return rc;
}

static void money_text(char *buf, size_t cap, dec d, bool group)
{
	dec_format(buf, cap, d, d.scale, group);
}

/* Emits the adjustment lines of one locked period. */
static int adjust_period(audit_run *ar, const lockp *l, audit_emit_fn emit,
			 void *ud)
{
	adj_key *keys = NULL;
	size_t n = 0, cap = 0, *offs = NULL;
	strbuf store, finals, reason, detail;
	int rc = 0;

	sb_init(&store);
	sb_init(&finals);
	sb_init(&reason);
	sb_init(&detail);
	rc = read_paid(ar, l, &keys, &n, &cap, &store, &offs);
	/* owed now, from this run's decisions of the period */
	for (size_t o = 0; rc == 0 && o < ar->n_owed; o++) {
		const char *per = ar->owed[o].key;
		if (strcmp(per, l->period) != 0)
			continue;
		const char *p = per + strlen(per) + 1;
		const char *k = p + strlen(p) + 1;
		const char *c = k + strlen(k) + 1;
		size_t i;
		for (i = 0; i < n; i++)
			if (!strcmp(store.buf + offs[3 * i], p) &&
			    !strcmp(store.buf + offs[3 * i + 1], k) &&
			    !strcmp(store.buf + offs[3 * i + 2], c))
				break;
		if (i == n) {
			if (n == cap) {
				size_t c2 = cap ? cap * 2 : 64;
				adj_key *k2 = realloc(keys, c2 * sizeof *k2);
				size_t *o2 =
				    k2 ? realloc(offs, 3 * c2 * sizeof *o2)
				       : NULL;
				if (k2)
					keys = k2;
				if (!o2) {
					rc = INC_ERROR;
					set_err(ar, "out of memory");
					break;
				}
				offs = o2;
				cap = c2;
			}
			memset(&keys[i], 0, sizeof *keys);
			offs[3 * i] = store.len;
			sb_append(&store, p, strlen(p) + 1);
			offs[3 * i + 1] = store.len;
			sb_append(&store, k, strlen(k) + 1);
			offs[3 * i + 2] = store.len;
			sb_append(&store, c, strlen(c) + 1);
			n++;
		}
		keys[i].owed = ar->owed[o].sum;
		keys[i].has_owed = true;
	}
	if (store.oom) {
		rc = INC_ERROR;
		set_err(ar, "out of memory");
	}
	if (rc)
		goto done;
	for (size_t i = 0; i < n; i++) {
		keys[i].person = store.buf + offs[3 * i];
		keys[i].kind = store.buf + offs[3 * i + 1];
		keys[i].currency = store.buf + offs[3 * i + 2];
	}
	if (n)
		qsort(keys, n, sizeof *keys, cmp_adj);
	for (size_t f = 0; f < l->n_finals; f++)
		sb_printf(&finals, "%s%lld", f ? "," : "",
			  (long long)l->finals[f]);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		adj_key *k = &keys[i];
		dec owed = k->has_owed ? k->owed : dec_zero();
		dec paid = k->has_paid ? k->paid : dec_zero();
		dec diff;
		char a_owed[80], a_paid[80], a_diff[80], g_owed[80], g_paid[80],
		    g_diff[80];
		int scale = owed.scale > paid.scale ? owed.scale : paid.scale;
		if (dec_sub(&diff, owed, paid) != DEC_OK ||
		    dec_round(&diff, diff, scale, DEC_HALF_EVEN) != DEC_OK ||
		    dec_round(&owed, owed, scale, DEC_HALF_EVEN) != DEC_OK ||
		    dec_round(&paid, paid, scale, DEC_HALF_EVEN) != DEC_OK) {
			set_err(ar, "arithmetic overflow in an adjustment");
			rc = INC_EARITH;
			break;
		}
		if (dec_is_zero(diff))
			continue;
		money_text(a_owed, sizeof a_owed, owed, false);
		money_text(a_paid, sizeof a_paid, paid, false);
		money_text(a_diff, sizeof a_diff, diff, false);
		money_text(g_owed, sizeof g_owed, owed, true);
		money_text(g_paid, sizeof g_paid, paid, true);
		money_text(g_diff, sizeof g_diff, diff, true);
		sb_reset(&reason);
		sb_printf(&reason,
			  "%s for %s: %s owed now, %s already paid by final "
			  "run%s %s: "
			  "adjustment %s%s",
			  k->kind, l->period, g_owed, g_paid,
			  l->n_finals > 1 ? "s" : "", sb_cstr(&finals),
			  dec_sign(diff) > 0 ? "+" : "", g_diff);
		sb_reset(&detail);
		sb_printf(&detail,
			  "{\"exact\":\"%s\",\"rounding\":\"none\","
			  "\"decimals\":\"%d\","
			  "\"adjusts\":\"%s\",\"owed\":\"%s\",\"paid\":\"%s\","
			  "\"paid_by\":\"%s\",\"locked_by\":\"%lld\"}",
			  a_diff, scale, k->kind, a_owed, a_paid,
			  sb_cstr(&finals), (long long)l->finals[0]);
		if (reason.oom || detail.oom) {
			set_err(ar, "out of memory");
			rc = INC_ERROR;
			break;
		}
		inc_decision d = {
		    .period = l->period,
		    .person = k->person,
		    .kind = "adjustment",
		    .amount = a_diff,
		    .currency = k->currency[0] ? k->currency : NULL,
		    .rule = "",
		    .events = "",
		    .reason = sb_cstr(&reason),
		    .version = "",
		    .detail = sb_cstr(&detail),
		};
		ar->n_adjust++;
		rc = emit(ud, &d, true, diff);
		if (rc && !ar->err)
			set_err(ar, "output failed");
	}
done:
	free(keys);
	free(offs);
	sb_finish(&store);
	sb_finish(&finals);
	sb_finish(&reason);
	sb_finish(&detail);
	return rc;
}

static int cmp_lock(const void *a, const void *b)
{
	return strcmp(((const lockp *)a)->period, ((const lockp *)b)->period);
}

/* Hash-chains rows of a side table from zero: returns the head in hex. */
typedef struct side {
	audit_run *ar;
	sqlite3_stmt *st;
	uint8_t head[32];
	const char *table;
} side;

static int side_begin(side *s, audit_run *ar, const char *table,
		      const char *sql)
{
	memset(s, 0, sizeof *s);
	s->ar = ar;
	s->table = table;
	if (audit_prepare(ar->a, &s->st, sql) != 0)
		return db_err(ar, "cannot prepare");
	return 0;
}

static int side_row(side *s)
{
	uint8_t h[32];
	if (canon_hash(&s->ar->h, h, &s->ar->c) != 0) {
		set_err(s->ar, "cannot hash");
		return INC_ERROR;
	}
	memcpy(s->head, h, 32);
	if (sqlite3_step(s->st) != SQLITE_DONE) {
		sqlite3_reset(s->st);
		return db_err(s->ar, "cannot store the run");
	}
	sqlite3_reset(s->st);
	return 0;
}

static int write_inputs(audit_run *ar, char out[65])
{
	/* the events files' hashes, from the writer (joined by now) */
	for (size_t i = 0; i < ar->n_fh; i++) {
		ainput *in = &ar->inputs[ar->fh[i].n];
		memcpy(in->sha, ar->fh[i].sha, 65);
		in->size = ar->fh[i].size;
	}
	side s;
	int rc =
	    side_begin(&s, ar, "run_inputs",
		       "INSERT INTO run_inputs VALUES (?, ?, ?, ?, ?, ?, ?)");
	canon *c = &ar->c;

	for (size_t i = 0; rc == 0 && i < ar->n_inputs; i++) {
		ainput *in = &ar->inputs[i];
		int stored = in->bytes != NULL;
		if (stored) {
			char sha[65];
			if ((rc = audit_store_blob(ar->a, in->bytes, in->size,
						   sha)) != 0) {
				set_err(ar, "%s", inc_audit_errmsg(ar->a));
				break;
			}
		}
		canon_begin(c, "run_inputs", s.head);
		canon_int(c, "run", ar->run);
		canon_int(c, "n", (int64_t)i + 1);
		canon_cstr(c, "role", in->role);
		canon_cstr(c, "path", in->path);
		canon_int(c, "size", (int64_t)in->size);
		canon_cstr(c, "sha256", in->sha);
		canon_int(c, "stored", stored);
		sqlite3_bind_int64(s.st, 1, ar->run);
		sqlite3_bind_int64(s.st, 2, (int64_t)i + 1);
		sqlite3_bind_text(s.st, 3, in->role, -1, SQLITE_STATIC);
		sqlite3_bind_text(s.st, 4, in->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s.st, 5, (int64_t)in->size);
		sqlite3_bind_text(s.st, 6, in->sha, -1, SQLITE_STATIC);
		sqlite3_bind_int(s.st, 7, stored);
		rc = side_row(&s);
	}
	sqlite3_finalize(s.st);
	hex_encode(out, s.head);
	return rc;
}

static int write_people(audit_run *ar, char out[65])
{
	side s;
	int rc = side_begin(
	    &s, ar, "run_people",
	    "INSERT INTO run_people VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	canon *c = &ar->c;
	const roster *ro = ar->ro;

	for (size_t i = 0; rc == 0 && ro && i < ro->n_people; i++) {
		const person *p = &ro->people[i];
		char hired[11], left[11];
		date_format(hired, p->hired);
		date_format(left, p->left);
		canon_begin(c, "run_people", s.head);
		canon_int(c, "run", ar->run);
		canon_int(c, "n", (int64_t)i + 1);
		canon_cstr(c, "person", p->id);
		canon_cstr(c, "name", p->name ? p->name : "");
		canon_cstr(c, "level", p->level ? p->level : "");
		canon_cstr(c, "team", p->team ? p->team : "");
		canon_cstr(c, "manager", p->manager ? p->manager : "");
		canon_cstr(c, "hired", hired);
		canon_cstr(c, "left_on", p->has_left ? left : NULL);
		canon_cstr(c, "currency", p->currency);
		sqlite3_bind_int64(s.st, 1, ar->run);
		sqlite3_bind_int64(s.st, 2, (int64_t)i + 1);
		sqlite3_bind_text(s.st, 3, p->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s.st, 4, p->name ? p->name : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(s.st, 5, p->level ? p->level : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(s.st, 6, p->team ? p->team : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(s.st, 7, p->manager ? p->manager : "", -1,
				  SQLITE_STATIC);
		/* STATIC (the buffers outlive the step): a copy could fail
		 * and leave NULL bound, a silent wrong row */
		sqlite3_bind_text(s.st, 8, hired, -1, SQLITE_STATIC);
		if (p->has_left)
			sqlite3_bind_text(s.st, 9, left, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s.st, 9);
		sqlite3_bind_text(s.st, 10, p->currency, -1, SQLITE_STATIC);
		rc = side_row(&s);
	}
	sqlite3_finalize(s.st);
	hex_encode(out, s.head);
	return rc;
}

static int write_members(audit_run *ar, char out[65])
{
	side s;
	int rc = side_begin(&s, ar, "run_events",
			    "INSERT INTO run_events VALUES (?, ?, ?, ?)");
	canon *c = &ar->c;

	for (size_t i = 0; rc == 0 && i < ar->n_ranges; i++) {
		canon_begin(c, "run_events", s.head);
		canon_int(c, "run", ar->run);
		canon_int(c, "n", (int64_t)i + 1);
		canon_int(c, "first_seq", ar->ranges[i][0]);
		canon_int(c, "last_seq", ar->ranges[i][1]);
		sqlite3_bind_int64(s.st, 1, ar->run);
		sqlite3_bind_int64(s.st, 2, (int64_t)i + 1);
		sqlite3_bind_int64(s.st, 3, ar->ranges[i][0]);
		sqlite3_bind_int64(s.st, 4, ar->ranges[i][1]);
		rc = side_row(&s);
	}
	sqlite3_finalize(s.st);
	hex_encode(out, s.head);
	return rc;
}

/* The run's ledger row. */
static int write_run(audit_run *ar, const inc_run_stats *stt,
		     const char *inputs, const char *members,
		     const char *people)
{
	sqlite3_stmt *st = NULL;
	canon *c = &ar->c;
	strbuf opts;
	char evh[65], rjh[65], dch[65];
	uint8_t hash[32];
	const char *name =
	    ar->policy->n_versions ? ar->policy->versions[0].policy_name : "";
	int rc;

	sb_init(&opts);
	sb_puts(&opts, "{\"period\":");
	if (ar->period)
		fmt_sb_json_str(&opts, ar->period);
	else
		sb_puts(&opts, "null");
	sb_printf(&opts, ",\"strict\":%s,\"final\":%s}",
		  ar->strict ? "true" : "false", ar->final ? "true" : "false");
	if (opts.oom) {
		sb_finish(&opts);
		set_err(ar, "out of memory");
		return INC_ERROR;
	}
	hex_encode(evh, ar->ev.head);
	hex_encode(rjh, ar->rj.head);
	hex_encode(dch, ar->dc.head);
	uint64_t rejected =
	    stt->events_rejected + stt->people_rejected + stt->quotas_rejected;
	uint64_t events = stt->events_accepted;

	struct {
		const char *name;
		bool is_int, is_null;
		int64_t i;
		const char *s;
	} cols[] = {
	    {"seq", true, false, ar->ledger_seq, NULL},
	    {"run", true, false, ar->run, NULL},
	    {"status", false, false, 0, ar->final ? "final" : "draft"},
	    {"started", false, false, 0, ar->started},
	    {"engine", false, false, 0, "incentive " INC_VERSION},
	    {"command", false, false, 0, ar->command},
	    {"options", false, false, 0, sb_cstr(&opts)},
	    {"policy", false, false, 0, inc_policy_hash(ar->policy)},
	    {"policy_name", false, false, 0, name},
	    {"policy_root", false, false, 0, ar->policy->root},
	    {"period", false, ar->period == NULL, 0, ar->period},
	    {"approval", true, ar->approval <= 0, ar->approval, NULL},
	    {"locked_by", true, ar->locked_by <= 0, ar->locked_by, NULL},
	    {"lines_read", true, false, (int64_t)stt->lines_read, NULL},
	    {"events", true, false, (int64_t)events, NULL},
	    {"events_new", true, false, (int64_t)ar->events_new, NULL},
	    {"events_known", true, false, (int64_t)ar->events_known, NULL},
	    {"rejected", true, false, (int64_t)rejected, NULL},
	    {"people", true, false, (int64_t)stt->people, NULL},
	    {"quotas", true, false, (int64_t)stt->quotas, NULL},
	    {"decisions", true, false, (int64_t)ar->n_decisions, NULL},
	    {"adjustments", true, false, (int64_t)ar->n_adjust, NULL},
	    {"inputs_sha256", false, false, 0, inputs},
	    {"members_sha256", false, false, 0, members},
	    {"people_sha256", false, false, 0, people},
	    {"events_count", true, false, ar->ev.count, NULL},
	    {"events_head", false, false, 0, evh},
	    {"rejects_count", true, false, ar->rj.count, NULL},
	    {"rejects_head", false, false, 0, rjh},
	    {"decisions_count", true, false, ar->dc.count, NULL},
	    {"decisions_head", false, false, 0, dch},
	};
	size_t nc = sizeof cols / sizeof *cols;

	canon_begin(c, "runs", ar->ledger_prev);
	for (size_t i = 0; i < nc; i++) {
		if (cols[i].is_null)
			canon_text(c, cols[i].name, NULL, 0);
		else if (cols[i].is_int)
			canon_int(c, cols[i].name, cols[i].i);
		else
			canon_cstr(c, cols[i].name, cols[i].s);
	}
	if (canon_hash(&ar->h, hash, c) != 0) {
		sb_finish(&opts);
		set_err(ar, "cannot hash the run");
		return INC_ERROR;
	}
	rc = audit_prepare(ar->a, &st,
			   "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
			   "?, ?, ?, ?, ?, ?, ?, ?, "
			   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (rc == 0) {
		for (size_t i = 0; i < nc; i++) {
			int ix = (int)i + 1;
			if (cols[i].is_null)
				sqlite3_bind_null(st, ix);
			else if (cols[i].is_int)
				sqlite3_bind_int64(st, ix, cols[i].i);
			else
				/* STATIC: every string outlives the step (a
				 * copy that failed would bind NULL) */
				sqlite3_bind_text(st, ix, cols[i].s, -1,
						  SQLITE_STATIC);
		}
		sqlite3_bind_blob(st, (int)nc + 1, hash, 32, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(ar, "cannot record the run");
	} else {
		rc = db_err(ar, "cannot record the run");
	}
	sqlite3_finalize(st);
	sb_finish(&opts);
	if (rc == 0) {
		hex_encode(ar->hash_hex, hash);
		ar->info.hash = ar->hash_hex;
		ar->info.events = events;
		ar->info.rejected = rejected;
	}
	return rc;
}

int audit_run_finish(audit_run *ar, const inc_run_stats *st, audit_emit_fn emit,
		     void *emit_ud, char **err)
{
	char inputs[65], members[65], people[65];
	int rc;

	*err = NULL;
	/* the writer's queue first: its failures come before anything else */
	if (!ar->replay && (rc = stop_writer(ar)) != 0)
		goto fail;
	if (ar->lost) {
		/* never a record with a line silently missing */
		set_err(ar, "out of memory: a rejected line could not be "
			    "recorded");
		rc = INC_ERROR;
		goto fail;
	}
	if (ar->n_locks)
		qsort(ar->locks, ar->n_locks, sizeof *ar->locks, cmp_lock);
	for (size_t i = 0; i < ar->n_locks; i++) {
		if (!ar->locks[i].in_scope)
			continue;
		if ((rc = adjust_period(ar, &ar->locks[i], emit, emit_ud)) != 0)
			goto fail;
	}
	if (ar->replay)
		return 0;
	if ((rc = flush_chunk(ar)) != 0) {
		set_err(ar, "%s", ar->werr ? ar->werr : "audit database error");
		goto fail;
	}
	if ((rc = write_inputs(ar, inputs)) != 0 ||
	    (rc = write_people(ar, people)) != 0 ||
	    (rc = write_members(ar, members)) != 0 ||
	    (rc = write_run(ar, st, inputs, members, people)) != 0)
		goto fail;
	if (sqlite3_get_autocommit(ar->a->db)) {
		/* rolled back by SQLite after an error that was not seen */
		set_err(ar, "%s: cannot record the run%s", ar->a->path, txn_lost);
		rc = INC_EAUDIT;
		goto fail;
	}
	ar->committing = true;
	if (audit_exec(ar->a, "COMMIT") != 0) {
		ar->committing = false;
		set_err(ar, "%s", inc_audit_errmsg(ar->a));
		rc = INC_EAUDIT;
		goto fail;
	}
	ar->committed = true;
	sqlite3_commit_hook(ar->a->db, NULL, NULL);
	sqlite3_rollback_hook(ar->a->db, NULL, NULL);
	ar->a->recording = false;
	ar->info.run = ar->run;
	ar->info.status = ar->final ? "final" : "draft";
	ar->info.started = ar->started;
	ar->info.engine = "incentive " INC_VERSION;
	ar->info.command = ar->command;
	ar->info.policy = inc_policy_hash(ar->policy);
	ar->info.policy_name =
	    ar->policy->n_versions ? ar->policy->versions[0].policy_name : "";
	ar->info.period = ar->period;
	ar->info.approval = ar->approval;
	ar->info.locked_by = ar->locked_by;
	ar->info.events_new = ar->events_new;
	ar->info.events_known = ar->events_known;
	ar->info.decisions = ar->n_decisions;
	ar->info.adjustments = ar->n_adjust;
	return 0;
fail:
	*err = ar->err ? strdup(ar->err) : NULL;
	return rc;
}
