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

/* A person's figures for a finished period.  Strings are borrowed for the
 * duration of the callback; amounts are exact decimals. */
typedef struct inc_period_figures {
	const char *person;
	const char *period;   /* "2026-Q1" */
	const char *currency;
	const char *credited; /* sales credited in the period, refunds deducted */
	const char *quota;    /* NULL when the person has none for the period */
	const char *earned;   /* the money decided for the person in the period */
} inc_period_figures;

typedef struct inc_run_options {
	const char *period; /* only evaluate this period ("2026-Q1"); NULL: all */
	int strict;	    /* any rejected line fails the run */
	/* Called now and then during evaluation (may be NULL): events
	 * evaluated so far and the number accepted in all. */
	void (*progress)(void *ud, uint64_t done, uint64_t total);
	void *progress_ud;
	/* INC_OMIT_* flags: parts of inc_decision the sink does not use, so
	 * the run need not build them (the detail JSON is about a fifth of
	 * the cost of a run; a reason about a quarter). */
	unsigned omit;
	/* Carried state (docs/policy-guide.md, "State across runs"): loaded
	 * from state_in before the first event, and saved to state_out
	 * (atomically, only when the run succeeds) after the last period is
	 * closed.  NULL: none. */
	const char *state_in;
	const char *state_out;
	/* Called at the end of each period (after its decisions) for every
	 * person active in it, in roster order (may be NULL).  Return 0 to
	 * go on, non-zero to stop the run (it then fails with INC_ERROR). */
	int (*period_figures)(void *ud, const inc_period_figures *f);
	void *period_figures_ud;
	/* 1: everything on the calling thread; 0: a second thread reads the
	 * events while they are evaluated, when that pays.  The output is the
	 * same either way. */
	int threads;
} inc_run_options;

enum {
	INC_OMIT_REASON = 1, /* inc_decision.reason is "" */
	INC_OMIT_DETAIL = 2, /* inc_decision.detail is "{}" */
	/* evaluation warnings are counted (inc_run_stats.warnings) but not
	 * formatted nor passed to the diag callback (`run --quiet`) */
	INC_OMIT_WARNINGS = 4,
};

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
	/* events (or split shares) of a person dated after their dismissal:
	 * reported, not evaluated */
	uint64_t events_after_dismissal;
	/* accepted events in a period that --state-in already closed: not
	 * evaluated again */
	uint64_t events_before_state;
	uint64_t rates;		   /* exchange rates read (--rates) */
	uint64_t rates_rejected;   /* bad lines in rates files */
	/* 1: every event line was read once, evaluated as soon as it was
	 * checked (one CSV file in date and id order, a policy without
	 * refs); 2: all lines checked first, then read again in order */
	uint64_t event_passes;
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
/* Exchange rates for events in another currency than the person's pay
 * currency: CSV or JSON Lines with date,from,to,rate (one `from` is worth
 * `rate` `to` on `date`; exact decimals).  Add before inc_run_execute;
 * bad lines are reported and counted in rates_rejected (and fail a
 * --strict run).  Returns 0 or INC_EINPUT like the others. */
INC_API int inc_run_add_rates(inc_run *r, const char *path);

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
 * bonus band, threshold, SPIFF cap, discipline ladder step, escalation row
 * and appraisal rating row of every version of the policy.
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

/* ---- Policy files and rules (for the audit trail) ---------------------- */

/* One file of a policy: a version file, or a script that rules name. */
typedef struct inc_policy_file_info {
	const char *path;   /* relative to the policy root, '/'-separated */
	const char *bytes;  /* the exact bytes */
	size_t len;
	const char *sha256; /* hex SHA-256 of the bytes (ignored on input) */
	int is_script;      /* 1: named by a rule's `script:`; 0: a version */
} inc_policy_file_info;

/* Number of files of the policy, and the i-th (sorted by path) in *out;
 * INC_ENOTFOUND past the end.  Borrowed until the policy is destroyed.
 * inc_policy_hash is computed over exactly these files. */
INC_API size_t inc_policy_file_count(const inc_policy *p);
INC_API int inc_policy_file(const inc_policy *p, size_t i,
			    inc_policy_file_info *out);

