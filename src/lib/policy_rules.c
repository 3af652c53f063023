/*
 * policy_rules.c: compiles a version's `event_types:` and `rules:` into the
 * model of model.h: field definitions, conditions (`when:`), rate rows,
 * factor tables, tiers and bonus bands, and the kind-specific keys of each
 * rule, reporting every problem with its position (see policy-int.h for
 * the conventions and docs/policy-guide.md for the format).
 */
#include "policy-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Names in the same order as enum field_type. */
static const char *const field_type_names[] = {
    "string", "money", "decimal", "integer", "date", "enum", "ref", "split",
};

/* "a string field", "an enum field" */
static const char *field_kind_phrase(field_type t)
{
	static const char *const phrases[] = {
	    "a string field",	"a money field", "a decimal field",
	    "an integer field", "a date field",	 "an enum field",
	    "a ref field",	"a split field",
	};
	return phrases[t];
}

/* [A-Za-z_][A-Za-z0-9_]* : event type and field names (CSV headers). */
static bool is_identifier(const ynode *n)
{
	if (!n || n->kind != YN_SCALAR || n->len == 0 || n->len > 64)
		return false;
	for (size_t i = 0; i < n->len; i++) {
		char c = n->text[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  c == '_' || (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

/* The key "kind:a:b" of the quiet table. */
static void quiet_key(strbuf *sb, char kind, const char *a, size_t alen,
		      const char *b)
{
	sb_init(sb);
	sb_putc(sb, kind);
	sb_putc(sb, ':');
	sb_append(sb, a, alen);
	sb_putc(sb, ':');
	if (b)
		sb_puts(sb, b);
}

/* Remembers that the definition of `kind:a[:b]` was reported as wrong. */
static void quiet_add(ploader *L, char kind, const char *a, size_t alen,
		      const char *b)
{
	strbuf sb;

	quiet_key(&sb, kind, a, alen, b);
	if (sb.oom || strmap_put(&L->quiet, sb_cstr(&sb), sb.len, 1, NULL) < 0)
		L->oom = true;
	sb_finish(&sb);
}

static bool quiet_has(ploader *L, char kind, const char *a, size_t alen,
		      const char *b)
{
	strbuf sb;
	uint32_t one = 0;
	bool found;

	quiet_key(&sb, kind, a, alen, b);
	if (sb.oom)
		L->oom = true;
	found = !sb.oom && strmap_get(&L->quiet, sb_cstr(&sb), sb.len, &one);
	sb_finish(&sb);
	return found;
}

/* Index of the event type named s[0..n) in the version being compiled. */
static int lookup_type(const ploader *L, const char *s, size_t n)
{
	uint32_t ix;
	return strmap_get(&L->types_ix, s, n, &ix) ? (int)ix : -1;
}

/* Index of field s[0..n) of event type t (of the version being compiled). */
static int lookup_field(const ploader *L, const event_type *t, const char *s,
			size_t n)
{
	size_t ti = (size_t)(t - L->cur->types);
	uint32_t ix;

	if (ti >= L->n_fields_ix)
		return -1;
	return strmap_get(&L->fields_ix[ti], s, n, &ix) ? (int)ix : -1;
}

/* Joins the non-NULL names of an array for did-you-mean candidates. */
static const char **names_of_types(ploader *L, const policy_version *v)
{
	const char **c = pl_array(L, v->n_types + 1, sizeof *c);

	for (size_t i = 0; c && i < v->n_types; i++)
		c[i] = v->types[i].name;
	return c;
}

static const char **names_of_fields(ploader *L, const event_type *t)
{
	const char **c = pl_array(L, t->n_fields + 1, sizeof *c);

	for (size_t i = 0; c && i < t->n_fields; i++)
		c[i] = t->fields[i].name;
	return c;
}

/* Event type named by scalar n, or -1 after reporting. */
static int type_ref(ploader *L, const policy_version *v, const ynode *n)
{
	char hint[160];
	int ix;

	if (!pl_expect_scalar(L, n, "an event type name"))
		return -1;
	ix = lookup_type(L, n->text, n->len);
	if (ix >= 0 || quiet_has(L, 't', n->text, n->len, NULL))
		return ix;
	const char **c = names_of_types(L, v);
	pl_error(L, n,
		 c ? pl_did_you_mean(hint, sizeof hint, n->text, c, v->n_types)
		   : NULL,
		 "unknown event type '%.*s'", (int)n->len, n->text);
	return -1;
}

/* Field of type t named by scalar n, of type `want` (or any type when want
 * is -1), or -1 after reporting.  `key` names the key for messages. */
static int field_ref(ploader *L, const event_type *t, const ynode *n, int want,
		     const char *key)
{
	char hint[160];
	int ix;

	if (!pl_expect_scalar(L, n, "a field name"))
		return -1;
	ix = lookup_field(L, t, n->text, n->len);
	if (ix < 0 && quiet_has(L, 'f', t->name, strlen(t->name), n->text))
		return -1;
	if (ix < 0) {
		const char **c = names_of_fields(L, t);
		pl_error(L, n,
			 c ? pl_did_you_mean(hint, sizeof hint, n->text, c,
					     t->n_fields)
			   : NULL,
			 "unknown field '%.*s' for event type '%s'",
			 (int)n->len, n->text, t->name);
		return -1;
	}
	if (want >= 0 && t->fields[ix].type != (field_type)want) {
		pl_error(L, n, NULL, "%s: field '%s' is %s, expected %s", key,
			 t->fields[ix].name,
			 field_kind_phrase(t->fields[ix].type),
			 field_kind_phrase((field_type)want));
		return -1;
	}
	return ix;
}

/* ---- event types ---- */

static bool is_reserved_field(const policy_version *v, const ynode *k)
{
	/* the four standard columns, under the names `input:` gives them */
	for (size_t i = 0; i < INPUT_N_COLUMNS; i++)
		if (ynode_text_is(k, v->input.columns[i] ? v->input.columns[i]
							 : ""))
			return true;
	return ynode_text_is(k, "id") || ynode_text_is(k, "date") ||
	       ynode_text_is(k, "type") || ynode_text_is(k, "person");
}

static void compile_enum_values(ploader *L, field_def *f, const ynode *n)
{
	if (!pl_expect_seq(L, n, "a list of values like [EMEA, APAC]"))
		return;
	if (n->n_items == 0) {
		pl_error(L, n, NULL, "an enum needs at least one value");
		return;
	}
	f->enum_values = pl_array(L, n->n_items, sizeof *f->enum_values);
	if (!f->enum_values)
		return;
	strmap seen;
	strmap_init(&seen);
	for (size_t i = 0; i < n->n_items; i++) {
		const ynode *x = n->items[i];
		const char *s;
		if (!pl_get_string(L, x, "an enum value", &s))
			continue;
		int r = strmap_put(&seen, s, strlen(s), 0, NULL);
		if (r < 0) {
			L->oom = true;
			break;
		}
		if (r == 0) {
			pl_error(L, x, NULL, "duplicate enum value '%s'", s);
			continue;
		}
		f->enum_values[f->n_enum++] = s;
	}
	strmap_finish(&seen);
}

/* Compiles one field (`name: type` or `name: {type: ..., ...}`) into f. */
static bool compile_field(ploader *L, const policy_version *v, const ynode *key,
			  const ynode *val, field_def *f)
{
	static const char *const keys[] = {"type", "required", "pattern",
					   "values", "to"};
	const ynode *tn = val, *x;
	int ty;

	if (!is_identifier(key)) {
		pl_error(L, key, "use letters, digits and '_', like unit_price",
			 "bad field name '%.*s'", (int)key->len, key->text);
		return false;
	}
	if (is_reserved_field(v, key)) {
		pl_error(
		    L, key, "every event has id, date, type and person",
		    "field '%s' is a standard field of every event; do not "
		    "declare it",
		    key->text);
		return false;
	}
	f->name = pl_text(L, key);
	f->loc = pl_loc(L, key);
	f->required = true;
	f->ref_type = -1;
	if (val && val->kind == YN_MAP) {
		pl_check_keys(L, val, keys, ARRAY_LEN(keys));
		tn = pl_required(L, val, "type");
		if (!tn)
			return false;
	}
	ty =
	    pl_get_choice(L, tn, field_type_names, ARRAY_LEN(field_type_names));
	if (ty < 0)
		return false;
	f->type = (field_type)ty;
	if (val->kind != YN_MAP) {
		if (f->type == FT_ENUM) {
			pl_error(L, val, "write {type: enum, values: [A, B]}",
				 "an enum field needs its values");
			return false;
		}
		return true;
	}
	if ((x = ynode_get(val, "required")))
		pl_get_bool(L, x, &f->required);
	if ((x = ynode_get(val, "pattern"))) {
		if (f->type != FT_STRING) {
			pl_error(L, x, NULL,
				 "'pattern' applies only to string fields");
		} else if ((f->pattern = pl_compile_pattern(L, x))) {
			f->pattern_src = pl_text(L, x);
		}
	}
	x = ynode_get_pair(val, "values") ? ynode_get(val, "values") : NULL;
	if (f->type == FT_ENUM) {
		if (!x)
			pl_error(L, val, NULL, "missing required key 'values'");
		else
			compile_enum_values(L, f, x);
	} else if (x) {
		pl_error(L, x, NULL, "'values' applies only to enum fields");
	}
	if ((x = ynode_get(val, "to"))) {
		if (f->type != FT_REF)
			pl_error(L, x, NULL, "'to' applies only to ref fields");
		else
			f->ref_type = type_ref(L, v, x);
	}
	return true;
}

static void compile_type_body(ploader *L, const policy_version *v,
			      event_type *t, const ynode *n)
{
	static const char *const keys[] = {"credit", "fields", "sign"};
	static const char *const signs[] = {"positive", "negative"};
	const ynode *fields, *x;
	int first_split = -1, c;

	if (ynode_is_null(n))
		return; /* a type with only id, date, type and person */
	if (!pl_expect_map(L, n, "a mapping with `fields:` (and `credit:`)"))
		return;
	pl_check_keys(L, n, keys, ARRAY_LEN(keys));
	fields = pl_optional(n, "fields");
	if (fields &&
	    pl_expect_map(L, fields, "a mapping of field names to types")) {
		t->fields = pl_array(L, fields->n_pairs, sizeof *t->fields);
		for (size_t i = 0; t->fields && i < fields->n_pairs; i++) {
			const ynode *k = fields->pairs[i].key;
			field_def *f = &t->fields[t->n_fields];
			if (lookup_field(L, t, k->text, k->len) >= 0)
				continue; /* duplicate key, already reported */
			if (!compile_field(L, v, k, fields->pairs[i].value,
					   f)) {
				quiet_add(L, 'f', t->name, strlen(t->name),
					  k->text);
				continue;
			}
			if (strmap_put(&L->fields_ix[t - v->types], k->text,
				       k->len, (uint32_t)t->n_fields,
				       NULL) < 0) {
				L->oom = true;
				return;
			}
			if (f->type == FT_SPLIT) {
				if (first_split >= 0)
					pl_error(
					    L, k,
					    "an event is split one way only",
					    "more than one split field "
					    "('%s' at line %u)",
					    t->fields[first_split].name,
					    t->fields[first_split].loc.line);
				else
					first_split = (int)t->n_fields;
			}
			t->n_fields++;
		}
	}
	t->split_field = first_split;
	if ((x = pl_optional(n, "credit"))) {
		t->credit_field = field_ref(L, t, x, FT_MONEY, "credit");
		if (t->credit_field < 0)
			quiet_add(L, 'c', t->name, strlen(t->name), NULL);
	}
	/* sign: negative: the money of such an event counts against the
	 * person (a refund without a reference to its deal) */
	if ((x = pl_optional(n, "sign")) &&
	    (c = pl_get_choice(L, x, signs, ARRAY_LEN(signs))) >= 0)
		t->negative = c == 1;
}

void pl_compile_types(ploader *L, policy_version *v, const ynode *node)
{
	if (!pl_expect_map(L, node, "a mapping of event type names"))
		return;
	v->types = pl_array(L, node->n_pairs, sizeof *v->types);
	if (!v->types)
		return;
	int *ix = calloc(node->n_pairs, sizeof *ix);
	L->fields_ix = calloc(node->n_pairs, sizeof *L->fields_ix);
	if (!ix || !L->fields_ix) {
		free(ix);
		L->oom = true;
		return;
	}
	L->n_fields_ix = node->n_pairs;
	for (size_t i = 0; i < node->n_pairs; i++)
		strmap_init(&L->fields_ix[i]);
	/* every name first, so that `to:` may name a type declared later */
	for (size_t i = 0; i < node->n_pairs; i++) {
		const ynode *k = node->pairs[i].key;
		ix[i] = -1;
		if (!is_identifier(k)) {
			pl_error(
			    L, k,
			    "use letters, digits and '_', like deal_closed",
			    "bad event type name '%.*s'", (int)k->len, k->text);
			quiet_add(L, 't', k->text, k->len, NULL);
			continue;
		}
		if (lookup_type(L, k->text, k->len) >= 0)
			continue; /* duplicate key, already reported */
		if (strmap_put(&L->types_ix, k->text, k->len,
			       (uint32_t)v->n_types, NULL) < 0) {
			L->oom = true;
			break;
		}
		event_type *t = &v->types[v->n_types];
		t->name = pl_text(L, k);
		if (!t->name)
			break;
		t->slot = pl_type_slot(L, t->name);
		t->loc = pl_loc(L, k);
		t->credit_field = -1;
		t->split_field = -1;
		ix[i] = (int)v->n_types++;
	}
	for (size_t i = 0; i < node->n_pairs && !L->oom; i++)
		if (ix[i] >= 0)
			compile_type_body(L, v, &v->types[ix[i]],
					  node->pairs[i].value);
	free(ix);
}

/* ---- conditions ---- */

typedef struct subject {
	cond_subject s;
	int field;	     /* SUBJ_FIELD */
	const field_def *fd; /* SUBJ_FIELD */
	const char *name;    /* as written, NUL-terminated */
} subject;

static const char *const person_attrs[] = {"person.id", "person.level",
					   "person.team"};

static bool resolve_subject(ploader *L, const event_type *t, const ynode *k,
			    subject *out)
{
	char hint[160];

	out->name = k->text;
	out->field = -1;
	out->fd = NULL;
	if (k->len > 7 && memcmp(k->text, "person.", 7) == 0) {
		for (size_t i = 0; i < ARRAY_LEN(person_attrs); i++) {
			if (ynode_text_is(k, person_attrs[i])) {
				out->s = (cond_subject)(SUBJ_PERSON_ID + i);
				return true;
			}
		}
		pl_error(L, k,
			 pl_did_you_mean(hint, sizeof hint, k->text,
					 person_attrs, ARRAY_LEN(person_attrs)),
			 "unknown person attribute '%.*s': expected person.id, "
			 "person.level or person.team",
			 (int)k->len, k->text);
		return false;
	}
	if (!t) {
		pl_error(L, k, "use person.id, person.level or person.team",
			 "this rule fires at period end, without an event: it "
			 "cannot test field '%.*s'",
			 (int)k->len, k->text);
		return false;
	}
	out->s = SUBJ_FIELD;
	out->field = field_ref(L, t, k, -1, "when");
	if (out->field < 0)
		return false;
	out->fd = &t->fields[out->field];
	if (out->fd->type == FT_SPLIT) {
		pl_error(L, k, NULL,
			 "split field '%s' cannot be tested in `when`",
			 out->fd->name);
		return false;
	}
	return true;
}

/* The type values of the subject have. */
static field_type subject_type(const subject *sb)
{
	return sb->s == SUBJ_FIELD ? sb->fd->type : FT_STRING;
}

/* Reads scalar n as a value of the subject's type. */
static bool typed_value(ploader *L, const policy_version *v, const subject *sb,
			const ynode *n, value *out)
{
	char got[128], hint[160];
	field_type ty = subject_type(sb);

	out->type = ty;
	if (!pl_expect_scalar(L, n, "a value"))
		return false;
	switch (ty) {
	case FT_MONEY:
		return pl_get_money(L, v, n, "amount", true, &out->u.d);
	case FT_DECIMAL:
		return pl_get_decimal(L, n, &out->u.d);
	case FT_INTEGER:
		if (pl_parse_i64(n->text, n->len, &out->u.i))
			return true;
		pl_error(L, n, NULL, "expected a whole number, got %s",
			 ynode_describe(n, got, sizeof got));
		return false;
	case FT_DATE:
		return pl_get_date(L, n, &out->u.date);
	case FT_ENUM:
		for (size_t i = 0; i < sb->fd->n_enum; i++) {
			if (ynode_text_is(n, sb->fd->enum_values[i])) {
				out->u.ix = (uint32_t)i;
				return true;
			}
		}
		pl_error(L, n,
			 pl_did_you_mean(hint, sizeof hint, n->text,
					 sb->fd->enum_values, sb->fd->n_enum),
			 "'%.*s' is not a value of enum field '%s'",
			 (int)n->len, n->text, sb->fd->name);
		return false;
	case FT_SPLIT:
		return false; /* refused by resolve_subject */
	case FT_STRING:
	case FT_REF:
	default:
		if (sb->s == SUBJ_PERSON_LEVEL && v->n_levels > 0 &&
		    !strmap_get(&L->levels_ix, n->text, n->len,
				&(uint32_t){0})) {
			const char **c =
			    pl_array(L, v->n_levels + 1, sizeof *c);
			for (size_t i = 0; c && i < v->n_levels; i++)
				c[i] = v->levels[i].id;
			pl_error(L, n,
				 c ? pl_did_you_mean(hint, sizeof hint, n->text,
						     c, v->n_levels)
				   : NULL,
				 "unknown level '%.*s' (not on the ladder)",
				 (int)n->len, n->text);
			return false;
		}
		out->type = ty == FT_REF ? FT_REF : FT_STRING;
		out->u.str.s = pl_text(L, n);
		out->u.str.len = (uint32_t)n->len;
		return out->u.str.s != NULL;
	}
}

enum { OP_MATCHES, OP_EQ, OP_NE, OP_IN, OP_LT, OP_LTE, OP_GT, OP_GTE };
static const char *const op_names[] = {"matches", "eq",	 "ne", "in",
				       "lt",	  "lte", "gt", "gte"};
static const char *const op_symbols[] = {"~", "=",  "!=", "in",
					 "<", "<=", ">",  ">="};
static const cond_op op_codes[] = {COND_MATCH, COND_EQ, COND_NE, COND_IN,
				   COND_LT,    COND_LE, COND_GT, COND_GE};

/* The written text of a value node: a scalar as written, a list as
 * "[A, B]" (or "A, B" when bare). */
static void value_text(strbuf *sb, const ynode *n, bool brackets)
{
	if (n->kind == YN_SCALAR) {
		sb_append(sb, n->text, n->len);
		return;
	}
	if (n->kind != YN_SEQ)
		return;
	if (brackets)
		sb_putc(sb, '[');
	for (size_t i = 0; i < n->n_items; i++) {
		if (i)
			sb_puts(sb, ", ");
		value_text(sb, n->items[i], true);
	}
	if (brackets)
		sb_putc(sb, ']');
}

/* Compiles one test `op: val` on subject sb into c. */
static bool compile_test(ploader *L, const policy_version *v, const subject *sb,
			 int op, const ynode *val, cond *c)
{
	field_type ty = subject_type(sb);
	strbuf text;

	c->subject = sb->s;
	c->field = sb->field;
	c->op = op_codes[op];
	c->loc = pl_loc(L, val);
	switch (op) {
	case OP_MATCHES:
		if (ty != FT_STRING) {
			pl_error(L, val, "test it with eq, ne or in",
				 "'matches' tests text; '%s' is %s", sb->name,
				 field_kind_phrase(sb->fd->type));
			return false;
		}
		if (!(c->re = pl_compile_pattern(L, val)))
			return false;
		{
			/* a prefilter for the match (pattern.h) */
			char lit[64];
			size_t k = pattern_literal(val->text, val->len, lit,
						   sizeof lit, &c->lit_exact);
			char *copy = k ? pl_alloc(L, k + 1) : NULL;
			if (copy) {
				memcpy(copy, lit, k);
				c->lit = copy;
				c->lit_len = (uint32_t)k;
			}
		}
		break;
	case OP_IN:
		if (!pl_expect_seq(L, val, "a list of values like [A, B]"))
			return false;
		if (val->n_items == 0) {
			pl_error(L, val, NULL, "'in' needs at least one value");
			return false;
		}
		c->set = pl_array(L, val->n_items, sizeof *c->set);
		if (!c->set)
			return false;
		for (size_t i = 0; i < val->n_items; i++)
			if (!typed_value(L, v, sb, val->items[i], &c->set[i]))
				return false;
		c->n_set = val->n_items;
		break;
	case OP_LT:
	case OP_LTE:
	case OP_GT:
	case OP_GTE:
		if (ty != FT_MONEY && ty != FT_DECIMAL && ty != FT_INTEGER &&
		    ty != FT_DATE) {
			pl_error(
			    L, val, "use eq, ne, in or matches",
			    "'%s' compares money, decimal, integer and date "
			    "fields; '%s' is %s",
			    op_names[op], sb->name,
			    sb->fd ? field_kind_phrase(sb->fd->type)
				   : "a person attribute");
			return false;
		}
		/* fall through */
	default:
		if (!typed_value(L, v, sb, val, &c->v))
			return false;
		break;
	}
	sb_init(&text);
	sb_printf(&text, "%s %s ", sb->name, op_symbols[op]);
	value_text(&text, val, true);
	if (!text.oom)
		c->text = arena_strndup(L->mem, sb_cstr(&text), text.len);
	sb_finish(&text);
	if (!c->text) {
		L->oom = true;
		return false;
	}
	return true;
}

/* Compiles a `when:` map into out.  t is the event type the rule fires on,
 * NULL for period-end rules (only person.* can be tested then).  Returns
 * false when something was reported. */
static bool compile_when(ploader *L, const policy_version *v,
			 const event_type *t, const ynode *when, cond_list *out)
{
	size_t count = 0;
	bool ok = true;

	out->items = NULL;
	out->n = 0;
	if (ynode_is_null(when))
		return true;
	if (!pl_expect_map(L, when, "conditions: a mapping from field to test"))
		return false;
	for (size_t i = 0; i < when->n_pairs; i++) {
		const ynode *val = when->pairs[i].value;
		count += val->kind == YN_MAP ? val->n_pairs : 1;
	}
	out->items = pl_array(L, count, sizeof *out->items);
	if (count && !out->items)
		return false;
	for (size_t i = 0; i < when->n_pairs; i++) {
		const ynode *k = when->pairs[i].key,
			    *val = when->pairs[i].value;
		subject sb;
		if (!resolve_subject(L, t, k, &sb)) {
			ok = false;
			continue;
		}
		if (val->kind == YN_SEQ) {
			pl_error(L, val, "write {in: [A, B]}",
				 "expected a value or a test like {gte: 100}, "
				 "got a list");
			ok = false;
		} else if (val->kind == YN_MAP) {
			if (val->n_pairs == 0) {
				pl_error(L, val, NULL,
					 "expected a test like {gte: 100}, got "
					 "an empty mapping");
				ok = false;
			}
			for (size_t j = 0; j < val->n_pairs; j++) {
				const ynode *opk = val->pairs[j].key;
				int op = -1;
				for (size_t o = 0; o < ARRAY_LEN(op_names); o++)
					if (ynode_text_is(opk, op_names[o]))
						op = (int)o;
				if (op < 0) {
					char hint[160];
					pl_error(
					    L, opk,
					    pl_did_you_mean(
						hint, sizeof hint, opk->text,
						op_names, ARRAY_LEN(op_names)),
					    "unknown test '%.*s': expected "
					    "matches, eq, ne, in, lt, lte, "
					    "gt or gte",
					    (int)opk->len, opk->text);
					ok = false;
					continue;
				}
				if (compile_test(L, v, &sb, op,
						 val->pairs[j].value,
						 &out->items[out->n]))
					out->n++;
				else
					ok = false;
			}
		} else {
			/* plain text on a string field is a pattern, any other
			 * plain value an equality test */
			bool pattern =
			    sb.s == SUBJ_FIELD && sb.fd->type == FT_STRING;
			if (compile_test(L, v, &sb,
					 pattern ? OP_MATCHES : OP_EQ, val,
					 &out->items[out->n]))
				out->n++;
			else
				ok = false;
		}
	}
	return ok;
}

/* A row's label: its `label:`, else the first condition's value as
 * written, else "all". */
static const char *row_label(ploader *L, const ynode *row)
{
	const ynode *x = pl_optional(row, "label"), *when;
	const char *s = NULL;
	strbuf sb;

	if (x) {
		if (pl_get_string(L, x, "a label", &s))
			return s;
		return NULL;
	}
	when = pl_optional(row, "when");
	if (!when || when->kind != YN_MAP || when->n_pairs == 0) {
		s = arena_strdup(L->mem, "all");
	} else {
		const ynode *val = when->pairs[0].value;
		if (val->kind == YN_MAP && val->n_pairs > 0)
			val = val->pairs[0].value;
		sb_init(&sb);
		value_text(&sb, val, false);
		s = sb.oom ? NULL
			   : arena_strndup(L->mem, sb.len ? sb_cstr(&sb) : "",
					   sb.len);
		sb_finish(&sb);
	}
	if (!s)
		L->oom = true;
	return s;
}

/* ---- commission ---- */

static void compile_rates(ploader *L, const policy_version *v, rule *r,
			  const event_type *t, const ynode *n, bool *per_unit)
{
	static const char *const keys[] = {"when", "rate", "per_unit", "label"};

	if (!pl_expect_seq(L, n,
			   "a list of rate rows like {when: ..., rate: 8%}"))
		return;
	if (n->n_items == 0) {
		pl_error(L, n, NULL, "expected at least one rate row");
		return;
	}
	r->rates = pl_array(L, n->n_items, sizeof *r->rates);
	if (!r->rates)
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const ynode *row = n->items[i], *rate, *pu;
		rate_row *rr = &r->rates[r->n_rates];
		if (!pl_expect_map(L, row,
				   "a rate row like {when: ..., rate: 8%}"))
			continue;
		pl_check_keys(L, row, keys, ARRAY_LEN(keys));
		rr->loc = pl_loc(L, row);
		rate = ynode_get(row, "rate");
		pu = ynode_get(row, "per_unit");
		if (rate && pu) {
			pl_error(L, pu, NULL,
				 "a row gives either 'rate' or 'per_unit', not "
				 "both");
			continue;
		}
		if (!rate && !pu) {
			pl_error(L, row, "or 'per_unit' for an amount per unit",
				 "missing required key 'rate'");
			continue;
		}
		if (rate &&
		    !pl_get_ratio(L, rate, RATIO_RATE, "rate", &rr->rate))
			continue;
		if (pu) {
			if (!pl_get_money(L, v, pu, "per_unit", false,
					  &rr->rate))
				continue;
			rr->per_unit = true;
			*per_unit = true;
		}
		if (t &&
		    !compile_when(L, v, t, ynode_get(row, "when"), &rr->when))
			continue;
		rr->label = row_label(L, row);
		r->n_rates++;
	}
}

static void compile_factors(ploader *L, const policy_version *v, rule *r,
			    const event_type *t, const ynode *n)
{
	static const char *const keys[] = {"name", "rows"};
	static const char *const row_keys[] = {"when", "factor", "label"};

	if (!pl_expect_seq(
		L, n, "a list of factor tables like {name: ..., rows: [...]}"))
		return;
	r->factors = pl_array(L, n->n_items, sizeof *r->factors);
	if (n->n_items && !r->factors)
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const ynode *m = n->items[i], *x, *rows;
		factor_table *ft = &r->factors[r->n_factors];
		if (!pl_expect_map(
			L, m, "a factor table like {name: ..., rows: [...]}"))
			continue;
		pl_check_keys(L, m, keys, ARRAY_LEN(keys));
		if ((x = pl_required(L, m, "name")))
			pl_get_string(L, x, "a name", &ft->name);
		rows = pl_required(L, m, "rows");
		if (!rows ||
		    !pl_expect_seq(
			L, rows,
			"a list of rows like {when: ..., factor: 1.1}"))
			continue;
		ft->rows = pl_array(L, rows->n_items, sizeof *ft->rows);
		if (rows->n_items && !ft->rows)
			continue;
		for (size_t j = 0; j < rows->n_items; j++) {
			const ynode *row = rows->items[j];
			factor_row *fr = &ft->rows[ft->n_rows];
			if (!pl_expect_map(
				L, row, "a row like {when: ..., factor: 1.1}"))
				continue;
			pl_check_keys(L, row, row_keys, ARRAY_LEN(row_keys));
			fr->loc = pl_loc(L, row);
			x = pl_required(L, row, "factor");
			if (!x || !pl_get_ratio(L, x, RATIO_MULTIPLIER,
						"factor", &fr->factor))
				continue;
			if (t && !compile_when(L, v, t, ynode_get(row, "when"),
					       &fr->when))
				continue;
			fr->label = row_label(L, row);
			ft->n_rows++;
		}
		r->n_factors++;
	}
}

/* A band boundary: a fraction of quota for attainment, else money. */
static bool band_value(ploader *L, const policy_version *v, tier_basis basis,
		       const ynode *n, const char *what, dec *out)
{
	if (basis == TIER_ATTAINMENT)
		return pl_get_ratio(L, n, RATIO_ATTAINMENT, what, out);
	return pl_get_money(L, v, n, what, false, out);
}

static tier_spec *compile_tiers(ploader *L, const policy_version *v,
				const ynode *n)
{
	static const char *const keys[] = {"basis", "measure", "method",
					   "boundary", "bands"};
	static const char *const band_keys[] = {"upto", "from", "rate",
						"multiplier"};
	static const char *const bases[] = {"amount", "attainment"};
	static const char *const measures[] = {"event", "running", "period"};
	static const char *const methods[] = {"marginal", "retroactive"};
	static const char *const boundaries[] = {"lower", "upper"};
	const ynode *x, *bands, *prev_upto = NULL;
	bool basis_ok = false, prev_ok = false;
	int c;

	if (!pl_expect_map(L, n,
			   "a mapping with basis, measure, method and bands"))
		return NULL;
	tier_spec *ts = pl_alloc(L, sizeof *ts);
	if (!ts)
		return NULL;
	pl_check_keys(L, n, keys, ARRAY_LEN(keys));
	if ((x = pl_required(L, n, "basis")) &&
	    (c = pl_get_choice(L, x, bases, ARRAY_LEN(bases))) >= 0) {
		ts->basis = (tier_basis)c;
		basis_ok = true;
	}
	if ((x = pl_required(L, n, "measure")) &&
	    (c = pl_get_choice(L, x, measures, ARRAY_LEN(measures))) >= 0)
		ts->measure = (tier_measure)c;
	if ((x = pl_required(L, n, "method")) &&
	    (c = pl_get_choice(L, x, methods, ARRAY_LEN(methods))) >= 0)
		ts->method = (tier_method)c;
	if ((x = ynode_get(n, "boundary")) &&
	    (c = pl_get_choice(L, x, boundaries, ARRAY_LEN(boundaries))) >= 0)
		ts->boundary_upper = c == 1;
	bands = pl_required(L, n, "bands");
	if (!bands ||
	    !pl_expect_seq(L, bands,
			   "a list of bands like {upto: 100%, multiplier: 1}"))
		return ts;
	if (bands->n_items == 0) {
		pl_error(L, bands, NULL, "tiers need at least one band");
		return ts;
	}
	ts->bands = pl_array(L, bands->n_items, sizeof *ts->bands);
	if (!ts->bands)
		return ts;
	dec prev = dec_zero();
	for (size_t i = 0; i < bands->n_items; i++) {
		const ynode *b = bands->items[i], *upto, *from, *rate, *mult;
		tier_band *tb = &ts->bands[ts->n_bands];
		bool last = i + 1 == bands->n_items;
		if (!pl_expect_map(L, b,
				   "a band like {upto: 100%, multiplier: 1}"))
			continue;
		pl_check_keys(L, b, band_keys, ARRAY_LEN(band_keys));
		tb->loc = pl_loc(L, b);
		upto = ynode_get(b, "upto");
		from = ynode_get(b, "from");
		rate = ynode_get(b, "rate");
		mult = ynode_get(b, "multiplier");
		if (rate && mult) {
			pl_error(L, mult, NULL,
				 "a band gives either 'rate' or 'multiplier', "
				 "not both");
		} else if (!rate && !mult) {
			pl_error(L, b, "or 'rate' to replace the rate",
				 "missing required key 'multiplier'");
		} else if (rate) {
			tb->is_rate = pl_get_ratio(L, rate, RATIO_RATE, "rate",
						   &tb->value);
		} else {
			pl_get_ratio(L, mult, RATIO_MULTIPLIER, "multiplier",
				     &tb->value);
		}
		if (basis_ok && from && (i == 0 || prev_ok)) {
			dec f;
			if (band_value(L, v, ts->basis, from, "from", &f)) {
				int cmp = dec_cmp(f, prev);
				if (cmp > 0 && i == 0)
					pl_error(
					    L, from, NULL,
					    "gap: the first band starts at "
					    "%s, not at 0",
					    from->text);
				else if (cmp > 0)
					pl_error(L, from, NULL,
						 "gap between %s and %s: this "
						 "band starts at %s but the "
						 "previous band ends at %s",
						 prev_upto->text, from->text,
						 from->text, prev_upto->text);
				else if (cmp < 0)
					pl_error(L, from, NULL,
						 "band overlaps the previous "
						 "one: it starts at %s but the "
						 "previous band ends at %s",
						 from->text, prev_upto->text);
			}
		}
		prev_ok = false;
		if (!upto) {
			if (!last)
				pl_error(L, b, "give it an 'upto'",
					 "only the last band may leave out "
					 "'upto'");
		} else if (last) {
			pl_error(
			    L, upto,
			    "add a last band without 'upto' (like "
			    "{multiplier: 1.5}) for everything above",
			    "the last band must be open-ended (no 'upto')");
		} else if (basis_ok && band_value(L, v, ts->basis, upto, "upto",
						  &tb->upto)) {
			tb->has_upto = true;
			if (dec_cmp(tb->upto, prev) <= 0)
				pl_error(L, upto,
					 "list bands in increasing order",
					 "band upto %s is not above %s%s",
					 upto->text,
					 prev_upto ? "the previous band's upto "
						   : "",
					 prev_upto ? prev_upto->text : "0");
			prev = tb->upto;
			prev_upto = upto;
			prev_ok = true;
		}
		ts->n_bands++;
	}
	return ts;
}

static void compile_commission(ploader *L, const policy_version *v, rule *r,
			       const event_type *t, const ynode *m)
{
	static const char *const selects[] = {"first", "most_specific"};
	const ynode *x, *rates;
	bool per_unit = false;
	int c;

	const ynode *base = pl_optional(m, "base");
	if ((x = base)) {
		/* `base: credited`: the credited total, unless the type has a
		 * field of that name */
		if (ynode_text_is(x, "credited") &&
		    (!t || lookup_field(L, t, x->text, x->len) < 0))
			r->base_field = RULE_BASE_CREDITED;
		else if (t)
			r->base_field = field_ref(L, t, x, FT_MONEY, "base");
	} else if (t) {
		r->base_field = t->credit_field;
		if (r->base_field < 0 &&
		    !quiet_has(L, 'c', t->name, strlen(t->name), NULL))
			pl_error(L, m,
				 "name the money field the rate applies to",
				 "missing required key 'base' (event type '%s' "
				 "has no credit field)",
				 t->name);
	}
	if ((x = pl_optional(m, "units")) && t)
		r->units_field = field_ref(L, t, x, FT_INTEGER, "units");
	if ((x = ynode_get(m, "select")) &&
	    (c = pl_get_choice(L, x, selects, ARRAY_LEN(selects))) >= 0)
		r->select_most_specific = c == 1;
	rates = pl_optional(m, "rates");
	if (rates)
		compile_rates(L, v, r, t, rates, &per_unit);
	if (per_unit && r->units_field < 0 && !pl_optional(m, "units"))
		pl_error(L, m,
			 "rows with per_unit pay per unit of an integer field",
			 "missing required key 'units'");
	if ((x = pl_optional(m, "factors")))
		compile_factors(L, v, r, t, x);
	if ((x = ynode_get(m, "tiers")))
		r->tiers = compile_tiers(L, v, x);
	if ((x = ynode_get(m, "threshold")) &&
	    pl_get_ratio(L, x, RATIO_ATTAINMENT, "threshold", &r->threshold))
		r->has_threshold = true;
	if (r->base_field == RULE_BASE_CREDITED) {
		/* paid once per period on the credited total (deals less
		 * refunds): the rate comes from the bands */
		if (!r->tiers || r->tiers->measure != MEASURE_PERIOD)
			pl_error(L, base,
				 "add tiers with `measure: period` whose bands "
				 "give a rate",
				 "base: credited is paid at period end on the "
				 "credited total: it needs tiers measured over "
				 "the period");
		if (rates || pl_optional(m, "factors") || pl_optional(m, "units"))
			pl_error(L, base,
				 "give the rate in the tiers' bands",
				 "base: credited takes no rates, factors or "
				 "units");
	}
	if (rates)
		return;
	if (!r->tiers) {
		pl_error(L, m, "or tiers whose bands give a 'rate'",
			 "missing required key 'rates'");
		return;
	}
	/* no rates: every band must give the rate itself */
	const ynode *bands = ynode_get(ynode_get(m, "tiers"), "bands");
	for (size_t i = 0; bands && bands->kind == YN_SEQ && i < bands->n_items;
	     i++) {
		const ynode *mult = ynode_get(bands->items[i], "multiplier");
		if (mult)
			pl_error(L, mult,
				 "give the band a 'rate', or the rule 'rates'",
				 "band gives a multiplier but the rule has no "
				 "'rates' to multiply");
	}
}

/* ---- the other kinds ---- */

static void compile_spiff(ploader *L, const policy_version *v, rule *r,
			  const event_type *t, const ynode *m)
{
	const ynode *amount = pl_optional(m, "amount"),
		    *pu = pl_optional(m, "per_unit"), *x, *from, *to;

	if (amount && pu) {
		pl_error(
		    L, pu, NULL,
		    "a spiff gives either 'amount' or 'per_unit', not both");
	} else if (!amount && !pu) {
		pl_error(L, m, "or 'per_unit' with 'units'",
			 "missing required key 'amount'");
	} else if (amount) {
		pl_get_money(L, v, amount, "amount", false, &r->amount);
	} else {
		r->per_unit = true;
		pl_get_money(L, v, pu, "per_unit", false, &r->amount);
		if (!pl_optional(m, "units"))
			pl_error(L, m,
				 "per_unit pays per unit of an integer field",
				 "missing required key 'units'");
	}
	if ((x = pl_optional(m, "units")) && t)
		r->units_field = field_ref(L, t, x, FT_INTEGER, "units");
	from = ynode_get(m, "from");
	to = ynode_get(m, "to");
	if (from || to) {
		bool ok = true;
		r->has_window = true;
		r->from = date_from_ymd(1, 1, 1);
		r->to = date_from_ymd(9999, 12, 31);
		if (from)
			ok = pl_get_date(L, from, &r->from) && ok;
		if (to)
			ok = pl_get_date(L, to, &r->to) && ok;
		if (ok && from && to && r->from > r->to)
			pl_error(L, from,
				 "the window runs from `from` to `to`, both "
				 "days included",
				 "from %s is after to %s", from->text,
				 to->text);
	}
	if ((x = ynode_get(m, "cap")) &&
	    pl_get_money(L, v, x, "cap", false, &r->cap))
		r->has_cap = true;
}

static void compile_bonus(ploader *L, const policy_version *v, rule *r,
			  const ynode *m)
{
	static const char *const band_keys[] = {"from", "pay"};
	const ynode *x, *bands, *prev_from = NULL;

	r->at_period_end = true;
	if ((x = pl_required(L, m, "target"))) {
		if (ynode_text_is(x, "level")) {
			r->target_from_level = true;
			if (v->n_levels == 0)
				pl_error(L, x,
					 "add a `ladder:` with target_bonus "
					 "for each level",
					 "target: level, but the policy has no "
					 "ladder");
			for (size_t i = 0; i < v->n_levels; i++)
				if (!v->levels[i].has_target_bonus)
					pl_error(
					    L, x,
					    "give every level a target_bonus",
					    "target: level, but level '%s' "
					    "(line %u) has no target_bonus",
					    v->levels[i].id,
					    v->levels[i].loc.line);
		} else {
			pl_get_money(L, v, x, "target", false, &r->target);
		}
	}
	bands = pl_required(L, m, "bands");
	if (!bands ||
	    !pl_expect_seq(L, bands,
			   "a list of bands like {from: 100%, pay: 100%}"))
		return;
	if (bands->n_items == 0) {
		pl_error(L, bands, NULL, "a bonus needs at least one band");
		return;
	}
	r->bands = pl_array(L, bands->n_items, sizeof *r->bands);
	if (!r->bands)
		return;
	for (size_t i = 0; i < bands->n_items; i++) {
		const ynode *b = bands->items[i], *from, *pay;
		bonus_band *bb = &r->bands[r->n_bands];
		if (!pl_expect_map(L, b, "a band like {from: 100%, pay: 100%}"))
			continue;
		pl_check_keys(L, b, band_keys, ARRAY_LEN(band_keys));
		bb->loc = pl_loc(L, b);
		from = pl_required(L, b, "from");
		pay = pl_required(L, b, "pay");
		bool ok = from && pl_get_ratio(L, from, RATIO_ATTAINMENT,
					       "from", &bb->from);
		ok = pay &&
		     pl_get_ratio(L, pay, RATIO_ATTAINMENT, "pay", &bb->pay) &&
		     ok;
		if (!ok)
			continue;
		if (r->n_bands > 0 &&
		    dec_cmp(bb->from, r->bands[r->n_bands - 1].from) <= 0)
			pl_error(
			    L, from, "list bands in increasing order of 'from'",
			    "band from %s is not above the previous band's "
			    "from %s",
			    from->text, prev_from->text);
		prev_from = from;
		r->n_bands++;
	}
}

/* The ids of the rules of this version, for references between rules. */
typedef struct rule_ids {
	const char **ids; /* valid ids, in order */
	uint32_t *slots;
	size_t n;
	strmap ix; /* id -> position in ids */
} rule_ids;

/* Reads a rule id or a list of them into slots. */
static void compile_rule_refs(ploader *L, const rule_ids *ids, const ynode *n,
			      uint32_t **out, size_t *n_out)
{
	const ynode *one[1] = {n};
	const ynode *const *items = one;
	size_t count = 1;

	if (n && n->kind == YN_SEQ) {
		items = (const ynode *const *)n->items;
		count = n->n_items;
		if (count == 0) {
			pl_error(L, n, NULL, "expected at least one rule id");
			return;
		}
	}
	*out = pl_array(L, count, sizeof **out);
	if (!*out)
		return;
	for (size_t i = 0; i < count; i++) {
		const ynode *x = items[i];
		char hint[160];
		uint32_t j = 0;
		if (!pl_expect_scalar(L, x, "a rule id"))
			continue;
		if (strmap_get(&ids->ix, x->text, x->len, &j))
			(*out)[(*n_out)++] = ids->slots[j];
		else if (!quiet_has(L, 'r', x->text, x->len, NULL))
			pl_error(L, x,
				 pl_did_you_mean(hint, sizeof hint, x->text,
						 ids->ids, ids->n),
				 "unknown rule '%.*s'", (int)x->len, x->text);
	}
}

static void compile_clawback(ploader *L, rule *r, const event_type *t,
			     const ynode *m, const rule_ids *ids)
{
	const ynode *x;
	int64_t days;

	if ((x = pl_required(L, m, "ref")) && t)
		r->ref_field = field_ref(L, t, x, FT_REF, "ref");
	if ((x = pl_optional(m, "amount")) && t)
		r->amount_field = field_ref(L, t, x, FT_MONEY, "amount");
	if ((x = ynode_get(m, "window_days")) &&
	    pl_get_int(L, x, 0, 36500, &days))
		r->window_days = (int32_t)days;
	if ((x = pl_required(L, m, "reverses")))
		compile_rule_refs(L, ids, x, &r->reverses, &r->n_reverses);
}

static void compile_cap(ploader *L, const policy_version *v, rule *r,
			const ynode *m, const rule_ids *ids)
{
	const ynode *x;

	r->at_period_end = true;
	if ((x = pl_required(L, m, "applies_to")))
		compile_rule_refs(L, ids, x, &r->applies_to, &r->n_applies);
	if ((x = pl_required(L, m, "max")))
		pl_get_money(L, v, x, "max", false, &r->max);
}

static int cmp_param_key(const void *a, const void *b)
{
	const param *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* Converts a `params:` value for Lua: plain true/false/null, whole numbers
 * and decimals (percentages as fractions) get their type, anything quoted
 * or else stays text. */
static void compile_param(ploader *L, const ynode *n, param *out)
{
	dec d;

	if (n->kind == YN_SEQ || n->kind == YN_MAP) {
		size_t count = n->kind == YN_SEQ ? n->n_items : n->n_pairs;
		out->type = n->kind == YN_SEQ ? PV_LIST : PV_MAP;
		out->u.list.items = pl_array(L, count, sizeof(param));
		if (count && !out->u.list.items)
			return;
		out->u.list.n = count;
		for (size_t i = 0; i < count; i++) {
			param *p = &out->u.list.items[i];
			if (n->kind == YN_SEQ) {
				compile_param(L, n->items[i], p);
			} else {
				p->key = pl_text(L, n->pairs[i].key);
				compile_param(L, n->pairs[i].value, p);
			}
		}
		if (n->kind == YN_MAP && count > 1 && !L->oom)
			qsort(out->u.list.items, count, sizeof(param),
			      cmp_param_key);
		return;
	}
	if (n->style == YS_PLAIN) {
		if (ynode_is_null(n)) {
			out->type = PV_NULL;
			return;
		}
		if (ynode_text_is(n, "true") || ynode_text_is(n, "false")) {
			out->type = PV_BOOL;
			out->u.b = ynode_text_is(n, "true");
			return;
		}
		if (pl_parse_i64(n->text, n->len, &out->u.i)) {
			out->type = PV_INT;
			return;
		}
		if (dec_parse(&d, n->text, n->len, true) == DEC_OK) {
			out->type = PV_DEC;
			out->u.d = d;
			return;
		}
	}
	out->type = PV_STR;
	out->u.s = pl_text(L, n);
}

static void compile_script_rule(ploader *L, rule *r, const ynode *m)
{
	static const char *const ats[] = {"period_end"};
	const ynode *x;

	if ((x = ynode_get(m, "at"))) {
		if (pl_get_choice(L, x, ats, 1) == 0)
			r->at_period_end = true;
	}
	if ((x = pl_required(L, m, "script")))
		r->script = pl_script_ref(L, x);
	if ((x = pl_required(L, m, "function"))) {
		if (!is_identifier(x))
			pl_error(
			    L, x, NULL,
			    "expected a Lua function name like kicker, got "
			    "'%.*s'",
			    (int)x->len, x->text);
		else
			r->function = pl_text(L, x);
	}
	r->params.type = PV_MAP;
	if ((x = pl_optional(m, "params")) &&
	    pl_expect_map(L, x, "a mapping of parameters like {rate: 1%}"))
		compile_param(L, x, &r->params);
}

/* ---- rules ---- */

static const char *const kind_names[] = {
    "commission", "spiff",    "bonus",	   "clawback", "cap",
    "script",	  "discipline", "duty", "training", "promotion",
    "demotion",	  "appraisal",
    /* pay plans: compiled by policy_plans.c */
    "override", "draw", "objective", "windfall", "earning"};
static const char *const common_keys[] = {"id", "kind", "section",
					  "description", "when"};
static const char *const kind_keys[][12] = {
    [RULE_COMMISSION] = {"on", "base", "units", "select", "rates", "factors",
			 "tiers", "threshold"},
    [RULE_SPIFF] = {"on", "amount", "per_unit", "units", "from", "to", "cap"},
    [RULE_BONUS] = {"target", "bands"},
    [RULE_CLAWBACK] = {"on", "ref", "amount", "window_days", "reverses"},
    [RULE_CAP] = {"applies_to", "max"},
    [RULE_SCRIPT] = {"on", "at", "script", "function", "params"},
    /* conduct and careers: compiled by policy_conduct.c */
    [RULE_DISCIPLINE] = {"on", "category", "severity", "active_for",
			 "progressive", "steps", "escalate", "fine_limit"},
    [RULE_DUTY] = {"on", "every", "covers", "due_days", "violation"},
    [RULE_TRAINING] = {"on", "course", "min_score", "within_days", "by",
		       "hold", "violation", "course_field", "score_field"},
    [RULE_PROMOTION] = {"from", "to", "attainment", "tenure_months",
			"training", "max_discipline", "min_rating",
			"approval"},
    [RULE_DEMOTION] = {"from", "to", "attainment", "tenure_months",
		       "approval"},
    [RULE_APPRAISAL] = {"scale", "ratings"},
    /* pay plans: compiled by policy_plans.c */
    [RULE_OVERRIDE] = {"on", "base", "rate", "levels"},
    [RULE_DRAW] = {"amount", "recoverable", "recovery_rate", "floor",
		   "periods", "on_leave", "applies_to"},
    [RULE_OBJECTIVE] = {"target", "share", "objectives", "from", "above",
			"cap"},
    [RULE_WINDFALL] = {"on", "above", "rate"},
    [RULE_EARNING] = {"at", "on", "ref", "amount", "holds"},
};

static bool key_of_kind(const ynode *k, int kind)
{
	for (size_t i = 0; i < ARRAY_LEN(kind_keys[0]) && kind_keys[kind][i];
	     i++)
		if (ynode_text_is(k, kind_keys[kind][i]))
			return true;
	return false;
}

/* Unknown keys of a rule: keys of another kind get their own message. */
static void check_rule_keys(ploader *L, const ynode *m, int kind)
{
	const char
	    *allowed[ARRAY_LEN(common_keys) +
		     ARRAY_LEN(kind_names) * ARRAY_LEN(kind_keys[0])];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(common_keys); i++)
		allowed[n++] = common_keys[i];
	for (int k = 0; k < (int)ARRAY_LEN(kind_names); k++) {
		if (kind >= 0 && k != kind)
			continue;
		for (size_t i = 0;
		     i < ARRAY_LEN(kind_keys[0]) && kind_keys[k][i]; i++) {
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = strcmp(allowed[j], kind_keys[k][i]) == 0;
			if (!dup)
				allowed[n++] = kind_keys[k][i];
		}
	}
	for (size_t i = 0; i < m->n_pairs; i++) {
		const ynode *k = m->pairs[i].key;
		char hint[160];
		bool ok = false;
		for (size_t j = 0; j < n && !ok; j++)
			ok = ynode_text_is(k, allowed[j]);
		if (ok)
			continue;
		const char *h =
		    pl_did_you_mean(hint, sizeof hint, k->text, allowed, n);
		int other = -1;
		for (int o = 0; o < (int)ARRAY_LEN(kind_names) && other < 0;
		     o++)
			if (key_of_kind(k, o))
				other = o;
		if (kind >= 0 && other >= 0)
			pl_error(L, k, h,
				 "key '%s' does not apply to %s %s rule",
				 k->text,
				 strchr("aeiou", kind_names[kind][0]) ? "an" : "a",
				 kind_names[kind]);
		else
			pl_error(L, k, h, "unknown key '%.*s'",
				 k->len > 100 ? 100 : (int)k->len, k->text);
	}
}

/* [a-z0-9][a-z0-9-]* */
static bool is_rule_id(const ynode *n)
{
	if (!n || n->kind != YN_SCALAR || n->len == 0 || n->len > 100)
		return false;
	for (size_t i = 0; i < n->len; i++) {
		char c = n->text[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c == '-' && i > 0)))
			return false;
	}
	return true;
}

