/* Conv family: Conv1d and ConvTranspose1d through three index kernels over
 * one correlation geometry (a "short" side of length short_len and a "long"
 * side of length long_len linked by pos = t*stride - pad_left + k*dilation):
 *   gather  : short[b, sc, t] = seed + sum_{lc, k} long[..., pos] * w[sc, lc, k]
 *   scatter : long[b, lc, j]  = seed + sum_{sc, k, t : pos == j} short[..., t] * w[sc, lc, k]
 *   weights : dw[sc, lc, k]   = sum_{b, t} short[b, sc, t] * long[b, lc, pos]
 * Conv1d: forward = gather(x), dx = scatter(dy), dW = weights(dy, x).
 * ConvTranspose1d: the roles swapped: forward = scatter(x), dx = gather(dy),
 * dW = weights(x, dy). Each kernel runs once to check (out NULL) and once to
 * write, so nothing is written on error. int32 arithmetic only. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sym_accumulate.h"
#include "sym_conv.h"
#include "sym_requant.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"
#include "sym_types.h"

/* The correlation geometry shared by both layers; w is [short_ch, long_ch/groups, k]. */
typedef struct {
    int32_t batch;
    int32_t groups;
    int32_t short_ch;
    int32_t long_ch;
    int32_t short_len;
    int32_t long_len;
    int32_t k;
    int32_t stride;
    int32_t dilation;
    int32_t pad_left;
} sym_corr;

/* The bias seeds of one kernel call: b (NULL for none) rescaled into s_acc. */
typedef struct {
    const sym_cview *b;
    float s_acc;
} sym_seeds;

/* a * b for a, b >= 0 if it fits int32, else -1 (also for a negative a, so
 * that a chain of products stays -1 once one overflowed). */
static int32_t sym_mul_or_neg(int32_t a, int32_t b)
{
    if (a < 0 || (a != 0 && b > INT32_MAX / a)) {
        return -1;
    }
    return a * b;
}

static int32_t sym_seed_at(const sym_seeds *s, int32_t c)
{
    int32_t seed = 0;
    if (s->b != NULL) {
        (void)sym_rescale_to_acc(s->b->m[c], s->b->scale, s->s_acc, &seed);
    }
    return seed;
}

/* gather: out [batch, short_ch, short_len] (NULL: check only). */
static int sym_corr_gather(const sym_corr *c, const int32_t *lng, const int32_t *w, const sym_seeds *seeds,
                           int32_t *out, int32_t *bad)
{
    const int32_t sg = c->short_ch / c->groups;
    const int32_t lg = c->long_ch / c->groups;
    int32_t bi;
    int32_t sc;
    int32_t t;
    int32_t lc;
    int32_t k;
    for (bi = 0; bi < c->batch; ++bi) {
        for (sc = 0; sc < c->short_ch; ++sc) {
            const int32_t g = sc / sg;
            for (t = 0; t < c->short_len; ++t) {
                const int32_t at = (bi * c->short_ch + sc) * c->short_len + t;
                int32_t sum = sym_seed_at(seeds, sc);
                for (lc = 0; lc < lg; ++lc) {
                    const int32_t *row = lng + (bi * c->long_ch + g * lg + lc) * c->long_len;
                    const int32_t *wr = w + (sc * lg + lc) * c->k;
                    for (k = 0; k < c->k; ++k) {
                        const int32_t pos = t * c->stride - c->pad_left + k * c->dilation;
                        if (pos >= 0 && pos < c->long_len) {
                            const int32_t p = row[pos] * wr[k];
                            if (sym_add_overflows(sum, p)) {
                                *bad = at;
                                return SYM_ERR_INT_OVERFLOW;
                            }
                            sum = sum + p;
                        }
                    }
                }
                if (out != NULL) {
                    out[at] = sum;
                }
            }
        }
    }
    return SYM_OK;
}

