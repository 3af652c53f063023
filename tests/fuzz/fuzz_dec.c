/*
 * fuzz_dec.c: libFuzzer target for the exact decimal (src/lib/dec.c):
 * parsing, add/sub/mul/div/round, comparison and formatting, checked
 * against a slow but obviously exact reference (decimal digit arrays).
 *
 * Input: byte 0 picks the operands' source: bit 0 set, the rest of the
 * input is text "A B SCALE MODE" parsed with dec_parse; clear, two raw
 * 17-byte operands (16 coefficient bytes, any value including -2^127, and
 * a scale byte that may be out of range) then scale and mode bytes.
 *
 * Oracles:
 *  - dec_parse agrees with a reference parser (syntax, digit and scale
 *    limits, value);
 *  - an operation that succeeds gives exactly the reference result; add,
 *    sub, div and round fail with DEC_EOVERFLOW exactly when the result
 *    (or, for add/sub, an operand aligned to the common scale) does not
 *    fit 128 bits; mul must succeed when the exact product fits at its
 *    scale (after dropping exact trailing zeros to reach scale 30); div
 *    by zero is DEC_EDIVZERO; an out-of-range scale or mode is refused;
 *  - dec_cmp agrees with the reference;
 *  - dec_format then dec_parse gives the same value and scale back (when
 *    it has at most 36 significant digits), grouping only adds commas,
 *    min_scale only pads zeros.
 */
#include <stdbool.h>

#include "dec.h"
#include "fuzz_common.h"

__extension__ typedef unsigned __int128 u128;

#define MAXD 200

typedef struct big { /* magnitude, little-endian decimal digits */
	int n;
	unsigned char d[MAXD];
} big;

typedef struct sbig {
	bool neg;
	big m;
} sbig;

static void big_norm(big *a)
{
	while (a->n > 0 && a->d[a->n - 1] == 0)
		a->n--;
}

static big big_u128(u128 v)
{
	big a;
	a.n = 0;
	while (v) {
		a.d[a.n++] = (unsigned char)(v % 10);
		v /= 10;
	}
	return a;
}

static int big_cmp(const big *a, const big *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (int i = a->n - 1; i >= 0; i--)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	return 0;
}

static big big_add(const big *a, const big *b)
{
	big r;
	int c = 0, n = a->n > b->n ? a->n : b->n;
	if (n + 1 > MAXD)
		abort();
	for (int i = 0; i < n; i++) {
		int s = c + (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
		r.d[i] = (unsigned char)(s % 10);
		c = s / 10;
	}
	r.n = n;
	if (c)
		r.d[r.n++] = (unsigned char)c;
	return r;
}

static big big_sub(const big *a, const big *b) /* a >= b */
{
	big r;
	int c = 0;
	for (int i = 0; i < a->n; i++) {
		int s = a->d[i] - c - (i < b->n ? b->d[i] : 0);
		c = s < 0;
		r.d[i] = (unsigned char)(s + (c ? 10 : 0));
	}
	r.n = a->n;
	big_norm(&r);
	return r;
}

static big big_shift(const big *a, int k) /* a * 10^k */
{
	big r;
	if (a->n == 0)
		return *a;
	if (a->n + k > MAXD)
		abort();
	memset(r.d, 0, (size_t)k);
	memcpy(r.d + k, a->d, (size_t)a->n);
	r.n = a->n + k;
	return r;
}

static big big_mul(const big *a, const big *b)
{
	int t[2 * MAXD] = {0};
	big r;
	if (a->n + b->n > MAXD)
		abort();
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++)
			t[i + j] += a->d[i] * b->d[j];
	int c = 0;
	r.n = a->n + b->n;
	for (int i = 0; i < r.n; i++) {
		int s = t[i] + c;
		r.d[i] = (unsigned char)(s % 10);
		c = s / 10;
	}
	big_norm(&r);
	return r;
}

/* q = a / b, r = a % b (b != 0). */
static void big_divmod(const big *a, const big *b, big *q, big *r)
{
	q->n = a->n;
	r->n = 0;
	for (int i = a->n - 1; i >= 0; i--) {
		big t = big_shift(r, 1);
		if (t.n == 0 && a->d[i])
			t.n = 1, t.d[0] = 0;
		if (t.n)
			t.d[0] = a->d[i];
		big_norm(&t);
		int digit = 0;
		while (big_cmp(&t, b) >= 0) {
			t = big_sub(&t, b);
			digit++;
		}
		q->d[i] = (unsigned char)digit;
		*r = t;
	}
	big_norm(q);
}

