/*
 * audit_report.c: reading the record for people: `incentive explain` (one
 * decision's derivation in words) and `incentive statement` (a person's
 * lines, totals by kind, holds and what a locked period already paid).
 *
 * Both read only the database: the decision's stored detail (the exact
 * figures the engine used), its events' stored fields, the run's roster,
 * and the policy snapshot (loaded from its stored bytes, to say where the
 * rule is written).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* ---- the detail object ----------------------------------------------------
 */

typedef struct kv {
	const char *key, *val;
} kv;

typedef struct detail {
	json_object *obj;
	kv items[64];
	size_t n;
} detail;

/* text: a JSON object, or (shapes not NULL) a decision's detail as stored,
 * expanded first (audit_detail.c; scratch holds the object) */
static void detail_parse(detail *d, const detail_shapes *shapes,
			 canon *scratch, const char *text)
{
	memset(d, 0, sizeof *d);
	if (shapes && text && text[0] == '[' &&
	    detail_expand(shapes, text, strlen(text), scratch) == 0)
		text = scratch->buf;
	d->obj = text ? json_tokener_parse(text) : NULL;
	if (!d->obj || !json_object_is_type(d->obj, json_type_object))
		return;
	json_object_object_foreach(d->obj, key, v)
	{
		if (d->n == sizeof d->items / sizeof *d->items)
			break;
		d->items[d->n].key = key;
		d->items[d->n].val = json_object_get_string(v);
		d->n++;
	}
}

static void detail_free(detail *d)
{
	if (d->obj)
		json_object_put(d->obj);
	d->obj = NULL;
}

static const char *dget(const detail *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].key, key) == 0)
			return d->items[i].val;
	return NULL;
}

/* "12500.1" -> "12,500.1" (money keeps its decimals); s when not a number */
static const char *money(char *buf, size_t cap, const char *s)
{
	dec d;

	if (!s || dec_parse(&d, s, strlen(s), false) != DEC_OK) {
		snprintf(buf, cap, "%s", s ? s : "");
		return buf;
	}
	dec_format(buf, cap, d, d.scale, true);
	return buf;
}

/* "0.08" -> "8%" */
static const char *percent(char *buf, size_t cap, const char *s)
{
	dec d;

	if (!s || dec_parse(&d, s, strlen(s), false) != DEC_OK) {
		snprintf(buf, cap, "%s", s ? s : "");
		return buf;
	}
	dec_format_percent(buf, cap, d);
	return buf;
}

/* ---- explain
 * ----------------------------------------------------------------- */

/* How each detail key reads, and how its value is shown. */
typedef enum vfmt { V_MONEY, V_PCT, V_TEXT, V_SHARE } vfmt;
typedef struct label {
	const char *key;
	const char *text;
	vfmt fmt;
} label;