/* Loads a policy from a set of files in memory instead of a directory
 * (the audit trail's snapshot): the version files are the entries with
 * is_script 0; scripts are looked up in the set by path.  `root` is shown
 * in front of the paths in diagnostics and rule locations ("" for none).
 * Same results and errors as inc_policy_load; the bytes are copied. */
INC_API int inc_policy_load_memory(inc_policy **out, const char *root,
				   const inc_policy_file_info *files, size_t n,
				   inc_diag_fn diag, void *ud,
				   char **errmsg_out);

/* Where a rule is written, for explanations. */
typedef struct inc_rule_info {
	const char *id;
	const char *kind;	 /* "commission", "spiff", "bonus", ... */
	const char *version;	 /* version label */
	char effective[11];	 /* the version's effective date */
	const char *file;	 /* as shown in diagnostics (root + path) */
	uint32_t line, column;
	const char *description; /* or NULL */
	const char *section;	 /* seed section, or NULL */
	const char *script;	 /* script rules: the script's path, or NULL */
} inc_rule_info;

/* The rule `rule_id` of version `version` (a label; NULL: the first
 * version that has the rule).  Borrowed until the policy is destroyed.
 * INC_ENOTFOUND when there is none. */
INC_API int inc_policy_rule_info(const inc_policy *p, const char *version,
				 const char *rule_id, inc_rule_info *out);

/* ---- Audit trail (docs/audit.md) ---------------------------------------- */

enum {
	INC_EAUDIT = -9,	/* the audit database is unusable, or verify
				   found it altered */
	INC_ENOTAPPROVED = -10, /* a final run of a policy nobody approved */
};

/* An audit database (SQLite): the record of runs, their policy snapshot,
 * inputs, events, rejected lines and decisions, hash-chained. */
typedef struct inc_audit inc_audit;

enum { INC_AUDIT_READ = 0, INC_AUDIT_WRITE = 1 };

/* Opens the audit database at path.  INC_AUDIT_WRITE creates it when
 * missing; INC_AUDIT_READ needs an existing one.  Returns 0, INC_EAUDIT
 * (not an audit database, or a newer schema) or INC_ERROR, with a message
 * in *errmsg_out (caller frees with free()) when not NULL. */
INC_API int inc_audit_open(inc_audit **out, const char *path, int mode,
			   char **errmsg_out);
INC_API void inc_audit_close(inc_audit *a);
/* Message of the last failure on this handle.  Borrowed. */
INC_API const char *inc_audit_errmsg(const inc_audit *a);

/* Records an approval of the policy's exact hash (and its files) by `by`,
 * with an optional note.  *approval_out (may be NULL) receives its number. */
INC_API int inc_audit_approve(inc_audit *a, const inc_policy *p,
			      const char *by, const char *note,
			      int64_t *approval_out);

typedef struct inc_audit_run_options {
	/* a payout run: the policy's hash must be approved (else
	 * INC_ENOTAPPROVED), the run options must name a period, and the
	 * run locks that period */
	int final;
	const char *command; /* the command line, kept as metadata; or NULL */
} inc_audit_run_options;

/* Records the run in `a` (borrowed: it must outlive the run).  Call it
 * right after inc_run_create, before any input is added.  The run is
 * written in one transaction that commits at the end of a successful
 * inc_run_execute; a run that fails or is destroyed first leaves nothing.
 * While it is open the database is locked for other writers (readers go
 * on).  Returns 0, INC_ENOTAPPROVED, INC_EAUDIT or INC_ERROR (message in
 * inc_run_errmsg). */
INC_API int inc_run_set_audit(inc_run *r, inc_audit *a,
			      const inc_audit_run_options *o);

/* A recorded run.  Strings are borrowed: from inc_run_audit_info until the
 * run is destroyed; from inc_audit_get_run / inc_audit_list_runs until the
 * next call on the audit handle (the callback's for its duration). */
