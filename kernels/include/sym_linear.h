/* Linear family (docs/layers.md "Linear"): the integer cores of the forward
 * and backward passes. x: [B, I], w: [O, I], b: [O], dy: [B, O], all
 * row-major. Products are only formed from operands declared at most 16 bits
 * wide (|product| <= 2^30); every partial sum is a checked int32 add.
 * Requant / accumulate of the results is composed by the caller with the
 * primitives (sym_requant.h, sym_accumulate.h). Each kernel validates
 * everything first and writes nothing on error. */
#ifndef SYM_LINEAR_H
#define SYM_LINEAR_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* Forward core: s_acc = s_x * s_w (float32);
 * acc[i*O + c] = seed_c + x[i,0]*w[c,0] + x[i,1]*w[c,1] + ...  (k ascending),
 * seed_c = sym_rescale_to_acc(b[c], s_b, s_acc) if b != NULL, else 0.
 * b may be NULL (then n_b must be 0 and s_b is ignored); b may have any width.
 * x_bits, w_bits: 2..16; every mantissa must lie inside its declared width.
 * n_x = B*I, n_w = O*I, n_b = O, n_acc = B*O.
 * Errors: NULL, EMPTY (a dimension < 1), SHAPE (a length does not match the
 * dimensions, or B*I, O*I, B*O exceed int32), BAD_WIDTH, BAD_SCALE (s_x, s_w,
 * s_b), ALIAS (acc or s_acc overlaps an input, or each other), INT_OVERFLOW
 * (a mantissa outside its width, or a partial sum leaving int32),
 * SCALE_UNDERFLOW (s_acc not normal), FLOAT_OVERFLOW (s_acc inf),
 * RANGE_GUARD (a bias seed). */
int sym_linear_forward_core(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                       const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                       const int32_t *b, int32_t n_b, float s_b,
                       int32_t batch, int32_t in_features, int32_t out_features,
                       int32_t *acc, int32_t n_acc, float *s_acc);

/* Weight-gradient core: s_dw = s_dy * s_x (float32);
 * dw[c*I + k] = sum_i dy[i,c] * x[i,k]  (i ascending, checked int32).
 * n_dy = B*O, n_x = B*I, n_dw = O*I; dy_bits, x_bits: 2..16.
 * Errors as sym_linear_forward_core (no RANGE_GUARD); the sums are checked
 * before the scale (docs/layers.md: INT_OVERFLOW wins over an inf s_dw). */
int sym_linear_grad_w(const int32_t *dy, int32_t n_dy, float s_dy, int32_t dy_bits,
                      const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                      int32_t batch, int32_t in_features, int32_t out_features,
                      int32_t *dw, int32_t n_dw, float *s_dw);

/* Bias-gradient core: db[c] = sum_i dy[i,c]  (i ascending, checked int32);
 * the scale of db is s_dy (unchanged, not an argument). dy may have any width.
 * n_dy = B*O, n_db = O.
 * Errors: NULL, EMPTY, SHAPE, ALIAS, INT_OVERFLOW. */
int sym_linear_grad_b(const int32_t *dy, int32_t n_dy,
                      int32_t batch, int32_t out_features,
                      int32_t *db, int32_t n_db);

/* Input-gradient core: s_dx = s_dy * s_w (float32);
 * dx[i*I + k] = sum_c dy[i,c] * w[c,k]  (c ascending, checked int32).
 * n_dy = B*O, n_w = O*I, n_dx = B*I; dy_bits, w_bits: 2..16.
 * Errors as sym_linear_grad_w (sums checked before the scale). */
int sym_linear_grad_x(const int32_t *dy, int32_t n_dy, float s_dy, int32_t dy_bits,
                      const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                      int32_t batch, int32_t in_features, int32_t out_features,
                      int32_t *dx, int32_t n_dx, float *s_dx);

/* ---- layer steps (the layer-level C ABI, docs/layers.md "C ABI") ----
 * Each validates everything first, writes nothing (outputs, scales, RNG
 * state) on error, fills *err (may be NULL) and returns the status. The
 * dimensions are explicit: x [batch, in_features], w [out_features,
 * in_features], so x.n must be batch*in_features, and so on. */

/* linear_forward: out = the forward core's accumulator (s_x*s_w, width 32)
 * when out_bits == 0, else sym_requant_dynamic of it to out_bits (2..16,
 * round.mode / round.order / round.rng_state). b may be NULL.
 * scratch: caller-owned, n_scratch >= batch*out_features when out_bits != 0
 * (the raw accumulator), unused (may be NULL) when out_bits == 0.
 * out->n must be batch*out_features; on success out->m, out->scale and
 * out->bits (32 or out_bits) are written. Check order: args / out / view
 * pointers (NULL), out_bits (BAD_WIDTH), round, out.n / scratch (SHAPE),
 * the core (sym_linear_forward_core), then the requant. */
typedef struct {
    sym_cview x;
    sym_cview w;
    const sym_cview *b;
    int32_t batch;
    int32_t in_features;
    int32_t out_features;
    int32_t out_bits;
    sym_round_ctx round;
    int32_t *scratch;
    int32_t n_scratch;
    sym_view *out;
} sym_linear_forward_args;

int sym_linear_forward(const sym_linear_forward_args *args, sym_err *err);

/* linear_backward, in the order of docs/layers.md: dW = dy^T x (core
 * sym_linear_grad_w) accumulated dynamically into grad_w (grad_w.bits 2..16,
 * round.mode, RNG draws O*I); db = column sums of dy (sym_linear_grad_b)
 * accumulated at fixed scale into grad_b (HALF_AWAY), only if grad_b != NULL;
 * dx = dy w (sym_linear_grad_x) requantized dynamically to dx_bits (2..16,
 * round.order, RNG draws B*I). The RNG state advances on a local copy,
 * written back only when every step succeeded.
 * scratch: n_scratch >= 2*O*I + B*I, plus 2*O when grad_b != NULL
 * (dW, the working grad_w, dx raw, db, the working grad_b).
 * Outputs: dx (n = B*I, width dx_bits), new_grad_w (n = O*I, width
 * grad_w.bits), new_grad_b (n = O, grad_b's scale and width; NULL exactly
 * when grad_b is NULL). */
typedef struct {
    sym_cview x;
    sym_cview w;
    sym_cview dy;
    sym_cview grad_w;
    const sym_cview *grad_b;
    int32_t batch;
    int32_t in_features;
    int32_t out_features;
    int32_t dx_bits;
    sym_round_ctx round;
    int32_t *scratch;
    int32_t n_scratch;
    sym_view *dx;
    sym_view *new_grad_w;
    sym_view *new_grad_b;
} sym_linear_backward_args;

int sym_linear_backward(const sym_linear_backward_args *args, sym_err *err);

#endif /* SYM_LINEAR_H */
