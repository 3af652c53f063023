/*
 * prng.h: reproducible random numbers for Monte Carlo simulation.
 *
 * The same seed gives the same numbers on every machine, whatever the
 * number of threads: a generator is seeded from (seed, stream, counter)
 * alone (stream: a person, counter: a trial), so no draw depends on which
 * thread ran before it.  The generator is xoshiro256** seeded through
 * splitmix64.  Normal deviates use Marsaglia's polar method with our own
 * logarithm and exponential, written with + - * / and sqrt only (each
 * correctly rounded by IEEE 754, one operation per statement so that no
 * compiler fuses them), so they do not depend on the C library's libm.
 *
 * Doubles never reach money: a multiplier is turned into an exact decimal
 * with 6 decimals (prng_to_dec6) before it touches an amount.
 */
#ifndef INC_PRNG_H
#define INC_PRNG_H

#include <stddef.h>
#include <stdint.h>

#include "dec.h"

typedef struct prng {
	uint64_t s[4];
} prng;

/* splitmix64's output function: a bijective mix of 64 bits. */
uint64_t prng_mix(uint64_t x);
/* A 64-bit hash of bytes (FNV-1a, then mixed), the same everywhere. */
uint64_t prng_hash(const char *s, size_t n);

/* Seeds g for (seed, stream, counter). */
void prng_seed(prng *g, uint64_t seed, uint64_t stream, uint64_t counter);
/* Next 64 random bits (xoshiro256**). */
uint64_t prng_next(prng *g);
/* Uniform in [0, 1) with 53 random bits. */
double prng_uniform(prng *g);
/* Standard normal deviate. */
double prng_normal(prng *g);

/* Natural logarithm (x > 0) and exponential, deterministic to the bit. */
double prng_log(double x);
double prng_exp(double x);

/* x rounded half to even at 6 decimals, as an exact decimal; x is clamped
 * to [0, 1000000]. */
dec prng_to_dec6(double x);

#endif
