/* ReLU family (docs/layers.md "ReLU"): one entry point per layer step, in
 * the layer-level C ABI (kernels/include/sym_types.h). No rounding: the
 * mantissas are selected, never recomputed, so scale and width are kept. */
#ifndef SYM_RELU_H
#define SYM_RELU_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* relu_forward: y.m[i] = max(x.m[i], 0); y.scale = x.scale.
 * The caller sets y->n = x.n and y->bits = x.bits (the width is kept);
 * y->m may equal x.m (in place). */
typedef struct {
    sym_cview x;
    sym_view *y;
} sym_relu_forward_args;

/* relu_backward: dx.m[i] = dy.m[i] if x.m[i] > 0 else 0; dx.scale = dy.scale.
 * The caller sets dx->n = x.n and dx->bits = dy.bits; dx->m may equal x.m
 * or dy.m (in place). */
typedef struct {
    sym_cview x;
    sym_cview dy;
    sym_view *dx;
} sym_relu_backward_args;

/* Validation, in this order, before anything is written (on error neither
 * the output mantissas nor its scale are touched):
 *   NULL        args, an input's m, the output view or its m ("args", "x.m", "y", ...);
 *   EMPTY       an input with n <= 0 ("x.n", "dy.n");
 *   BAD_WIDTH   an input's bits outside 2..32 ("x.bits", "dy.bits");
 *   BAD_SCALE   an input's scale not positive, finite and normal ("x.scale", ...);
 *   SHAPE       dy.n != x.n, or the output's n != x.n ("dy.n", "y.n", "dx.n");
 *   BAD_WIDTH   the output's bits != the width it keeps ("y.bits", "dx.bits");
 *   ALIAS       the output overlaps an input other than exactly ("y.m", "dx.m");
 *   INT_OVERFLOW an input mantissa outside its width ("x.m", "dy.m", with its index).
 * Returns the status; fills *err when err is not NULL. */
int sym_relu_forward(const sym_relu_forward_args *args, sym_err *err);
int sym_relu_backward(const sym_relu_backward_args *args, sym_err *err);

#endif /* SYM_RELU_H */
