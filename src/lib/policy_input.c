/*
 * policy_input.c: the `input:` key of a policy version: how the event
 * files are read.
 *
 *   input:
 *     columns: {person: rep}   # the files name the person column `rep`
 *     ids: numeric             # event ids are numbers, ordered as numbers
 *
 * `columns` renames the four columns every event has (id, date, type,
 * person); the fields of the event types keep their own names.  With
 * `ids: numeric` every event id must be a number (digits only) and events
 * of one day are evaluated in the order of their numbers (9 before 10);
 * the default, `ids: text`, orders ids byte by byte.  The input files are
 * read once for all versions, so every version must say the same.
 */
#include <string.h>

#include "policy-int.h"

static const char *const std_columns[INPUT_N_COLUMNS] = {"id", "date", "type",
							 "person"};

/* A column name: a non-empty printable word without ',' or '"'. */
static bool column_name_ok(const ynode *n)
{
	if (!n || n->kind != YN_SCALAR || n->len == 0 || n->len > 64)
		return false;
	for (size_t i = 0; i < n->len; i++) {
		unsigned char c = (unsigned char)n->text[i];
		if (c < 0x21 || c == 0x7f || c == ',' || c == '"')
			return false;
	}
	return true;
}

void pl_compile_input(ploader *L, policy_version *v, const ynode *root)
{
	static const char *const keys[] = {"columns", "ids"};
	static const char *const id_kinds[] = {"text", "numeric"};
	input_spec *in = &v->input;
	const ynode *n = ynode_get(root, "input"), *x;
	int c;

	for (size_t i = 0; i < INPUT_N_COLUMNS; i++)
		in->columns[i] = std_columns[i];
	in->numeric_ids = false;
	if (!n || ynode_is_null(n))
		return;
	in->loc = pl_loc(L, n);
	if (!pl_expect_map(L, n, "a mapping with columns: and ids:"))
		return;
	pl_check_keys(L, n, keys, 2);
	if ((x = pl_optional(n, "columns")) &&
	    pl_expect_map(L, x, "a mapping like {person: rep}")) {
		pl_check_keys(L, x, std_columns, INPUT_N_COLUMNS);
		for (size_t i = 0; i < INPUT_N_COLUMNS; i++) {
			const ynode *name = ynode_get(x, std_columns[i]);
			if (!name)
				continue;
			if (!column_name_ok(name)) {
				pl_error(L, name, NULL,
					 "expected a column name like rep, "
					 "got '%.*s'",
					 name->len > 64 ? 64 : (int)name->len,
					 name->text ? name->text : "");
				continue;
			}
			in->columns[i] = pl_text(L, name);
		}
		for (size_t i = 0; i < INPUT_N_COLUMNS; i++)
			for (size_t j = i + 1; j < INPUT_N_COLUMNS; j++)
				if (in->columns[i] && in->columns[j] &&
				    strcmp(in->columns[i], in->columns[j]) == 0)
					pl_error(L, x, NULL,
						 "columns %s and %s are both "
						 "named '%s'",
						 std_columns[i], std_columns[j],
						 in->columns[i]);
	}
	if ((x = pl_optional(n, "ids")) &&
	    (c = pl_get_choice(L, x, id_kinds, 2)) >= 0)
		in->numeric_ids = c == 1;
}

static bool input_same(const input_spec *a, const input_spec *b)
{
	if (a->numeric_ids != b->numeric_ids)
		return false;
	for (size_t i = 0; i < INPUT_N_COLUMNS; i++)
		if (!a->columns[i] || !b->columns[i] ||
		    strcmp(a->columns[i], b->columns[i]) != 0)
			return false;
	return true;
}

void pl_check_input(ploader *L, const policy_version *first,
		    const policy_version *v, const char *first_name)
{
	if (input_same(&first->input, &v->input))
		return;
	pl_error_at(L, v->file, v->input.loc.line, v->input.loc.col,
		    "the event files are read once for every version: give "
		    "every version the same `input:`",
		    "input: differs from the input of %s", first_name);
}

