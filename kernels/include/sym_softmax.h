/* Softmax and cross-entropy family (docs/layers.md "Softmax and
 * cross entropy"): fake-quant (dequantize, float32 core with the portable
 * sym_expf / sym_logf of sym_mathf.h, requant by sym_float_to_sym), rows of
 * [B, C] independent. Layer-level C ABI: one args struct and a sym_err
 * detail per layer step (err may be NULL); everything is validated first
 * and nothing (outputs, loss, scales, RNG state) is written on error.
 * fscratch is working memory (B*C floats), not an output. */
#ifndef SYM_SOFTMAX_H
#define SYM_SOFTMAX_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* Reductions of sym_cross_entropy_loss. */
enum sym_reduction {
    SYM_REDUCTION_MEAN = 0,
    SYM_REDUCTION_SUM = 1
};

/* Softmax forward: per row b, v_c = (float)x_c * s_x, mx = max_c v_c,
 * e_c = sym_expf(v_c - mx), S = sum of e_c (c ascending), p_c = e_c / S;
 * y = sym_float_to_sym(p, out_bits, round.mode, round.rng_state) over the
 * whole tensor (one scale). x: batch*classes mantissas of width 2..32;
 * out_bits 2..31; a v_c that is not finite is SYM_ERR_FLOAT_OVERFLOW "x".
 * round.order is not read. fscratch: >= batch*classes floats. */
typedef struct {
    sym_cview x;
    int32_t batch;
    int32_t classes;
    int32_t out_bits;
    sym_round_ctx round;
    sym_view *y;
    float *fscratch;
    int32_t n_fscratch;
} sym_softmax_forward_args;
int sym_softmax_forward(const sym_softmax_forward_args *args, sym_err *err);

/* Cross entropy on softmax output p [batch, classes] (width 2..32), with
 * class-index targets target_index[batch] (each in [0, classes),
 * SYM_ERR_SHAPE "target" otherwise) or probability targets
 * target_prob[batch*classes] (finite, SYM_ERR_NONFINITE_INPUT "target");
 * exactly one of the two is non-NULL and n_target is its length.
 * q_c = (float)p_c * s_p (finite, else SYM_ERR_FLOAT_OVERFLOW "p"),
 * lq_c = sym_logf(max(q_c, 1e-7f)); row loss l_b = -lq_t (index) or
 * -(sum_c y_c * lq_c) (c ascending); total = sum_b l_b (b ascending);
 * *loss = total / (float)batch (SYM_REDUCTION_MEAN) or total (SUM); a
 * loss that is not finite is SYM_ERR_FLOAT_OVERFLOW "loss". Gradient w.r.t.
 * the logits g_c = q_c - y_c (one-hot y for index targets), divided by
 * (float)batch for the mean (a g that is not finite: SYM_ERR_FLOAT_OVERFLOW
 * "grad"), grad = sym_float_to_sym(g, grad_bits 2..31, round.mode,
 * round.rng_state). An unknown reduction is SYM_ERR_BAD_TYPE "reduction";
 * grad, loss and fscratch overlapping p or each other is SYM_ERR_ALIAS "grad".
 * fscratch: >= batch*classes floats. */
typedef struct {
    sym_cview p;
    int32_t batch;
    int32_t classes;
    const int32_t *target_index;
    const float *target_prob;
    int32_t n_target;
    int32_t grad_bits;
    int32_t reduction;
    sym_round_ctx round;
    float *loss;
    sym_view *grad;
    float *fscratch;
    int32_t n_fscratch;
} sym_cross_entropy_loss_args;
int sym_cross_entropy_loss(const sym_cross_entropy_loss_args *args, sym_err *err);

#endif /* SYM_SOFTMAX_H */
