/* SGD family: the float32 update w = p - lr * g (the product first). Pass 1
 * validates everything (including a finite w); pass 2 writes. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_convert.h"
#include "sym_round.h"
#include "sym_sgd.h"
#include "sym_status.h"
#include "sym_support.h"

/* w = (float)m * s_p - lr * ((float)gm * s_g), one operation per statement. */
static float sym_sgd_step(int32_t m, float s_p, int32_t gm, float s_g, float lr)
{
    const float p = (float)m * s_p;
    const float g = (float)gm * s_g;
    const float step = lr * g;
    const float w = p - step;
    return w;
}

/* sym_sgd_update_core that also names the failing element: on
 * FLOAT_OVERFLOW *bad = the first k whose w is not finite; any other failure
 * leaves *bad as it was. */
static int sym_sgd_update_at(const int32_t *param, int32_t n_p, float s_p,
                             const int32_t *grad, int32_t n_g, float s_g,
                             float lr, float *w, int32_t n_w, int32_t *bad)
{
    int32_t k;
    size_t bytes_i;
    size_t bytes_f;

    /* ---- pass 1: validate ---- */
    if (param == NULL || grad == NULL || w == NULL) {
        return SYM_ERR_NULL;
    }
    if (n_p < 1 || n_g < 1 || n_w < 1) {
        return SYM_ERR_EMPTY;
    }
    if (n_g != n_p || n_w != n_p) {
        return SYM_ERR_SHAPE;
    }
    if (!sym_scale_is_valid(s_p) || !sym_scale_is_valid(s_g)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (!isfinite(lr) || !(lr > 0.0f)) {
        return SYM_ERR_BAD_SCALE;
    }
    bytes_i = (size_t)n_p * sizeof(int32_t);
    bytes_f = (size_t)n_p * sizeof(float);
    if (sym_ranges_overlap(w, bytes_f, param, bytes_i)
        || sym_ranges_overlap(w, bytes_f, grad, bytes_i)) {
        return SYM_ERR_ALIAS;
    }
    for (k = 0; k < n_p; ++k) {
        const float v = sym_sgd_step(param[k], s_p, grad[k], s_g, lr);
        if (!isfinite(v)) {
            *bad = k;
            return SYM_ERR_FLOAT_OVERFLOW;
        }
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (k = 0; k < n_p; ++k) {
        w[k] = sym_sgd_step(param[k], s_p, grad[k], s_g, lr);
    }
    return SYM_OK;
}

int sym_sgd_update_core(const int32_t *param, int32_t n_p, float s_p,
                   const int32_t *grad, int32_t n_g, float s_g,
                   float lr, float *w, int32_t n_w)
{
    int32_t bad; /* the failing element: this interface does not report it */
    return sym_sgd_update_at(param, n_p, s_p, grad, n_g, s_g, lr, w, n_w, &bad);
}

int sym_sgd_update(const sym_sgd_update_args *args, sym_err *err)
{
    int status;
    int32_t n;
    float s_w;
    int32_t bad = -1; /* the element the core names, -1 if none */
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
        const void *const bufs[] = { args->out->m, args->fscratch, args->param.m, args->grad.m };
        const char *const buf_names[] = { "out.m", "fscratch", "param.m", "grad.m" };
        status = sym_first_null(bufs, buf_names, 4, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if (args->param.bits < 2 || args->param.bits > 31) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "param.bits", -1, "param must be 2..31 bits wide (its write-back width)");
    }
    status = sym_round_ctx_check(&args->round, 0, err);
    if (status != SYM_OK) {
        return status;
    }
    n = args->param.n;
    if (args->out->n != n) {
        return sym_fail(err, SYM_ERR_SHAPE, "out.n", -1, "out.n must be param.n");
    }
    if (args->n_fscratch < n) {
        return sym_fail(err, SYM_ERR_SHAPE, "fscratch", -1, "n_fscratch must be >= param.n");
    }
    if (n < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "param.n", -1, "param needs at least one element");
    }
    if (args->grad.n != n) {
        return sym_fail(err, SYM_ERR_SHAPE, "grad.n", -1, "grad.n must be param.n");
    }
    status = sym_sgd_update_at(args->param.m, n, args->param.scale, args->grad.m, n, args->grad.scale,
                               args->lr, args->fscratch, n, &bad);
    if (status == SYM_ERR_BAD_SCALE) {
        const char *arg = !sym_scale_is_valid(args->param.scale) ? "param.scale"
                          : !sym_scale_is_valid(args->grad.scale) ? "grad.scale" : "lr";
        return sym_fail(err, status, arg, bad, "a scale (or lr) must be positive and finite");
    }
    if (status != SYM_OK) { /* FLOAT_OVERFLOW */
        return sym_fail(err, status, "param", bad, "w = p - lr*g is not finite in float32");
    }
    status = sym_float_step(args->fscratch, n, args->param.bits, &args->round, args->out->m, &s_w, "out", err);
    if (status != SYM_OK) {
        return status;
    }
    args->out->scale = s_w;
    args->out->bits = args->param.bits;
    return SYM_OK;
}
