/*
 * dec.c: exact decimal arithmetic for money, rates and ratios (see dec.h).
 *
 * Values are coef x 10^-scale with a signed 128-bit coefficient.  Every
 * multiply and add on a coefficient is overflow-checked and fails with
 * DEC_EOVERFLOW rather than wrapping.  The coefficient -2^127 is never
 * produced (it is reported as DEC_EOVERFLOW), so negation of any result is
 * always exact.  Division and rounding work on magnitudes (unsigned 128-bit)
 * and fall back to digit-by-digit long division when a scaled numerator
 * would not fit, so quotients are always exact before the single rounding.
 *
 * Decisions taken here (also noted in dec.h):
 *  - dec_parse accepts [-]D+[.D+][%]: at least one digit on each side of a
 *    '.', so "0.5" is accepted and ".5", "1.", ".", "-", "", "+1", " 1",
 *    "1e3" are DEC_ESYNTAX.  Leading zeros ("007") and "-0" (== 0) are
 *    accepted.  More than DEC_MAX_DIGITS significant digits (leading zeros
 *    not counted) or a scale above DEC_MAX_SCALE (the '%' adds 2) is
 *    DEC_EOVERFLOW; syntax is checked first.
 *  - dec_mul never rounds: when the scale sum exceeds DEC_MAX_SCALE only
 *    trailing zeros of the exact product may be stripped; otherwise it is
 *    DEC_EOVERFLOW.  On coefficient overflow it retries once with trailing
 *    zeros of the operands stripped (still exact).
 *  - dec_round / dec_div take a target scale in 0..DEC_MAX_SCALE; any other
 *    scale is DEC_EOVERFLOW.
 *  - dec_format prints max(a.scale, min_scale) decimals: the value's own
 *    digits (including its trailing zeros) and zeros up to min_scale.
 */
#include "dec.h"

#include <string.h>

__extension__ typedef unsigned __int128 dec_u128;

#define U128_MAX (~(dec_u128)0)
#define I128_MAX ((dec_i128)(U128_MAX >> 1))

#define E18 ((dec_i128)1000000000000000000LL)

/* 10^0 .. 10^38; 10^38 < 2^127 - 1 < 10^39. */
static const dec_i128 pow10_tab[39] = {
    1,
    10,
    100,
    1000,
    10000,
    100000,
    1000000,
    10000000,
    100000000,
    1000000000,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    E18,
    E18 * 10,
    E18 * 100,
    E18 * 1000,
    E18 * 10000,
    E18 * 100000,
    E18 * 1000000,
    E18 * 10000000,
    E18 * 100000000,
    E18 * 1000000000,
    E18 * 10000000000LL,
    E18 * 100000000000LL,
    E18 * 1000000000000LL,
    E18 * 10000000000000LL,
    E18 * 100000000000000LL,
    E18 * 1000000000000000LL,
    E18 * 10000000000000000LL,
    E18 * 100000000000000000LL,
    E18 *E18,
    E18 *E18 * 10,
    E18 *E18 * 100,
};

static bool scale_ok(int32_t s) { return s >= 0 && s <= DEC_MAX_SCALE; }

static dec_u128 mag(dec_i128 x) { return x < 0 ? -(dec_u128)x : (dec_u128)x; }

/* Builds a coefficient from a magnitude and a sign.  Returns false when the
 * magnitude is above 2^127 - 1 (so -2^127 is never produced). */
static bool from_mag(dec_i128 *out, dec_u128 m, bool neg)
{
	if (m > (dec_u128)I128_MAX)
		return false;
	*out = neg ? -(dec_i128)m : (dec_i128)m;
	return true;
}

/* coef * 10^n, overflow-checked. */
static bool mul_pow10(dec_i128 *out, dec_i128 coef, int n)
{
	dec_i128 r;

	if (n < 0)
		return false;
	if (coef == 0) {
		*out = 0;
		return true;
	}
	if (n > 38)
		return false;
	if (__builtin_mul_overflow(coef, pow10_tab[n], &r) ||
	    r == -I128_MAX - 1)
		return false;
	*out = r;
	return true;
}