static const label labels[] = {
    {"base", "base (the amount the rate applies to)", V_MONEY},
    {"units", "units", V_TEXT},
    {"per_unit", "pay per unit", V_MONEY},
    {"rate", "rate", V_PCT},
    {"tiers", "tier(s) the amount fell in", V_TEXT},
    {"factor", "factor (the factor tables that matched)", V_TEXT},
    {"share_pct", "share of the credit (split)", V_SHARE},
    {"credited_before", "credited this period before the event", V_MONEY},
    {"credited_after", "credited this period after the event", V_MONEY},
    {"credited", "credited this period", V_MONEY},
    {"quota", "quota for the period", V_MONEY},
    {"threshold", "threshold (share of quota to earn commission)", V_PCT},
    {"period_commission", "commission of the period", V_MONEY},
    {"spiff_total", "SPIFF for the deal", V_MONEY},
    {"paid_before", "paid under this rule earlier in the period", V_MONEY},
    {"cap", "cap per period", V_MONEY},
    {"earned", "earned this period (under the rules concerned)", V_MONEY},
    {"guaranteed", "guaranteed pay for the period (draw)", V_MONEY},
    {"balance_before", "draw balance before", V_MONEY},
    {"balance", "balance carried to the next period", V_MONEY},
    {"held_rule", "payments held of rule", V_TEXT},
    {"held_total", "held so far", V_MONEY},
    {"released", "released", V_MONEY},
    {"since", "held since", V_TEXT},
    {"fine", "fine", V_MONEY},
    {"deducted", "deducted this period", V_MONEY},
    {"carried", "carried to the next period", V_MONEY},
    {"limit", "deduction limit per period", V_MONEY},
    {"report", "reporting person (override)", V_TEXT},
    {"max", "cap", V_MONEY},
    {"target", "target bonus", V_MONEY},
    {"band_from", "bonus band from (attainment)", V_PCT},
    {"pay_share", "share of the target paid", V_PCT},
    {"deal", "deal reversed", V_TEXT},
    {"deal_date", "deal date", V_TEXT},
    {"reversed_rule", "rule reversed", V_TEXT},
    {"deal_total", "deal amount", V_MONEY},
    {"refund", "refund", V_MONEY},
    {"refunded_total", "refunded so far", V_MONEY},
    {"paid", "paid on the deal", V_MONEY},
    {"days", "days after the deal", V_TEXT},
    {"window_days", "clawback window (days)", V_TEXT},
    {"script", "script", V_TEXT},
    {"function", "function", V_TEXT},
    {"returned", "the script returned", V_MONEY},
    {"adjusts", "kind adjusted", V_TEXT},
    {"owed", "owed now (this run)", V_MONEY},
    {"paid_by", "paid by final run(s)", V_TEXT},
    {"locked_by", "period locked by final run", V_TEXT},
};

static const label *label_of(const char *key)
{
	for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
		if (strcmp(labels[i].key, key) == 0)
			return &labels[i];
	return NULL;
}

static void figure(strbuf *sb, const char *name, const char *val,
		   const char *note)
{
	sb_printf(sb, "  %-48s %s%s%s\n", name, val, note && *note ? "   " : "",
		  note ? note : "");
}

/* attainment credited/quota, truncated to 2 decimals of a percent */
static bool attainment(char *buf, size_t cap, const char *credited,
		       const char *quo)
{
	dec c, q, f, pct;

	if (!credited || !quo ||
	    dec_parse(&c, credited, strlen(credited), false) ||
	    dec_parse(&q, quo, strlen(quo), false) || dec_sign(q) <= 0 ||
	    dec_div(&f, c, q, 4, DEC_FLOOR) ||
	    dec_mul(&pct, f, dec_from_int(100)) ||
	    dec_round(&pct, pct, 2, DEC_FLOOR))
		return false;
	size_t n = dec_format(buf, cap - 1, pct, 2, false);
	buf[n] = '%';
	buf[n + 1] = '\0';
	return true;
}

