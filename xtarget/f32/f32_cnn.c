/* Plain float32 1D-CNN step (f32_cnn.h). */
#include <string.h>
#include "f32_cnn.h"

/* exp and log of its own: glibc's and newlib's expf / logf may differ in the
 * last bit, and the host build must print the cores' bits. Both are a few
 * ulp from the correctly rounded value on the softmax's domain. */

/* e^x for x <= 0 (a logit minus the row maximum): 2^n e^r, |r| <= ln2 / 2,
 * a degree-6 Taylor polynomial; 0 below -87 (under FLT_MIN). */
static float f32c_expf(float x)
{
    const float t = x * 1.44269504f;
    const int32_t n = (int32_t)(t < 0.0f ? t - 0.5f : t + 0.5f);
    const float r = (x - (float)n * 0.693145751953125f) - (float)n * 1.42860677e-06f;
    const float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.66666672e-01f + r * (4.16666679e-02f
                    + r * (8.33333377e-03f + r * 1.38888892e-03f)))));
    uint32_t bits = (uint32_t)(n + 127) << 23;
    float scale;
    if (x < -87.0f) {
        return 0.0f;
    }
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* ln q for a positive normal q: q = 2^e m, m in [sqrt(1/2), sqrt(2)),
 * ln m = 2 atanh(s), s = (m - 1) / (m + 1), a series to s^9. */
static float f32c_logf(float q)
{
    uint32_t bits;
    int32_t e;
    float m, s, s2;
    memcpy(&bits, &q, sizeof bits);
    e = (int32_t)((bits >> 23) & 0xFFu) - 127;
    bits = (bits & 0x007FFFFFu) | 0x3F800000u;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.41421356f) {
        m = m * 0.5f;
        e = e + 1;
    }
    s = (m - 1.0f) / (m + 1.0f);
    s2 = s * s;
    return (float)e * 0.693147182f
           + 2.0f * s * (1.0f + s2 * (3.33333343e-01f + s2 * (2.00000003e-01f + s2 * (1.42857149e-01f
                                                                                    + s2 * 1.11111112e-01f))));
}

void f32c_conv_forward(f32c_layer *l, const float *x)
{
    int32_t o, c, t, j;
    for (o = 0; o < l->out_c; ++o) {
        for (t = 0; t < l->out_l; ++t) {
            float acc = 0.0f;
            for (c = 0; c < l->in_c; ++c) {
                const float *wr = l->w + (o * l->in_c + c) * l->k;
                const float *xr = x + c * l->in_l;
                for (j = 0; j < l->k; ++j) {
                    const int32_t p = t * l->stride + j * l->dilation - l->pad_left;
                    if (p >= 0 && p < l->in_l) {
                        acc += xr[p] * wr[j];
                    }
                }
            }
            l->y[o * l->out_l + t] = acc + l->b[o];
        }
    }
}

void f32c_conv_backward(f32c_layer *l, const float *x, const float *dy, float *dx)
{
    int32_t o, c, t, j;
    for (c = 0; c < l->in_c * l->in_l; ++c) {
        dx[c] = 0.0f;
    }
    for (o = 0; o < l->out_c; ++o) {
        const float *dyr = dy + o * l->out_l;
        float sb = 0.0f;
        for (t = 0; t < l->out_l; ++t) {
            sb += dyr[t];
        }
        l->gb[o] = sb;
        for (c = 0; c < l->in_c; ++c) {
            const float *xr = x + c * l->in_l;
            const float *wr = l->w + (o * l->in_c + c) * l->k;
            float *gr = l->gw + (o * l->in_c + c) * l->k;
            float *dxr = dx + c * l->in_l;
            for (j = 0; j < l->k; ++j) {
                float acc = 0.0f;
                for (t = 0; t < l->out_l; ++t) {
                    const int32_t p = t * l->stride + j * l->dilation - l->pad_left;
                    if (p >= 0 && p < l->in_l) {
                        acc += dyr[t] * xr[p];
                        dxr[p] += dyr[t] * wr[j];
                    }
                }
                gr[j] = acc;
            }
        }
    }
}