/* Strips trailing zeros of the fraction.  Coefficients that fit 64 bits
 * (every money amount) are divided with 64-bit instructions: a 128-bit
 * remainder is a library call, about 10x slower. */
static dec strip(dec a)
{
	if (a.coef == 0) {
		a.scale = 0;
		return a;
	}
	if (a.coef >= INT64_MIN && a.coef <= INT64_MAX) {
		int64_t c = (int64_t)a.coef;

		while (a.scale > 0 && c % 10 == 0) {
			c /= 10;
			a.scale--;
		}
		a.coef = c;
		return a;
	}
	while (a.scale > 0 && a.coef % 10 == 0) {
		a.coef /= 10;
		a.scale--;
	}
	return a;
}

/* Given the truncated magnitude quotient q of n / d and its remainder r
 * (0 <= r < d), returns whether the magnitude must be bumped by one for
 * `mode` (neg: the true result is negative). */
static bool round_up_mag(dec_u128 q, dec_u128 r, dec_u128 d, bool neg,
			 dec_rounding mode)
{
	dec_u128 rest;

	if (r == 0)
		return false;
	rest = d - r; /* 2r vs d without overflow: compare r with d - r */
	switch (mode) {
	case DEC_HALF_UP:
		return r >= rest;
	case DEC_HALF_EVEN:
		return r > rest || (r == rest && (q & 1) != 0);
	case DEC_DOWN:
		return false;
	case DEC_FLOOR:
		return neg;
	}
	return false;
}

static bool mode_ok(dec_rounding mode)
{
	return mode == DEC_HALF_UP || mode == DEC_HALF_EVEN ||
	       mode == DEC_DOWN || mode == DEC_FLOOR;
}

/* The common input ("12500.10": at most 18 digits, no sign or '%'),
 * read in one pass into 64 bits: about a third of the general parse,
 * which the rest of the forms (and this one past 18 digits) go through.
 * Returns false when it does not apply. */
static bool parse_plain(dec *out, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i = 0, digits = 0, dot = SIZE_MAX;

	if (n == 0 || n > 19)
		return false;
	for (; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d <= 9) {
			v = v * 10 + d;
			digits++;
		} else if (s[i] == '.' && dot == SIZE_MAX && i > 0) {
			dot = i;
		} else {
			return false;
		}
	}
	if (digits > 18 || dot == n - 1)
		return false;
	out->coef = (dec_i128)v;
	out->scale = dot == SIZE_MAX ? 0 : (int32_t)(n - 1 - dot);
	return true;
}

int dec_parse(dec *out, const char *s, size_t n, bool allow_percent)
{
	size_t i = 0, int_start, int_end, frac_start = 0, frac_end = 0;
	bool neg = false, percent = false, seen_nonzero = false;
	int sig = 0;
	int32_t scale;
	dec_i128 coef = 0;

	if (s == NULL || n == 0)
		return DEC_ESYNTAX;
	if (parse_plain(out, s, n))
		return DEC_OK;
	if (allow_percent && s[n - 1] == '%') {
		percent = true;
		n--;
	}
	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	int_start = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	int_end = i;
	if (int_end == int_start)
		return DEC_ESYNTAX;
	if (i < n && s[i] == '.') {
		i++;
		frac_start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		frac_end = i;
		if (frac_end == frac_start)
			return DEC_ESYNTAX;
	}
	if (i != n)
		return DEC_ESYNTAX;

	for (i = int_start; i < n; i++) {
		if (s[i] == '.')
			continue;
		if (s[i] != '0')
			seen_nonzero = true;
		if (!seen_nonzero)
			continue;
		if (++sig > DEC_MAX_DIGITS)
			return DEC_EOVERFLOW;
		/* At most 36 digits: cannot overflow 128 bits. */
		coef = coef * 10 + (s[i] - '0');
	}
	scale = (int32_t)(frac_end - frac_start);
	if (frac_end - frac_start > DEC_MAX_SCALE)
		return DEC_EOVERFLOW;
	if (percent)
		scale += 2;
	if (scale > DEC_MAX_SCALE)
		return DEC_EOVERFLOW;
	out->coef = neg ? -coef : coef;
	out->scale = scale;
	return DEC_OK;
}

