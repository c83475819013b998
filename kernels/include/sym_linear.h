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
int sym_linear_forward(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                       const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                       const int32_t *b, int32_t n_b, float s_b,
                       int32_t batch, int32_t in_features, int32_t out_features,
                       int32_t *acc, int32_t n_acc, float *s_acc);

/* Weight-gradient core: s_dw = s_dy * s_x (float32);
 * dw[c*I + k] = sum_i dy[i,c] * x[i,k]  (i ascending, checked int32).
 * n_dy = B*O, n_x = B*I, n_dw = O*I; dy_bits, x_bits: 2..16.
 * Errors as sym_linear_forward (no RANGE_GUARD); the sums are checked
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

#endif /* SYM_LINEAR_H */
