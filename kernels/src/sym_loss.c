/* Loss family: MSE in fake-quant (dequantize, float32 core). Pass 1
 * validates everything (including a finite loss); pass 2 writes. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_loss.h"
#include "sym_round.h"
#include "sym_status.h"

int sym_mse_loss(const int32_t *y, int32_t n_y, float s_y,
                 const float *target, int32_t n_t,
                 float *loss, float *grad, int32_t n_grad)
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
