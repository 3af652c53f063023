/*
 * lpattern.c: an upper bound on the work of Lua's pattern matcher (see
 * lpattern.h), from the pattern's items and the subject's character runs.
 *
 * Written from the pattern syntax of the Lua 5.4 manual (section 6.4.1)
 * and the matcher's documented behaviour, not from its code.  The bound,
 * for the items of the pattern in order:
 *
 *   starts x  PROD(1 + run_j) over the items with * + -   x 2^(items with ?)
 *          x  (m + 1)  x  (n + 1 when there is a back reference or %b)
 *
 * where run_j is the longest run of subject characters the item's class
 * matches.  For the first repeated item, when every item before it has a
 * fixed width, the product over start positions is summed exactly
 * instead: a run of L characters of its class contributes L(L+1)/2, so
 * "[^,]+" over a comma-separated list costs about its length, not its
 * square.  The (m + 1) factor is the work along one path through the
 * pattern.  Every product saturates.
 */
#include "lpattern.h"

#include <ctype.h>
#include <stdbool.h>

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Does character c belong to class letter cl (%a, %d, ...)? */
static bool match_class(unsigned char c, unsigned char cl)
{
	bool r;

	switch (tolower(cl)) {
	case 'a': r = isalpha(c); break;
	case 'c': r = iscntrl(c); break;
	case 'd': r = isdigit(c); break;
	case 'g': r = isgraph(c); break;
	case 'l': r = islower(c); break;
	case 'p': r = ispunct(c); break;
	case 's': r = isspace(c); break;
	case 'u': r = isupper(c); break;
	case 'w': r = isalnum(c); break;
	case 'x': r = isxdigit(c); break;
	default: return cl == c; /* %. %% %- ...: the character itself */
	}
	return isupper(cl) ? !r : r;
}

/* The end (index of the closing ']') of the set opening at p[i] == '[',
 * or m when the set never closes (the matcher rejects the pattern). */
static size_t set_end(const char *p, size_t m, size_t i)
{
	i++; /* past '[' */
	if (i < m && p[i] == '^')
		i++;
	/* the first character is a member even when it is ']' */
	do {
		if (i >= m)
			return m;
		if (p[i++] == '%') {
			if (i >= m)
				return m;
			i++;
		}
	} while (i >= m || p[i] != ']');
	return i;
}

/* Is c in the set p[b..e] (b at '[', e at ']')? */
static bool match_set(unsigned char c, const char *p, size_t b, size_t e)
{
	bool neg = false;
	size_t i = b + 1;

	if (i < e && p[i] == '^') {
		neg = true;
		i++;
	}
	while (i < e) {
		unsigned char x = (unsigned char)p[i];
		if (x == '%' && i + 1 < e) {
			if (match_class(c, (unsigned char)p[i + 1]))
				return !neg;
			i += 2;
		} else if (i + 2 < e && p[i + 1] == '-') {
			if (x <= c && c <= (unsigned char)p[i + 2])
				return !neg;
			i += 3;
		} else {
			if (x == c)
				return !neg;
			i++;
		}
	}
	return neg;
}

/* The single-character class at p[b..e): '.', %x, [set] or a literal. */
static bool match_item(unsigned char c, const char *p, size_t b, size_t e)
{
	switch (p[b]) {
	case '.':
		return true;
	case '%':
		return match_class(c, (unsigned char)p[b + 1]);
	case '[':
		return match_set(c, p, b, e - 1);
	default:
		return (unsigned char)p[b] == c;
	}
}

/* Longest run of subject characters the class matches, and the sum over
 * every run of L(L+1)/2 (the lengths tried from every start inside). */
static void runs(const char *s, size_t n, const char *p, size_t b, size_t e,
		 uint64_t *longest, uint64_t *tri)
{
	uint64_t cur = 0, best = 0, sum = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && match_item((unsigned char)s[i], p, b, e)) {
			cur++;
			continue;
		}
		if (cur > best)
			best = cur;
		sum = sat_add(sum, sat_mul(cur, cur + 1) / 2);
		cur = 0;
	}
	*longest = best;
	*tri = sum;
}

uint64_t lpat_cost(const char *s, size_t n, const char *p, size_t m,
		   lpat_kind kind, uint64_t limit)
{
	uint64_t starts = (uint64_t)n + 1, paths = 1, first = 0;
	uint64_t per_path = sat_add((uint64_t)m, 1), linear = 1, bound;
	bool fixed = true, have_first = false;
	size_t i = 0;

	if (kind == LPAT_PLAIN) {
		bound = sat_mul(starts, per_path);
		goto out;
	}
	if (kind == LPAT_FIND && m > 0 && p[0] == '^') {
		starts = 1;
		i = 1;
	}
	/* without repeated items the work is starts x path length: known
	 * before any run is counted */
	if (sat_mul(starts, per_path) / LPAT_STEPS_PER_INSTRUCTION > limit)
		return limit == UINT64_MAX ? limit : limit + 1;
	while (i < m) {
		char c = p[i];
		if (c == '(') {
			i += (i + 1 < m && p[i + 1] == ')') ? 2 : 1;
			continue;
		}
		if (c == ')' || (c == '$' && i + 1 == m)) {
			i++;
			continue;
		}
		if (c == '%' && i + 1 < m && p[i + 1] == 'b') {
			if (i + 3 >= m)
				break; /* malformed: the matcher stops here */
			linear = (uint64_t)n + 1;
			fixed = false;
			i += 4;
			continue;
		}
		if (c == '%' && i + 1 < m && p[i + 1] == 'f') {
			if (i + 2 >= m || p[i + 2] != '[')
				break;
			size_t e = set_end(p, m, i + 2);
			if (e >= m)
				break;
			i = e + 1; /* a frontier has no width */
			continue;
		}
		if (c == '%' && i + 1 < m && isdigit((unsigned char)p[i + 1])) {
			linear = (uint64_t)n + 1; /* a back reference */
			fixed = false;
			i += 2;
			continue;
		}
		/* one single-character class */
		size_t b = i;
		if (c == '%') {
			if (i + 1 >= m)
				break;
			i += 2;
		} else if (c == '[') {
			size_t e = set_end(p, m, i);
			if (e >= m)
				break;
			i = e + 1;
		} else {
			i++;
		}
		char q = i < m ? p[i] : '\0';
		if (q == '*' || q == '+' || q == '-') {
			uint64_t longest, tri;
			runs(s, n, p, b, i, &longest, &tri);
			if (!have_first && fixed) {
				/* summed over the start positions (or, when
				 * anchored, the one run it can start in) */
				first = sat_add(starts, tri);
				if (sat_mul(starts, longest + 1) < first)
					first = sat_mul(starts, longest + 1);
				have_first = true;
			} else {
				paths = sat_mul(paths, longest + 1);
			}
			fixed = false;
			i++;
		} else if (q == '?') {
			paths = sat_mul(paths, 2);
			fixed = false;
			i++;
		}
		bound = sat_mul(sat_mul(have_first ? first : starts, paths),
				sat_mul(per_path, linear));
		if (bound / LPAT_STEPS_PER_INSTRUCTION > limit)
			return limit == UINT64_MAX ? limit : limit + 1;
	}
	bound = sat_mul(sat_mul(have_first ? first : starts, paths),
			sat_mul(per_path, linear));
out:
	bound /= LPAT_STEPS_PER_INSTRUCTION;
	return bound ? bound : 1;
}
