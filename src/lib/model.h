/*
 * model.h: the compiled, immutable policy model.
 *
 * policy.c builds it from YAML (see docs/policy-guide.md for the format);
 * eval.c and the sandbox only read it.  Everything hangs off the policy's
 * arena and is freed with it.  Indices (field, event type, rule) are
 * positions in the arrays of the same version; `slot` numbers are stable
 * across versions (same name or id -> same slot) so period state can
 * follow a rule or event type when the version changes mid-period.
 */
#ifndef INC_MODEL_H
#define INC_MODEL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "date.h"
#include "dec.h"
#include "incentive.h"
#include "util.h"

typedef struct src_loc {
	const char *file; /* path as given by the user, e.g. rules/policy.yaml */
	uint32_t line, col;
} src_loc;

typedef enum field_type {
	FT_STRING, FT_MONEY, FT_DECIMAL, FT_INTEGER, FT_DATE, FT_ENUM, FT_REF,
	FT_SPLIT
} field_type;

/* One typed value.  Strings are borrowed from whoever owns the storage
 * (policy arena for policy constants, the reader's line buffer for
 * events). */
typedef struct value {
	field_type type;
	union {
		dec d;		/* FT_MONEY, FT_DECIMAL */
		int64_t i;	/* FT_INTEGER */
		date_t date;	/* FT_DATE */
		uint32_t ix;	/* FT_ENUM: index into field_def.enum_values */
		struct {
			const char *s;
			uint32_t len;
		} str;		/* FT_STRING, FT_REF */
	} u;
} value;

typedef struct field_def {
	const char *name;
	field_type type;
	bool required;
	pcre2_code *pattern;	  /* FT_STRING: value must match, or NULL */
	const char *pattern_src;
	const char **enum_values; /* FT_ENUM */
	size_t n_enum;
	int ref_type;		  /* FT_REF: event type index, or -1 for any */
	src_loc loc;
} field_def;

typedef struct event_type {
	const char *name;
	uint32_t slot;
	field_def *fields;
	size_t n_fields;
	int credit_field; /* FT_MONEY field credited toward quota, or -1 */
	int split_field;  /* FT_SPLIT field, or -1 */
	bool negative;	  /* `sign: negative`: money fields are read negated */
	src_loc loc;
	/* the indexes of the version's rules with `on:` this type, in policy
	 * order (so that each event looks at its own rules only: ~150
	 * instructions an event on the peer benchmark's policy) */
	uint32_t *rules;
	size_t n_rules;
} event_type;

typedef enum cond_subject {
	SUBJ_FIELD, SUBJ_PERSON_ID, SUBJ_PERSON_LEVEL, SUBJ_PERSON_TEAM
} cond_subject;

typedef enum cond_op {
	COND_MATCH, COND_EQ, COND_NE, COND_IN, COND_LT, COND_LE, COND_GT, COND_GE
} cond_op;

/* One test in a `when:` map.  For SUBJ_FIELD, field indexes the event type
 * the rule fires on.  For COND_MATCH, re is compiled (and JIT-compiled when
 * available).  For person subjects values are FT_STRING. */
typedef struct cond {
	cond_subject subject;
	int field;
	cond_op op;
	pcre2_code *re;
	value v;	/* EQ NE LT LE GT GE */
	value *set;	/* IN */
	size_t n_set;
	const char *text; /* "product ~ ^SW-ENT-" for reasons and explain */
	src_loc loc;
	/* COND_MATCH: bytes every match starts with (pattern.h), lit_len 0
	 * when none is known; lit_exact: matching is starting with them */
	const char *lit;
	uint32_t lit_len;
	bool lit_exact;
} cond;

typedef struct cond_list {
	cond *items;
	size_t n;
} cond_list;

typedef struct rate_row {
	cond_list when;
	dec rate;	/* a fraction (8% -> 0.08) or, per_unit, money per unit */
	bool per_unit;
	const char *label; /* "SW-ENT"; defaults to the row's first pattern */
	src_loc loc;
} rate_row;

