/* Conversion family: float32 <-> SYM, int32 -> SYM. */
#ifndef SYM_CONVERT_H
#define SYM_CONVERT_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

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

/* ---- the same kernels with an error detail (docs/architecture.md "C ABI") ----
 * Each sym_<kernel>_ex runs the one body of its prototype above: the same
 * statuses in the same order, the same bits, nothing written on error. On
 * failure *err (may be NULL) gets the status, the failing field ("x",
 * "q_max_bits", "round.mode", "round.rng_state", "t.scale", "out.n", ...),
 * the element index for an element's fault (-1 otherwise) and a reason.
 * An output view's n must equal the input length (SHAPE "out.n", checked
 * after args and out are non-NULL); on success m, scale and bits of the view
 * are written. */

/* float_to_sym: x[0..n-1] into out (bits = q_max_bits); round.order is not
 * read. Element faults: NONFINITE_INPUT names "x" and the first non-finite
 * element; SCALE_UNDERFLOW names "x" and the element whose |x| is the absmax. */
typedef struct {
    const float *x;
    int32_t n;
    int32_t q_max_bits;
    sym_round_ctx round;
    sym_view *out;
} sym_float_to_sym_args;

int sym_float_to_sym_ex(const sym_float_to_sym_args *args, sym_err *err);

/* sym_to_float: y[0..t.n-1] = (float)t.m * t.scale (y holds t.n floats);
 * t.bits is not read. FLOAT_OVERFLOW names "t" and the first element whose
 * product is not finite. */
typedef struct {
    sym_cview t;
    float *y;
} sym_sym_to_float_args;

int sym_sym_to_float_ex(const sym_sym_to_float_args *args, sym_err *err);

/* int_to_sym: m[0..n-1] into out (scale 1.0f, bits 32); out->m == m allowed. */
typedef struct {
    const int32_t *m;
    int32_t n;
    sym_view *out;
} sym_int_to_sym_args;

int sym_int_to_sym_ex(const sym_int_to_sym_args *args, sym_err *err);

#endif /* SYM_CONVERT_H */
