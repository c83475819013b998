/* LayerNorm family: float32 row statistics, integer affine with beta seeded
 * through sym_rescale_to_acc. Every float operation is its own statement in
 * the order of docs/layers.md (built with -ffp-contract=off). Pass 1
 * validates everything (the forward replays the RNG on a local copy);
 * the last pass recomputes and writes, and cannot fail. No scratch needed:
 * statistics and n are recomputed (deterministically) where needed. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_convert.h"
#include "sym_layernorm.h"
#include "sym_requant.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

/* F must stay below 2^16 so that the int32 row sum of <= 16-bit mantissas
 * cannot overflow. */
#define SYM_LN_MAX_FEATURES 65535

/* Statistics of one row q[0..F-1]: mu and inv = 1 / sqrtf(var + eps),
 * exactly as docs/layers.md step 2 lists them. No finiteness checks here
 * (the contract has none in step 2): an overflow shows up as a non-finite
 * n (checked by the callers: forward FLOAT_OVERFLOW, like a NaN/inf A
 * reaching s_y; backward NONFINITE_INPUT, like dx reaching float_to_sym),
 * and a sum of squares overflowing to inf with finite d gives inv = 0 and
 * n = +-0, which the contract defines as a value. */
static void sym_ln_row_stats(const int32_t *q, int32_t f, float s_x, float eps,
                             float *mu_out, float *inv_out)
{
    int32_t j;
    int32_t s = 0;
    float s_f;
    float f_f;
    float ratio;
    float mu;
    float acc = 0.0f;
    float var;
    float ve;
    float sq;
    float inv;
    for (j = 0; j < f; ++j) {
        s = s + q[j]; /* |q| <= 2^15, F < 2^16: cannot overflow */
    }
    s_f = (float)s;
    f_f = (float)f;
    ratio = s_f / f_f;
    mu = s_x * ratio;
    for (j = 0; j < f; ++j) {
        const float p = (float)q[j] * s_x;
        const float d = p - mu;
        const float dd = d * d;
        acc = acc + dd;
    }
    var = acc / f_f;
    ve = var + eps;
    sq = sqrtf(ve);
    inv = 1.0f / sq;
    *mu_out = mu;
    *inv_out = inv;
}

/* n = ((float)q * s_x - mu) * inv. */
static float sym_ln_normalize(int32_t q, float s_x, float mu, float inv)
{
    const float p = (float)q * s_x;
    const float d = p - mu;
    const float n = d * inv;
    return n;
}

/* Shape checks shared by forward and backward: B, F >= 1, F < 2^16, B*F in
 * int32 and equal to n_x; n_gamma == F. */
static int sym_ln_shape(int32_t batch, int32_t features, int32_t n_x, int32_t n_gamma,
                        int32_t *n_out)
{
    if (batch < 1 || features < 1) {
        return SYM_ERR_EMPTY;
    }
    if (features > SYM_LN_MAX_FEATURES) {
        return SYM_ERR_SHAPE;
    }
    if (batch > INT32_MAX / features) {
        return SYM_ERR_SHAPE;
    }
    if (n_x != batch * features || n_gamma != features) {
        return SYM_ERR_SHAPE;
    }
    *n_out = batch * features;
    return SYM_OK;
}

/* eps: positive and finite (subnormal allowed); the caller says BAD_SCALE. */
static bool sym_ln_eps_ok(float eps)
{
    if (!isfinite(eps)) {
        return false;
    }
    if (!(eps > 0.0f)) {
        return false;
    }
    return true;
}

/* One pass over all elements computing q_n and y. k == 0 means an identical
 * input or A == 0: every q_n is 0 and no draw happens (docs/layers.md); the
 * row statistics computed then are unused. write false: check only
 * (y not touched, st is the caller's scratch copy); write true: store y. */
