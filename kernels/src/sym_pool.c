/* Pool family (kernels/include/sym_pool.h): integer window sums and maxima.
 * Every entry point validates first (the geometry, the views, the value-sum
 * guard and every checked product or add, by running the arithmetic into
 * scratch or without storing it), then writes. Scratch buffers are working
 * memory, not outputs. */
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

typedef struct {
    int32_t rows;  /* B*C */
    int32_t n_in;  /* B*C*L */
    int32_t n_out; /* B*C*O */
} pool_dims;

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

/* *out = a * b (b > 0) if it fits int32 (returns 0), else 1. */
static int checked_mul(int32_t a, int32_t b, int32_t *out)
{
    if (a >= 0 ? a > POOL_INT32_MAX / b : a < (-POOL_INT32_MAX - 1) / b) {
        return 1;
    }
    *out = a * b;
    return 0;
}

/* sign(num) * ((|num| + den/2) / den) for den > 0, in uint32 (|INT32_MIN| fits). */
static int32_t div_half_away(int32_t num, int32_t den)
{
    const uint32_t mag = num < 0 ? 0u - (uint32_t)num : (uint32_t)num;
    const uint32_t q = (mag + (uint32_t)den / 2u) / (uint32_t)den;
    if (num < 0) {
        return q == 0u ? 0 : -(int32_t)(q - 1u) - 1;
    }
    return (int32_t)q;
}

/* 1 if the int32 ranges a[0..na) and b[0..nb) overlap. */
static int overlaps(const void *a, int32_t na, const void *b, int32_t nb)
{
    return sym_ranges_overlap(a, (size_t)na * sizeof(int32_t), b, (size_t)nb * sizeof(int32_t));
}

static int check_in(const sym_cview *v, const char *arg, const char *arg_bits, const char *arg_scale,
                    int32_t hi_bits, int32_t n, sym_err *err)
{
    if (v->m == NULL) {
        return pool_fail(err, SYM_ERR_NULL, arg, -1, "mantissa pointer is NULL");
    }
    if (v->bits < 2 || v->bits > hi_bits) {
        return pool_fail(err, SYM_ERR_BAD_WIDTH, arg_bits, -1, "width outside this kernel's domain");
    }
    if (v->n != n) {
        return pool_fail(err, SYM_ERR_SHAPE, arg, -1, "element count differs from the geometry");
    }
    if (!sym_scale_is_valid(v->scale)) {
        return pool_fail(err, SYM_ERR_BAD_SCALE, arg_scale, -1, "scale must be a positive normal float32");
    }
    const int32_t bad = sym_width_index(v->m, n, v->bits);
    if (bad >= 0) {
        return pool_fail(err, SYM_ERR_INT_OVERFLOW, arg, bad, "a mantissa lies outside its declared width");
    }
    return SYM_OK;
}

static int check_out(const sym_view *v, const char *arg, int32_t n, sym_err *err)
{
    if (v == NULL || v->m == NULL) {
        return pool_fail(err, SYM_ERR_NULL, arg, -1, "output view or its mantissa pointer is NULL");
    }
    if (v->n != n) {
        return pool_fail(err, SYM_ERR_SHAPE, arg, -1, "output capacity differs from the geometry");
    }
    return SYM_OK;
}

/* batch, in_channels, in_length, out_length >= 1 and the element counts fit int32. */
static int check_dims(const sym_geom1d *g, pool_dims *d, sym_err *err)
{
    if (g->batch < 1 || g->in_channels < 1 || g->in_length < 1 || g->out_length < 1) {
        return pool_fail(err, SYM_ERR_EMPTY, "geom", -1, "batch, in_channels, in_length, out_length must be >= 1");
    }
    if (checked_mul(g->batch, g->in_channels, &d->rows) || checked_mul(d->rows, g->in_length, &d->n_in)
        || checked_mul(d->rows, g->out_length, &d->n_out)) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom", -1, "an element count does not fit int32");
    }
    return SYM_OK;
}

static int32_t tap(const sym_geom1d *g, int32_t o, int32_t k)
{
    return o * g->stride - g->pad_left + k * g->dilation;
}

static int is_real(const sym_geom1d *g, int32_t p)
{
    return p >= 0 && p < g->in_length;
}

/* The real (non-padding) taps of window o are one run of consecutive k,
 * since tap(g, o, k) grows with k: this is its first k. Closed form, so that
 * a huge, mostly padded window costs its real taps only. No overflow:
 * tap(g, o, 0) >= -pad_left (check_window_geom bounds the spans). */
