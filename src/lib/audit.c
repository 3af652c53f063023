/*
 * audit.c: the audit database: opening and creating it (the schema is
 * schemas/audit.sql, embedded at build time), content-addressed blobs,
 * policy snapshots, approvals, and reading runs and decisions back.
 *
 * Connection settings (docs/audit.md, "Durability"): WAL journal, so that
 * readers (an auditor's sqlite3 session, `explain`) go on while a run
 * writes; synchronous=FULL, so that a run reported as recorded survives a
 * power cut as well as a kill; a busy timeout, so that a second writer
 * waits for the first instead of failing at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "audit_schema.h"

#define AUDIT_APP_ID 0x696e6361 /* "inca" */
/* 2: simulations (a database of version 1 is upgraded to 2 when it
 * records a simulation); 3: compact decision details (new databases;
 * versions 1 and 2 are read, and keep their details as objects) */
#define AUDIT_SCHEMA_VERSION 3
#define BUSY_TIMEOUT_MS 600000

void audit_set_err(inc_audit *a, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	free(a->errmsg);
	a->errmsg = m;
}

int audit_db_err(inc_audit *a, const char *what)
{
	int code = sqlite3_errcode(a->db);

	audit_set_err(a, "%s: %s: %s", a->path, what, sqlite3_errmsg(a->db));
	return code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? INC_EAUDIT
							       : INC_ERROR;
}

