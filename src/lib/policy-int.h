/*
 * policy-int.h: what policy.c (files, versions, top-level keys, scripts,
 * hashing) and policy_rules.c (event types, conditions, rules) share while
 * a policy is being loaded.  Not used outside the loader.
 *
 * Conventions of the pl_* helpers: a helper that reads a value reports
 * any problem itself (file:line:column of the node, through the loader's
 * diag callback) and returns false / -1 / NULL; the caller only decides
 * whether to go on.  Out of memory sets L->oom and is checked once at the
 * end of the load.
 */
#ifndef INC_POLICY_INT_H
#define INC_POLICY_INT_H

#include "model.h"
#include "yamltree.h"

/* One script file named by some rule, loaded once for the whole policy. */
typedef struct pl_script {
	const char *path;    /* normalised relative path (policy arena) */
	const char *display; /* as shown in diagnostics */
	const char *source;  /* NUL-terminated bytes (policy arena) or NULL */
	size_t len;
	int status; /* PL_SCRIPT_OK, or why the file is unusable */
} pl_script;

enum {
	PL_SCRIPT_OK,
	PL_SCRIPT_ESCAPES,
	PL_SCRIPT_MISSING,
	PL_SCRIPT_UNREADABLE
};

/* A growable array of pointers, malloc'd. */
typedef struct pl_ptrvec {
	void **items;
	size_t n, cap;
} pl_ptrvec;

typedef struct ploader {
	inc_policy *p;
	arena *mem; /* the policy's arena: everything the model keeps */
	inc_diag_fn diag;
	void *ud;
	size_t n_errors;
	bool oom;

	const char *user_dir; /* directory part of the path the user gave,
				 "" for none: prefix of every display name */
	const char *root_dir; /* directory that scripts are relative to */
	char *root_real;      /* its realpath (malloc'd) */
	/* inc_policy_load_memory: the files, looked up by relative path
	 * instead of being read from disk (NULL when loading from disk) */
	const inc_policy_file_info *files_in;
	size_t n_files_in;

	/* the version file being compiled */
	const char *file; /* display name */
	const ytree *tree;

	/* global slots: rule id / event type name -> slot */
	strmap rule_slots, type_slots;
	pl_ptrvec rule_ids, type_names; /* slot -> name (policy arena) */

	pl_ptrvec codes;   /* every pcre2_code compiled, freed on failure */
	pl_ptrvec files;   /* policy_file * (malloc'd records) */
	pl_ptrvec scripts; /* pl_script * (malloc'd records) */
	strmap script_ix;  /* normalised path -> index in scripts */
	/* scripts the current version uses: indices into `scripts`; a rule's
	 * script index is the position in this list */
	pl_ptrvec vscripts;
	/* Name tables of the version being compiled, so that checking a
	 * large file stays linear (reset for each version). */
	const policy_version *cur;
	strmap types_ix;   /* event type name -> index in cur->types */
	strmap *fields_ix; /* per event type: field name -> index */
	size_t n_fields_ix;
	strmap levels_ix; /* level id -> index in cur->levels */
	/* names whose definition was reported as wrong in this version
	 * ("f:type:field", "t:type", "r:rule", "c:type" for a bad credit):
	 * references to them are not reported a second time */
	strmap quiet;
} ploader;

/* ---- reporting (policy.c) -------------------------------------------- */

