/*
 * test_oom.c: allocation failure injection over a whole run.
 *
 * Drives the public API over the fixture in tests/oom/ (the golden basic
 * policy plus a Lua script rule; people, quotas, a CSV and a JSON Lines
 * events file): load the policy, create a run, add the inputs, execute.
 * First once without failures, to learn the expected output and how many
 * allocations the whole run makes (A).  Then for every N in 1..A it runs
 * again with the Nth allocation failing (and, in a second pass, the Nth
 * and every one after it), and checks each time:
 *   - no crash (and, under ASan/UBSan, no memory error);
 *   - either the run succeeds with exactly the expected decisions and
 *     figures (the failure was absorbed), or a step fails with a negative
 *     code and a non-empty message: never a wrong or spurious policy
 *     error or rejected input line, and the decisions the sink saw before
 *     the failure are a prefix of the expected ones (the CLI spools them
 *     and writes nothing);
 *   - no leak: after everything is destroyed, the allocations still live
 *     are exactly those live before the run.
 *
 * How allocations are failed depends on the build:
 *   - plain build: this program replaces malloc, calloc, realloc, free
 *     and the aligned allocators (forwarding to glibc's __libc_*), so
 *     every allocation in the process fails on cue, including those made
 *     inside libyaml, json-c, PCRE2, Lua, OpenSSL and SQLite and by libc
 *     for the engine (strdup, asprintf, realpath, stdio), and it counts
 *     live blocks itself for the leak check;
 *   - AddressSanitizer build: ASan owns malloc, so the engine's own calls
 *     are redirected with the linker's --wrap (tests/meson.build):
 *     malloc, calloc, realloc, strdup, strndup, asprintf, vasprintf and
 *     realpath from the engine's code, and every Lua allocation (they go
 *     through the sandbox's allocator); LeakSanitizer checks leaks after
 *     each run.
 *
 * Not failed: allocations inside json-c's tokener (json-c 0.16 crashes on
 * them itself; see json_tokener_parse_ex below).  Not counted as leaks in
 * the plain build: blocks libcrypto allocates (OpenSSL caches what it
 * looks up and frees it at exit; ASan's reachability check covers them).
 *
 * With --audit, every run is also recorded in an audit database (SQLite)
 * that already holds the same run once: after each run the database must
 * verify and hold the new run whole, or not at all.
 *
 * With --one-pass, the run is the peer benchmark's reference policy
 * (bench/reference/declarative, no refs) over 5,000 generated events in
 * date and id order in one CSV file: the run's one pass (evsrc_one_pass),
 * where pass 1 hands each event to the evaluator as it accepts it; with
 * --threads 0 it runs on the reader thread (evpipe_start_checking).
 *
 * Usage: test_oom [--audit] [--one-pass] [--threads T] [--quick] [--step K]
 *                 [--sticky-step K2]
 *   --quick: every 7th N only, for a fast look; --step K: every Kth N;
 *   --sticky-step K2: the pass where every allocation from N on fails
 *   tries every (K x K2)th N; --threads 0: the audit writer on its own
 *   thread, as the CLI runs it (default 1: one thread, so that N is
 *   deterministic).  The suite runs every N alone, every 4th from N
 *   on, and (without --audit) every N with N+1 too; with --audit (each run then opens, writes and verifies a
 *   database) every N alone and every 20th from N on; with --audit
 *   --threads 0 every 7th alone and every 28th from N on.
 *
 * Why the audit sweep covers every N on one thread: when SQLite's own
 * malloc fails inside a statement, SQLite may roll the whole transaction
 * back by itself (sqlite3VdbeHalt, for SQLITE_NOMEM without a statement
 * journal, even in a SELECT).  A caller that misses that error goes on
 * with every later statement committing alone; the run's COMMIT then
 * fails with "cannot commit - no transaction is active" and the database
 * holds events and decisions of a run that has no ledger row.  That once
 * happened at one allocation N, and only in some runs, because the
 * writer thread's allocations interleave with the engine's.  Now a commit
 * hook refuses every commit but the run's own (src/lib/audit_run.c), and
 * this sweep fails every allocation of the process, SQLite's included,
 * in the same order each time.
 * Environment: OOM_FROM / OOM_TO restrict the range of N, OOM_STEP=k
 * tries every kth N only, OOM_VERBOSE=1 prints every run's outcome,
 * OOM_TRAP=N raises SIGTRAP where allocation N fails (for gdb), OOM_KEEP=1
 * (with --audit) stops after the first pass and keeps the last database.
 */
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "incentive.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif
#define FIX SRCDIR "/tests/oom/"

