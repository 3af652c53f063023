/*
 * incentive.h: the public interface of the incentive engine.
 *
 * The engine turns a sales policy (YAML + Lua) and input files (people,
 * quotas, events) into decisions: commissions, bonuses, SPIFFs, clawbacks.
 * This header is all the command line uses; everything else is internal.
 *
 * Conventions:
 *  - Functions return 0 on success or a negative INC_E* code.  The message
 *    for the last failure lives on the handle (inc_policy_errmsg,
 *    inc_run_errmsg); the library never prints and never exits.
 *  - Output parameters come first, are named `out` and are written only
 *    on success.  Every *_destroy accepts NULL.
 *  - Problems in input (a bad policy line, a rejected event) are reported
 *    through an inc_diag_fn callback as they are found, so a caller sees
 *    every problem, not just the first.
 */
#ifndef INCENTIVE_H
#define INCENTIVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(INC_BUILDING_LIBRARY) && defined(__GNUC__)
#define INC_API __attribute__((visibility("default")))
#else
#define INC_API
#endif

#define INC_VERSION "0.1.0"

/* Error codes.  0 is success. */
enum {
	INC_OK = 0,
	INC_ERROR = -1,	     /* anything else (I/O, out of memory) */
	INC_EPOLICY = -2,    /* the policy has errors (reported as diagnostics) */
	INC_EINPUT = -3,     /* an input file cannot be read or is unusable */
	INC_ESCRIPT = -4,    /* a Lua rule failed at run time */
	INC_ELIMIT = -5,     /* a script or pattern hit a resource limit */
	INC_EREJECTED = -6,  /* --strict and at least one line was rejected */
	INC_EARITH = -7,     /* arithmetic overflow on the money path */
	INC_ENOTFOUND = -8,
};

typedef enum inc_severity {
	INC_SEV_ERROR = 0,   /* policy error, or a rejected input line */
	INC_SEV_WARNING = 1, /* accepted, but worth a look */
	INC_SEV_NOTE = 2,    /* more detail on the diagnostic before */
} inc_severity;

/* One problem found in a policy or input file.  Strings are borrowed for
 * the duration of the callback only. line/column are 1-based, 0 when not
 * known. hint may be NULL. */
typedef struct inc_diag {
	const char *file;
	uint32_t line;
	uint32_t column;
	inc_severity severity;
	const char *message;
	const char *hint;
} inc_diag;

typedef void (*inc_diag_fn)(void *ud, const inc_diag *d);

/* ---- Policy ---------------------------------------------------------- */

typedef struct inc_policy inc_policy;

/* Loads and validates the policy at `path` (a directory of versions or one
 * YAML file).  Every problem found is passed to `diag` (may be NULL).
 * Returns 0 and a new immutable policy in *out, INC_EPOLICY when the policy
 * has errors (nothing is written to *out), or INC_ERROR for I/O failures
 * (message in *errmsg_out if not NULL, caller frees with free()). */
INC_API int inc_policy_load(inc_policy **out, const char *path,
			    inc_diag_fn diag, void *ud, char **errmsg_out);

/* Frees a policy.  NULL is a no-op. */
INC_API void inc_policy_destroy(inc_policy *p);

/* The policy's content hash: SHA-256 (hex) over every file of the policy.
 * Borrowed until the policy is destroyed. */
INC_API const char *inc_policy_hash(const inc_policy *p);

/* Number of versions, and a one-line description of version i
 * ("2026.1 effective 2026-01-01, 7 rules"). Borrowed. */
INC_API size_t inc_policy_version_count(const inc_policy *p);
INC_API const char *inc_policy_version_label(const inc_policy *p, size_t i);

/* ---- Decisions ------------------------------------------------------- */

/* One decision, as handed to a sink.  All strings are borrowed for the
 * duration of the sink callback.  amount and currency are NULL for
 * decisions that are not money.  events is a comma-separated list of
 * event ids. */
