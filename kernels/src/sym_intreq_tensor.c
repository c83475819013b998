/* Whole-tensor requant in integer operations only, HALF_AWAY: the dynamic
 * requant in both orders and the fixed-scale requant, from the per-element
 * cores and the per-tensor scale steps (absmax, A / qMax, s_in / s_out) of
 * sym_intreq.c on float32 bit patterns. The floats of the interface are
 * copied as bits; no float operation runs. */
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
#include "sym_support.h"

#define SYM_IQT_ONE 0x3F800000u /* 1.0f, the scale of an all-zero tensor */

/* The checks every tensor entry makes first, in the order of the float
 * kernels: the buffers non-NULL, n >= 1, the output width 2..16, the RNG
 * state (SR: non-NULL and not 0), out either in place or not overlapping
 * in, and (SR) the state outside both. */
static int sym_iqt_check_tensor(const int32_t *m_in, int32_t n, int32_t q_max_bits_out, int32_t rounding,
                                const uint32_t *rng_state, const int32_t *m_out)
{
    size_t bytes;
    int status;
    if (m_in == NULL || m_out == NULL) {
        return SYM_ERR_NULL;
    }
    if (n < 1) {
        return SYM_ERR_EMPTY;
    }
    if (q_max_bits_out < 2 || q_max_bits_out > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    status = sym_rounding_check(rounding, rng_state);
    if (status != SYM_OK) {
        return status;
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (m_in != m_out && sym_ranges_overlap(m_in, bytes, m_out, bytes)) {
        return SYM_ERR_ALIAS;
    }
    /* the HALF_AWAY entries pass a NULL state, which overlaps nothing */
    if (sym_ranges_overlap(rng_state, sizeof *rng_state, m_in, bytes)
        || sym_ranges_overlap(rng_state, sizeof *rng_state, m_out, bytes)) {
        return SYM_ERR_ALIAS;
    }
    return SYM_OK;
}

/* Pass 1 of both dynamic entries, in the order of sym_requant_dynamic: every
 * check, then the bits of s_in and of the new scale s_out = A / qMax.
 * Returns a status; writes only *s_bits and *new_bits, on success. */
static int sym_iqt_dynamic_scale(const int32_t *m_in, int32_t n, float s_in, int32_t q_max_bits_out,
                                 int32_t rounding, const uint32_t *rng_state, const int32_t *m_out,
                                 const float *s_out, uint32_t *s_bits, uint32_t *new_bits)
{
    const size_t bytes = (size_t)n * sizeof(int32_t);
    uint32_t in_bits = 0u; /* the bits of s_in, copied below */
    uint32_t a_bits;
    uint32_t q_hi;
    int status;

    if (s_out == NULL) {
        return SYM_ERR_NULL;
    }
    status = sym_iqt_check_tensor(m_in, n, q_max_bits_out, rounding, rng_state, m_out);
    if (status != SYM_OK) {
        return status;
    }
    memcpy(&in_bits, &s_in, sizeof in_bits);
    if (!sym_intreq_scale_ok(in_bits)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (sym_ranges_overlap(s_out, sizeof *s_out, m_in, bytes)
        || sym_ranges_overlap(s_out, sizeof *s_out, m_out, bytes)) {
        return SYM_ERR_ALIAS;
    }
    if (sym_ranges_overlap(rng_state, sizeof *rng_state, s_out, sizeof *s_out)) { /* NULL: HALF_AWAY */
        return SYM_ERR_ALIAS;
    }
    /* fl is monotone, so the float absmax max_i |fl(fl(m_i) * s_in)| is
     * fl(fl(max_i |m_i|) * s_in): one product per call. */
    a_bits = sym_intreq_mul_int(sym_intreq_max_magnitude(m_in, n), in_bits);
    if (a_bits == SYM_INTREQ_INF) {
        return SYM_ERR_FLOAT_OVERFLOW;
    }
    q_hi = (1u << (q_max_bits_out - 1)) - 1u;
    if (a_bits == 0u) {
        *new_bits = SYM_IQT_ONE;
    } else {
        /* s_out = fl(A / fl(qMax)); fl(qMax) = fl(qMax * 1.0f), exact.
         * A finite and qMax >= 1: no overflow, only the underflow of
         * sym_scale_from_absmax */
        *new_bits = sym_intreq_div_bits(a_bits, sym_intreq_mul_int(q_hi, SYM_IQT_ONE));
        if (*new_bits == 0u) {
            return SYM_ERR_SCALE_UNDERFLOW;
        }
    }
    *s_bits = in_bits;
    return SYM_OK;
}

int sym_intreq_requant_dynamic(const int32_t *m_in, int32_t n, float s_in,
                               int32_t q_max_bits_out, int32_t *m_out, float *s_out)
{
    uint32_t s_bits = 0u;
    uint32_t new_bits = 0u;
    const int status = sym_iqt_dynamic_scale(m_in, n, s_in, q_max_bits_out, SYM_HALF_AWAY, NULL, m_out,
                                             s_out, &s_bits, &new_bits);
    if (status != SYM_OK) {
        return status;
    }
    /* ---- pass 2: write (cannot fail); r = fl(s_in / s_out) is a normal
     * float32: A >= s_in (max|m| >= 1) or A = 0 (r = s_in), so r lies in
     * [2^-31 qMax, qMax (1 + 2^-22)] ---- */
    sym_intreq_ratio_loop(m_in, n, sym_intreq_div_bits(s_bits, new_bits), q_max_bits_out, m_out);
    memcpy(s_out, &new_bits, sizeof new_bits);
    return SYM_OK;
}

int sym_intreq_requant_dynamic_clamp_first(const int32_t *m_in, int32_t n, float s_in,
                                           int32_t q_max_bits_out, int32_t *m_out, float *s_out)
{
    uint32_t s_bits = 0u;
    uint32_t new_bits = 0u;
    const int status = sym_iqt_dynamic_scale(m_in, n, s_in, q_max_bits_out, SYM_HALF_AWAY, NULL, m_out,
                                             s_out, &s_bits, &new_bits);
    if (status != SYM_OK) {
        return status;
    }
    /* ---- pass 2: write (cannot fail): the fixed-scale element with
     * t = s_out, a positive normal float32 ---- */
    sym_intreq_fixed_loop(m_in, n, s_bits, new_bits, q_max_bits_out, m_out);
    memcpy(s_out, &new_bits, sizeof new_bits);
    return SYM_OK;
}

int sym_intreq_requant_fixed(const int32_t *m_in, int32_t n, float s_in, float target,
                             int32_t q_max_bits_out, int32_t *m_out)
{
    uint32_t s_bits = 0u; /* the bits of s_in and target, copied below */
    uint32_t t_bits = 0u;
    int status;

    /* ---- pass 1: validate (the order of sym_requant_fixed) ---- */
    status = sym_iqt_check_tensor(m_in, n, q_max_bits_out, SYM_HALF_AWAY, NULL, m_out);
    if (status != SYM_OK) {
        return status;
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

int sym_intreq_rescale_to_acc(int32_t q, float s_p, float s_acc, int32_t *out)
{
    uint32_t p_bits = 0u; /* the bits of s_p and s_acc, copied below */
    uint32_t acc_bits = 0u;
    memcpy(&p_bits, &s_p, sizeof p_bits);
    memcpy(&acc_bits, &s_acc, sizeof acc_bits);
    return sym_intreq_rescale_bits(q, p_bits, acc_bits, out);
}

int sym_intreq_requant_dynamic_sr(const int32_t *m_in, int32_t n, float s_in, int32_t q_max_bits_out,
                                  uint32_t *rng_state, int32_t *m_out, float *s_out)
{
    uint32_t s_bits = 0u;
    uint32_t new_bits = 0u;
    uint32_t st;
    const int status = sym_iqt_dynamic_scale(m_in, n, s_in, q_max_bits_out, SYM_SR_HALF_AWAY, rng_state,
                                             m_out, s_out, &s_bits, &new_bits);
    if (status != SYM_OK) {
        return status;
    }
    /* ---- pass 2: write (cannot fail); r as in sym_intreq_requant_dynamic,
     * one xorshift32 draw per element ---- */
    st = *rng_state;
    sym_intreq_sr_loop(m_in, n, sym_intreq_div_bits(s_bits, new_bits), q_max_bits_out, &st, m_out);
    memcpy(s_out, &new_bits, sizeof new_bits);
    *rng_state = st;
    return SYM_OK;
}
