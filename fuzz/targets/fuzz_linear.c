/* libFuzzer target: Linear family (sym_linear.h).
 * Dimensions B = p0, I = p1, O = p2; x = a0 (x_bits p3, s_x f0), w = a1
 * (w_bits p4, s_w f1), b = a2 (s_b f2, used if p5 & 1), dy = a3 (dy_bits p6,
 * s_dy f3). op 0 forward, 1 grad_w, 2 grad_b, 3 grad_x.
 * Checked against an int64 reference in the kernel's summation order: on
 * success every output equals the reference, every partial sum fits int32 and
 * the scale is the float32 product; INT_OVERFLOW only with a mantissa outside
 * its width or a partial sum leaving int32; nothing written on error. */
#include "fz_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sym_linear.h"
#include "sym_requant.h"

#define FZ_I32_MIN (-2147483647 - 1)
#define FZ_I32_MAX 2147483647

typedef struct {
    int32_t batch, in_f, out_f;
} fz_dims;

static int fz_fits(int64_t v)
{
    return v >= FZ_I32_MIN && v <= FZ_I32_MAX;
}

/* Reference of one output: seed + sum_k a[k*sa] * b[k*sb], k < len. Returns
 * 0 if a partial sum leaves int32 (then *out is unspecified); the sum stops
 * there, since later products could overflow the int64 reference itself. */
static int fz_dot(int64_t seed, const int32_t *a, int32_t sa, const int32_t *b, int32_t sb,
                  int32_t len, int64_t *out)
{
    int64_t acc = seed;
    int32_t k;
    int ok = fz_fits(acc);
    for (k = 0; ok && k < len; k++) {
        acc += (int64_t)a[k * sa] * (int64_t)(b == NULL ? 1 : b[k * sb]);
        ok = ok && fz_fits(acc);
    }
    *out = acc;
    return ok;
}

/* The dimensions are usable for a reference (each case array holds FZ_MAX). */
static int fz_dims_ok(const fz_dims *d)
{
    return d->batch >= 1 && d->in_f >= 1 && d->out_f >= 1 && d->batch * d->in_f <= FZ_MAX &&
           d->out_f * d->in_f <= FZ_MAX && d->batch * d->out_f <= FZ_MAX;
}

static void fz_check_outcome(int status, const int32_t *got, const int64_t *want, int ref_ok,
                             int widths_ok, int32_t n_out, size_t bytes)
{
    int32_t i;
    fz_check_status(status);
    if (status == SYM_OK) {
        FZ_REQUIRE(widths_ok, "accepted a mantissa outside its width");
        FZ_REQUIRE(ref_ok, "accepted a partial sum that leaves int32");
        for (i = 0; i < n_out; i++) {
            FZ_REQUIRE((int64_t)got[i] == want[i], "output differs from the int64 reference");
        }
    } else {
        FZ_REQUIRE(fz_untouched(got, bytes), "output written on error");
        if (status == SYM_ERR_INT_OVERFLOW) {
            FZ_REQUIRE(!widths_ok || !ref_ok, "INT_OVERFLOW with every sum inside int32");
        }
    }
}

static int fz_width_ok(const int32_t *m, int32_t n, int32_t bits)
{
    return bits >= 2 && bits <= 32 && fz_in_width(m, n, bits);
}

static void fuzz_forward(const fz_case *c, const fz_dims *d)
{
    int32_t n_acc = d->batch * d->out_f;
    size_t bytes = (size_t)(n_acc > 0 && n_acc <= FZ_MAX ? n_acc : 1) * sizeof(int32_t);
    int has_b = c->p[5] & 1;
    int32_t *acc = (int32_t *)fz_alloc(bytes);
    float *s_acc = (float *)fz_alloc(sizeof *s_acc);
    int64_t want[FZ_MAX];
    int ref_ok = 1;
    int status = sym_linear_forward_core(c->a[0], c->n[0], c->f[0], c->p[3], c->a[1], c->n[1], c->f[1], c->p[4],
                                    has_b ? c->a[2] : NULL, has_b ? c->n[2] : 0, c->f[2],
                                    d->batch, d->in_f, d->out_f, acc, n_acc, s_acc);
    int widths_ok = fz_width_ok(c->a[0], c->n[0], c->p[3]) && fz_width_ok(c->a[1], c->n[1], c->p[4]);
    if (status == SYM_OK || status == SYM_ERR_INT_OVERFLOW) {
        int32_t i, o;
        float s_prod = c->f[0] * c->f[1];
        FZ_REQUIRE(fz_dims_ok(d), "accepted dimensions that do not match the lengths");
        for (i = 0; i < d->batch; i++) {
            for (o = 0; o < d->out_f; o++) {
                int32_t seed = 0;
                if (has_b && sym_rescale_to_acc(c->a[2][o], c->f[2], s_prod, &seed) != SYM_OK) {
                    /* no reference: an invalid seed is only legal beside an
                     * operand outside its width (checked first by the C ABI) */
                    FZ_REQUIRE(status == SYM_ERR_INT_OVERFLOW && !widths_ok,
                               "accepted a bias seed the guard rejects");
                    ref_ok = 0;
                }
                ref_ok = fz_dot(seed, &c->a[0][i * d->in_f], 1, &c->a[1][o * d->in_f], 1, d->in_f,
                                &want[i * d->out_f + o]) && ref_ok;
            }
        }
        if (status == SYM_OK) {
            FZ_REQUIRE(*s_acc == s_prod, "s_acc is not s_x * s_w");
        }
    }
    fz_check_outcome(status, acc, want, ref_ok, widths_ok, n_acc, bytes);
    if (status != SYM_OK) {
        FZ_REQUIRE(fz_untouched(s_acc, sizeof *s_acc), "s_acc written on error");
    }
    free(acc);
    free(s_acc);
}

