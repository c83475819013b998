/* Conversion family: float32 -> SYM (dynamic scale), SYM -> float32,
 * int32 -> SYM. Pass 1 validates everything; pass 2 writes and cannot fail. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_convert.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

int sym_float_to_sym(const float *x, int32_t n, int32_t q_max_bits,
                     int32_t rounding, uint32_t *rng_state,
                     int32_t *m, float *scale)
{
    int32_t i;
    int32_t q_hi;
    int32_t q_lo;
    float absmax = 0.0f;
    float s;
    uint32_t st = 0u;
    size_t bytes;
    int status;
    const int sr = (rounding == SYM_SR_HALF_AWAY);

    /* ---- pass 1: validate ---- */
    if (x == NULL || m == NULL || scale == NULL) {
        return SYM_ERR_NULL;
    }
    if (n < 1) {
        return SYM_ERR_EMPTY;
    }
    if (q_max_bits < 2 || q_max_bits > 31) {
        return SYM_ERR_BAD_WIDTH;
    }
    status = sym_rounding_check(rounding, rng_state);
    if (status != SYM_OK) {
        return status;
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (sym_ranges_overlap(x, bytes, m, bytes)
        || sym_ranges_overlap(x, bytes, scale, sizeof *scale)
        || sym_ranges_overlap(m, bytes, scale, sizeof *scale)) {
        return SYM_ERR_ALIAS;
    }
    if (sr && (sym_ranges_overlap(rng_state, sizeof *rng_state, x, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, m, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, scale, sizeof *scale))) {
        return SYM_ERR_ALIAS;
    }
    for (i = 0; i < n; ++i) {
        float a;
        if (!isfinite(x[i])) {
            return SYM_ERR_NONFINITE_INPUT;
        }
        a = fabsf(x[i]);
        if (a > absmax) {
            absmax = a;
        }
    }
    q_hi = sym_q_max(q_max_bits);
    q_lo = sym_q_min(q_max_bits);
    status = sym_scale_from_absmax(absmax, q_hi, &s);
    if (status != SYM_OK) {
        return status;
    }

    /* ---- pass 2: write (cannot fail) ---- */
    if (sr) {
        st = *rng_state;
    }
    for (i = 0; i < n; ++i) {
        const float v = x[i] / s;
        m[i] = sym_round_sat(v, rounding, &st, q_lo, q_hi);
    }
    *scale = s;
    if (sr) {
        *rng_state = st;
    }
    return SYM_OK;
}

int sym_sym_to_float(const int32_t *m, int32_t n, float scale, float *y)
{
    int32_t i;
    size_t bytes;

    /* ---- pass 1: validate ---- */
    if (m == NULL || y == NULL) {
        return SYM_ERR_NULL;
    }
    if (n < 1) {
        return SYM_ERR_EMPTY;
    }
    if (!sym_scale_is_valid(scale)) {
        return SYM_ERR_BAD_SCALE;
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (sym_ranges_overlap(m, bytes, y, bytes)) {
        return SYM_ERR_ALIAS;
    }
    for (i = 0; i < n; ++i) {
        const float p = (float)m[i] * scale;
        if (!isfinite(p)) {
            return SYM_ERR_FLOAT_OVERFLOW;
        }
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (i = 0; i < n; ++i) {
        y[i] = (float)m[i] * scale;
    }
    return SYM_OK;
}

int sym_int_to_sym(const int32_t *src, int32_t n, int32_t *m, float *scale)
{
    int32_t i;
    size_t bytes;

    /* ---- pass 1: validate ---- */
    if (src == NULL || m == NULL || scale == NULL) {
        return SYM_ERR_NULL;
    }
    if (n < 1) {
        return SYM_ERR_EMPTY;
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (src != m && sym_ranges_overlap(src, bytes, m, bytes)) {
        return SYM_ERR_ALIAS;
    }
    if (sym_ranges_overlap(src, bytes, scale, sizeof *scale)
        || sym_ranges_overlap(m, bytes, scale, sizeof *scale)) {
        return SYM_ERR_ALIAS;
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (i = 0; i < n; ++i) {
        m[i] = src[i];
    }
    *scale = 1.0f;
    return SYM_OK;
}
