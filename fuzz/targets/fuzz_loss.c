/* libFuzzer target: loss family (sym_loss.h), MSE.
 * y = a0 (s_y f0), target = x (length nx); the kernel is called with N = n0
 * and the target length nx (a mismatch is SHAPE).
 * Checked: a finite loss >= 0 equal to the float32 reference in the kernel's
 * order, grad_k = (2 * diff_k) / N exactly, nothing written on error. */
#include "fz_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sym_loss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_case c;
    int32_t n;
    size_t bytes;
    float *loss;
    float *grad;
    float *target;
    int status;
    int32_t k;
    fz_decode(data, size, &c);
    n = c.n[0];
    bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
    loss = (float *)fz_alloc(sizeof *loss);
    grad = (float *)fz_alloc(bytes);
    target = fz_copy_f32(c.x, c.nx);
    status = sym_mse_loss_core(c.a[0], n, c.f[0], target, c.nx, loss, grad, n);
    fz_check_status(status);
    if (status == SYM_OK) {
        float sum = 0.0f;
        FZ_REQUIRE(n >= 1 && n == c.nx && fz_valid_scale(c.f[0]), "accepted a bad length or scale");
        FZ_REQUIRE(isfinite(*loss) && *loss >= 0.0f, "loss not finite and >= 0");
        for (k = 0; k < n; k++) {
            float diff = (float)c.a[0][k] * c.f[0] - c.x[k];
            sum += diff * diff;
            FZ_REQUIRE(isfinite(grad[k]), "non-finite gradient accepted");
            FZ_REQUIRE(grad[k] == (2.0f * diff) / (float)n, "grad_k is not (2 * diff_k) / N");
        }
        FZ_REQUIRE(*loss == sum / (float)n, "loss is not the float32 mean of squares");
    } else {
        FZ_REQUIRE(fz_untouched(loss, sizeof *loss), "loss written on error");
        FZ_REQUIRE(fz_untouched(grad, bytes), "gradient written on error");
    }
    free(loss);
    free(grad);
    free(target);
    return 0;
}
