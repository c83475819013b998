/* Linear family: integer cores of forward (seeded accumulator) and backward
 * (dW, db, dx). Pass 1 validates everything (including every checked sum);
 * pass 2 recomputes and writes, and cannot fail. int32 arithmetic only.
 * No local is given a value that is never read: each is declared where it is
 * first computed (the mutation gate would otherwise see dead initializers). */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_linear.h"
#include "sym_requant.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

/* SYM_OK if rows * cols fits int32 (rows, cols >= 1), else SHAPE. */
static int sym_dim_check(int32_t rows, int32_t cols)
{
    if (rows > INT32_MAX / cols) {
        return SYM_ERR_SHAPE;
    }
    return SYM_OK;
}

/* Status of a product scale s = s_a * s_b: inf -> FLOAT_OVERFLOW, anything
 * else that is not a normal positive float32 -> SCALE_UNDERFLOW. */
static int sym_product_scale_status(float s)
{
    if (isinf(s)) {
        return SYM_ERR_FLOAT_OVERFLOW;
    }
    if (!sym_scale_is_valid(s)) {
        return SYM_ERR_SCALE_UNDERFLOW;
    }
    return SYM_OK;
}

/* Pass 1: SYM_OK if every partial sum of seed + a[0]*b[0] + a[sa]*b[sb] + ...
 * (len terms) stays in int32, else INT_OVERFLOW. Operands are at most 16 bits
 * wide (|product| <= 2^30, no overflow). */
static int sym_dot_checked(const int32_t *a, int32_t sa, const int32_t *b, int32_t sb,
                           int32_t len, int32_t seed)
{
    int32_t t;
    int32_t sum = seed;
    for (t = 0; t < len; ++t) {
        const int32_t p = a[t * sa] * b[t * sb];
        if (sym_add_overflows(sum, p)) {
            return SYM_ERR_INT_OVERFLOW;
        }
        sum = sum + p;
    }
    return SYM_OK;
}

/* Pass 2: the same sum, after sym_dot_checked accepted it (cannot overflow). */
static int32_t sym_dot(const int32_t *a, int32_t sa, const int32_t *b, int32_t sb,
                       int32_t len, int32_t seed)
{
    int32_t t;
    int32_t sum = seed;
    for (t = 0; t < len; ++t) {
        sum = sum + a[t * sa] * b[t * sb];
    }
    return sum;
}

/* Checks shared by the three product kernels: a [ra, ka] (length n_a) and
 * b (length n_b) against the expected lengths, widths, scales, and the
 * output (length n_out == expect_out) plus its scale. */