static void explain_events(inc_audit *a, strbuf *sb, const char *list)
{
	sqlite3_stmt *ev = NULL, *in = NULL;
	const char *p = list;

	if (!list || !*list) {
		sb_puts(sb, "Events: none (a period-end decision: it rests on "
			    "the period's "
			    "totals below)\n");
		return;
	}
	if (audit_prepare(a, &ev,
			  "SELECT date, type, person, data, run, input, line "
			  "FROM events WHERE id = ?") != 0 ||
	    audit_prepare(
		a, &in,
		"SELECT path FROM run_inputs WHERE run = ? AND n = ?") != 0) {
		sqlite3_finalize(ev);
		return;
	}
	sb_puts(sb, "Events:\n");
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		sqlite3_reset(ev);
		sqlite3_bind_text(ev, 1, p, (int)n, SQLITE_TRANSIENT);
		if (sqlite3_step(ev) == SQLITE_ROW) {
			const char *file = "?";
			sqlite3_reset(in);
			sqlite3_bind_int64(in, 1, sqlite3_column_int64(ev, 4));
			sqlite3_bind_int64(in, 2, sqlite3_column_int64(ev, 5));
			if (sqlite3_step(in) == SQLITE_ROW)
				file = col(in, 0);
			sb_printf(sb,
				  "  %.*s  %s  %s  person %s  (%s line %lld, "
				  "recorded by run %lld)\n",
				  (int)n, p, col(ev, 0), col(ev, 1), col(ev, 2),
				  file, (long long)sqlite3_column_int64(ev, 6),
				  (long long)sqlite3_column_int64(ev, 4));
			detail f;
			detail_parse(&f, NULL, NULL, col(ev, 3));
			for (size_t i = 0; i < f.n; i++)
				sb_printf(sb, "      %s = %s\n", f.items[i].key,
					  f.items[i].val);
			detail_free(&f);
		} else {
			sb_printf(sb, "  %.*s  (not in the database)\n", (int)n,
				  p);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	sqlite3_finalize(ev);
	sqlite3_finalize(in);
}

/* The directory the run's policy was read from, as the user gave it
 * ("rules", or "tests/golden/basic" for a policy that is one file), so
 * that rule locations read like the user's own paths.  malloc'd or NULL. */
static char *policy_dir(inc_audit *a, int64_t run)
{
	sqlite3_stmt *st = NULL;
	char *dir = NULL;

	if (audit_prepare(a, &st,
			  "SELECT policy_root FROM runs WHERE run = ?") != 0)
		return NULL;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *root = col(st, 0);
		size_t n = strlen(root);
		bool file = (n > 5 && !strcmp(root + n - 5, ".yaml")) ||
			    (n > 4 && !strcmp(root + n - 4, ".yml"));
		if (file) {
			const char *slash = strrchr(root, '/');
			n = slash ? (size_t)(slash - root) : 0;
		}
		while (n > 1 && root[n - 1] == '/')
			n--;
		dir = strndup(root, n);
	}
	sqlite3_finalize(st);
	return dir;
}

static const char *rounding_words(const char *mode)
{
	if (!mode)
		return "";
	if (strcmp(mode, "half_up") == 0)
		return "half up (ties away from zero)";
	if (strcmp(mode, "half_even") == 0)
		return "half even (ties to the even neighbour)";
	if (strcmp(mode, "none") == 0)
		return "none (a difference of rounded amounts)";
	return mode;
}