/* scatter, computed per long position: out [batch, long_ch, long_len] (NULL: check only). */
static int sym_corr_scatter(const sym_corr *c, const int32_t *shrt, const int32_t *w, const sym_seeds *seeds,
                            int32_t *out, int32_t *bad)
{
    const int32_t sg = c->short_ch / c->groups;
    const int32_t lg = c->long_ch / c->groups;
    int32_t bi;
    int32_t lf;
    int32_t j;
    int32_t sc;
    int32_t k;
    for (bi = 0; bi < c->batch; ++bi) {
        for (lf = 0; lf < c->long_ch; ++lf) {
            const int32_t g = lf / lg;
            const int32_t lc = lf - g * lg;
            for (j = 0; j < c->long_len; ++j) {
                const int32_t at = (bi * c->long_ch + lf) * c->long_len + j;
                int32_t sum = sym_seed_at(seeds, lf);
                for (sc = g * sg; sc < (g + 1) * sg; ++sc) {
                    const int32_t *row = shrt + (bi * c->short_ch + sc) * c->short_len;
                    const int32_t *wr = w + (sc * lg + lc) * c->k;
                    for (k = 0; k < c->k; ++k) {
                        const int32_t num = j + c->pad_left - k * c->dilation;
                        if (num >= 0 && num % c->stride == 0 && num / c->stride < c->short_len) {
                            const int32_t p = row[num / c->stride] * wr[k];
                            if (sym_add_overflows(sum, p)) {
                                *bad = at;
                                return SYM_ERR_INT_OVERFLOW;
                            }
                            sum = sum + p;
                        }
                    }
                }
                if (out != NULL) {
                    out[at] = sum;
                }
            }
        }
    }
    return SYM_OK;
}

/* weights: out [short_ch, long_ch/groups, k], sums over (b, t) ascending. */
static int sym_corr_weights(const sym_corr *c, const int32_t *shrt, const int32_t *lng, int32_t *out,
                            int32_t *bad)
{
    const int32_t sg = c->short_ch / c->groups;
    const int32_t lg = c->long_ch / c->groups;
    int32_t sc;
    int32_t lc;
    int32_t k;
    int32_t bi;
    int32_t t;
    for (sc = 0; sc < c->short_ch; ++sc) {
        const int32_t g = sc / sg;
        for (lc = 0; lc < lg; ++lc) {
            for (k = 0; k < c->k; ++k) {
                const int32_t at = (sc * lg + lc) * c->k + k;
                int32_t sum = 0;
                for (bi = 0; bi < c->batch; ++bi) {
                    const int32_t *srow = shrt + (bi * c->short_ch + sc) * c->short_len;
                    const int32_t *lrow = lng + (bi * c->long_ch + g * lg + lc) * c->long_len;
                    for (t = 0; t < c->short_len; ++t) {
                        const int32_t pos = t * c->stride - c->pad_left + k * c->dilation;
                        if (pos >= 0 && pos < c->long_len) {
                            const int32_t p = srow[t] * lrow[pos];
                            if (sym_add_overflows(sum, p)) {
                                *bad = at;
                                return SYM_ERR_INT_OVERFLOW;
                            }
                            sum = sum + p;
                        }
                    }
                }
                out[at] = sum;
            }
        }
    }
    return SYM_OK;
}

/* db[c] = sum over b, then position, of m[b, c, pos] (checked). */
static int sym_channel_sum(const int32_t *m, int32_t batch, int32_t ch, int32_t len, int32_t *out, int32_t *bad)
{
    int32_t c;
    int32_t bi;
    int32_t j;
    for (c = 0; c < ch; ++c) {
        int32_t sum = 0;
        for (bi = 0; bi < batch; ++bi) {
            const int32_t *row = m + (bi * ch + c) * len;
            for (j = 0; j < len; ++j) {
                if (sym_add_overflows(sum, row[j])) {
                    *bad = c;
                    return SYM_ERR_INT_OVERFLOW;
                }
                sum = sum + row[j];
            }
        }
        out[c] = sum;
    }
    return SYM_OK;
}

/* ---------------------------------------------------------------- validation */

