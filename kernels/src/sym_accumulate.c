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
 * checked by the callers): pointers, lengths and overlaps of t, inc and the
 * output out (out == t is allowed: in place). Returns a status; err (may be
 * NULL) names the field. */
static int sym_accumulate_check(const int32_t *t, int32_t n_t,
                                const int32_t *inc, int32_t n_inc,
                                const int32_t *out, sym_err *err)
{
    size_t bytes_t;
    size_t bytes_inc;
    if (t == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "target.m", -1, "target.m is NULL");
    }
    if (inc == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "inc.m", -1, "inc.m is NULL");
    }
    if (out == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "out.m", -1, "out.m is NULL");
    }
    if (n_t < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "target.n", -1, "target needs at least one element");
    }
    if (n_inc < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "inc.n", -1, "inc needs at least one element");
    }
    if (n_t != n_inc) {
        return sym_fail(err, SYM_ERR_SHAPE, "inc.n", -1, "inc.n must be target.n");
    }
    bytes_t = (size_t)n_t * sizeof(int32_t);
    bytes_inc = (size_t)n_inc * sizeof(int32_t);
    if (sym_ranges_overlap(t, bytes_t, inc, bytes_inc)) {
        return sym_fail(err, SYM_ERR_ALIAS, "inc", -1, "inc overlaps target");
    }
    if ((out != t && sym_ranges_overlap(out, bytes_t, t, bytes_t))
        || sym_ranges_overlap(out, bytes_t, inc, bytes_inc)) {
        return sym_fail(err, SYM_ERR_ALIAS, "out", -1, "out.m overlaps inc or target partially (out.m == target.m is allowed)");
    }
    return SYM_OK;
}

/* The one body of sym_accumulate_dynamic and sym_accumulate_dynamic_ex:
 * reads t and s_old, writes out and *s_out (out may equal t, s_out may be
 * the caller's s_t). */
static int sym_accumulate_dynamic_core(const int32_t *t, int32_t n_t, float s_old,
                                       int32_t q_max_bits_t,
                                       const int32_t *inc, int32_t n_inc, float s_inc,
                                       int32_t rounding, uint32_t *rng_state,
                                       int32_t *out, float *s_out, sym_err *err)
{
    int32_t i;
    int32_t q_hi;
    int32_t q_lo;
    int32_t i_max = -1;
    float s_new;
    float absmax = 0.0f;
    uint32_t st = 0u;
    size_t bytes;
    int status;
    const int sr = (rounding == SYM_SR_HALF_AWAY);

    /* ---- pass 1: validate ---- */
    status = sym_accumulate_check(t, n_t, inc, n_inc, out, err);
    if (status != SYM_OK) {
        return status;
    }
    if (q_max_bits_t < 2 || q_max_bits_t > 16) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "target.bits", -1, "target.bits must be 2..16");
    }
    bytes = (size_t)n_t * sizeof(int32_t);
    if (sym_ranges_overlap(s_out, sizeof *s_out, t, bytes)
        || sym_ranges_overlap(s_out, sizeof *s_out, inc, bytes)
        || sym_ranges_overlap(s_out, sizeof *s_out, out, bytes)) {
        return sym_fail(err, SYM_ERR_ALIAS, "out", -1, "out.scale lies inside target.m, inc.m or out.m");
    }
    if (!sym_scale_is_valid(s_old)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "target.scale", -1, "a scale must be a positive, finite, normal float32");
    }
    if (!sym_scale_is_valid(s_inc)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "inc.scale", -1, "a scale must be a positive, finite, normal float32");
    }
    status = sym_rounding_check(rounding, rng_state);
    if (status != SYM_OK) {
        return sym_rounding_fail(err, status);
    }
    if (sr && (sym_ranges_overlap(rng_state, sizeof *rng_state, t, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, inc, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, out, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, s_out, sizeof *s_out))) {
        return sym_fail(err, SYM_ERR_ALIAS, "round.rng_state", -1, "the RNG state overlaps target, inc or out");
    }
    for (i = 0; i < n_t; ++i) {
        const float p_t = (float)t[i] * s_old;
        const float p_inc = (float)inc[i] * s_inc;
        const float v = p_t + p_inc;
        float a;
        if (!isfinite(v)) { /* inf, or inf + -inf = NaN */
            return sym_fail(err, SYM_ERR_FLOAT_OVERFLOW, "inc", i, "v = t*s_t + inc*s_inc overflows float32");
        }
        a = fabsf(v);
        if (a > absmax) {
            absmax = a;
            i_max = i;
        }
    }
    q_hi = sym_q_max(q_max_bits_t);
    q_lo = sym_q_min(q_max_bits_t);
    status = sym_scale_from_absmax(absmax, q_hi, &s_new);
    if (status != SYM_OK) { /* i_max is the first element whose |v| is the absmax */
        return sym_fail(err, status, "target", i_max,
                        "absmax / qMax must be a normal float32 (>= 2^-126): absmax is too small");
    }

    /* ---- pass 2: write (cannot fail); v_i is computed from t_i before out_i is written ---- */
    if (sr) {
        st = *rng_state;
    }
    for (i = 0; i < n_t; ++i) {
        const float p_t = (float)t[i] * s_old;
        const float p_inc = (float)inc[i] * s_inc;
        const float v = p_t + p_inc;
        const float q = v / s_new;
        out[i] = sym_round_sat(q, rounding, &st, q_lo, q_hi);
    }
    *s_out = s_new;
    if (sr) {
        *rng_state = st;
    }
    return SYM_OK;
}