typedef struct inc_decision {
	const char *id;	      /* "D000001": evaluation order within the run */
	const char *period;   /* "2026-Q1" */
	const char *person;
	const char *kind;     /* "commission", "spiff", ... */
	const char *amount;   /* exact decimal at the currency's minor unit */
	const char *currency; /* ISO 4217 code */
	const char *rule;     /* rule id */
	const char *events;   /* "e-1001,e-1002" or "" */
	const char *reason;   /* one sentence a person can read */
	const char *version;  /* policy version label that decided it */
	/* A JSON object of the exact figures behind the decision, for explain
	 * and audit: always "exact" (the amount before rounding), "rounding"
	 * and "decimals", plus rule-specific inputs (base, rate, factor,
	 * credited_before, quota, attainment, tiers, deal, ...). */
	const char *detail;
} inc_decision;

/* A sink receives each decision in order.  Return 0 to continue, or a
 * negative value to stop the run (the run then fails with INC_ERROR). */
typedef int (*inc_sink_fn)(void *ud, const inc_decision *d);

/* ---- Runs ------------------------------------------------------------ */

typedef struct inc_run inc_run;

typedef struct inc_run_options {
	const char *period; /* only evaluate this period ("2026-Q1"); NULL: all */
	int strict;	    /* any rejected line fails the run */
	/* Called now and then during evaluation (may be NULL): events
	 * evaluated so far and the number accepted in all. */
	void (*progress)(void *ud, uint64_t done, uint64_t total);
	void *progress_ud;
} inc_run_options;

/* Summary figures of a run, valid after inc_run_execute. */
typedef struct inc_run_stats {
	uint64_t lines_read;	  /* data lines in every input file */
	uint64_t events_accepted;
	uint64_t events_rejected;
	uint64_t events_outside_period; /* accepted, but not in --period */
	uint64_t people;
	uint64_t quotas;
	uint64_t decisions;
	uint64_t warnings;
	uint64_t people_rejected;  /* bad lines in people files */
	uint64_t quotas_rejected;  /* bad lines in quota files */
} inc_run_stats;

/* Creates a run of `policy` (borrowed: it must outlive the run).  Rejected
 * lines and warnings found later go to `diag`.  opts may be NULL. */
INC_API int inc_run_create(inc_run **out, const inc_policy *policy,
			   const inc_run_options *opts, inc_diag_fn diag,
			   void *ud);
INC_API void inc_run_destroy(inc_run *r);

/* Input files: CSV with a header, or JSON Lines (by extension .jsonl /
 * .ndjson, otherwise CSV).  People must be added before quotas and events
 * are run.  Each returns 0, or INC_EINPUT when the file cannot be used at
 * all (missing, unreadable, bad header); bad lines are reported through the
 * diag callback and counted, not returned as errors. */
INC_API int inc_run_add_people(inc_run *r, const char *path);
INC_API int inc_run_add_quotas(inc_run *r, const char *path);
INC_API int inc_run_add_events(inc_run *r, const char *path);

/* Evaluates every accepted event in (date, id) order, fires period-end
 * rules after each period's last event, and passes each decision to sink
 * in order.  On failure the sink may have seen some decisions: callers
 * that must not write partial results spool them (see the CLI). */
INC_API int inc_run_execute(inc_run *r, inc_sink_fn sink, void *ud);

INC_API const inc_run_stats *inc_run_get_stats(const inc_run *r);

/* Total paid per currency, after execute: i-th currency code and total
 * (exact decimal string).  Borrowed until the run is destroyed. Returns
 * INC_ENOTFOUND past the end. */
INC_API int inc_run_total(const inc_run *r, size_t i, const char **currency,
			  const char **amount);

/* Count of decisions of the i-th kind seen.  INC_ENOTFOUND past the end. */
INC_API int inc_run_kind_count(const inc_run *r, size_t i, const char **kind,
			       uint64_t *count);

/* Message of the last failure on this run. Borrowed. */
INC_API const char *inc_run_errmsg(const inc_run *r);

/* ---- Policy tests (`incentive test`) ---------------------------------- */

