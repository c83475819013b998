/* Whole-tensor dynamic requant (ratio order, HALF_AWAY) in integer
 * operations only: the per-element core and the per-tensor scale steps
 * (absmax, A / qMax, s_in / s_out) of sym_intreq.c on float32 bit patterns.
 * The floats of the interface are copied as bits; no float operation runs. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sym_intreq.h"
#include "sym_intreq_tensor.h"
#include "sym_round.h"
#include "sym_status.h"

#define SYM_IQT_ONE 0x3F800000u /* 1.0f, the scale of an all-zero tensor */

int sym_intreq_requant_dynamic(const int32_t *m_in, int32_t n, float s_in,
                               int32_t q_max_bits_out, int32_t *m_out, float *s_out)
{
    size_t bytes;
    uint32_t s_bits = 0u; /* the bits of s_in, copied below */
    uint32_t a_bits;
    uint32_t new_bits;
    uint32_t r_bits;
    uint32_t q_hi;

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
    memcpy(&s_bits, &s_in, sizeof s_bits);
    if (!sym_intreq_scale_ok(s_bits)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (sym_ranges_overlap(s_out, sizeof *s_out, m_in, bytes)
        || sym_ranges_overlap(s_out, sizeof *s_out, m_out, bytes)) {
        return SYM_ERR_ALIAS;
    }
    /* fl is monotone, so the float absmax max_i |fl(fl(m_i) * s_in)| is
     * fl(fl(max_i |m_i|) * s_in): one product per call. */
    a_bits = sym_intreq_mul_int(sym_intreq_max_magnitude(m_in, n), s_bits);
    if (a_bits == SYM_INTREQ_INF) {
        return SYM_ERR_FLOAT_OVERFLOW;
    }
    q_hi = (1u << (q_max_bits_out - 1)) - 1u;
    if (a_bits == 0u) {
        new_bits = SYM_IQT_ONE;
    } else {
        /* s_out = fl(A / fl(qMax)); fl(qMax) = fl(qMax * 1.0f), exact.
         * A finite and qMax >= 1: no overflow, only the underflow of
         * sym_scale_from_absmax */
        new_bits = sym_intreq_div_bits(a_bits, sym_intreq_mul_int(q_hi, SYM_IQT_ONE));
        if (new_bits == 0u) {
            return SYM_ERR_SCALE_UNDERFLOW;
        }
    }

    /* ---- pass 2: write (cannot fail); r = fl(s_in / s_out) is a normal
     * float32: A >= s_in (max|m| >= 1) or A = 0 (r = s_in), so r lies in
     * [2^-31 qMax, qMax (1 + 2^-22)] ---- */
    r_bits = sym_intreq_div_bits(s_bits, new_bits);
    sym_intreq_ratio_loop(m_in, n, r_bits, q_max_bits_out, m_out);
    memcpy(s_out, &new_bits, sizeof new_bits);
    return SYM_OK;
}

int sym_intreq_requant_fixed(const int32_t *m_in, int32_t n, float s_in, float target,
                             int32_t q_max_bits_out, int32_t *m_out)
{
    size_t bytes;
    uint32_t s_bits = 0u; /* the bits of s_in and target, copied below */
    uint32_t t_bits = 0u;

    /* ---- pass 1: validate (the order of sym_requant_fixed) ---- */
    if (m_in == NULL || m_out == NULL) {
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
    memcpy(&s_bits, &s_in, sizeof s_bits);
    memcpy(&t_bits, &target, sizeof t_bits);
    if (!sym_intreq_scale_ok(s_bits) || !sym_intreq_scale_ok(t_bits)) {
        return SYM_ERR_BAD_SCALE;
    }

    /* ---- pass 2: write (cannot fail; an inf quotient saturates) ---- */
    sym_intreq_fixed_loop(m_in, n, s_bits, t_bits, q_max_bits_out, m_out);
    return SYM_OK;
}