static int32_t first_real_tap(const sym_geom1d *g, int32_t o)
{
    const int32_t start = tap(g, o, 0);
    return start >= 0 ? 0 : -(start + 1) / g->dilation + 1;
}

/* The number of real taps of window o (the length of that run). room, the
 * real positions from the first tap on, fits int32: in_length + pad_left
 * does. */
static int32_t real_taps(const sym_geom1d *g, int32_t o)
{
    const int32_t room = g->in_length - tap(g, o, 0);
    const int32_t k0 = first_real_tap(g, o);
    int32_t last;
    if (room <= 0) {
        return 0;
    }
    last = (room - 1) / g->dilation;
    if (last >= g->kernel_size) {
        last = g->kernel_size - 1;
    }
    return last >= k0 ? last - k0 + 1 : 0;
}

/* Window geometry of Max/AvgPool1d (see sym_pool.h). */
static int check_window_geom(const sym_geom1d *g, sym_err *err)
{
    int32_t o;
    if (g->kernel_size < 1 || g->stride < 1 || g->dilation < 1) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.kernel_size", -1, "kernel_size, stride, dilation must be >= 1");
    }
    if (g->pad_left < 0 || g->pad_right < 0) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.pad_left", -1, "padding must be >= 0");
    }
    if (g->out_channels != g->in_channels || g->groups != 1 || g->output_padding != 0) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.out_channels", -1,
                         "a pool keeps the channels, groups = 1, output_padding = 0");
    }
    if (g->kernel_size - 1 > (POOL_INT32_MAX - 1) / g->dilation
        || g->pad_left > POOL_INT32_MAX - g->in_length
        || g->pad_right > POOL_INT32_MAX - g->in_length - g->pad_left) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.kernel_size", -1, "window span does not fit int32");
    }
    if (g->out_length != (g->in_length + g->pad_left + g->pad_right - g->dilation * (g->kernel_size - 1) - 1)
                          / g->stride + 1
        || g->in_length + g->pad_left + g->pad_right < g->dilation * (g->kernel_size - 1) + 1) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.out_length", -1,
                         "out_length must be (L + PL + PR - D*(K-1) - 1) / S + 1 >= 1");
    }
    for (o = 0; o < g->out_length; ++o) {
        if (real_taps(g, o) == 0) {
            return pool_fail(err, SYM_ERR_SHAPE, "geom.pad_left", o, "a window covers only padding");
        }
    }
    return SYM_OK;
}

static int32_t adaptive_start(const sym_geom1d *g, int32_t o)
{
    return (o * g->in_length) / g->out_length;
}

static int32_t adaptive_end(const sym_geom1d *g, int32_t o)
{
    return ((o + 1) * g->in_length + g->out_length - 1) / g->out_length;
}

/* L*O + O fits int32 (so every window bound does); *n_max = the longest window. */
static int check_adaptive_geom(const sym_geom1d *g, int32_t *n_max, sym_err *err)
{
    int32_t prod = 0;
    int32_t o;
    if (checked_mul(g->in_length, g->out_length, &prod) || prod > POOL_INT32_MAX - g->out_length) {
        return pool_fail(err, SYM_ERR_SHAPE, "geom.out_length", -1, "in_length * out_length must fit int32");
    }
    *n_max = 0;
    for (o = 0; o < g->out_length; ++o) {
        const int32_t n = adaptive_end(g, o) - adaptive_start(g, o);
        *n_max = n > *n_max ? n : *n_max;
    }
    return SYM_OK;
}

/* The value-sum guard for N mantissas of width bits (2..16): N < 2^(32-bits). */
static int value_sum_guard(int32_t n, int32_t bits, const char *arg, sym_err *err)
{
    if (n >= ((int32_t)1 << (32 - bits))) {
        return pool_fail(err, SYM_ERR_RANGE_GUARD, arg, -1,
                         "value-sum guard: a sum of N b-bit mantissas needs N < 2^(32-b)");
    }
    return SYM_OK;
}

/* s / k as a normal float32, else SCALE_UNDERFLOW naming arg. */
static int fold_scale(float s, int32_t k, const char *arg, float *out, sym_err *err)
{
    *out = s / (float)k;
    if (!sym_scale_is_valid(*out)) {
        return pool_fail(err, SYM_ERR_SCALE_UNDERFLOW, arg, -1, "the folded scale is not a normal float32");
    }
    return SYM_OK;
}

/* c = v when n == k, else div_half_away(v * k, n); 1 if the product leaves int32.
 * count_include_pad passes n = k = -1 (no fold). */
