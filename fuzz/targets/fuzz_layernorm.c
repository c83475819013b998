/* libFuzzer target: LayerNorm family (sym_layernorm.h).
 * Dimensions B = p0, F = p1; x = a0 (x_bits p3, s_x f0), gamma = a1
 * (gamma_bits p4, s_gamma f1), beta = a2 (s_beta f2), dy = a3 (s_dy f3);
 * norm_bits p5, rounding p6, eps f4, seed. op 0 forward, 1 backward.
 * Checked: a valid s_y; an input whose mantissas are all identical gives
 * s_y = s_gamma, y = rescale_to_acc(beta_j, s_beta, s_gamma) (SPEC 6) and no
 * draws; other inputs draw 0 (A == 0) or B*F times under SR; a finite dx;
 * nothing written and the RNG untouched on error. */
#include "fz_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sym_layernorm.h"
#include "sym_requant.h"

static int fz_all_identical(const int32_t *m, int32_t n)
{
    int32_t i;
    for (i = 1; i < n; i++) {
        if (m[i] != m[0]) {
            return 0;
        }
    }
    return 1;
}

static void fuzz_forward(const fz_case *c)
{
    int32_t batch = c->p[0];
    int32_t feats = c->p[1];
    int32_t n_y = batch * feats;
    int32_t rounding = c->p[6];
    int sized = batch >= 1 && feats >= 1 && n_y <= FZ_MAX;
    size_t bytes = (size_t)(sized ? n_y : 1) * sizeof(int32_t);
    int32_t *y = (int32_t *)fz_alloc(bytes);
    float *s_y = (float *)fz_alloc(sizeof *s_y);
    uint32_t *state = (uint32_t *)fz_alloc(sizeof *state);
    int status;
    *state = c->seed;
    status = sym_layernorm_forward_core(c->a[0], c->n[0], c->f[0], c->p[3], c->a[1], c->n[1], c->f[1], c->p[4],
                                   c->a[2], c->n[2], c->f[2], batch, feats, c->p[5], c->f[4], rounding, state,
                                   y, n_y, s_y);
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(sized && c->n[0] == n_y && c->n[1] == feats && c->n[2] == feats,
                   "accepted lengths that do not match the dimensions");
        FZ_REQUIRE(fz_valid_scale(*s_y), "s_y not a valid scale");
        if (fz_all_identical(c->a[0], n_y)) {
            /* SPEC 6: s_norm = 1, q_n = 0, the affine step still runs */
            int32_t r, j;
            FZ_REQUIRE(*s_y == c->f[1], "identical input: s_y must be s_gamma");
            for (r = 0; r < batch; r++) {
                for (j = 0; j < feats; j++) {
                    int32_t seed = 0;
                    FZ_REQUIRE(sym_rescale_to_acc(c->a[2][j], c->f[2], c->f[1], &seed) == SYM_OK,
                               "identical input: accepted a beta seed the guard rejects");
                    FZ_REQUIRE(y[r * feats + j] == seed, "identical input: y must be the beta seed");
                }
            }
            fz_check_rng(status, rounding, c->seed, *state, 0);
        } else if (*state != c->seed) {
            fz_check_rng(status, rounding, c->seed, *state, n_y);
        }
    } else {
        FZ_REQUIRE(fz_untouched(y, bytes), "y written on error");
        FZ_REQUIRE(fz_untouched(s_y, sizeof *s_y), "s_y written on error");
        fz_check_rng(status, rounding, c->seed, *state, 0);
    }
    free(y);
    free(s_y);
    free(state);
}

static void fuzz_backward(const fz_case *c)
{
    int32_t batch = c->p[0];
    int32_t feats = c->p[1];
    int32_t n_dx = batch * feats;
    int sized = batch >= 1 && feats >= 1 && n_dx <= FZ_MAX;
    size_t bytes = (size_t)(sized ? n_dx : 1) * sizeof(float);
    float *dx = (float *)fz_alloc(bytes);
    int status = sym_layernorm_backward_core(c->a[0], c->n[0], c->f[0], c->p[3], c->a[1], c->n[1], c->f[1],
                                        c->a[3], c->n[3], c->f[3], batch, feats, c->f[4], dx, n_dx);
    int32_t i;
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(sized && c->n[0] == n_dx && c->n[1] == feats && c->n[3] == n_dx,
                   "accepted lengths that do not match the dimensions");
        for (i = 0; i < n_dx; i++) {
            FZ_REQUIRE(isfinite(dx[i]), "non-finite dx accepted");
        }
    } else {
        FZ_REQUIRE(fz_untouched(dx, bytes), "dx written on error");
    }
    free(dx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_case c;
    fz_decode(data, size, &c);
    if (c.op % 2 == 0) {
        fuzz_forward(&c);
    } else {
        fuzz_backward(&c);
    }
    return 0;
}