int inc_audit_explain(char **out, inc_audit *a, int64_t run,
		      const char *decision)
{
	inc_audit_run_info info;
	sqlite3_stmt *st = NULL;
	inc_policy *pol = NULL;
	strbuf sb;
	detail d = {0};
	detail_shapes shapes;
	canon scratch;
	int64_t after = 0, last = 0, num = 0;
	char *run_status = NULL, *started = NULL, *policy = NULL, *pname = NULL,
	     *name = NULL;
	int rc;

	sb_init(&sb);
	detail_shapes_init(&shapes);
	canon_init(&scratch);
	if ((rc = audit_exec(a, "BEGIN")) != 0)
		goto done;
	if ((rc = inc_audit_get_run(a, run, &info)) != 0)
		goto done;
	run = info.run;
	run_status = strdup(info.status);
	started = strdup(info.started);
	policy = strdup(info.policy);
	pname = strdup(info.policy_name);
	if (!run_status || !started || !policy || !pname) {
		rc = INC_ERROR;
		goto done;
	}
	if ((rc = audit_run_decision_range(a, run, &after, &last)) != 0)
		goto done;
	if (decision[0] == 'D' || decision[0] == 'd')
		num = strtoll(decision + 1, NULL, 10);
	rc = audit_prepare(
	    a, &st,
	    "SELECT id, period, person, kind, amount, currency, rule, "
	    "events, reason, version, detail, seq FROM decisions "
	    "WHERE seq = ?1 AND id = ?2 UNION ALL "
	    "SELECT id, period, person, kind, amount, currency, rule, "
	    "events, reason, version, detail, seq FROM decisions "
	    "WHERE seq > ?3 AND seq <= ?4 AND id = ?2 LIMIT 1");
	if (rc)
		goto done;
	sqlite3_bind_int64(st, 1,
			   num > 0 && after + num <= last ? after + num : -1);
	sqlite3_bind_text(st, 2, decision, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, after);
	sqlite3_bind_int64(st, 4, last);
	if (sqlite3_step(st) != SQLITE_ROW) {
		audit_set_err(
		    a,
		    "%s: run %lld has no decision %s (its decisions are D%06d.."
		    "D%06lld)",
		    a->path, (long long)run, decision, 1,
		    (long long)(last - after));
		rc = INC_ENOTFOUND;
		goto done;
	}
	const char *id = col(st, 0), *period = col(st, 1), *who = col(st, 2);
	const char *kind = col(st, 3), *rule_id = col(st, 6),
		   *version = col(st, 9);
	bool has_amount = sqlite3_column_type(st, 4) != SQLITE_NULL;
	char b1[96], b2[96];
	{
		sqlite3_stmt *q = NULL;
		if (audit_prepare(a, &q,
				  "SELECT name FROM run_people WHERE run = ? "
				  "AND person = ?") == 0) {
			sqlite3_bind_int64(q, 1, run);
			sqlite3_bind_text(q, 2, who, -1, SQLITE_STATIC);
			if (sqlite3_step(q) == SQLITE_ROW && *col(q, 0))
				name = strdup(col(q, 0));
		}
		sqlite3_finalize(q);
	}
	sb_printf(&sb,
		  "Decision %s of run %lld (%s run, started %s, seq %lld in "
		  "the record)\n",
		  id, (long long)run, run_status, started,
		  (long long)sqlite3_column_int64(st, 11));
	sb_printf(&sb, "  %s%s%s%s, %s: %s", who, name ? " (" : "",
		  name ? name : "", name ? ")" : "", period, kind);
	if (has_amount)
		sb_printf(&sb, " %s %s", money(b1, sizeof b1, col(st, 4)),
			  col(st, 5));
	sb_putc(&sb, '\n');
	sb_printf(&sb, "\nReason: %s\n\n", col(st, 8));

	if ((rc = detail_shapes_load(a, &shapes)) != 0)
		goto done;
	detail_parse(&d, &shapes, &scratch, col(st, 10));
	if (strcmp(kind, "adjustment") == 0) {
		const char *adj = dget(&d, "adjusts");
		sb_printf(&sb,
			  "Rule: none. This is an adjustment line: period %s "
			  "was locked by final "
			  "run %s, so this run pays the difference between "
			  "what is owed now and "
			  "what was already paid for %s, and never rewrites "
			  "the locked run.\n\n",
			  period,
			  dget(&d, "locked_by") ? dget(&d, "locked_by") : "?",
			  adj ? adj : "this kind");
	} else {
		inc_rule_info ri;
		rc = audit_load_policy(a, policy, "", NULL, NULL, &pol);
		if (rc == 0 &&
		    inc_policy_rule_info(pol, *version ? version : NULL,
					 rule_id, &ri) == 0) {
			sb_printf(&sb,
				  "Rule: %s (%s), policy %s version %s, "
				  "effective %s\n",
				  ri.id, ri.kind, pname, ri.version,
				  ri.effective);
			char fsha[65] = "";
			sqlite3_stmt *q = NULL;
			if (audit_prepare(a, &q,
					  "SELECT sha256 FROM policy_files "
					  "WHERE policy = ? "
					  "AND path = ?") == 0) {
				sqlite3_bind_text(q, 1, policy, -1,
						  SQLITE_STATIC);
				sqlite3_bind_text(q, 2, ri.file, -1,
						  SQLITE_STATIC);
				if (sqlite3_step(q) == SQLITE_ROW)
					snprintf(fsha, sizeof fsha, "%s",
						 col(q, 0));
			}
			sqlite3_finalize(q);
			char *dir = policy_dir(a, run);
			sb_printf(&sb,
				  "  written in %s%s%s at line %u, column %u",
				  dir ? dir : "", dir && *dir ? "/" : "",
				  ri.file, ri.line, ri.column);
			free(dir);
			if (*fsha)
				sb_printf(&sb, " (file sha256 %.16s...)", fsha);
			sb_printf(&sb, "\n  policy sha256 %s\n", policy);
			if (ri.description)
				sb_printf(&sb, "  \"%s\"\n", ri.description);
			if (ri.section)
				sb_printf(&sb, "  seed policy section %s\n",
					  ri.section);
			if (ri.script)
				sb_printf(&sb,
					  "  computed by the Lua script %s\n",
					  ri.script);
			sb_putc(&sb, '\n');
		} else {
			sb_printf(&sb,
				  "Rule: %s, policy %s version %s (policy "
				  "sha256 %s)\n\n",
				  rule_id, pname, version, policy);
		}
		rc = 0;
	}
	if (strcmp(kind, "adjustment") == 0)
		sb_puts(&sb, "Events: none (an adjustment rests on the totals "
			     "of the runs "
			     "below)\n");
	else
		explain_events(a, &sb, col(st, 7));

	/* the figures */
	sb_puts(&sb, "\nFigures:\n");
	size_t shown = 0;
	for (size_t i = 0; i < d.n; i++) {
		const char *k = d.items[i].key, *v = d.items[i].val;
		if (!strcmp(k, "exact") || !strcmp(k, "rounding") ||
		    !strcmp(k, "decimals") || !strcmp(k, "rate_row") ||
		    !strcmp(k, "rate_label"))
			continue;
		const label *l = label_of(k);
		char note[160] = "";
		static const label paid_adj = {
		    "paid", "already paid for the period", V_MONEY};
		if (!strcmp(k, "paid") && !strcmp(kind, "adjustment"))
			l = &paid_adj;
		if (!strcmp(k, "rate") && dget(&d, "rate_row"))
			snprintf(note, sizeof note, "rate row %s%s%s%s",
				 dget(&d, "rate_row"),
				 dget(&d, "rate_label") ? " (" : "",
				 dget(&d, "rate_label") ? dget(&d, "rate_label")
							: "",
				 dget(&d, "rate_label") ? ")" : "");
		if (!strcmp(k, "credited_before") ||
		    !strcmp(k, "credited_after") || !strcmp(k, "credited") ||
		    !strcmp(k, "paid_before"))
			snprintf(note, sizeof note, "period to date");
		if (!l) {
			figure(&sb, k, v, NULL);
		} else if (l->fmt == V_MONEY) {
			figure(&sb, l->text, money(b1, sizeof b1, v), note);
		} else if (l->fmt == V_PCT) {
			figure(&sb, l->text, percent(b1, sizeof b1, v), note);
		} else if (l->fmt == V_SHARE) {
			snprintf(b1, sizeof b1, "%s%%", v);
			figure(&sb, l->text, b1, note);
		} else {
			figure(&sb, l->text, v, note);
		}
		shown++;
	}
	const char *q = dget(&d, "quota");
	const char *cr = dget(&d, "credited_after") ? dget(&d, "credited_after")
						    : dget(&d, "credited");
	if (attainment(b1, sizeof b1, cr, q)) {
		snprintf(b2, sizeof b2, "%s / quota, truncated",
			 dget(&d, "credited_after") ? "credited after"
						    : "credited");
		figure(&sb, "attainment", b1, b2);
		shown++;
	}
	if (!shown)
		sb_puts(&sb, "  (none beyond the amount)\n");

	/* the rounding */
	const char *exact = dget(&d, "exact"), *mode = dget(&d, "rounding");
	if (strcmp(kind, "adjustment") == 0) {
		sb_printf(&sb,
			  "\nRounding: none: the difference of amounts already "
			  "rounded to "
			  "%s decimals (%s's minor unit)\n",
			  dget(&d, "decimals") ? dget(&d, "decimals") : "?",
			  col(st, 5));
	} else if (has_amount && exact) {
		dec ex, am;
		bool same =
		    dec_parse(&ex, exact, strlen(exact), false) == DEC_OK &&
		    dec_parse(&am, col(st, 4), strlen(col(st, 4)), false) ==
			DEC_OK &&
		    dec_cmp(ex, am) == 0;
		sb_printf(&sb,
			  "\nRounding: %s to %s decimal%s (%s's minor unit), "
			  "once per line:\n",
			  rounding_words(mode),
			  dget(&d, "decimals") ? dget(&d, "decimals") : "?",
			  dget(&d, "decimals") &&
				  !strcmp(dget(&d, "decimals"), "1")
			      ? ""
			      : "s",
			  col(st, 5));
		sb_printf(&sb, "  exact %s -> %s %s%s\n",
			  money(b1, sizeof b1, exact),
			  money(b2, sizeof b2, col(st, 4)), col(st, 5),
			  same ? " (exact: nothing was rounded away)" : "");
	} else if (!has_amount) {
		sb_puts(&sb, "\nNot a money decision: nothing was rounded.\n");
	}
	if (sb.oom) {
		rc = INC_ERROR;
		goto done;
	}
	*out = strdup(sb_cstr(&sb));
	rc = *out ? 0 : INC_ERROR;
done:
	if (rc == INC_ERROR && !a->errmsg)
		audit_set_err(a, "out of memory");
	sqlite3_finalize(st);
	sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
	detail_free(&d);
	detail_shapes_free(&shapes);
	canon_finish(&scratch);
	inc_policy_destroy(pol);
	sb_finish(&sb);
	free(run_status);
	free(started);
	free(policy);
	free(pname);
	free(name);
	return rc;
}

