/*
 * fmt.c: the appenders of fmt.h.  Each writes what the printf-family call
 * it replaces wrote, byte for byte.
 */
#include "fmt.h"

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

size_t fmt_u64(char *p, uint64_t v)
{
	char tmp[20], *e = tmp + sizeof tmp, *q = e;
	size_t n;

	while (v >= 100) {
		unsigned k = (unsigned)(v % 100) * 2;
		v /= 100;
		*--q = digit_pairs[k + 1];
		*--q = digit_pairs[k];
	}
	if (v >= 10) {
		*--q = digit_pairs[v * 2 + 1];
		*--q = digit_pairs[v * 2];
	} else {
		*--q = (char)('0' + v);
	}
	n = (size_t)(e - q);
	memcpy(p, q, n);
	return n;
}

void fmt_sb_u64(strbuf *sb, uint64_t v)
{
	char b[20];

	fmt_append(sb, b, fmt_u64(b, v));
}

void fmt_sb_i64(strbuf *sb, int64_t v)
{
	char b[21];
	size_t n = 0;

	if (v < 0)
		b[n++] = '-';
	n += fmt_u64(b + n, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
	fmt_append(sb, b, n);
}

void fmt_sb_dec(strbuf *sb, dec d, int min_scale, bool group)
{
	char b[128];

	fmt_append(sb, b, dec_format(b, sizeof b, d, min_scale, group));
}

void fmt_sb_money(strbuf *sb, dec d, int minor)
{
	fmt_sb_dec(sb, dec_normalize(d), minor, true);
}

void fmt_sb_pct(strbuf *sb, dec fraction)
{
	char b[128];

	fmt_append(sb, b, dec_format_percent(b, sizeof b, fraction));
}

void fmt_sb_json_inner(strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	for (;; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		/* copy the run of plain bytes before c in one go */
		fmt_append(sb, run, (size_t)(s - run));
		if (c == '\0')
			return;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			fmt_append(sb, e, 2);
		} else {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			fmt_append(sb, e, 6);
		}
		run = s + 1;
	}
}

void fmt_sb_json_str(strbuf *sb, const char *s)
{
	fmt_putc(sb, '"');
	fmt_sb_json_inner(sb, s);
	fmt_putc(sb, '"');
}
