/* Comparison helpers of the emitted golden-vector tests (see sv_check.h). */
#include <stdio.h>
#include <string.h>

#include "sv_adapter.h"
#include "sv_check.h"

void sv_begin(sv_ctx *c, char *msg, size_t cap)
{
    c->msg = msg;
    c->cap = cap;
    c->failed = 0;
    if (cap > 0u) {
        msg[0] = '\0';
    }
}

uint32_t sv_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

float sv_f32(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void sv_fill(int32_t *buf, int32_t len, int32_t value)
{
    int32_t i;
    for (i = 0; i < len; ++i) {
        buf[i] = value;
    }
}

void sv_copy(int32_t *dst, const int32_t *src, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        dst[i] = src[i];
    }
}

static void sv_mismatch(sv_ctx *c, const char *field, int32_t elem, const char *expected, const char *got)
{
    if (c->failed++ || c->cap == 0u) {
        return; /* keep the first mismatch */
    }
    if (elem >= 0) {
        snprintf(c->msg, c->cap, "%s[%ld]: expected %s, got %s", field, (long)elem, expected, got);
    } else {
        snprintf(c->msg, c->cap, "%s: expected %s, got %s", field, expected, got);
    }
}

void sv_i32(sv_ctx *c, const char *field, int32_t elem, int32_t expected, int32_t got)
{
    char e[24], g[24];
    if (expected == got) {
        return;
    }
    snprintf(e, sizeof e, "%ld", (long)expected);
    snprintf(g, sizeof g, "%ld", (long)got);
    sv_mismatch(c, field, elem, e, g);
}

void sv_u32(sv_ctx *c, const char *field, int32_t elem, uint32_t expected, uint32_t got)
{
    char e[24], g[24];
    if (expected == got) {
        return;
    }
    snprintf(e, sizeof e, "0x%08lX", (unsigned long)expected);
    snprintf(g, sizeof g, "0x%08lX", (unsigned long)got);
    sv_mismatch(c, field, elem, e, g);
}

void sv_f32_bits(sv_ctx *c, const char *field, int32_t elem, uint32_t expected, float got)
{
    char e[48], g[48];
    uint32_t gb = sv_bits(got);
    if (expected == gb) {
        return;
    }
    snprintf(e, sizeof e, "0x%08lX (%.9g)", (unsigned long)expected, (double)sv_f32(expected));
    snprintf(g, sizeof g, "0x%08lX (%.9g)", (unsigned long)gb, (double)got);
    sv_mismatch(c, field, elem, e, g);
}

void sv_array(sv_ctx *c, const char *field, const int32_t *expected, const int32_t *got, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        sv_i32(c, field, i, expected[i], got[i]);
    }
}

void sv_array_f32(sv_ctx *c, const char *field, const uint32_t *expected, const float *got, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        sv_f32_bits(c, field, i, expected[i], got[i]);
    }
}

void sv_untouched(sv_ctx *c, const char *field, const int32_t *got, int32_t from, int32_t to)
{
    int32_t i;
    for (i = from; i < to; ++i) {
        sv_i32(c, field, i, SV_SENTINEL, got[i]);
    }
}

int sv_status(sv_ctx *c, int32_t expected, int got)
{
    if (got == (int)SV_SKIP) {
        return 0;
    }
    if (SV_EXACT_STATUS || expected == 0 || got == 0) {
        sv_i32(c, "status", -1, expected, (int32_t)got);
    }
    return !c->failed && (expected == 0 || SV_EXACT_STATUS);
}

int sv_end(sv_ctx *c, int got)
{
    if (got == (int)SV_SKIP) {
        if (c->cap > 0u) {
            snprintf(c->msg, c->cap, "skipped: the adapter cannot express this vector");
        }
        return SV_SKIPPED;
    }
    return c->failed ? SV_FAIL : SV_PASS;
}
