/* Requant family: dynamic (both orders), fixed-scale, rescale into accumulator. */
#ifndef SYM_REQUANT_H
#define SYM_REQUANT_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* Largest |r| the rescale guard admits: 2^31 - 1 - 32768*32767 = 1073774591,
 * rounded down to float32 (the guard compares float32 values). */
#define SYM_RESCALE_GUARD_F 1073774464.0f

/* Dynamic requant SYM -> SYM (SPEC 4). A = max|(float)m_in * s_in|;
 * s_out = A / qMax_out (1.0f if A == 0).
 *   order RATIO:       r = s_in / s_out; m' = clamp(round((float)m * r)).
 *   order CLAMP_FIRST: m' = round(clamp(((float)m * s_in) / s_out)), then a
 *                      final saturate (SR can step below qMin after the clamp).
 * q_max_bits_out: 2..16. m_out == m_in allowed (in place), other overlap is ALIAS.
 * Errors: NULL, EMPTY, BAD_WIDTH, BAD_SCALE, BAD_ROUNDING, BAD_ORDER, BAD_RNG,
 * ALIAS, FLOAT_OVERFLOW (A is inf), SCALE_UNDERFLOW. */
int sym_requant_dynamic(const int32_t *m_in, int32_t n, float s_in,
                        int32_t q_max_bits_out, int32_t rounding, int32_t order,
                        uint32_t *rng_state, int32_t *m_out, float *s_out);

/* Fixed-scale requant: m' = round(clamp(((float)m * s_in) / target, qMin, qMax))
 * then saturate; saturates by design, target never changes.
 * Errors: NULL, EMPTY, BAD_WIDTH, BAD_SCALE (s_in or target), BAD_ROUNDING,
 * BAD_RNG, ALIAS. */
int sym_requant_fixed(const int32_t *m_in, int32_t n, float s_in, float target,
                      int32_t q_max_bits_out, int32_t rounding,
                      uint32_t *rng_state, int32_t *m_out);

/* Rescale one mantissa into an accumulator scale (the shared bias/seed helper):
 * r = ((float)q * s_p) / s_acc; guard |r| <= SYM_RESCALE_GUARD_F; *out = round(r).
 * Errors: NULL, BAD_SCALE, RANGE_GUARD (also for inf/NaN r). */
int sym_rescale_to_acc(int32_t q, float s_p, float s_acc, int32_t *out);

/* ---- the same kernels with an error detail (docs/architecture.md "C ABI") ----
 * Each sym_<kernel>_ex runs the one body of its prototype above: the same
 * statuses in the same order, the same bits, nothing written on error. On
 * failure *err (may be NULL) gets the status, the failing field ("t.scale",
 * "q_max_bits", "round.order", "target_scale", "param_scale", "out.n", ...),
 * the element index for an element's fault (-1 otherwise) and a reason.
 * The output view's n must equal t.n (SHAPE "out.n", checked after args and
 * out are non-NULL); out->m == t.m is allowed (in place); on success the
 * view's m, scale and bits (q_max_bits) are written. t.bits is not read
 * (any int32 mantissa is a requant input). */

/* requant_dynamic. Element faults name "t" and the first element whose
 * |m * s_in| is the absmax: FLOAT_OVERFLOW (that product is inf) and
 * SCALE_UNDERFLOW. */
typedef struct {
    sym_cview t;
    int32_t q_max_bits;
    sym_round_ctx round;
    sym_view *out;
} sym_requant_dynamic_args;

int sym_requant_dynamic_ex(const sym_requant_dynamic_args *args, sym_err *err);

/* requant_fixed into target_scale (written as out->scale); round.order is
 * not read. */
typedef struct {
    sym_cview t;
    float target_scale;
    int32_t q_max_bits;
    sym_round_ctx round;
    sym_view *out;
} sym_requant_fixed_args;

int sym_requant_fixed_ex(const sym_requant_fixed_args *args, sym_err *err);

/* rescale_to_acc of q from param_scale into acc_scale; RANGE_GUARD names "q". */
typedef struct {
    int32_t q;
    float param_scale;
    float acc_scale;
    int32_t *out;
} sym_rescale_to_acc_args;

int sym_rescale_to_acc_ex(const sym_rescale_to_acc_args *args, sym_err *err);

/* ---- the quantization layer (layer-level C ABI, docs/layers.md "C ABI") ----
 * quant_forward: sym_requant_dynamic of x to q_max_bits (2..16) with
 * round.mode / round.order / round.rng_state; out->n == x.n, out->bits =
 * q_max_bits on success. quant_backward: straight-through, out = an exact
 * copy of dy (m, scale, bits); out->n == dy.n, out->m must not overlap
 * dy.m. Both validate first, write nothing on error, fill *err (may be
 * NULL) and return the status. */
typedef struct {
    sym_cview x;
    int32_t q_max_bits;
    sym_round_ctx round;
    sym_view *out;
} sym_quant_forward_args;

int sym_quant_forward(const sym_quant_forward_args *args, sym_err *err);

typedef struct {
    sym_cview dy;
    sym_view *out;
} sym_quant_backward_args;

int sym_quant_backward(const sym_quant_backward_args *args, sym_err *err);

#endif /* SYM_REQUANT_H */
