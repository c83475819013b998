/* libFuzzer target: requant family (sym_requant.h).
 * op 0 sym_requant_dynamic(a0, s_in f0, bits p0, rounding p1, order p2, seed);
 *      also run in place (m_out == m_in), which must give the same bits
 * op 1 sym_requant_fixed(a0, s_in f0, target f1, bits p0, rounding p1, seed)
 * op 2 sym_rescale_to_acc(a0[0], s_p f0, s_acc f1)
 * Checked: outputs inside the width, a valid scale (A == 0: scale 1, all 0),
 * nothing written and the RNG untouched on error, one draw per element under
 * SR, in place == out of place, the rescale result = round(r) inside the guard. */
#include "fz_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sym_requant.h"

static void fuzz_dynamic(const fz_case *c)
{
    int32_t n = c->n[0];
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(int32_t);
    int32_t *in = fz_copy_i32(c->a[0], n);
    int32_t *out = (int32_t *)fz_alloc(bytes);
    float *s_out = (float *)fz_alloc(sizeof *s_out);
    uint32_t *state = (uint32_t *)fz_alloc(sizeof *state);
    int32_t *work = fz_copy_i32(c->a[0], n);
    float *s_work = (float *)fz_alloc(sizeof *s_work);
    uint32_t *state2 = (uint32_t *)fz_alloc(sizeof *state2);
    int status;
    int status2;
    int32_t bits = c->p[0];
    int32_t i;
    *state = c->seed;
    *state2 = c->seed;
    status = sym_requant_dynamic(in, n, c->f[0], bits, c->p[1], c->p[2], state, out, s_out);
    fz_check_status(status);
    FZ_REQUIRE(n < 1 || memcmp(in, c->a[0], (size_t)n * sizeof *in) == 0, "input modified");
    if (status == SYM_OK) {
        int all_zero = 1;
        FZ_REQUIRE(bits >= 2 && bits <= 16, "accepted a bad output width");
        FZ_REQUIRE(fz_valid_scale(*s_out), "s_out not a valid scale");
        FZ_REQUIRE(fz_in_width(out, n, bits), "mantissa outside the output width");
        for (i = 0; i < n; i++) {
            all_zero = all_zero && c->a[0][i] == 0;
        }
        if (all_zero) {
            FZ_REQUIRE(*s_out == 1.0f, "A == 0 must give s_out = 1");
        }
    } else {
        FZ_REQUIRE(fz_untouched(out, bytes), "mantissas written on error");
        FZ_REQUIRE(fz_untouched(s_out, sizeof *s_out), "s_out written on error");
    }
    fz_check_rng(status, c->p[1], c->seed, *state, n);
    status2 = sym_requant_dynamic(work, n, c->f[0], bits, c->p[1], c->p[2], state2, work, s_work);
    FZ_REQUIRE(status2 == status, "in place gives another status");
    if (status == SYM_OK) {
        FZ_REQUIRE(memcmp(work, out, bytes) == 0, "in place gives other mantissas");
        FZ_REQUIRE(memcmp(s_work, s_out, sizeof *s_out) == 0, "in place gives another scale");
        FZ_REQUIRE(*state2 == *state, "in place draws differently");
    } else {
        FZ_REQUIRE(n < 1 || memcmp(work, c->a[0], (size_t)n * sizeof *work) == 0,
                   "in-place buffer written on error");
    }
    free(in);
    free(out);
    free(s_out);
    free(state);
    free(work);
    free(s_work);
    free(state2);
}

static void fuzz_fixed(const fz_case *c)
{
    int32_t n = c->n[0];
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(int32_t);
    int32_t *in = fz_copy_i32(c->a[0], n);
    int32_t *out = (int32_t *)fz_alloc(bytes);
    uint32_t *state = (uint32_t *)fz_alloc(sizeof *state);
    int32_t bits = c->p[0];
    int status;
    *state = c->seed;
    status = sym_requant_fixed(in, n, c->f[0], c->f[1], bits, c->p[1], state, out);
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(bits >= 2 && bits <= 16, "accepted a bad output width");
        FZ_REQUIRE(fz_valid_scale(c->f[0]) && fz_valid_scale(c->f[1]), "accepted a bad scale");
        FZ_REQUIRE(fz_in_width(out, n, bits), "mantissa outside the output width");
    } else {
        FZ_REQUIRE(fz_untouched(out, bytes), "mantissas written on error");
    }
    fz_check_rng(status, c->p[1], c->seed, *state, n);
    free(in);
    free(out);
    free(state);
}

static void fuzz_rescale(const fz_case *c)
{
    int32_t q = c->a[0][0];
    float s_p = c->f[0];
    float s_acc = c->f[1];
    int32_t *out = (int32_t *)fz_alloc(sizeof *out);
    int status = sym_rescale_to_acc(q, s_p, s_acc, out);
    fz_check_status(status);
    if (!fz_valid_scale(s_p) || !fz_valid_scale(s_acc)) {
        FZ_REQUIRE(status == SYM_ERR_BAD_SCALE, "a bad scale not BAD_SCALE");
    } else {
        float r = ((float)q * s_p) / s_acc;
        if (isfinite(r) && fabsf(r) <= SYM_RESCALE_GUARD_F) {
            FZ_REQUIRE(status == SYM_OK, "a guarded value rejected");
            FZ_REQUIRE((int64_t)*out == fz_round_ref(r), "rescale is not round(((float)q * s_p) / s_acc)");
        } else {
            FZ_REQUIRE(status == SYM_ERR_RANGE_GUARD, "an unguarded value not RANGE_GUARD");
        }
    }
    if (status != SYM_OK) {
        FZ_REQUIRE(fz_untouched(out, sizeof *out), "output written on error");
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_case c;
    fz_decode(data, size, &c);
    switch (c.op % 3) {
    case 0: fuzz_dynamic(&c); break;
    case 1: fuzz_fixed(&c); break;
    default: fuzz_rescale(&c); break;
    }
    return 0;
}