void f32c_relu_forward(f32c_layer *l, const float *x)
{
    int32_t i;
    for (i = 0; i < l->out_c * l->out_l; ++i) {
        l->y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    }
}

void f32c_relu_backward(const f32c_layer *l, const float *x, const float *dy, float *dx)
{
    int32_t i;
    for (i = 0; i < l->out_c * l->out_l; ++i) {
        dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
    }
}

void f32c_maxpool_forward(f32c_layer *l, const float *x)
{
    int32_t c, t, j;
    for (c = 0; c < l->in_c; ++c) {
        const float *xr = x + c * l->in_l;
        for (t = 0; t < l->out_l; ++t) {
            int32_t best = -1;
            for (j = 0; j < l->k; ++j) {
                const int32_t p = t * l->stride + j * l->dilation - l->pad_left;
                if (p >= 0 && p < l->in_l && (best < 0 || xr[p] > xr[best])) {
                    best = p;
                }
            }
            l->idx[c * l->out_l + t] = best;
            l->y[c * l->out_l + t] = xr[best];
        }
    }
}

void f32c_maxpool_backward(const f32c_layer *l, const float *dy, float *dx)
{
    int32_t c, t;
    for (c = 0; c < l->in_c * l->in_l; ++c) {
        dx[c] = 0.0f;
    }
    for (c = 0; c < l->in_c; ++c) {
        for (t = 0; t < l->out_l; ++t) {
            dx[c * l->in_l + l->idx[c * l->out_l + t]] += dy[c * l->out_l + t];
        }
    }
}

/* PyTorch's adaptive window o of out over n: [floor(o n / out), ceil((o + 1) n / out)) */
static int32_t win_start(int32_t o, int32_t n, int32_t out)
{
    return (o * n) / out;
}

static int32_t win_end(int32_t o, int32_t n, int32_t out)
{
    return ((o + 1) * n + out - 1) / out;
}

void f32c_adaptive_forward(f32c_layer *l, const float *x)
{
    int32_t c, o, i;
    for (c = 0; c < l->in_c; ++c) {
        for (o = 0; o < l->out_l; ++o) {
            const int32_t a = win_start(o, l->in_l, l->out_l);
            const int32_t e = win_end(o, l->in_l, l->out_l);
            float sum = 0.0f;
            for (i = a; i < e; ++i) {
                sum += x[c * l->in_l + i];
            }
            l->y[c * l->out_l + o] = sum / (float)(e - a);
        }
    }
}

void f32c_adaptive_backward(const f32c_layer *l, const float *dy, float *dx)
{
    int32_t c, o, i;
    for (c = 0; c < l->in_c * l->in_l; ++c) {
        dx[c] = 0.0f;
    }
    for (c = 0; c < l->in_c; ++c) {
        for (o = 0; o < l->out_l; ++o) {
            const int32_t a = win_start(o, l->in_l, l->out_l);
            const int32_t e = win_end(o, l->in_l, l->out_l);
            const float g = dy[c * l->out_l + o] / (float)(e - a);
            for (i = a; i < e; ++i) {
                dx[c * l->in_l + i] += g;
            }
        }
    }
}

void f32c_linear_forward(f32c_layer *l, const float *x)
{
    const int32_t n = l->in_c * l->in_l;
    int32_t o, i;
    for (o = 0; o < l->out_c; ++o) {
        const float *row = l->w + o * n;
        float acc = 0.0f;
        for (i = 0; i < n; ++i) {
            acc += x[i] * row[i];
        }
        l->y[o] = acc + l->b[o];
    }
}

void f32c_linear_backward(f32c_layer *l, const float *x, const float *dy, float *dx)
{
    const int32_t n = l->in_c * l->in_l;
    int32_t o, i;
    for (i = 0; i < n; ++i) {
        float acc = 0.0f;
        for (o = 0; o < l->out_c; ++o) {
            acc += dy[o] * l->w[o * n + i];
        }
        dx[i] = acc;
    }
    for (o = 0; o < l->out_c; ++o) {
        float *grow = l->gw + o * n;
        for (i = 0; i < n; ++i) {
            grow[i] = dy[o] * x[i];
        }
        l->gb[o] = dy[o];
    }
}

