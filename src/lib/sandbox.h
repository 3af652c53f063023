/*
 * sandbox.h: Lua 5.4 rule scripts, run as guests.
 *
 * One sandbox per policy version.  Scripts see only allow-listed libraries
 * (base without load/dofile/require/collectgarbage/print, string without
 * dump, table, math without random, utf8), a deterministic pairs(), and
 * the `dec` exact decimal type.  Each call runs under an instruction budget
 * and a memory cap and starts from a fresh environment, so no state
 * survives between calls.  See docs/lua-api.md.
 */
#ifndef INC_SANDBOX_H
#define INC_SANDBOX_H

#include "model.h"

typedef struct sandbox sandbox;

/* Compiles one script's text (for `incentive check`).  chunkname is the
 * script's path as written ("scripts/x.lua"; a leading '@' is accepted).
 * Returns 0, or -1 with a malloc'd "script.lua:LINE: message" in *err, or
 * -2 when out of memory (*err "script.lua: out of memory", or NULL). */
int sandbox_check_script(const char *chunkname, const char *src, size_t len,
			 char **err);

/* Creates a sandbox holding the compiled scripts of version v (v must
 * outlive it) and runs each script rule's top level once, checking that
 * its function exists.  Returns 0, or INC_ESCRIPT / INC_ELIMIT (the top
 * level hit a limit) / INC_ERROR with *err (malloc'd). */
int sandbox_create(sandbox **out, const policy_version *v, char **err);
void sandbox_destroy(sandbox *sb);

/* What a script sees (read-only).  Strings are borrowed. */
typedef struct script_kv {
	const char *key;
	value v;		/* FT_ENUM values are passed as strings: set
				   enum_text */
	const char *enum_text;
	bool present;
} script_kv;

typedef struct script_input {
	const rule *rule;
	/* the event, or NULL at period end */
	const char *event_id;
	const char *event_type;
	const char *event_date;	/* YYYY-MM-DD */
	const script_kv *fields;
	size_t n_fields;
	dec share;		/* this person's credit share, percent (100) */
	/* the person */
	const char *person_id, *person_name, *person_level, *person_team;
	const char *currency;
	int minor;
	/* period-to-date figures */
	const char *period;	/* "2026-Q1" */
	const char *period_start, *period_end;
	dec credited;		/* credited amount so far this period */
	bool has_quota;
	dec quota;
	dec earned;		/* this person's money decisions so far */
} script_input;

/* One decision returned by a script. */
typedef struct script_decision {
	char *kind;	/* commission, bonus, spiff, clawback, ... */
	bool has_amount;
	dec amount;	/* exact, not yet rounded */
	char *reason;
} script_decision;

typedef struct script_output {
	script_decision *items;
	size_t n;
} script_output;

void script_output_clear(script_output *o);

/* Calls rule->function with the input.  Returns 0 with *out filled (caller
 * clears it), or INC_ESCRIPT / INC_ELIMIT with a malloc'd message in *err:
 * "rule <id>: scripts/x.lua:LINE: message". */
int sandbox_call(sandbox *sb, const script_input *in, script_output *out,
		 char **err);

#endif
