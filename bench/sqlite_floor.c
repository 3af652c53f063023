/*
 * sqlite_floor.c: what SQLite alone takes to store a run's rows in the
 * audit database's layout, with none of the engine's work (no evaluation,
 * no hashing, no serialisation): the floor under `run --audit`.
 *
 * It creates the `events` and `decisions` tables as schemas/audit.sql does
 * (32 KiB pages, WAL, synchronous = FULL, the same cache and allocator
 * settings as src/lib/audit.c), inserts EVENTS event rows and, per event,
 * 1 or 2 decision rows (DOUBLE_EVERY: every Nth event has a second one),
 * with prepared statements in one transaction, then commits (the WAL is
 * fsynced and checkpointed into the database file, as a recorded run's
 * commit does).  Row sizes are parameters: the event's data and the
 * decision's reason and detail text.
 *
 *   cc -O2 -o /tmp/sqlite_floor bench/sqlite_floor.c $(pkg-config --cflags --libs sqlite3)
 *   /tmp/sqlite_floor DB EVENTS DOUBLE_EVERY DATA_BYTES REASON_BYTES DETAIL_BYTES
 *
 * bench/README.md ("The floor under the audit targets") has the figures
 * for the default policy's and the peers workload's row counts and sizes.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, err);
		exit(1);
	}
}

static void step(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_reset(st);
}

static char *filler(size_t n, char c)
{
	char *s = malloc(n + 1);
	if (!s)
		exit(1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: %s DB EVENTS DOUBLE_EVERY DATA_BYTES "
				"REASON_BYTES DETAIL_BYTES\n",
			argv[0]);
		return 2;
	}
	const char *path = argv[1];
	long events = atol(argv[2]), every = atol(argv[3]);
	char *data = filler((size_t)atol(argv[4]), 'd');
	char *reason = filler((size_t)atol(argv[5]), 'r');
	char *detail = filler((size_t)atol(argv[6]), 'x');
	char wal[4096], shm[4096], id[32], did[32];
	unsigned char hash[32] = {0};
	sqlite3 *db;
	sqlite3_stmt *ev, *dc;

	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	unlink(path);
	unlink(wal);
	unlink(shm);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return 1;
	exec(db, "PRAGMA page_size = 32768; PRAGMA journal_mode = WAL; "
		 "PRAGMA synchronous = FULL; PRAGMA cache_size = -65536");
	exec(db, "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT "
		 "NULL UNIQUE, date TEXT NOT NULL, type TEXT NOT NULL, person "
		 "TEXT NOT NULL, data TEXT NOT NULL, run INTEGER NOT NULL, "
		 "input INTEGER NOT NULL, line INTEGER NOT NULL, hash BLOB NOT "
		 "NULL)");
	exec(db, "CREATE TABLE decisions (seq INTEGER PRIMARY KEY, run INTEGER "
		 "NOT NULL, id TEXT NOT NULL, period TEXT NOT NULL, person TEXT "
		 "NOT NULL, kind TEXT NOT NULL, amount TEXT, currency TEXT, rule "
		 "TEXT NOT NULL, events TEXT NOT NULL, reason TEXT NOT NULL, "
		 "version TEXT NOT NULL, detail TEXT NOT NULL, hash BLOB NOT "
		 "NULL)");
	exec(db, "BEGIN IMMEDIATE");
	if (sqlite3_prepare_v2(db, "INSERT INTO events VALUES (?, ?, ?, ?, ?, "
				   "?, ?, ?, ?, ?)",
			       -1, &ev, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO decisions VALUES (?, ?, ?, ?, "
				   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &dc, NULL) != SQLITE_OK)
		return 1;
	double t0 = now();
	long d = 0;
	for (long i = 1; i <= events; i++) {
		snprintf(id, sizeof id, "e-%08ld", i);
		hash[0] = (unsigned char)i;
		sqlite3_bind_int64(ev, 1, i);
		sqlite3_bind_text(ev, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ev, 3, "2026-03-01", 10, SQLITE_STATIC);
		sqlite3_bind_text(ev, 4, "deal_closed", 11, SQLITE_STATIC);
		sqlite3_bind_text(ev, 5, "p0140", 5, SQLITE_STATIC);
		sqlite3_bind_text(ev, 6, data, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ev, 7, 1);
		sqlite3_bind_int64(ev, 8, 1);
		sqlite3_bind_int64(ev, 9, i + 1);
		sqlite3_bind_blob(ev, 10, hash, 32, SQLITE_STATIC);
		step(db, ev);
		for (int k = 0; k < (every > 0 && i % every == 0 ? 2 : 1); k++) {
			snprintf(did, sizeof did, "D%06ld", ++d);
			sqlite3_bind_int64(dc, 1, d);
			sqlite3_bind_int64(dc, 2, 1);
			sqlite3_bind_text(dc, 3, did, -1, SQLITE_STATIC);
			sqlite3_bind_text(dc, 4, "2026-Q1", 7, SQLITE_STATIC);
			sqlite3_bind_text(dc, 5, "p0140", 5, SQLITE_STATIC);
			sqlite3_bind_text(dc, 6, "commission", 10,
					  SQLITE_STATIC);
			sqlite3_bind_text(dc, 7, "900.15", 6, SQLITE_STATIC);
			sqlite3_bind_text(dc, 8, "USD", 3, SQLITE_STATIC);
			sqlite3_bind_text(dc, 9, "base-commission", 15,
					  SQLITE_STATIC);
			sqlite3_bind_text(dc, 10, id, -1, SQLITE_STATIC);
			sqlite3_bind_text(dc, 11, reason, -1, SQLITE_STATIC);
			sqlite3_bind_text(dc, 12, "2026.1", 6, SQLITE_STATIC);
			sqlite3_bind_text(dc, 13, detail, -1, SQLITE_STATIC);
			sqlite3_bind_blob(dc, 14, hash, 32, SQLITE_STATIC);
			step(db, dc);
		}
	}
	double t1 = now();
	sqlite3_finalize(ev);
	sqlite3_finalize(dc);
	exec(db, "COMMIT");
	double t2 = now();
	sqlite3_close(db); /* the last connection: checkpoint, WAL removed */
	double t3 = now();
	printf("%ld events, %ld decisions: inserts %.3f s, commit %.3f s, "
	       "close %.3f s, total %.3f s (%.0f events/s)\n",
	       events, d, t1 - t0, t2 - t1, t3 - t2, t3 - t0,
	       (double)events / (t3 - t0));
	free(data);
	free(reason);
	free(detail);
	return 0;
}
