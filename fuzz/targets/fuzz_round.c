/* libFuzzer target: rounding family (sym_round.h).
 * op 0 sym_round_half_away(f0)           op 1 sym_round_stochastic(f0, seed)
 * op 2 sym_rng_uniform(seed)             op 3 sym_round_sat(f0, p0 & 1, seed, a0[0], a0[1])
 * Checked: statuses, outputs against a double-precision reference, the RNG
 * advanced by exactly one draw on success and untouched on error. */
#include "fz_check.h"

#include <math.h>
#include <stdlib.h>

#define FZ_TWO31 2147483648.0f

static int fz_in_int32(float v)
{
    return isfinite(v) && v >= -FZ_TWO31 && v < FZ_TWO31;
}

static void fuzz_half_away(float x)
{
    int32_t *out = (int32_t *)fz_alloc(sizeof *out);
    int status = sym_round_half_away(x, out);
    fz_check_status(status);
    if (fz_in_int32(x)) {
        FZ_REQUIRE(status == SYM_OK, "in-range value rejected");
        FZ_REQUIRE((int64_t)*out == fz_round_ref(x), "round_half_away differs from C round()");
    } else {
        FZ_REQUIRE(status == SYM_ERR_CAST_RANGE, "out-of-range value not CAST_RANGE");
        FZ_REQUIRE(fz_untouched(out, sizeof *out), "output written on error");
    }
    free(out);
}

static void fuzz_stochastic(float x, uint32_t seed)
{
    uint32_t *state = (uint32_t *)fz_alloc(sizeof *state);
    int32_t *out = (int32_t *)fz_alloc(sizeof *out);
    int status;
    *state = seed;
    status = sym_round_stochastic(x, state, out);
    fz_check_status(status);
    if (seed == 0) {
        FZ_REQUIRE(status == SYM_ERR_BAD_RNG, "state 0 not BAD_RNG");
    } else {
        uint32_t next = fz_xorshift(seed);
        float u = (float)(next >> 8) * (1.0f / 16777216.0f);
        float w = (x + u) - 0.5f;
        if (fz_in_int32(x) && fz_in_int32(w)) {
            FZ_REQUIRE(status == SYM_OK, "in-range stochastic rounding rejected");
            FZ_REQUIRE((int64_t)*out == fz_round_ref(w), "stochastic result differs from round((x+u)-0.5)");
        } else {
            FZ_REQUIRE(status == SYM_ERR_CAST_RANGE, "out-of-range stochastic value not CAST_RANGE");
        }
    }
    if (status != SYM_OK) {
        FZ_REQUIRE(fz_untouched(out, sizeof *out), "output written on error");
    }
    fz_check_rng(status, SYM_SR_HALF_AWAY, seed, *state, 1);
    free(state);
    free(out);
}

static void fuzz_uniform(uint32_t seed)
{
    uint32_t *state = (uint32_t *)fz_alloc(sizeof *state);
    float *u = (float *)fz_alloc(sizeof *u);
    int status;
    *state = seed;
    status = sym_rng_uniform(state, u);
    fz_check_status(status);
    if (seed == 0) {
        FZ_REQUIRE(status == SYM_ERR_BAD_RNG, "state 0 not BAD_RNG");
        FZ_REQUIRE(fz_untouched(u, sizeof *u), "u written on error");
    } else {
        FZ_REQUIRE(status == SYM_OK, "valid state rejected");
        FZ_REQUIRE(*u >= 0.0f && *u < 1.0f, "u outside [0, 1)");
        FZ_REQUIRE(*u == (float)(*state >> 8) * (1.0f / 16777216.0f), "u is not (state >> 8) / 2^24");
    }
    fz_check_rng(status, SYM_SR_HALF_AWAY, seed, *state, 1);
    free(state);
    free(u);
}

static void fuzz_round_sat(float v, int32_t rounding, uint32_t seed, int32_t a, int32_t b)
{
    int32_t lo = a < b ? a : b;
    int32_t hi = a < b ? b : a;
    uint32_t state = seed;
    int32_t got;
    int64_t want;
    float w = v;
    if (rounding == SYM_SR_HALF_AWAY) {
        if (seed == 0) {
            return; /* precondition of sym_round_sat: the caller checked the state */
        }
        w = (v + (float)(fz_xorshift(seed) >> 8) * (1.0f / 16777216.0f)) - 0.5f;
    }
    got = sym_round_sat(v, rounding, &state, lo, hi);
    if (isnan(w) || w <= (float)lo) {
        want = lo;
    } else if (w >= (float)hi) {
        want = hi;
    } else {
        want = fz_round_ref(w);
        want = want < lo ? lo : (want > hi ? hi : want);
    }
    FZ_REQUIRE(got >= lo && got <= hi, "sym_round_sat left [lo, hi]");
    FZ_REQUIRE((int64_t)got == want, "sym_round_sat differs from the saturating reference");
    fz_check_rng(SYM_OK, rounding, seed, state, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_case c;
    fz_decode(data, size, &c);
    switch (c.op % 4) {
    case 0: fuzz_half_away(c.f[0]); break;
    case 1: fuzz_stochastic(c.f[0], c.seed); break;
    case 2: fuzz_uniform(c.seed); break;
    default: fuzz_round_sat(c.f[0], c.p[0] & 1, c.seed, c.a[0][0], c.a[0][1]); break;
    }
    return 0;
}
