/* libFuzzer target: conversion family (sym_convert.h).
 * op 0 sym_float_to_sym(x, bits p0, rounding p1, seed)
 * op 1 sym_sym_to_float(a0, scale f0)
 * op 2 sym_int_to_sym(a0), in place if p2 & 1
 * Checked: outputs inside the width, a valid scale, |m| = qMax at the absmax
 * (HALF_AWAY, b <= 23), y = (float)m * scale exactly, nothing written and the RNG
 * untouched on error, one draw per element under SR. */
#include "fz_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sym_convert.h"

static void fuzz_float_to_sym(const fz_case *c)
{
    int32_t n = c->nx;
    int32_t bits = c->p[0];
    int32_t rounding = c->p[1];
    int32_t *m = (int32_t *)fz_alloc((size_t)(n > 0 ? n : 1) * sizeof *m);
    float *scale = (float *)fz_alloc(sizeof *scale);
    uint32_t *state = (uint32_t *)fz_alloc(sizeof *state);
    float *x = fz_copy_f32(c->x, n);
    int status;
    int32_t i;
    *state = c->seed;
    status = sym_float_to_sym(x, n, bits, rounding, state, m, scale);
    fz_check_status(status);
    FZ_REQUIRE(memcmp(x, c->x, (size_t)(n > 0 ? n : 0) * sizeof *x) == 0, "input modified");
    if (status == SYM_OK) {
        float absmax = 0.0f;
        int32_t mmax = 0;
        FZ_REQUIRE(n >= 1 && bits >= 2 && bits <= 31, "accepted an empty input or a bad width");
        FZ_REQUIRE(fz_valid_scale(*scale), "scale not a valid scale");
        FZ_REQUIRE(fz_in_width(m, n, bits), "mantissa outside the width");
        for (i = 0; i < n; i++) {
            FZ_REQUIRE(isfinite(x[i]), "non-finite input accepted");
            absmax = fabsf(x[i]) > absmax ? fabsf(x[i]) : absmax;
            mmax = abs(m[i]) > mmax ? abs(m[i]) : mmax;
        }
        if (absmax == 0.0f) {
            /* SR rounds (0 + u) - 0.5, which is -0.5 -> -1 at u = 0 */
            FZ_REQUIRE(*scale == 1.0f, "all-zero input must give scale 1");
            FZ_REQUIRE(mmax == 0 || rounding == SYM_SR_HALF_AWAY, "all-zero input must give mantissas 0");
        } else if (rounding == SYM_HALF_AWAY && bits <= 23) {
            FZ_REQUIRE(mmax == sym_q_max(bits), "the absmax element must map to qMax");
        } else if (rounding == SYM_HALF_AWAY) {
            /* b >= 24: (float)qMax or the quotient is inexact, so the absmax
             * lands within about one quotient ulp (2^(b-24)) of qMax, or on
             * qMin (docs/semantics.md "Conversions") */
            int32_t slack = ((int32_t)1 << (bits - 24)) + 1;
            FZ_REQUIRE(mmax >= sym_q_max(bits) - slack && mmax <= sym_q_max(bits) + 1,
                       "the absmax element must map to qMax within one quotient ulp");
        }
    } else {
        FZ_REQUIRE(fz_untouched(m, (size_t)(n > 0 ? n : 1) * sizeof *m), "mantissas written on error");
        FZ_REQUIRE(fz_untouched(scale, sizeof *scale), "scale written on error");
    }
    fz_check_rng(status, rounding, c->seed, *state, n);
    free(m);
    free(scale);
    free(state);
    free(x);
}

static void fuzz_sym_to_float(const fz_case *c)
{
    int32_t n = c->n[0];
    float scale = c->f[0];
    float *y = (float *)fz_alloc((size_t)(n > 0 ? n : 1) * sizeof *y);
    int status = sym_sym_to_float(c->a[0], n, scale, y);
    int32_t i;
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(n >= 1 && fz_valid_scale(scale), "accepted an empty input or a bad scale");
        for (i = 0; i < n; i++) {
            FZ_REQUIRE(isfinite(y[i]), "non-finite output");
            FZ_REQUIRE(y[i] == (float)c->a[0][i] * scale, "y is not (float)m * scale");
        }
    } else {
        FZ_REQUIRE(fz_untouched(y, (size_t)(n > 0 ? n : 1) * sizeof *y), "y written on error");
    }
    free(y);
}

static void fuzz_int_to_sym(const fz_case *c)
{
    int32_t n = c->n[0];
    int in_place = c->p[2] & 1;
    int32_t *src = fz_copy_i32(c->a[0], n);
    int32_t *m = in_place ? src : (int32_t *)fz_alloc((size_t)(n > 0 ? n : 1) * sizeof *m);
    float *scale = (float *)fz_alloc(sizeof *scale);
    int status = sym_int_to_sym(src, n, m, scale);
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(n >= 1, "accepted an empty input");
        FZ_REQUIRE(*scale == 1.0f, "int_to_sym scale is not 1");
        FZ_REQUIRE(memcmp(m, c->a[0], (size_t)n * sizeof *m) == 0, "int_to_sym is not a copy");
    } else {
        FZ_REQUIRE(n < 1 && status == SYM_ERR_EMPTY, "only an empty input may fail");
        FZ_REQUIRE(fz_untouched(scale, sizeof *scale), "scale written on error");
    }
    if (!in_place) {
        free(m);
    }
    free(src);
    free(scale);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_case c;
    fz_decode(data, size, &c);
    switch (c.op % 3) {
    case 0: fuzz_float_to_sym(&c); break;
    case 1: fuzz_sym_to_float(&c); break;
    default: fuzz_int_to_sym(&c); break;
    }
    return 0;
}
