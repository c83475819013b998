/* Pool family (kernels/include/sym_pool.h): integer window sums and maxima.
 * Every entry point validates first (the geometry, the views, the value-sum
 * guard and every checked product or add, by running the arithmetic without
 * storing it), then writes. Scratch buffers are working memory, not
 * outputs. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stddef.h>
#include <stdint.h>

#include "sym_pool.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

#define POOL_INT32_MAX 2147483647

static int pool_fail(sym_err *err, int status, const char *arg, int32_t index, const char *reason)
{
    if (err != NULL) {
        err->status = status;
        err->arg = arg;
        err->index = index;
        err->reason = reason;
    }
    return status;
}

/* 1 if a * b leaves int32 (b > 0), else 0. */
static int mul_overflows(int32_t a, int32_t b)
{
    if (a >= 0) {
        return a > POOL_INT32_MAX / b;
    }
    return a < (-POOL_INT32_MAX - 1) / b;
}

/* sign(num) * ((|num| + den/2) / den) for den > 0, in uint32 (|INT32_MIN| fits). */
static int32_t div_half_away(int32_t num, int32_t den)
{
    const uint32_t d = (uint32_t)den;
    const uint32_t mag = num < 0 ? 0u - (uint32_t)num : (uint32_t)num;
    const uint32_t q = (mag + d / 2u) / d;
    if (num < 0) {
        return q == 0u ? 0 : -(int32_t)(q - 1u) - 1;
    }
    return (int32_t)q;
}

/* *out = a * b (b > 0) if it fits int32, else 1. */
static int checked_mul(int32_t a, int32_t b, int32_t *out)
{
    if (mul_overflows(a, b)) {
        return 1;
    }
    *out = a * b;
    return 0;
}

static int check_view_in(const sym_cview *v, const char *arg, const char *arg_bits, const char *arg_scale,
                         int32_t lo_bits, int32_t hi_bits, int32_t n, sym_err *err)
{
    if (v->m == NULL) {
        return pool_fail(err, SYM_ERR_NULL, arg, -1, "mantissa pointer is NULL");
    }
    if (v->bits < lo_bits || v->bits > hi_bits) {
        return pool_fail(err, SYM_ERR_BAD_WIDTH, arg_bits, -1, "width outside this kernel's domain");
    }
    if (v->n != n) {
        return pool_fail(err, SYM_ERR_SHAPE, arg, -1, "element count differs from the geometry");
    }
    if (!sym_scale_is_valid(v->scale)) {
        return pool_fail(err, SYM_ERR_BAD_SCALE, arg_scale, -1, "scale must be a positive normal float32");
    }
    if (sym_check_width(v->m, v->n, v->bits) != SYM_OK) {
        int32_t i;
        for (i = 0; i < v->n; ++i) {
            if (v->m[i] < sym_q_min(v->bits) || v->m[i] > sym_q_max(v->bits)) {
                break;
            }
        }
        return pool_fail(err, SYM_ERR_INT_OVERFLOW, arg, i, "mantissa outside its declared width");
    }
    return SYM_OK;
}

static int check_view_out(const sym_view *v, const char *arg, int32_t n, sym_err *err)
{
    if (v == NULL || v->m == NULL) {
        return pool_fail(err, SYM_ERR_NULL, arg, -1, "output view or its mantissa pointer is NULL");
    }
    if (v->n != n) {
        return pool_fail(err, SYM_ERR_SHAPE, arg, -1, "output capacity differs from the geometry");
    }
    return SYM_OK;
}

/* *out = a * b for a, b >= 1 if it fits int32, else SHAPE naming arg. */
static int size_product(int32_t a, int32_t b, int32_t *out, const char *arg, sym_err *err)
{
    if (checked_mul(a, b, out)) {
        return pool_fail(err, SYM_ERR_SHAPE, arg, -1, "element count does not fit int32");
    }
    return SYM_OK;
}

/* The common dims: batch, in_channels, in_length, out_length >= 1; rows = B*C,
 * n_in = rows*L and n_out = rows*O fit int32. */
