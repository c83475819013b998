#include <math.h>

#include "SymRequant.h"

symproStatus_t requantFixed(const int32_t *in, size_t n, float inScale, float outScale,
                            int32_t bits, int32_t *out)
{
    int32_t qMax = qMaxOfBits(bits);
    size_t i;
    if (qMax == 0) {
        return SYMPRO_BAD_WIDTH;
    }
    if (!(outScale > 0.0f) || !(inScale > 0.0f)) {
        return SYMPRO_BAD_SCALE;
    }
    for (i = 0; i < n; ++i) {
        float v = ((float)in[i] * inScale) / outScale;
        out[i] = roundHalfAway(clampFloat(v, (float)(-qMax - 1), (float)qMax));
    }
    return SYMPRO_OK;
}

symproStatus_t requantDynamic(const int32_t *in, size_t n, float inScale, int32_t bits,
                              int32_t *out, float *outScale)
{
    int32_t qMax = qMaxOfBits(bits);
    float maxAbs = 0.0f;
    float scale;
    size_t i;
    if (qMax == 0) {
        return SYMPRO_BAD_WIDTH;
    }
    if (!(inScale > 0.0f)) {
        return SYMPRO_BAD_SCALE;
    }
    for (i = 0; i < n; ++i) {
        float a = fabsf((float)in[i] * inScale);
        if (a > maxAbs) {
            maxAbs = a;
        }
    }
    scale = 1.0f;
    if (maxAbs > 0.0f) {
        scale = maxAbs / (float)qMax;
    }
    *outScale = scale;
    return requantFixed(in, n, inScale, scale, bits, out);
}
