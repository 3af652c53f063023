/*
 * pattern.h: what an anchored pattern's matches must start with.
 *
 * Rate tables select rows with patterns like ^SW-ENT- or ^HW-: most tests
 * against them fail on the first bytes.  pattern_literal() finds, from
 * the pattern's source, the literal text every match starts with, so a
 * test can compare those bytes first and call PCRE2 only when they are
 * there (or not at all when the pattern is nothing but ^ and that text).
 * On the peer benchmark this takes ~1,300 instructions an event off the
 * rate-row tests (bench/README.md).
 */
#ifndef INC_PATTERN_H
#define INC_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

/* For a pattern compiled with PCRE2_UTF and no other option: writes into
 * lit (cap bytes) the literal text every match of src (n bytes) starts
 * with and returns its length (0: none known).  *exact is set when the
 * pattern is exactly ^ and that text, so a match is "starts with it". */
size_t pattern_literal(const char *src, size_t n, char *lit, size_t cap,
		       bool *exact);

#endif