static int check_dims(const sym_geom1d *g, int32_t *rows, int32_t *n_in, int32_t *n_out, sym_err *err)
{
    int st;
    if (g->batch < 1) {
        return pool_fail(err, SYM_ERR_EMPTY, "geom.batch", -1, "batch must be >= 1");
    }
    if (g->in_channels < 1) {
        return pool_fail(err, SYM_ERR_EMPTY, "geom.in_channels", -1, "in_channels must be >= 1");
    }
    if (g->in_length < 1) {
        return pool_fail(err, SYM_ERR_EMPTY, "geom.in_length", -1, "in_length must be >= 1");
    }
    if (g->out_length < 1) {
        return pool_fail(err, SYM_ERR_EMPTY, "geom.out_length", -1, "out_length must be >= 1");
    }
    st = size_product(g->batch, g->in_channels, rows, "geom.in_channels", err);
    if (st == SYM_OK) {
        st = size_product(*rows, g->in_length, n_in, "geom.in_length", err);
    }
    if (st == SYM_OK) {
        st = size_product(*rows, g->out_length, n_out, "geom.out_length", err);
    }
    return st;
}

/* Window geometry of Max/AvgPool1d (see sym_pool.h). */
static int check_window_geom(const sym_geom1d *g, sym_err *err)
{
    int32_t span = 0;
    int32_t padded = 0;
    int32_t o;
    if (g->kernel_size < 1) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.kernel_size", -1, "kernel_size must be >= 1");
    }
    if (g->stride < 1) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.stride", -1, "stride must be >= 1");
    }
    if (g->dilation < 1) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.dilation", -1, "dilation must be >= 1");
    }
    if (g->pad_left < 0 || g->pad_right < 0) {
        return pool_fail(err, SYM_ERR_SHAPE, g->pad_left < 0 ? "geom.pad_left" : "geom.pad_right", -1,
                         "padding must be >= 0");
    }
    if (g->out_channels != g->in_channels) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.out_channels", -1, "a pool keeps the channels");
    }
    if (g->groups != 1) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.groups", -1, "a pool has groups = 1");
    }
    if (g->output_padding != 0) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.output_padding", -1, "a pool has output_padding = 0");
    }
    if (g->kernel_size - 1 > (POOL_INT32_MAX - 1) / g->dilation
        || g->pad_left > POOL_INT32_MAX - g->in_length
        || g->pad_right > POOL_INT32_MAX - g->in_length - g->pad_left) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.kernel_size", -1, "window span does not fit int32");
    }
    span = g->dilation * (g->kernel_size - 1) + 1;
    padded = g->in_length + g->pad_left + g->pad_right;
    if (padded < span) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.kernel_size", -1, "the window is longer than the padded input");
    }
    if (g->out_length != (padded - span) / g->stride + 1) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.out_length", -1,
                         "out_length must be (L + PL + PR - D*(K-1) - 1) / S + 1");
    }
    for (o = 0; o < g->out_length; ++o) {
        int32_t k;
        int real = 0;
        for (k = 0; k < g->kernel_size; ++k) {
            const int32_t p = o * g->stride - g->pad_left + k * g->dilation;
            if (p >= 0 && p < g->in_length) {
                real = 1;
                break;
            }
        }
        if (!real) {
            return pool_fail(err, SYM_ERR_SHAPE, "geom.pad_left", o, "a window covers only padding");
        }
    }
    return SYM_OK;
}

/* The value-sum guard for n mantissas of width bits (2..16): n < 2^(32-bits). */
static int value_sum_ok(int32_t n, int32_t bits)
{
    return n < ((int32_t)1 << (32 - bits));
}

/* ------------------------------------------------------------------ MaxPool1d */