/* The geometry fields both layers share; *span = dilation*(K-1) + 1. */
static int sym_geom_common(const sym_geom1d *g, int32_t *span, sym_err *err)
{
    if (g->batch < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "geom.batch", -1, "must be >= 1");
    }
    if (g->in_channels < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "geom.in_channels", -1, "must be >= 1");
    }
    if (g->out_channels < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "geom.out_channels", -1, "must be >= 1");
    }
    if (g->in_length < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "geom.in_length", -1, "must be >= 1");
    }
    if (g->kernel_size < 1) {
        return sym_fail(err, SYM_ERR_EMPTY, "geom.kernel_size", -1, "must be >= 1");
    }
    if (g->out_length < 1) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.out_length", -1, "the output length must be >= 1");
    }
    if (g->stride < 1) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.stride", -1, "must be >= 1");
    }
    if (g->dilation < 1) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.dilation", -1, "must be >= 1");
    }
    if (g->groups < 1) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.groups", -1, "must be >= 1");
    }
    if (g->pad_left < 0) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.pad_left", -1, "must be >= 0");
    }
    if (g->pad_right < 0) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.pad_right", -1, "must be >= 0");
    }
    if (g->output_padding < 0) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.output_padding", -1, "must be >= 0");
    }
    if (g->in_channels % g->groups != 0 || g->out_channels % g->groups != 0) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.groups", -1, "channels not divisible by groups");
    }
    const int32_t reach = sym_mul_or_neg(g->kernel_size - 1, g->dilation);
    if (reach < 0 || reach == INT32_MAX) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.dilation", -1, "dilation*(kernel_size-1) + 1 overflows int32");
    }
    *span = reach + 1;
    return SYM_OK;
}

/* Conv1d: the padded input covers the kernel and out_length matches. */
static int sym_geom_conv(const sym_geom1d *g, sym_corr *c, sym_err *err)
{
    int32_t span;
    int status = sym_geom_common(g, &span, err);
    if (status != SYM_OK) {
        return status;
    }
    if (g->output_padding != 0) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.output_padding", -1, "Conv1d has no output padding");
    }
    if (sym_add_overflows(g->in_length, g->pad_left)
        || sym_add_overflows(g->in_length + g->pad_left, g->pad_right)) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.pad_right", -1, "in_length + padding overflows int32");
    }
    const int32_t padded = g->in_length + g->pad_left + g->pad_right;
    if (span > padded) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.kernel_size", -1, "kernel longer than the padded input");
    }
    if (g->out_length != (padded - span) / g->stride + 1) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.out_length", -1, "out_length does not match the geometry");
    }
    c->batch = g->batch;
    c->groups = g->groups;
    c->short_ch = g->out_channels;
    c->long_ch = g->in_channels;
    c->short_len = g->out_length;
    c->long_len = g->in_length;
    c->k = g->kernel_size;
    c->stride = g->stride;
    c->dilation = g->dilation;
    c->pad_left = g->pad_left;
    return SYM_OK;
}

/* ConvTranspose1d: output_padding in range and out_length matches. */
static int sym_geom_transpose(const sym_geom1d *g, sym_corr *c, sym_err *err)
{
    int32_t span;
    int status = sym_geom_common(g, &span, err);
    if (status != SYM_OK) {
        return status;
    }
    if (g->output_padding >= g->stride && g->output_padding >= g->dilation) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.output_padding", -1, "must be < stride or < dilation");
    }
    const int32_t steps = sym_mul_or_neg(g->in_length - 1, g->stride);
    if (steps < 0 || sym_add_overflows(steps, span) || sym_add_overflows(steps + span, g->output_padding)) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.stride", -1, "(L-1)*stride + span + output_padding overflows int32");
    }
    const int32_t full = steps + span + g->output_padding;
    if (g->pad_left >= full || g->pad_right >= full - g->pad_left) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.out_length", -1, "the output length is <= 0");
    }
    if (g->out_length != full - g->pad_left - g->pad_right) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom.out_length", -1, "out_length does not match the geometry");
    }
    c->batch = g->batch;
    c->groups = g->groups;
    c->short_ch = g->in_channels;
    c->long_ch = g->out_channels;
    c->short_len = g->in_length;
    c->long_len = g->out_length;
    c->k = g->kernel_size;
    c->stride = g->stride;
    c->dilation = g->dilation;
    c->pad_left = g->pad_left;
    return SYM_OK;
}

/* Element counts of one layer: short side, long side, weights. */
typedef struct {
    int32_t n_short;
    int32_t n_long;
    int32_t n_w;
} sym_counts;

