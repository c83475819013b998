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

#include "sym_accumulate.h"
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

/* sym_linear_forward_core that also names the failing element: on
 * RANGE_GUARD *bad = the bias index c, on INT_OVERFLOW of a partial sum
 * *bad = the output index i*O + c; any other failure leaves *bad as it was. */
static int sym_linear_forward_at(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                                 const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                                 const int32_t *b, int32_t n_b, float s_b,
                                 int32_t batch, int32_t in_features, int32_t out_features,
                                 int32_t *acc, int32_t n_acc, float *s_acc, int32_t *bad)
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
                *bad = c;
                return status;
            }
        }
    }
    for (i = 0; i < batch; ++i) {
        for (c = 0; c < out_features; ++c) {
            const int32_t seed = sym_bias_seed(b, c, s_b, s_new);
            status = sym_dot_checked(x + i * in_features, 1, w + c * in_features, 1, in_features, seed);
            if (status != SYM_OK) {
                *bad = i * out_features + c;
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

int sym_linear_forward_core(const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                       const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                       const int32_t *b, int32_t n_b, float s_b,
                       int32_t batch, int32_t in_features, int32_t out_features,
                       int32_t *acc, int32_t n_acc, float *s_acc)
{
    int32_t bad; /* the failing element: this interface does not report it */
    return sym_linear_forward_at(x, n_x, s_x, x_bits, w, n_w, s_w, w_bits, b, n_b, s_b,
                                 batch, in_features, out_features, acc, n_acc, s_acc, &bad);
}

/* sym_linear_grad_w that also names the failing element: on INT_OVERFLOW of
 * a partial sum *bad = the output index c*I + k; any other failure leaves
 * *bad as it was. */
static int sym_linear_grad_w_at(const int32_t *dy, int32_t n_dy, float s_dy, int32_t dy_bits,
                                const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                                int32_t batch, int32_t in_features, int32_t out_features,
                                int32_t *dw, int32_t n_dw, float *s_dw, int32_t *bad)
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
                *bad = c * in_features + k;
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

int sym_linear_grad_w(const int32_t *dy, int32_t n_dy, float s_dy, int32_t dy_bits,
                      const int32_t *x, int32_t n_x, float s_x, int32_t x_bits,
                      int32_t batch, int32_t in_features, int32_t out_features,
                      int32_t *dw, int32_t n_dw, float *s_dw)
{
    int32_t bad; /* the failing element: this interface does not report it */
    return sym_linear_grad_w_at(dy, n_dy, s_dy, dy_bits, x, n_x, s_x, x_bits,
                                batch, in_features, out_features, dw, n_dw, s_dw, &bad);
}

/* sym_linear_grad_b that also names the failing element: on INT_OVERFLOW
 * *bad = the column c whose sum leaves int32; any other failure leaves *bad
 * as it was. */
static int sym_linear_grad_b_at(const int32_t *dy, int32_t n_dy,
                                int32_t batch, int32_t out_features,
                                int32_t *db, int32_t n_db, int32_t *bad)
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
                *bad = c;
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

int sym_linear_grad_b(const int32_t *dy, int32_t n_dy,
                      int32_t batch, int32_t out_features,
                      int32_t *db, int32_t n_db)
{
    int32_t bad; /* the failing element: this interface does not report it */
    return sym_linear_grad_b_at(dy, n_dy, batch, out_features, db, n_db, &bad);
}

/* sym_linear_grad_x that also names the failing element: on INT_OVERFLOW of
 * a partial sum *bad = the output index i*I + k; any other failure leaves
 * *bad as it was. */
static int sym_linear_grad_x_at(const int32_t *dy, int32_t n_dy, float s_dy, int32_t dy_bits,
                                const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                                int32_t batch, int32_t in_features, int32_t out_features,
                                int32_t *dx, int32_t n_dx, float *s_dx, int32_t *bad)
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
                *bad = i * in_features + k;
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

int sym_linear_grad_x(const int32_t *dy, int32_t n_dy, float s_dy, int32_t dy_bits,
                      const int32_t *w, int32_t n_w, float s_w, int32_t w_bits,
                      int32_t batch, int32_t in_features, int32_t out_features,
                      int32_t *dx, int32_t n_dx, float *s_dx)
{
    int32_t bad; /* the failing element: this interface does not report it */
    return sym_linear_grad_x_at(dy, n_dy, s_dy, dy_bits, w, n_w, s_w, w_bits,
                                batch, in_features, out_features, dx, n_dx, s_dx, &bad);
}

/* ---- layer steps ------------------------------------------------------ */

/* Dimensions of a layer step: each >= 1 (EMPTY) and B*I, O*I, B*O in int32
 * (SHAPE), with the failing dimension named in *err. */
static int sym_linear_dims_err(int32_t batch, int32_t in_f, int32_t out_f, sym_err *err)
{
    if (batch < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "batch", -1, "batch must be >= 1");
    }
    if (in_f < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "in_features", -1, "in_features must be >= 1");
    }
    if (out_f < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "out_features", -1, "out_features must be >= 1");
    }
    if (sym_linear_dims(batch, in_f, out_f) != SYM_OK) {
        return sym_fail(err, SYM_ERR_SHAPE, "batch", -1, "B*I, O*I and B*O must fit int32");
    }
    return SYM_OK;
}