int dec_add(dec *out, dec a, dec b)
{
	dec_i128 ca = a.coef, cb = b.coef, r;
	int32_t s;

	if (!scale_ok(a.scale) || !scale_ok(b.scale))
		return DEC_EOVERFLOW;
	if (a.scale == b.scale) {
		/* the common case (sums of amounts at one minor unit): no
		 * rescaling multiplications */
		if (__builtin_add_overflow(ca, cb, &r) || r == -I128_MAX - 1)
			return DEC_EOVERFLOW;
		out->coef = r;
		out->scale = a.scale;
		return DEC_OK;
	}
	s = a.scale > b.scale ? a.scale : b.scale;
	if (!mul_pow10(&ca, ca, s - a.scale) ||
	    !mul_pow10(&cb, cb, s - b.scale))
		return DEC_EOVERFLOW;
	if (__builtin_add_overflow(ca, cb, &r) || r == -I128_MAX - 1)
		return DEC_EOVERFLOW;
	out->coef = r;
	out->scale = s;
	return DEC_OK;
}

int dec_sub(dec *out, dec a, dec b)
{
	if (b.coef == -I128_MAX - 1)
		return DEC_EOVERFLOW;
	return dec_add(out, a, dec_neg(b));
}

int dec_mul(dec *out, dec a, dec b)
{
	dec_i128 r;
	dec p;

	if (!scale_ok(a.scale) || !scale_ok(b.scale))
		return DEC_EOVERFLOW;
	if (__builtin_mul_overflow(a.coef, b.coef, &r) || r == -I128_MAX - 1) {
		/* Trailing zeros of the operands may be what overflows. */
		a = strip(a);
		b = strip(b);
		if (__builtin_mul_overflow(a.coef, b.coef, &r) ||
		    r == -I128_MAX - 1)
			return DEC_EOVERFLOW;
	}
	p.coef = r;
	p.scale = a.scale + b.scale;
	if (p.scale > DEC_MAX_SCALE) {
		/* Only exact trailing zeros may go; never round. */
		while (p.scale > DEC_MAX_SCALE && p.coef % 10 == 0) {
			p.coef /= 10;
			p.scale--;
		}
		if (p.coef == 0)
			p.scale = DEC_MAX_SCALE;
		if (p.scale > DEC_MAX_SCALE)
			return DEC_EOVERFLOW;
	}
	*out = p;
	return DEC_OK;
}