static int sym_corr_counts(const sym_corr *c, sym_counts *n, sym_err *err)
{
    n->n_short = sym_mul_or_neg(sym_mul_or_neg(c->batch, c->short_ch), c->short_len);
    if (n->n_short < 0) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom", -1, "B*C*L of the short side overflows int32");
    }
    n->n_long = sym_mul_or_neg(sym_mul_or_neg(c->batch, c->long_ch), c->long_len);
    if (n->n_long < 0) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom", -1, "B*C*L of the long side overflows int32");
    }
    n->n_w = sym_mul_or_neg(sym_mul_or_neg(c->short_ch, c->long_ch / c->groups), c->k);
    if (n->n_w < 0) {
        return sym_fail(err, SYM_ERR_SHAPE, "geom", -1, "the weight count overflows int32");
    }
    return SYM_OK;
}

/* One operand: present, n as expected, width 2..hi_bits, valid scale. */
static int sym_operand(const sym_cview *v, int32_t n, int32_t hi_bits, const char *m_arg, const char *n_arg,
                       const char *bits_arg, const char *scale_arg, sym_err *err)
{
    if (v->m == NULL) {
        return sym_fail(err, SYM_ERR_NULL, m_arg, -1, "mantissas are NULL");
    }
    if (v->n != n) {
        return sym_fail(err, SYM_ERR_SHAPE, n_arg, -1, "length does not match the geometry");
    }
    if (v->bits < 2 || v->bits > hi_bits) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, bits_arg, -1, "width outside the kernel's domain");
    }
    if (!sym_scale_is_valid(v->scale)) {
        return sym_fail(err, SYM_ERR_BAD_SCALE, scale_arg, -1, "not a positive normal finite float32");
    }
    return SYM_OK;
}

/* Every mantissa inside its declared width, else INT_OVERFLOW at its index. */
static int sym_operand_range(const sym_cview *v, const char *m_arg, sym_err *err)
{
    const int32_t hi = sym_q_max(v->bits);
    const int32_t lo = sym_q_min(v->bits);
    int32_t i;
    for (i = 0; i < v->n; ++i) {
        if (v->m[i] > hi || v->m[i] < lo) {
            return sym_fail(err, SYM_ERR_INT_OVERFLOW, m_arg, i, "mantissa outside its declared width");
        }
    }
    return SYM_OK;
}

static int sym_overlap_i32(const int32_t *a, int32_t na, const int32_t *b, int32_t nb)
{
    return sym_ranges_overlap(a, (size_t)na * sizeof(int32_t), b, (size_t)nb * sizeof(int32_t));
}

static int sym_product_scale(float a, float b, float *out, const char *arg, sym_err *err)
{
    const float s = a * b;
    if (isinf(s)) {
        return sym_fail(err, SYM_ERR_FLOAT_OVERFLOW, arg, -1, "the product scale is inf");
    }
    if (!sym_scale_is_valid(s)) {
        return sym_fail(err, SYM_ERR_SCALE_UNDERFLOW, arg, -1, "the product scale is not a normal float32");
    }
    *out = s;
    return SYM_OK;
}

static int sym_round_args(const sym_round_ctx *r, sym_err *err)
{
    const int status = sym_rounding_check(r->mode, r->rng_state);
    if (status == SYM_ERR_BAD_ROUNDING) {
        return sym_fail(err, status, "round.mode", -1, "unknown rounding mode");
    }
    if (status != SYM_OK) {
        return sym_fail(err, status, "round.rng_state", -1, "SR needs a non-NULL, non-zero RNG state");
    }
    if (r->order != SYM_ORDER_RATIO && r->order != SYM_ORDER_CLAMP_FIRST) {
        return sym_fail(err, SYM_ERR_BAD_ORDER, "round.order", -1, "unknown requant order");
    }
    return SYM_OK;
}

/* ---------------------------------------------------------------- forward */