#if defined(__SANITIZE_ADDRESS__)
#define OOM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOM_ASAN 1
#endif
#endif

/* ---- the failure switch --------------------------------------------- */

/* volatile: the compiler knows malloc and friends as builtins that touch
 * no program memory, and would otherwise move the harness's
 * "oom.armed = false" around its own calls to them. */
static volatile struct {
	bool armed;	      /* count (and maybe fail) allocations */
	int paused;	      /* inside a library call that must not fail */
	bool sticky;	      /* fail every allocation from `fail_at` on */
	bool pair;	      /* fail `fail_at` and the one after it */
	unsigned long count;  /* allocations seen while armed */
	unsigned long fail_at; /* 0: never */
	unsigned long failed; /* allocations refused in this run */
	unsigned long trap;   /* OOM_TRAP: raise SIGTRAP when failing this */
} oom;

/* true when the allocation being made must fail */
static bool oom_hit(void)
{
	if (!oom.armed || oom.paused)
		return false;
	/* atomic: with --threads the audit writer allocates too */
	unsigned long n = __atomic_add_fetch(&oom.count, 1, __ATOMIC_RELAXED);
	if (oom.fail_at &&
	    (n == oom.fail_at || (oom.sticky && n > oom.fail_at) ||
	     (oom.pair && n == oom.fail_at + 1))) {
		if (n == oom.trap)
			raise(SIGTRAP); /* OOM_TRAP=N: stop here in a debugger */
		__atomic_add_fetch(&oom.failed, 1, __ATOMIC_RELAXED);
		errno = ENOMEM;
		return true;
	}
	return false;
}

/* The replacements must be visible to the shared libraries (the build
 * hides symbols by default). */
#define OOM_EXPORT __attribute__((visibility("default")))

#ifndef OOM_ASAN
/* Plain build: replace the allocator for the whole process and keep the
 * set of live blocks (an open-addressing table of pointers, itself in
 * memory from __libc_malloc, so it never recurses). */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);
void *memalign(size_t align, size_t n);
void *aligned_alloc(size_t align, size_t n);
int posix_memalign(void **out, size_t align, size_t n);

static struct {
	uintptr_t *slot; /* 0 empty, 1 deleted */
	size_t cap, used, live;
} live;

/* OpenSSL keeps what it allocates while looking up a digest in caches
 * of its own, freed at exit: blocks allocated by code in libcrypto are
 * not counted (ASan's leak check, which sees reachability, covers them). */
static uintptr_t crypto_lo, crypto_hi;

static int find_crypto(struct dl_phdr_info *info, size_t size, void *ud)
{
	(void)size;
	(void)ud;
	if (!info->dlpi_name || !strstr(info->dlpi_name, "libcrypto"))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		crypto_lo = info->dlpi_addr + ph->p_vaddr;
		crypto_hi = crypto_lo + ph->p_memsz;
	}
	return 1;
}

static bool from_crypto(const void *ret)
{
	return (uintptr_t)ret >= crypto_lo && (uintptr_t)ret < crypto_hi;
}

static size_t live_find(uintptr_t p)
{
	size_t i = (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull) & (live.cap - 1);

	while (live.slot[i] != 0 && live.slot[i] != p)
		i = (i + 1) & (live.cap - 1);
	return i;
}

/* The table is shared by every thread of the run (the reader of one
 * pass, the output thread, the audit writer): a spin lock around each
 * change (a mutex could allocate). */
static volatile bool live_busy;

static void live_lock(void)
{
	while (__atomic_test_and_set(&live_busy, __ATOMIC_ACQUIRE))
		;
}

static void live_unlock(void) { __atomic_clear(&live_busy, __ATOMIC_RELEASE); }

static void live_add_locked(uintptr_t p);

static void live_add(void *ptr)
{
	if (!ptr)
		return;
	live_lock();
	live_add_locked((uintptr_t)ptr);
	live_unlock();
}