typedef struct inc_audit_run_info {
	int64_t run;
	const char *status;	 /* "draft" or "final" */
	const char *started;	 /* UTC "2026-04-02T09:15:00Z": metadata only */
	const char *engine;	 /* "incentive 0.1.0" */
	const char *command;
	const char *policy;	 /* policy hash */
	const char *policy_name;
	const char *period;	 /* the run's --period, or NULL */
	int64_t approval;	 /* final runs: the approval relied on */
	int64_t locked_by;	 /* period already locked by this final run */
	uint64_t events;	 /* accepted events the run evaluated */
	uint64_t events_new;	 /* of which first recorded by this run */
	uint64_t events_known;	 /* of which already in the database */
	uint64_t rejected;	 /* rejected input lines */
	uint64_t decisions;	 /* including adjustments */
	uint64_t adjustments;
	const char *hash;	 /* the run's chain hash (hex) */
} inc_audit_run_info;

/* After a successful inc_run_execute of a recorded run: what was
 * recorded.  NULL when the run is not recorded. */
INC_API const inc_audit_run_info *inc_run_audit_info(const inc_run *r);

/* Run `run` (0: the latest) in *out; INC_ENOTFOUND when there is none. */
INC_API int inc_audit_get_run(inc_audit *a, int64_t run,
			      inc_audit_run_info *out);
/* Every run, oldest first.  fn returns 0 to go on. */
INC_API int inc_audit_list_runs(inc_audit *a,
				int (*fn)(void *ud,
					  const inc_audit_run_info *r),
				void *ud);
/* The decisions of run `run` in order (only person's when not NULL), as
 * they were recorded.  fn returns 0 to go on. */
INC_API int inc_audit_decisions(inc_audit *a, int64_t run,
				const char *person, inc_sink_fn fn, void *ud);

/* ---- verify ---- */

/* One problem found by inc_audit_verify.  Borrowed for the callback. */
typedef struct inc_audit_finding {
	const char *table; /* "decisions", "events", "runs", ... or "database" */
	int64_t seq;	   /* the row's position in its chain, 0 when none */
	const char *kind;  /* "changed", "deleted", "inserted", "reordered",
			      "integrity" or "schema" */
	const char *message;
} inc_audit_finding;

typedef void (*inc_audit_finding_fn)(void *ud, const inc_audit_finding *f);

typedef struct inc_audit_verify_summary {
	uint64_t runs, approvals, events, rejects, decisions, blobs, policies;
	uint64_t problems;
	char head[65];	 /* hash of the last ledger entry (hex), "" if none */
	int head_found;	 /* expect_head given and found in the ledger */
	uint64_t simulations; /* recorded simulations (ledger entries too) */
} inc_audit_verify_summary;

/* Recomputes every hash chain and content hash, runs PRAGMA
 * integrity_check, checks that the append-only triggers are in place and,
 * when expect_head is not NULL, that the ledger contains that hash.  Each
 * chain reports its first bad row to fn.  Returns 0 when nothing was
 * found, INC_EAUDIT when something was (count in out->problems),
 * INC_EINPUT when expect_head is not 64 hex digits, or INC_ERROR when the
 * check could not be made (message in inc_audit_errmsg). */
INC_API int inc_audit_verify(inc_audit_verify_summary *out, inc_audit *a,
			     const char *expect_head, inc_audit_finding_fn fn,
			     void *ud);

/* ---- replay ---- */

typedef struct inc_replay inc_replay;

/* Re-evaluates recorded run `run` (0: the latest) from the database alone:
 * its policy snapshot (or `other`, when not NULL: the "what if" view), its
 * stored people and quota files and its stored events; the adjustments of
 * a locked period are recomputed against what was paid before the run.
 * Replayed decisions are compared with the recorded ones column by column.
 * Diagnostics of the re-evaluation (rejected lines) go to diag.  Returns
 * 0 and the comparison in *out, or a negative INC_E* code (message in
 * *errmsg_out, caller frees). */
INC_API int inc_audit_replay(inc_replay **out, inc_audit *a, int64_t run,
			     const inc_policy *other, inc_diag_fn diag,
			     void *ud, char **errmsg_out);
INC_API void inc_replay_destroy(inc_replay *rp);

typedef struct inc_replay_summary {
	int64_t run;
	const char *policy;	/* hash of the policy replayed */
	uint64_t recorded;	/* decisions in the record */
	uint64_t replayed;	/* decisions of the replay */
	uint64_t differing;	/* decisions with at least one difference,
				   counting missing and extra ones */
	int identical;		/* 1: every decision matches byte for byte */
} inc_replay_summary;

INC_API const inc_replay_summary *inc_replay_get_summary(const inc_replay *rp);