static int sym_pair_check(const int32_t *a, int32_t n_a, int32_t expect_a, float s_a, int32_t a_bits,
                          const int32_t *b, int32_t n_b, int32_t expect_b, float s_b, int32_t b_bits,
                          const int32_t *out, int32_t n_out, int32_t expect_out,
                          const float *s_out)
{
    size_t bytes_a;
    size_t bytes_b;
    size_t bytes_out;
    int status;
    if (n_a != expect_a || n_b != expect_b || n_out != expect_out) {
        return SYM_ERR_SHAPE;
    }
    if (a_bits < 2 || a_bits > 16 || b_bits < 2 || b_bits > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    if (!sym_scale_is_valid(s_a) || !sym_scale_is_valid(s_b)) {
        return SYM_ERR_BAD_SCALE;
    }
    bytes_a = (size_t)n_a * sizeof(int32_t);
    bytes_b = (size_t)n_b * sizeof(int32_t);
    bytes_out = (size_t)n_out * sizeof(int32_t);
    if (sym_ranges_overlap(out, bytes_out, a, bytes_a)
        || sym_ranges_overlap(out, bytes_out, b, bytes_b)
        || sym_ranges_overlap(s_out, sizeof *s_out, a, bytes_a)
        || sym_ranges_overlap(s_out, sizeof *s_out, b, bytes_b)
        || sym_ranges_overlap(s_out, sizeof *s_out, out, bytes_out)) {
        return SYM_ERR_ALIAS;
    }
    status = sym_check_width(a, n_a, a_bits);
    if (status != SYM_OK) {
        return status;
    }
    return sym_check_width(b, n_b, b_bits);
}

/* Dimensions >= 1 (else EMPTY) and their products B*I, O*I, B*O within int32
 * (else SHAPE). The callers form the products after this check. */
static int sym_linear_dims(int32_t batch, int32_t in_f, int32_t out_f)
{
    int status;
    if (batch < 1 || in_f < 1 || out_f < 1) {
        return SYM_ERR_EMPTY;
    }
    status = sym_dim_check(batch, in_f);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_dim_check(out_f, in_f);
    if (status != SYM_OK) {
        return status;
    }
    return sym_dim_check(batch, out_f);
}

/* seed_c = sym_rescale_to_acc(b[c], s_b, s_acc), or 0 without a bias. Only
 * called once pass 1 has validated every seed (the rescale then succeeds and
 * writes seed). */
static int32_t sym_bias_seed(const int32_t *b, int32_t c, float s_b, float s_acc)
{
    int32_t seed = 0;
    if (b != NULL) {
        (void)sym_rescale_to_acc(b[c], s_b, s_acc, &seed);
    }
    return seed;
}

int sym_linear_forward(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                       const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                       const int32_t *b, int32_t n_b, float s_b,
                       int32_t batch, int32_t in_features, int32_t out_features,
                       int32_t *acc, int32_t n_acc, float *s_acc)
{
    int32_t i;
    int32_t c;
    int status;

    /* ---- pass 1: validate ---- */
    if (x == NULL || w == NULL || acc == NULL || s_acc == NULL) {
        return SYM_ERR_NULL;
    }
    status = sym_linear_dims(batch, in_features, out_features);
    if (status != SYM_OK) {
        return status;
    }
    if (b == NULL && n_b != 0) {
        return SYM_ERR_SHAPE;
    }
    if (b != NULL && n_b != out_features) {
        return SYM_ERR_SHAPE;
    }
    status = sym_pair_check(x, n_x, batch * in_features, s_x, x_bits,
                            w, n_w, out_features * in_features, s_w, w_bits,
                            acc, n_acc, batch * out_features, s_acc);
    if (status != SYM_OK) {
        return status;
    }
    if (b != NULL) {
        const size_t bytes_b = (size_t)n_b * sizeof(int32_t);
        if (!sym_scale_is_valid(s_b)) {
            return SYM_ERR_BAD_SCALE;
        }
        if (sym_ranges_overlap(acc, (size_t)n_acc * sizeof(int32_t), b, bytes_b)
            || sym_ranges_overlap(s_acc, sizeof *s_acc, b, bytes_b)) {
            return SYM_ERR_ALIAS;
        }
    }
    const float s_new = s_x * s_w;
    status = sym_product_scale_status(s_new);
    if (status != SYM_OK) {
        return status;
    }
    if (b != NULL) {
        for (c = 0; c < out_features; ++c) {
            int32_t seed;
            status = sym_rescale_to_acc(b[c], s_b, s_new, &seed);
            if (status != SYM_OK) {
                return status;
            }
        }
    }
    for (i = 0; i < batch; ++i) {
        for (c = 0; c < out_features; ++c) {
            const int32_t seed = sym_bias_seed(b, c, s_b, s_new);
            status = sym_dot_checked(x + i * in_features, 1, w + c * in_features, 1, in_features, seed);
            if (status != SYM_OK) {
                return status;
            }
        }
    }

    /* ---- pass 2: write (cannot fail: same computation as pass 1) ---- */
    for (i = 0; i < batch; ++i) {
        for (c = 0; c < out_features; ++c) {
            const int32_t seed = sym_bias_seed(b, c, s_b, s_new);
            acc[i * out_features + c] = sym_dot(x + i * in_features, 1, w + c * in_features, 1,
                                                in_features, seed);
        }
    }
    *s_acc = s_new;
    return SYM_OK;
}

int sym_linear_grad_w(const int32_t *dy, int32_t n_dy, float s_dy, int32_t dy_bits,
                      const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                      int32_t batch, int32_t in_features, int32_t out_features,
                      int32_t *dw, int32_t n_dw, float *s_dw)
{
    int32_t c;
    int32_t k;
    int status;

    /* ---- pass 1: validate ---- */
    if (dy == NULL || x == NULL || dw == NULL || s_dw == NULL) {
        return SYM_ERR_NULL;
    }
    status = sym_linear_dims(batch, in_features, out_features);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_pair_check(dy, n_dy, batch * out_features, s_dy, dy_bits,
                            x, n_x, batch * in_features, s_x, x_bits,
                            dw, n_dw, out_features * in_features, s_dw);
    if (status != SYM_OK) {
        return status;
    }
    for (c = 0; c < out_features; ++c) {
        for (k = 0; k < in_features; ++k) {
            status = sym_dot_checked(dy + c, out_features, x + k, in_features, batch, 0);
            if (status != SYM_OK) {
                return status;
            }
        }
    }

    /* docs/layers.md: the sums (checked), then their scale */
    const float s_new = s_dy * s_x;
    status = sym_product_scale_status(s_new);
    if (status != SYM_OK) {
        return status;
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (c = 0; c < out_features; ++c) {
        for (k = 0; k < in_features; ++k) {
            dw[c * in_features + k] = sym_dot(dy + c, out_features, x + k, in_features, batch, 0);
        }
    }
    *s_dw = s_new;
    return SYM_OK;
}

int sym_linear_grad_b(const int32_t *dy, int32_t n_dy,
                      int32_t batch, int32_t out_features,
                      int32_t *db, int32_t n_db)
{
    int32_t i;
    int32_t c;
    int32_t sum;
    int status;

    /* ---- pass 1: validate ---- */
    if (dy == NULL || db == NULL) {
        return SYM_ERR_NULL;
    }
    if (batch < 1 || out_features < 1) {
        return SYM_ERR_EMPTY;
    }
    status = sym_dim_check(batch, out_features);
    if (status != SYM_OK) {
        return status;
    }
    if (n_dy != batch * out_features || n_db != out_features) {
        return SYM_ERR_SHAPE;
    }
    if (sym_ranges_overlap(db, (size_t)n_db * sizeof(int32_t), dy, (size_t)n_dy * sizeof(int32_t))) {
        return SYM_ERR_ALIAS;
    }
    for (c = 0; c < out_features; ++c) {
        sum = 0;
        for (i = 0; i < batch; ++i) {
            const int32_t v = dy[i * out_features + c];
            if (sym_add_overflows(sum, v)) {
                return SYM_ERR_INT_OVERFLOW;
            }
            sum = sum + v;
        }
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (c = 0; c < out_features; ++c) {
        sum = 0;
        for (i = 0; i < batch; ++i) {
            sum = sum + dy[i * out_features + c];
        }
        db[c] = sum;
    }
    return SYM_OK;
}

int sym_linear_grad_x(const int32_t *dy, int32_t n_dy, float s_dy, int32_t dy_bits,
                      const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                      int32_t batch, int32_t in_features, int32_t out_features,
                      int32_t *dx, int32_t n_dx, float *s_dx)
{
    int32_t i;
    int32_t k;
    int status;

    /* ---- pass 1: validate ---- */
    if (dy == NULL || w == NULL || dx == NULL || s_dx == NULL) {
        return SYM_ERR_NULL;
    }
    status = sym_linear_dims(batch, in_features, out_features);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_pair_check(dy, n_dy, batch * out_features, s_dy, dy_bits,
                            w, n_w, out_features * in_features, s_w, w_bits,
                            dx, n_dx, batch * in_features, s_dx);
    if (status != SYM_OK) {
        return status;
    }
    for (i = 0; i < batch; ++i) {
        for (k = 0; k < in_features; ++k) {
            status = sym_dot_checked(dy + i * out_features, 1, w + k, in_features, out_features, 0);
            if (status != SYM_OK) {
                return status;
            }
        }
    }

    /* docs/layers.md: the sums (checked), then their scale */
    const float s_new = s_dy * s_w;
    status = sym_product_scale_status(s_new);
    if (status != SYM_OK) {
        return status;
    }

    /* ---- pass 2: write (cannot fail) ---- */
    for (i = 0; i < batch; ++i) {
        for (k = 0; k < in_features; ++k) {
            dx[i * in_features + k] = sym_dot(dy + i * out_features, 1, w + k, in_features, out_features, 0);
        }
    }
    *s_dx = s_new;
    return SYM_OK;
}
