/* libFuzzer target: SGD family (sym_sgd.h).
 * param = a0 (s_p f0), grad = a1 (s_g f1), lr f2; lengths n0, n1, and n0 for w.
 * Checked: w_k = (float)p_k * s_p - lr * ((float)g_k * s_g) exactly and
 * finite on success; nothing written on error. */
#include "fz_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sym_sgd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_case c;
    int32_t n;
    size_t bytes;
    float *w;
    int status;
    int32_t k;
    fz_decode(data, size, &c);
    n = c.n[0];
    bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
    w = (float *)fz_alloc(bytes);
    status = sym_sgd_update_core(c.a[0], n, c.f[0], c.a[1], c.n[1], c.f[1], c.f[2], w, n);
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(n >= 1 && n == c.n[1], "accepted a bad length");
        FZ_REQUIRE(fz_valid_scale(c.f[0]) && fz_valid_scale(c.f[1]) && isfinite(c.f[2]) && c.f[2] > 0.0f,
                   "accepted a bad scale or lr");
        for (k = 0; k < n; k++) {
            float want = (float)c.a[0][k] * c.f[0] - c.f[2] * ((float)c.a[1][k] * c.f[1]);
            FZ_REQUIRE(isfinite(w[k]), "non-finite w accepted");
            FZ_REQUIRE(memcmp(&w[k], &want, sizeof want) == 0, "w_k is not p_k*s_p - lr*(g_k*s_g)");
        }
    } else {
        FZ_REQUIRE(fz_untouched(w, bytes), "w written on error");
    }
    free(w);
    return 0;
}
