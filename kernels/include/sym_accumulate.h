/* Accumulate family: dynamic ("strategy A") and fixed-scale (bias gradients). */
#ifndef SYM_ACCUMULATE_H
#define SYM_ACCUMULATE_H

#include <stdint.h>
#include "sym_status.h"

/* Dynamic accumulate: v = (float)t*s_t + (float)inc*s_inc (float32, in that
 * order); A = max|v|; new scale = A / qMax_t (1.0f if A == 0);
 * t = clamp(round(v / scale)). t and *s_t are updated in place.
 * q_max_bits_t: 2..16. Lengths must match. inc may not overlap t (not even
 * inc == t); s_t and rng_state may not overlap t or inc.
 * Errors: NULL, EMPTY, SHAPE, BAD_WIDTH, BAD_SCALE, BAD_ROUNDING, BAD_RNG,
 * ALIAS, FLOAT_OVERFLOW, SCALE_UNDERFLOW. */
int sym_accumulate_dynamic(int32_t *t, int32_t n_t, float *s_t,
                           int32_t q_max_bits_t,
                           const int32_t *inc, int32_t n_inc, float s_inc,
                           int32_t rounding, uint32_t *rng_state);

/* Fixed-scale accumulate: t_i += rescale_to_acc(inc_i, s_inc, s_t) as an int32
 * add; the scale s_t is kept. Every sum must stay inside the declared width of
 * t (q_max_bits_t 2..32; 32 = any int32) or INT_OVERFLOW and nothing written;
 * a t_i already outside that width is INT_OVERFLOW too. inc may not overlap t.
 * Errors: NULL, EMPTY, SHAPE, BAD_WIDTH, BAD_SCALE, ALIAS, RANGE_GUARD,
 * INT_OVERFLOW. */
int sym_accumulate_fixed(int32_t *t, int32_t n_t, float s_t, int32_t q_max_bits_t,
                         const int32_t *inc, int32_t n_inc, float s_inc);

#endif /* SYM_ACCUMULATE_H */
