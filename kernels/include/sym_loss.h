/* Loss family (docs/layers.md "MSE loss"): fake-quant, float32 core. */
#ifndef SYM_LOSS_H
#define SYM_LOSS_H

#include <stdint.h>
#include "sym_status.h"

/* MSE: diff_k = (float)y_k * s_y - t_k; *loss = (sum_k diff_k*diff_k) / (float)N
 * (k ascending); grad_k = (2.0f * diff_k) / (float)N. The caller converts
 * grad with sym_float_to_sym. n_y = n_t = n_grad = N; y may have any width.
 * Errors: NULL, EMPTY, SHAPE, BAD_SCALE (s_y), NONFINITE_INPUT (a target),
 * ALIAS (outputs overlapping inputs or each other), FLOAT_OVERFLOW (the loss
 * or a gradient is not finite). */
int sym_mse_loss(const int32_t *y, int32_t n_y, float s_y,
                 const float *target, int32_t n_t,
                 float *loss, float *grad, int32_t n_grad);

#endif /* SYM_LOSS_H */