static const big *imax(void)
{
	static big m;
	static bool ready;
	if (!ready) {
		m = big_u128(((u128)1 << 127) - 1);
		ready = true;
	}
	return &m;
}

static bool fits(const big *a) { return big_cmp(a, imax()) <= 0; }

static u128 big_to_u128(const big *a)
{
	u128 v = 0;
	for (int i = a->n - 1; i >= 0; i--)
		v = v * 10 + a->d[i];
	return v;
}

static u128 mag(dec_i128 x) { return x < 0 ? -(u128)x : (u128)x; }

static sbig of_coef(dec_i128 c)
{
	sbig s = {c < 0, big_u128(mag(c))};
	return s;
}

static sbig sadd(sbig a, sbig b)
{
	sbig r;
	if (a.neg == b.neg) {
		r.neg = a.neg;
		r.m = big_add(&a.m, &b.m);
	} else if (big_cmp(&a.m, &b.m) >= 0) {
		r.neg = a.neg;
		r.m = big_sub(&a.m, &b.m);
	} else {
		r.neg = b.neg;
		r.m = big_sub(&b.m, &a.m);
	}
	if (r.m.n == 0)
		r.neg = false;
	return r;
}

/* coefficient c equals the reference s */
static bool same(dec_i128 c, const sbig *s)
{
	if (!fits(&s->m))
		return false;
	u128 m = big_to_u128(&s->m);
	return mag(c) == m && (m == 0 || (c < 0) == s->neg);
}

static bool valid_scale(int32_t s) { return s >= 0 && s <= DEC_MAX_SCALE; }

/* Rounds q (truncated magnitude quotient, remainder r of divisor d). */
static big round_mag(big q, const big *r, const big *d, bool neg,
		     dec_rounding mode)
{
	big two_r = big_add(r, r), one = big_u128(1);
	int c = big_cmp(&two_r, d);
	bool up = false;
	if (r->n == 0)
		return q;
	switch (mode) {
	case DEC_HALF_UP:
		up = c >= 0;
		break;
	case DEC_HALF_EVEN:
		up = c > 0 || (c == 0 && q.n > 0 && (q.d[0] & 1));
		break;
	case DEC_DOWN:
		up = false;
		break;
	case DEC_FLOOR:
		up = neg;
		break;
	}
	return up ? big_add(&q, &one) : q;
}

static void check_add(dec a, dec b, bool subtract)
{
	dec r;
	int rc = subtract ? dec_sub(&r, a, b) : dec_add(&r, a, b);

	if (!valid_scale(a.scale) || !valid_scale(b.scale)) {
		if (rc != DEC_EOVERFLOW)
			abort();
		return;
	}
	int32_t s = a.scale > b.scale ? a.scale : b.scale;
	sbig A = of_coef(a.coef), B = of_coef(b.coef);
	A.m = big_shift(&A.m, s - a.scale);
	B.m = big_shift(&B.m, s - b.scale);
	if (subtract && B.m.n)
		B.neg = !B.neg;
	sbig R = sadd(A, B);
	bool may_overflow = !fits(&R.m) || !fits(&A.m) || !fits(&B.m) ||
			    (subtract && b.coef == -(dec_i128)(((u128)1 << 127) - 1) - 1);
	if (rc == DEC_OK) {
		if (r.scale != s || !same(r.coef, &R))
			abort();
	} else if (rc != DEC_EOVERFLOW || !may_overflow) {
		abort();
	}
}

static void check_mul(dec a, dec b)
{
	dec r;
	int rc = dec_mul(&r, a, b);

	if (!valid_scale(a.scale) || !valid_scale(b.scale)) {
		if (rc != DEC_EOVERFLOW)
			abort();
		return;
	}
	sbig ca = of_coef(a.coef), cb = of_coef(b.coef);
	sbig P = {(a.coef < 0) != (b.coef < 0), big_mul(&ca.m, &cb.m)};
	if (P.m.n == 0)
		P.neg = false;
	int sp = a.scale + b.scale;
	if (rc == DEC_OK) {
		/* r == P / 10^sp  <=>  r.coef * 10^sp == P * 10^r.scale */
		if (!valid_scale(r.scale))
			abort();
		sbig L = of_coef(r.coef), R = P;
		L.m = big_shift(&L.m, sp);
		R.m = big_shift(&R.m, r.scale);
		if (big_cmp(&L.m, &R.m) != 0 || (L.m.n && L.neg != R.neg))
			abort();
		return;
	}
	if (rc != DEC_EOVERFLOW)
		abort();
	int tz = 0;
	while (tz < P.m.n && P.m.d[tz] == 0)
		tz++;
	if (fits(&P.m) && (sp <= DEC_MAX_SCALE || P.m.n == 0 ||
			   tz >= sp - DEC_MAX_SCALE))
		abort(); /* the exact product fits */
}