static void live_add_locked(uintptr_t p)
{
	if ((live.used + 1) * 2 > live.cap) {
		size_t old = live.cap;
		uintptr_t *os = live.slot;
		live.cap = old ? old * 2 : 1u << 16;
		live.slot = __libc_calloc(live.cap, sizeof *live.slot);
		if (!live.slot)
			abort();
		live.used = 0;
		for (size_t i = 0; i < old; i++)
			if (os[i] > 1) {
				live.slot[live_find(os[i])] = os[i];
				live.used++;
			}
		__libc_free(os);
	}
	size_t i = live_find(p);
	if (live.slot[i] != p) {
		live.slot[i] = p;
		live.used++;
		live.live++;
	}
}

static void live_del(void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;

	if (!ptr)
		return;
	live_lock();
	if (live.cap) {
		size_t i = live_find(p);
		if (live.slot[i] == p) {
			live.slot[i] = 1; /* deleted: keeps probe chains intact */
			live.live--;
		}
	}
	live_unlock();
}

OOM_EXPORT void *malloc(size_t n)
{
	if (oom_hit())
		return NULL;
	void *p = __libc_malloc(n);
	if (!from_crypto(__builtin_return_address(0)))
		live_add(p);
	return p;
}

OOM_EXPORT void *calloc(size_t n, size_t size)
{
	if (oom_hit())
		return NULL;
	void *p = __libc_calloc(n, size);
	if (!from_crypto(__builtin_return_address(0)))
		live_add(p);
	return p;
}

OOM_EXPORT void *realloc(void *old, size_t n)
{
	if (!old)
		return malloc(n);
	if (n == 0) {
		free(old);
		return NULL;
	}
	if (oom_hit())
		return NULL;
	void *p = __libc_realloc(old, n);
	if (p && !from_crypto(__builtin_return_address(0))) {
		live_del(old);
		live_add(p);
	}
	return p;
}

OOM_EXPORT void free(void *p)
{
	live_del(p);
	__libc_free(p);
}

OOM_EXPORT void *memalign(size_t align, size_t n)
{
	if (oom_hit())
		return NULL;
	void *p = __libc_memalign(align, n);
	live_add(p);
	return p;
}

OOM_EXPORT void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }

OOM_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	void *p = memalign(align, n);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static size_t live_blocks(void) { return live.live; }
static bool leak_check(void) { return true; } /* done by counting */
static void oom_init(void) { dl_iterate_phdr(find_crypto, NULL); }
#else
/* ASan build: the engine's calls are linked to these (--wrap). */
#include <sanitizer/lsan_interface.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
char *__real_realpath(const char *path, char *resolved);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *__wrap_realpath(const char *path, char *resolved);

void *__wrap_malloc(size_t n) { return oom_hit() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size)
{
	return oom_hit() ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n)
{
	return n && oom_hit() ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s) { return oom_hit() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n)
{
	return oom_hit() ? NULL : __real_strndup(s, n);
}
int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (oom_hit())
		return -1;
	return __real_vasprintf(out, fmt, ap);
}
int __wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = __wrap_vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}
char *__wrap_realpath(const char *path, char *resolved)
{
	if (!resolved && oom_hit())
		return NULL;
	return __real_realpath(path, resolved);
}

static size_t live_blocks(void) { return 0; }
static bool leak_check(void) { return __lsan_do_recoverable_leak_check() == 0; }
static void oom_init(void) {}
#endif

/* json-c 0.16 does not check every allocation it makes while parsing (a
 * failed strdup of an object key is used anyway and crashes in
 * json_object_object_add_ex), so allocations inside json_tokener_parse_ex
 * are never failed: the engine's call to it is linked to this wrapper. */
typedef struct json_object json_object;
typedef struct json_tokener json_tokener;
json_object *json_tokener_parse_ex(json_tokener *tok, const char *str,
				   int len);
static json_object *(*real_parse_ex)(json_tokener *, const char *, int);

OOM_EXPORT json_object *json_tokener_parse_ex(json_tokener *tok,
					      const char *str, int len)
{
	json_object *o;

	oom.paused++;
	o = real_parse_ex(tok, str, len);
	oom.paused--;
	return o;
}

/* ---- one run ----------------------------------------------------------- */

