/* An sv_adapter.c for symverify's own C kernels: every sv_* call forwards
 * to the sym_* kernel of the same name (the emitted tests must then pass). */
#include "sv_adapter.h"
#include "sym_accumulate.h"
#include "sym_convert.h"
#include "sym_requant.h"
#include "sym_round.h"

int sv_round_half_away(float x, int32_t *out)
{
    return sym_round_half_away(x, out);
}

int sv_float_to_sym(const float *x, int32_t n, int32_t q_max_bits, int32_t rounding,
                    uint32_t *rng_state, int32_t *m, float *scale)
{
    return sym_float_to_sym(x, n, q_max_bits, rounding, rng_state, m, scale);
}

int sv_sym_to_float(const int32_t *m, int32_t n, float scale, float *y)
{
    return sym_sym_to_float(m, n, scale, y);
}

int sv_int_to_sym(const int32_t *src, int32_t n, int32_t *m, float *scale)
{
    return sym_int_to_sym(src, n, m, scale);
}

int sv_requant_dynamic(const int32_t *m_in, int32_t n, float s_in, int32_t q_max_bits_out,
                       int32_t rounding, int32_t order, uint32_t *rng_state,
                       int32_t *m_out, float *s_out)
{
    return sym_requant_dynamic(m_in, n, s_in, q_max_bits_out, rounding, order, rng_state, m_out, s_out);
}

int sv_requant_fixed(const int32_t *m_in, int32_t n, float s_in, float target,
                     int32_t q_max_bits_out, int32_t rounding, uint32_t *rng_state,
                     int32_t *m_out)
{
    return sym_requant_fixed(m_in, n, s_in, target, q_max_bits_out, rounding, rng_state, m_out);
}

int sv_rescale_to_acc(int32_t q, float s_p, float s_acc, int32_t *out)
{
    return sym_rescale_to_acc(q, s_p, s_acc, out);
}

int sv_accumulate_dynamic(int32_t *t, int32_t n_t, float *s_t, int32_t q_max_bits_t,
                          const int32_t *inc, int32_t n_inc, float s_inc,
                          int32_t rounding, uint32_t *rng_state)
{
    return sym_accumulate_dynamic(t, n_t, s_t, q_max_bits_t, inc, n_inc, s_inc, rounding, rng_state);
}

int sv_accumulate_fixed(int32_t *t, int32_t n_t, float s_t, int32_t q_max_bits_t,
                        const int32_t *inc, int32_t n_inc, float s_inc)
{
    return sym_accumulate_fixed(t, n_t, s_t, q_max_bits_t, inc, n_inc, s_inc);
}