static int sym_ln_affine_pass(const int32_t *x, float s_x, const int32_t *gamma,
                              const int32_t *beta, float s_beta,
                              int32_t batch, int32_t features, float eps,
                              int32_t q_lo, int32_t q_hi, float k,
                              float s_y, int32_t rounding, uint32_t *st,
                              bool write, int32_t *y)
{
    const float q_lo_f = (float)q_lo;
    const float q_hi_f = (float)q_hi;
    int32_t r;
    int32_t j;
    for (r = 0; r < batch; ++r) {
        const int32_t *row = x + r * features;
        float mu;
        float inv;
        sym_ln_row_stats(row, features, s_x, eps, &mu, &inv);
        for (j = 0; j < features; ++j) {
            int32_t qn;
            int32_t prod;
            int32_t seed;
            if (k == 0.0f) {
                qn = 0; /* no rounding happens: no RNG draw (docs/layers.md) */
            } else {
                const float n = sym_ln_normalize(row[j], s_x, mu, inv);
                const float nk = n * k;
                const float c = sym_clamp_f(nk, q_lo_f, q_hi_f);
                qn = sym_round_sat(c, rounding, st, q_lo, q_hi);
            }
            prod = qn * gamma[j]; /* both <= 16 bits wide: |prod| <= 2^30 */
            (void)sym_rescale_to_acc(beta[j], s_beta, s_y, &seed); /* validated: SYM_OK */
            if (sym_add_overflows(prod, seed)) {
                return SYM_ERR_INT_OVERFLOW;
            }
            if (write) {
                y[r * features + j] = prod + seed;
            }
        }
    }
    return SYM_OK;
}