int audit_exec(inc_audit *a, const char *sql)
{
	if (sqlite3_exec(a->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return audit_db_err(a, "database error");
	return 0;
}

int audit_prepare(inc_audit *a, sqlite3_stmt **out, const char *sql)
{
	if (sqlite3_prepare_v2(a->db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return audit_db_err(a, "database error");
	}
	return 0;
}

void audit_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *audit_schema(void) { return audit_schema_sql; }

char *audit_schema_part(int from, int to)
{
	static const char *const marks[] = {AUDIT_SIM_MARKER,
					    AUDIT_DETAIL_MARKER};
	const char *s = audit_schema_sql, *b, *e;

	if (from < 1 || to > AUDIT_SCHEMA_VERSION || from > to)
		return NULL;
	b = from == 1 ? s : strstr(s, marks[from - 2]);
	e = to == AUDIT_SCHEMA_VERSION ? s + strlen(s) : strstr(s, marks[to - 1]);
	if (!b || !e || e < b)
		return NULL;
	return strndup(b, (size_t)(e - b));
}

/* ---- open ---- */

static int int_pragma(inc_audit *a, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = audit_prepare(a, &st, sql);

	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = audit_db_err(a, "cannot read the database header");
	}
	sqlite3_finalize(st);
	return rc;
}

static int create_schema(inc_audit *a)
{
	char sql[160];
	int rc;

	/* settings that only take effect before the first table.  32 KiB
	 * pages: inserting 1M decision-sized rows takes 1.35 s of CPU
	 * instead of 1.48 s with 8 KiB pages (-9%; the commit -25%), about
	 * what 64 KiB gives (1.33 s); the price is a bigger empty database
	 * (21 pages: 672 KiB instead of 168 KiB, 1.3 MiB with 64 KiB) */
	if ((rc = audit_exec(a, "PRAGMA page_size = 32768")) != 0)
		return rc;
	if ((rc = audit_exec(a, "PRAGMA journal_mode = WAL")) != 0)
		return rc;
	if ((rc = audit_exec(a, "BEGIN IMMEDIATE")) != 0)
		return rc;
	/* someone else may have created it meanwhile */
	int64_t n = 0;
	rc = int_pragma(a, "SELECT count(*) FROM sqlite_master", &n);
	if (rc == 0 && n == 0) {
		rc = audit_exec(a, audit_schema_sql);
		snprintf(sql, sizeof sql,
			 "INSERT INTO meta VALUES ('schema', '%d'), "
			 "('created_by', 'incentive %s')",
			 AUDIT_SCHEMA_VERSION, INC_VERSION);
		if (rc == 0)
			rc = audit_exec(a, sql);
		snprintf(sql, sizeof sql,
			 "PRAGMA application_id = %d; PRAGMA user_version = %d",
			 AUDIT_APP_ID, AUDIT_SCHEMA_VERSION);
		if (rc == 0)
			rc = audit_exec(a, sql);
	}
	if (rc == 0)
		rc = audit_exec(a, "COMMIT");
	if (rc)
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* SQLite keeps allocation statistics by default, under a global mutex
 * taken on every allocation: turning them off saves about 14% of the CPU
 * of a bulk insert (1M decision rows: 1.72 -> 1.48 s).  Nothing here reads
 * them (sqlite3_memory_used, soft heap limits).  It must happen before
 * SQLite initialises; when the host program already used SQLite the call
 * fails harmlessly and its setting stays. */
static void sqlite_settings(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int inc_audit_open(inc_audit **out, const char *path, int mode,
		   char **errmsg_out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	inc_audit *a = calloc(1, sizeof *a);
	int64_t n = 0, app = 0, ver = 0;
	int flags, rc = INC_ERROR;

	if (errmsg_out)
		*errmsg_out = NULL;
	if (!a) {
		if (errmsg_out)
			*errmsg_out = strdup("out of memory");
		return INC_ERROR;
	}
	pthread_once(&once, sqlite_settings);
	a->mode = mode;
	a->path = strdup(path);
	if (!a->path)
		goto done;
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (mode == INC_AUDIT_WRITE)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &a->db, flags, NULL) != SQLITE_OK) {
		if (!a->db) {
			audit_set_err(a, "%s: out of memory", path);
		} else if (mode == INC_AUDIT_READ &&
			   sqlite3_errcode(a->db) == SQLITE_CANTOPEN) {
			audit_set_err(a, "%s: no such audit database", path);
			rc = INC_EAUDIT;
		} else {
			rc = audit_db_err(a, "cannot open");
		}
		goto done;
	}
	sqlite3_extended_result_codes(a->db, 0);
	sqlite3_busy_timeout(a->db, BUSY_TIMEOUT_MS);
	rc = int_pragma(a, "SELECT count(*) FROM sqlite_master", &n);
	if (rc) {
		if (rc == INC_EAUDIT || sqlite3_errcode(a->db) == SQLITE_NOTADB)
			audit_set_err(a, "%s: not an incentive audit database",
				      path);
		rc = INC_EAUDIT;
		goto done;
	}
	if (n == 0) {
		if (mode != INC_AUDIT_WRITE) {
			audit_set_err(a, "%s: the audit database is empty",
				      path);
			rc = INC_EAUDIT;
			goto done;
		}
		if ((rc = create_schema(a)) != 0)
			goto done;
	}
	if ((rc = int_pragma(a, "PRAGMA application_id", &app)) != 0 ||
	    (rc = int_pragma(a, "PRAGMA user_version", &ver)) != 0)
		goto done;
	if (app != AUDIT_APP_ID) {
		audit_set_err(a, "%s: not an incentive audit database", path);
		rc = INC_EAUDIT;
		goto done;
	}
	if (ver < 1 || ver > AUDIT_SCHEMA_VERSION) {
		audit_set_err(a,
			      "%s: audit schema version %lld, this incentive "
			      "reads versions 1 to %d",
			      path, (long long)ver, AUDIT_SCHEMA_VERSION);
		rc = INC_EAUDIT;
		goto done;
	}
	a->version = (int)ver;
	rc = audit_exec(a, "PRAGMA journal_mode = WAL; "
			   "PRAGMA synchronous = FULL; "
			   "PRAGMA cache_size = -65536; "
			   "PRAGMA journal_size_limit = 67108864; "
			   "PRAGMA foreign_keys = OFF");
	if (rc == 0 && mode == INC_AUDIT_READ)
		rc = audit_exec(a, "PRAGMA query_only = 1");
done:
	if (rc) {
		/* no message: one could not be allocated */
		if (errmsg_out)
			*errmsg_out =
			    strdup(a->errmsg ? a->errmsg : "out of memory");
		inc_audit_close(a);
		return rc;
	}
	*out = a;
	return 0;
}

void inc_audit_close(inc_audit *a)
{
	if (!a)
		return;
	sqlite3_close_v2(a->db);
	free(a->path);
	free(a->errmsg);
	free(a->info_buf);
	free(a);
}

const char *inc_audit_errmsg(const inc_audit *a)
{
	return a && a->errmsg ? a->errmsg : "";
}

/* ---- blobs and policy snapshots ---- */

int audit_store_blob(inc_audit *a, const void *bytes, size_t len,
		     char sha_out[65])
{
	sqlite3_stmt *st = NULL;
	hasher h = {0};
	uint8_t md[32];
	char hex[65];
	int rc;

	if (hasher_init(&h) != 0 || hasher_digest(&h, md, bytes, len) != 0) {
		hasher_finish(&h);
		audit_set_err(a, "SHA-256 is not available");
		return INC_ERROR;
	}
	hasher_finish(&h);
	hex_encode(hex, md);
	rc = audit_prepare(a, &st,
			   "INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)");
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	sqlite3_bind_blob64(st, 3, len ? bytes : "", len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = audit_db_err(a, "cannot store a file");
	sqlite3_finalize(st);
	if (rc == 0 && sha_out)
		memcpy(sha_out, hex, 65);
	return rc;
}

int audit_read_blob(inc_audit *a, const char *sha, char **out, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    audit_prepare(a, &st, "SELECT bytes FROM blobs WHERE sha256 = ?");

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		const void *b = sqlite3_column_blob(st, 0);
		char *buf = malloc(n + 1);
		if (!buf) {
			rc = INC_ERROR;
		} else {
			if (n)
				memcpy(buf, b, n);
			buf[n] = '\0';
			*out = buf;
			*len = n;
		}
	} else if (s == SQLITE_DONE) {
		audit_set_err(a, "%s: file %.12s is missing from the database",
			      a->path, sha);
		rc = INC_EAUDIT;
	} else {
		rc = audit_db_err(a, "cannot read a stored file");
	}
	sqlite3_finalize(st);
	return rc;
}

int audit_store_policy(inc_audit *a, const inc_policy *p)
{
	sqlite3_stmt *st = NULL, *ins = NULL;
	const char *hash = inc_policy_hash(p);
	size_t n = inc_policy_file_count(p);
	int rc;

	rc = audit_prepare(a, &st, "SELECT 1 FROM policies WHERE hash = ?");
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s == SQLITE_ROW)
		return 0;
	if (s != SQLITE_DONE)
		return audit_db_err(a, "cannot read policies");
	rc = audit_prepare(
	    a, &ins, "INSERT OR IGNORE INTO policy_files VALUES (?, ?, ?, ?)");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		inc_policy_file_info f;
		char sha[65];
		inc_policy_file(p, i, &f);
		rc = audit_store_blob(a, f.bytes, f.len, sha);
		if (rc)
			break;
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, f.path, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, f.is_script ? "script" : "version",
				  -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, sha, 64, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = audit_db_err(a, "cannot store the policy");
	}
	sqlite3_finalize(ins);
	if (rc)
		return rc;
	rc = audit_prepare(a, &st, "INSERT INTO policies VALUES (?, ?)");
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = audit_db_err(a, "cannot store the policy");
	sqlite3_finalize(st);
	return rc;
}

