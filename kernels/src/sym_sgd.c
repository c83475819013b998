/* SGD family: the float32 update w = p - lr * g (the product first). Pass 1
 * validates everything (including a finite w); pass 2 writes. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_round.h"
#include "sym_sgd.h"
#include "sym_status.h"

/* w = (float)m * s_p - lr * ((float)gm * s_g), one operation per statement. */
static float sym_sgd_step(int32_t m, float s_p, int32_t gm, float s_g, float lr)
{
    const float p = (float)m * s_p;
    const float g = (float)gm * s_g;
    const float step = lr * g;
    const float w = p - step;
    return w;
}

int sym_sgd_update(const int32_t *param, int32_t n_p, float s_p,
                   const int32_t *grad, int32_t n_g, float s_g,
                   float lr, float *w, int32_t n_w)
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
            return SYM_ERR_FLOAT_OVERFLOW;
        }
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (k = 0; k < n_p; ++k) {
        w[k] = sym_sgd_step(param[k], s_p, grad[k], s_g, lr);
    }
    return SYM_OK;
}