static int fold_window(int32_t v, int32_t n, int32_t k, int32_t *c)
{
    int32_t prod = 0;
    if (n == k) {
        *c = v;
        return 0;
    }
    if (checked_mul(v, k, &prod)) {
        return 1;
    }
    *c = div_half_away(prod, n);
    return 0;
}

/* The checks every backward step shares: dy (any width), dx, scratch, aliasing. */
static int check_backward(const sym_cview *dy, const pool_dims *d, const sym_view *dx, const int32_t *scratch,
                          int32_t n_scratch, sym_err *err)
{
    int st = check_in(dy, "dy", "dy.bits", "dy.scale", 32, d->n_out, err);
    if (st == SYM_OK) {
        st = check_out(dx, "dx", d->n_in, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (scratch == NULL || n_scratch < d->n_in) {
        return pool_fail(err, scratch == NULL ? SYM_ERR_NULL : SYM_ERR_SHAPE, "scratch", -1,
                         "scratch needs B*C*L int32");
    }
    if (overlaps(dx->m, d->n_in, dy->m, d->n_out) || overlaps(scratch, d->n_in, dy->m, d->n_out)
        || overlaps(scratch, d->n_in, dx->m, d->n_in)) {
        return pool_fail(err, SYM_ERR_ALIAS, "dx", -1, "dx or scratch overlaps dy or each other");
    }
    return SYM_OK;
}

/* acc[p] += v, checked; the error names dx's flat index base + p. */
static int scatter_add(int32_t *acc, int32_t p, int32_t v, int32_t base, sym_err *err)
{
    if (sym_add_overflows(acc[p], v)) {
        return pool_fail(err, SYM_ERR_INT_OVERFLOW, "dx", base + p, "the scatter-add leaves int32");
    }
    acc[p] += v;
    return SYM_OK;
}

static void fill_zero(int32_t *a, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        a[i] = 0;
    }
}

static void commit_dx(sym_view *dx, const int32_t *scratch, int32_t n, float scale)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        dx->m[i] = scratch[i];
    }
    dx->scale = scale;
}

/* ------------------------------------------------------------------ MaxPool1d */