/* 1 if bits is a product operand width (2..16). */
static int sym_product_width_ok(int32_t bits)
{
    return bits >= 2 && bits <= 16;
}

/* The argument a product-core status points at: a width, scale or mantissa
 * of operand a or b (with the first mantissa outside its width), else the
 * output (the reason is then the status name). bad is the element the core
 * named (the output whose sum left int32), -1 if it named none. Only called
 * after the core failed. */
static int sym_pair_fail(int status, const sym_cview *a, const char *a_bits, const char *a_scale,
                         const char *a_m, const sym_cview *b, const char *b_bits, const char *b_scale,
                         const char *b_m, const char *out, int32_t bad, sym_err *err)
{
    if (status == SYM_ERR_BAD_WIDTH) {
        return sym_fail(err, status, sym_product_width_ok(a->bits) ? b_bits : a_bits, bad,
                        "a product operand must be 2..16 bits wide");
    }
    if (status == SYM_ERR_BAD_SCALE) {
        return sym_fail(err, status, sym_scale_is_valid(a->scale) ? b_scale : a_scale, bad,
                        "a scale must be a positive, finite, normal float32");
    }
    if (status == SYM_ERR_INT_OVERFLOW) {
        const int32_t bad_a = sym_width_index(a->m, a->n, a->bits);
        const int32_t bad_b = sym_width_index(b->m, b->n, b->bits);
        const char *arg = bad_a >= 0 ? a_m : bad_b >= 0 ? b_m : out;
        const int32_t index = bad_a >= 0 ? bad_a : bad_b >= 0 ? bad_b : bad;
        return sym_fail(err, status, arg, index, "a mantissa outside its width, or an int32 partial sum overflow");
    }
    if (status == SYM_ERR_SHAPE) {
        return sym_fail(err, status, a_m, bad, "a length does not match the dimensions");
    }
    return sym_fail(err, status, out, bad, sym_status_name(status));
}

