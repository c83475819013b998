/* One float32 1D-CNN training step on target (or host) for symverify
 * icount: f32_cnn_model.h (generated from a model file by
 * symverify/icount/f32ref.py) holds the layers, the sample and its class.
 * Prints the loss bits and an FNV-1a hash over the bits of every output and
 * updated parameter, so a host build and each core can be compared bit for
 * bit; built with F32_DUMP (host only) it also prints every updated
 * parameter, for the comparison with the numpy twin. */
#include <string.h>
#include "f32_cnn.h"
#include "f32_report.h"
#include "f32_cnn_model.h"

#ifdef F32_DUMP
static void dump(int32_t layer, const char *name, const float *v, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        xt_puts("P ");
        xt_put_i32(layer);
        xt_puts(name);
        xt_put_hex(bits);
        xt_puts("\n");
    }
}
#endif

int main(void)
{
    float loss = 0.0f;
    uint32_t h = F32_FNV_OFFSET;
    int32_t k;
    int rc = f32_cnn_step(f32c_model_layers, F32C_MODEL_N_LAYERS, f32c_model_x, F32C_MODEL_LABEL,
                          F32C_MODEL_LR, f32c_model_da, f32c_model_db, &loss);
    for (k = 0; k < F32C_MODEL_N_LAYERS; ++k) {
        const f32c_layer *l = &f32c_model_layers[k];
        if (l->kind == F32C_CONV1D || l->kind == F32C_LINEAR) {
            const int32_t nw = l->out_c * l->in_c * (l->kind == F32C_CONV1D ? l->k : l->in_l);
            h = f32_fnv_bits(h, l->w, nw);
            h = f32_fnv_bits(h, l->b, l->out_c);
#ifdef F32_DUMP
            dump(k, " w ", l->w, nw);
            dump(k, " b ", l->b, l->out_c);
#endif
        }
        if (l->kind != F32C_QUANT) {
            h = f32_fnv_bits(h, l->y, l->out_c * l->out_l);
        }
    }
    return f32_report(rc, loss, h);
}