/* ---- statements
 * ------------------------------------------------------------------ */

typedef struct st_total {
	const char *kind;
	dec sum;
	char text[72];
	bool hold;
} st_total;

/* A balance carried to the next period (a draw to recover, a fine's
 * rest): the last one of each kind and rule. */
typedef struct st_balance {
	const char *what;
	const char *amount;
} st_balance;

struct inc_statement {
	arena mem;
	inc_statement_info info;
	inc_statement_line *lines;
	size_t n_lines, cap_lines;
	st_total *totals;
	size_t n_totals;
	st_balance balances[32];
	size_t n_balances;
};

static char *dupa(inc_statement *s, const char *t)
{
	return arena_strdup(&s->mem, t ? t : "");
}

static bool is_hold_kind(const char *kind)
{
	size_t n = strlen(kind);
	return (n > 9 && strcmp(kind + n - 9, "_withheld") == 0) ||
	       strcmp(kind, "hold") == 0;
}

static int cmp_total(const void *a, const void *b)
{
	return strcmp(((const st_total *)a)->kind, ((const st_total *)b)->kind);
}

static int add_total(inc_statement *s, const char *kind, dec amt)
{
	for (size_t i = 0; i < s->n_totals; i++)
		if (strcmp(s->totals[i].kind, kind) == 0)
			return dec_add(&s->totals[i].sum, s->totals[i].sum,
				       amt) == DEC_OK
				   ? 0
				   : INC_EARITH;
	st_total *t = realloc(s->totals, (s->n_totals + 1) * sizeof *t);
	if (!t)
		return INC_ERROR;
	s->totals = t;
	t = &s->totals[s->n_totals++];
	memset(t, 0, sizeof *t);
	t->kind = dupa(s, kind);
	t->sum = amt;
	t->hold = is_hold_kind(kind);
	return t->kind ? 0 : INC_ERROR;
}

