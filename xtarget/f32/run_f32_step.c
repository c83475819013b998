/* One float32 MLP training step on target (or host) for symverify icount:
 * f32_model.h (generated from a model file by symverify/icount/step.py)
 * holds the layers, the sample and the target. Prints the loss bits and an
 * FNV-1a hash over the bits of every output and updated parameter, so a
 * host build and each core can be compared bit for bit. */
#include "f32_step.h"
#include "f32_report.h"
#include "f32_model.h"

int main(void)
{
    float loss = 0.0f;
    uint32_t h = F32_FNV_OFFSET;
    int32_t k;
    int rc = f32_mlp_step(f32_model_layers, F32_MODEL_N_LAYERS, f32_model_x, f32_model_target,
                          F32_MODEL_LR, f32_model_da, f32_model_db, &loss);
    for (k = 0; k < F32_MODEL_N_LAYERS; ++k) {
        const f32_layer *l = &f32_model_layers[k];
        if (l->kind == F32_LINEAR) {
            h = f32_fnv_bits(h, l->w, l->out * l->in);
            h = f32_fnv_bits(h, l->b, l->out);
            h = f32_fnv_bits(h, l->y, l->out);
        } else if (l->kind == F32_LAYERNORM) {
            h = f32_fnv_bits(h, l->y, l->out);
        }
    }
    return f32_report(rc, loss, h);
}