void f32c_softmax_forward(f32c_layer *l, const float *x)
{
    const int32_t n = l->in_c * l->in_l;
    int32_t i;
    float m = x[0];
    float sum = 0.0f;
    for (i = 1; i < n; ++i) {
        if (x[i] > m) {
            m = x[i];
        }
    }
    for (i = 0; i < n; ++i) {
        l->y[i] = f32c_expf(x[i] - m);
        sum += l->y[i];
    }
    for (i = 0; i < n; ++i) {
        l->y[i] = l->y[i] / sum;
    }
}

float f32c_cross_entropy(const float *p, int32_t n, int32_t label, float *dy)
{
    int32_t i;
    const float q = p[label] > 1e-7f ? p[label] : 1e-7f;
    for (i = 0; i < n; ++i) {
        dy[i] = i == label ? p[i] - 1.0f : p[i];
    }
    return -f32c_logf(q);
}

void f32c_sgd(float *p, const float *g, int32_t n, float lr)
{
    int32_t j;
    for (j = 0; j < n; ++j) {
        p[j] = p[j] - lr * g[j];
    }
}

static int32_t n_params(const f32c_layer *l, int32_t *nb)
{
    *nb = l->out_c;
    if (l->kind == F32C_CONV1D) {
        return l->out_c * l->in_c * l->k;
    }
    return l->out_c * l->in_c * l->in_l;
}

int f32_cnn_step(f32c_layer *layers, int32_t n_layers, const float *x, int32_t label, float lr, float *da,
                 float *db, float *loss)
{
    int32_t k;
    const float *h = x;
    float *dy = da;
    float *dx = db;
    const f32c_layer *last = &layers[n_layers - 1];
    for (k = 0; k < n_layers; ++k) {
        if (layers[k].kind < F32C_CONV1D || layers[k].kind > F32C_SOFTMAX) {
            return -1;
        }
    }
    if (last->kind != F32C_SOFTMAX || label < 0 || label >= last->out_c * last->out_l) {
        return -1;
    }
    for (k = 0; k < n_layers; ++k) {
        f32c_layer *l = &layers[k];
        switch (l->kind) {
        case F32C_CONV1D: f32c_conv_forward(l, h); break;
        case F32C_RELU: f32c_relu_forward(l, h); break;
        case F32C_MAXPOOL: f32c_maxpool_forward(l, h); break;
        case F32C_ADAPTIVE: f32c_adaptive_forward(l, h); break;
        case F32C_LINEAR: f32c_linear_forward(l, h); break;
        case F32C_SOFTMAX: f32c_softmax_forward(l, h); break;
        default: continue;   /* quant: the identity */
        }
        h = l->y;
    }
    *loss = f32c_cross_entropy(h, last->out_c * last->out_l, label, dy);
    for (k = n_layers - 1; k >= 0; --k) {
        f32c_layer *l = &layers[k];
        const float *input = x;
        int32_t j;
        float *t;
        for (j = k - 1; j >= 0; --j) {
            if (layers[j].kind != F32C_QUANT) {
                input = layers[j].y;
                break;
            }
        }
        switch (l->kind) {
        case F32C_CONV1D: f32c_conv_backward(l, input, dy, dx); break;
        case F32C_RELU: f32c_relu_backward(l, input, dy, dx); break;
        case F32C_MAXPOOL: f32c_maxpool_backward(l, dy, dx); break;
        case F32C_ADAPTIVE: f32c_adaptive_backward(l, dy, dx); break;
        case F32C_LINEAR: f32c_linear_backward(l, input, dy, dx); break;
        default: continue;   /* quant, softmax: the gradient passes through */
        }
        t = dy;
        dy = dx;
        dx = t;
    }
    for (k = 0; k < n_layers; ++k) {
        f32c_layer *l = &layers[k];
        if (l->kind == F32C_CONV1D || l->kind == F32C_LINEAR) {
            int32_t nb;
            const int32_t nw = n_params(l, &nb);
            f32c_sgd(l->w, l->gw, nw, lr);
            f32c_sgd(l->b, l->gb, nb, lr);
        }
    }
    return 0;
}
