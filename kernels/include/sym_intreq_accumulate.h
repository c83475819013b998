/* Integer-only accumulate (docs/integer-only.md): the fixed-scale and the
 * dynamic accumulate of sym_accumulate.h under HALF_AWAY, with the same
 * statuses, outputs and bits, computed on float32 bit patterns with integer
 * operations only (the sym_intreq.h steps). */
#ifndef SYM_INTREQ_ACCUMULATE_H
#define SYM_INTREQ_ACCUMULATE_H

#include <stdint.h>
#include "sym_status.h"

/* sym_accumulate_fixed(t, n_t, s_t, q_max_bits_t, inc, n_inc, s_inc):
 * t_i += rescale(inc_i, s_inc, s_t) with sym_intreq_rescale_by per element
 * (s_t prepared once) and the same int32 width checks; s_t is kept. The float arguments are only
 * copied as bits. Errors (in this order): NULL, EMPTY, SHAPE, ALIAS (inc
 * overlaps t), BAD_WIDTH (q_max_bits_t outside 2..32), BAD_SCALE (s_t, then
 * s_inc), then per element in order RANGE_GUARD, INT_OVERFLOW (t_i outside
 * its width, or t_i + d leaves it). Nothing written on error. */
int sym_intreq_accumulate_fixed(int32_t *t, int32_t n_t, float s_t, int32_t q_max_bits_t,
                                const int32_t *inc, int32_t n_inc, float s_inc);

/* sym_accumulate_dynamic(t, n_t, s_t, q_max_bits_t, inc, n_inc, s_inc,
 * SYM_HALF_AWAY, NULL): v_i = fl(fl(fl(t_i) * s_t) + fl(fl(inc_i) * s_inc))
 * (sym_intreq_mul_int on magnitudes, sym_intreq_add_bits), A = max |v_i|,
 * s_new = fl(A / qMax) (1.0f if A == 0), t_i = clamp(round_half_away(
 * fl(v_i / s_new))); t and *s_t are updated in place. Errors (in this
 * order): NULL (s_t first), EMPTY, SHAPE, ALIAS, BAD_WIDTH (q_max_bits_t
 * outside 2..16), ALIAS (s_t inside t or inc), BAD_SCALE (*s_t, then s_inc),
 * FLOAT_OVERFLOW (a v_i is inf or inf + -inf), SCALE_UNDERFLOW (A / qMax
 * below 2^-126). Nothing written on error. */
int sym_intreq_accumulate_dynamic(int32_t *t, int32_t n_t, float *s_t, int32_t q_max_bits_t,
                                  const int32_t *inc, int32_t n_inc, float s_inc);

#endif /* SYM_INTREQ_ACCUMULATE_H */
