/* Whole-tensor dynamic requant, ratio order, HALF_AWAY, with the integer-only
 * core (sym_intreq.h) for every per-element step. */
#ifndef SYM_INTREQ_TENSOR_H
#define SYM_INTREQ_TENSOR_H

#include <stdint.h>
#include "sym_status.h"

/* sym_requant_dynamic(m_in, n, s_in, q_max_bits_out, SYM_HALF_AWAY,
 * SYM_ORDER_RATIO, NULL, m_out, s_out) with the same statuses, outputs and
 * bits. Per element only integer operations run (the integer absmax
 * magnitude and sym_intreq_ratio_loop); the per-tensor steps stay float32:
 * A = fl(fl(max|m|) * s_in), s_out = A / qMax (sym_scale_from_absmax) and
 * r = s_in / s_out. m_out == m_in allowed, other overlap is ALIAS.
 * Errors: NULL, EMPTY, BAD_WIDTH, BAD_SCALE, ALIAS, FLOAT_OVERFLOW,
 * SCALE_UNDERFLOW. */
int sym_intreq_requant_dynamic(const int32_t *m_in, int32_t n, float s_in,
                               int32_t q_max_bits_out, int32_t *m_out, float *s_out);

#endif /* SYM_INTREQ_TENSOR_H */
