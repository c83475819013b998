#include <math.h>

#include "SymRequant.h"

int32_t roundHalfAway(float x)
{
    if (x >= 0.0f) {
        return (int32_t)floorf(x + 0.5f);
    }
    return -(int32_t)floorf(-x + 0.5f);
}

int32_t qMaxOfBits(int32_t bits)
{
    if (bits < 2 || bits > 16) {
        return 0;
    }
    return (int32_t)((1u << (bits - 1)) - 1u);
}

float clampFloat(float v, float lo, float hi)
{
    if (v < lo) {
        return lo;
    }
    if (v > hi) {
        return hi;
    }
    return v;
}
