/* Softmax and cross entropy (kernels/include/sym_softmax.h): validate,
 * compute the float32 core into the caller's scratch, then requant with
 * sym_float_to_sym (which validates before it writes). */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_convert.h"
#include "sym_mathf.h"
#include "sym_round.h"
#include "sym_softmax.h"
#include "sym_status.h"
#include "sym_support.h"

#define SM_P_MIN 1e-7f /* the CE clamp before the log */

static int sm_fail(sym_err *err, int status, const char *arg, int32_t index, const char *reason)
{
    if (err != NULL) {
        err->status = status;
        err->arg = arg;
        err->index = index;
        err->reason = reason;
    }
    return status;
}

/* x view of batch*classes mantissas (width 2..32, valid scale), n = batch*classes. */
static int check_rows(const sym_cview *x, const char *arg, const char *arg_scale, int32_t batch, int32_t classes,
                      int32_t *n, sym_err *err)
{
    if (batch < 1 || classes < 1) {
        return sm_fail(err, SYM_ERR_EMPTY, batch < 1 ? "batch" : "classes", -1, "batch and classes must be >= 1");
    }
    if (classes > 2147483647 / batch) {
        return sm_fail(err, SYM_ERR_SHAPE, "classes", -1, "batch * classes does not fit int32");
    }
    *n = batch * classes;
    if (x->m == NULL) {
        return sm_fail(err, SYM_ERR_NULL, arg, -1, "mantissa pointer is NULL");
    }
    if (x->bits < 2 || x->bits > 32) {
        return sm_fail(err, SYM_ERR_BAD_WIDTH, arg, -1, "width must be 2..32");
    }
    if (x->n != *n) {
        return sm_fail(err, SYM_ERR_SHAPE, arg, -1, "element count differs from batch * classes");
    }
    if (!sym_scale_is_valid(x->scale)) {
        return sm_fail(err, SYM_ERR_BAD_SCALE, arg_scale, -1, "scale must be a positive normal float32");
    }
    const int32_t bad = sym_width_index(x->m, x->n, x->bits);
    if (bad >= 0) {
        return sm_fail(err, SYM_ERR_INT_OVERFLOW, arg, bad, "a mantissa lies outside its declared width");
    }
    return SYM_OK;
}

static int check_out(const sym_view *y, const char *arg, int32_t bits, const char *arg_bits,
                     const sym_round_ctx *round, const float *fscratch, int32_t n_fscratch, int32_t n, sym_err *err)
{
    int st;
    if (bits < 2 || bits > 31) {
        return sm_fail(err, SYM_ERR_BAD_WIDTH, arg_bits, -1, "output width must be 2..31");
    }
    st = sym_rounding_check(round->mode, round->rng_state);
    if (st != SYM_OK) {
        return sm_fail(err, st, st == SYM_ERR_BAD_ROUNDING ? "round.mode" : "round.rng_state", -1,
                       "rounding mode or RNG state rejected");
    }
    if (y == NULL || y->m == NULL) {
        return sm_fail(err, SYM_ERR_NULL, arg, -1, "output view or its mantissa pointer is NULL");
    }
    if (y->n != n) {
        return sm_fail(err, SYM_ERR_SHAPE, arg, -1, "output capacity differs from batch * classes");
    }
    if (fscratch == NULL) {
        return sm_fail(err, SYM_ERR_NULL, "fscratch", -1, "fscratch is NULL");
    }
    if (n_fscratch < n) {
        return sm_fail(err, SYM_ERR_SHAPE, "fscratch", -1, "fscratch needs batch * classes floats");
    }
    return SYM_OK;
}

static int requant(const float *v, int32_t n, int32_t bits, const sym_round_ctx *round, sym_view *y,
                   const char *arg, sym_err *err)
{
    float scale = 0.0f;
    const int st = sym_float_to_sym(v, n, bits, round->mode, round->rng_state, y->m, &scale);
    if (st != SYM_OK) {
        return sm_fail(err, st, arg, -1, "sym_float_to_sym rejected the float32 result");
    }
    y->scale = scale;
    return SYM_OK;
}

