/* libFuzzer target: accumulate family (sym_accumulate.h).
 * op 0 sym_accumulate_dynamic(t a0, s_t f0, bits_t p0, inc a1, s_inc f1, rounding p1, seed)
 * op 1 sym_accumulate_fixed(t a0, s_t f0, bits_t p0, inc a1, s_inc f1)
 * Checked: t inside its width and a valid new scale after the dynamic step,
 * t_i = t_i + rescale_to_acc(inc_i) exactly for the fixed step (an
 * INT_OVERFLOW only when a sum or an old t_i leaves the width), nothing
 * written and the RNG untouched on error, one draw per element under SR. */
#include "fz_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sym_accumulate.h"
#include "sym_requant.h"

static void fuzz_dynamic(const fz_case *c)
{
    int32_t n = c->n[0];
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(int32_t);
    int32_t *t = fz_copy_i32(c->a[0], n);
    int32_t *inc = fz_copy_i32(c->a[1], c->n[1]);
    float *s_t = (float *)fz_alloc(sizeof *s_t);
    uint32_t *state = (uint32_t *)fz_alloc(sizeof *state);
    int32_t bits = c->p[0];
    int status;
    *s_t = c->f[0];
    *state = c->seed;
    status = sym_accumulate_dynamic(t, n, s_t, bits, inc, c->n[1], c->f[1], c->p[1], state);
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(bits >= 2 && bits <= 16 && n == c->n[1], "accepted a bad width or shape");
        FZ_REQUIRE(fz_valid_scale(*s_t), "new scale not a valid scale");
        FZ_REQUIRE(fz_in_width(t, n, bits), "target outside its width");
    } else {
        FZ_REQUIRE(n < 1 || memcmp(t, c->a[0], bytes) == 0, "target written on error");
        FZ_REQUIRE(memcmp(s_t, &c->f[0], sizeof *s_t) == 0, "scale written on error");
    }
    fz_check_rng(status, c->p[1], c->seed, *state, n);
    free(t);
    free(inc);
    free(s_t);
    free(state);
}

static void fuzz_fixed(const fz_case *c)
{
    int32_t n = c->n[0];
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(int32_t);
    int32_t *t = fz_copy_i32(c->a[0], n);
    int32_t *inc = fz_copy_i32(c->a[1], c->n[1]);
    int32_t bits = c->p[0];
    int status = sym_accumulate_fixed(t, n, c->f[0], bits, inc, c->n[1], c->f[1]);
    int32_t i;
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(bits >= 2 && bits <= 32 && n == c->n[1], "accepted a bad width or shape");
        FZ_REQUIRE(fz_in_width(t, n, bits), "target outside its width");
        for (i = 0; i < n; i++) {
            int32_t seed = 0;
            FZ_REQUIRE(sym_rescale_to_acc(c->a[1][i], c->f[1], c->f[0], &seed) == SYM_OK,
                       "accepted an increment the rescale guard rejects");
            FZ_REQUIRE((int64_t)t[i] == (int64_t)c->a[0][i] + seed, "t_i != t_i + rescale(inc_i)");
        }
    } else {
        FZ_REQUIRE(n < 1 || memcmp(t, c->a[0], bytes) == 0, "target written on error");
        if (status == SYM_ERR_INT_OVERFLOW) {
            int cause = !fz_in_width(c->a[0], n, bits);
            for (i = 0; i < n && !cause; i++) {
                int32_t seed = 0;
                int64_t sum;
                if (sym_rescale_to_acc(c->a[1][i], c->f[1], c->f[0], &seed) != SYM_OK) {
                    break;
                }
                sum = (int64_t)c->a[0][i] + seed;
                cause = sum < -((int64_t)1 << (bits - 1)) || sum > ((int64_t)1 << (bits - 1)) - 1;
            }
            FZ_REQUIRE(cause, "INT_OVERFLOW without a sum or a target leaving the width");
        }
    }
    free(t);
    free(inc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_case c;
    fz_decode(data, size, &c);
    if (c.op % 2 == 0) {
        fuzz_dynamic(&c);
    } else {
        fuzz_fixed(&c);
    }
    return 0;
}
