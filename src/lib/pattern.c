/*
 * pattern.c: the literal prefix of an anchored pattern (see pattern.h).
 *
 * Deliberately conservative: anything it does not understand gives "no
 * prefix known", which only costs the PCRE2 call it would have saved.
 */
#include "pattern.h"

#include <string.h>

/* Bytes with a meaning in a PCRE2 pattern outside a class. */
static bool is_meta(char c)
{
	return c != '\0' && strchr("\\^$.|?*+()[]{}", c) != NULL;
}

static bool is_quantifier(char c)
{
	return c == '?' || c == '*' || c == '+' || c == '{';
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

size_t pattern_literal(const char *src, size_t n, char *lit, size_t cap,
		       bool *exact)
{
	size_t i = 1, k = 0;

	*exact = false;
	/* only ^-anchored patterns; an alternation anywhere ("^a|b") may
	 * match without the prefix: give up */
	if (n < 2 || src[0] != '^' || memchr(src, '|', n) != NULL)
		return 0;
	while (i < n && k < cap) {
		char c = src[i];
		size_t next;

		if (c == '\\') {
			/* \- \. \/ ...: the punctuation itself; \d \Q ...: stop */
			if (i + 1 >= n || is_alnum(src[i + 1]) ||
			    (unsigned char)src[i + 1] >= 0x80)
				break;
			c = src[i + 1];
			next = i + 2;
		} else if (is_meta(c)) {
			break;
		} else {
			next = i + 1;
		}
		/* a quantified byte ("^ab*") is not certain to be there */
		if (next < n && is_quantifier(src[next]))
			break;
		lit[k++] = c;
		i = next;
	}
	/* UTF-8: a quantifier after a character applies to all of its
	 * bytes, and the check above stops before the byte it follows; a
	 * character cut that way (or by cap) is not certain: drop its bytes */
	size_t whole = k, start = k;
	while (start > 0 && ((unsigned char)lit[start - 1] & 0xC0) == 0x80)
		start--;
	if (start > 0 && (unsigned char)lit[start - 1] >= 0xC0) {
		unsigned char lead = (unsigned char)lit[start - 1];
		size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

		if (k - (start - 1) < need)
			k = start - 1;
	}
	*exact = k > 0 && k == whole && i == n;
	return k;
}
