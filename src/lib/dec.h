/*
 * dec.h: exact decimal numbers for money, rates and ratios.
 *
 * A dec is coef x 10^-scale with a signed 128-bit coefficient and a scale
 * of 0..DEC_MAX_SCALE.  Addition, subtraction and multiplication are exact
 * or fail with DEC_EOVERFLOW; division and rounding take an explicit
 * target scale and rounding mode.  No binary floating point is used.
 * Amounts up to 10^15 times rates with 6+ decimals and a few multipliers
 * stay far inside the 38 digits a 128-bit coefficient holds.
 */
#ifndef INC_DEC_H
#define INC_DEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

__extension__ typedef __int128 dec_i128;

#define DEC_MAX_SCALE 30
#define DEC_MAX_DIGITS 36 /* significant digits accepted by dec_parse */

enum { DEC_OK = 0, DEC_ESYNTAX = -1, DEC_EOVERFLOW = -2, DEC_EDIVZERO = -3 };

typedef enum dec_rounding {
	DEC_HALF_UP = 0,   /* ties away from zero */
	DEC_HALF_EVEN = 1, /* ties to the even neighbour */
	DEC_DOWN = 2,	   /* toward zero (truncate) */
	DEC_FLOOR = 3,	   /* toward negative infinity */
} dec_rounding;

typedef struct dec {
	dec_i128 coef;
	int32_t scale;
} dec;

/* Parses [-]digits[.digits] (no exponent, no '+', no spaces).  With
 * allow_percent, a trailing '%' divides by 100 exactly.  Returns DEC_OK,
 * DEC_ESYNTAX or DEC_EOVERFLOW (too many digits).
 * A '.' needs digits on both sides: "0.5" is accepted, ".5", "1.", "." and
 * "-" are DEC_ESYNTAX.  Leading zeros and "-0" (zero) are accepted.  The
 * scale is the number of fraction digits (+2 for '%'); more than
 * DEC_MAX_DIGITS significant digits or a scale above DEC_MAX_SCALE is
 * DEC_EOVERFLOW. */
int dec_parse(dec *out, const char *s, size_t n, bool allow_percent);

static inline dec dec_from_int(int64_t v) { dec d = {v, 0}; return d; }
static inline dec dec_zero(void) { dec d = {0, 0}; return d; }

int dec_add(dec *out, dec a, dec b);
int dec_sub(dec *out, dec a, dec b);
int dec_mul(dec *out, dec a, dec b);
/* a / b rounded to `scale` decimals with mode. */
int dec_div(dec *out, dec a, dec b, int scale, dec_rounding mode);
/* a rounded to `scale` decimals (scale may be larger: exact rescale). */
int dec_round(dec *out, dec a, int scale, dec_rounding mode);

dec dec_neg(dec a);
int dec_sign(dec a);		/* -1, 0, 1 */
int dec_cmp(dec a, dec b);	/* exact; never overflows */
static inline bool dec_is_zero(dec a) { return a.coef == 0; }
dec dec_normalize(dec a);	/* strips trailing zeros of the fraction */
/* true when a has no more than `scale` significant decimals */
bool dec_fits_scale(dec a, int scale);

/* Formats a with at least min_scale decimals (padding zeros, never
 * rounding).  group: insert ',' every three integer digits.  Returns the
 * length written (buffer of 64 bytes is always enough). */
size_t dec_format(char *buf, size_t cap, dec a, int min_scale, bool group);
/* Formats a rate as a percentage, trimmed: 0.08 -> "8%", 0.0825 -> "8.25%" */
size_t dec_format_percent(char *buf, size_t cap, dec a);

#endif
