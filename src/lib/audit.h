/*
 * audit.h: what the audit modules share (not public: include/incentive.h
 * has the audit API).
 *
 *   audit_canon.c   canonical serialisation of a row and its chain hash
 *   audit.c         the database: open/create, schema, blobs, policy
 *                   snapshots, approvals, reading runs and decisions
 *   audit_run.c     recording a run (a writer thread does the inserts),
 *                   and the adjustment lines of a locked period
 *   audit_verify.c  `incentive verify`
 *   audit_replay.c  `incentive replay`
 *   audit_report.c  `incentive explain` and `incentive statement`
 *   audit_sim.c     simulations (`incentive simulate --audit`): recording
 *                   them as ledger entries, listing and showing them
 *
 * run.c calls the audit_run_* hooks when a run is recorded (or replayed):
 * every input file, every rejected line (through a diag wrapper), every
 * accepted event before it is evaluated, every decision before the sink
 * sees it, and audit_run_finish after the last period end.
 */
#ifndef INC_AUDIT_H
#define INC_AUDIT_H

#include <sqlite3.h>
#include <string.h>

#include "input.h"

/* ---- canonical serialisation (audit_canon.c) ------------------------- */

/* A row's canonical serialisation (docs/audit.md, "Hash chains"):
 *
 *   "incentive-audit-v1 " <table> "\n"
 *   <previous row's hash, 64 lowercase hex digits> "\n"
 *   then for each column in schema order (all but `hash`):
 *     <column> "=" ( "NULL" | <byte length> ":" <bytes> ) "\n"
 *
 * Integers are written in decimal.  The row's hash is SHA-256 of that. */
typedef struct canon {
	char *buf;
	size_t len, cap;
	bool oom;
} canon;

void canon_init(canon *c);
void canon_finish(canon *c);
/* Room for extra more bytes and a NUL (false when out of memory: c->oom
 * is set and stays set); appends n raw bytes, NUL-terminated. */
bool canon_reserve(canon *c, size_t extra);
void canon_put(canon *c, const char *s, size_t n);
/* Starts a row of `table` chained to prev (32 bytes). */
void canon_begin(canon *c, const char *table, const uint8_t prev[32]);
/* A text column; s NULL is SQL NULL.  col is the column name, cl its
 * length.  The macros below take the length of a literal name at compile
 * time (a strlen per column per row saved: 30 million on a 1M-event run). */
void canon_text_n(canon *c, const char *col, size_t cl, const char *s,
		  size_t n);
void canon_int_n(canon *c, const char *col, size_t cl, int64_t v);
#define canon_text(c, col, s, n)                                               \
	canon_text_n((c), (col), __builtin_strlen(col), (s), (n))
#define canon_int(c, col, v) canon_int_n((c), (col), __builtin_strlen(col), (v))
static inline void canon_cstr(canon *c, const char *col, const char *s)
{
	canon_text_n(c, col, strlen(col), s, s ? strlen(s) : 0);
}

/* SHA-256 with a reusable context (OpenSSL EVP). */
typedef struct hasher {
	void *ctx; /* EVP_MD_CTX */
	void *md;  /* EVP_MD, fetched once */
} hasher;

int hasher_init(hasher *h);
void hasher_finish(hasher *h);
/* out = SHA-256(p[0..n)).  Returns 0 or -1. */
int hasher_digest(hasher *h, uint8_t out[32], const void *p, size_t n);
/* Streaming: begin, update..., end.  Each 0 or -1. */
int hasher_begin(hasher *h);
int hasher_update(hasher *h, const void *p, size_t n);
int hasher_end(hasher *h, uint8_t out[32]);
/* Hashes the canonical row: 0 or -1 (also when c->oom). */
int canon_hash(hasher *h, uint8_t out[32], const canon *c);

/* SHA-256 (lowercase hex) and size of a file, read in blocks; keep: its
 * bytes too (malloc'd).  Returns 0, 1 when the file cannot be opened or
 * read (errno says why), or INC_ERROR (out of memory). */
int audit_hash_file(hasher *hs, const char *path, char sha[65], uint64_t *size,
		    char **keep);
