/* Requant family: dynamic requant (orders RATIO and CLAMP_FIRST), fixed-scale
 * requant, and the shared rescale-into-accumulator helper.
 * Pass 1 validates everything; pass 2 writes and cannot fail. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_requant.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

/* Shared argument checks of both requant kernels (everything but s_out and
 * the data). Returns a status; err (may be NULL) names the field. */
static int sym_requant_check(const int32_t *m_in, int32_t n, int32_t q_max_bits_out,
                             int32_t rounding, const uint32_t *rng_state,
                             const int32_t *m_out, sym_err *err)
{
    size_t bytes;
    int status;
    if (m_in == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "t.m", -1, "t.m is NULL");
    }
    if (m_out == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "out.m", -1, "out.m is NULL");
    }
    if (n < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "t.n", -1, "t needs at least one element");
    }
    if (q_max_bits_out < 2 || q_max_bits_out > 16) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "q_max_bits", -1, "q_max_bits must be 2..16");
    }
    status = sym_rounding_check(rounding, rng_state);
    if (status != SYM_OK) {
        return sym_rounding_fail(err, status);
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (m_in != m_out && sym_ranges_overlap(m_in, bytes, m_out, bytes)) {
        return sym_fail(err, SYM_ERR_ALIAS, "out", -1, "out.m overlaps t.m partially (only out.m == t.m is allowed)");
    }
    if (rounding == SYM_SR_HALF_AWAY
        && (sym_ranges_overlap(rng_state, sizeof *rng_state, m_in, bytes)
            || sym_ranges_overlap(rng_state, sizeof *rng_state, m_out, bytes))) {
        return sym_fail(err, SYM_ERR_ALIAS, "round.rng_state", -1, "the RNG state overlaps t.m or out.m");
    }
    return SYM_OK;
}

/* The one body of sym_requant_dynamic and sym_requant_dynamic_ex. */
static int sym_requant_dynamic_core(const int32_t *m_in, int32_t n, float s_in,
                                    int32_t q_max_bits_out, int32_t rounding, int32_t order,
                                    uint32_t *rng_state, int32_t *m_out, float *s_out, sym_err *err)
{
    int32_t i;
    int32_t q_hi;
    int32_t q_lo;
    int32_t i_max = -1;
    float q_hi_f;
    float q_lo_f;
    float absmax = 0.0f;
    float s_new;
    float ratio;
    uint32_t st = 0u;
    size_t bytes;
    int status;
    const int sr = (rounding == SYM_SR_HALF_AWAY);

    /* ---- pass 1: validate (s_out is not NULL: the callers check it) ---- */
    status = sym_requant_check(m_in, n, q_max_bits_out, rounding, rng_state, m_out, err);
    if (status != SYM_OK) {
        return status;
    }
    if (!sym_scale_is_valid(s_in)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "t.scale", -1, "a scale must be a positive, finite, normal float32");
    }
    if (order != SYM_ORDER_RATIO && order != SYM_ORDER_CLAMP_FIRST) {
        return sym_fail(err, SYM_ERR_BAD_ORDER, "round.order", -1,
                        "order must be SYM_ORDER_RATIO or SYM_ORDER_CLAMP_FIRST");
    }
    bytes = (size_t)n * sizeof(int32_t);
    if (sym_ranges_overlap(s_out, sizeof *s_out, m_in, bytes)
        || sym_ranges_overlap(s_out, sizeof *s_out, m_out, bytes)) {
        return sym_fail(err, SYM_ERR_ALIAS, "out", -1, "out.scale lies inside t.m or out.m");
    }
    if (sr && sym_ranges_overlap(rng_state, sizeof *rng_state, s_out, sizeof *s_out)) {
        return sym_fail(err, SYM_ERR_ALIAS, "round.rng_state", -1, "the RNG state overlaps out.scale");
    }
    for (i = 0; i < n; ++i) {
        const float p = (float)m_in[i] * s_in;
        const float a = fabsf(p);
        if (a > absmax) {
            absmax = a;
            i_max = i;
        }
    }
    /* i_max is the first element whose |m * s_in| is the absmax (inf included) */
    if (isinf(absmax)) {
        return sym_fail(err, SYM_ERR_FLOAT_OVERFLOW, "t", i_max, "|m * s_in| overflows float32: absmax is inf");
    }
    q_hi = sym_q_max(q_max_bits_out);
    q_lo = sym_q_min(q_max_bits_out);
    q_hi_f = (float)q_hi;
    q_lo_f = (float)q_lo;
    status = sym_scale_from_absmax(absmax, q_hi, &s_new);
    if (status != SYM_OK) {
        return sym_fail(err, status, "t", i_max,
                        "absmax / qMax must be a normal float32 (>= 2^-126): absmax is too small");
    }

    /* ---- pass 2: write (cannot fail); m_out may equal m_in ---- */
    if (sr) {
        st = *rng_state;
    }
    if (order == SYM_ORDER_RATIO) {
        ratio = s_in / s_new;
        for (i = 0; i < n; ++i) {
            const float v = (float)m_in[i] * ratio;
            m_out[i] = sym_round_sat(v, rounding, &st, q_lo, q_hi);
        }
    } else {
        for (i = 0; i < n; ++i) {
            const float p = (float)m_in[i] * s_in;
            const float v = p / s_new;
            const float c = sym_clamp_f(v, q_lo_f, q_hi_f);
            m_out[i] = sym_round_sat(c, rounding, &st, q_lo, q_hi);
        }
    }
    *s_out = s_new;
    if (sr) {
        *rng_state = st;
    }
    return SYM_OK;
}

