/* One float32 MLP training step on target (or host) for symverify icount:
 * f32_model.h (generated from a model file by symverify/icount/step.py)
 * holds the layers, the sample and the target. Prints the loss bits and an
 * FNV-1a hash over the bits of every output and updated parameter, so a
 * host build and each core can be compared bit for bit. */
#include <string.h>
#include "f32_step.h"
#include "semihost.h"
#include "f32_model.h"

static uint32_t fnv_bits(uint32_t h, const float *v, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        h = (h ^ bits) * 16777619u;
    }
    return h;
}

int main(void)
{
    float loss = 0.0f;
    uint32_t h = 2166136261u;
    uint32_t loss_bits;
    int32_t k;
    int rc = f32_mlp_step(f32_model_layers, F32_MODEL_N_LAYERS, f32_model_x, f32_model_target,
                          F32_MODEL_LR, f32_model_da, f32_model_db, &loss);
    for (k = 0; k < F32_MODEL_N_LAYERS; ++k) {
        const f32_layer *l = &f32_model_layers[k];
        if (l->kind == F32_LINEAR) {
            h = fnv_bits(h, l->w, l->out * l->in);
            h = fnv_bits(h, l->b, l->out);
            h = fnv_bits(h, l->y, l->out);
        } else if (l->kind == F32_LAYERNORM) {
            h = fnv_bits(h, l->y, l->out);
        }
    }
    memcpy(&loss_bits, &loss, sizeof loss_bits);
    xt_puts("F32 STEP status=");
    xt_put_i32(rc);
    xt_puts(" loss=");
    xt_put_hex(loss_bits);
    xt_puts(" hash=");
    xt_put_hex(h);
    xt_puts("\n");
    xt_flush();
    return rc == 0 ? 0 : 1;
}
