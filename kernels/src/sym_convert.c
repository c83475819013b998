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

static int sym_float_to_sym_core(const float *x, int32_t n, int32_t q_max_bits,
                                 int32_t rounding, uint32_t *rng_state,
                                 int32_t *m, float *scale, sym_err *err)
{
    int32_t i;
    int32_t q_hi;
    int32_t q_lo;
    int32_t i_max = -1;
    float absmax = 0.0f;
    float s;
    uint32_t st = 0u;
    size_t bytes;
    int status;
    const int sr = (rounding == SYM_SR_HALF_AWAY);

    /* ---- pass 1: validate ---- */
    if (x == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "x", -1, "x is NULL");
    }
    if (m == NULL || scale == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "out.m", -1, "out.m is NULL");
    }
    if (n < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "n", -1, "x needs at least one element");
    }
    if (q_max_bits < 2 || q_max_bits > 31) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "q_max_bits", -1, "q_max_bits must be 2..31");
    }
    status = sym_rounding_check(rounding, rng_state);
    if (status != SYM_OK) {
        return sym_rounding_fail(err, status);
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (sym_ranges_overlap(x, bytes, m, bytes)
        || sym_ranges_overlap(x, bytes, scale, sizeof *scale)
        || sym_ranges_overlap(m, bytes, scale, sizeof *scale)) {
        return sym_fail(err, SYM_ERR_ALIAS, "out", -1, "out overlaps x");
    }
    if (sr && (sym_ranges_overlap(rng_state, sizeof *rng_state, x, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, m, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, scale, sizeof *scale))) {
        return sym_fail(err, SYM_ERR_ALIAS, "round.rng_state", -1, "the RNG state overlaps x or out");
    }
    for (i = 0; i < n; ++i) {
        float a;
        if (!isfinite(x[i])) {
            return sym_fail(err, SYM_ERR_NONFINITE_INPUT, "x", i,
                            "every input value must be finite (no NaN, no inf) as float32");
        }
        a = fabsf(x[i]);
        if (a > absmax) {
            absmax = a;
            i_max = i;
        }
    }
    q_hi = sym_q_max(q_max_bits);
    q_lo = sym_q_min(q_max_bits);
    status = sym_scale_from_absmax(absmax, q_hi, &s);
    if (status != SYM_OK) { /* i_max is the element whose |x| is the absmax */
        return sym_fail(err, status, "x", i_max,
                        "absmax / qMax must be a normal float32 (>= 2^-126): absmax is too small");
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

int sym_float_to_sym(const float *x, int32_t n, int32_t q_max_bits,
                     int32_t rounding, uint32_t *rng_state,
                     int32_t *m, float *scale)
{
    return sym_float_to_sym_core(x, n, q_max_bits, rounding, rng_state, m, scale, NULL);
}

int sym_float_to_sym_ex(const sym_float_to_sym_args *args, sym_err *err)
{
    int status;
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    status = sym_out_view_check(args->out, args->n, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_float_to_sym_core(args->x, args->n, args->q_max_bits, args->round.mode,
                                   args->round.rng_state, args->out->m, &args->out->scale, err);
    if (status == SYM_OK) {
        args->out->bits = args->q_max_bits;
    }
    return status;
}

static int sym_sym_to_float_core(const int32_t *m, int32_t n, float scale, float *y, sym_err *err)
{
    int32_t i;
    size_t bytes;

    /* ---- pass 1: validate ---- */
    if (m == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "t.m", -1, "t.m is NULL");
    }
    if (y == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "y", -1, "y is NULL");
    }
    if (n < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "t.n", -1, "t needs at least one element");
    }
    if (!sym_scale_is_valid(scale)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "t.scale", -1, "a scale must be a positive, finite, normal float32");
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (sym_ranges_overlap(m, bytes, y, bytes)) {
        return sym_fail(err, SYM_ERR_ALIAS, "y", -1, "y overlaps t.m");
    }
    for (i = 0; i < n; ++i) {
        const float p = (float)m[i] * scale;
        if (!isfinite(p)) {
            return sym_fail(err, SYM_ERR_FLOAT_OVERFLOW, "t", i, "m * scale overflows float32");
        }
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (i = 0; i < n; ++i) {
        y[i] = (float)m[i] * scale;
    }
    return SYM_OK;
}

int sym_sym_to_float(const int32_t *m, int32_t n, float scale, float *y)
{
    return sym_sym_to_float_core(m, n, scale, y, NULL);
}

int sym_sym_to_float_ex(const sym_sym_to_float_args *args, sym_err *err)
{
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    return sym_sym_to_float_core(args->t.m, args->t.n, args->t.scale, args->y, err);
}

static int sym_int_to_sym_core(const int32_t *src, int32_t n, int32_t *m, float *scale, sym_err *err)
{
    int32_t i;
    size_t bytes;

    /* ---- pass 1: validate ---- */
    if (src == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "m", -1, "m is NULL");
    }
    if (m == NULL || scale == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "out.m", -1, "out.m is NULL");
    }
    if (n < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "n", -1, "m needs at least one element");
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (src != m && sym_ranges_overlap(src, bytes, m, bytes)) {
        return sym_fail(err, SYM_ERR_ALIAS, "out", -1, "out.m overlaps m partially (only out.m == m is allowed)");
    }
    if (sym_ranges_overlap(src, bytes, scale, sizeof *scale)
        || sym_ranges_overlap(m, bytes, scale, sizeof *scale)) {
        return sym_fail(err, SYM_ERR_ALIAS, "out", -1, "out.scale lies inside m or out.m");
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (i = 0; i < n; ++i) {
        m[i] = src[i];
    }
    *scale = 1.0f;
    return SYM_OK;
}

int sym_int_to_sym(const int32_t *src, int32_t n, int32_t *m, float *scale)
{
    return sym_int_to_sym_core(src, n, m, scale, NULL);
}

int sym_int_to_sym_ex(const sym_int_to_sym_args *args, sym_err *err)
{
    int status;
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    status = sym_out_view_check(args->out, args->n, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_int_to_sym_core(args->m, args->n, args->out->m, &args->out->scale, err);
    if (status == SYM_OK) {
        args->out->bits = 32;
    }
    return status;
}
