/*
 * prng.c: reproducible random numbers (see prng.h).
 *
 * Every floating-point statement below does one IEEE 754 operation (+, -,
 * *, / or sqrt), each correctly rounded, so the results are the same bits
 * on every IEEE machine that evaluates doubles as doubles (x86-64 SSE2,
 * AArch64): one operation per statement keeps compilers from contracting
 * a*b+c into a fused multiply-add, which ISO C allows only inside one
 * expression.  frexp, ldexp and floor are exact.
 */
#include "prng.h"

#include <math.h>

uint64_t prng_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t prng_hash(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return prng_mix(h);
}

static uint64_t splitmix_next(uint64_t *x)
{
	*x += UINT64_C(0x9e3779b97f4a7c15);
	return prng_mix(*x);
}

void prng_seed(prng *g, uint64_t seed, uint64_t stream, uint64_t counter)
{
	uint64_t x = prng_mix(seed ^ prng_mix(stream ^ prng_mix(counter + 1)));

	for (int i = 0; i < 4; i++)
		g->s[i] = splitmix_next(&x);
	if ((g->s[0] | g->s[1] | g->s[2] | g->s[3]) == 0)
		g->s[0] = 1; /* the one state xoshiro cannot leave */
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t prng_next(prng *g)
{
	uint64_t *s = g->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double prng_uniform(prng *g)
{
	/* 53 bits scaled by 2^-53: exact */
	return (double)(prng_next(g) >> 11) * 0x1.0p-53;
}

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (fdlibm). */
static const double LN2_HI = 0x1.62e42feep-1;
static const double LN2_LO = 0x1.a39ef35793c76p-33;

double prng_log(double x)
{
	int k;
	double m, f, d, s, s2, p, r, t;

	if (!(x > 0))
		return -HUGE_VAL;
	m = frexp(x, &k); /* x = m 2^k, m in [0.5, 1) */
	if (m < 0x1.6a09e667f3bcdp-1) { /* sqrt(1/2) */
		m = m * 2.0;
		k--;
	}
	/* ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m-1)/(m+1),
	 * |s| < 0.172: 13 terms leave an error below 1e-20 */
	f = m - 1.0;
	d = 2.0 + f;
	s = f / d;
	s2 = s * s;
	p = 0.0;
	for (int i = 25; i >= 3; i -= 2) {
		t = 1.0 / (double)i;
		p = p * s2;
		p = p + t;
	}
	p = p * s2;  /* s^2/3 + s^4/5 + ... */
	p = p * s;   /* s^3/3 + ... */
	p = p + s;
	r = p * 2.0;
	t = (double)k * LN2_LO;
	r = r + t;
	t = (double)k * LN2_HI;
	return t + r;
}

double prng_exp(double x)
{
	double kd, r, t, p;

	if (x > 709.0)
		return HUGE_VAL;
	if (x < -745.0)
		return 0.0;
	/* x = k ln2 + r, |r| <= ln2 / 2 */
	t = x / 0x1.62e42fefa39efp-1;
	kd = floor(t + 0.5);
	t = kd * LN2_HI;
	r = x - t;
	t = kd * LN2_LO;
	r = r - t;
	/* e^r by its Taylor series: 22 terms for |r| <= 0.35 */
	p = 1.0;
	for (int n = 22; n >= 1; n--) {
		t = r / (double)n;
		p = p * t;
		p = p + 1.0;
	}
	return ldexp(p, (int)kd);
}

double prng_normal(prng *g)
{
	double u, v, uu, vv, s, l, f;

	for (;;) {
		u = prng_uniform(g);
		u = u * 2.0;
		u = u - 1.0;
		v = prng_uniform(g);
		v = v * 2.0;
		v = v - 1.0;
		uu = u * u;
		vv = v * v;
		s = uu + vv;
		if (s > 0.0 && s < 1.0)
			break;
	}
	l = prng_log(s);
	l = l * -2.0;
	l = l / s;
	f = sqrt(l);
	return u * f;
}

dec prng_to_dec6(double x)
{
	double t, frac;
	int64_t k;
	dec d;

	if (!(x > 0.0)) /* also NaN */
		x = 0.0;
	if (x > 1000000.0)
		x = 1000000.0;
	t = x * 1000000.0;
	k = (int64_t)t; /* toward zero; t < 2^40 so t - k is exact */
	frac = t - (double)k;
	if (frac > 0.5 || (frac == 0.5 && (k & 1)))
		k++;
	d.coef = k;
	d.scale = 6;
	return d;
}
