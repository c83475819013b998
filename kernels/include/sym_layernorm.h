/* LayerNorm family (docs/layers.md "LayerNorm"): float32 statistics per row,
 * integer affine. x: [B, F] row-major, gamma: [F], beta: [F]. F < 2^16 and
 * x declared at most 16 bits wide, so the int32 row sum cannot overflow. Each
 * kernel validates everything first and writes nothing on error. */
#ifndef SYM_LAYERNORM_H
#define SYM_LAYERNORM_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* Forward. If every mantissa of x is identical (integer pre-check): no
 * statistics, q_n = 0 and s_norm = 1.0f, no draws; the affine step below
 * still runs, so *s_y = s_gamma and y[r*F + j] = rescale(beta[j], s_beta, s_gamma).
 * Otherwise per row: mu = s_x * ((float)S / (float)F);
 * acc += d*d with d = (float)q*s_x - mu; var = acc / (float)F;
 * inv = 1.0f / sqrtf(var + eps); n = ((float)q*s_x - mu) * inv.
 * A = max|n| over the whole tensor; A == 0: q_n = 0, s_norm = 1.0f (no
 * rounding, so no RNG draws, docs/layers.md Clarifications); else K = (float)qMax / A,
 * s_norm = 1.0f / K, q_n = sat(round(clamp(n*K))) (SR: one draw per element,
 * row-major). *s_y = s_norm * s_gamma;
 * y[r*F + j] = q_n * gamma[j] + sym_rescale_to_acc(beta[j], s_beta, *s_y).
 * x_bits, gamma_bits, norm_bits: 2..16 (beta: any width); eps: positive,
 * finite. n_x = n_y = B*F, n_gamma = n_beta = F.
 * Errors: NULL, EMPTY, SHAPE (lengths, F >= 2^16, B*F > int32), BAD_WIDTH,
 * BAD_SCALE (s_x, s_gamma, s_beta, eps), BAD_ROUNDING, BAD_RNG, ALIAS,
 * INT_OVERFLOW (a mantissa outside its width, or y leaving int32),
 * FLOAT_OVERFLOW (a non-finite n, which makes A and s_y non-finite, or s_y
 * inf; the statistics themselves are not checked: a sum of squares
 * overflowing with finite d gives inv = 0, n = +-0 as the contract computes),
 * SCALE_UNDERFLOW (s_y not normal), RANGE_GUARD (a beta seed). */
int sym_layernorm_forward_core(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                          const int32_t *gamma, int32_t n_gamma, float s_gamma,
                          int32_t gamma_bits,
                          const int32_t *beta, int32_t n_beta, float s_beta,
                          int32_t batch, int32_t features, int32_t norm_bits,
                          float eps, int32_t rounding, uint32_t *rng_state,
                          int32_t *y, int32_t n_y, float *s_y);

/* Backward float core: per row mu, inv, n_j as in forward (no identical-input
 * special case); dn_j = ((float)dy_j * s_dy) * ((float)gamma_j * s_gamma);
 * m1 = (sum_j dn_j) / (float)F; m2 = (sum_j dn_j * n_j) / (float)F;
 * dx_j = inv * ((dn_j - m1) - n_j * m2), written as float32 to dx.
 * The caller converts dx with sym_float_to_sym. x_bits: 2..16 (gamma, dy:
 * any width). n_x = n_dy = n_dx = B*F, n_gamma = F.
 * Errors: NULL, EMPTY, SHAPE, BAD_WIDTH, BAD_SCALE (s_x, s_gamma, s_dy, eps),
 * ALIAS, INT_OVERFLOW (an x mantissa outside its width), NONFINITE_INPUT
 * (a non-finite dx: the status float_to_sym gives it, docs/layers.md
 * Clarifications; the statistics are not checked separately). */
int sym_layernorm_backward_core(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                           const int32_t *gamma, int32_t n_gamma, float s_gamma,
                           const int32_t *dy, int32_t n_dy, float s_dy,
                           int32_t batch, int32_t features, float eps,
                           float *dx, int32_t n_dx);

/* ---- layer steps (the layer-level C ABI, docs/layers.md "C ABI") ----
 * Validate everything first, write nothing (outputs, scale, RNG state) on
 * error, fill *err (may be NULL) and return the status. x is [batch,
 * features] (x.n = batch*features). */

/* layernorm_forward: the forward core (sym_layernorm_forward_core) with
 * round.mode / round.rng_state (round.order unused); out->n = batch*features,
 * out->bits = 32 on success. No scratch. */
typedef struct {
    sym_cview x;
    sym_cview gamma;
    sym_cview beta;
    int32_t batch;
    int32_t features;
    int32_t norm_bits;
    float eps;
    sym_round_ctx round;
    sym_view *out;
} sym_layernorm_forward_args;

int sym_layernorm_forward(const sym_layernorm_forward_args *args, sym_err *err);

/* layernorm_backward: the float core (sym_layernorm_backward_core) into
 * fscratch, then sym_float_to_sym to dx_bits (2..31) with round.mode /
 * round.rng_state. fscratch: caller-owned, n_fscratch >= batch*features.
 * out->n = batch*features, out->bits = dx_bits on success. */
typedef struct {
    sym_cview x;
    sym_cview gamma;
    sym_cview dy;
    int32_t batch;
    int32_t features;
    int32_t dx_bits;
    float eps;
    sym_round_ctx round;
    float *fscratch;
    int32_t n_fscratch;
    sym_view *out;
} sym_layernorm_backward_args;

int sym_layernorm_backward(const sym_layernorm_backward_args *args, sym_err *err);

#endif /* SYM_LAYERNORM_H */
