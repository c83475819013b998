/* Pool family (docs/layers.md "Pools"): MaxPool1d, AvgPool1d and
 * AdaptiveAvgPool1d, forward and backward, channels-first [B, C, L], all in
 * int32 integer arithmetic (no float beyond the scale fold).
 *
 * Layer-level C ABI (docs/architecture.md "C ABI"): one entry point per layer
 * step, one args struct, a sym_err detail (err may be NULL). Every entry
 * point validates everything first and writes nothing (outputs, indices,
 * scratch, scales) on error.
 *
 * Geometry (sym_geom1d) read by the pools: batch B, in_channels C,
 * out_channels (must equal C), in_length L, out_length O, kernel_size K,
 * stride S, dilation D, pad_left PL, pad_right PR; groups must be 1 and
 * output_padding 0. Window o covers the positions p = o*S - PL + k*D,
 * k = 0..K-1; p outside [0, L) is padding. O must equal
 * (L + PL + PR - D*(K-1) - 1) / S + 1 (>= 1), and every window must hold at
 * least one real position (SYM_ERR_SHAPE "geom.pad_left" otherwise).
 *
 * The value-sum guard (SPEC section 5, proofs/ lemma value_sum): a sum of N
 * mantissas of width b is only formed when b <= 16 (SYM_ERR_BAD_WIDTH) and
 * N < 2^(32-b) (SYM_ERR_RANGE_GUARD, reason "value-sum guard ..."). */
#ifndef SYM_POOL_H
#define SYM_POOL_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* MaxPool1d forward: y[b,c,o] = the largest x mantissa of window o (the
 * first one in k order on ties; padding never wins), indices[b,c,o] = its
 * position in [0, L). y->scale = x.scale; x.bits 2..32 (any width, no sum).
 * Sizes: x.n = B*C*L, y->n = n_indices = B*C*O. */
typedef struct {
    sym_cview x;
    sym_geom1d geom;
    sym_view *y;
    int32_t *indices;
    int32_t n_indices;
} sym_maxpool1d_forward_args;
int sym_maxpool1d_forward(const sym_maxpool1d_forward_args *args, sym_err *err);

/* MaxPool1d backward: dx[b,c,j] = sum of dy[b,c,o] over the o with
 * indices[b,c,o] == j (o ascending), checked int32 adds (SYM_ERR_INT_OVERFLOW
 * "dx"); dx->scale = dy.scale. Reads geom batch, in_channels, in_length and
 * out_length only. dy.bits 2..32; indices in [0, L) (SYM_ERR_SHAPE
 * "indices" with the index). scratch: B*C*L int32 (n_scratch >= dx->n), the
 * sums are formed there before dx is written. Sizes: dy.n = n_indices =
 * B*C*O, dx->n = B*C*L. */
typedef struct {
    sym_cview dy;
    const int32_t *indices;
    int32_t n_indices;
    sym_geom1d geom;
    sym_view *dx;
    int32_t *scratch;
    int32_t n_scratch;
} sym_maxpool1d_backward_args;
int sym_maxpool1d_backward(const sym_maxpool1d_backward_args *args, sym_err *err);

/* AvgPool1d forward, scale folded: s_y = x.scale / K (float32; not a normal
 * float -> SYM_ERR_SCALE_UNDERFLOW "y.scale"). With count_include_pad != 0:
 * y = sum of the window's real mantissas (padding counts as 0). With
 * count_include_pad == 0 and n real positions in the window: y = sum when
 * n == K, else div_half_away(sum * K, n) = sign * ((|sum*K| + n/2) / n),
 * the product checked in int32 (SYM_ERR_INT_OVERFLOW "y"). x.bits 2..16 and
 * K < 2^(32 - x.bits) (value-sum guard). Sizes: x.n = B*C*L, y->n = B*C*O. */
typedef struct {
    sym_cview x;
    sym_geom1d geom;
    int32_t count_include_pad;
    sym_view *y;
} sym_avgpool1d_forward_args;
int sym_avgpool1d_forward(const sym_avgpool1d_forward_args *args, sym_err *err);

/* AvgPool1d backward, the adjoint of the forward fold: dx->scale = dy.scale
 * / K; each window o adds c_o to every real position it covers (o
 * ascending), c_o = dy[b,c,o] (count_include_pad != 0, or n == K), else
 * div_half_away(dy * K, n) (product checked). Adds checked in int32
 * (SYM_ERR_INT_OVERFLOW "dx"). dy.bits 2..32. scratch: B*C*L int32. Sizes:
 * dy.n = B*C*O, dx->n = B*C*L. */
typedef struct {
    sym_cview dy;
    sym_geom1d geom;
    int32_t count_include_pad;
    sym_view *dx;
    int32_t *scratch;
    int32_t n_scratch;
} sym_avgpool1d_backward_args;
int sym_avgpool1d_backward(const sym_avgpool1d_backward_args *args, sym_err *err);

/* AdaptiveAvgPool1d windows (PyTorch): window o = [floor(o*L/O),
 * ceil((o+1)*L/O)); L*O must fit int32 (SYM_ERR_SHAPE "geom.out_length").
 * The pool reads geom batch, in_channels, in_length and out_length only. */

/* AdaptiveAvgPool1d forward: y = div_half_away(sum, n) over the n = end -
 * start mantissas of the window, y->scale = x.scale. x.bits 2..16 and every
 * n < 2^(32 - x.bits) (value-sum guard). Sizes: x.n = B*C*L, y->n = B*C*O. */
typedef struct {
    sym_cview x;
    sym_geom1d geom;
    sym_view *y;
} sym_adaptive_avgpool1d_forward_args;
int sym_adaptive_avgpool1d_forward(const sym_adaptive_avgpool1d_forward_args *args, sym_err *err);

/* AdaptiveAvgPool1d backward: with N = the largest window length,
 * dx->scale = dy.scale / N; window o (length n) adds c_o =
 * div_half_away(dy[b,c,o] * N, n) (= dy when n == N; product checked) to
 * each of its positions, o ascending, adds checked. dy.bits 2..32.
 * scratch: B*C*L int32. Sizes: dy.n = B*C*O, dx->n = B*C*L. */
typedef struct {
    sym_cview dy;
    sym_geom1d geom;
    sym_view *dx;
    int32_t *scratch;
    int32_t n_scratch;
} sym_adaptive_avgpool1d_backward_args;
int sym_adaptive_avgpool1d_backward(const sym_adaptive_avgpool1d_backward_args *args, sym_err *err);

#endif /* SYM_POOL_H */
