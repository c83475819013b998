/* Loss family (docs/layers.md "MSE loss"): fake-quant, float32 core. */
#ifndef SYM_LOSS_H
#define SYM_LOSS_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* MSE: diff_k = (float)y_k * s_y - t_k; *loss = (sum_k diff_k*diff_k) / (float)N
 * (k ascending); grad_k = (2.0f * diff_k) / (float)N. The caller converts
 * grad with sym_float_to_sym. n_y = n_t = n_grad = N; y may have any width.
 * Errors: NULL, EMPTY, SHAPE, BAD_SCALE (s_y), NONFINITE_INPUT (a target),
 * ALIAS (outputs overlapping inputs or each other), FLOAT_OVERFLOW (the loss
 * or a gradient is not finite). */
int sym_mse_loss_core(const int32_t *y, int32_t n_y, float s_y,
                 const float *target, int32_t n_t,
                 float *loss, float *grad, int32_t n_grad);

/* mse_loss (layer-level C ABI, docs/layers.md "C ABI"): the float core
 * (sym_mse_loss_core) into fscratch, then dy = sym_float_to_sym of the
 * gradient to grad_bits (2..31) with round.mode / round.rng_state.
 * target: n_target == y.n float32 values. fscratch: n_fscratch >= y.n.
 * Outputs, written only on success: *loss, dy (dy->n == y.n, bits grad_bits).
 * Validates everything first, fills *err (may be NULL), returns the status. */
typedef struct {
    sym_cview y;
    const float *target;
    int32_t n_target;
    int32_t grad_bits;
    sym_round_ctx round;
    float *fscratch;
    int32_t n_fscratch;
    float *loss;
    sym_view *dy;
} sym_mse_loss_args;

int sym_mse_loss(const sym_mse_loss_args *args, sym_err *err);

#endif /* SYM_LOSS_H */