static void compile_rule(ploader *L, const policy_version *v, rule *r,
			 const ynode *m, const rule_ids *ids)
{
	const ynode *x, *on;
	const event_type *t = NULL;
	bool per_event;
	int kind = -1;

	r->on_type = -1;
	r->base_field = -1;
	r->units_field = -1;
	r->ref_field = -1;
	r->amount_field = -1;
	r->window_days = -1;
	r->script = -1;
	r->loc = pl_loc(L, m);
	if ((x = pl_required(L, m, "kind")))
		kind = pl_get_choice(L, x, kind_names, ARRAY_LEN(kind_names));
	check_rule_keys(L, m, kind);
	if ((x = ynode_get(m, "section")))
		pl_get_string(L, x, "a section like \"5.1\"", &r->section);
	if ((x = ynode_get(m, "description")))
		pl_get_string(L, x, "a sentence", &r->description);
	if (kind < 0)
		return;
	r->kind = (rule_kind)kind;

	on = ynode_get(m, "on");
	per_event = kind == RULE_COMMISSION || kind == RULE_SPIFF ||
		    kind == RULE_DISCIPLINE || kind == RULE_DUTY ||
		    kind == RULE_TRAINING ||
		    kind == RULE_OVERRIDE || kind == RULE_WINDFALL ||
		    (kind == RULE_EARNING &&
		     !ynode_text_is(ynode_get(m, "at"), "booking")) ||
		    kind == RULE_CLAWBACK ||
		    (kind == RULE_SCRIPT && !ynode_get_pair(m, "at"));
	if (kind == RULE_SCRIPT && on && ynode_get_pair(m, "at")) {
		pl_error(L, on, NULL,
			 "a script rule fires either `on:` an event type or "
			 "`at: period_end`, not both");
		return;
	}
	if (per_event) {
		if (!on && !ynode_get_pair(m, "on")) {
			pl_error(L, m,
				 kind == RULE_SCRIPT ? "or `at: period_end`"
						     : NULL,
				 "missing required key 'on'");
		} else if ((r->on_type = type_ref(L, v, on)) >= 0) {
			t = &v->types[r->on_type];
		}
	}
	/* conditions on fields need the event type: skip them when `on` is
	 * wrong rather than report every field as unknown */
	if ((x = ynode_get(m, "when")) && (t || !per_event))
		compile_when(L, v, t, x, &r->when);

	switch (r->kind) {
	case RULE_COMMISSION:
		compile_commission(L, v, r, t, m);
		break;
	case RULE_SPIFF:
		compile_spiff(L, v, r, t, m);
		break;
	case RULE_BONUS:
		compile_bonus(L, v, r, m);
		break;
	case RULE_CLAWBACK:
		compile_clawback(L, r, t, m, ids);
		break;
	case RULE_CAP:
		compile_cap(L, v, r, m, ids);
		break;
	case RULE_SCRIPT:
		compile_script_rule(L, r, m);
		break;
	case RULE_OVERRIDE:
	case RULE_DRAW:
	case RULE_OBJECTIVE:
	case RULE_WINDFALL:
	case RULE_EARNING: /* pay plans */
		pl_compile_plan_rule(L, v, r, t, m);
		break;
	default: /* conduct and careers kinds */
		pl_compile_conduct_rule(L, v, r, t, m);
		break;
	}
}

