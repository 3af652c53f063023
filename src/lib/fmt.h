/*
 * fmt.h: cheap appenders for the text on the hot path of a run: the
 * reasons and details of decisions and the lines of the output.
 *
 * Every appender writes exactly what the printf-family call it replaces
 * wrote ("%s" of dec_format, "%zu", JSON string escaping ...), so outputs
 * stay byte-identical; it only skips parsing a format string and the
 * stdio machinery (vsnprintf costs ~300 instructions a call before it
 * writes a byte; these cost a few dozen).  Measured on 1M events of the
 * default policy: see bench/README.md.
 */
#ifndef INC_FMT_H
#define INC_FMT_H

#include <string.h>

#include "dec.h"
#include "util.h"

/* Appends n bytes: an inline copy when they fit, else sb_append. */
static inline void fmt_append(strbuf *sb, const char *s, size_t n)
{
	if (!sb->oom && sb->len + n < sb->cap) {
		memcpy(sb->buf + sb->len, s, n);
		sb->len += n;
		sb->buf[sb->len] = '\0';
		return;
	}
	sb_append(sb, s, n);
}

static inline void fmt_puts(strbuf *sb, const char *s)
{
	fmt_append(sb, s, strlen(s));
}

static inline void fmt_putc(strbuf *sb, char c)
{
	if (!sb->oom && sb->len + 1 < sb->cap) {
		sb->buf[sb->len++] = c;
		sb->buf[sb->len] = '\0';
		return;
	}
	sb_append(sb, &c, 1);
}

/* Writes the decimal digits of v at p (no NUL); returns their count
 * (at most 20). */
size_t fmt_u64(char *p, uint64_t v);

/* "%llu" / "%lld". */
void fmt_sb_u64(strbuf *sb, uint64_t v);
void fmt_sb_i64(strbuf *sb, int64_t v);

/* dec_format(d, min_scale, group) appended. */
void fmt_sb_dec(strbuf *sb, dec d, int min_scale, bool group);
/* Money for reasons: dec_format(dec_normalize(d), minor, grouped). */
void fmt_sb_money(strbuf *sb, dec d, int minor);
/* dec_format_percent(d) appended: 0.08 -> "8%". */
void fmt_sb_pct(strbuf *sb, dec fraction);
/* s as the inside of a JSON string: '"' and '\\' escaped, control
 * characters as \u00XX (the escaping of eval.c's details). */
void fmt_sb_json_inner(strbuf *sb, const char *s);
/* The same between double quotes: a JSON string. */
void fmt_sb_json_str(strbuf *sb, const char *s);

#endif