int sym_linear_forward(const sym_linear_forward_args *args, sym_err *err)
{
    int status;
    int32_t n_out;
    float s_acc;
    int32_t bad = -1; /* the element the core names, -1 if none */
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    {
        const void *const views[] = { args->out };
        const char *const view_names[] = { "out" };
        status = sym_first_null(views, view_names, 1, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    {
        const void *const bufs[] = { args->out->m, args->x.m, args->w.m };
        const char *const buf_names[] = { "out.m", "x.m", "w.m" };
        status = sym_first_null(bufs, buf_names, 3, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if (args->b != NULL && args->b->m == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "b.m", -1, "a given b needs its buffer");
    }
    if (args->out_bits != 0 && !sym_product_width_ok(args->out_bits)) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "out_bits", -1, "out_bits must be 0 (raw) or 2..16");
    }
    status = sym_round_ctx_check(&args->round, 1, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_linear_dims_err(args->batch, args->in_features, args->out_features, err);
    if (status != SYM_OK) {
        return status;
    }
    n_out = args->batch * args->out_features;
    if (args->out->n != n_out) {
        return sym_fail(err, SYM_ERR_SHAPE, "out.n", -1, "out.n must be batch*out_features");
    }
    if (args->out_bits != 0 && (args->scratch == NULL || args->n_scratch < n_out)) {
        return sym_fail(err, SYM_ERR_SHAPE, "scratch", -1, "a requant needs n_scratch >= batch*out_features");
    }
    {
        const sym_cview *b = args->b;
        int32_t *acc = args->out_bits == 0 ? args->out->m : args->scratch;
        status = sym_linear_forward_at(args->x.m, args->x.n, args->x.scale, args->x.bits,
                                       args->w.m, args->w.n, args->w.scale, args->w.bits,
                                       b == NULL ? NULL : b->m, b == NULL ? 0 : b->n,
                                       b == NULL ? args->x.scale : b->scale, /* ignored without b */
                                       args->batch, args->in_features, args->out_features,
                                       acc, n_out, &s_acc, &bad);
    }
    if (status == SYM_ERR_RANGE_GUARD) {
        return sym_fail(err, status, "b", bad, "rescale_to_acc of a bias exceeds the guard |r| <= 1073774591");
    }
    if (status == SYM_ERR_BAD_SCALE && sym_scale_is_valid(args->x.scale) && sym_scale_is_valid(args->w.scale)) {
        return sym_fail(err, status, "b.scale", bad, "a scale must be a positive, finite, normal float32");
    }
    if (status == SYM_ERR_SHAPE && args->b != NULL && args->b->n != args->out_features) {
        return sym_fail(err, status, "b.n", bad, "b.n must be out_features");
    }
    if (status != SYM_OK) {
        return sym_pair_fail(status, &args->x, "x.bits", "x.scale", "x.m", &args->w, "w.bits", "w.scale",
                             "w.m", "out", bad, err);
    }
    if (args->out_bits == 0) {
        args->out->scale = s_acc;
        args->out->bits = 32;
        return SYM_OK;
    }
    {
        float s_out;
        status = sym_requant_dynamic(args->scratch, n_out, s_acc, args->out_bits, args->round.mode,
                                     args->round.order, args->round.rng_state, args->out->m, &s_out);
        if (status != SYM_OK) {
            return sym_fail(err, status, "out", -1, sym_status_name(status));
        }
        args->out->scale = s_out;
        args->out->bits = args->out_bits;
    }
    return SYM_OK;
}

/* gb += rescale(db, s_db, s_b) at fixed scale, in place: one call of
 * sym_accumulate_fixed_ex, whose error detail names the failing element on
 * RANGE_GUARD ("inc") and INT_OVERFLOW ("target"): *bad = that index (-1 for
 * a fault of no element: width, scale). On entry gb holds grad_b (scratch). */
static int sym_bias_grad_accumulate(int32_t *gb, int32_t n_b, float s_b, int32_t bits,
                                    const int32_t *db, float s_db, int32_t *bad)
{
    sym_view out = { gb, n_b, s_b, bits };
    const sym_accumulate_fixed_args acc = { { gb, n_b, s_b, bits }, { db, n_b, s_db, bits }, &out };
    sym_err inner;
    const int status = sym_accumulate_fixed_ex(&acc, &inner);
    if (status != SYM_OK) {
        *bad = inner.index;
    }
    return status;
}

/* n int32 values from src to dst. */
static void sym_copy_i32(int32_t *dst, const int32_t *src, int32_t n)
{
    int32_t k;
    for (k = 0; k < n; ++k) {
        dst[k] = src[k];
    }
}

int sym_linear_backward(const sym_linear_backward_args *args, sym_err *err)
{
    int status;
    int32_t n_x;
    int32_t n_w;
    int32_t n_b;
    int64_t need;
    int32_t bad = -1; /* the element a core names, -1 if none */
    if (args == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "the args struct is NULL");
    }
    {
        const void *const views[] = { args->dx, args->new_grad_w };
        const char *const view_names[] = { "dx", "new_grad_w" };
        status = sym_first_null(views, view_names, 2, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    {
        const void *const bufs[] = { args->dx->m, args->new_grad_w->m, args->x.m, args->w.m, args->dy.m, args->grad_w.m };
        const char *const buf_names[] = { "dx.m", "new_grad_w.m", "x.m", "w.m", "dy.m", "grad_w.m" };
        status = sym_first_null(bufs, buf_names, 6, err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if ((args->grad_b == NULL) != (args->new_grad_b == NULL)) {
        return sym_fail(err, SYM_ERR_NULL, "new_grad_b", -1, "new_grad_b must be given exactly with grad_b");
    }
    if (args->new_grad_b != NULL && args->new_grad_b->m == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "new_grad_b.m", -1, "a given new_grad_b needs its buffer");
    }
    if (args->grad_b != NULL && args->grad_b->m == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "grad_b.m", -1, "a given grad_b needs its buffer");
    }
    status = sym_linear_dims_err(args->batch, args->in_features, args->out_features, err);
    if (status != SYM_OK) {
        return status;
    }
    n_x = args->batch * args->in_features;
    n_w = args->out_features * args->in_features;
    n_b = args->out_features;
    if (args->grad_w.n != n_w) {
        return sym_fail(err, SYM_ERR_SHAPE, "grad_w.n", -1, "grad_w.n must be out_features*in_features");
    }
    if (args->grad_b != NULL && args->grad_b->n != n_b) {
        return sym_fail(err, SYM_ERR_SHAPE, "grad_b.n", -1, "grad_b.n must be out_features");
    }
    if (!sym_product_width_ok(args->grad_w.bits)) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "grad_w.bits", -1, "grad_w must be 2..16 bits wide");
    }
    if (!sym_product_width_ok(args->dx_bits)) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "dx_bits", -1, "dx_bits must be 2..16");
    }
    status = sym_round_ctx_check(&args->round, 1, err);
    if (status != SYM_OK) {
        return status;
    }
    if (args->dx->n != n_x || args->new_grad_w->n != n_w
        || (args->new_grad_b != NULL && args->new_grad_b->n != n_b)) {
        return sym_fail(err, SYM_ERR_SHAPE, args->dx->n != n_x ? "dx.n" : args->new_grad_w->n != n_w
                        ? "new_grad_w.n" : "new_grad_b.n", -1, "an output length does not match the dimensions");
    }
    need = 2 * (int64_t)n_w + (int64_t)n_x + (args->grad_b != NULL ? 2 * (int64_t)n_b : 0);
    if (args->scratch == NULL || (int64_t)args->n_scratch < need) {
        return sym_fail(err, SYM_ERR_SHAPE, "scratch", -1, "n_scratch must be >= 2*O*I + B*I (+ 2*O with grad_b)");
    }
    {
        int32_t *dw = args->scratch;
        int32_t *gw = dw + n_w;
        int32_t *dxr = gw + n_w;
        int32_t *db = dxr + n_x;
        int32_t *gb = db + n_b;
        float s_dw;
        float s_gw = args->grad_w.scale;
        float s_dxr;
        float s_dx;
        uint32_t work[1]; /* the RNG state while the steps run, committed at the end */
        uint32_t *rng = args->round.rng_state;
        if (rng != NULL) {
            work[0] = *rng;
            rng = work;
        }
        /* step 1: dW, accumulated dynamically into a copy of grad_w */
        status = sym_linear_grad_w_at(args->dy.m, args->dy.n, args->dy.scale, args->dy.bits,
                                      args->x.m, args->x.n, args->x.scale, args->x.bits,
                                      args->batch, args->in_features, args->out_features, dw, n_w, &s_dw, &bad);
        if (status != SYM_OK) {
            return sym_pair_fail(status, &args->dy, "dy.bits", "dy.scale", "dy.m", &args->x, "x.bits", "x.scale",
                                 "x.m", "new_grad_w", bad, err);
        }
        sym_copy_i32(gw, args->grad_w.m, n_w);
        status = sym_accumulate_dynamic(gw, n_w, &s_gw, args->grad_w.bits, dw, n_w, s_dw, args->round.mode, rng);
        if (status == SYM_ERR_BAD_SCALE) {
            return sym_fail(err, status, "grad_w.scale", -1, "a scale must be a positive, finite, normal float32");
        }
        if (status != SYM_OK) {
            return sym_fail(err, status, "new_grad_w", -1, sym_status_name(status));
        }
        /* step 2: db, accumulated at fixed scale into a copy of grad_b */
        if (args->grad_b != NULL) {
            status = sym_linear_grad_b_at(args->dy.m, args->dy.n, args->batch, args->out_features, db, n_b, &bad);
            if (status != SYM_OK) {
                return sym_fail(err, status, "new_grad_b", bad, "a column sum of dy leaves int32");
            }
            sym_copy_i32(gb, args->grad_b->m, n_b);
            status = sym_bias_grad_accumulate(gb, n_b, args->grad_b->scale, args->grad_b->bits, db, args->dy.scale,
                                              &bad);
            if (status != SYM_OK) {
                return sym_fail(err, status, "new_grad_b", bad,
                                "grad_b + rescale(db) fails the guard, its width or its scale");
            }
        }
        /* step 3: dx raw, requantized dynamically to dx_bits */
        status = sym_linear_grad_x_at(args->dy.m, args->dy.n, args->dy.scale, args->dy.bits,
                                      args->w.m, args->w.n, args->w.scale, args->w.bits,
                                      args->batch, args->in_features, args->out_features, dxr, n_x, &s_dxr, &bad);
        if (status != SYM_OK) {
            return sym_pair_fail(status, &args->dy, "dy.bits", "dy.scale", "dy.m", &args->w, "w.bits", "w.scale",
                                 "w.m", "dx", bad, err);
        }
        status = sym_requant_dynamic(dxr, n_x, s_dxr, args->dx_bits, args->round.mode, args->round.order, rng,
                                     args->dx->m, &s_dx);
        if (status != SYM_OK) {
            return sym_fail(err, status, "dx", -1, sym_status_name(status));
        }
        /* commit (cannot fail) */
        args->dx->scale = s_dx;
        args->dx->bits = args->dx_bits;
        sym_copy_i32(args->new_grad_w->m, gw, n_w);
        args->new_grad_w->scale = s_gw;
        args->new_grad_w->bits = args->grad_w.bits;
        if (args->grad_b != NULL) {
            sym_copy_i32(args->new_grad_b->m, gb, n_b);
            args->new_grad_b->scale = args->grad_b->scale;
            args->new_grad_b->bits = args->grad_b->bits;
        }
        if (rng != NULL) {
            *args->round.rng_state = work[0];
        }
    }
    return SYM_OK;
}
