/*
 * currency.c: currency minor units (a policy's own `currencies` table, then
 * a built-in ISO 4217 table) and the small lookups into the compiled model
 * declared at the end of model.h (version in force on a date, field, event
 * type and level by name).
 *
 * Currency codes are matched exactly (ISO codes are upper case).
 */
#include "model.h"

#include <string.h>

typedef struct iso_currency {
	char code[4];
	int minor;
} iso_currency;

/* ISO 4217 minor units of the currencies people are paid in. */
static const iso_currency iso_table[] = {
    {"AED", 2}, {"AUD", 2}, {"BHD", 3}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2},
    {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"CZK", 2}, {"DKK", 2}, {"EGP", 2},
    {"EUR", 2}, {"GBP", 2}, {"HKD", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2},
    {"INR", 2}, {"IQD", 3}, {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KES", 2},
    {"KRW", 0}, {"KWD", 3}, {"LYD", 3}, {"MXN", 2}, {"MYR", 2}, {"NGN", 2},
    {"NOK", 2}, {"NZD", 2}, {"OMR", 3}, {"PEN", 2}, {"PHP", 2}, {"PKR", 2},
    {"PLN", 2}, {"QAR", 2}, {"RON", 2}, {"RUB", 2}, {"SAR", 2}, {"SEK", 2},
    {"SGD", 2}, {"THB", 2}, {"TND", 3}, {"TRY", 2}, {"TWD", 2}, {"UAH", 2},
    {"UGX", 0}, {"USD", 2}, {"VND", 0}, {"XAF", 0}, {"XOF", 0}, {"ZAR", 2},
};

/* true when the NUL-terminated name equals the n bytes at s. */
static bool name_eq(const char *name, const char *s, size_t n)
{
	return name != NULL && strncmp(name, s, n) == 0 && name[n] == '\0';
}

int currency_minor_unit(const policy_version *v, const char *code, size_t len)
{
	size_t i;

	if (code == NULL || len == 0)
		return -1;
	if (memchr(code, '\0', len) != NULL)
		return -1;
	if (v != NULL) {
		for (i = 0; i < v->n_currencies; i++)
			if (name_eq(v->currencies[i].code, code, len))
				return v->currencies[i].minor;
	}
	if (len != 3)
		return -1;
	for (i = 0; i < sizeof(iso_table) / sizeof(iso_table[0]); i++)
		if (memcmp(iso_table[i].code, code, 3) == 0)
			return iso_table[i].minor;
	return -1;
}

const policy_version *policy_version_at(const inc_policy *p, date_t d)
{
	size_t lo = 0, hi;

	if (p == NULL || p->n_versions == 0)
		return NULL;
	/* First version effective after d; the one before it is in force. */
	hi = p->n_versions;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->versions[mid].effective <= d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? NULL : &p->versions[lo - 1];
}

int event_type_field(const event_type *t, const char *name)
{
	size_t i;

	if (t == NULL || name == NULL)
		return -1;
	for (i = 0; i < t->n_fields; i++)
		if (t->fields[i].name != NULL &&
		    strcmp(t->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

int version_event_type(const policy_version *v, const char *name, size_t len)
{
	size_t i;

	if (v == NULL || name == NULL || memchr(name, '\0', len) != NULL)
		return -1;
	for (i = 0; i < v->n_types; i++)
		if (name_eq(v->types[i].name, name, len))
			return (int)i;
	return -1;
}

int version_level(const policy_version *v, const char *id, size_t len)
{
	size_t i;

	if (v == NULL || id == NULL || memchr(id, '\0', len) != NULL)
		return -1;
	for (i = 0; i < v->n_levels; i++)
		if (name_eq(v->levels[i].id, id, len))
			return (int)i;
	return -1;
}