/* A policy's test suite: the cases in the .yaml files in POLICY/tests/ (for a policy
 * that is one file, tests/ beside it).  The format is in
 * docs/policy-guide.md, "Testing a policy". */
typedef struct inc_tests inc_tests;

typedef struct inc_tests_options {
	/* run only the cases whose name, or whose file's name, contains this
	 * text (case-insensitive); NULL or "": every case */
	const char *filter;
} inc_tests_options;

/* The outcome of one case, handed to an inc_test_fn.  Strings are
 * borrowed for the duration of the callback. */
typedef struct inc_test_case {
	const char *file;     /* the test file, as shown ("rules/tests/x.yaml") */
	uint32_t line;	      /* where the case starts in it */
	const char *name;
	int passed;	      /* 1 passed, 0 failed */
	/* when failed: the first difference, one line ("r01 commission:
	 * expected 1,250.00, got 1,200.00, rule acc-tier-2"), and where in the
	 * test file the expectation concerned is written ("file:line") */
	const char *message;
	const char *where;
	/* when failed: more lines for the reader ('\n'-separated: the
	 * decisions the run made, rejected lines, warnings), or NULL */
	const char *details;
	uint64_t decisions;   /* decisions the run made */
} inc_test_case;

/* Return 0 to go on, non-zero to stop the suite (inc_tests_run then
 * returns INC_ERROR). */
typedef int (*inc_test_fn)(void *ud, const inc_test_case *c);

typedef struct inc_tests_summary {
	uint64_t files;	      /* test files read */
	uint64_t file_errors; /* problems in test files (reported via diag) */
	uint64_t cases;	      /* cases run */
	uint64_t passed;
	uint64_t failed;
	uint64_t filtered;    /* cases left out by the filter */
} inc_tests_summary;

/* Loads the policy at policy_path and its test files.  Problems in the
 * policy or in a test file go to `diag` with file:line:column.  Returns 0
 * and the suite in *out (a test file with problems is reported and its
 * cases are not run: they count in file_errors), INC_EPOLICY when the
 * policy itself has errors (nothing in *out), or INC_ERROR (message in
 * *errmsg_out when not NULL; caller frees with free()). */
INC_API int inc_tests_create(inc_tests **out, const char *policy_path,
			     const inc_tests_options *opts, inc_diag_fn diag,
			     void *ud, char **errmsg_out);
INC_API void inc_tests_destroy(inc_tests *t);

/* Runs every selected case, in file order, and passes each outcome to fn.
 * Returns 0 when every case could be run (passed or not), or a negative
 * INC_E* code (message in inc_tests_errmsg).  Run once per suite. */
INC_API int inc_tests_run(inc_tests *t, inc_test_fn fn, void *ud);

INC_API const inc_tests_summary *inc_tests_get_summary(const inc_tests *t);
INC_API const char *inc_tests_errmsg(const inc_tests *t);

/* Coverage, after inc_tests_run: one item per rule, rate row, tier band,
 * bonus band, threshold and SPIFF cap of every version of the policy.
 * Strings are borrowed until the suite is destroyed. */
typedef struct inc_coverage_item {
	const char *file;     /* where the item is written */
	uint32_t line, column;
	const char *version;  /* version label */
	const char *rule;     /* rule id */
	const char *what;     /* "rule", "rate row 2 (SW-SMB)", "tier band 3", ... */
	int reached;	      /* 1: a decision of some case came from it */
	/* 0 when no run can reach it; note says why ("version 2026.1 is never
	 * in force at the end of a quarter") */
	int applicable;
	const char *note;
} inc_coverage_item;

/* The i-th coverage item in *out; INC_ENOTFOUND past the end. */
INC_API int inc_tests_coverage(const inc_tests *t, size_t i,
			       inc_coverage_item *out);

/* Input files named by the test cases that lie outside the policy
 * directory (for a watcher): the i-th path, borrowed; INC_ENOTFOUND past
 * the end. */
INC_API int inc_tests_input_path(const inc_tests *t, size_t i,
				 const char **path);

#ifdef __cplusplus
}
#endif
#endif