int sym_requant_dynamic(const int32_t *m_in, int32_t n, float s_in,
                        int32_t q_max_bits_out, int32_t rounding, int32_t order,
                        uint32_t *rng_state, int32_t *m_out, float *s_out)
{
    if (s_out == NULL) {
        return SYM_ERR_NULL;
    }
    return sym_requant_dynamic_core(m_in, n, s_in, q_max_bits_out, rounding, order, rng_state, m_out, s_out, NULL);
}

int sym_requant_dynamic_ex(const sym_requant_dynamic_args *args, sym_err *err)
{
    int status;
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    status = sym_out_view_check(args->out, args->t.n, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_requant_dynamic_core(args->t.m, args->t.n, args->t.scale, args->q_max_bits, args->round.mode,
                                      args->round.order, args->round.rng_state, args->out->m,
                                      &args->out->scale, err);
    if (status == SYM_OK) {
        args->out->bits = args->q_max_bits;
    }
    return status;
}

/* The one body of sym_requant_fixed and sym_requant_fixed_ex. */
static int sym_requant_fixed_core(const int32_t *m_in, int32_t n, float s_in, float target,
                                  int32_t q_max_bits_out, int32_t rounding,
                                  uint32_t *rng_state, int32_t *m_out, sym_err *err)
{
    int32_t i;
    int32_t q_hi;
    int32_t q_lo;
    float q_hi_f;
    float q_lo_f;
    uint32_t st = 0u;
    int status;
    const int sr = (rounding == SYM_SR_HALF_AWAY);

    /* ---- pass 1: validate ---- */
    status = sym_requant_check(m_in, n, q_max_bits_out, rounding, rng_state, m_out, err);
    if (status != SYM_OK) {
        return status;
    }
    if (!sym_scale_is_valid(s_in)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "t.scale", -1, "a scale must be a positive, finite, normal float32");
    }
    if (!sym_scale_is_valid(target)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "target_scale", -1,
                        "a scale must be a positive, finite, normal float32");
    }
    q_hi = sym_q_max(q_max_bits_out);
    q_lo = sym_q_min(q_max_bits_out);
    q_hi_f = (float)q_hi;
    q_lo_f = (float)q_lo;

    /* ---- pass 2: write (cannot fail; an inf quotient saturates) ---- */
    if (sr) {
        st = *rng_state;
    }
    for (i = 0; i < n; ++i) {
        const float p = (float)m_in[i] * s_in;
        const float v = p / target;
        const float c = sym_clamp_f(v, q_lo_f, q_hi_f);
        m_out[i] = sym_round_sat(c, rounding, &st, q_lo, q_hi);
    }
    if (sr) {
        *rng_state = st;
    }
    return SYM_OK;
}

int sym_requant_fixed(const int32_t *m_in, int32_t n, float s_in, float target,
                      int32_t q_max_bits_out, int32_t rounding,
                      uint32_t *rng_state, int32_t *m_out)
{
    return sym_requant_fixed_core(m_in, n, s_in, target, q_max_bits_out, rounding, rng_state, m_out, NULL);
}

