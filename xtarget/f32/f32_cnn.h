/* A plain float32 reference of one 1D-CNN training step (one sample), for
 * instruction counts against the SYM kernels on the same core
 * (symverify icount, docs/cortex-m.md). Not a kernel: no SYM arithmetic,
 * no checks beyond the layer kind; the caller sizes every buffer.
 *
 * Written from shared/SPEC.md's layer definitions (PyTorch semantics), in
 * the step order of the SYM trainer (symverify/training/sym_ops.py):
 * forward through every layer, softmax + cross entropy against the class
 * index (loss = -log(max(p[label], 1e-7)), dlogits = p - onehot: batch 1,
 * reduction mean), backward last layer first (parameter gradients into
 * gw/gb, the first layer's dx too), then SGD (p -= lr * g) on every conv's
 * and Linear's w and b, layers first to last, w before b. Quant is the
 * identity both ways; the softmax backward passes the logits' gradient
 * through. Tensors are [C, L] row-major; a Linear reads its input's C * L
 * values as features. Sums run in index order. */
#ifndef F32_CNN_H
#define F32_CNN_H

#include <stdint.h>

enum f32c_kind {
    F32C_CONV1D = 0,   /* w [out_c, in_c, k], b [out_c]; groups 1 */
    F32C_QUANT = 1,    /* identity */
    F32C_RELU = 2,
    F32C_MAXPOOL = 3,  /* first maximum on ties; padding never wins */
    F32C_ADAPTIVE = 4, /* adaptive average pool, PyTorch's windows */
    F32C_LINEAR = 5,   /* w [out_c, in_c * in_l], b [out_c]; out_l = 1 */
    F32C_SOFTMAX = 6   /* over the in_c * in_l logits */
};

typedef struct {
    int32_t kind;                  /* enum f32c_kind */
    int32_t in_c, in_l;            /* input [in_c, in_l] */
    int32_t out_c, out_l;          /* output [out_c, out_l] */
    int32_t k, stride, dilation;   /* conv, maxpool window */
    int32_t pad_left;              /* conv, maxpool (the right padding follows from out_l) */
    float *w, *b, *gw, *gb;        /* conv, linear parameters and their gradients */
    float *y;                      /* output [out_c * out_l], kept for backward */
    int32_t *idx;                  /* maxpool: input position of each output's maximum */
} f32c_layer;

void f32c_conv_forward(f32c_layer *l, const float *x);
void f32c_conv_backward(f32c_layer *l, const float *x, const float *dy, float *dx);
void f32c_relu_forward(f32c_layer *l, const float *x);
void f32c_relu_backward(const f32c_layer *l, const float *x, const float *dy, float *dx);
void f32c_maxpool_forward(f32c_layer *l, const float *x);
void f32c_maxpool_backward(const f32c_layer *l, const float *dy, float *dx);
void f32c_adaptive_forward(f32c_layer *l, const float *x);
void f32c_adaptive_backward(const f32c_layer *l, const float *dy, float *dx);
void f32c_linear_forward(f32c_layer *l, const float *x);
void f32c_linear_backward(f32c_layer *l, const float *x, const float *dy, float *dx);
void f32c_softmax_forward(f32c_layer *l, const float *x);
float f32c_cross_entropy(const float *p, int32_t n, int32_t label, float *dy);
void f32c_sgd(float *p, const float *g, int32_t n, float lr);

/* One step on sample x (the first layer's [in_c, in_l]) with class `label`;
 * the last layer must be F32C_SOFTMAX. da and db are two work buffers of the
 * largest layer input or output. Returns 0, or -1 for an unknown kind, a
 * last layer that is not a softmax or a label out of range (nothing updated
 * then). */
int f32_cnn_step(f32c_layer *layers, int32_t n_layers, const float *x, int32_t label, float lr, float *da,
                 float *db, float *loss);

#endif /* F32_CNN_H */
