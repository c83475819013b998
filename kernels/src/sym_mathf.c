/* Portable float32 exp and log (kernels/include/sym_mathf.h): the Cephes
 * single-precision algorithms (S. L. Moshier), written as one fixed sequence
 * of float32 operations; bit access through memcpy (no aliasing UB). */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stdint.h>
#include <string.h>

#include "sym_mathf.h"

static uint32_t f32_bits(float f)
{
    uint32_t u = 0u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float f32_from(uint32_t u)
{
    float f = 0.0f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float sym_expf(float x)
{
    float z = 0.0f;
    float r = 0.0f;
    float p = 0.0f;
    int32_t k = 0;
    if (x != x) {
        return x;
    }
    if (x < -87.0f) {
        return 0.0f;
    }
    z = x * 1.44269504088896341f;
    k = (int32_t)(z >= 0.0f ? z + 0.5f : z - 0.5f);
    r = x - (float)k * 0.693359375f;
    r = r - (float)k * -2.12194440e-4f;
    p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r);
    p = p + r;
    p = p + 1.0f;
    return p * f32_from((uint32_t)(k + 127) << 23);
}

float sym_logf(float x)
{
    const uint32_t u = f32_bits(x);
    int32_t e = (int32_t)((u >> 23) & 0xFFu) - 126;
    float m = f32_from((u & 0x807FFFFFu) | 0x3F000000u);
    float fe = 0.0f;
    float z = 0.0f;
    float y = 0.0f;
    if (m < 0.707106781186547524f) {
        e = e - 1;
        m = (m + m) - 1.0f;
    } else {
        m = m - 1.0f;
    }
    fe = (float)e;
    z = m * m;
    y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m;
    y = y * z;
    y = y + fe * -2.12194440e-4f;
    y = y - 0.5f * z;
    m = m + y;
    return m + fe * 0.693359375f;
}
