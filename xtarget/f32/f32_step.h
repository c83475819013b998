/* A plain float32 reference of one MLP training step (one sample), for
 * instruction counts against the SYM kernels on the same core
 * (symverify icount, docs/cortex-m.md). Not a kernel: no SYM arithmetic,
 * no checks beyond the layer kind; the caller sizes every buffer.
 *
 * The step is the float32 twin of symverify/training/twin.py at batch 1:
 * forward through every layer, MSE against the target (loss = mean (y-t)^2,
 * dy = 2 (y-t) / C), backward last layer first (parameter gradients into
 * gw/gb), then SGD (p -= lr * g) on every Linear's w and b. Quant layers are
 * the identity both ways; LayerNorm's gamma and beta stay fixed, as on the
 * SYM side. Sums run in index order. */
#ifndef F32_STEP_H
#define F32_STEP_H

#include <stdint.h>

enum f32_kind { F32_LINEAR = 0, F32_QUANT = 1, F32_LAYERNORM = 2 };

typedef struct {
    int32_t kind;          /* enum f32_kind */
    int32_t in;            /* input features */
    int32_t out;           /* output features (= in for quant, layernorm) */
    float *w;              /* linear: [out * in], row-major */
    float *b;              /* linear: [out] */
    float *gw;             /* linear: gradient of w, [out * in] */
    float *gb;             /* linear: gradient of b, [out] */
    const float *gamma;    /* layernorm: [out] */
    const float *beta;     /* layernorm: [out] */
    float eps;             /* layernorm */
    float *y;              /* output activations [out], kept for backward */
    float *n;              /* layernorm: normalised input [out] */
    float inv;             /* layernorm: 1 / sqrt(var + eps) */
} f32_layer;

void f32_linear_forward(f32_layer *l, const float *x);
void f32_linear_backward(f32_layer *l, const float *x, const float *dy, float *dx);
void f32_layernorm_forward(f32_layer *l, const float *x);
void f32_layernorm_backward(const f32_layer *l, const float *dy, float *dx);
float f32_mse(const float *y, const float *target, int32_t n, float *dy);
void f32_sgd(float *p, const float *g, int32_t n, float lr);

/* One step; da and db are two work buffers of the widest layer's size.
 * Returns 0, or -1 for an unknown layer kind (nothing updated then). */
int f32_mlp_step(f32_layer *layers, int32_t n_layers, const float *x, const float *target,
                 float lr, float *da, float *db, float *loss);

#endif /* F32_STEP_H */