static int sym_forward(const sym_conv1d_forward_args *a, int transpose, sym_err *err)
{
    sym_corr c;
    sym_counts n;
    sym_seeds seeds;
    int32_t n_in;
    int32_t n_y;
    int32_t co;
    int32_t bad = -1;
    int status;

    if (a == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "NULL argument struct");
    }
    if (a->y == NULL || a->y->m == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "y", -1, "output view is NULL");
    }
    status = transpose ? sym_geom_transpose(&a->geom, &c, err) : sym_geom_conv(&a->geom, &c, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_corr_counts(&c, &n, err);
    if (status != SYM_OK) {
        return status;
    }
    n_in = transpose ? n.n_short : n.n_long;
    n_y = transpose ? n.n_long : n.n_short;
    status = sym_operand(&a->x, n_in, 16, "x.m", "x.n", "x.bits", "x.scale", err);
    if (status == SYM_OK) {
        status = sym_operand(&a->w, n.n_w, 16, "w.m", "w.n", "w.bits", "w.scale", err);
    }
    if (status == SYM_OK && a->b != NULL) {
        status = sym_operand(a->b, a->geom.out_channels, 32, "b.m", "b.n", "b.bits", "b.scale", err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if (a->y->n != n_y) {
        return sym_fail(err, SYM_ERR_SHAPE, "y.n", -1, "length does not match the geometry");
    }
    if (a->out_bits != 0 && (a->out_bits < 2 || a->out_bits > 16)) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "out_bits", -1, "must be 0 (raw) or 2..16");
    }
    if (a->y->bits != (a->out_bits == 0 ? 32 : a->out_bits)) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "y.bits", -1, "must be out_bits, or 32 for a raw output");
    }
    if (a->out_bits != 0) {
        status = sym_round_args(&a->round, err);
        if (status != SYM_OK) {
            return status;
        }
        if (a->scratch == NULL) {
            return sym_fail(err, SYM_ERR_NULL, "scratch", -1, "out_bits needs a scratch buffer");
        }
        if (a->n_scratch < n_y) {
            return sym_fail(err, SYM_ERR_SHAPE, "n_scratch", -1, "scratch needs B*C_out*L_out elements");
        }
    }
    if (sym_overlap_i32(a->y->m, n_y, a->x.m, a->x.n) || sym_overlap_i32(a->y->m, n_y, a->w.m, a->w.n)
        || (a->b != NULL && sym_overlap_i32(a->y->m, n_y, a->b->m, a->b->n))) {
        return sym_fail(err, SYM_ERR_ALIAS, "y.m", -1, "output overlaps an input");
    }
    if (a->out_bits != 0
        && (sym_overlap_i32(a->scratch, n_y, a->y->m, n_y) || sym_overlap_i32(a->scratch, n_y, a->x.m, a->x.n)
            || sym_overlap_i32(a->scratch, n_y, a->w.m, a->w.n)
            || (a->b != NULL && sym_overlap_i32(a->scratch, n_y, a->b->m, a->b->n))
            || (a->round.rng_state != NULL
                && (sym_ranges_overlap(a->round.rng_state, sizeof(uint32_t), a->y->m, (size_t)n_y * sizeof(int32_t))
                    || sym_ranges_overlap(a->round.rng_state, sizeof(uint32_t), a->scratch,
                                          (size_t)n_y * sizeof(int32_t)))))) {
        return sym_fail(err, SYM_ERR_ALIAS, "scratch", -1, "scratch or RNG state overlaps another buffer");
    }
    status = sym_operand_range(&a->x, "x.m", err);
    if (status == SYM_OK) {
        status = sym_operand_range(&a->w, "w.m", err);
    }
    if (status != SYM_OK) {
        return status;
    }
    status = sym_product_scale(a->x.scale, a->w.scale, &seeds.s_acc, "x.scale", err);
    if (status != SYM_OK) {
        return status;
    }
    seeds.b = a->b;
    if (a->b != NULL) {
        for (co = 0; co < a->geom.out_channels; ++co) {
            int32_t seed;
            if (sym_rescale_to_acc(a->b->m[co], a->b->scale, seeds.s_acc, &seed) != SYM_OK) {
                return sym_fail(err, SYM_ERR_RANGE_GUARD, "b.m", co, "bias seed outside the rescale guard");
            }
        }
    }
    status = transpose ? sym_corr_scatter(&c, a->x.m, a->w.m, &seeds, NULL, &bad)
                       : sym_corr_gather(&c, a->x.m, a->w.m, &seeds, NULL, &bad);
    if (status != SYM_OK) {
        return sym_fail(err, status, "y", bad, "partial sum leaves int32");
    }
    if (a->out_bits == 0) {
        (void)(transpose ? sym_corr_scatter(&c, a->x.m, a->w.m, &seeds, a->y->m, &bad)
                         : sym_corr_gather(&c, a->x.m, a->w.m, &seeds, a->y->m, &bad));
        a->y->scale = seeds.s_acc;
        return SYM_OK;
    }
    (void)(transpose ? sym_corr_scatter(&c, a->x.m, a->w.m, &seeds, a->scratch, &bad)
                     : sym_corr_gather(&c, a->x.m, a->w.m, &seeds, a->scratch, &bad));
    status = sym_requant_dynamic(a->scratch, n_y, seeds.s_acc, a->out_bits, a->round.mode, a->round.order,
                                 a->round.rng_state, a->y->m, &a->y->scale);
    if (status != SYM_OK) {
        return sym_fail(err, status, "y", -1, "requant of the raw output to out_bits failed");
    }
    return SYM_OK;
}