int sym_layernorm_forward_core(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                          const int32_t *gamma, int32_t n_gamma, float s_gamma,
                          int32_t gamma_bits,
                          const int32_t *beta, int32_t n_beta, float s_beta,
                          int32_t batch, int32_t features, int32_t norm_bits,
                          float eps, int32_t rounding, uint32_t *rng_state,
                          int32_t *y, int32_t n_y, float *s_y)
{
    int32_t n;
    int32_t i;
    int32_t r;
    int32_t j;
    int32_t q_hi;
    int32_t q_lo;
    int32_t seed;
    float absmax = 0.0f;
    float k = 0.0f; /* stays 0 when A == 0 */
    float s_norm = 1.0f;
    float s_new;
    uint32_t st = 0u;
    size_t bytes;
    size_t bytes_g;
    bool identical = true;
    int status;
    const bool sr = (rounding == SYM_SR_HALF_AWAY);

    /* ---- pass 1: validate arguments ---- */
    if (x == NULL || gamma == NULL || beta == NULL || y == NULL || s_y == NULL) {
        return SYM_ERR_NULL;
    }
    status = sym_ln_shape(batch, features, n_x, n_gamma, &n);
    if (status != SYM_OK) {
        return status;
    }
    if (n_beta != features || n_y != n) {
        return SYM_ERR_SHAPE;
    }
    if (x_bits < 2 || x_bits > 16 || gamma_bits < 2 || gamma_bits > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    if (norm_bits < 2 || norm_bits > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    if (!sym_scale_is_valid(s_x) || !sym_scale_is_valid(s_gamma) || !sym_scale_is_valid(s_beta)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (!sym_ln_eps_ok(eps)) {
        return SYM_ERR_BAD_SCALE;
    }
    status = sym_rounding_check(rounding, rng_state);
    if (status != SYM_OK) {
        return status;
    }
    bytes = (size_t)n * sizeof(int32_t);
    bytes_g = (size_t)features * sizeof(int32_t);
    if (sym_ranges_overlap(y, bytes, x, bytes)
        || sym_ranges_overlap(y, bytes, gamma, bytes_g)
        || sym_ranges_overlap(y, bytes, beta, bytes_g)
        || sym_ranges_overlap(s_y, sizeof *s_y, x, bytes)
        || sym_ranges_overlap(s_y, sizeof *s_y, gamma, bytes_g)
        || sym_ranges_overlap(s_y, sizeof *s_y, beta, bytes_g)
        || sym_ranges_overlap(s_y, sizeof *s_y, y, bytes)) {
        return SYM_ERR_ALIAS;
    }
    if (sr && (sym_ranges_overlap(rng_state, sizeof *rng_state, x, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, gamma, bytes_g)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, beta, bytes_g)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, y, bytes)
               || sym_ranges_overlap(rng_state, sizeof *rng_state, s_y, sizeof *s_y))) {
        return SYM_ERR_ALIAS;
    }
    status = sym_check_width(x, n, x_bits);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_check_width(gamma, features, gamma_bits);
    if (status != SYM_OK) {
        return status;
    }

    /* ---- step 1: identical-input pre-check in integers (no draws) ---- */
    for (i = 1; i < n; ++i) {
        if (x[i] != x[0]) {
            identical = false;
        }
    }

    /* ---- step 2/3: statistics, A = max|n| (validated). Skipped for an
     * identical input: q_n = 0, s_norm = 1 (k stays 0), and the affine step
     * below still runs, so y = rescale(beta_j, s_beta, s_gamma). ---- */
    if (!identical) {
        for (r = 0; r < batch; ++r) {
            const int32_t *row = x + r * features;
            float mu;
            float inv;
            sym_ln_row_stats(row, features, s_x, eps, &mu, &inv);
            for (j = 0; j < features; ++j) {
                const float v = sym_ln_normalize(row[j], s_x, mu, inv);
                const float a = fabsf(v);
                if (!isfinite(v)) {
                    return SYM_ERR_FLOAT_OVERFLOW;
                }
                if (a > absmax) {
                    absmax = a;
                }
            }
        }
    }
    q_hi = sym_q_max(norm_bits);
    q_lo = sym_q_min(norm_bits);
    if (absmax > 0.0f) {
        const float q_hi_f = (float)q_hi;
        k = q_hi_f / absmax;
        s_norm = 1.0f / k;
    }

    /* ---- step 4: s_y, beta seeds, checked affine (RNG on a local copy) ---- */
    s_new = s_norm * s_gamma;
    if (isinf(s_new)) {
        return SYM_ERR_FLOAT_OVERFLOW;
    }
    if (!sym_scale_is_valid(s_new)) {
        return SYM_ERR_SCALE_UNDERFLOW;
    }
    for (j = 0; j < features; ++j) {
        status = sym_rescale_to_acc(beta[j], s_beta, s_new, &seed);
        if (status != SYM_OK) {
            return status;
        }
    }
    if (sr) {
        st = *rng_state;
    }
    status = sym_ln_affine_pass(x, s_x, gamma, beta, s_beta, batch, features, eps,
                                q_lo, q_hi, k, s_new, rounding, &st, false, y);
    if (status != SYM_OK) {
        return status;
    }

    /* ---- last pass: write (cannot fail: replays pass 1 from the same state) ---- */
    if (sr) {
        st = *rng_state;
    }
    (void)sym_ln_affine_pass(x, s_x, gamma, beta, s_beta, batch, features, eps,
                             q_lo, q_hi, k, s_new, rounding, &st, true, y);
    *s_y = s_new;
    if (sr) {
        *rng_state = st;
    }
    return SYM_OK;
}

/* One backward row pass: dx_j for j = 0..F-1 of row r. write false: check
 * that every dx_j is finite (else NONFINITE_INPUT, the status float_to_sym
 * gives dx in docs/layers.md); write true: store them. */
static int sym_ln_backward_row(const int32_t *row, const int32_t *gamma, float s_gamma,
                               const int32_t *dyr, float s_dy, int32_t features,
                               float s_x, float eps, bool write, float *dxr)
{
    float mu;
    float inv;
    float sum1 = 0.0f;
    float sum2 = 0.0f;
    float f_f;
    float m1;
    float m2;
    int32_t j;
    sym_ln_row_stats(row, features, s_x, eps, &mu, &inv);
    for (j = 0; j < features; ++j) {
        const float a = (float)dyr[j] * s_dy;
        const float g = (float)gamma[j] * s_gamma;
        const float dn = a * g;
        const float n = sym_ln_normalize(row[j], s_x, mu, inv);
        const float t = dn * n;
        sum1 = sum1 + dn;
        sum2 = sum2 + t;
    }
    f_f = (float)features;
    m1 = sum1 / f_f;
    m2 = sum2 / f_f;
    for (j = 0; j < features; ++j) {
        const float a = (float)dyr[j] * s_dy;
        const float g = (float)gamma[j] * s_gamma;
        const float dn = a * g;
        const float n = sym_ln_normalize(row[j], s_x, mu, inv);
        const float e1 = dn - m1;
        const float e2 = n * m2;
        const float e3 = e1 - e2;
        const float v = inv * e3;
        if (!isfinite(v)) {
            /* the contract passes dx to float_to_sym, which rejects it */
            return SYM_ERR_NONFINITE_INPUT;
        }
        if (write) {
            dxr[j] = v;
        }
    }
    return SYM_OK;
}

int sym_layernorm_backward_core(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                           const int32_t *gamma, int32_t n_gamma, float s_gamma,
                           const int32_t *dy, int32_t n_dy, float s_dy,
                           int32_t batch, int32_t features, float eps,
                           float *dx, int32_t n_dx)
{
    int32_t n;
    int32_t r;
    size_t bytes;
    size_t bytes_g;
    int status;

    /* ---- pass 1: validate ---- */
    if (x == NULL || gamma == NULL || dy == NULL || dx == NULL) {
        return SYM_ERR_NULL;
    }
    status = sym_ln_shape(batch, features, n_x, n_gamma, &n);
    if (status != SYM_OK) {
        return status;
    }
    if (n_dy != n || n_dx != n) {
        return SYM_ERR_SHAPE;
    }
    if (x_bits < 2 || x_bits > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    if (!sym_scale_is_valid(s_x) || !sym_scale_is_valid(s_gamma) || !sym_scale_is_valid(s_dy)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (!sym_ln_eps_ok(eps)) {
        return SYM_ERR_BAD_SCALE;
    }
    bytes = (size_t)n * sizeof(int32_t);
    bytes_g = (size_t)features * sizeof(int32_t);
    if (sym_ranges_overlap(dx, (size_t)n * sizeof(float), x, bytes)
        || sym_ranges_overlap(dx, (size_t)n * sizeof(float), gamma, bytes_g)
        || sym_ranges_overlap(dx, (size_t)n * sizeof(float), dy, bytes)) {
        return SYM_ERR_ALIAS;
    }
    status = sym_check_width(x, n, x_bits);
    if (status != SYM_OK) {
        return status;
    }
    for (r = 0; r < batch; ++r) {
        status = sym_ln_backward_row(x + r * features, gamma, s_gamma, dy + r * features, s_dy,
                                     features, s_x, eps, false, dx);
        if (status != SYM_OK) {
            return status;
        }
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (r = 0; r < batch; ++r) {
        (void)sym_ln_backward_row(x + r * features, gamma, s_gamma, dy + r * features, s_dy,
                                  features, s_x, eps, true, dx + r * features);
    }
    return SYM_OK;
}

/* ---- layer steps ------------------------------------------------------ */

/* 1 if bits is a product operand width (2..16). */
static int sym_ln_width_ok(int32_t bits)
{
    return bits >= 2 && bits <= 16;
}

/* The argument a LayerNorm core status points at (after the core failed):
 * third is beta (forward, third_n = features) or dy (backward, third_n =
 * x.n); forward says whether gamma.m can be it. */
static int sym_ln_fail(int status, const sym_cview *x, const sym_cview *gamma, const sym_cview *third,
                       const char *third_name, int32_t third_n, int32_t features, int forward, sym_err *err)
{
    const char *arg = "out";
    int32_t index = -1;
    if (status == SYM_ERR_EMPTY) {
        arg = "batch";
    }
    if (status == SYM_ERR_SHAPE) {
        arg = gamma->n != features ? "gamma.n" : third->n != third_n ? third_name : "x.n";
    }
    if (status == SYM_ERR_BAD_WIDTH) {
        arg = !sym_ln_width_ok(x->bits) ? "x.bits" : !sym_ln_width_ok(gamma->bits) ? "gamma.bits" : "norm_bits";
    }
    if (status == SYM_ERR_BAD_SCALE) {
        arg = !sym_scale_is_valid(x->scale) ? "x.scale" : !sym_scale_is_valid(gamma->scale) ? "gamma.scale"
              : !sym_scale_is_valid(third->scale) ? (forward ? "beta.scale" : "dy.scale") : "eps";
    }
    if (status == SYM_ERR_INT_OVERFLOW) {
        /* backward checks the width of x only: its INT_OVERFLOW always names x */
        index = sym_width_index(x->m, x->n, x->bits);
        arg = "x.m";
        if (index < 0) {
            index = sym_width_index(gamma->m, gamma->n, gamma->bits);
            arg = index < 0 ? "out" : "gamma.m";
        }
    }
    if (status == SYM_ERR_RANGE_GUARD) {
        arg = "beta";
    }
    if (status == SYM_ERR_FLOAT_OVERFLOW) {
        arg = "x";
    }
    if (status == SYM_ERR_SCALE_UNDERFLOW) {
        arg = "gamma.scale";
    }
    return sym_fail(err, status, arg, index, sym_status_name(status));
}

int sym_layernorm_forward(const sym_layernorm_forward_args *args, sym_err *err)
{
    int status;
    float s_y;
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
        const void *const bufs[] = { args->out->m, args->x.m, args->gamma.m, args->beta.m };
        const char *const buf_names[] = { "out.m", "x.m", "gamma.m", "beta.m" };
        status = sym_first_null(bufs, buf_names, 4, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    status = sym_round_ctx_check(&args->round, 0, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_layernorm_forward_core(args->x.m, args->x.n, args->x.scale, args->x.bits,
                                        args->gamma.m, args->gamma.n, args->gamma.scale, args->gamma.bits,
                                        args->beta.m, args->beta.n, args->beta.scale,
                                        args->batch, args->features, args->norm_bits, args->eps,
                                        args->round.mode, args->round.rng_state,
                                        args->out->m, args->out->n, &s_y);
    if (status == SYM_ERR_SHAPE && args->out->n != args->x.n) {
        return sym_fail(err, status, "out.n", -1, "out.n must be batch*features");
    }
    if (status != SYM_OK) {
        return sym_ln_fail(status, &args->x, &args->gamma, &args->beta, "beta.n", args->features, args->features, 1,
                           err);
    }
    args->out->scale = s_y;
    args->out->bits = 32;
    return SYM_OK;
}

int sym_layernorm_backward(const sym_layernorm_backward_args *args, sym_err *err)
{
    int status;
    int32_t n;
    float s_dx;
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
        const void *const bufs[] = { args->out->m, args->fscratch, args->x.m, args->gamma.m, args->dy.m };
        const char *const buf_names[] = { "out.m", "fscratch", "x.m", "gamma.m", "dy.m" };
        status = sym_first_null(bufs, buf_names, 5, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if (args->dx_bits < 2 || args->dx_bits > 31) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "dx_bits", -1, "dx_bits must be 2..31");
    }
    status = sym_round_ctx_check(&args->round, 0, err);
    if (status != SYM_OK) {
        return status;
    }
    n = args->out->n;
    if (args->x.n != n) {
        return sym_fail(err, SYM_ERR_SHAPE, "out.n", -1, "out.n must be x.n = batch*features");
    }
    if (args->n_fscratch < n) {
        return sym_fail(err, SYM_ERR_SHAPE, "fscratch", -1, "n_fscratch must be >= batch*features");
    }
    status = sym_layernorm_backward_core(args->x.m, args->x.n, args->x.scale, args->x.bits,
                                         args->gamma.m, args->gamma.n, args->gamma.scale,
                                         args->dy.m, args->dy.n, args->dy.scale,
                                         args->batch, args->features, args->eps, args->fscratch, n);
    if (status != SYM_OK) {
        return sym_ln_fail(status, &args->x, &args->gamma, &args->dy, "dy.n", args->x.n, args->features, 0, err);
    }
    status = sym_float_step(args->fscratch, n, args->dx_bits, &args->round, args->out->m, &s_dx, "out", err);
    if (status != SYM_OK) {
        return status;
    }
    args->out->scale = s_dx;
    args->out->bits = args->dx_bits;
    return SYM_OK;
}
