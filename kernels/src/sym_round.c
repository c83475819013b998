/* Rounding family: HALF_AWAY, SR_HALF_AWAY (explicit xorshift32 state) and the
 * shared helpers every kernel uses: the single saturating float -> int32
 * conversion, widths, scale validation and the overlap test. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

/* 2^31 as float32: int32 holds [-2^31, 2^31). */
#define SYM_TWO_POW_31_F 2147483648.0f
/* 2^-24: turns the top 24 bits of the state into u in [0, 1), exactly. */
#define SYM_TWO_POW_M24_F 5.9604644775390625e-08f

int32_t sym_sat_round(float v, int32_t lo, int32_t hi)
{
    const float lo_f = (float)lo;
    const float hi_f = (float)hi;
    float r;
    int32_t q;
    if (v >= hi_f) {
        return hi;
    }
    if (!(v > lo_f)) { /* v <= lo_f, or NaN */
        return lo;
    }
    /* Here lo_f < v < hi_f, so -2^31 < v < 2^31 and the cast is defined. */
    r = roundf(v);
    q = (int32_t)r;
    if (q > hi) {
        q = hi;
    }
    if (q < lo) {
        q = lo;
    }
    return q;
}

int32_t sym_q_max(int32_t bits)
{
    uint32_t p;
    if (bits < 2 || bits > 32) {
        return 0;
    }
    p = (uint32_t)1u << (bits - 1);
    return (int32_t)(p - 1u);
}

int32_t sym_q_min(int32_t bits)
{
    if (bits < 2 || bits > 32) {
        return 0;
    }
    return -sym_q_max(bits) - 1;
}

int sym_scale_is_valid(float s)
{
    if (!isnormal(s)) { /* NaN, inf, zero, subnormal */
        return 0;
    }
    if (!(s > 0.0f)) {
        return 0;
    }
    return 1;
}

int sym_ranges_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes)
{
    const uintptr_t a0 = (uintptr_t)a;
    const uintptr_t b0 = (uintptr_t)b;
    const uintptr_t a1 = a0 + (uintptr_t)a_bytes;
    const uintptr_t b1 = b0 + (uintptr_t)b_bytes;
    if (a_bytes == 0u || b_bytes == 0u) {
        return 0;
    }
    return (a0 < b1) && (b0 < a1);
}

uint32_t sym_rng_seed(uint32_t seed)
{
    if (seed == 0u) {
        return 0xFFFFFFFFu;
    }
    return seed;
}

int sym_rng_uniform(uint32_t *state, float *u)
{
    uint32_t s;
    float f;
    if (state == NULL || u == NULL) {
        return SYM_ERR_NULL;
    }
    if (*state == 0u) {
        return SYM_ERR_BAD_RNG;
    }
    if (sym_ranges_overlap(state, sizeof *state, u, sizeof *u)) {
        return SYM_ERR_ALIAS;
    }
    s = *state;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    f = (float)(s >> 8);
    f = f * SYM_TWO_POW_M24_F;
    *state = s;
    *u = f;
    return SYM_OK;
}

int32_t sym_round_sat(float v, int32_t rounding, uint32_t *state, int32_t lo, int32_t hi)
{
    float w = v;
    if (rounding == SYM_SR_HALF_AWAY) {
        float u = 0.0f;
        (void)sym_rng_uniform(state, &u); /* cannot fail: caller validated state */
        w = v + u;
        w = w - 0.5f;
    }
    return sym_sat_round(w, lo, hi);
}

/* 1 if round(x) fits int32: x finite and inside [-2^31, 2^31). */
static int sym_castable(float x)
{
    if (!(x >= -SYM_TWO_POW_31_F)) { /* also NaN */
        return 0;
    }
    if (!(x < SYM_TWO_POW_31_F)) { /* also +inf */
        return 0;
    }
    return 1;
}

/* The one body of sym_round_half_away and sym_round_half_away_ex: err
 * (may be NULL) names the failing argument. */
static int sym_round_half_away_core(float x, int32_t *out, sym_err *err)
{
    if (out == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "out", -1, "out is NULL");
    }
    if (!sym_castable(x)) {
        return sym_fail(err, SYM_ERR_CAST_RANGE, "x", -1,
                        "round(x) must be finite and inside [-2^31, 2^31) as float32");
    }
    *out = sym_sat_round(x, INT32_MIN, INT32_MAX);
    return SYM_OK;
}

int sym_round_half_away(float x, int32_t *out)
{
    return sym_round_half_away_core(x, out, NULL);
}

int sym_round_half_away_ex(const sym_round_half_away_args *args, sym_err *err)
{
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    return sym_round_half_away_core(args->x, args->out, err);
}

int sym_round_stochastic(float x, uint32_t *state, int32_t *out)
{
    uint32_t s;
    float u = 0.0f;
    float w;
    int status;
    if (state == NULL || out == NULL) {
        return SYM_ERR_NULL;
    }
    if (*state == 0u) {
        return SYM_ERR_BAD_RNG;
    }
    if (sym_ranges_overlap(state, sizeof *state, out, sizeof *out)) {
        return SYM_ERR_ALIAS;
    }
    if (!sym_castable(x)) {
        return SYM_ERR_CAST_RANGE;
    }
    s = *state;
    status = sym_rng_uniform(&s, &u);
    if (status != SYM_OK) {
        return status;
    }
    w = x + u;
    w = w - 0.5f;
    if (!sym_castable(w)) {
        return SYM_ERR_CAST_RANGE;
    }
    *out = sym_sat_round(w, INT32_MIN, INT32_MAX);
    *state = s;
    return SYM_OK;
}