int sym_conv1d_forward(const sym_conv1d_forward_args *args, sym_err *err)
{
    return sym_forward(args, 0, err);
}

int sym_conv_transpose1d_forward(const sym_conv_transpose1d_forward_args *args, sym_err *err)
{
    return sym_forward(args, 1, err);
}

/* ---------------------------------------------------------------- backward */

/* An output view: present, n as expected, bits as required. */
static int sym_out_view(const sym_view *v, int32_t n, int32_t bits, const char *arg, sym_err *err)
{
    if (v == NULL || v->m == NULL) {
        return sym_fail(err, SYM_ERR_NULL, arg, -1, "output view is NULL");
    }
    if (v->n != n) {
        return sym_fail(err, SYM_ERR_SHAPE, arg, -1, "length does not match the geometry");
    }
    if (v->bits != bits) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, arg, -1, "width must match its input / dx_bits");
    }
    return SYM_OK;
}

/* out (length n) overlaps none of the inputs; out == same (an in-place
 * update of that input) is allowed, any other overlap with it is not. */
static int sym_out_alias(const int32_t *out, int32_t n, const sym_conv1d_backward_args *a, const int32_t *same)
{
    const sym_cview *ins[4];
    int32_t i;
    ins[0] = &a->x;
    ins[1] = &a->w;
    ins[2] = &a->dy;
    ins[3] = &a->grad_w;
    for (i = 0; i < 4; ++i) {
        if ((out != same || ins[i]->m != same) && sym_overlap_i32(out, n, ins[i]->m, ins[i]->n)) {
            return 1;
        }
    }
    if (a->grad_b != NULL && (out != same || a->grad_b->m != same)
        && sym_overlap_i32(out, n, a->grad_b->m, a->grad_b->n)) {
        return 1;
    }
    return sym_overlap_i32(out, n, a->scratch, a->n_scratch);
}

