/* Conv family (docs/layers.md "Conv1d"): Conv1d and ConvTranspose1d,
 * forward and backward, in the layer-level C ABI (sym_types.h). Tensors are
 * channels-first and row-major: x [B, C_in, L]; Conv1d w [C_out, C_in/g, K];
 * ConvTranspose1d w [C_in, C_out/g, K]; y / dy [B, C_out, L_out].
 * geom holds the resolved geometry (padding as left/right; out_length as the
 * caller computed it: the kernel checks it against the formula). Every entry
 * validates everything first, writes nothing (outputs, scales, RNG state) on
 * error, fills *err (err may be NULL) and returns the status. Every integer
 * sum is a checked int32 add in the order docs/layers.md gives. */
#ifndef SYM_CONV_H
#define SYM_CONV_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* Forward of either layer. b: [C_out] or NULL. out_bits 0 = raw output at
 * s_x*s_w (y->bits must be 32), else 2..16 (y->bits == out_bits): the raw
 * accumulator goes to scratch (n_scratch >= B*C_out*L_out) and is requantized
 * dynamically into y with round (B*C_out*L_out SR draws, element order).
 * scratch may be NULL when out_bits is 0. */
typedef struct {
    sym_cview x;
    sym_cview w;
    const sym_cview *b;
    int32_t out_bits;
    sym_geom1d geom;
    sym_round_ctx round;
    int32_t *scratch;
    int32_t n_scratch;
    sym_view *y;
} sym_conv1d_forward_args;

typedef sym_conv1d_forward_args sym_conv_transpose1d_forward_args;

/* Backward of either layer: dW (s_dy*s_x) accumulated dynamically into
 * grad_w -> new_grad_w, db (sum of dy over batch and positions, s_dy)
 * accumulated at fixed scale into grad_b -> new_grad_b (both NULL or both
 * set), dx (s_dy*s_w) requantized dynamically to dx_bits. SR draws: n_w for
 * grad_w, then n_x for dx. scratch: n_scratch >= 2*n_w + n_x (+ C_out with
 * grad_b). new_grad_w->m may equal grad_w.m and new_grad_b->m grad_b->m. */
typedef struct {
    sym_cview x;
    sym_cview w;
    sym_cview dy;
    sym_cview grad_w;
    const sym_cview *grad_b;
    int32_t dx_bits;
    sym_geom1d geom;
    sym_round_ctx round;
    int32_t *scratch;
    int32_t n_scratch;
    sym_view *dx;
    sym_view *new_grad_w;
    sym_view *new_grad_b;
} sym_conv1d_backward_args;

typedef sym_conv1d_backward_args sym_conv_transpose1d_backward_args;

/* Conv1d: out_length = (in_length + pad_left + pad_right
 * - dilation*(kernel_size-1) - 1) / stride + 1, output_padding 0.
 * y[b, co, t] = seed_co + sum_{ci, k} x[b, g*C_in/g + ci, t*stride - pad_left
 * + k*dilation] * w[co, ci, k] (ci, then k ascending; positions outside
 * [0, L) are skipped), seed_co = sym_rescale_to_acc(b[co], s_b, s_x*s_w). */
int sym_conv1d_forward(const sym_conv1d_forward_args *args, sym_err *err);
int sym_conv1d_backward(const sym_conv1d_backward_args *args, sym_err *err);

/* ConvTranspose1d: out_length = (in_length-1)*stride - pad_left - pad_right
 * + dilation*(kernel_size-1) + output_padding + 1, 0 <= output_padding <
 * max(stride, dilation). y[b, co, j] = seed_co + sum_{ci, k : j = i*stride
 * - pad_left + k*dilation} x[b, ci, i] * w[ci, co - g*C_out/g, k]
 * (ci, then k ascending). */
int sym_conv_transpose1d_forward(const sym_conv_transpose1d_forward_args *args, sym_err *err);
int sym_conv_transpose1d_backward(const sym_conv_transpose1d_backward_args *args, sym_err *err);

#endif /* SYM_CONV_H */
