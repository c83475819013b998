/* Loss family: MSE in fake-quant (dequantize, float32 core). Pass 1
 * validates everything (including a finite loss); pass 2 writes. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_convert.h"
#include "sym_loss.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

/* sym_mse_loss_core that also names the failing element: on
 * NONFINITE_INPUT *bad = the first non-finite target k; any other failure
 * leaves *bad as it was. */
static int sym_mse_loss_at(const int32_t *y, int32_t n_y, float s_y,
                           const float *target, int32_t n_t,
                           float *loss, float *grad, int32_t n_grad, int32_t *bad)
{
    int32_t k;
    float n_f;
    float sum = 0.0f;
    float l;
    size_t bytes_i;
    size_t bytes_f;

    /* ---- pass 1: validate ---- */
    if (y == NULL || target == NULL || loss == NULL || grad == NULL) {
        return SYM_ERR_NULL;
    }
    if (n_y < 1 || n_t < 1 || n_grad < 1) {
        return SYM_ERR_EMPTY;
    }
    if (n_t != n_y || n_grad != n_y) {
        return SYM_ERR_SHAPE;
    }
    if (!sym_scale_is_valid(s_y)) {
        return SYM_ERR_BAD_SCALE;
    }
    bytes_i = (size_t)n_y * sizeof(int32_t);
    bytes_f = (size_t)n_y * sizeof(float);
    if (sym_ranges_overlap(grad, bytes_f, y, bytes_i)
        || sym_ranges_overlap(grad, bytes_f, target, bytes_f)
        || sym_ranges_overlap(loss, sizeof *loss, y, bytes_i)
        || sym_ranges_overlap(loss, sizeof *loss, target, bytes_f)
        || sym_ranges_overlap(loss, sizeof *loss, grad, bytes_f)) {
        return SYM_ERR_ALIAS;
    }
    for (k = 0; k < n_y; ++k) {
        if (!isfinite(target[k])) {
            *bad = k;
            return SYM_ERR_NONFINITE_INPUT;
        }
    }
    for (k = 0; k < n_y; ++k) {
        const float p = (float)y[k] * s_y;
        const float diff = p - target[k];
        const float sq = diff * diff;
        sum = sum + sq;
    }
    n_f = (float)n_y;
    l = sum / n_f;
    if (!isfinite(l)) {
        return SYM_ERR_FLOAT_OVERFLOW;
    }
    /* No separate gradient check: l finite => sum finite => every sq finite
     * (the sq are >= 0 and an inf or NaN sq makes sum inf or NaN) => |diff| <=
     * about sqrt(FLT_MAX) => 2.0f * diff / n_f (n_f >= 1) is finite. diff is
     * never NaN: target is finite and p is finite or +-inf. */

    /* ---- pass 2: write (cannot fail) ---- */
    for (k = 0; k < n_y; ++k) {
        const float p = (float)y[k] * s_y;
        const float diff = p - target[k];
        const float d2 = 2.0f * diff;
        grad[k] = d2 / n_f;
    }
    *loss = l;
    return SYM_OK;
}

int sym_mse_loss_core(const int32_t *y, int32_t n_y, float s_y,
                 const float *target, int32_t n_t,
                 float *loss, float *grad, int32_t n_grad)
{
    int32_t bad; /* the failing element: this interface does not report it */
    return sym_mse_loss_at(y, n_y, s_y, target, n_t, loss, grad, n_grad, &bad);
}

int sym_mse_loss(const sym_mse_loss_args *args, sym_err *err)
{
    int status;
    int32_t n;
    float l;
    float s_dy;
    int32_t bad = -1; /* the element the core names, -1 if none */
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    {
        const void *const views[] = { args->dy };
        const char *const view_names[] = { "dy" };
        status = sym_first_null(views, view_names, 1, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    {
        const void *const bufs[] = { args->loss, args->dy->m, args->fscratch, args->y.m, args->target };
        const char *const buf_names[] = { "loss", "dy.m", "fscratch", "y.m", "target" };
        status = sym_first_null(bufs, buf_names, 5, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if (args->grad_bits < 2 || args->grad_bits > 31) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "grad_bits", -1, "grad_bits must be 2..31");
    }
    status = sym_round_ctx_check(&args->round, 0, err);
    if (status != SYM_OK) {
        return status;
    }
    n = args->y.n;
    if (args->dy->n != n) {
        return sym_fail(err, SYM_ERR_SHAPE, "dy.n", -1, "dy.n must be y.n");
    }
    if (args->n_fscratch < n) {
        return sym_fail(err, SYM_ERR_SHAPE, "fscratch", -1, "n_fscratch must be >= y.n");
    }
    if (n < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "y.n", -1, "y needs at least one element");
    }
    if (args->n_target != n) {
        return sym_fail(err, SYM_ERR_SHAPE, "n_target", -1, "target must have y.n values");
    }
    status = sym_mse_loss_at(args->y.m, n, args->y.scale, args->target, n, &l, args->fscratch, n, &bad);
    if (status == SYM_ERR_BAD_SCALE) {
        return sym_fail(err, status, "y.scale", bad, "a scale must be a positive, finite, normal float32");
    }
    if (status == SYM_ERR_NONFINITE_INPUT) {
        return sym_fail(err, status, "target", bad, "every target value must be finite as float32");
    }
    if (status != SYM_OK) { /* FLOAT_OVERFLOW */
        return sym_fail(err, status, "loss", bad, "the MSE loss is not finite in float32");
    }
    status = sym_float_step(args->fscratch, n, args->grad_bits, &args->round, args->dy->m, &s_dy, "dy", err);
    if (status != SYM_OK) {
        return status;
    }
    args->dy->scale = s_dy;
    args->dy->bits = args->grad_bits;
    *args->loss = l;
    return SYM_OK;
}