static void check_div(dec a, dec b, int scale, dec_rounding mode)
{
	dec r;
	int rc = dec_div(&r, a, b, scale, mode);

	if (b.coef == 0) {
		if (rc != DEC_EDIVZERO)
			abort();
		return;
	}
	if (!valid_scale(a.scale) || !valid_scale(b.scale) ||
	    !valid_scale(scale) || (unsigned)mode > DEC_FLOOR) {
		if (rc != DEC_EOVERFLOW)
			abort();
		return;
	}
	big n = of_coef(a.coef).m, d = of_coef(b.coef).m, q, rem;
	int e = scale + b.scale - a.scale;
	bool neg = (a.coef < 0) != (b.coef < 0);
	if (e >= 0)
		n = big_shift(&n, e);
	else
		d = big_shift(&d, -e);
	big_divmod(&n, &d, &q, &rem);
	q = round_mag(q, &rem, &d, neg, mode);
	sbig Q = {neg && q.n > 0, q};
	if (rc == DEC_OK) {
		if (r.scale != scale || !same(r.coef, &Q))
			abort();
	} else if (rc != DEC_EOVERFLOW || fits(&q)) {
		abort();
	}
}

static void check_round(dec a, int scale, dec_rounding mode)
{
	dec r;
	int rc = dec_round(&r, a, scale, mode);

	if (!valid_scale(a.scale) || !valid_scale(scale) ||
	    (unsigned)mode > DEC_FLOOR) {
		if (rc != DEC_EOVERFLOW)
			abort();
		return;
	}
	big q, rem;
	bool neg = a.coef < 0;
	sbig ca = of_coef(a.coef);
	if (scale >= a.scale) {
		q = big_shift(&ca.m, scale - a.scale);
	} else {
		big n = of_coef(a.coef).m, one = big_u128(1);
		big d = big_shift(&one, a.scale - scale);
		big_divmod(&n, &d, &q, &rem);
		q = round_mag(q, &rem, &d, neg, mode);
	}
	sbig Q = {neg && q.n > 0, q};
	if (rc == DEC_OK) {
		if (r.scale != scale || !same(r.coef, &Q))
			abort();
	} else if (rc != DEC_EOVERFLOW || fits(&q)) {
		abort();
	}
}

static void check_cmp(dec a, dec b)
{
	if (!valid_scale(a.scale) || !valid_scale(b.scale))
		return;
	int s = a.scale > b.scale ? a.scale : b.scale;
	sbig A = of_coef(a.coef), B = of_coef(b.coef);
	A.m = big_shift(&A.m, s - a.scale);
	B.m = big_shift(&B.m, s - b.scale);
	if (B.m.n)
		B.neg = !B.neg;
	sbig D = sadd(A, B);
	int want = D.m.n == 0 ? 0 : D.neg ? -1 : 1;
	if (dec_cmp(a, b) != want)
		abort();
	if (dec_sign(a) != (a.coef < 0 ? -1 : a.coef > 0))
		abort();
}

static void check_format(dec a)
{
	char s[80], g[80], p[80], u[80];
	size_t n, k = 0;
	dec back;

	n = dec_format(s, sizeof s, a, 0, false);
	if (!valid_scale(a.scale)) {
		if (strcmp(s, "?") != 0)
			abort();
		return;
	}
	if (n != strlen(s))
		abort();
	int sig = 0;
	bool seen = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '1' && s[i] <= '9')
			seen = true;
		if (seen && s[i] >= '0' && s[i] <= '9')
			sig++;
	}
	int rc = dec_parse(&back, s, n, false);
	if (sig <= DEC_MAX_DIGITS) {
		if (rc != DEC_OK || back.coef != a.coef ||
		    (back.scale != a.scale))
			abort();
	} else if (rc != DEC_EOVERFLOW) {
		abort();
	}
	/* grouping only inserts commas, every three integer digits */
	dec_format(g, sizeof g, a, 0, true);
	for (size_t i = 0; g[i]; i++)
		if (g[i] != ',')
			u[k++] = g[i];
	u[k] = '\0';
	if (strcmp(u, s) != 0)
		abort();
	/* min_scale pads zeros, never rounds */
	dec_format(p, sizeof p, a, 12, false);
	if (strncmp(p, s, n) != 0)
		abort();
	for (size_t i = n; p[i]; i++)
		if (p[i] != '0' && !(i == n && p[i] == '.' && a.scale == 0))
			abort();
	/* a tiny buffer is cut, never overrun */
	char tiny[5];
	dec_format(tiny, sizeof tiny, a, 0, true);
	if (strlen(tiny) > 4)
		abort();
	dec_format_percent(p, sizeof p, a);
	if (strlen(p) == 0)
		abort();
}