void hex_encode(char out[65], const uint8_t h[32]);
/* Lowercase or uppercase hex, exactly 64 digits.  0 or -1. */
int hex_decode(uint8_t out[32], const char *hex);

/* ---- decision details as stored (audit_detail.c) ---------------------- */

/* The shapes of a database's details (detail_keys): shape i+1 has the
 * keys keys[i], a JSON array of the keys' string tokens. */
typedef struct detail_shapes {
	strmap ix; /* keys text -> shape */
	char **keys;
	size_t *klen;
	size_t n, cap;
	uint32_t recent[4]; /* shapes last used, most recent first (0: none) */
} detail_shapes;

void detail_shapes_init(detail_shapes *s);
void detail_shapes_free(detail_shapes *s);
/* Compacts a detail object into out ("[shape,values...]"), using keys as
 * scratch; a shape seen for the first time is added (*new_shape: its
 * keys are s->keys[s->n - 1], to be stored).  Returns 0, 1 when obj is
 * not a flat object of string values (store it as it is), or -1 when out
 * of memory. */
int detail_compact(detail_shapes *s, const char *obj, size_t n, canon *keys,
		   canon *out, bool *new_shape);
/* The object a stored detail stands for, into out (a detail stored as an
 * object is copied).  Returns 0, 1 when the text is malformed or names an
 * unknown shape, or -1 when out of memory. */
int detail_expand(const detail_shapes *s, const char *text, size_t n,
		  canon *out);

/* ---- the database (audit.c) ------------------------------------------ */

struct inc_audit {
	sqlite3 *db;
	char *path;
	int mode;
	int version; /* PRAGMA user_version: 1; 2 with simulations; 3 with
		      * compact decision details (detail_keys) */
	char *errmsg;
	bool recording; /* a run holds the write transaction */
	/* storage for the strings of inc_audit_get_run */
	char *info_buf;
	inc_audit_run_info info;
};

/* Reads detail_keys (version 3; nothing before) into s. */
int detail_shapes_load(inc_audit *a, detail_shapes *s);

/* The detail object of decision seq's stored detail (text, n bytes) into
 * out.  0, or INC_EAUDIT (a malformed detail: the database was altered)
 * or INC_ERROR with the handle's message set. */
int audit_detail_object(inc_audit *a, const detail_shapes *s, int64_t seq,
			const char *text, size_t n, canon *out);

/* schemas/audit.sql, as embedded in the library. */
const char *audit_schema(void);
/* Where the simulation part of schemas/audit.sql (schema version 2)
 * starts: a database of version 1 has only what comes before. */
#define AUDIT_SIM_MARKER "-- ---- Simulations (schema version 2)"
/* ... and where the compact details of version 3 start. */
#define AUDIT_DETAIL_MARKER "-- ---- Decision details (schema version 3)"
/* The statements that take a database from version from-1 to version to
 * (from 1: a new database of version `to`), malloc'd, or NULL. */
char *audit_schema_part(int from, int to);

