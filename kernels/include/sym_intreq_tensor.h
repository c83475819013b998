/* Whole-tensor requant, HALF_AWAY, with the integer-only cores (sym_intreq.h)
 * for every step: dynamic (ratio and clamp-first orders) and fixed-scale. */
#ifndef SYM_INTREQ_TENSOR_H
#define SYM_INTREQ_TENSOR_H

#include <stdint.h>
#include "sym_status.h"

/* sym_requant_dynamic(m_in, n, s_in, q_max_bits_out, SYM_HALF_AWAY,
 * SYM_ORDER_RATIO, NULL, m_out, s_out) with the same statuses, outputs and
 * bits, in integer operations only: the integer absmax magnitude,
 * A = fl(fl(max|m|) * s_in) (sym_intreq_mul_int), s_out = A / qMax and
 * r = s_in / s_out (sym_intreq_div_bits), then sym_intreq_ratio_loop. The
 * float arguments are only copied as bits. m_out == m_in allowed, other
 * overlap is ALIAS. Errors: NULL, EMPTY, BAD_WIDTH, BAD_SCALE, ALIAS,
 * FLOAT_OVERFLOW, SCALE_UNDERFLOW. */
int sym_intreq_requant_dynamic(const int32_t *m_in, int32_t n, float s_in,
                               int32_t q_max_bits_out, int32_t *m_out, float *s_out);

/* sym_requant_dynamic(m_in, n, s_in, q_max_bits_out, SYM_HALF_AWAY,
 * SYM_ORDER_CLAMP_FIRST, NULL, m_out, s_out) with the same statuses, outputs
 * and bits, in integer operations only: the scale steps of
 * sym_intreq_requant_dynamic, then sym_intreq_fixed_loop with t = s_out.
 * m_out == m_in allowed, other overlap is ALIAS. Errors: as
 * sym_intreq_requant_dynamic. */
int sym_intreq_requant_dynamic_clamp_first(const int32_t *m_in, int32_t n, float s_in,
                                           int32_t q_max_bits_out, int32_t *m_out, float *s_out);

/* sym_requant_fixed(m_in, n, s_in, target, q_max_bits_out, SYM_HALF_AWAY,
 * NULL, m_out) with the same statuses, outputs and bits, in integer
 * operations only (sym_intreq_fixed_loop); the float arguments are only
 * copied as bits. m_out == m_in allowed, other overlap is ALIAS. Errors (in
 * this order): NULL, EMPTY, BAD_WIDTH, ALIAS, BAD_SCALE (s_in, then target). */
int sym_intreq_requant_fixed(const int32_t *m_in, int32_t n, float s_in, float target,
                             int32_t q_max_bits_out, int32_t *m_out);

/* sym_rescale_to_acc(q, s_p, s_acc, out) with the same statuses and bits,
 * in integer operations only: the floats are copied as bits, then
 * sym_intreq_rescale_bits. Errors: NULL, BAD_SCALE, RANGE_GUARD. */
int sym_intreq_rescale_to_acc(int32_t q, float s_p, float s_acc, int32_t *out);

/* sym_requant_dynamic(m_in, n, s_in, q_max_bits_out, SYM_SR_HALF_AWAY,
 * SYM_ORDER_RATIO, rng_state, m_out, s_out) with the same statuses,
 * outputs, bits and final *rng_state, in integer operations only: the scale
 * steps of sym_intreq_requant_dynamic, then sym_intreq_sr_loop. m_out ==
 * m_in allowed, other overlap is ALIAS, as is a state inside m_in, m_out or
 * s_out. Errors: NULL, EMPTY, BAD_WIDTH, BAD_RNG (*rng_state == 0), ALIAS,
 * BAD_SCALE, FLOAT_OVERFLOW, SCALE_UNDERFLOW; nothing is written on error. */
int sym_intreq_requant_dynamic_sr(const int32_t *m_in, int32_t n, float s_in, int32_t q_max_bits_out,
                                  uint32_t *rng_state, int32_t *m_out, float *s_out);

#endif /* SYM_INTREQ_TENSOR_H */