static int sym_backward(const sym_conv1d_backward_args *a, int transpose, sym_err *err)
{
    sym_corr c;
    sym_counts n;
    int32_t n_x;
    int32_t n_y;
    int32_t need;
    int32_t bad = -1;
    int32_t i;
    float s_dw;
    float s_dx;
    float s_gw;
    uint32_t rng = 0u;
    int status;

    if (a == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "NULL argument struct");
    }
    if ((a->grad_b == NULL) != (a->new_grad_b == NULL)) {
        return sym_fail(err, SYM_ERR_NULL, "new_grad_b", -1, "grad_b and new_grad_b must both be set or both NULL");
    }
    status = transpose ? sym_geom_transpose(&a->geom, &c, err) : sym_geom_conv(&a->geom, &c, err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_corr_counts(&c, &n, err);
    if (status != SYM_OK) {
        return status;
    }
    n_x = transpose ? n.n_short : n.n_long;
    n_y = transpose ? n.n_long : n.n_short;
    status = sym_operand(&a->x, n_x, 16, "x.m", "x.n", "x.bits", "x.scale", err);
    if (status == SYM_OK) {
        status = sym_operand(&a->w, n.n_w, 16, "w.m", "w.n", "w.bits", "w.scale", err);
    }
    if (status == SYM_OK) {
        status = sym_operand(&a->dy, n_y, 16, "dy.m", "dy.n", "dy.bits", "dy.scale", err);
    }
    if (status == SYM_OK) {
        status = sym_operand(&a->grad_w, n.n_w, 16, "grad_w.m", "grad_w.n", "grad_w.bits", "grad_w.scale", err);
    }
    if (status == SYM_OK && a->grad_b != NULL) {
        status = sym_operand(a->grad_b, a->geom.out_channels, 32, "grad_b.m", "grad_b.n", "grad_b.bits",
                             "grad_b.scale", err);
    }
    if (status != SYM_OK) {
        return status;
    }
    if (a->dx_bits < 2 || a->dx_bits > 16) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "dx_bits", -1, "must be 2..16");
    }
    status = sym_out_view(a->dx, n_x, a->dx_bits, "dx", err);
    if (status == SYM_OK) {
        status = sym_out_view(a->new_grad_w, n.n_w, a->grad_w.bits, "new_grad_w", err);
    }
    if (status == SYM_OK && a->grad_b != NULL) {
        status = sym_out_view(a->new_grad_b, a->geom.out_channels, a->grad_b->bits, "new_grad_b", err);
    }
    if (status != SYM_OK) {
        return status;
    }
    status = sym_round_args(&a->round, err);
    if (status != SYM_OK) {
        return status;
    }
    if (n.n_w > INT32_MAX / 2 || sym_add_overflows(2 * n.n_w, n_x)
        || (a->grad_b != NULL && sym_add_overflows(2 * n.n_w + n_x, a->geom.out_channels))) {
        return sym_fail(err, SYM_ERR_SHAPE, "n_scratch", -1, "the scratch size overflows int32");
    }
    need = 2 * n.n_w + n_x + (a->grad_b != NULL ? a->geom.out_channels : 0);
    if (a->scratch == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "scratch", -1, "backward needs a scratch buffer");
    }
    if (a->n_scratch < need) {
        return sym_fail(err, SYM_ERR_SHAPE, "n_scratch", -1, "scratch needs 2*n_w + n_x (+ C_out) elements");
    }
    if (sym_out_alias(a->dx->m, n_x, a, NULL)) {
        return sym_fail(err, SYM_ERR_ALIAS, "dx", -1, "dx overlaps an input or scratch");
    }
    if (sym_out_alias(a->new_grad_w->m, n.n_w, a, a->grad_w.m)
        || sym_overlap_i32(a->new_grad_w->m, n.n_w, a->dx->m, n_x)) {
        return sym_fail(err, SYM_ERR_ALIAS, "new_grad_w", -1, "new_grad_w overlaps another buffer");
    }
    if (a->grad_b != NULL
        && (sym_out_alias(a->new_grad_b->m, a->geom.out_channels, a, a->grad_b->m)
            || sym_overlap_i32(a->new_grad_b->m, a->geom.out_channels, a->dx->m, n_x)
            || sym_overlap_i32(a->new_grad_b->m, a->geom.out_channels, a->new_grad_w->m, n.n_w))) {
        return sym_fail(err, SYM_ERR_ALIAS, "new_grad_b", -1, "new_grad_b overlaps another buffer");
    }
    status = sym_operand_range(&a->x, "x.m", err);
    if (status == SYM_OK) {
        status = sym_operand_range(&a->w, "w.m", err);
    }
    if (status == SYM_OK) {
        status = sym_operand_range(&a->dy, "dy.m", err);
    }
    if (status == SYM_OK) {
        status = sym_operand_range(&a->grad_w, "grad_w.m", err);
    }
    if (status == SYM_OK && a->grad_b != NULL) {
        status = sym_operand_range(a->grad_b, "grad_b.m", err);
    }
    if (status != SYM_OK) {
        return status;
    }

    /* scratch: [dW raw | grad_w work | dx raw | grad_b work] */
    int32_t *const s_dwr = a->scratch;
    int32_t *const s_gw_m = a->scratch + n.n_w;
    int32_t *const s_dxr = a->scratch + 2 * n.n_w;
    int32_t *const s_gb = s_dxr + n_x;
    if (a->round.rng_state != NULL) {
        rng = *a->round.rng_state;
    }

    /* step 1: dW, then its scale, then the dynamic accumulate into a copy of grad_w */
    status = transpose ? sym_corr_weights(&c, a->x.m, a->dy.m, s_dwr, &bad)
                       : sym_corr_weights(&c, a->dy.m, a->x.m, s_dwr, &bad);
    if (status != SYM_OK) {
        return sym_fail(err, status, "new_grad_w", bad, "a dW partial sum leaves int32");
    }
    status = sym_product_scale(a->dy.scale, a->x.scale, &s_dw, "dy.scale", err);
    if (status != SYM_OK) {
        return status;
    }
    for (i = 0; i < n.n_w; ++i) {
        s_gw_m[i] = a->grad_w.m[i];
    }
    s_gw = a->grad_w.scale;
    status = sym_accumulate_dynamic(s_gw_m, n.n_w, &s_gw, a->grad_w.bits, s_dwr, n.n_w, s_dw, a->round.mode, &rng);
    if (status != SYM_OK) {
        return sym_fail(err, status, "new_grad_w", -1, "dynamic accumulate into grad_w failed");
    }

    /* step 2: db (reusing the dW area), fixed-scale accumulate into a copy of grad_b */
    if (a->grad_b != NULL) {
        status = sym_channel_sum(a->dy.m, a->geom.batch, a->geom.out_channels,
                                 transpose ? c.long_len : c.short_len, s_dwr, &bad);
        if (status != SYM_OK) {
            return sym_fail(err, status, "new_grad_b", bad, "a db partial sum leaves int32");
        }
        for (i = 0; i < a->geom.out_channels; ++i) {
            s_gb[i] = a->grad_b->m[i];
        }
        status = sym_accumulate_fixed(s_gb, a->geom.out_channels, a->grad_b->scale, a->grad_b->bits,
                                      s_dwr, a->geom.out_channels, a->dy.scale);
        if (status != SYM_OK) {
            return sym_fail(err, status, "new_grad_b", -1, "fixed-scale accumulate into grad_b failed");
        }
    }

    /* step 3: dx raw, its scale, requant into dx (the last step that can fail) */
    status = transpose ? sym_corr_gather(&c, a->dy.m, a->w.m, &(sym_seeds){NULL, 1.0f}, s_dxr, &bad)
                       : sym_corr_scatter(&c, a->dy.m, a->w.m, &(sym_seeds){NULL, 1.0f}, s_dxr, &bad);
    if (status != SYM_OK) {
        return sym_fail(err, status, "dx", bad, "a dx partial sum leaves int32");
    }
    status = sym_product_scale(a->dy.scale, a->w.scale, &s_dx, "dy.scale", err);
    if (status != SYM_OK) {
        return status;
    }
    status = sym_requant_dynamic(s_dxr, n_x, s_dx, a->dx_bits, a->round.mode, a->round.order, &rng,
                                 a->dx->m, &a->dx->scale);
    if (status != SYM_OK) {
        return sym_fail(err, status, "dx", -1, "requant of dx to dx_bits failed");
    }

    /* commit (cannot fail) */
    for (i = 0; i < n.n_w; ++i) {
        a->new_grad_w->m[i] = s_gw_m[i];
    }
    a->new_grad_w->scale = s_gw;
    if (a->grad_b != NULL) {
        for (i = 0; i < a->geom.out_channels; ++i) {
            a->new_grad_b->m[i] = s_gb[i];
        }
        a->new_grad_b->scale = a->grad_b->scale;
    }
    if (a->round.rng_state != NULL) {
        *a->round.rng_state = rng;
    }
    return SYM_OK;
}

int sym_conv1d_backward(const sym_conv1d_backward_args *args, sym_err *err)
{
    return sym_backward(args, 0, err);
}

int sym_conv_transpose1d_backward(const sym_conv_transpose1d_backward_args *args, sym_err *err)
{
    return sym_backward(args, 1, err);
}