int sym_requant_fixed_ex(const sym_requant_fixed_args *args, sym_err *err)
{
    int status;
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    status = sym_out_view_check(args->out, args->t.n, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_requant_fixed_core(args->t.m, args->t.n, args->t.scale, args->target_scale, args->q_max_bits,
                                    args->round.mode, args->round.rng_state, args->out->m, err);
    if (status == SYM_OK) {
        args->out->scale = args->target_scale;
        args->out->bits = args->q_max_bits;
    }
    return status;
}

/* The one body of sym_rescale_to_acc and sym_rescale_to_acc_ex. */
static int sym_rescale_to_acc_core(int32_t q, float s_p, float s_acc, int32_t *out, sym_err *err)
{
    float p;
    float r;
    float a;
    if (out == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "out", -1, "out is NULL");
    }
    if (!sym_scale_is_valid(s_p)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "param_scale", -1, "a scale must be a positive, finite, normal float32");
    }
    if (!sym_scale_is_valid(s_acc)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, "acc_scale", -1, "a scale must be a positive, finite, normal float32");
    }
    p = (float)q * s_p;
    r = p / s_acc;
    a = fabsf(r);
    if (!(a <= SYM_RESCALE_GUARD_F)) { /* also NaN and inf */
        return sym_fail(err, SYM_ERR_RANGE_GUARD, "q", -1,
                        "q * param_scale / acc_scale exceeds the rescale guard |r| <= 1073774591");
    }
    *out = sym_sat_round(r, INT32_MIN, INT32_MAX);
    return SYM_OK;
}

int sym_rescale_to_acc(int32_t q, float s_p, float s_acc, int32_t *out)
{
    return sym_rescale_to_acc_core(q, s_p, s_acc, out, NULL);
}

int sym_rescale_to_acc_ex(const sym_rescale_to_acc_args *args, sym_err *err)
{
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    return sym_rescale_to_acc_core(args->q, args->param_scale, args->acc_scale, args->out, err);
}

/* ---- the quantization layer ------------------------------------------- */

int sym_quant_forward(const sym_quant_forward_args *args, sym_err *err)
{
    int status;
    float s_out;
    sym_err inner; /* the requant core's detail, renamed to this step's fields */
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    {
        const void *const views[] = { args->out };
        const char *const view_names[] = { "out" };
        status = sym_first_null(views, view_names, 1, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    {
        const void *const bufs[] = { args->out->m, args->x.m };
        const char *const buf_names[] = { "out.m", "x.m" };
        status = sym_first_null(bufs, buf_names, 2, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if (args->q_max_bits < 2 || args->q_max_bits > 16) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "q_max_bits", -1, "q_max_bits must be 2..16");
    }
    status = sym_round_ctx_check(&args->round, 1, err);
    if (status != SYM_OK) {
        return status;
    }
    if (args->out->n != args->x.n) {
        return sym_fail(err, SYM_ERR_SHAPE, "out.n", -1, "out.n must be x.n");
    }
    status = sym_requant_dynamic_core(args->x.m, args->x.n, args->x.scale, args->q_max_bits, args->round.mode,
                                      args->round.order, args->round.rng_state, args->out->m, &s_out, &inner);
    if (status == SYM_ERR_EMPTY) {
        return sym_fail(err, status, "x.n", -1, "x needs at least one element");
    }
    if (status == SYM_ERR_BAD_SCALE) {
        return sym_fail(err, status, "x.scale", -1, "a scale must be a positive, finite, normal float32");
    }
    if (status == SYM_ERR_FLOAT_OVERFLOW) { /* the core names the first m_i * s_in that is inf */
        return sym_fail(err, status, "x", inner.index, sym_status_name(status));
    }
    if (status != SYM_OK) { /* SCALE_UNDERFLOW: absmax of all of x */
        return sym_fail(err, status, "x", -1, sym_status_name(status));
    }
    args->out->scale = s_out;
    args->out->bits = args->q_max_bits;
    return SYM_OK;
}

int sym_quant_backward(const sym_quant_backward_args *args, sym_err *err)
{
    int32_t k;
    int status;
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    {
        const void *const views[] = { args->out };
        const char *const view_names[] = { "out" };
        status = sym_first_null(views, view_names, 1, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    {
        const void *const bufs[] = { args->out->m, args->dy.m };
        const char *const buf_names[] = { "out.m", "dy.m" };
        status = sym_first_null(bufs, buf_names, 2, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if (args->dy.n < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "dy.n", -1, "dy needs at least one element");
    }
    if (args->out->n != args->dy.n) {
        return sym_fail(err, SYM_ERR_SHAPE, "out.n", -1, "out.n must be dy.n");
    }
    if (sym_ranges_overlap(args->out->m, (size_t)args->out->n * sizeof(int32_t), args->dy.m,
                           (size_t)args->dy.n * sizeof(int32_t))) {
        return sym_fail(err, SYM_ERR_ALIAS, "out", -1, "out overlaps dy");
    }
    for (k = 0; k < args->dy.n; ++k) {
        args->out->m[k] = args->dy.m[k];
    }
    args->out->scale = args->dy.scale;
    args->out->bits = args->dy.bits;
    return SYM_OK;
}