static const char *fmt_sum(inc_statement *s, dec d, int scale)
{
	char b[80];
	dec_format(b, sizeof b, d, scale, false);
	return dupa(s, b);
}

int inc_audit_statement(inc_statement **out, inc_audit *a, int64_t run,
			const char *pid)
{
	inc_statement *s = calloc(1, sizeof *s);
	inc_audit_run_info info;
	sqlite3_stmt *st = NULL, *ev = NULL;
	int64_t after = 0, last = 0;
	dec earned = dec_zero(), holds = dec_zero(), adj = dec_zero();
	int scale = -1;
	bool any_adj = false, found_person = false;
	detail_shapes shapes;
	canon scratch;
	int rc;

	if (!s)
		return INC_ERROR;
	arena_init(&s->mem);
	detail_shapes_init(&shapes);
	canon_init(&scratch);
	if ((rc = audit_exec(a, "BEGIN")) != 0)
		goto done;
	if ((rc = detail_shapes_load(a, &shapes)) != 0)
		goto done;
	if ((rc = inc_audit_get_run(a, run, &info)) != 0)
		goto done;
	run = info.run;
	inc_statement_info *si = &s->info;
	si->run = run;
	si->status = dupa(s, info.status);
	si->started = dupa(s, info.started);
	si->period = dupa(s, info.period ? info.period : "all");
	si->policy = dupa(s, info.policy);
	si->policy_name = dupa(s, info.policy_name);
	si->person = dupa(s, pid);
	int64_t locked_by = info.locked_by;
	if ((rc = audit_prepare(
		 a, &st,
		 "SELECT name, level, team, currency FROM run_people "
		 "WHERE run = ? AND person = ?")) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, pid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found_person = true;
		si->name = dupa(s, col(st, 0));
		si->level = dupa(s, col(st, 1));
		si->team = dupa(s, col(st, 2));
		si->currency = dupa(s, col(st, 3));
	} else {
		si->name = si->level = si->team = si->currency = dupa(s, "");
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = audit_run_decision_range(a, run, &after, &last)) != 0)
		goto done;
	if ((rc = audit_prepare(
		 a, &st,
		 "SELECT id, period, kind, amount, currency, rule, events, "
		 "reason, detail FROM decisions WHERE seq > ? AND seq <= ? "
		 "AND person = ? ORDER BY seq")) != 0 ||
	    (rc = audit_prepare(a, &ev,
				"SELECT date FROM events WHERE id = ?")) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, last);
	sqlite3_bind_text(st, 3, pid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (s->n_lines == s->cap_lines) {
			size_t cap = s->cap_lines ? s->cap_lines * 2 : 64;
			inc_statement_line *l =
			    realloc(s->lines, cap * sizeof *l);
			if (!l) {
				rc = INC_ERROR;
				goto done;
			}
			s->lines = l;
			s->cap_lines = cap;
		}
		inc_statement_line *l = &s->lines[s->n_lines++];
		detail d;
		char b[200];
		const char *kind = col(st, 2);
		memset(l, 0, sizeof *l);
		l->id = dupa(s, col(st, 0));
		l->period = dupa(s, col(st, 1));
		l->kind = dupa(s, kind);
		l->amount = dupa(s, col(st, 3));
		l->rule = dupa(s, col(st, 5));
		l->events = dupa(s, col(st, 6));
		l->reason = dupa(s, col(st, 7));
		l->is_hold = is_hold_kind(kind);
		/* the date of its first event */
		const char *evs = col(st, 6);
		const char *comma = strchr(evs, ',');
		l->date = dupa(s, "");
		if (*evs) {
			sqlite3_reset(ev);
			sqlite3_bind_text(ev, 1, evs,
					  comma ? (int)(comma - evs) : -1,
					  SQLITE_TRANSIENT);
			if (sqlite3_step(ev) == SQLITE_ROW)
				l->date = dupa(s, col(ev, 0));
		}
		detail_parse(&d, &shapes, &scratch, col(st, 8));
		const char *rate = dget(&d, "rate"), *pu = dget(&d, "per_unit");
		char v[80];
		if (rate && strcmp(rate, "1") != 0) {
			l->rate = dupa(s, percent(b, sizeof b, rate));
		} else if (pu) {
			snprintf(b, sizeof b, "%s per unit",
				 money(v, sizeof v, pu));
			l->rate = dupa(s, b);
		} else if (dget(&d, "pay_share")) {
			snprintf(b, sizeof b, "%s of target",
				 percent(v, sizeof v, dget(&d, "pay_share")));
			l->rate = dupa(s, b);
		} else {
			l->rate = dupa(s, "");
		}
		if (dget(&d, "tiers")) {
			l->tier = dupa(s, dget(&d, "tiers"));
		} else if (dget(&d, "band_from")) {
			snprintf(b, sizeof b, "band from %s",
				 percent(v, sizeof v, dget(&d, "band_from")));
			l->tier = dupa(s, b);
		} else {
			l->tier = dupa(s, "");
		}
		if (dget(&d, "balance")) {
			char what[200];
			size_t k;
			snprintf(what, sizeof what, "%s%s%s%s", kind,
				 *l->rule ? " (" : "", l->rule,
				 *l->rule ? ")" : "");
			for (k = 0; k < s->n_balances; k++)
				if (strcmp(s->balances[k].what, what) == 0)
					break;
			if (k < sizeof s->balances / sizeof *s->balances) {
				if (k == s->n_balances) {
					s->balances[k].what = dupa(s, what);
					s->n_balances++;
				}
				s->balances[k].amount =
				    dupa(s, dget(&d, "balance"));
			}
		}
		detail_free(&d);
		if (!l->id || !l->reason || !l->rate || !l->tier || !l->date) {
			rc = INC_ERROR;
			goto done;
		}
		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			continue;
		dec amt;
		if (dec_parse(&amt, l->amount, strlen(l->amount), false) !=
		    DEC_OK) {
			audit_set_err(a, "%s: decision %s has amount '%s'",
				      a->path, l->id, l->amount);
			rc = INC_EAUDIT;
			goto done;
		}
		if (amt.scale > scale)
			scale = amt.scale;
		if (!*si->currency)
			si->currency = dupa(s, col(st, 4));
		if ((rc = add_total(s, kind, amt)) != 0)
			goto done;
		if (strcmp(kind, "adjustment") == 0) {
			any_adj = true;
			if (dec_add(&adj, adj, amt) != DEC_OK)
				rc = INC_EARITH;
		} else {
			if (dec_add(&earned, earned, amt) != DEC_OK)
				rc = INC_EARITH;
			if (l->is_hold && dec_add(&holds, holds, amt) != DEC_OK)
				rc = INC_EARITH;
		}
		if (rc)
			goto done;
	}
	if (!found_person && s->n_lines == 0) {
		audit_set_err(a, "%s: run %lld has no person '%s'", a->path,
			      (long long)run, pid);
		rc = INC_ENOTFOUND;
		goto done;
	}
	if (scale < 0) {
		/* no money: show zeros at the currency's usual two decimals */
		scale = 2;
	}
	if (s->n_totals)
		qsort(s->totals, s->n_totals, sizeof *s->totals, cmp_total);
	for (size_t i = 0; i < s->n_totals; i++)
		dec_format(s->totals[i].text, sizeof s->totals[i].text,
			   s->totals[i].sum, scale, false);
	si->earned = fmt_sum(s, earned, scale);
	si->holds = fmt_sum(s, holds, scale);
	if (locked_by > 0 || any_adj) {
		dec paid;
		if (dec_sub(&paid, earned, adj) != DEC_OK) {
			rc = INC_EARITH;
			goto done;
		}
		si->paid_before = fmt_sum(s, paid, scale);
		si->payable = fmt_sum(s, adj, scale);
	} else {
		si->paid_before = NULL;
		si->payable = fmt_sum(s, earned, scale);
	}
	si->lines = s->n_lines;
	rc = 0;