int sym_maxpool1d_forward(const sym_maxpool1d_forward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    int32_t rows = 0, n_in = 0, n_out = 0, r, o;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &rows, &n_in, &n_out, err);
    if (st == SYM_OK) {
        st = check_window_geom(g, err);
    }
    if (st == SYM_OK) {
        st = check_view_in(&args->x, "x", "x.bits", "x.scale", 2, 32, n_in, err);
    }
    if (st == SYM_OK) {
        st = check_view_out(args->y, "y", n_out, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (args->indices == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "indices", -1, "indices is NULL");
    }
    if (args->n_indices != n_out) {
        return pool_fail(err, SYM_ERR_SHAPE, "indices", -1, "indices capacity differs from the geometry");
    }
    if (sym_ranges_overlap(args->y->m, (size_t)n_out * sizeof(int32_t), args->x.m, (size_t)n_in * sizeof(int32_t))
        || sym_ranges_overlap(args->indices, (size_t)n_out * sizeof(int32_t), args->x.m,
                              (size_t)n_in * sizeof(int32_t))
        || sym_ranges_overlap(args->indices, (size_t)n_out * sizeof(int32_t), args->y->m,
                              (size_t)n_out * sizeof(int32_t))) {
        return pool_fail(err, SYM_ERR_ALIAS, "y", -1, "outputs overlap x or each other");
    }
    /* ---- write (cannot fail) ---- */
    for (r = 0; r < rows; ++r) {
        const int32_t *xr = args->x.m + (size_t)r * (size_t)g->in_length;
        for (o = 0; o < g->out_length; ++o) {
            int32_t k;
            int32_t best = 0;
            int32_t best_p = -1;
            for (k = 0; k < g->kernel_size; ++k) {
                const int32_t p = o * g->stride - g->pad_left + k * g->dilation;
                if (p < 0 || p >= g->in_length) {
                    continue;
                }
                if (best_p < 0 || xr[p] > best) {
                    best = xr[p];
                    best_p = p;
                }
            }
            args->y->m[(size_t)r * (size_t)g->out_length + (size_t)o] = best;
            args->indices[(size_t)r * (size_t)g->out_length + (size_t)o] = best_p;
        }
    }
    args->y->scale = args->x.scale;
    return SYM_OK;
}

