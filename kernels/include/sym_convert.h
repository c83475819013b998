/* Conversion family: float32 <-> SYM, int32 -> SYM. */
#ifndef SYM_CONVERT_H
#define SYM_CONVERT_H

#include <stdint.h>
#include "sym_status.h"

/* float32 -> SYM with a dynamic scale (SPEC 3). A = max|x|;
 * scale = A / qMax (1.0f if A == 0); m = clamp(round(x / scale), qMin, qMax).
 * q_max_bits: 2..31. rounding: SYM_HALF_AWAY or SYM_SR_HALF_AWAY (rng_state
 * required for SR, may be NULL otherwise; one draw per element).
 * Errors: NULL, EMPTY, BAD_WIDTH, BAD_ROUNDING, BAD_RNG, NONFINITE_INPUT,
 * SCALE_UNDERFLOW, ALIAS. x, m, scale (and rng_state for SR) may not overlap.
 * n < 1 is EMPTY (also for negative n, in every kernel). */
int sym_float_to_sym(const float *x, int32_t n, int32_t q_max_bits,
                     int32_t rounding, uint32_t *rng_state,
                     int32_t *m, float *scale);

/* SYM -> float32: y = (float)m * scale. scale must be a valid scale.
 * Errors: NULL, EMPTY, BAD_SCALE, ALIAS (m and y overlap), FLOAT_OVERFLOW. */
int sym_sym_to_float(const int32_t *m, int32_t n, float scale, float *y);

/* int32 -> SYM: copy, scale 1.0f (in == out allowed; partial overlap or scale
 * inside src/m is ALIAS). Errors: NULL, EMPTY, ALIAS. */
int sym_int_to_sym(const int32_t *src, int32_t n, int32_t *m, float *scale);

#endif /* SYM_CONVERT_H */
