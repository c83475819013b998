/* Rounding family: HALF_AWAY and SR_HALF_AWAY with explicit xorshift32 state. */
#ifndef SYM_ROUND_H
#define SYM_ROUND_H

#include <stdint.h>
#include "sym_status.h"

/* xorshift32 state for a seed: the seed itself, except 0 -> 0xFFFFFFFF. */
uint32_t sym_rng_seed(uint32_t seed);

/* One draw: advance *state (shifts 13, 17, 5) and write u = (new >> 8) / 2^24
 * to *u. Errors: NULL, BAD_RNG (state 0). */
int sym_rng_uniform(uint32_t *state, float *u);

/* C round() of a float32 (ties away from zero) into *out.
 * Errors: NULL, CAST_RANGE (NaN, inf, or outside [-2^31, 2^31)). */
int sym_round_half_away(float x, int32_t *out);

/* Stochastic rounding of one value: round((x + u) - 0.5f) in float32 with one
 * draw from *state. Errors: NULL, BAD_RNG, CAST_RANGE (state unchanged then). */
int sym_round_stochastic(float x, uint32_t *state, int32_t *out);

#endif /* SYM_ROUND_H */
