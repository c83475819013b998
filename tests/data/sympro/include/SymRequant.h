/* SymPro: a tiny SYM requant library in the upstream framework's style
 * (camelCase names, int32 mantissas, one float32 scale per tensor).
 * A test fixture of symverify's outside-project mutation scoring. */
#ifndef SYMPRO_SYM_REQUANT_H
#define SYMPRO_SYM_REQUANT_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SYMPRO_OK = 0, SYMPRO_BAD_WIDTH = -1, SYMPRO_BAD_SCALE = -2 } symproStatus_t;

/* C round() of a float32: ties away from zero. */
int32_t roundHalfAway(float x);

/* 2^(bits-1) - 1 for bits 2..16, 0 otherwise. */
int32_t qMaxOfBits(int32_t bits);

/* clamp(v, lo, hi) */
float clampFloat(float v, float lo, float hi);

/* out[i] = round(clamp((in[i] * inScale) / outScale, -qMax - 1, qMax)). */
symproStatus_t requantFixed(const int32_t *in, size_t n, float inScale, float outScale,
                            int32_t bits, int32_t *out);

/* outScale = max|in[i] * inScale| / qMax (1.0f if all zero), then requantFixed. */
symproStatus_t requantDynamic(const int32_t *in, size_t n, float inScale, int32_t bits,
                              int32_t *out, float *outScale);

#endif