int sym_accumulate_dynamic(int32_t *t, int32_t n_t, float *s_t,
                           int32_t q_max_bits_t,
                           const int32_t *inc, int32_t n_inc, float s_inc,
                           int32_t rounding, uint32_t *rng_state)
{
    if (s_t == NULL) {
        return SYM_ERR_NULL;
    }
    return sym_accumulate_dynamic_core(t, n_t, *s_t, q_max_bits_t, inc, n_inc, s_inc, rounding, rng_state,
                                       t, s_t, NULL);
}

int sym_accumulate_dynamic_ex(const sym_accumulate_dynamic_args *args, sym_err *err)
{
    int status;
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    status = sym_out_view_check(args->out, args->target.n, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_accumulate_dynamic_core(args->target.m, args->target.n, args->target.scale, args->target.bits,
                                         args->inc.m, args->inc.n, args->inc.scale, args->round.mode,
                                         args->round.rng_state, args->out->m, &args->out->scale, err);
    if (status == SYM_OK) {
        args->out->bits = args->target.bits;
    }
    return status;
}

/* The one body of sym_accumulate_fixed and sym_accumulate_fixed_ex: reads
 * t, writes out (out may equal t). */
static int sym_accumulate_fixed_core(const int32_t *t, int32_t n_t, float s_t, int32_t q_max_bits_t,
                                     const int32_t *inc, int32_t n_inc, float s_inc,
                                     int32_t *out, sym_err *err)
{
    int32_t i;
    int32_t q_hi;
    int32_t q_lo;
    int status;

    /* ---- pass 1: validate ---- */
    status = sym_accumulate_check(t, n_t, inc, n_inc, out, err);
    if (status != SYM_OK) {
        return status;
    }
    if (q_max_bits_t < 2 || q_max_bits_t > 32) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "target.bits", -1, "target.bits must be 2..32");
    }
    if (!sym_scale_is_valid(s_t)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "target.scale", -1, "a scale must be a positive, finite, normal float32");
    }
    if (!sym_scale_is_valid(s_inc)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "inc.scale", -1, "a scale must be a positive, finite, normal float32");
    }
    q_hi = sym_q_max(q_max_bits_t);
    q_lo = sym_q_min(q_max_bits_t);
    for (i = 0; i < n_t; ++i) {
        int32_t d = 0;
        const int32_t ti = t[i];
        status = sym_rescale_to_acc(inc[i], s_inc, s_t, &d);
        if (status != SYM_OK) {
            return sym_fail(err, status, "inc", i, "inc * s_inc / s_t exceeds the rescale guard |r| <= 1073774591");
        }
        /* t_i must lie in its declared width; then t_i + d is checked
         * against [q_lo, q_hi] without ever overflowing (|d| < 2^31 / 2). */
        if (ti > q_hi || ti < q_lo) {
            return sym_fail(err, SYM_ERR_INT_OVERFLOW, "target", i, "target mantissa outside its declared width");
        }
        if (d > 0 && ti > q_hi - d) {
            return sym_fail(err, SYM_ERR_INT_OVERFLOW, "target", i, "t + rescale(inc) leaves the declared width");
        }
        if (d < 0 && ti < q_lo - d) {
            return sym_fail(err, SYM_ERR_INT_OVERFLOW, "target", i, "t + rescale(inc) leaves the declared width");
        }
    }

    /* ---- pass 2: write (cannot fail: same inputs as pass 1) ---- */
    for (i = 0; i < n_t; ++i) {
        int32_t d = 0;
        (void)sym_rescale_to_acc(inc[i], s_inc, s_t, &d);
        out[i] = t[i] + d;
    }
    return SYM_OK;
}

int sym_accumulate_fixed(int32_t *t, int32_t n_t, float s_t, int32_t q_max_bits_t,
                         const int32_t *inc, int32_t n_inc, float s_inc)
{
    return sym_accumulate_fixed_core(t, n_t, s_t, q_max_bits_t, inc, n_inc, s_inc, t, NULL);
}

int sym_accumulate_fixed_ex(const sym_accumulate_fixed_args *args, sym_err *err)
{
    int status;
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    status = sym_out_view_check(args->out, args->target.n, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_accumulate_fixed_core(args->target.m, args->target.n, args->target.scale, args->target.bits,
                                       args->inc.m, args->inc.n, args->inc.scale, args->out->m, err);
    if (status == SYM_OK) {
        args->out->scale = args->target.scale;
        args->out->bits = args->target.bits;
    }
    return status;
}