int dec_div(dec *out, dec a, dec b, int scale, dec_rounding mode)
{
	dec_u128 n = mag(a.coef), d = mag(b.coef), q, r, p;
	bool neg = (a.coef < 0) != (b.coef < 0);
	int e, i, k;
	dec_i128 res;

	if (b.coef == 0)
		return DEC_EDIVZERO;
	if (!scale_ok(a.scale) || !scale_ok(b.scale) || scale < 0 ||
	    scale > DEC_MAX_SCALE || !mode_ok(mode))
		return DEC_EOVERFLOW;
	/* result coef = round(|ca| * 10^e / |cb|), e = scale + sb - sa */
	e = scale + b.scale - a.scale;
	if (e < 0) {
		/* Scale the divisor instead.  If that overflows 128 bits the
		 * divisor exceeds 2^128 > 2n: the quotient is below one half.
		 */
		for (i = 0; i < -e; i++) {
			if (__builtin_mul_overflow(d, (dec_u128)10, &d)) {
				q = 0;
				if (mode == DEC_FLOOR && neg && n != 0)
					q = 1;
				goto make;
			}
		}
		e = 0;
	}
	/* Fast path: the scaled numerator fits 128 bits. */
	if (e <= 38 && !__builtin_mul_overflow(n, (dec_u128)pow10_tab[e], &p)) {
		q = p / d;
		r = p % d;
		e = 0;
	} else {
		q = n / d;
		r = n % d;
	}
	/* Long division, one decimal digit at a time, for the remaining e
	 * digits.  10r may not fit, so each digit is found by adding r ten
	 * times modulo d (acc and r are both < d). */
	for (i = 0; i < e; i++) {
		dec_u128 acc = 0;
		unsigned digit = 0;

		for (k = 0; k < 10; k++) {
			if (acc >= d - r) {
				acc -= d - r;
				digit++;
			} else {
				acc += r;
			}
		}
		if (__builtin_mul_overflow(q, (dec_u128)10, &p) ||
		    __builtin_add_overflow(p, (dec_u128)digit, &q))
			return DEC_EOVERFLOW;
		r = acc;
	}
	if (round_up_mag(q, r, d, neg, mode)) {
		if (q == U128_MAX)
			return DEC_EOVERFLOW;
		q++;
	}
make:
	if (!from_mag(&res, q, neg))
		return DEC_EOVERFLOW;
	out->coef = res;
	out->scale = scale;
	return DEC_OK;
}

int dec_round(dec *out, dec a, int scale, dec_rounding mode)
{
	dec_u128 m, d, q, r;
	bool neg = a.coef < 0;
	dec_i128 res;

	if (!scale_ok(a.scale) || scale < 0 || scale > DEC_MAX_SCALE ||
	    !mode_ok(mode))
		return DEC_EOVERFLOW;
	if (scale >= a.scale) {
		if (!mul_pow10(&res, a.coef, scale - a.scale))
			return DEC_EOVERFLOW;
		out->coef = res;
		out->scale = scale;
		return DEC_OK;
	}
	m = mag(a.coef);
	d = (dec_u128)pow10_tab[a.scale - scale];
	if (m <= UINT64_MAX && d <= UINT64_MAX) {
		/* 64-bit division: every amount rounded to its currency */
		q = (uint64_t)m / (uint64_t)d;
		r = (uint64_t)m % (uint64_t)d;
	} else {
		q = m / d;
		r = m % d;
	}
	if (round_up_mag(q, r, d, neg, mode))
		q++; /* q <= m / 10: cannot overflow */
	if (!from_mag(&res, q, neg))
		return DEC_EOVERFLOW;
	out->coef = res;
	out->scale = scale;
	return DEC_OK;
}

dec dec_neg(dec a)
{
	/* Via unsigned arithmetic so that -2^127 cannot trap. */
	a.coef = (dec_i128)(-(dec_u128)a.coef);
	return a;
}

int dec_sign(dec a) { return a.coef < 0 ? -1 : a.coef > 0 ? 1 : 0; }

int dec_cmp(dec a, dec b)
{
	dec_i128 ia, ib, fa, fb;
	int32_t s;

	if (a.scale == b.scale || !scale_ok(a.scale) || !scale_ok(b.scale))
		return a.coef < b.coef ? -1 : a.coef > b.coef ? 1 : 0;
	/* Integer parts first, then the fractions aligned to the larger
	 * scale (each fraction is below 10^30 once aligned, so no overflow).
	 * Truncation gives both parts the sign of the value, which keeps the
	 * lexicographic comparison correct for negative numbers too. */
	ia = a.coef / pow10_tab[a.scale];
	ib = b.coef / pow10_tab[b.scale];
	if (ia != ib)
		return ia < ib ? -1 : 1;
	s = a.scale > b.scale ? a.scale : b.scale;
	fa = (a.coef % pow10_tab[a.scale]) * pow10_tab[s - a.scale];
	fb = (b.coef % pow10_tab[b.scale]) * pow10_tab[s - b.scale];
	return fa < fb ? -1 : fa > fb ? 1 : 0;
}

dec dec_normalize(dec a)
{
	if (!scale_ok(a.scale))
		return a;
	return strip(a);
}