int sym_maxpool1d_forward(const sym_maxpool1d_forward_args *args, sym_err *err)
{
    pool_dims d = { 0, 0, 0 };
    int32_t r, o, k;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    st = check_dims(&args->geom, &d, err);
    if (st == SYM_OK) {
        st = check_window_geom(&args->geom, err);
    }
    if (st == SYM_OK) {
        st = check_in(&args->x, "x", "x.bits", "x.scale", 32, d.n_in, err);
    }
    if (st == SYM_OK) {
        st = check_out(args->y, "y", d.n_out, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (args->indices == NULL || args->n_indices != d.n_out) {
        return pool_fail(err, args->indices == NULL ? SYM_ERR_NULL : SYM_ERR_SHAPE, "indices", -1,
                         "indices needs B*C*O int32");
    }
    if (overlaps(args->y->m, d.n_out, args->x.m, d.n_in) || overlaps(args->indices, d.n_out, args->x.m, d.n_in)
        || overlaps(args->indices, d.n_out, args->y->m, d.n_out)) {
        return pool_fail(err, SYM_ERR_ALIAS, "y", -1, "outputs overlap x or each other");
    }
    /* ---- write (cannot fail) ---- */
    for (r = 0; r < d.rows; ++r) {
        const int32_t *xr = args->x.m + (size_t)r * (size_t)args->geom.in_length;
        for (o = 0; o < args->geom.out_length; ++o) {
            const int32_t k0 = first_real_tap(&args->geom, o);
            const int32_t k_end = k0 + real_taps(&args->geom, o);
            int32_t best_p = -1;
            for (k = k0; k < k_end; ++k) {
                const int32_t p = tap(&args->geom, o, k);
                if (best_p < 0 || xr[p] > xr[best_p]) { /* strictly greater: the first maximum wins */
                    best_p = p;
                }
            }
            args->y->m[r * args->geom.out_length + o] = xr[best_p];
            args->indices[r * args->geom.out_length + o] = best_p;
        }
    }
    args->y->scale = args->x.scale;
    return SYM_OK;
}

int sym_maxpool1d_backward(const sym_maxpool1d_backward_args *args, sym_err *err)
{
    pool_dims d = { 0, 0, 0 };
    int32_t i;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    st = check_dims(&args->geom, &d, err);
    if (st == SYM_OK) {
        st = check_backward(&args->dy, &d, args->dx, args->scratch, args->n_scratch, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (args->indices == NULL || args->n_indices != d.n_out) {
        return pool_fail(err, args->indices == NULL ? SYM_ERR_NULL : SYM_ERR_SHAPE, "indices", -1,
                         "indices needs dy's B*C*O int32");
    }
    if (overlaps(args->dx->m, d.n_in, args->indices, d.n_out) || overlaps(args->scratch, d.n_in, args->indices,
                                                                          d.n_out)) {
        return pool_fail(err, SYM_ERR_ALIAS, "dx", -1, "dx or scratch overlaps indices");
    }
    for (i = 0; i < d.n_out; ++i) {
        if (!is_real(&args->geom, args->indices[i])) {
            return pool_fail(err, SYM_ERR_SHAPE, "indices", i, "an index lies outside [0, in_length)");
        }
    }
    fill_zero(args->scratch, d.n_in);
    for (i = 0; i < d.n_out; ++i) {
        const int32_t base = (i / args->geom.out_length) * args->geom.in_length;
        st = scatter_add(args->scratch + base, args->indices[i], args->dy.m[i], base, err);
        if (st != SYM_OK) {
            return st;
        }
    }
    /* ---- write (cannot fail) ---- */
    commit_dx(args->dx, args->scratch, d.n_in, args->dy.scale);
    return SYM_OK;
}

/* ------------------------------------------------------------------ AvgPool1d */

/* One pass of AvgPool1d forward; y_m NULL = validate only. Returns the
 * failing output index or -1. */
static int32_t avg_forward_pass(const sym_avgpool1d_forward_args *args, int32_t rows, int32_t *y_m)
{
    const sym_geom1d *g = &args->geom;
    const int32_t k_fold = args->count_include_pad ? -1 : g->kernel_size;
    int32_t r, o, k;
    for (r = 0; r < rows; ++r) {
        const int32_t *xr = args->x.m + (size_t)r * (size_t)g->in_length;
        for (o = 0; o < g->out_length; ++o) {
            const int32_t k0 = first_real_tap(g, o);
            const int32_t run = real_taps(g, o);
            const int32_t n = args->count_include_pad ? -1 : run;
            int32_t sum = 0;
            int32_t c = 0;
            for (k = k0; k < k0 + run; ++k) {
                sum += xr[tap(g, o, k)]; /* padded taps add 0; the value-sum guard bounds it */
            }
            if (fold_window(sum, n, k_fold, &c)) {
                return r * g->out_length + o;
            }
            if (y_m != NULL) {
                y_m[r * g->out_length + o] = c;
            }
        }
    }
    return -1;
}

int sym_avgpool1d_forward(const sym_avgpool1d_forward_args *args, sym_err *err)
{
    pool_dims d = { 0, 0, 0 };
    float s_y = 0.0f;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    st = check_dims(&args->geom, &d, err);
    if (st == SYM_OK) {
        st = check_window_geom(&args->geom, err);
    }
    if (st == SYM_OK) {
        st = check_in(&args->x, "x", "x.bits", "x.scale", 16, d.n_in, err);
    }
    if (st == SYM_OK) {
        st = check_out(args->y, "y", d.n_out, err);
    }
    if (st == SYM_OK) {
        st = value_sum_guard(args->geom.kernel_size, args->x.bits, "geom.kernel_size", err);
    }
    if (st == SYM_OK) {
        st = fold_scale(args->x.scale, args->geom.kernel_size, "y.scale", &s_y, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (overlaps(args->y->m, d.n_out, args->x.m, d.n_in)) {
        return pool_fail(err, SYM_ERR_ALIAS, "y", -1, "y overlaps x");
    }
    st = avg_forward_pass(args, d.rows, NULL);
    if (st >= 0) {
        return pool_fail(err, SYM_ERR_INT_OVERFLOW, "y", st, "sum * K leaves int32 (count_include_pad=False)");
    }
    /* ---- write (cannot fail) ---- */
    (void)avg_forward_pass(args, d.rows, args->y->m);
    args->y->scale = s_y;
    return SYM_OK;
}

int sym_avgpool1d_backward(const sym_avgpool1d_backward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    pool_dims d = { 0, 0, 0 };
    float s_dx = 0.0f;
    int32_t i, k;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &d, err);
    if (st == SYM_OK) {
        st = check_window_geom(g, err);
    }
    if (st == SYM_OK) {
        st = check_backward(&args->dy, &d, args->dx, args->scratch, args->n_scratch, err);
    }
    if (st == SYM_OK) {
        st = fold_scale(args->dy.scale, g->kernel_size, "dx.scale", &s_dx, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    fill_zero(args->scratch, d.n_in);
    for (i = 0; i < d.n_out; ++i) {
        const int32_t o = i % g->out_length;
        const int32_t base = (i / g->out_length) * g->in_length;
        const int32_t k0 = first_real_tap(g, o);
        const int32_t run = real_taps(g, o);
        int32_t c = 0;
        if (fold_window(args->dy.m[i], args->count_include_pad ? -1 : run,
                        args->count_include_pad ? -1 : g->kernel_size, &c)) {
            return pool_fail(err, SYM_ERR_INT_OVERFLOW, "dy", i, "dy * K leaves int32 (count_include_pad=False)");
        }
        for (k = k0; k < k0 + run; ++k) { /* padded taps receive nothing */
            st = scatter_add(args->scratch + base, tap(g, o, k), c, base, err);
            if (st != SYM_OK) {
                return st;
            }
        }
    }
    /* ---- write (cannot fail) ---- */
    commit_dx(args->dx, args->scratch, d.n_in, s_dx);
    return SYM_OK;
}

/* ------------------------------------------------------------------ AdaptiveAvgPool1d */

int sym_adaptive_avgpool1d_forward(const sym_adaptive_avgpool1d_forward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    pool_dims d = { 0, 0, 0 };
    int32_t n_max = 0;
    int32_t i, p;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &d, err);
    if (st == SYM_OK) {
        st = check_adaptive_geom(g, &n_max, err);
    }
    if (st == SYM_OK) {
        st = check_in(&args->x, "x", "x.bits", "x.scale", 16, d.n_in, err);
    }
    if (st == SYM_OK) {
        st = check_out(args->y, "y", d.n_out, err);
    }
    if (st == SYM_OK) {
        st = value_sum_guard(n_max, args->x.bits, "geom.in_length", err);
    }
    if (st != SYM_OK) {
        return st;
    }
    if (overlaps(args->y->m, d.n_out, args->x.m, d.n_in)) {
        return pool_fail(err, SYM_ERR_ALIAS, "y", -1, "y overlaps x");
    }
    /* ---- write (cannot fail) ---- */
    for (i = 0; i < d.n_out; ++i) {
        const int32_t o = i % g->out_length;
        const int32_t *xr = args->x.m + (size_t)(i / g->out_length) * (size_t)g->in_length;
        int32_t sum = 0;
        for (p = adaptive_start(g, o); p < adaptive_end(g, o); ++p) {
            sum += xr[p]; /* the value-sum guard bounds it */
        }
        args->y->m[i] = div_half_away(sum, adaptive_end(g, o) - adaptive_start(g, o));
    }
    args->y->scale = args->x.scale;
    return SYM_OK;
}

int sym_adaptive_avgpool1d_backward(const sym_adaptive_avgpool1d_backward_args *args, sym_err *err)
{
    const sym_geom1d *g = NULL;
    pool_dims d = { 0, 0, 0 };
    int32_t n_max = 0;
    float s_dx = 0.0f;
    int32_t i, p;
    int st;
    if (args == NULL) {
        return pool_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    g = &args->geom;
    st = check_dims(g, &d, err);
    if (st == SYM_OK) {
        st = check_adaptive_geom(g, &n_max, err);
    }
    if (st == SYM_OK) {
        st = check_backward(&args->dy, &d, args->dx, args->scratch, args->n_scratch, err);
    }
    if (st == SYM_OK) {
        st = fold_scale(args->dy.scale, n_max, "dx.scale", &s_dx, err);
    }
    if (st != SYM_OK) {
        return st;
    }
    fill_zero(args->scratch, d.n_in);
    for (i = 0; i < d.n_out; ++i) {
        const int32_t o = i % g->out_length;
        const int32_t base = (i / g->out_length) * g->in_length;
        int32_t c = 0;
        if (fold_window(args->dy.m[i], adaptive_end(g, o) - adaptive_start(g, o), n_max, &c)) {
            return pool_fail(err, SYM_ERR_INT_OVERFLOW, "dy", i, "dy * N leaves int32");
        }
        for (p = adaptive_start(g, o); p < adaptive_end(g, o) && st == SYM_OK; ++p) {
            st = scatter_add(args->scratch + base, p, c, base, err);
        }
        if (st != SYM_OK) {
            return st;
        }
    }
    /* ---- write (cannot fail) ---- */
    commit_dx(args->dx, args->scratch, d.n_in, s_dx);
    return SYM_OK;
}