/* Reference parser: [-]D+[.D+][%] */
static void check_parse(const char *s, size_t n, bool pct)
{
	dec d;
	int rc = dec_parse(&d, s, n, pct);
	size_t i = 0, m = n;
	bool neg = false, percent = false;
	int want = DEC_OK;

	if (n == 0) {
		want = DEC_ESYNTAX;
		goto cmp;
	}
	if (pct && s[m - 1] == '%') {
		percent = true;
		m--;
	}
	if (i < m && s[i] == '-')
		neg = true, i++;
	size_t a = i;
	while (i < m && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == a) {
		want = DEC_ESYNTAX;
		goto cmp;
	}
	size_t fa = 0, fb = 0;
	if (i < m && s[i] == '.') {
		fa = ++i;
		while (i < m && s[i] >= '0' && s[i] <= '9')
			i++;
		fb = i;
		if (fa == fb) {
			want = DEC_ESYNTAX;
			goto cmp;
		}
	}
	if (i != m) {
		want = DEC_ESYNTAX;
		goto cmp;
	}
	big v = {0, {0}};
	int sig = 0;
	bool seen = false;
	for (size_t k = a; k < m; k++) {
		if (s[k] == '.')
			continue;
		if (s[k] != '0')
			seen = true;
		if (seen)
			sig++;
	}
	int scale = (int)(fb - fa) + (percent ? 2 : 0);
	if (sig > DEC_MAX_DIGITS || (int)(fb - fa) > DEC_MAX_SCALE ||
	    scale > DEC_MAX_SCALE) {
		want = DEC_EOVERFLOW;
		goto cmp;
	}
	size_t z = a; /* first significant digit: leading zeros add none */
	while (z < m && (s[z] == '0' || s[z] == '.'))
		z++;
	for (size_t k = m; k-- > z;) {
		if (s[k] == '.')
			continue;
		v.d[v.n++] = (unsigned char)(s[k] - '0');
	}
	big_norm(&v);
	sbig V = {neg && v.n > 0, v};
	if (rc != DEC_OK || d.scale != scale || !same(d.coef, &V))
		abort();
	check_format(d);
	return;
cmp:
	if (rc != want)
		abort();
}

static dec raw_dec(const uint8_t *p)
{
	dec d;
	u128 c = 0;
	for (int i = 0; i < 16; i++)
		c = (c << 8) | p[i];
	d.coef = (dec_i128)c;
	/* mostly valid scales, sometimes not */
	d.scale = (int32_t)(p[16] % 36) - 2;
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dec a, b;
	int scale;
	dec_rounding mode;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		/* text: "A B SCALE MODE" */
		const char *s = (const char *)data + 1, *e = s + size - 1;
		const char *sp1 = memchr(s, ' ', (size_t)(e - s));
		bool pct = (data[0] & 2) != 0;
		if (!sp1) {
			check_parse(s, (size_t)(e - s), pct);
			return 0;
		}
		check_parse(s, (size_t)(sp1 - s), pct);
		const char *s2 = sp1 + 1;
		const char *sp2 = memchr(s2, ' ', (size_t)(e - s2));
		size_t l2 = sp2 ? (size_t)(sp2 - s2) : (size_t)(e - s2);
		check_parse(s2, l2, pct);
		if (dec_parse(&a, s, (size_t)(sp1 - s), pct) != DEC_OK ||
		    dec_parse(&b, s2, l2, pct) != DEC_OK)
			return 0;
		scale = sp2 && sp2 + 1 < e ? (sp2[1] - '0') * 3 : 2;
		mode = (dec_rounding)((data[0] >> 2) & 3);
	} else {
		if (size < 1 + 17 + 17 + 2)
			return 0;
		a = raw_dec(data + 1);
		b = raw_dec(data + 18);
		scale = (int)(data[35] % 36) - 2;
		mode = (dec_rounding)(data[36] % 5);
	}
	check_add(a, b, false);
	check_add(a, b, true);
	check_mul(a, b);
	check_div(a, b, scale, mode);
	check_round(a, scale, mode);
	check_cmp(a, b);
	check_cmp(b, a);
	check_format(a);
	check_format(b);
	return 0;
}
