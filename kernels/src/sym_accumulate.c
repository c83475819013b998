/* Accumulate family: dynamic ("strategy A", gradient targets) and fixed-scale
 * (bias gradients). Pass 1 validates everything; pass 2 writes and cannot fail. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_accumulate.h"
#include "sym_requant.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

/* Shared argument checks of both accumulate kernels (widths and scales are
 * checked by the callers). Returns a status. */
static int sym_accumulate_check(const int32_t *t, int32_t n_t,
                                const int32_t *inc, int32_t n_inc)
{
    size_t bytes_t;
    size_t bytes_inc;
    if (t == NULL || inc == NULL) {
        return SYM_ERR_NULL;
    }
    if (n_t < 1 || n_inc < 1) {
        return SYM_ERR_EMPTY;
    }
    if (n_t != n_inc) {
        return SYM_ERR_SHAPE;
    }
    bytes_t = (size_t)n_t * sizeof(int32_t);
    bytes_inc = (size_t)n_inc * sizeof(int32_t);
    if (sym_ranges_overlap(t, bytes_t, inc, bytes_inc)) {
        return SYM_ERR_ALIAS;
    }
    return SYM_OK;
}

int sym_accumulate_dynamic(int32_t *t, int32_t n_t, float *s_t,
                           int32_t q_max_bits_t,
                           const int32_t *inc, int32_t n_inc, float s_inc,
                           int32_t rounding, uint32_t *rng_state)
{
    int32_t i;
    int32_t q_hi;
    int32_t q_lo;
    float s_old;
    float s_new;
    float absmax = 0.0f;
    uint32_t st = 0u;
    size_t bytes;
    int status;
    const int sr = (rounding == SYM_SR_HALF_AWAY);

    /* ---- pass 1: validate ---- */
    if (s_t == NULL) {
        return SYM_ERR_NULL;
    }
    status = sym_accumulate_check(t, n_t, inc, n_inc);
    if (status != SYM_OK) {
        return status;
    }
    if (q_max_bits_t < 2 || q_max_bits_t > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    bytes = (size_t)n_t * sizeof(int32_t);
    if (sym_ranges_overlap(s_t, sizeof *s_t, t, bytes)
        || sym_ranges_overlap(s_t, sizeof *s_t, inc, bytes)) {
        return SYM_ERR_ALIAS;
    }
    s_old = *s_t;
    if (!sym_scale_is_valid(s_old)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (!sym_scale_is_valid(s_inc)) {
        return SYM_ERR_BAD_SCALE;
    }
    status = sym_rounding_check(rounding, rng_state);
    if (status != SYM_OK) {
        return status;
    }
    if (sr && (sym_ranges_overlap(rng_state, sizeof *rng_state, t, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, inc, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, s_t, sizeof *s_t))) {
        return SYM_ERR_ALIAS;
    }
    for (i = 0; i < n_t; ++i) {
        const float p_t = (float)t[i] * s_old;
        const float p_inc = (float)inc[i] * s_inc;
        const float v = p_t + p_inc;
        float a;
        if (!isfinite(v)) { /* inf, or inf + -inf = NaN */
            return SYM_ERR_FLOAT_OVERFLOW;
        }
        a = fabsf(v);
        if (a > absmax) {
            absmax = a;
        }
    }
    q_hi = sym_q_max(q_max_bits_t);
    q_lo = sym_q_min(q_max_bits_t);
    status = sym_scale_from_absmax(absmax, q_hi, &s_new);
    if (status != SYM_OK) {
        return status;
    }

    /* ---- pass 2: write (cannot fail); v_i is recomputed from the old t_i ---- */
    if (sr) {
        st = *rng_state;
    }
    for (i = 0; i < n_t; ++i) {
        const float p_t = (float)t[i] * s_old;
        const float p_inc = (float)inc[i] * s_inc;
        const float v = p_t + p_inc;
        const float q = v / s_new;
        t[i] = sym_round_sat(q, rounding, &st, q_lo, q_hi);
    }
    *s_t = s_new;
    if (sr) {
        *rng_state = st;
    }
    return SYM_OK;
}

int sym_accumulate_fixed(int32_t *t, int32_t n_t, float s_t, int32_t q_max_bits_t,
                         const int32_t *inc, int32_t n_inc, float s_inc)
{
    int32_t i;
    int32_t q_hi;
    int32_t q_lo;
    int status;

    /* ---- pass 1: validate ---- */
    status = sym_accumulate_check(t, n_t, inc, n_inc);
    if (status != SYM_OK) {
        return status;
    }
    if (q_max_bits_t < 2 || q_max_bits_t > 32) {
        return SYM_ERR_BAD_WIDTH;
    }
    if (!sym_scale_is_valid(s_t)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (!sym_scale_is_valid(s_inc)) {
        return SYM_ERR_BAD_SCALE;
    }
    q_hi = sym_q_max(q_max_bits_t);
    q_lo = sym_q_min(q_max_bits_t);
    for (i = 0; i < n_t; ++i) {
        int32_t d = 0;
        const int32_t ti = t[i];
        status = sym_rescale_to_acc(inc[i], s_inc, s_t, &d);
        if (status != SYM_OK) {
            return status;
        }
        /* t_i must lie in its declared width; then t_i + d is checked
         * against [q_lo, q_hi] without ever overflowing (|d| < 2^31 / 2). */
        if (ti > q_hi || ti < q_lo) {
            return SYM_ERR_INT_OVERFLOW;
        }
        if (d > 0 && ti > q_hi - d) {
            return SYM_ERR_INT_OVERFLOW;
        }
        if (d < 0 && ti < q_lo - d) {
            return SYM_ERR_INT_OVERFLOW;
        }
    }

    /* ---- pass 2: write (cannot fail: same inputs as pass 1) ---- */
    for (i = 0; i < n_t; ++i) {
        int32_t d = 0;
        (void)sym_rescale_to_acc(inc[i], s_inc, s_t, &d);
        t[i] = t[i] + d;
    }
    return SYM_OK;
}
