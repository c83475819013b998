/* Plain float32 MLP step (f32_step.h). */
#include <math.h>
#include "f32_step.h"

void f32_linear_forward(f32_layer *l, const float *x)
{
    int32_t o, i;
    for (o = 0; o < l->out; ++o) {
        const float *row = l->w + o * l->in;
        float acc = 0.0f;
        for (i = 0; i < l->in; ++i) {
            acc += x[i] * row[i];
        }
        l->y[o] = acc + l->b[o];
    }
}

void f32_linear_backward(f32_layer *l, const float *x, const float *dy, float *dx)
{
    int32_t o, i;
    for (i = 0; i < l->in; ++i) {
        float acc = 0.0f;
        for (o = 0; o < l->out; ++o) {
            acc += dy[o] * l->w[o * l->in + i];
        }
        dx[i] = acc;
    }
    for (o = 0; o < l->out; ++o) {
        float *grow = l->gw + o * l->in;
        for (i = 0; i < l->in; ++i) {
            grow[i] = dy[o] * x[i];
        }
        l->gb[o] = dy[o];
    }
}

void f32_layernorm_forward(f32_layer *l, const float *x)
{
    int32_t j;
    const float count = (float)l->out;
    float sum = 0.0f;
    float var = 0.0f;
    float mu;
    for (j = 0; j < l->out; ++j) {
        sum += x[j];
    }
    mu = sum / count;
    for (j = 0; j < l->out; ++j) {
        const float d = x[j] - mu;
        var += d * d;
    }
    var = var / count;
    l->inv = 1.0f / sqrtf(var + l->eps);
    for (j = 0; j < l->out; ++j) {
        const float nj = (x[j] - mu) * l->inv;
        l->n[j] = nj;
        l->y[j] = nj * l->gamma[j] + l->beta[j];
    }
}

void f32_layernorm_backward(const f32_layer *l, const float *dy, float *dx)
{
    int32_t j;
    const float count = (float)l->out;
    float m1 = 0.0f;
    float m2 = 0.0f;
    for (j = 0; j < l->out; ++j) {
        const float dn = dy[j] * l->gamma[j];
        m1 += dn;
        m2 += dn * l->n[j];
    }
    m1 = m1 / count;
    m2 = m2 / count;
    for (j = 0; j < l->out; ++j) {
        const float dn = dy[j] * l->gamma[j];
        dx[j] = l->inv * ((dn - m1) - l->n[j] * m2);
    }
}

float f32_mse(const float *y, const float *target, int32_t n, float *dy)
{
    int32_t j;
    float sum = 0.0f;
    for (j = 0; j < n; ++j) {
        const float d = y[j] - target[j];
        sum += d * d;
        dy[j] = (2.0f * d) / (float)n;
    }
    return sum / (float)n;
}

void f32_sgd(float *p, const float *g, int32_t n, float lr)
{
    int32_t j;
    for (j = 0; j < n; ++j) {
        p[j] = p[j] - lr * g[j];
    }
}

int f32_mlp_step(f32_layer *layers, int32_t n_layers, const float *x, const float *target,
                 float lr, float *da, float *db, float *loss)
{
    int32_t k;
    const float *h = x;
    float *dy = da;
    float *dx = db;
    for (k = 0; k < n_layers; ++k) {
        if (layers[k].kind < F32_LINEAR || layers[k].kind > F32_LAYERNORM) {
            return -1;
        }
    }
    for (k = 0; k < n_layers; ++k) {
        f32_layer *l = &layers[k];
        if (l->kind == F32_LINEAR) {
            f32_linear_forward(l, h);
            h = l->y;
        } else if (l->kind == F32_LAYERNORM) {
            f32_layernorm_forward(l, h);
            h = l->y;
        }
    }
    *loss = f32_mse(h, target, layers[n_layers - 1].out, dy);
    for (k = n_layers - 1; k >= 0; --k) {
        f32_layer *l = &layers[k];
        const float *input = x;
        int32_t j;
        float *t;
        for (j = k - 1; j >= 0; --j) {
            if (layers[j].kind != F32_QUANT) {
                input = layers[j].y;
                break;
            }
        }
        if (l->kind == F32_QUANT) {
            continue;
        }
        if (l->kind == F32_LINEAR) {
            f32_linear_backward(l, input, dy, dx);
        } else {
            f32_layernorm_backward(l, dy, dx);
        }
        t = dy;
        dy = dx;
        dx = t;
    }
    for (k = 0; k < n_layers; ++k) {
        f32_layer *l = &layers[k];
        if (l->kind == F32_LINEAR) {
            f32_sgd(l->w, l->gw, l->out * l->in, lr);
            f32_sgd(l->b, l->gb, l->out, lr);
        }
    }
    return 0;
}