done:
	if (rc == INC_ERROR && !a->errmsg)
		audit_set_err(a, "out of memory");
	if (rc == INC_EARITH)
		audit_set_err(a, "arithmetic overflow in a total");
	sqlite3_finalize(st);
	sqlite3_finalize(ev);
	sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
	detail_shapes_free(&shapes);
	canon_finish(&scratch);
	if (rc) {
		inc_statement_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

void inc_statement_destroy(inc_statement *s)
{
	if (!s)
		return;
	free(s->lines);
	free(s->totals);
	arena_finish(&s->mem);
	free(s);
}

const inc_statement_info *inc_statement_get_info(const inc_statement *s)
{
	return &s->info;
}

int inc_statement_line_at(const inc_statement *s, size_t i,
			  inc_statement_line *out)
{
	if (i >= s->n_lines)
		return INC_ENOTFOUND;
	*out = s->lines[i];
	return 0;
}

int inc_statement_balance_at(const inc_statement *s, size_t i,
			     const char **what, const char **amount)
{
	if (i >= s->n_balances)
		return INC_ENOTFOUND;
	*what = s->balances[i].what;
	*amount = s->balances[i].amount;
	return 0;
}

int inc_statement_total_at(const inc_statement *s, size_t i, const char **kind,
			   const char **amount, int *is_hold)
{
	if (i >= s->n_totals)
		return INC_ENOTFOUND;
	*kind = s->totals[i].kind;
	*amount = s->totals[i].text;
	*is_hold = s->totals[i].hold;
	return 0;
}