int audit_load_policy(inc_audit *a, const char *hash, const char *root,
		      inc_diag_fn diag, void *ud, inc_policy **out)
{
	sqlite3_stmt *st = NULL;
	inc_policy_file_info *files = NULL;
	char **paths = NULL, **bytes = NULL;
	size_t n = 0, cap = 0;
	char *err = NULL;
	inc_policy *p = NULL;
	int rc;

	rc = audit_prepare(a, &st,
			   "SELECT path, role, sha256 FROM policy_files "
			   "WHERE policy = ? ORDER BY path");
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t c2 = cap ? cap * 2 : 8;
			inc_policy_file_info *f2 =
			    realloc(files, c2 * sizeof *f2);
			char **p2 = f2 ? realloc(paths, c2 * sizeof *p2) : NULL;
			char **b2 = p2 ? realloc(bytes, c2 * sizeof *b2) : NULL;
			if (f2)
				files = f2;
			if (p2)
				paths = p2;
			if (!b2) {
				rc = INC_ERROR;
				goto done;
			}
			bytes = b2;
			cap = c2;
		}
		size_t len = 0;
		paths[n] = strdup((const char *)sqlite3_column_text(st, 0));
		bytes[n] = NULL;
		if (!paths[n]) {
			rc = INC_ERROR;
			goto done;
		}
		memset(&files[n], 0, sizeof files[n]);
		files[n].path = paths[n];
		files[n].is_script =
		    strcmp((const char *)sqlite3_column_text(st, 1),
			   "script") == 0;
		n++;
		rc =
		    audit_read_blob(a, (const char *)sqlite3_column_text(st, 2),
				    &bytes[n - 1], &len);
		if (rc)
			goto done;
		files[n - 1].bytes = bytes[n - 1];
		files[n - 1].len = len;
	}
	if (s != SQLITE_DONE) {
		rc = audit_db_err(a, "cannot read the policy snapshot");
		goto done;
	}
	if (n == 0) {
		audit_set_err(a, "%s: policy %.12s is not in the database",
			      a->path, hash);
		rc = INC_EAUDIT;
		goto done;
	}
	rc = inc_policy_load_memory(&p, root, files, n, diag, ud, &err);
	if (rc) {
		audit_set_err(
		    a, "%s: the stored policy %.12s does not load: %s", a->path,
		    hash, err ? err : "it has errors (reported above)");
		rc = INC_EAUDIT;
		goto done;
	}
	if (strcmp(inc_policy_hash(p), hash) != 0) {
		audit_set_err(a,
			      "%s: the stored files of policy %.12s hash to "
			      "%.12s: the snapshot was altered",
			      a->path, hash, inc_policy_hash(p));
		inc_policy_destroy(p);
		p = NULL;
		rc = INC_EAUDIT;
		goto done;
	}
	*out = p;