void pl_compile_rules(ploader *L, policy_version *v, const ynode *node)
{
	rule_ids ids = {0};
	const ynode **id_nodes = NULL;
	int *ix = NULL;

	strmap_init(&ids.ix);
	if (!pl_expect_seq(L, node, "a list of rules") || node->n_items == 0)
		goto done;
	v->rules = pl_array(L, node->n_items, sizeof *v->rules);
	ids.ids = calloc(node->n_items, sizeof *ids.ids);
	ids.slots = calloc(node->n_items, sizeof *ids.slots);
	id_nodes = calloc(node->n_items, sizeof *id_nodes);
	ix = calloc(node->n_items, sizeof *ix);
	if (!v->rules || !ids.ids || !ids.slots || !id_nodes || !ix) {
		L->oom = true;
		goto done;
	}
	/* every id first: rules may refer to rules listed after them */
	for (size_t i = 0; i < node->n_items; i++) {
		const ynode *m = node->items[i], *x;
		ix[i] = -1;
		if (!pl_expect_map(L, m, "a rule (a mapping with id and kind)"))
			continue;
		if (!(x = pl_required(L, m, "id")))
			continue;
		if (!is_rule_id(x)) {
			char got[128];
			pl_error(L, x,
				 "use lowercase letters, digits and '-', like "
				 "base-commission",
				 "bad rule id %s",
				 ynode_describe(x, got, sizeof got));
			if (x->kind == YN_SCALAR)
				quiet_add(L, 'r', x->text, x->len, NULL);
			continue;
		}
		uint32_t first = 0;
		int r = strmap_put(&ids.ix, x->text, x->len, (uint32_t)ids.n,
				   &first);
		if (r < 0) {
			L->oom = true;
			goto done;
		}
		if (r == 0) {
			pl_error(L, x, NULL,
				 "duplicate rule id '%s' (first at line %u)",
				 x->text, id_nodes[first]->line);
			continue;
		}
		const char *id = pl_text(L, x);
		if (!id)
			goto done;
		id_nodes[ids.n] = x;
		ids.slots[ids.n] = pl_rule_slot(L, id);
		ids.ids[ids.n] = id;
		ix[i] = (int)ids.n++;
	}
	for (size_t i = 0; i < node->n_items && !L->oom; i++) {
		if (ix[i] < 0)
			continue;
		rule *r = &v->rules[v->n_rules++];
		r->id = ids.ids[ix[i]];
		r->slot = ids.slots[ix[i]];
		compile_rule(L, v, r, node->items[i], &ids);
	}
	if (!L->oom)
		pl_link_conduct_rules(L, v);
	if (!L->oom)
		pl_link_plan_rules(L, v);
	/* each type's rules */
	for (size_t t = 0; t < v->n_types && !L->oom; t++) {
		event_type *ty = &v->types[t];
		for (size_t i = 0; i < v->n_rules; i++)
			ty->n_rules += v->rules[i].on_type == (int)t;
		if (ty->n_rules == 0)
			continue;
		ty->rules = pl_array(L, ty->n_rules, sizeof *ty->rules);
		if (!ty->rules) {
			L->oom = true;
			break;
		}
		ty->n_rules = 0;
		for (size_t i = 0; i < v->n_rules; i++)
			if (v->rules[i].on_type == (int)t)
				ty->rules[ty->n_rules++] = (uint32_t)i;
	}
done:
	strmap_finish(&ids.ix);
	free(ids.ids);
	free(ids.slots);
	free(id_nodes);
	free(ix);
}

/* ---- helpers for policy_plans.c (policy-int.h) ---- */

bool pl_compile_when(ploader *L, const policy_version *v, const event_type *t,
		     const ynode *when, cond_list *out)
{
	return compile_when(L, v, t, when, out);
}

int pl_type_ref(ploader *L, const policy_version *v, const ynode *n)
{
	return type_ref(L, v, n);
}

int pl_field_ref(ploader *L, const event_type *t, const ynode *n, int want,
		 const char *key)
{
	return field_ref(L, t, n, want, key);
}