void audit_set_err(inc_audit *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Sets the message from the connection: "<what>: <sqlite message>". */
int audit_db_err(inc_audit *a, const char *what);
int audit_exec(inc_audit *a, const char *sql);
int audit_prepare(inc_audit *a, sqlite3_stmt **out, const char *sql);

/* Stores bytes under their SHA-256 (hex in sha_out when not NULL); a
 * no-op when already stored. */
int audit_store_blob(inc_audit *a, const void *bytes, size_t len,
		     char sha_out[65]);
/* Stores the policy's snapshot (its files, by hash) unless already. */
int audit_store_policy(inc_audit *a, const inc_policy *p);
/* Loads the policy snapshot `hash` from the database. */
int audit_load_policy(inc_audit *a, const char *hash, const char *root,
		      inc_diag_fn diag, void *ud, inc_policy **out);
/* Reads blob `sha` into a malloc'd buffer (NUL-terminated). */
int audit_read_blob(inc_audit *a, const char *sha, char **out, size_t *len);

/* The tail of a chain table ("events", "rejects", "decisions"): its row
 * count and head hash (zeros when empty). */
int audit_chain_tail(inc_audit *a, const char *table, int64_t *count,
		     uint8_t head[32]);
/* Re-reads PRAGMA user_version into a->version (in a transaction: the
 * version that transaction sees).  0 or an INC_E* code. */
int audit_refresh_version(inc_audit *a);
/* The ledger's (runs, approvals and, from schema version 2, simulations)
 * next seq and the hash to chain to. */
int audit_ledger_tail(inc_audit *a, int64_t *next_seq, uint8_t prev[32]);

/* Fills *out (strings in a->info_buf) from the current row of a statement
 * that selected RUN_COLUMNS. */
#define RUN_COLUMNS                                                            \
	"run, status, started, engine, command, policy, policy_name, period, " \
	"approval, locked_by, events, events_new, events_known, rejected, "    \
	"decisions, adjustments, hash"
int audit_run_row(inc_audit *a, sqlite3_stmt *st, inc_audit_run_info *out);

/* Decision-seq range of run `run`: rows (first, last] of the chain, and
 * the run's row count. */
int audit_run_decision_range(inc_audit *a, int64_t run, int64_t *after,
			     int64_t *last);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (metadata only). */
void audit_now(char buf[32]);

/* ---- recording and replaying runs (audit_run.c) ------------------------ */

typedef struct audit_run audit_run;

/* Recording: opens the run's transaction (refusing a final run of an
 * unapproved policy).  Returns 0 or a negative INC_E* code with *err. */
int audit_run_create(audit_run **out, inc_audit *a, const inc_policy *p,
		     const inc_run_options *ro, const inc_audit_run_options *o,
		     inc_diag_fn diag, void *ud, char **err);
/* Replaying run `as_of` (nothing is written): only the adjustment lines
 * are computed, against what was paid before that run. */
int audit_run_create_replay(audit_run **out, inc_audit *a, int64_t as_of,
			    const char *period, inc_diag_fn diag, void *ud,
			    char **err);
void audit_run_destroy(audit_run *ar); /* rolls back when not committed */

/* diag wrapper: records rejected lines and warnings, then forwards them
 * to the run's own callback.  ud is the audit_run. */
void audit_run_diag(void *ud, const inc_diag *d);
/* An input file (role "people", "quotas" or "events"), before it is read. */
int audit_run_input(audit_run *ar, const char *role, const char *path);
/* Before the first event: the roster in use. */
int audit_run_start(audit_run *ar, const roster *ro);
/* Each accepted event, in evaluation order, before it is evaluated. */
int audit_run_event(audit_run *ar, const event *e);
/* Each decision before the sink sees it (amount parsed by the caller). */
int audit_run_decision(audit_run *ar, const inc_decision *d, bool has_amount,
		       dec amount);

/* Emits one more decision through the run (id, counters, sink, record). */
typedef int (*audit_emit_fn)(void *ud, inc_decision *d, bool has_amount,
			     dec amount);
/* After the last period end: emits the adjustment lines of locked
 * periods, then (recording) writes the run's row and commits. */
int audit_run_finish(audit_run *ar, const inc_run_stats *st, audit_emit_fn emit,
		     void *emit_ud, char **err);
const inc_audit_run_info *audit_run_get_info(const audit_run *ar);
/* A failure message the audit layer set while the run went on, or NULL. */
const char *audit_run_error(const audit_run *ar);

/* run.c: attaches an audit run (taking ownership) to a run that has no
 * input yet, and routes its input diagnostics through audit_run_diag. */
int run_attach_audit(inc_run *r, audit_run *ar);
/* Replay: the run loads the carried state in path (a copy of the one the
 * recorded run loaded with --state-in).  Returns 0 or INC_ERROR. */
int run_set_state_in(inc_run *r, const char *path);

/* ---- event data (audit_run.c) ------------------------------------------ */

/* The JSON object of an event's present declared fields (see the events
 * table in schemas/audit.sql), appended to c (as raw bytes). */
void audit_event_data(canon *c, const event *e, const roster *ro);

#endif