done:
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		free(paths[i]);
		free(bytes[i]);
	}
	free(paths);
	free(bytes);
	free(files);
	free(err);
	return rc;
}

/* ---- chains ---- */

int audit_chain_tail(inc_audit *a, const char *table, int64_t *count,
		     uint8_t head[32])
{
	char sql[96];
	sqlite3_stmt *st = NULL;
	int rc;

	snprintf(sql, sizeof sql,
		 "SELECT seq, hash FROM %s ORDER BY seq DESC LIMIT 1", table);
	if ((rc = audit_prepare(a, &st, sql)) != 0)
		return rc;
	int s = sqlite3_step(st);
	memset(head, 0, 32);
	*count = 0;
	if (s == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(head, sqlite3_column_blob(st, 1), 32);
	} else if (s != SQLITE_DONE) {
		rc = audit_db_err(a, "cannot read the chain");
	}
	sqlite3_finalize(st);
	return rc;
}

int audit_refresh_version(inc_audit *a)
{
	int64_t ver = 0;
	int rc = int_pragma(a, "PRAGMA user_version", &ver);

	if (rc == 0)
		a->version = (int)ver;
	return rc;
}

int audit_ledger_tail(inc_audit *a, int64_t *next_seq, uint8_t prev[32])
{
	sqlite3_stmt *st = NULL;
	/* inside the writer's transaction: another process may have added
	 * the simulation tables since this handle was opened */
	int rc = audit_refresh_version(a);

	if (rc)
		return rc;
	rc = audit_prepare(
	    a, &st,
	    a->version >= 2
		? "SELECT seq, hash FROM (SELECT seq, hash FROM runs UNION ALL "
		  "SELECT seq, hash FROM approvals UNION ALL "
		  "SELECT seq, hash FROM simulations) ORDER BY seq DESC LIMIT 1"
		: "SELECT seq, hash FROM (SELECT seq, hash FROM runs UNION ALL "
		  "SELECT seq, hash FROM approvals) ORDER BY seq DESC LIMIT 1");

	if (rc)
		return rc;
	int s = sqlite3_step(st);
	memset(prev, 0, 32);
	*next_seq = 1;
	if (s == SQLITE_ROW) {
		*next_seq = sqlite3_column_int64(st, 0) + 1;
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(prev, sqlite3_column_blob(st, 1), 32);
	} else if (s != SQLITE_DONE) {
		rc = audit_db_err(a, "cannot read the ledger");
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- approvals ---- */

int inc_audit_approve(inc_audit *a, const inc_policy *p, const char *by,
		      const char *note, int64_t *approval_out)
{
	sqlite3_stmt *st = NULL;
	canon c;
	hasher h = {0};
	uint8_t prev[32], hash[32];
	int64_t seq = 0, num = 0;
	char at[32];
	const char *name = p->n_versions ? p->versions[0].policy_name : "";
	int rc;

	canon_init(&c);
	if (!by || !*by) {
		audit_set_err(a, "an approval needs the approver's name");
		return INC_EINPUT;
	}
	if (a->recording) {
		audit_set_err(a, "a run is being recorded on this handle");
		return INC_ERROR;
	}
	if ((rc = audit_exec(a, "BEGIN IMMEDIATE")) != 0)
		return rc;
	if ((rc = audit_store_policy(a, p)) != 0 ||
	    (rc = audit_ledger_tail(a, &seq, prev)) != 0)
		goto done;
	{
		sqlite3_stmt *q = NULL;
		if ((rc = audit_prepare(a, &q,
					"SELECT coalesce(max(approval), 0) + 1 "
					"FROM approvals")) != 0)
			goto done;
		if (sqlite3_step(q) == SQLITE_ROW)
			num = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	audit_now(at);
	if (!note)
		note = "";
	canon_begin(&c, "approvals", prev);
	canon_int(&c, "seq", seq);
	canon_int(&c, "approval", num);
	canon_cstr(&c, "policy", inc_policy_hash(p));
	canon_cstr(&c, "policy_name", name);
	canon_cstr(&c, "approved_by", by);
	canon_cstr(&c, "note", note);
	canon_cstr(&c, "approved_at", at);
	if (hasher_init(&h) != 0 || canon_hash(&h, hash, &c) != 0) {
		audit_set_err(a, "cannot hash the approval");
		rc = INC_ERROR;
		goto done;
	}
	if ((rc = audit_prepare(
		 a, &st,
		 "INSERT INTO approvals VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, num);
	sqlite3_bind_text(st, 3, inc_policy_hash(p), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, at, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, hash, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = audit_db_err(a, "cannot record the approval");
		goto done;
	}
	rc = audit_exec(a, "COMMIT");
done:
	if (rc)
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	else if (approval_out)
		*approval_out = num;
	sqlite3_finalize(st);
	hasher_finish(&h);
	canon_finish(&c);
	return rc;
}

/* ---- reading runs ---- */

int audit_run_row(inc_audit *a, sqlite3_stmt *st, inc_audit_run_info *out)
{
	/* text columns of RUN_COLUMNS, by index; 16 (hash) is a blob */
	static const int text_cols[] = {1, 2, 3, 4, 5, 6, 7, 16};
	size_t total = 65, off = 0;
	char *buf;

	for (size_t i = 0; i < sizeof text_cols / sizeof *text_cols; i++)
		total += (size_t)sqlite3_column_bytes(st, text_cols[i]) + 1;
	buf = malloc(total);
	if (!buf) {
		audit_set_err(a, "out of memory");
		return INC_ERROR;
	}
	free(a->info_buf);
	a->info_buf = buf;
	memset(out, 0, sizeof *out);
	const char **dst[] = {&out->status,  &out->started, &out->engine,
			      &out->command, &out->policy,  &out->policy_name,
			      &out->period,  &out->hash};
	for (size_t i = 0; i < sizeof text_cols / sizeof *text_cols; i++) {
		int c = text_cols[i];
		size_t n = (size_t)sqlite3_column_bytes(st, c);
		if (sqlite3_column_type(st, c) == SQLITE_NULL) {
			*dst[i] = NULL;
			continue;
		}
		if (c == 16) {
			buf[off] = '\0';
			if (n == 32)
				hex_encode(buf + off,
					   sqlite3_column_blob(st, c));
			*dst[i] = buf + off;
			off += strlen(buf + off) + 1;
			continue;
		}
		memcpy(buf + off, sqlite3_column_text(st, c), n);
		buf[off + n] = '\0';
		*dst[i] = buf + off;
		off += n + 1;
	}
	out->run = sqlite3_column_int64(st, 0);
	out->approval = sqlite3_column_int64(st, 8);
	out->locked_by = sqlite3_column_int64(st, 9);
	out->events = (uint64_t)sqlite3_column_int64(st, 10);
	out->events_new = (uint64_t)sqlite3_column_int64(st, 11);
	out->events_known = (uint64_t)sqlite3_column_int64(st, 12);
	out->rejected = (uint64_t)sqlite3_column_int64(st, 13);
	out->decisions = (uint64_t)sqlite3_column_int64(st, 14);
	out->adjustments = (uint64_t)sqlite3_column_int64(st, 15);
	return 0;
}

int inc_audit_get_run(inc_audit *a, int64_t run, inc_audit_run_info *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = audit_prepare(a, &st,
			   run > 0 ? "SELECT " RUN_COLUMNS
				     " FROM runs WHERE run = ?"
				   : "SELECT " RUN_COLUMNS
				     " FROM runs ORDER BY run DESC LIMIT 1");
	if (rc)
		return rc;
	if (run > 0)
		sqlite3_bind_int64(st, 1, run);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		rc = audit_run_row(a, st, out);
	} else if (s == SQLITE_DONE) {
		if (run > 0)
			audit_set_err(a, "%s: no run %lld", a->path,
				      (long long)run);
		else
			audit_set_err(a, "%s: no run is recorded yet", a->path);
		rc = INC_ENOTFOUND;
	} else {
		rc = audit_db_err(a, "cannot read runs");
	}
	sqlite3_finalize(st);
	return rc;
}

int inc_audit_list_runs(inc_audit *a,
			int (*fn)(void *ud, const inc_audit_run_info *r),
			void *ud)
{
	sqlite3_stmt *st = NULL;
	inc_audit_run_info info;
	int rc, s;

	rc = audit_prepare(a, &st,
			   "SELECT " RUN_COLUMNS " FROM runs ORDER BY run");
	if (rc)
		return rc;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = audit_run_row(a, st, &info)) != 0)
			break;
		if (fn(ud, &info) != 0)
			break;
	}
	if (rc == 0 && s != SQLITE_ROW && s != SQLITE_DONE)
		rc = audit_db_err(a, "cannot read runs");
	sqlite3_finalize(st);
	return rc;
}

int audit_run_decision_range(inc_audit *a, int64_t run, int64_t *after,
			     int64_t *last)
{
	sqlite3_stmt *st = NULL;
	int rc = audit_prepare(
	    a, &st,
	    "SELECT decisions_count, decisions FROM runs WHERE run = ?");

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*last = sqlite3_column_int64(st, 0);
		*after = *last - sqlite3_column_int64(st, 1);
	} else if (s == SQLITE_DONE) {
		audit_set_err(a, "%s: no run %lld", a->path, (long long)run);
		rc = INC_ENOTFOUND;
	} else {
		rc = audit_db_err(a, "cannot read runs");
	}
	sqlite3_finalize(st);
	return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int inc_audit_decisions(inc_audit *a, int64_t run, const char *who,
			inc_sink_fn fn, void *ud)
{
	sqlite3_stmt *st = NULL;
	int64_t after = 0, last = 0;
	detail_shapes shapes;
	canon obj;
	int rc, s;

	if (run <= 0) {
		inc_audit_run_info info;
		if ((rc = inc_audit_get_run(a, 0, &info)) != 0)
			return rc;
		run = info.run;
	}
	if ((rc = audit_run_decision_range(a, run, &after, &last)) != 0)
		return rc;
	detail_shapes_init(&shapes);
	canon_init(&obj);
	if ((rc = detail_shapes_load(a, &shapes)) != 0)
		goto done;
	rc = audit_prepare(
	    a, &st,
	    who ? "SELECT id, period, person, kind, amount, currency, rule, "
		  "events, reason, version, detail, seq FROM decisions "
		  "WHERE seq > ? AND seq <= ? AND person = ? ORDER BY seq"
		: "SELECT id, period, person, kind, amount, currency, rule, "
		  "events, reason, version, detail, seq FROM decisions "
		  "WHERE seq > ? AND seq <= ? ORDER BY seq");
	if (rc)
		goto done;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, last);
	if (who)
		sqlite3_bind_text(st, 3, who, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = audit_detail_object(
			 a, &shapes, sqlite3_column_int64(st, 11),
			 col_text(st, 10),
			 (size_t)sqlite3_column_bytes(st, 10), &obj)) != 0)
			break;
		inc_decision d = {
		    .id = col_text(st, 0),
		    .period = col_text(st, 1),
		    .person = col_text(st, 2),
		    .kind = col_text(st, 3),
		    .amount = col_text(st, 4),
		    .currency = col_text(st, 5),
		    .rule = col_text(st, 6),
		    .events = col_text(st, 7),
		    .reason = col_text(st, 8),
		    .version = col_text(st, 9),
		    .detail = obj.buf,
		};
		if (fn(ud, &d) != 0)
			break;
	}
	if (rc == 0 && s != SQLITE_ROW && s != SQLITE_DONE)
		rc = audit_db_err(a, "cannot read decisions");
done:
	sqlite3_finalize(st);
	detail_shapes_free(&shapes);
	canon_finish(&obj);
	return rc;
}
