/* Whole-tensor dynamic requant (ratio order, HALF_AWAY) on the integer-only
 * core. The per-tensor steps (absmax from the largest magnitude, the scale,
 * the ratio) are float32 operations run once per call; every per-element
 * step is integer (sym_intreq.c). */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sym_intreq.h"
#include "sym_intreq_tensor.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

int sym_intreq_requant_dynamic(const int32_t *m_in, int32_t n, float s_in,
                               int32_t q_max_bits_out, int32_t *m_out, float *s_out)
{
    size_t bytes;
    uint32_t top;
    uint32_t r_bits = 0u;
    float absmax;
    float s_new;
    float ratio;
    int32_t q_hi;
    int status;

    /* ---- pass 1: validate (the order of sym_requant_dynamic) ---- */
    if (s_out == NULL || m_in == NULL || m_out == NULL) {
        return SYM_ERR_NULL;
    }
    if (n < 1) {
        return SYM_ERR_EMPTY;
    }
    if (q_max_bits_out < 2 || q_max_bits_out > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (m_in != m_out && sym_ranges_overlap(m_in, bytes, m_out, bytes)) {
        return SYM_ERR_ALIAS;
    }
    if (!sym_scale_is_valid(s_in)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (sym_ranges_overlap(s_out, sizeof *s_out, m_in, bytes)
        || sym_ranges_overlap(s_out, sizeof *s_out, m_out, bytes)) {
        return SYM_ERR_ALIAS;
    }
    /* fl is monotone, so the float absmax max_i |fl(fl(m_i) * s_in)| is
     * fl(fl(max_i |m_i|) * s_in): one multiply per call. */
    top = sym_intreq_max_magnitude(m_in, n);
    absmax = (float)top * s_in;
    if (isinf(absmax)) {
        return SYM_ERR_FLOAT_OVERFLOW;
    }
    q_hi = sym_q_max(q_max_bits_out);
    status = sym_scale_from_absmax(absmax, q_hi, &s_new);
    if (status != SYM_OK) {
        return status;
    }

    /* ---- pass 2: write (cannot fail); r is a normal float32 here: A >= s_in
     * (top >= 1) or A = 0 (r = s_in), so r lies in [2^-31 qMax, qMax (1 + 2^-22)] ---- */
    ratio = s_in / s_new;
    memcpy(&r_bits, &ratio, sizeof r_bits);
    sym_intreq_ratio_loop(m_in, n, r_bits, q_max_bits_out, m_out);
    *s_out = s_new;
    return SYM_OK;
}