bool dec_fits_scale(dec a, int scale)
{
	return dec_normalize(a).scale <= scale;
}

/* Copies len bytes of src into buf (capacity cap), truncating, and
 * NUL-terminates when cap > 0.  Returns the number of bytes copied. */
static size_t copy_out(char *buf, size_t cap, const char *src, size_t len)
{
	if (cap == 0)
		return 0;
	if (len > cap - 1)
		len = cap - 1;
	memcpy(buf, src, len);
	buf[len] = '\0';
	return len;
}

/* "00".."99": two digits per division when printing a coefficient. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes the decimal digits of m, most significant first, so that they end
 * at end[-1].  Returns the number of digits (1 for zero).  Magnitudes that
 * fit 64 bits (all money) use 64-bit division, two digits at a time: the
 * 128-bit division helper costs about ten times more per digit. */
static int u128_digits_back(char *end, dec_u128 m)
{
	char *p = end;

	while (m > UINT64_MAX) {
		*--p = (char)('0' + (int)(m % 10));
		m /= 10;
	}
	uint64_t v = (uint64_t)m;
	while (v >= 100) {
		unsigned k = (unsigned)(v % 100) * 2;
		v /= 100;
		*--p = digit_pairs[k + 1];
		*--p = digit_pairs[k];
	}
	if (v >= 10) {
		*--p = digit_pairs[v * 2 + 1];
		*--p = digit_pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return (int)(end - p);
}

size_t dec_format(char *buf, size_t cap, dec a, int min_scale, bool group)
{
	/* Worst case: '-', 39 integer digits, 12 commas, '.', 30 decimals. */
	char tmp[128], dbuf[80];
	char *digits;
	size_t len = 0;
	int nd, nint, i, scale;

	if (!scale_ok(a.scale))
		return copy_out(buf, cap, "?", 1);
	if (min_scale < 0)
		min_scale = 0;
	if (min_scale > DEC_MAX_SCALE)
		min_scale = DEC_MAX_SCALE;
	nd = u128_digits_back(dbuf + sizeof dbuf, mag(a.coef));
	digits = dbuf + sizeof dbuf - nd;
	/* Left-pad with zeros so there is at least one integer digit. */
	while (nd <= a.scale) {
		*--digits = '0';
		nd++;
	}
	nint = nd - a.scale;
	if (a.coef < 0)
		tmp[len++] = '-';
	if (!group || nint <= 3) {
		memcpy(tmp + len, digits, (size_t)nint);
		len += (size_t)nint;
	} else {
		for (i = 0; i < nint; i++) {
			if (i > 0 && (nint - i) % 3 == 0)
				tmp[len++] = ',';
			tmp[len++] = digits[i];
		}
	}
	scale = a.scale > min_scale ? a.scale : min_scale;
	if (scale > 0) {
		tmp[len++] = '.';
		memcpy(tmp + len, digits + nint, (size_t)a.scale);
		len += (size_t)a.scale;
		for (i = a.scale; i < scale; i++)
			tmp[len++] = '0';
	}
	return copy_out(buf, cap, tmp, len);
}

size_t dec_format_percent(char *buf, size_t cap, dec a)
{
	char tmp[128];
	size_t len;
	dec p;

	if (!scale_ok(a.scale))
		return copy_out(buf, cap, "?", 1);
	p = strip(a);
	if (p.scale >= 2) {
		p.scale -= 2;
		len = dec_format(tmp, sizeof(tmp) - 4, p, 0, false);
	} else {
		/* Integer after x100: print the digits and append zeros
		 * textually (coef * 100 might not fit 128 bits). */
		int zeros = p.coef == 0 ? 0 : 2 - p.scale;

		p.scale = 0;
		len = dec_format(tmp, sizeof(tmp) - 4, p, 0, false);
		while (zeros-- > 0)
			tmp[len++] = '0';
	}
	tmp[len++] = '%';
	return copy_out(buf, cap, tmp, len);
}