typedef struct factor_row {
	cond_list when;
	dec factor;
	const char *label;
	src_loc loc;
} factor_row;

typedef struct factor_table {
	const char *name;
	factor_row *rows;
	size_t n_rows;
} factor_table;

typedef enum tier_basis { TIER_AMOUNT, TIER_ATTAINMENT } tier_basis;
typedef enum tier_measure { MEASURE_EVENT, MEASURE_RUNNING, MEASURE_PERIOD } tier_measure;
typedef enum tier_method { TIER_MARGINAL, TIER_RETROACTIVE } tier_method;

typedef struct tier_band {
	bool has_upto;	/* false only for the last band */
	dec upto;	/* money, or a fraction of quota (100% -> 1) */
	bool is_rate;	/* value replaces the rate; else it multiplies it */
	dec value;
	src_loc loc;
} tier_band;

typedef struct tier_spec {
	tier_basis basis;
	tier_measure measure;
	tier_method method;
	bool boundary_upper; /* a value on `upto` belongs to the next band */
	tier_band *bands;
	size_t n_bands;
} tier_spec;

typedef struct bonus_band {
	dec from; /* attainment fraction, inclusive */
	dec pay;  /* fraction of target */
	src_loc loc;
} bonus_band;

/* A parameter value handed to Lua scripts (`params:`). */
typedef enum param_type { PV_NULL, PV_BOOL, PV_INT, PV_DEC, PV_STR, PV_LIST, PV_MAP } param_type;
typedef struct param {
	param_type type;
	const char *key; /* when inside a PV_MAP */
	union {
		bool b;
		int64_t i;
		dec d;
		const char *s;
		struct {
			struct param *items;
			size_t n;
		} list; /* PV_LIST and PV_MAP (items carry keys, sorted) */
	} u;
} param;

typedef enum rule_kind {
	RULE_COMMISSION, RULE_SPIFF, RULE_BONUS, RULE_CLAWBACK, RULE_CAP, RULE_SCRIPT,
	/* conduct and careers (model_conduct.h, conduct.c, careers.c) */
	RULE_DISCIPLINE, RULE_DUTY, RULE_TRAINING, RULE_PROMOTION, RULE_DEMOTION,
	RULE_APPRAISAL,
	/* pay plans (plans.h, plans.c, policy_plans.c) */
	RULE_OVERRIDE, RULE_DRAW, RULE_OBJECTIVE, RULE_WINDFALL, RULE_EARNING
} rule_kind;

/* Compiled specs of the pay-plan kinds and version settings, in plans.h. */
struct plan_rule;
struct plan_version;

/* Compiled specs of the conduct and careers kinds, in model_conduct.h. */
struct discipline_spec;
struct duty_spec;
struct training_spec;
struct career_spec;
struct appraisal_spec;

/* rule.base_field of `base: credited`: the person's credited total for
 * the period (with tiers measured over the period). */
#define RULE_BASE_CREDITED (-2)

typedef struct rule {
	const char *id;
	uint32_t slot;
	rule_kind kind;
	const char *section;	 /* seed section, or NULL */
	const char *description; /* or NULL */
	src_loc loc;
	int on_type;		 /* event type index; -1 for period-end rules */
	bool at_period_end;	 /* bonus, cap, script with at: period_end */
	cond_list when;

	/* commission */
	int base_field;		 /* FT_MONEY field; default the credit field;
				  * RULE_BASE_CREDITED: the credited total */
	int units_field;	 /* FT_INTEGER field for per-unit rates, or -1 */
	bool select_most_specific;
	rate_row *rates;
	size_t n_rates;
	factor_table *factors;
	size_t n_factors;
	tier_spec *tiers;	 /* or NULL */
	bool has_threshold;
	dec threshold;		 /* attainment fraction */

	/* spiff (also uses units_field) */
	dec amount;
	bool per_unit;
	bool has_window;
	date_t from, to;	 /* inclusive */
	bool has_cap;
	dec cap;

	/* bonus */
	bool target_from_level;
	dec target;
	bonus_band *bands;
	size_t n_bands;

	/* clawback */
	int ref_field;		 /* FT_REF field */
	int amount_field;	 /* FT_MONEY refunded amount, or -1: whole deal */
	int32_t window_days;	 /* -1: no window */
	uint32_t *reverses;	 /* rule slots */
	size_t n_reverses;

	/* cap */
	uint32_t *applies_to;	 /* rule slots */
	size_t n_applies;
	dec max;

	/* script */
	int script;		 /* index into version.scripts */
	const char *function;
	param params;		 /* PV_MAP, possibly empty */

	/* conduct and careers kinds: the one matching `kind`, else NULL */
	struct discipline_spec *discipline;
	struct duty_spec *duty;
	struct training_spec *training;
	struct career_spec *career;	 /* promotion, demotion */
	struct appraisal_spec *appraisal;

	/* pay-plan kinds (override, draw, objective, windfall, earning) */
	struct plan_rule *plan;
} rule;