/* op 1 (grad_w: dw[o, k] = sum_i dy[i, o] x[i, k]) and op 3 (grad_x:
 * dx[i, k] = sum_o dy[i, o] w[o, k]). */
static void fuzz_grad(const fz_case *c, const fz_dims *d, int weights)
{
    int32_t n_out = weights ? d->out_f * d->in_f : d->batch * d->in_f;
    size_t bytes = (size_t)(n_out > 0 && n_out <= FZ_MAX ? n_out : 1) * sizeof(int32_t);
    int32_t *out = (int32_t *)fz_alloc(bytes);
    float *s_out = (float *)fz_alloc(sizeof *s_out);
    int64_t want[FZ_MAX];
    int ref_ok = 1;
    int widths_ok;
    int status;
    if (weights) {
        status = sym_linear_grad_w(c->a[3], c->n[3], c->f[3], c->p[6], c->a[0], c->n[0], c->f[0], c->p[3],
                                   d->batch, d->in_f, d->out_f, out, n_out, s_out);
        widths_ok = fz_width_ok(c->a[0], c->n[0], c->p[3]);
    } else {
        status = sym_linear_grad_x(c->a[3], c->n[3], c->f[3], c->p[6], c->a[1], c->n[1], c->f[1], c->p[4],
                                   d->batch, d->in_f, d->out_f, out, n_out, s_out);
        widths_ok = fz_width_ok(c->a[1], c->n[1], c->p[4]);
    }
    widths_ok = widths_ok && fz_width_ok(c->a[3], c->n[3], c->p[6]);
    if (status == SYM_OK || status == SYM_ERR_INT_OVERFLOW) {
        int32_t r, k;
        FZ_REQUIRE(fz_dims_ok(d), "accepted dimensions that do not match the lengths");
        for (r = 0; r < (weights ? d->out_f : d->batch); r++) {
            for (k = 0; k < d->in_f; k++) {
                int64_t *dst = &want[r * d->in_f + k];
                if (weights) {
                    ref_ok = fz_dot(0, &c->a[3][r], d->out_f, &c->a[0][k], d->in_f, d->batch, dst) && ref_ok;
                } else {
                    ref_ok = fz_dot(0, &c->a[3][r * d->out_f], 1, &c->a[1][k], d->in_f, d->out_f, dst) && ref_ok;
                }
            }
        }
        if (status == SYM_OK) {
            FZ_REQUIRE(*s_out == c->f[3] * (weights ? c->f[0] : c->f[1]), "scale is not the float32 product");
        }
    }
    fz_check_outcome(status, out, want, ref_ok, widths_ok, n_out, bytes);
    if (status != SYM_OK) {
        FZ_REQUIRE(fz_untouched(s_out, sizeof *s_out), "scale written on error");
    }
    free(out);
    free(s_out);
}

static void fuzz_grad_b(const fz_case *c, const fz_dims *d)
{
    int32_t n_db = d->out_f;
    size_t bytes = (size_t)(n_db > 0 && n_db <= FZ_MAX ? n_db : 1) * sizeof(int32_t);
    int32_t *db = (int32_t *)fz_alloc(bytes);
    int64_t want[FZ_MAX];
    int ref_ok = 1;
    int status = sym_linear_grad_b(c->a[3], c->n[3], d->batch, d->out_f, db, n_db);
    if (status == SYM_OK || status == SYM_ERR_INT_OVERFLOW) {
        int32_t o;
        FZ_REQUIRE(d->batch >= 1 && d->out_f >= 1 && d->batch * d->out_f == c->n[3],
                   "accepted dimensions that do not match the lengths");
        for (o = 0; o < d->out_f; o++) {
            ref_ok = fz_dot(0, &c->a[3][o], d->out_f, NULL, 0, d->batch, &want[o]) && ref_ok;
        }
    }
    fz_check_outcome(status, db, want, ref_ok, 1, n_db, bytes);
    free(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_case c;
    fz_dims d;
    fz_decode(data, size, &c);
    d.batch = c.p[0];
    d.in_f = c.p[1];
    d.out_f = c.p[2];
    switch (c.op % 4) {
    case 0: fuzz_forward(&c, &d); break;
    case 1: fuzz_grad(&c, &d, 1); break;
    case 2: fuzz_grad_b(&c, &d); break;
    default: fuzz_grad(&c, &d, 0); break;
    }
    return 0;
}