/* The i-th difference (at most the first 1000 are kept): a decision id
 * and a column ("amount", "reason", ..., or "decision" when one side has
 * no such decision), with both values (NULL for none). */
typedef struct inc_replay_diff {
	const char *decision;
	const char *column;
	const char *recorded;
	const char *replayed;
} inc_replay_diff;
INC_API int inc_replay_diff_at(const inc_replay *rp, size_t i,
			       inc_replay_diff *out);

/* Money per person and currency, recorded against replayed, sorted by
 * person; person NULL marks the total of a currency (after the people).
 * Every person with money on either side is listed. */
typedef struct inc_replay_change {
	const char *person;
	const char *currency;
	const char *recorded;
	const char *replayed;
	const char *change; /* replayed - recorded */
} inc_replay_change;
INC_API int inc_replay_change_at(const inc_replay *rp, size_t i,
				 inc_replay_change *out);

/* ---- explain and statements ---- */

/* The derivation of decision `decision` ("D000123") of run `run` (0: the
 * latest) in words: the rule, its version and where it is written, the
 * events with their stored fields, the figures (rate, tier, period to
 * date, attainment), the rounding, and the reason.  *out is malloc'd text
 * (caller frees with free()). */
INC_API int inc_audit_explain(char **out, inc_audit *a, int64_t run,
			      const char *decision);

typedef struct inc_statement inc_statement;

/* A person's statement for a recorded run: each decision line with its
 * rate, tier and reason, totals by kind, holds and, for a locked period,
 * what was already paid.  INC_ENOTFOUND when the run or person is not
 * recorded. */
INC_API int inc_audit_statement(inc_statement **out, inc_audit *a,
				int64_t run, const char *person);
INC_API void inc_statement_destroy(inc_statement *s);

typedef struct inc_statement_info {
	int64_t run;
	const char *status;	 /* "draft" or "final" */
	const char *started;
	const char *period;	 /* the run's period, or "all" */
	const char *policy;	 /* policy hash */
	const char *policy_name;
	const char *person, *name, *level, *team; /* from the run's roster */
	const char *currency;	 /* the person's currency */
	const char *earned;	 /* sum of the lines that are not adjustments */
	const char *holds;	 /* sum of the withheld lines (negative or 0) */
	const char *paid_before; /* locked period: already paid, else NULL */
	const char *payable;	 /* what this run pays the person */
	uint64_t lines;
} inc_statement_info;
INC_API const inc_statement_info *inc_statement_get_info(const inc_statement *s);

typedef struct inc_statement_line {
	const char *id, *period, *date; /* date of the first event, or "" */
	const char *kind, *rule, *events;
	const char *rate;   /* "8%", "150.00 per unit", or "" */
	const char *tier;   /* "2", "band from 120%", or "" */
	const char *amount; /* "" when not money */
	const char *reason;
	int is_hold;	    /* withheld (not paid) */
} inc_statement_line;
INC_API int inc_statement_line_at(const inc_statement *s, size_t i,
				  inc_statement_line *out);
/* Totals by kind, sorted by kind: is_hold for withheld kinds. */
INC_API int inc_statement_total_at(const inc_statement *s, size_t i,
				   const char **kind, const char **amount,
				   int *is_hold);
/* Balances carried to the next period (a draw to recover, the rest of a
 * fine): "draw_balance (new-hire-draw)" and its last amount, in order. */
INC_API int inc_statement_balance_at(const inc_statement *s, size_t i,
				     const char **what, const char **amount);

/* ---- Result tables (`incentive simulate`, `incentive doc`) ------------- */

/* A table of results as text.  The library computes every figure exactly
 * and hands it over formatted: money at its currency's minor unit without
 * grouping ("12345.60"), ratios and percentages with two decimals
 * ("104.00"), counts as integers; "" is an empty cell.  Callers lay it out
 * as a terminal table, CSV or HTML.  Everything is borrowed from the
 * object that produced it, until it is destroyed. */