typedef struct level {
	const char *id;
	const char *title;
	bool has_target_bonus;
	dec target_bonus;
	src_loc loc;
} level;

typedef struct script {
	const char *path;   /* relative to the policy directory, as written */
	const char *source; /* file bytes (NUL-terminated) */
	size_t len;
} script;

typedef struct currency_def {
	const char *code;
	int minor;
} currency_def;

/* `input:` of a version: how the event files are read (policy_input.c). */
#define INPUT_N_COLUMNS 4
typedef struct input_spec {
	/* the names of the id, date, type and person columns */
	const char *columns[INPUT_N_COLUMNS];
	bool numeric_ids; /* ids are numbers, ordered as numbers */
	src_loc loc;	  /* of the `input:` key; line 0 when absent */
} input_spec;

typedef struct policy_version {
	const char *policy_name;
	const char *label;	/* `version:`, or the file name */
	const char *title;
	const char *file;
	date_t effective;
	const char *currency;
	dec_rounding rounding;
	period_kind period;
	currency_def *currencies; /* extra/overridden minor units */
	size_t n_currencies;
	uint64_t lua_instructions;
	uint64_t lua_memory;	/* bytes */
	level *levels;
	size_t n_levels;
	event_type *types;
	size_t n_types;
	rule *rules;
	size_t n_rules;
	script *scripts;
	size_t n_scripts;
	/* proration, currency conversion, event currency fields (plans.h);
	 * NULL when the version uses none of them */
	struct plan_version *plans;
	input_spec input; /* `input:` (policy_input.c) */
} policy_version;

typedef struct policy_file {
	const char *path;   /* relative to the policy root */
	const char *bytes;
	size_t len;
	char sha256[65];
} policy_file;

struct inc_policy {
	arena mem;
	const char *root;	   /* directory, or the single file */
	policy_version *versions;  /* sorted by effective date */
	size_t n_versions;
	policy_file *files;	   /* sorted by path */
	size_t n_files;
	char hash[65];
	const char **rule_slot_ids;
	uint32_t n_rule_slots;
	const char **type_slot_names;
	uint32_t n_type_slots;
	char **labels;		   /* inc_policy_version_label strings */
};

/* The version in force on date d, or NULL when d is before the first. */
const policy_version *policy_version_at(const inc_policy *p, date_t d);

/* Minor unit (decimals) of currency `code` under version v: the version's
 * own table first, then ISO 4217.  -1 when unknown. */
int currency_minor_unit(const policy_version *v, const char *code, size_t len);

/* Field index by name in an event type, or -1. */
int event_type_field(const event_type *t, const char *name);
/* Event type index by name in a version, or -1. */
int version_event_type(const policy_version *v, const char *name, size_t len);
/* Level index by id, or -1. */
int version_level(const policy_version *v, const char *id, size_t len);
/* Index of the `currency` field of event type t of version v (the
 * currency of the event's money fields, plans.h), or -1. */
int plans_currency_field(const policy_version *v, const event_type *t);

#endif