int sym_maxpool1d_backward(const sym_maxpool1d_backward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    int32_t rows = 0, n_in = 0, n_out = 0, r, o, i;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &rows, &n_in, &n_out, err);
    if (st == SYM_OK) {
        st = check_view_in(&args->dy, "dy", "dy.bits", "dy.scale", 2, 32, n_out, err);
    }
    if (st == SYM_OK) {
        st = check_view_out(args->dx, "dx", n_in, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (args->indices == NULL || args->scratch == NULL) {
        return pool_fail(err, SYM_ERR_NULL, args->indices == NULL ? "indices" : "scratch", -1, "pointer is NULL");
    }
    if (args->n_indices != n_out) {
        return pool_fail(err, SYM_ERR_SHAPE, "indices", -1, "indices count differs from dy's");
    }
    if (args->n_scratch < n_in) {
        return pool_fail(err, SYM_ERR_SHAPE, "scratch", -1, "scratch needs B*C*L int32");
    }
    for (i = 0; i < n_out; ++i) {
        if (args->indices[i] < 0 || args->indices[i] >= g->in_length) {
            return pool_fail(err, SYM_ERR_SHAPE, "indices", i, "an index lies outside [0, in_length)");
        }
    }
    if (sym_ranges_overlap(args->dx->m, (size_t)n_in * sizeof(int32_t), args->dy.m, (size_t)n_out * sizeof(int32_t))
        || sym_ranges_overlap(args->dx->m, (size_t)n_in * sizeof(int32_t), args->indices,
                              (size_t)n_out * sizeof(int32_t))
        || sym_ranges_overlap(args->scratch, (size_t)n_in * sizeof(int32_t), args->dy.m,
                              (size_t)n_out * sizeof(int32_t))
        || sym_ranges_overlap(args->scratch, (size_t)n_in * sizeof(int32_t), args->indices,
                              (size_t)n_out * sizeof(int32_t))
        || sym_ranges_overlap(args->scratch, (size_t)n_in * sizeof(int32_t), args->dx->m,
                              (size_t)n_in * sizeof(int32_t))) {
        return pool_fail(err, SYM_ERR_ALIAS, "dx", -1, "dx or scratch overlaps an input or each other");
    }
    for (i = 0; i < n_in; ++i) {
        args->scratch[i] = 0;
    }
    for (r = 0; r < rows; ++r) {
        int32_t *acc = args->scratch + (size_t)r * (size_t)g->in_length;
        for (o = 0; o < g->out_length; ++o) {
            const size_t at = (size_t)r * (size_t)g->out_length + (size_t)o;
            const int32_t j = args->indices[at];
            if (sym_add_overflows(acc[j], args->dy.m[at])) {
                return pool_fail(err, SYM_ERR_INT_OVERFLOW, "dx", r * g->in_length + j,
                                 "the scatter-add leaves int32");
            }
            acc[j] += args->dy.m[at];
        }
    }
    /* ---- write (cannot fail) ---- */
    for (i = 0; i < n_in; ++i) {
        args->dx->m[i] = args->scratch[i];
    }
    args->dx->scale = args->dy.scale;
    return SYM_OK;
}

/* ------------------------------------------------------------------ AvgPool1d */

/* The number of real (non-padding) positions of window o. */
static int32_t window_real_count(const sym_geom1d *g, int32_t o)
{
    int32_t k;
    int32_t n = 0;
    for (k = 0; k < g->kernel_size; ++k) {
        const int32_t p = o * g->stride - g->pad_left + k * g->dilation;
        if (p >= 0 && p < g->in_length) {
            ++n;
        }
    }
    return n;
}

/* The per-window contribution c = v (include pad, or n == K) else
 * div_half_away(v * K, n); 1 if the product leaves int32. */
static int fold_window(int32_t v, int32_t n, int32_t k, int32_t include_pad, int32_t *c)
{
    int32_t prod = 0;
    if (include_pad || n == k) {
        *c = v;
        return 0;
    }
    if (checked_mul(v, k, &prod)) {
        return 1;
    }
    *c = div_half_away(prod, n);
    return 0;
}

/* One pass of AvgPool1d forward; y_m NULL = validate only. Returns the
 * failing output index or -1. */
static int32_t avg_forward_pass(const sym_avgpool1d_forward_args *args, int32_t rows, int32_t *y_m)
{
    const sym_geom1d *g = &args->geom;
    int32_t r, o;
    for (r = 0; r < rows; ++r) {
        const int32_t *xr = args->x.m + (size_t)r * (size_t)g->in_length;
        for (o = 0; o < g->out_length; ++o) {
            int32_t k;
            int32_t sum = 0;
            int32_t c = 0;
            for (k = 0; k < g->kernel_size; ++k) {
                const int32_t p = o * g->stride - g->pad_left + k * g->dilation;
                if (p >= 0 && p < g->in_length) {
                    sum += xr[p]; /* the value-sum guard bounds it */
                }
            }
            if (fold_window(sum, window_real_count(g, o), g->kernel_size, args->count_include_pad, &c)) {
                return r * g->out_length + o;
            }
            if (y_m != NULL) {
                y_m[(size_t)r * (size_t)g->out_length + (size_t)o] = c;
            }
        }
    }
    return -1;
}

int sym_avgpool1d_forward(const sym_avgpool1d_forward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    int32_t rows = 0, n_in = 0, n_out = 0, bad;
    float s_y = 0.0f;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &rows, &n_in, &n_out, err);
    if (st == SYM_OK) {
        st = check_window_geom(g, err);
    }
    if (st == SYM_OK) {
        st = check_view_in(&args->x, "x", "x.bits", "x.scale", 2, 16, n_in, err);
    }
    if (st == SYM_OK) {
        st = check_view_out(args->y, "y", n_out, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (!value_sum_ok(g->kernel_size, args->x.bits)) {
        return pool_fail(err, SYM_ERR_RANGE_GUARD, "geom.kernel_size", -1,
                         "value-sum guard: a sum of N b-bit mantissas needs N < 2^(32-b)");
    }
    s_y = args->x.scale / (float)g->kernel_size;
    if (!sym_scale_is_valid(s_y)) {
        return pool_fail(err, SYM_ERR_SCALE_UNDERFLOW, "y.scale", -1, "x.scale / K is not a normal float32");
    }
    if (sym_ranges_overlap(args->y->m, (size_t)n_out * sizeof(int32_t), args->x.m, (size_t)n_in * sizeof(int32_t))) {
        return pool_fail(err, SYM_ERR_ALIAS, "y", -1, "y overlaps x");
    }
    bad = avg_forward_pass(args, rows, NULL);
    if (bad >= 0) {
        return pool_fail(err, SYM_ERR_INT_OVERFLOW, "y", bad, "sum * K leaves int32 (count_include_pad=False)");
    }
    /* ---- write (cannot fail) ---- */
    (void)avg_forward_pass(args, rows, args->y->m);
    args->y->scale = s_y;
    return SYM_OK;
}

int sym_avgpool1d_backward(const sym_avgpool1d_backward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    int32_t rows = 0, n_in = 0, n_out = 0, r, o, i;
    float s_dx = 0.0f;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &rows, &n_in, &n_out, err);
    if (st == SYM_OK) {
        st = check_window_geom(g, err);
    }
    if (st == SYM_OK) {
        st = check_view_in(&args->dy, "dy", "dy.bits", "dy.scale", 2, 32, n_out, err);
    }
    if (st == SYM_OK) {
        st = check_view_out(args->dx, "dx", n_in, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (args->scratch == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "scratch", -1, "scratch is NULL");
    }
    if (args->n_scratch < n_in) {
        return pool_fail(err, SYM_ERR_SHAPE, "scratch", -1, "scratch needs B*C*L int32");
    }
    s_dx = args->dy.scale / (float)g->kernel_size;
    if (!sym_scale_is_valid(s_dx)) {
        return pool_fail(err, SYM_ERR_SCALE_UNDERFLOW, "dx.scale", -1, "dy.scale / K is not a normal float32");
    }
    if (sym_ranges_overlap(args->dx->m, (size_t)n_in * sizeof(int32_t), args->dy.m, (size_t)n_out * sizeof(int32_t))
        || sym_ranges_overlap(args->scratch, (size_t)n_in * sizeof(int32_t), args->dy.m,
                              (size_t)n_out * sizeof(int32_t))
        || sym_ranges_overlap(args->scratch, (size_t)n_in * sizeof(int32_t), args->dx->m,
                              (size_t)n_in * sizeof(int32_t))) {
        return pool_fail(err, SYM_ERR_ALIAS, "dx", -1, "dx or scratch overlaps dy or each other");
    }
    for (i = 0; i < n_in; ++i) {
        args->scratch[i] = 0;
    }
    for (r = 0; r < rows; ++r) {
        int32_t *acc = args->scratch + (size_t)r * (size_t)g->in_length;
        for (o = 0; o < g->out_length; ++o) {
            const int32_t at = r * g->out_length + o;
            int32_t c = 0;
            int32_t k;
            if (fold_window(args->dy.m[at], window_real_count(g, o), g->kernel_size, args->count_include_pad, &c)) {
                return pool_fail(err, SYM_ERR_INT_OVERFLOW, "dy", at, "dy * K leaves int32 (count_include_pad=False)");
            }
            for (k = 0; k < g->kernel_size; ++k) {
                const int32_t p = o * g->stride - g->pad_left + k * g->dilation;
                if (p < 0 || p >= g->in_length) {
                    continue;
                }
                if (sym_add_overflows(acc[p], c)) {
                    return pool_fail(err, SYM_ERR_INT_OVERFLOW, "dx", r * g->in_length + p,
                                     "the scatter-add leaves int32");
                }
                acc[p] += c;
            }
        }
    }
    /* ---- write (cannot fail) ---- */
    for (i = 0; i < n_in; ++i) {
        args->dx->m[i] = args->scratch[i];
    }
    args->dx->scale = s_dx;
    return SYM_OK;
}

/* ------------------------------------------------------------------ AdaptiveAvgPool1d */

static int32_t adaptive_start(int32_t o, int32_t l, int32_t n_out)
{
    return (o * l) / n_out;
}

static int32_t adaptive_end(int32_t o, int32_t l, int32_t n_out)
{
    return ((o + 1) * l + n_out - 1) / n_out;
}

static int check_adaptive_geom(const sym_geom1d *g, int32_t *n_max, sym_err *err)
{
    int32_t prod = 0;
    int32_t o;
    if (checked_mul(g->in_length, g->out_length, &prod) || prod > POOL_INT32_MAX - g->out_length) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.out_length", -1, "in_length * out_length must fit int32");
    }
    *n_max = 0;
    for (o = 0; o < g->out_length; ++o) {
        const int32_t n = adaptive_end(o, g->in_length, g->out_length) - adaptive_start(o, g->in_length, g->out_length);
        if (n > *n_max) {
            *n_max = n;
        }
    }
    return SYM_OK;
}

int sym_adaptive_avgpool1d_forward(const sym_adaptive_avgpool1d_forward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    int32_t rows = 0, n_in = 0, n_out = 0, n_max = 0, r, o;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &rows, &n_in, &n_out, err);
    if (st == SYM_OK) {
        st = check_adaptive_geom(g, &n_max, err);
    }
    if (st == SYM_OK) {
        st = check_view_in(&args->x, "x", "x.bits", "x.scale", 2, 16, n_in, err);
    }
    if (st == SYM_OK) {
        st = check_view_out(args->y, "y", n_out, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (!value_sum_ok(n_max, args->x.bits)) {
        return pool_fail(err, SYM_ERR_RANGE_GUARD, "geom.in_length", -1,
                         "value-sum guard: a sum of N b-bit mantissas needs N < 2^(32-b)");
    }
    if (sym_ranges_overlap(args->y->m, (size_t)n_out * sizeof(int32_t), args->x.m, (size_t)n_in * sizeof(int32_t))) {
        return pool_fail(err, SYM_ERR_ALIAS, "y", -1, "y overlaps x");
    }
    /* ---- write (cannot fail) ---- */
    for (r = 0; r < rows; ++r) {
        const int32_t *xr = args->x.m + (size_t)r * (size_t)g->in_length;
        for (o = 0; o < g->out_length; ++o) {
            const int32_t start = adaptive_start(o, g->in_length, g->out_length);
            const int32_t end = adaptive_end(o, g->in_length, g->out_length);
            int32_t p;
            int32_t sum = 0;
            for (p = start; p < end; ++p) {
                sum += xr[p]; /* the value-sum guard bounds it */
            }
            args->y->m[(size_t)r * (size_t)g->out_length + (size_t)o] = div_half_away(sum, end - start);
        }
    }
    args->y->scale = args->x.scale;
    return SYM_OK;
}

int sym_adaptive_avgpool1d_backward(const sym_adaptive_avgpool1d_backward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    int32_t rows = 0, n_in = 0, n_out = 0, n_max = 0, r, o, i;
    float s_dx = 0.0f;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &rows, &n_in, &n_out, err);
    if (st == SYM_OK) {
        st = check_adaptive_geom(g, &n_max, err);
    }
    if (st == SYM_OK) {
        st = check_view_in(&args->dy, "dy", "dy.bits", "dy.scale", 2, 32, n_out, err);
    }
    if (st == SYM_OK) {
        st = check_view_out(args->dx, "dx", n_in, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (args->scratch == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "scratch", -1, "scratch is NULL");
    }
    if (args->n_scratch < n_in) {
        return pool_fail(err, SYM_ERR_SHAPE, "scratch", -1, "scratch needs B*C*L int32");
    }
    s_dx = args->dy.scale / (float)n_max;
    if (!sym_scale_is_valid(s_dx)) {
        return pool_fail(err, SYM_ERR_SCALE_UNDERFLOW, "dx.scale", -1, "dy.scale / N is not a normal float32");
    }
    if (sym_ranges_overlap(args->dx->m, (size_t)n_in * sizeof(int32_t), args->dy.m, (size_t)n_out * sizeof(int32_t))
        || sym_ranges_overlap(args->scratch, (size_t)n_in * sizeof(int32_t), args->dy.m,
                              (size_t)n_out * sizeof(int32_t))
        || sym_ranges_overlap(args->scratch, (size_t)n_in * sizeof(int32_t), args->dx->m,
                              (size_t)n_in * sizeof(int32_t))) {
        return pool_fail(err, SYM_ERR_ALIAS, "dx", -1, "dx or scratch overlaps dy or each other");
    }
    for (i = 0; i < n_in; ++i) {
        args->scratch[i] = 0;
    }
    for (r = 0; r < rows; ++r) {
        int32_t *acc = args->scratch + (size_t)r * (size_t)g->in_length;
        for (o = 0; o < g->out_length; ++o) {
            const int32_t at = r * g->out_length + o;
            const int32_t start = adaptive_start(o, g->in_length, g->out_length);
            const int32_t end = adaptive_end(o, g->in_length, g->out_length);
            int32_t c = 0;
            int32_t p;
            if (fold_window(args->dy.m[at], end - start, n_max, 0, &c)) {
                return pool_fail(err, SYM_ERR_INT_OVERFLOW, "dy", at, "dy * N leaves int32");
            }
            for (p = start; p < end; ++p) {
                if (sym_add_overflows(acc[p], c)) {
                    return pool_fail(err, SYM_ERR_INT_OVERFLOW, "dx", r * g->in_length + p,
                                     "the scatter-add leaves int32");
                }
                acc[p] += c;
            }
        }
    }
    /* ---- write (cannot fail) ---- */
    for (i = 0; i < n_in; ++i) {
        args->dx->m[i] = args->scratch[i];
    }
    args->dx->scale = s_dx;
    return SYM_OK;
}
