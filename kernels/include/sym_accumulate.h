/* Accumulate family: dynamic ("strategy A") and fixed-scale (bias gradients). */
#ifndef SYM_ACCUMULATE_H
#define SYM_ACCUMULATE_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

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

/* ---- the same kernels with an error detail (docs/architecture.md "C ABI") ----
 * Each sym_<kernel>_ex runs the one body of its prototype above: the same
 * statuses in the same order, the same bits, nothing written on error. The
 * result goes to the view out (out->n == target.n, else SHAPE "out.n",
 * checked after args and out are non-NULL; out->m == target.m is allowed,
 * other overlap with target or inc is ALIAS "out"); the width is
 * target.bits. On failure *err (may be NULL) gets the status, the failing
 * field ("target.bits", "inc.scale", "inc.n", "round.rng_state", ...), the
 * element index for an element's fault (-1 otherwise) and a reason. */

/* accumulate_dynamic into out (scale = the new scale, bits = target.bits);
 * round.order is not read. FLOAT_OVERFLOW names "inc" and the first element
 * whose v is not finite; SCALE_UNDERFLOW names "target" and the element
 * whose |v| is the absmax. */
typedef struct {
    sym_cview target;
    sym_cview inc;
    sym_round_ctx round;
    sym_view *out;
} sym_accumulate_dynamic_args;

int sym_accumulate_dynamic_ex(const sym_accumulate_dynamic_args *args, sym_err *err);

/* accumulate_fixed into out (scale = target.scale, bits = target.bits).
 * RANGE_GUARD names "inc" and INT_OVERFLOW names "target", each with the
 * first failing element. */
typedef struct {
    sym_cview target;
    sym_cview inc;
    sym_view *out;
} sym_accumulate_fixed_args;

int sym_accumulate_fixed_ex(const sym_accumulate_fixed_args *args, sym_err *err);

#endif /* SYM_ACCUMULATE_H */