/* What the sink saw: the decisions as text lines. */
typedef struct spool {
	char *buf;
	size_t len, cap;
	bool oom; /* the spool itself ran out (counts as a sink failure) */
} spool;

static int sink(void *ud, const inc_decision *d)
{
	spool *s = ud;
	char line[2048];
	int n = snprintf(line, sizeof line, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n",
			 d->id, d->period, d->person, d->kind,
			 d->amount ? d->amount : "-",
			 d->currency ? d->currency : "-", d->rule, d->events,
			 d->reason, d->version, d->detail);
	if (n < 0 || (size_t)n >= sizeof line)
		return -1;
	if (s->len + (size_t)n + 1 > s->cap) {
		/* the harness's own memory: never failed */
		bool armed = oom.armed;
		oom.armed = false;
		size_t cap = (s->len + (size_t)n + 1) * 2;
		char *b = realloc(s->buf, cap);
		oom.armed = armed;
		if (!b) {
			s->oom = true;
			return -1;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, line, (size_t)n + 1);
	s->len += (size_t)n;
	return 0;
}

typedef struct diags {
	unsigned errors, warnings;
	char first[256];
} diags;

static void on_diag(void *ud, const inc_diag *d)
{
	diags *g = ud;

	if (d->severity == INC_SEV_ERROR) {
		if (!g->errors++)
			snprintf(g->first, sizeof g->first, "%s:%u: %s",
				 d->file ? d->file : "-", d->line,
				 d->message ? d->message : "-");
	} else if (d->severity == INC_SEV_WARNING) {
		g->warnings++;
	}
}

typedef struct outcome {
	const char *step; /* where it stopped, or "done" */
	int rc;
	char msg[256];
	spool out;
	diags diag;
	inc_run_stats stats;
	char totals[256];
} outcome;

/* The audit database of --audit mode (NULL: runs are not recorded). */
static const char *audit_db;
/* inc_run_options.threads: 1 (the default here) keeps the whole run,
 * the audit writer included, on this thread, so that allocation N is the
 * same allocation in every run; --threads 0 lets the audit writer run on
 * its own thread as in the CLI (N then depends on scheduling, but every
 * run must still end cleanly). */
static int run_threads = 1;
/* --one-pass: the files of the run (see the top) */
static bool one_pass;
static char one_pass_events[512];

#define ONE_PASS_EVENTS 5000

/* Writes the --one-pass events (unarmed: the harness's own I/O). */
static void write_one_pass_events(const char *dir)
{
	static const char *const region[] = {"EMEA", "APAC", "AMER"};
	static const char *const family[] = {"SW-ENT", "SW-SMB", "HW", "SVC"};
	FILE *f;

	snprintf(one_pass_events, sizeof one_pass_events, "%s/events.csv", dir);
	if (!(f = fopen(one_pass_events, "w")))
		abort();
	fputs("id,date,rep,region,sku,type,amount\n", f);
	for (int i = 1; i <= ONE_PASS_EVENTS; i++)
		fprintf(f, "%d,2026-01-%02d,r%04d,%s,%s-%03d,%s,%d.%02d\n", i,
			1 + (i - 1) / 200, 1 + i * 7 % 500, region[i % 3], family[i % 4],
			i % 1000, i % 10 ? "deal_closed" : "refund", i * 37 % 100000, i % 100);
	if (fclose(f) != 0)
		abort();
}

static void run_all(outcome *o)
{
	inc_policy *p = NULL;
	inc_run *r = NULL;
	inc_audit *a = NULL;
	char *err = NULL;

	memset(o, 0, sizeof *o);
	if (audit_db) {
		o->step = "audit open";
		o->rc = inc_audit_open(&a, audit_db, INC_AUDIT_WRITE, &err);
		if (o->rc) {
			snprintf(o->msg, sizeof o->msg, "%s", err ? err : "");
			goto done;
		}
	}
	o->step = "load";
	o->rc = inc_policy_load(&p,
				one_pass ? SRCDIR "/bench/reference/declarative" : FIX "policy.yaml",
				on_diag, &o->diag, &err);
	if (o->rc) {
		snprintf(o->msg, sizeof o->msg, "%s", err ? err : "");
		goto done;
	}
	o->step = "create";
	inc_run_options ro;
	memset(&ro, 0, sizeof ro);
	ro.threads = run_threads;
	o->rc = inc_run_create(&r, p, &ro, on_diag, &o->diag);
	if (o->rc) {
		if (!r) /* no handle to hold a message: the caller says it */
			snprintf(o->msg, sizeof o->msg, "(no run)");
		goto done;
	}
	if (a) {
		o->step = "audit";
		if ((o->rc = inc_run_set_audit(r, a, NULL)))
			goto done;
	}
	o->step = "people";
	if (one_pass) {
		if ((o->rc = inc_run_add_people(r, SRCDIR "/bench/reference/people.csv")))
			goto done;
		o->step = "events";
		if ((o->rc = inc_run_add_events(r, one_pass_events)))
			goto done;
	} else {
		if ((o->rc = inc_run_add_people(r, FIX "people.csv")))
			goto done;
		o->step = "quotas";
		if ((o->rc = inc_run_add_quotas(r, FIX "quotas.csv")))
			goto done;
		o->step = "events";
		if ((o->rc = inc_run_add_events(r, FIX "events.csv")) ||
		    (o->rc = inc_run_add_events(r, FIX "events.jsonl")))
			goto done;
	}
	o->step = "execute";
	if ((o->rc = inc_run_execute(r, sink, &o->out)))
		goto done;
	o->step = "done";
	o->stats = *inc_run_get_stats(r);
	const char *cur, *amt;
	size_t k = 0;
	for (size_t i = 0; inc_run_total(r, i, &cur, &amt) == 0; i++)
		k += (size_t)snprintf(o->totals + k, sizeof o->totals - k,
				      "%s %s;", cur, amt);
done:
	if (o->rc && r)
		snprintf(o->msg, sizeof o->msg, "%s", inc_run_errmsg(r));
	inc_run_destroy(r);
	inc_policy_destroy(p);
	inc_audit_close(a);
	free(err);
}

/* --audit mode: copies `from` over `to` (and drops its journal files);
 * the harness's own I/O, never failed. */
static void copy_db(const char *from, const char *to)
{
	char buf[65536], side[600];
	FILE *in, *out;
	size_t n;
	bool armed = oom.armed;

	oom.armed = false;
	for (const char *suf = "-wal"; suf; suf = strcmp(suf, "-wal") ? NULL : "-shm") {
		snprintf(side, sizeof side, "%s%s", to, suf);
		unlink(side);
	}
	in = fopen(from, "rb");
	out = fopen(to, "wb");
	if (!in || !out)
		abort();
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			abort();
	fclose(in);
	if (fclose(out) != 0)
		abort();
	oom.armed = armed;
}

/* --audit mode: the database verifies and holds `runs` runs. */
static int count_run(void *ud, const inc_audit_run_info *r)
{
	(void)r;
	(*(int64_t *)ud)++;
	return 0;
}

static const char *audit_problem(int64_t runs)
{
	inc_audit *a = NULL;
	inc_audit_verify_summary sum;
	int64_t n = 0;
	const char *why = NULL;

	if (inc_audit_open(&a, audit_db, INC_AUDIT_READ, NULL) != 0)
		return "the database does not open";
	if (inc_audit_verify(&sum, a, NULL, NULL, NULL) != 0)
		why = "the database does not verify";
	else if (inc_audit_list_runs(a, count_run, &n) != 0 || n != runs)
		why = "the database does not hold the runs it should";
	inc_audit_close(a);
	return why;
}

static void outcome_free(outcome *o)
{
	bool armed = oom.armed;

	oom.armed = false;
	free(o->out.buf);
	oom.armed = armed;
	o->out.buf = NULL;
}

/* ---- the sweep ----------------------------------------------------------- */

static unsigned long problems;

/* mode: "" N alone, "+" from N on, "&" N and N+1 */
static void problem(unsigned long n, const char *mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(unsigned long n, const char *mode, const char *fmt, ...)
{
	va_list ap;

	problems++;
	if (problems > 40)
		return;
	fprintf(stderr, "FAIL: allocation %lu%s: ", n, mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	outcome ref, o;
	bool quick = false;
	unsigned long sticky_step = 1, step_arg = 0;

	static char base_db[512], work_db[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--audit") == 0)
			audit_db = work_db;
		else if (strcmp(argv[i], "--one-pass") == 0)
			one_pass = true;
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			run_threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else if (strcmp(argv[i], "--sticky-step") == 0 && i + 1 < argc)
			sticky_step = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--step") == 0 && i + 1 < argc)
			step_arg = strtoul(argv[++i], NULL, 10);
	}
	if (sticky_step == 0)
		sticky_step = 1;
	bool verbose = getenv("OOM_VERBOSE") != NULL;
	unsigned long total, from = 1, to, step = quick ? 7 : 1;

	if (getenv("OOM_TRAP"))
		oom.trap = strtoul(getenv("OOM_TRAP"), NULL, 10);
	if (step_arg)
		step = step_arg;
	if (getenv("OOM_STEP"))
		step = strtoul(getenv("OOM_STEP"), NULL, 10);
	if (step == 0)
		step = 1;
	unsigned long ok = 0, failed_clean = 0;

	oom_init();
	*(void **)&real_parse_ex = dlsym(RTLD_NEXT, "json_tokener_parse_ex");
	if (!real_parse_ex) {
		fprintf(stderr, "json_tokener_parse_ex not found\n");
		return 1;
	}
	if (one_pass) {
		char dir[] = "/tmp/incentive-oom-XXXXXX";
		if (!mkdtemp(dir))
			abort();
		write_one_pass_events(dir);
	}
	if (audit_db) {
		/* a database that already holds the fixture's run once */
		char dir[] = "/tmp/incentive-oom-XXXXXX";
		if (!mkdtemp(dir))
			abort();
		snprintf(base_db, sizeof base_db, "%s/base.db", dir);
		snprintf(work_db, sizeof work_db, "%s/work.db", dir);
		audit_db = base_db;
		run_all(&ref);
		outcome_free(&ref);
		audit_db = work_db;
		copy_db(base_db, work_db);
	}
	/* warm-up: one-time initialisations of the libraries happen here */
	run_all(&ref);
	outcome_free(&ref);
	if (audit_db)
		copy_db(base_db, work_db);

	size_t base = live_blocks();
	oom.armed = true;
	oom.count = 0;
	oom.fail_at = 0;
	run_all(&ref);
	oom.armed = false;
	total = oom.count;
	if (strcmp(ref.step, "done") != 0 || ref.diag.errors) {
		fprintf(stderr, "the fixture does not run: %s %d %s %s\n",
			ref.step, ref.rc, ref.msg, ref.diag.first);
		return 1;
	}
	/* the sweep covers the reading it was meant to */
	if (ref.stats.event_passes != (one_pass ? 1u : 2u) ||
	    (one_pass && ref.stats.events_accepted != ONE_PASS_EVENTS)) {
		fprintf(stderr, "the run read its events in %llu pass(es), %llu accepted\n",
			(unsigned long long)ref.stats.event_passes,
			(unsigned long long)ref.stats.events_accepted);
		return 1;
	}
	/* the reference decisions stay (one block, in the plain build) */
	if (live_blocks() != base + (live_blocks() && ref.out.buf ? 1 : 0) ||
	    !leak_check()) {
		fprintf(stderr, "the run leaks without any failure\n");
		return 1;
	}
	to = total;
	if (getenv("OOM_FROM"))
		from = strtoul(getenv("OOM_FROM"), NULL, 10);
	if (getenv("OOM_TO"))
		to = strtoul(getenv("OOM_TO"), NULL, 10);
	printf("%lu allocations in a run, %lu decisions; failing N = %lu..%lu "
	       "step %lu alone%s, step %lu from N on\n",
	       total, (unsigned long)ref.stats.decisions, from, to, step,
	       audit_db ? "" : " and with N+1", step * sticky_step);

	/* pass 0: N alone; 1: every allocation from N on; 2 (without
	 * --audit): N and N+1, so that a library's single retry after a
	 * failure (Lua runs a full collection and tries again) fails too */
	for (int pass = 0; pass < (audit_db ? 2 : 3); pass++) {
		bool sticky = pass == 1;
		const char *mode = pass == 0 ? "" : sticky ? "+" : "&";
		unsigned long st = sticky ? step * sticky_step : step;
		if (sticky && audit_db && getenv("OOM_KEEP")) {
			/* OOM_KEEP: stop here, leaving the last database */
			printf("kept %s\n", work_db);
			return problems ? 1 : 0;
		}
		for (unsigned long n = from; n <= to; n += st) {
			if (audit_db)
				copy_db(base_db, work_db);
			base = live_blocks();
			oom.armed = true;
			oom.sticky = sticky;
			oom.pair = pass == 2;
			oom.count = 0;
			oom.failed = 0;
			oom.fail_at = n;
			run_all(&o);
			oom.armed = false;
			if (verbose)
				printf("%lu%s: %s rc %d %s\n", n,
				       mode, o.step, o.rc, o.msg);
			if (o.out.oom)
				abort(); /* the harness's spool never fails */
			if (strcmp(o.step, "done") == 0) {
				/* absorbed: everything must be as without it
				 * (--one-pass: a quick look that could not
				 * allocate leaves the run to two passes) */
				if (one_pass && o.stats.event_passes == 2)
					o.stats.event_passes = 1;
				if (o.out.len != ref.out.len ||
				    memcmp(o.out.buf, ref.out.buf, o.out.len) ||
				    memcmp(&o.stats, &ref.stats,
					   sizeof o.stats) ||
				    strcmp(o.totals, ref.totals) ||
				    o.diag.errors || o.diag.warnings !=
							 ref.diag.warnings)
				{
					problem(n, mode,
						"succeeded with different "
						"results (%lu decisions, %u "
						"errors)",
						(unsigned long)o.stats.decisions,
						o.diag.errors);
					if (verbose)
						printf("expected:\n%s\ngot:\n%s\n",
						       ref.out.buf, o.out.buf);
				}
				ok++;
			} else {
				failed_clean++;
				if (o.rc >= 0)
					problem(n, mode, "%s failed with %d",
						o.step, o.rc);
				/* with more than one allocation failing, even
				 * the message may not be kept: callers then say
				 * "out of memory" themselves */
				if (o.msg[0] == '\0' && pass == 0)
					problem(n, mode,
						"%s failed (%d) without a "
						"message",
						o.step, o.rc);
				if (o.rc == INC_ELIMIT)
					problem(n, mode,
						"out of memory reported as a "
						"script's limit: %s",
						o.msg);
				if (o.rc == INC_EPOLICY ||
				    o.rc == INC_EREJECTED || o.diag.errors)
					problem(n, mode,
						"out of memory reported as a "
						"problem of the input: %s "
						"(rc %d)",
						o.diag.first[0] ? o.diag.first
								: o.msg,
						o.rc);
				if (o.out.len > ref.out.len ||
				    (o.out.len &&
				     memcmp(o.out.buf, ref.out.buf, o.out.len)))
					problem(n, mode,
						"decisions before the failure "
						"differ from the expected ones");
			}
			if (oom.failed == 0 && strcmp(o.step, "done") != 0)
				problem(n, mode,
					"failed although no allocation was "
					"refused: %s",
					o.msg);
			outcome_free(&o);
			if (audit_db) {
				/* a failed run leaves nothing, a good one is
				 * there whole; either way it verifies */
				const char *why = audit_problem(
				    strcmp(o.step, "done") == 0 ? 2 : 1);
				if (why)
					problem(n, mode, "%s (stopped at %s: %s)",
						why, o.step, o.msg);
			}
			if (live_blocks() != base)
				problem(n, mode,
					"%ld block(s) leaked (stopped at %s)",
					(long)(live_blocks() - base), o.step);
			if (!leak_check())
				problem(n, mode, "leak (see above)");
		}
	}
	outcome_free(&ref);
	if (audit_db) {
		char *slash = strrchr(base_db, '/');
		unlink(base_db);
		for (const char *suf = "", *next = "-wal"; suf;
		     suf = next, next = next && !strcmp(next, "-wal") ? "-shm"
								     : NULL) {
			char f[600];
			snprintf(f, sizeof f, "%s%s", work_db, suf);
			unlink(f);
		}
		*slash = '\0';
		rmdir(base_db);
	}
	if (one_pass) {
		unlink(one_pass_events);
		*strrchr(one_pass_events, '/') = '\0';
		rmdir(one_pass_events);
	}
	printf("%lu runs: %lu absorbed the failure, %lu failed cleanly, %lu "
	       "problem(s)\n",
	       ok + failed_clean, ok, failed_clean, problems);
	return problems ? 1 : 0;
}
