/* Definitions of the fuzz-target helpers (fz_check.h). */
#include "fz_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fz_fail(const char *file, int line, const char *what, const char *cond)
{
    fprintf(stderr, "FUZZ INVARIANT VIOLATED: %s (%s) at %s:%d\n", what, cond, file, line);
    abort();
}

void *fz_alloc(size_t n_bytes)
{
    void *p = malloc(n_bytes ? n_bytes : 1);
    if (p == NULL) {
        abort();
    }
    memset(p, (int)FZ_SENTINEL, n_bytes ? n_bytes : 1);
    return p;
}

int fz_untouched(const void *p, size_t n_bytes)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n_bytes; i++) {
        if (b[i] != FZ_SENTINEL) {
            return 0;
        }
    }
    return 1;
}

int32_t *fz_copy_i32(const int32_t *src, int32_t n)
{
    int32_t *p = (int32_t *)fz_alloc(n > 0 ? (size_t)n * sizeof *p : sizeof *p);
    if (n > 0) {
        memcpy(p, src, (size_t)n * sizeof *p);
    }
    return p;
}

float *fz_copy_f32(const float *src, int32_t n)
{
    float *p = (float *)fz_alloc(n > 0 ? (size_t)n * sizeof *p : sizeof *p);
    if (n > 0) {
        memcpy(p, src, (size_t)n * sizeof *p);
    }
    return p;
}

uint32_t fz_xorshift(uint32_t s)
{
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}

uint32_t fz_advance(uint32_t s, int32_t k)
{
    int32_t i;
    for (i = 0; i < k; i++) {
        s = fz_xorshift(s);
    }
    return s;
}

void fz_check_rng(int status, int32_t rounding, uint32_t before, uint32_t after, int32_t draws)
{
    if (status != SYM_OK || rounding != SYM_SR_HALF_AWAY) {
        FZ_REQUIRE(after == before, "RNG state changed on error or under HALF_AWAY");
    } else {
        FZ_REQUIRE(after == fz_advance(before, draws), "SR made the wrong number of draws");
    }
}

int fz_in_width(const int32_t *m, int32_t n, int32_t bits)
{
    int32_t i;
    int64_t lo = -((int64_t)1 << (bits - 1));
    int64_t hi = ((int64_t)1 << (bits - 1)) - 1;
    for (i = 0; i < n; i++) {
        if ((int64_t)m[i] < lo || (int64_t)m[i] > hi) {
            return 0;
        }
    }
    return 1;
}

int64_t fz_round_ref(float v)
{
    double d = (double)v;
    double r = floor(fabs(d) + 0.5);
    return (int64_t)(d < 0 ? -r : r);
}

int fz_valid_scale(float s)
{
    return isfinite(s) && s > 0.0f && isnormal(s);
}

void fz_check_status(int status)
{
    FZ_REQUIRE(status <= 0 && status >= SYM_ERR_BAD_ORDER, "status outside the named codes");
}