typedef struct inc_table {
	const char *name;   /* stable id, usable as a CSV file name: "cost_by_team" */
	const char *title;  /* heading for people: "Cost per team" */
	const char *note;   /* one or two sentences for the reader, or "" */
	size_t n_cols;
	size_t n_rows;
	const char *const *cols;  /* n_cols headings */
	/* n_cols characters: 't' text, 'n' number, 'm' money, 'p' percent
	 * (the figure is already in percent: "104.00") */
	const char *types;
	const char *const *cells; /* n_rows x n_cols, row after row */
} inc_table;

/* ---- Simulation (`incentive simulate`) --------------------------------- */

/* A simulation prices one policy, or compares two, over the same inputs
 * without recording anything (inc_audit_record_sim, below, may then keep
 * it in an audit database, as a simulation): optionally after a scenario
 * changed the inputs (docs/simulate.md: scale, drop, duplicate, move), with
 * Monte Carlo trials that draw each person's sales multiplier, and with
 * payout curves of a person profile.  Results are inc_table's. */
typedef struct inc_sim inc_sim;

typedef struct inc_sim_options {
	const char *scenario; /* scenario YAML file, or NULL */
	const char *profile;  /* person profile YAML for payout curves, or
				 NULL: POLICY/examples/profile.yaml when it
				 exists, else a typical person of the inputs */
	uint64_t trials;      /* Monte Carlo trials; 0: the scenario's (if any) */
	int has_seed;	      /* seed overrides the scenario's seed */
	uint64_t seed;
	unsigned threads;     /* worker threads for trials; 0: every core */
	unsigned top;	      /* rows of the winners and losers tables; 0: 10 */
	int no_curves;	      /* leave out payout curves */
	/* Called now and then from the calling thread while trials run (may
	 * be NULL): trials started so far (of both sides) and in all. */
	void (*progress)(void *ud, uint64_t done, uint64_t total);
	void *progress_ud;
} inc_sim_options;

/* Summary of what a simulation did, valid after inc_sim_execute. */
typedef struct inc_sim_info {
	uint64_t events;      /* accepted events read (under policy A) */
	uint64_t events_used; /* events evaluated after the scenario */
	uint64_t dropped, duplicated, moved, scaled, rejected_by_scenario;
	uint64_t quotas_scaled;
	uint64_t trials;      /* Monte Carlo trials run (0: none) */
	uint64_t seed;
	unsigned threads;     /* threads that ran the trials */
	int compared;	      /* 1 when there is a second column (B, or the
				 scenario against the inputs as they are) */
	const char *label_a;  /* column headings: "A", "B", "baseline", ... */
	const char *label_b;
	const char *scenario; /* scenario name, or "" */
} inc_sim_info;

/* Creates a simulation of policy a, compared with policy b when b is not
 * NULL (both borrowed: they must outlive the simulation).  Without b but
 * with a scenario that changes the inputs, the comparison is the inputs as
 * they are (baseline) against the scenario.  opts may be NULL.  Problems
 * in inputs and in the scenario go to diag.  Returns 0, INC_EINPUT (the
 * scenario or profile has errors, reported through diag; *out is still
 * set, to read the message) or INC_ERROR. */
INC_API int inc_sim_create(inc_sim **out, const inc_policy *a,
			   const inc_policy *b, const inc_sim_options *opts,
			   inc_diag_fn diag, void *ud);
INC_API void inc_sim_destroy(inc_sim *s);

/* Input files, as for inc_run_add_*. */
INC_API int inc_sim_add_people(inc_sim *s, const char *path);
INC_API int inc_sim_add_quotas(inc_sim *s, const char *path);
INC_API int inc_sim_add_events(inc_sim *s, const char *path);
INC_API int inc_sim_add_rates(inc_sim *s, const char *path);

/* Reads the inputs (under each policy), applies the scenario, evaluates,
 * runs the trials on `threads` threads and the payout curves, and builds
 * the tables.  Results do not depend on the number of threads.  Run once. */
INC_API int inc_sim_execute(inc_sim *s);

/* The i-th result table in *out; INC_ENOTFOUND past the end.  Table names
 * and columns are listed in docs/simulate.md. */
INC_API int inc_sim_table(const inc_sim *s, size_t i, inc_table *out);
/* The table named `name`; INC_ENOTFOUND when this simulation has none. */
INC_API int inc_sim_table_named(const inc_sim *s, const char *name,
				inc_table *out);