int sym_softmax_forward(const sym_softmax_forward_args *args, sym_err *err)
{
    int32_t n = 0;
    int32_t b = 0, c = 0, i = 0;
    int st;
    if (args == NULL) {
        return sm_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    st = check_rows(&args->x, "x", "x.scale", args->batch, args->classes, &n, err);
    if (st == SYM_OK) {
        st = check_out(args->y, "y", args->out_bits, "out_bits", &args->round, args->fscratch, args->n_fscratch,
                       n, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (sym_ranges_overlap(args->fscratch, (size_t)n * sizeof(float), args->x.m, (size_t)n * sizeof(int32_t))
        || sym_ranges_overlap(args->fscratch, (size_t)n * sizeof(float), args->y->m, (size_t)n * sizeof(int32_t))
        || sym_ranges_overlap(args->y->m, (size_t)n * sizeof(int32_t), args->x.m, (size_t)n * sizeof(int32_t))) {
        return sm_fail(err, SYM_ERR_ALIAS, "y", -1, "y, fscratch and x must not overlap");
    }
    for (i = 0; i < n; ++i) {
        if (!isfinite((float)args->x.m[i] * args->x.scale)) {
            return sm_fail(err, SYM_ERR_FLOAT_OVERFLOW, "x", i, "x * s_x is not finite in float32");
        }
    }
    for (b = 0; b < args->batch; ++b) {
        const int32_t *xr = args->x.m + (size_t)b * (size_t)args->classes;
        float *er = args->fscratch + (size_t)b * (size_t)args->classes;
        int32_t mx = xr[0];
        float vmax = 0.0f;
        float sum = 0.0f;
        for (c = 1; c < args->classes; ++c) {
            if (xr[c] > mx) {
                mx = xr[c];
            }
        }
        vmax = (float)mx * args->x.scale;
        for (c = 0; c < args->classes; ++c) {
            const float v = (float)xr[c] * args->x.scale;
            er[c] = sym_expf(v - vmax);
            sum = sum + er[c];
        }
        for (c = 0; c < args->classes; ++c) {
            er[c] = er[c] / sum;
        }
    }
    return requant(args->fscratch, n, args->out_bits, &args->round, args->y, "y", err);
}

int sym_cross_entropy_loss(const sym_cross_entropy_loss_args *args, sym_err *err)
{
    int32_t n = 0;
    int32_t b = 0, c = 0, i = 0;
    float total = 0.0f;
    float loss = 0.0f;
    float fb = 0.0f;
    int st;
    if (args == NULL) {
        return sm_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    st = check_rows(&args->p, "p", "p.scale", args->batch, args->classes, &n, err);
    if (st != SYM_OK) {
        return st;
    }
    if ((args->target_index == NULL) == (args->target_prob == NULL)) {
        return sm_fail(err, SYM_ERR_NULL, "target", -1, "exactly one of target_index and target_prob");
    }
    if (args->n_target != (args->target_index != NULL ? args->batch : n)) {
        return sm_fail(err, SYM_ERR_SHAPE, "target", -1, "target length must be batch (index) or batch*classes");
    }
    if (args->reduction != SYM_REDUCTION_MEAN && args->reduction != SYM_REDUCTION_SUM) {
        return sm_fail(err, SYM_ERR_BAD_TYPE, "reduction", -1, "reduction must be mean (0) or sum (1)");
    }
    st = check_out(args->grad, "grad", args->grad_bits, "grad_bits", &args->round, args->fscratch,
                   args->n_fscratch, n, err);
    if (st != SYM_OK) {
        return st;
    }
    if (args->loss == NULL) {
        return sm_fail(err, SYM_ERR_NULL, "loss", -1, "loss is NULL");
    }
    if (sym_ranges_overlap(args->grad->m, (size_t)n * sizeof(int32_t), args->p.m, (size_t)n * sizeof(int32_t))
        || sym_ranges_overlap(args->fscratch, (size_t)n * sizeof(float), args->p.m, (size_t)n * sizeof(int32_t))
        || sym_ranges_overlap(args->fscratch, (size_t)n * sizeof(float), args->grad->m,
                              (size_t)n * sizeof(int32_t))
        || sym_ranges_overlap(args->loss, sizeof(float), args->grad->m, (size_t)n * sizeof(int32_t))
        || sym_ranges_overlap(args->loss, sizeof(float), args->fscratch, (size_t)n * sizeof(float))) {
        return sm_fail(err, SYM_ERR_ALIAS, "grad", -1, "grad, loss, fscratch and p must not overlap");
    }
    for (i = 0; i < args->n_target; ++i) {
        if (args->target_index != NULL && (args->target_index[i] < 0 || args->target_index[i] >= args->classes)) {
            return sm_fail(err, SYM_ERR_SHAPE, "target", i, "a class index lies outside [0, classes)");
        }
        if (args->target_prob != NULL && !isfinite(args->target_prob[i])) {
            return sm_fail(err, SYM_ERR_NONFINITE_INPUT, "target", i, "a target probability is not finite");
        }
    }
    for (i = 0; i < n; ++i) {
        if (!isfinite((float)args->p.m[i] * args->p.scale)) {
            return sm_fail(err, SYM_ERR_FLOAT_OVERFLOW, "p", i, "p * s_p is not finite in float32");
        }
    }
    /* the loss, then the gradient into fscratch */
    fb = (float)args->batch;
    for (b = 0; b < args->batch; ++b) {
        const int32_t *pr = args->p.m + (size_t)b * (size_t)args->classes;
        float row = 0.0f;
        if (args->target_index != NULL) {
            const float q = (float)pr[args->target_index[b]] * args->p.scale;
            row = -sym_logf(q > SM_P_MIN ? q : SM_P_MIN);
        } else {
            const float *yr = args->target_prob + (size_t)b * (size_t)args->classes;
            float acc = 0.0f;
            for (c = 0; c < args->classes; ++c) {
                const float q = (float)pr[c] * args->p.scale;
                acc = acc + yr[c] * sym_logf(q > SM_P_MIN ? q : SM_P_MIN);
            }
            row = -acc;
        }
        total = total + row;
    }
    loss = args->reduction == SYM_REDUCTION_MEAN ? total / fb : total;
    if (!isfinite(loss)) {
        return sm_fail(err, SYM_ERR_FLOAT_OVERFLOW, "loss", -1, "the cross-entropy loss is not finite in float32");
    }
    for (b = 0; b < args->batch; ++b) {
        const int32_t *pr = args->p.m + (size_t)b * (size_t)args->classes;
        float *gr = args->fscratch + (size_t)b * (size_t)args->classes;
        for (c = 0; c < args->classes; ++c) {
            const float q = (float)pr[c] * args->p.scale;
            float y = 0.0f;
            float g = 0.0f;
            if (args->target_index != NULL) {
                y = c == args->target_index[b] ? 1.0f : 0.0f;
            } else {
                y = args->target_prob[(size_t)b * (size_t)args->classes + (size_t)c];
            }
            g = q - y;
            if (args->reduction == SYM_REDUCTION_MEAN) {
                g = g / fb;
            }
            if (!isfinite(g)) {
                return sm_fail(err, SYM_ERR_FLOAT_OVERFLOW, "grad", b * args->classes + c, "p - y is not finite");
            }
            gr[c] = g;
        }
    }
    st = requant(args->fscratch, n, args->grad_bits, &args->round, args->grad, "grad", err);
    if (st == SYM_OK) {
        *args->loss = loss;
    }
    return st;
}
