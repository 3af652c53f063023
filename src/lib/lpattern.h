/*
 * lpattern.h: an upper bound on the work of Lua's pattern matching, so
 * that the sandbox can charge string.find / match / gmatch / gsub against
 * a script's instruction budget before they run.
 *
 * Lua matches patterns in C (lstrlib.c), where the sandbox's count hook
 * never runs, and the matcher backtracks: string.find(("a"):rep(20000),
 * ".-.-.-.-.-b") would run for hours inside one VM instruction.  The
 * bound follows the matcher's structure: at one start position, an item
 * with * + or - tries at most (1 + r) lengths, where r is the longest run
 * of subject characters its class matches, and ? tries two; a back
 * reference or %b costs up to the subject's length; and the matcher tries
 * every start position unless the pattern is anchored with '^'.
 */
#ifndef INC_LPATTERN_H
#define INC_LPATTERN_H

#include <stddef.h>
#include <stdint.h>

typedef enum lpat_kind {
	LPAT_FIND,   /* find, match, gsub: a leading '^' anchors */
	LPAT_GMATCH, /* gmatch: '^' is an ordinary character */
	LPAT_PLAIN,  /* find with plain = true: a substring search */
} lpat_kind;

/* Instructions to charge for matching pattern p (m bytes) against subject
 * s (n bytes): an upper bound of the matcher's steps over all start
 * positions, divided by LPAT_STEPS_PER_INSTRUCTION, at least 1.  Stops
 * early and returns limit + 1 once the bound is known to exceed limit, so
 * that computing it costs at most a few times `limit` byte comparisons.
 * A malformed pattern is bounded up to the point the matcher would
 * reject it. */
uint64_t lpat_cost(const char *s, size_t n, const char *p, size_t m,
		   lpat_kind kind, uint64_t limit);

/* Matcher steps (a character tested against a class, a backtrack) per
 * instruction charged: a step is cheaper than a VM instruction. */
#define LPAT_STEPS_PER_INSTRUCTION 8

#endif