INC_API const inc_sim_info *inc_sim_get_info(const inc_sim *s);
INC_API const char *inc_sim_errmsg(const inc_sim *s);

/* ---- Simulations in the audit trail (docs/audit.md, "Simulations") ----- */

typedef struct inc_audit_sim_options {
	const char *command; /* the command line, kept as metadata; or NULL */
	const char *by;	     /* who ran it; or NULL */
	const char *note;    /* or NULL */
} inc_audit_sim_options;

/* Records an executed simulation in the audit database as a simulation
 * (never as a run: it locks nothing, pays nothing and stores no event): a
 * ledger entry with its policy snapshots (A and B), the SHA-256 of every
 * input file (people, quota, rate, scenario and profile files stored
 * whole), seed and trials, and the total cost per column and currency and
 * the pay of each person.  A database of schema version 1 is upgraded to
 * version 2 first.  *sim_out (may be NULL) receives its number.  Returns
 * 0, INC_EAUDIT or INC_ERROR (message in inc_audit_errmsg). */
INC_API int inc_audit_record_sim(inc_audit *a, const inc_sim *s,
				 const inc_audit_sim_options *o,
				 int64_t *sim_out);

/* Recorded simulations as result tables: the list of them (one table,
 * "simulations"), or one simulation (0: the latest) in full ("simulation",
 * "inputs", "cost", "people").  INC_ENOTFOUND when there is no such
 * simulation. */
typedef struct inc_sim_record inc_sim_record;
INC_API int inc_audit_list_sims(inc_sim_record **out, inc_audit *a);
INC_API int inc_audit_show_sim(inc_sim_record **out, inc_audit *a,
			       int64_t sim);
/* The i-th table; INC_ENOTFOUND past the end. */
INC_API int inc_sim_record_table(const inc_sim_record *r, size_t i,
				 inc_table *out);
INC_API void inc_sim_record_destroy(inc_sim_record *r);

/* ---- Handbook (`incentive doc`) --------------------------------------- */

/* The policy as a handbook for staff (seed section 5.2): every rule in
 * plain language with its parameters and tier tables, worked examples and
 * a payout curve computed by the engine itself, the versions and their
 * effective dates.  It is a list of blocks that a caller renders (the CLI
 * writes Markdown or HTML). */
typedef struct inc_handbook inc_handbook;

typedef enum inc_block_kind {
	INC_BLOCK_HEADING = 0, /* text, level 1..3, anchor */
	INC_BLOCK_PARAGRAPH,   /* text */
	INC_BLOCK_ITEM,	       /* text: one item of a bullet list */
	INC_BLOCK_NOTE,	       /* text: small print */
	INC_BLOCK_TABLE,       /* table */
	INC_BLOCK_CHART,       /* table: column 0 is x, the others are series
				  (numbers); x_label / y_label name the axes
				  with their units */
} inc_block_kind;

typedef struct inc_block {
	inc_block_kind kind;
	int level;
	const char *text;
	const char *anchor;  /* "rule-base-commission", or "" */
	inc_table table;
	const char *x_label; /* CHART: "attainment (% of quota)" */
	const char *y_label; /* CHART: "payout (USD)" */
} inc_block;

typedef struct inc_handbook_options {
	const char *profile; /* person profile YAML for the worked example and
				the curve; NULL: POLICY/examples/profile.yaml */
} inc_handbook_options;

/* Builds the handbook of `policy` (borrowed).  Without a usable profile the
 * handbook has no worked example and says why.  Returns 0, INC_EINPUT when
 * the profile has errors (reported through diag) or INC_ERROR (message in
 * *errmsg_out when not NULL; caller frees with free()). */
INC_API int inc_handbook_create(inc_handbook **out, const inc_policy *policy,
				const inc_handbook_options *opts,
				inc_diag_fn diag, void *ud, char **errmsg_out);
INC_API void inc_handbook_destroy(inc_handbook *h);
/* Title of the handbook ("Business Development and Sales Motivation
 * Policy").  Borrowed. */
INC_API const char *inc_handbook_title(const inc_handbook *h);
/* The i-th block in *out; INC_ENOTFOUND past the end. */
INC_API int inc_handbook_block(const inc_handbook *h, size_t i,
			       inc_block *out);

#ifdef __cplusplus
}
#endif
#endif