void pl_error(ploader *L, const ynode *n, const char *hint, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
void pl_error_at(ploader *L, const char *file, uint32_t line, uint32_t col,
		 const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* "did you mean 'x'?" for the candidate closest to word, in buf, or NULL */
const char *pl_did_you_mean(char *buf, size_t cap, const char *word,
			    const char *const *cands, size_t n);

/* ---- allocation in the policy arena ---------------------------------- */

void *pl_alloc(ploader *L, size_t size);	   /* zeroed; NULL sets oom */
void *pl_array(ploader *L, size_t n, size_t size); /* NULL also for n == 0 */
char *pl_text(ploader *L, const ynode *scalar);	   /* copy of its text */
src_loc pl_loc(const ploader *L, const ynode *n);
int pl_ptrvec_push(ploader *L, pl_ptrvec *v, void *item);

/* ---- shape of the YAML ------------------------------------------------ */

/* Reports every key of map not in allowed[] ("unknown key 'x'", with a
 * did-you-mean hint).  Returns true when all keys are allowed. */
bool pl_check_keys(ploader *L, const ynode *map, const char *const *allowed,
		   size_t n_allowed);
/* The value of key, or NULL after reporting "missing required key". */
const ynode *pl_required(ploader *L, const ynode *map, const char *key);
/* The value of key, or NULL when absent or null (`key:` alone). */
const ynode *pl_optional(const ynode *map, const char *key);
/* Type checks that report "expected <what>, got ...". */
bool pl_expect_map(ploader *L, const ynode *n, const char *what);
bool pl_expect_seq(ploader *L, const ynode *n, const char *what);
bool pl_expect_scalar(ploader *L, const ynode *n, const char *what);

/* ---- scalar values ----------------------------------------------------- */

/* Strict base-10 int64: optional '-', digits only. */
bool pl_parse_i64(const char *s, size_t n, int64_t *out);

bool pl_get_string(ploader *L, const ynode *n, const char *what,
		   const char **out);
bool pl_get_bool(ploader *L, const ynode *n, bool *out);
bool pl_get_date(ploader *L, const ynode *n, date_t *out);
bool pl_get_int(ploader *L, const ynode *n, int64_t lo, int64_t hi,
		int64_t *out);
/* Index of n's text in choices[], or -1 after "expected one of ...". */
int pl_get_choice(ploader *L, const ynode *n, const char *const *choices,
		  size_t n_choices);

typedef enum pl_ratio {
	RATIO_RATE,	  /* a commission rate: 0%..100% */
	RATIO_MULTIPLIER, /* multipliers and factors: 0..10 */
	RATIO_ATTAINMENT, /* attainment and shares of a target: 0%..1000% */
} pl_ratio;
/* "8%" or "0.08" -> 0.08, checked against the range of kind; `what`
 * names the value in the range message ("rate 800% is out of range"). */
bool pl_get_ratio(ploader *L, const ynode *n, pl_ratio kind, const char *what,
		  dec *out);
/* A money constant with at most the decimals of the version's currency;
 * negative only when signed_ok. */
bool pl_get_money(ploader *L, const policy_version *v, const ynode *n,
		  const char *what, bool signed_ok, dec *out);
/* Any exact decimal (condition values on decimal fields). */
bool pl_get_decimal(ploader *L, const ynode *n, dec *out);

/* Compiles a PCRE2 pattern (UTF, then JIT when available).  Reports
 * "pattern does not compile at offset N: ..." at the column inside the
 * pattern when it can be located.  NULL on error. */
pcre2_code *pl_compile_pattern(ploader *L, const ynode *n);

/* ---- names and slots --------------------------------------------------- */

/* Global slot for a rule id / an event type name (same name, same slot in
 * every version).  UINT32_MAX on out of memory. */
uint32_t pl_rule_slot(ploader *L, const char *id);
uint32_t pl_type_slot(ploader *L, const char *name);

/* Resolves the `script:` value n of a rule of version v: checks the path,
 * loads and compiles the file once per policy, and returns its index in
 * the version's scripts, or -1 after reporting. */
int pl_script_ref(ploader *L, const ynode *n);

/* ---- policy_rules.c ---------------------------------------------------- */

/* Compiles `event_types:` into v->types. */
void pl_compile_types(ploader *L, policy_version *v, const ynode *node);
/* Compiles `rules:` into v->rules (after the types and the ladder). */
void pl_compile_rules(ploader *L, policy_version *v, const ynode *node);

/* ---- policy_conduct.c ---------------------------------------------------- */

/* Compiles the keys of a conduct or careers rule (discipline, duty,
 * training, promotion, demotion, appraisal) into r.  t is the rule's `on`
 * type, or NULL (period-end kinds, or `on` was wrong). */
void pl_compile_conduct_rule(ploader *L, const policy_version *v, rule *r,
			     const event_type *t, const ynode *m);
/* After every rule of v is compiled: resolves what those rules name
 * (held rules, training rules, steps, ratings, the discipline rule). */
void pl_link_conduct_rules(ploader *L, policy_version *v);

/* ---- policy_plans.c ------------------------------------------------------ */

/* Compiles the keys of a pay-plan rule (override, draw, objective,
 * windfall, earning) into r->plan.  t is the rule's `on` type, or NULL. */
void pl_compile_plan_rule(ploader *L, const policy_version *v, rule *r,
			  const event_type *t, const ynode *m);
/* After every rule of v is compiled: resolves the rules that pay-plan
 * rules name (`holds:`, `applies_to:`) and checks them. */
void pl_link_plan_rules(ploader *L, policy_version *v);
/* After the rules: the version keys `proration:` and `conversion:` and
 * the `currency` field convention of event types, into v->plans. */
void pl_compile_plan_version(ploader *L, policy_version *v, const ynode *root);
/* Frees what the pay-plan parts of a loaded version hold outside the
 * policy arena (compiled patterns).  Called by inc_policy_destroy. */
void pl_free_plans(const policy_version *v);

/* policy_rules.c helpers for policy_plans.c (see the static versions there
 * for the contracts): a `when:` map on event type t (NULL: person.* only),
 * an event type named by n, a field of t named by n of type want (-1:
 * any). */
bool pl_compile_when(ploader *L, const policy_version *v, const event_type *t,
		     const ynode *when, cond_list *out);
int pl_type_ref(ploader *L, const policy_version *v, const ynode *n);
int pl_field_ref(ploader *L, const event_type *t, const ynode *n, int want,
		 const char *key);

/* ---- policy_input.c ---------------------------------------------------- */

/* Compiles `input:` of the version's root (defaults when absent), before
 * the event types. */
void pl_compile_input(ploader *L, policy_version *v, const ynode *root);
/* Reports v when its `input:` differs from first's (first_name: its file). */
void pl_check_input(ploader *L, const policy_version *first,
		    const policy_version *v, const char *first_name);

#endif
