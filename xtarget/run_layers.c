/* Golden vectors of the "layers" family on target (goldgen/vectors/layers.h).
 *
 * The layer vectors are calls of the Python API of docs/layers.md
 * (quant_forward, linear_forward, linear_backward, layernorm_forward,
 * layernorm_backward, mse_loss, sgd_update, quant_backward). This runner
 * composes the C cores (sym_linear.h, sym_layernorm.h, sym_loss.h,
 * sym_sgd.h) with the primitives (requant, accumulate, float -> SYM) exactly
 * as symverify/kernels_layers.py does: the argument checks the Python layer
 * makes before the first C call (rank, shapes, widths, modes, Rng present,
 * eps / lr), in its order, then the C calls in the order of docs/layers.md,
 * multi-step kernels on a working copy of the RNG state committed only when
 * every step succeeded.
 *
 * Checked bit-exactly: the status, every output mantissa, scale, float
 * result (the MSE loss), shape and width, and the RNG state. Every C call
 * writes into buffers filled with a sentinel first: a failing call must leave
 * all of its outputs (buffer, scalar, RNG state) untouched, a succeeding one
 * must not write beyond its n elements. quant_backward (straight-through) has
 * no C kernel: it is a copy made here. */
#include "harness.h"
#include "sym_accumulate.h"
#include "sym_convert.h"
#include "sym_layernorm.h"
#include "sym_linear.h"
#include "sym_loss.h"
#include "sym_requant.h"
#include "sym_sgd.h"
#include "layers.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_LAYERS_MAX_N + XT_GUARD)
#define OUTPUT_LO 2
#define OUTPUT_HI 16      /* output / product widths (types.OUTPUT_BITS) */
#define CONVERSION_HI 31  /* float -> SYM widths (types.CONVERSION_BITS) */
#define DECLARED_HI 32    /* declared widths (types.DECLARED_BITS) */
#define LN_MAX_F 65535    /* LayerNorm: F < 2^16 */

/* Four work buffers, each read as int32 mantissas or float32 values. */
typedef union {
    int32_t i[BUF_N];
    float f[BUF_N];
} xt_buf_t;

static xt_buf_t buf_a, buf_b, buf_c, buf_d;

/* A result of the composition, compared with a sym_golden_tensor_t. */
typedef struct {
    int32_t present;
    int32_t ndim;
    int32_t shape[SYM_GOLDEN_LAYERS_MAX_NDIM];
    int32_t n;
    const int32_t *m;
    float scale;
    int32_t bits;
} xt_tensor_t;

#define XT_TENSOR_NONE { 0, 0, { 0, 0, 0, 0 }, 0, 0, 0.0f, 0 }

static void clear(xt_buf_t *buf)
{
    xt_fill(buf->i, BUF_N, XT_SENTINEL);
}

static void got_tensor(xt_tensor_t *t, int32_t ndim, int32_t d0, int32_t d1, const xt_buf_t *buf,
                       int32_t n, float scale, int32_t bits)
{
    int32_t k;
    t->present = 1;
    t->ndim = ndim;
    for (k = 0; k < SYM_GOLDEN_LAYERS_MAX_NDIM; ++k) {
        t->shape[k] = 0;
    }
    t->shape[0] = d0;
    if (ndim > 1) {
        t->shape[1] = d1;
    }
    t->n = n;
    t->m = buf->i;
    t->scale = scale;
    t->bits = bits;
}

static void same_shape_as(xt_tensor_t *t, const sym_golden_tensor_t *src, const xt_buf_t *buf,
                          float scale, int32_t bits)
{
    int32_t k;
    got_tensor(t, src->ndim, 0, 0, buf, src->n, scale, bits);
    for (k = 0; k < SYM_GOLDEN_LAYERS_MAX_NDIM; ++k) {
        t->shape[k] = src->shape[k];
    }
}

/* ---- checks of one C call -------------------------------------------- */

/* An output buffer after a call: untouched on error, nothing beyond n on success. */
static void after_buf(const char *field, int rc, const xt_buf_t *buf, int32_t n)
{
    xt_check_fill(field, buf->i, rc == 0 ? n : 0, BUF_N, XT_SENTINEL);
}

/* A target updated in place: equal to its input on error, nothing beyond n. */
static void after_target(const char *field, int rc, const xt_buf_t *buf, const int32_t *orig, int32_t n)
{
    if (rc != 0) {
        xt_check_array(field, orig, buf->i, n);
    }
    xt_check_fill(field, buf->i, n, BUF_N, XT_SENTINEL);
}

static void after_scalar(const char *field, int rc, uint32_t before_bits, float got)
{
    if (rc != 0) {
        xt_check_f32(field, -1, before_bits, got);
    }
}

static void after_rng(const char *field, int rc, uint32_t before, uint32_t got)
{
    if (rc != 0) {
        xt_check_u32(field, -1, before, got);
    }
}

/* ---- argument checks of the Python layer (kernels_layers.py) --------- */

static int bits_in(int32_t bits, int32_t hi)
{
    return bits >= OUTPUT_LO && bits <= hi;
}

static int is_2d(const sym_golden_tensor_t *t)
{
    return t->ndim == 2;
}

static int is_shape(const sym_golden_tensor_t *t, int32_t ndim, int32_t d0, int32_t d1)
{
    return t->ndim == ndim && t->shape[0] == d0 && (ndim < 2 || t->shape[1] == d1);
}

static int same_shape(const sym_golden_tensor_t *a, const sym_golden_tensor_t *b)
{
    int32_t k;
    if (a->ndim != b->ndim) {
        return 0;
    }
    for (k = 0; k < a->ndim; ++k) {
        if (a->shape[k] != b->shape[k]) {
            return 0;
        }
    }
    return 1;
}

/* rounding, then order (order < 0: none), then an Rng for SR. */
static int modes(int32_t rounding, int32_t order, uint32_t rng_in)
{
    if (rounding != SYM_HALF_AWAY && rounding != SYM_SR_HALF_AWAY) {
        return SYM_ERR_BAD_ROUNDING;
    }
    if (order >= 0 && order != SYM_ORDER_RATIO && order != SYM_ORDER_CLAMP_FIRST) {
        return SYM_ERR_BAD_ORDER;
    }
    if (rounding == SYM_SR_HALF_AWAY && rng_in == 0u) {
        return SYM_ERR_NULL;
    }
    return SYM_OK;
}

/* eps, lr: a positive, finite float32 (subnormal accepted). */
static int positive_finite(uint32_t bits)
{
    return bits != 0u && bits < 0x7F800000u;
}

/* The RNG pointer the C calls get: only SR draws (Python passes NULL otherwise). */
static uint32_t *rng_ptr(int32_t rounding, uint32_t *state)
{
    return rounding == SYM_SR_HALF_AWAY ? state : 0;
}

/* Not a status: a vector whose buffers would not fit (MAX_N is computed by
 * goldgen to bound every buffer, so this only catches a generator bug). */
#define XT_NOT_RUN 1

/* SYM_OK if n elements fit a work buffer, else XT_NOT_RUN (reported). */
static int fits(int32_t n)
{
    if (n < 0 || n > SYM_GOLDEN_LAYERS_MAX_N) {
        xt_check_i32("capacity", -1, SYM_GOLDEN_LAYERS_MAX_N, n);
        return XT_NOT_RUN;
    }
    return SYM_OK;
}

/* ---- comparison of the results ---------------------------------------- */

#define CHECK_TENSOR(f, exp, got) \
    check_tensor(f ".present", f ".shape", f ".m", f ".scale", f ".q_max_bits", (exp), (got))

static void check_tensor(const char *f_present, const char *f_shape, const char *f_m, const char *f_scale,
                         const char *f_bits, const sym_golden_tensor_t *exp, const xt_tensor_t *got)
{
    int32_t k;
    if (!xt_check_i32(f_present, -1, exp->present, got->present) || !exp->present) {
        return;
    }
    xt_check_i32(f_shape, -1, exp->ndim, got->ndim);
    for (k = 0; k < SYM_GOLDEN_LAYERS_MAX_NDIM; ++k) {
        xt_check_i32(f_shape, k, exp->shape[k], got->shape[k]);
    }
    if (xt_check_i32(f_m, -1, exp->n, got->n)) {
        xt_check_array(f_m, exp->m, got->m, exp->n);
    }
    xt_check_f32(f_scale, -1, exp->scale, got->scale);
    xt_check_i32(f_bits, -1, exp->q_max_bits, got->bits);
}

/* Outputs of a failed API call: nothing written anywhere (final buffers
 * still sentinel), RNG unchanged. */
static void check_nothing(const xt_buf_t *out, uint32_t rng_out_expected, uint32_t rng)
{
    if (out != 0) {
        xt_check_fill("out.untouched", out->i, 0, BUF_N, XT_SENTINEL);
    }
    xt_check_u32("rng_state", -1, rng_out_expected, rng);
}

/* The status of a vector, then the outputs it owes: 1 if both the expected
 * and the actual status are SYM_OK (the RNG state is checked here; the
 * caller compares the outputs), else 0 after checking that nothing was
 * written (out: the final buffer, or 0 when each step was checked). */
static int outputs_due(int32_t want, int rc, const xt_buf_t *out, uint32_t rng_out_expected, uint32_t rng)
{
    xt_check_i32("status", -1, want, rc);
    if (want == SYM_OK && rc == SYM_OK) {
        xt_check_u32("rng_state", -1, rng_out_expected, rng);
        return 1;
    }
    check_nothing(out, rng_out_expected, rng);
    return 0;
}

/* ---- quant ------------------------------------------------------------ */

static void run_quant_forward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_quant_forward); ++i) {
        const sym_golden_layers_quant_forward_t *v = &sym_golden_layers_quant_forward[i];
        const sym_golden_tensor_t *x = &v->x;
        uint32_t rng = v->rng_state_in, before;
        float s_out = xt_f32(XT_SENTINEL_BITS);
        xt_tensor_t out = XT_TENSOR_NONE;
        int rc;
        xt_vector_begin("quant_forward", i, v->name);
        clear(&buf_a);
        if (!bits_in(v->q_max_bits, OUTPUT_HI)) {
            rc = SYM_ERR_BAD_WIDTH;
        } else {
            rc = modes(v->rounding, v->order, v->rng_state_in);
        }
        if (rc == SYM_OK) {
            rc = fits(x->n);
        }
        if (rc == SYM_OK) {
            before = rng;
            rc = sym_requant_dynamic(x->m, x->n, xt_f32(x->scale), v->q_max_bits, v->rounding, v->order,
                                     rng_ptr(v->rounding, &rng), buf_a.i, &s_out);
            after_buf("requant.m_out", rc, &buf_a, x->n);
            after_scalar("requant.s_out", rc, XT_SENTINEL_BITS, s_out);
            after_rng("requant.rng_state", rc, before, rng);
        }
        if (outputs_due(v->status, rc, &buf_a, v->rng_state_out, rng)) {
            same_shape_as(&out, x, &buf_a, s_out, v->q_max_bits);
            CHECK_TENSOR("out", &v->exp_out, &out);
        }
        xt_vector_end();
    }
}

static void run_quant_backward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_quant_backward); ++i) {
        const sym_golden_layers_quant_backward_t *v = &sym_golden_layers_quant_backward[i];
        xt_tensor_t out = XT_TENSOR_NONE;
        xt_vector_begin("quant_backward", i, v->name);
        clear(&buf_a);
        xt_check_i32("status", -1, v->status, SYM_OK);
        if (fits(v->dy.n) == SYM_OK) {
            xt_copy(buf_a.i, v->dy.m, v->dy.n); /* straight-through: an exact copy */
            same_shape_as(&out, &v->dy, &buf_a, xt_f32(v->dy.scale), v->dy.q_max_bits);
            CHECK_TENSOR("out", &v->exp_out, &out);
        }
        xt_check_u32("rng_state", -1, v->rng_state_out, v->rng_state_in);
        xt_vector_end();
    }
}

/* ---- linear ----------------------------------------------------------- */

/* _linear_shapes: x [B, I], w [O, I]. */
static int linear_shapes(const sym_golden_tensor_t *x, const sym_golden_tensor_t *w)
{
    if (!is_2d(x) || !is_2d(w) || w->shape[1] != x->shape[1]) {
        return SYM_ERR_SHAPE;
    }
    return SYM_OK;
}

static int product_widths2(const sym_golden_tensor_t *a, const sym_golden_tensor_t *b)
{
    if (!bits_in(a->q_max_bits, OUTPUT_HI) || !bits_in(b->q_max_bits, OUTPUT_HI)) {
        return SYM_ERR_BAD_WIDTH;
    }
    return SYM_OK;
}

static void run_linear_forward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_linear_forward); ++i) {
        const sym_golden_layers_linear_forward_t *v = &sym_golden_layers_linear_forward[i];
        const sym_golden_tensor_t *x = &v->x, *w = &v->w, *b = &v->b;
        uint32_t rng = v->rng_state_in, before;
        float s_acc = xt_f32(XT_SENTINEL_BITS), s_y = xt_f32(XT_SENTINEL_BITS);
        int32_t bsz = x->shape[0], in_f = x->shape[1], out_f = w->shape[0];
        xt_tensor_t out = XT_TENSOR_NONE;
        int rc;
        xt_vector_begin("linear_forward", i, v->name);
        clear(&buf_a);
        clear(&buf_b);
        rc = linear_shapes(x, w);
        if (rc == SYM_OK && b->present && !is_shape(b, 1, out_f, 0)) {
            rc = SYM_ERR_SHAPE;
        }
        if (rc == SYM_OK) {
            rc = product_widths2(x, w);
        }
        if (rc == SYM_OK && v->has_out_bits && !bits_in(v->out_bits, OUTPUT_HI)) {
            rc = SYM_ERR_BAD_WIDTH;
        }
        if (rc == SYM_OK) {
            rc = modes(v->rounding, v->order, v->rng_state_in);
        }
        if (rc == SYM_OK) {
            rc = fits(bsz * out_f);
        }
        if (rc == SYM_OK) {
            rc = sym_linear_forward_core(x->m, x->n, xt_f32(x->scale), x->q_max_bits,
                                    w->m, w->n, xt_f32(w->scale), w->q_max_bits,
                                    b->present ? b->m : 0, b->present ? b->n : 0,
                                    b->present ? xt_f32(b->scale) : 1.0f,
                                    bsz, in_f, out_f, buf_a.i, bsz * out_f, &s_acc);
            after_buf("linear.acc", rc, &buf_a, bsz * out_f);
            after_scalar("linear.s_acc", rc, XT_SENTINEL_BITS, s_acc);
            if (rc == SYM_OK && !v->has_out_bits) {
                got_tensor(&out, 2, bsz, out_f, &buf_a, bsz * out_f, s_acc, 32);
            } else if (rc == SYM_OK) {
                before = rng;
                rc = sym_requant_dynamic(buf_a.i, bsz * out_f, s_acc, v->out_bits, v->rounding, v->order,
                                         rng_ptr(v->rounding, &rng), buf_b.i, &s_y);
                after_buf("requant.m_out", rc, &buf_b, bsz * out_f);
                after_scalar("requant.s_out", rc, XT_SENTINEL_BITS, s_y);
                after_rng("requant.rng_state", rc, before, rng);
                got_tensor(&out, 2, bsz, out_f, &buf_b, bsz * out_f, s_y, v->out_bits);
            }
        }
        if (outputs_due(v->status, rc, v->has_out_bits ? &buf_b : &buf_a, v->rng_state_out, rng)) {
            CHECK_TENSOR("out", &v->exp_out, &out);
        }
        xt_vector_end();
    }
}

/* linear_backward: dW -> accumulate_dynamic into grad_w (buf_a; dW in buf_b),
 * db -> accumulate_fixed into grad_b (buf_c; db in buf_d), dx raw (buf_b)
 * -> requant_dynamic (buf_d). RNG: a working copy, committed at the end. */
static int linear_backward_steps(const sym_golden_layers_linear_backward_t *v, uint32_t *work,
                                 float *s_gw, float *s_dx)
{
    const sym_golden_tensor_t *x = &v->x, *w = &v->w, *dy = &v->dy, *gw = &v->grad_w, *gb = &v->grad_b;
    int32_t bsz = x->shape[0], in_f = x->shape[1], out_f = w->shape[0];
    float s_dw = xt_f32(XT_SENTINEL_BITS), s_dxr = xt_f32(XT_SENTINEL_BITS);
    uint32_t before;
    int rc;
    /* step 1 */
    rc = sym_linear_grad_w(dy->m, dy->n, xt_f32(dy->scale), dy->q_max_bits,
                           x->m, x->n, xt_f32(x->scale), x->q_max_bits,
                           bsz, in_f, out_f, buf_b.i, out_f * in_f, &s_dw);
    after_buf("grad_w.dw", rc, &buf_b, out_f * in_f);
    after_scalar("grad_w.s_dw", rc, XT_SENTINEL_BITS, s_dw);
    if (rc != SYM_OK) {
        return rc;
    }
    xt_copy(buf_a.i, gw->m, gw->n);
    before = *work;
    rc = sym_accumulate_dynamic(buf_a.i, gw->n, s_gw, gw->q_max_bits, buf_b.i, out_f * in_f, s_dw,
                                v->rounding, rng_ptr(v->rounding, work));
    after_target("accumulate.grad_w", rc, &buf_a, gw->m, gw->n);
    after_scalar("accumulate.s_grad_w", rc, gw->scale, *s_gw);
    after_rng("accumulate.rng_state", rc, before, *work);
    if (rc != SYM_OK) {
        return rc;
    }
    /* step 2 */
    if (gb->present) {
        rc = sym_linear_grad_b(dy->m, dy->n, bsz, out_f, buf_d.i, out_f);
        after_buf("grad_b.db", rc, &buf_d, out_f);
        if (rc != SYM_OK) {
            return rc;
        }
        if (!bits_in(gb->q_max_bits, DECLARED_HI)) {
            return SYM_ERR_BAD_WIDTH;
        }
        xt_copy(buf_c.i, gb->m, gb->n);
        rc = sym_accumulate_fixed(buf_c.i, gb->n, xt_f32(gb->scale), gb->q_max_bits, buf_d.i, out_f,
                                  xt_f32(dy->scale));
        after_target("accumulate.grad_b", rc, &buf_c, gb->m, gb->n);
        if (rc != SYM_OK) {
            return rc;
        }
    }
    /* step 3 */
    clear(&buf_b);
    clear(&buf_d);
    rc = sym_linear_grad_x(dy->m, dy->n, xt_f32(dy->scale), dy->q_max_bits,
                           w->m, w->n, xt_f32(w->scale), w->q_max_bits,
                           bsz, in_f, out_f, buf_b.i, bsz * in_f, &s_dxr);
    after_buf("grad_x.dxr", rc, &buf_b, bsz * in_f);
    after_scalar("grad_x.s_dx", rc, XT_SENTINEL_BITS, s_dxr);
    if (rc != SYM_OK) {
        return rc;
    }
    before = *work;
    rc = sym_requant_dynamic(buf_b.i, bsz * in_f, s_dxr, v->dx_bits, v->rounding, v->order,
                             rng_ptr(v->rounding, work), buf_d.i, s_dx);
    after_buf("requant.m_out", rc, &buf_d, bsz * in_f);
    after_scalar("requant.s_out", rc, XT_SENTINEL_BITS, *s_dx);
    after_rng("requant.rng_state", rc, before, *work);
    return rc;
}

static void run_linear_backward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_linear_backward); ++i) {
        const sym_golden_layers_linear_backward_t *v = &sym_golden_layers_linear_backward[i];
        const sym_golden_tensor_t *x = &v->x, *w = &v->w, *dy = &v->dy, *gw = &v->grad_w, *gb = &v->grad_b;
        uint32_t rng = v->rng_state_in, work;
        float s_gw = xt_f32(gw->scale), s_dx = xt_f32(XT_SENTINEL_BITS);
        int32_t bsz = x->shape[0], in_f = x->shape[1], out_f = w->shape[0];
        xt_tensor_t dx = XT_TENSOR_NONE, new_gw = XT_TENSOR_NONE, new_gb = XT_TENSOR_NONE;
        int rc;
        xt_vector_begin("linear_backward", i, v->name);
        clear(&buf_a);
        clear(&buf_b);
        clear(&buf_c);
        clear(&buf_d);
        rc = linear_shapes(x, w);
        if (rc == SYM_OK && (!is_2d(dy) || !is_shape(dy, 2, bsz, out_f))) {
            rc = SYM_ERR_SHAPE;
        }
        if (rc == SYM_OK && !is_shape(gw, 2, out_f, in_f)) {
            rc = SYM_ERR_SHAPE;
        }
        if (rc == SYM_OK && gb->present && !is_shape(gb, 1, out_f, 0)) {
            rc = SYM_ERR_SHAPE;
        }
        if (rc == SYM_OK) {
            rc = product_widths2(x, w);
        }
        if (rc == SYM_OK && !bits_in(dy->q_max_bits, OUTPUT_HI)) {
            rc = SYM_ERR_BAD_WIDTH;
        }
        if (rc == SYM_OK && (!bits_in(gw->q_max_bits, OUTPUT_HI) || !bits_in(v->dx_bits, OUTPUT_HI))) {
            rc = SYM_ERR_BAD_WIDTH;
        }
        if (rc == SYM_OK) {
            rc = modes(v->rounding, v->order, v->rng_state_in);
        }
        if (rc == SYM_OK) {
            rc = fits(out_f * in_f) | fits(bsz * in_f) | fits(out_f);
        }
        if (rc == SYM_OK) {
            work = rng;
            rc = linear_backward_steps(v, &work, &s_gw, &s_dx);
            if (rc == SYM_OK) {
                rng = work;
            }
        }
        /* on error: intermediate buffers of successful steps hold their
         * results; each failing call was checked above */
        if (outputs_due(v->status, rc, 0, v->rng_state_out, rng)) {
            got_tensor(&dx, 2, bsz, in_f, &buf_d, bsz * in_f, s_dx, v->dx_bits);
            got_tensor(&new_gw, 2, out_f, in_f, &buf_a, out_f * in_f, s_gw, gw->q_max_bits);
            got_tensor(&new_gb, 1, out_f, 0, &buf_c, out_f, xt_f32(gb->scale), gb->q_max_bits);
            new_gb.present = gb->present;
            CHECK_TENSOR("dx", &v->exp_dx, &dx);
            CHECK_TENSOR("grad_w", &v->exp_grad_w, &new_gw);
            CHECK_TENSOR("grad_b", &v->exp_grad_b, &new_gb);
        }
        xt_vector_end();
    }
}

/* ---- layernorm -------------------------------------------------------- */

/* _layernorm_shapes: x [B, F], gamma [F], other [F] (beta) or [B, F] (dy). */
static int layernorm_shapes(const sym_golden_tensor_t *x, const sym_golden_tensor_t *gamma,
                            const sym_golden_tensor_t *other, int other_is_row)
{
    int32_t bsz = x->shape[0], feats = x->shape[1];
    if (!is_2d(x) || !is_shape(gamma, 1, feats, 0)) {
        return SYM_ERR_SHAPE;
    }
    if (other_is_row ? !is_shape(other, 1, feats, 0) : !is_shape(other, 2, bsz, feats)) {
        return SYM_ERR_SHAPE;
    }
    return feats > LN_MAX_F ? SYM_ERR_SHAPE : SYM_OK;
}

/* The checks both LayerNorm vectors make after shapes and widths, in the
 * Python layer's order: rounding mode and RNG, eps (positive, finite), and
 * the element count against the runner's buffers. */
static int layernorm_tail_checks(int32_t rounding, uint32_t rng_in, uint32_t eps_bits, int32_t n)
{
    int rc = modes(rounding, -1, rng_in);
    if (rc == SYM_OK && !positive_finite(eps_bits)) {
        rc = SYM_ERR_BAD_SCALE;
    }
    if (rc == SYM_OK) {
        rc = fits(n);
    }
    return rc;
}

static void run_layernorm_forward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_layernorm_forward); ++i) {
        const sym_golden_layers_layernorm_forward_t *v = &sym_golden_layers_layernorm_forward[i];
        const sym_golden_tensor_t *x = &v->x, *g = &v->gamma, *be = &v->beta;
        uint32_t rng = v->rng_state_in, before;
        float s_y = xt_f32(XT_SENTINEL_BITS);
        int32_t bsz = x->shape[0], feats = x->shape[1];
        xt_tensor_t out = XT_TENSOR_NONE;
        int rc;
        xt_vector_begin("layernorm_forward", i, v->name);
        clear(&buf_a);
        rc = layernorm_shapes(x, g, be, 1);
        if (rc == SYM_OK) {
            rc = product_widths2(x, g);
        }
        if (rc == SYM_OK && !bits_in(v->norm_bits, OUTPUT_HI)) {
            rc = SYM_ERR_BAD_WIDTH;
        }
        if (rc == SYM_OK) {
            rc = layernorm_tail_checks(v->rounding, v->rng_state_in, v->eps, x->n);
        }
        if (rc == SYM_OK) {
            before = rng;
            rc = sym_layernorm_forward_core(x->m, x->n, xt_f32(x->scale), x->q_max_bits,
                                       g->m, g->n, xt_f32(g->scale), g->q_max_bits,
                                       be->m, be->n, xt_f32(be->scale), bsz, feats, v->norm_bits,
                                       xt_f32(v->eps), v->rounding, rng_ptr(v->rounding, &rng),
                                       buf_a.i, x->n, &s_y);
            after_buf("layernorm.y", rc, &buf_a, x->n);
            after_scalar("layernorm.s_y", rc, XT_SENTINEL_BITS, s_y);
            after_rng("layernorm.rng_state", rc, before, rng);
        }
        if (outputs_due(v->status, rc, &buf_a, v->rng_state_out, rng)) {
            got_tensor(&out, 2, bsz, feats, &buf_a, x->n, s_y, 32);
            CHECK_TENSOR("out", &v->exp_out, &out);
        }
        xt_vector_end();
    }
}

/* float32 values (buf) -> SYM with sym_float_to_sym into out; the checks of
 * the call. */
static int to_sym(const xt_buf_t *values, int32_t n, int32_t bits, int32_t rounding, uint32_t *rng,
                  xt_buf_t *out, float *scale)
{
    uint32_t before = *rng;
    int rc = sym_float_to_sym(values->f, n, bits, rounding, rng_ptr(rounding, rng), out->i, scale);
    after_buf("float_to_sym.m", rc, out, n);
    after_scalar("float_to_sym.scale", rc, XT_SENTINEL_BITS, *scale);
    after_rng("float_to_sym.rng_state", rc, before, *rng);
    return rc;
}

static void run_layernorm_backward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_layernorm_backward); ++i) {
        const sym_golden_layers_layernorm_backward_t *v = &sym_golden_layers_layernorm_backward[i];
        const sym_golden_tensor_t *x = &v->x, *g = &v->gamma, *dy = &v->dy;
        uint32_t rng = v->rng_state_in;
        float s_dx = xt_f32(XT_SENTINEL_BITS);
        int32_t bsz = x->shape[0], feats = x->shape[1];
        xt_tensor_t out = XT_TENSOR_NONE;
        int rc;
        xt_vector_begin("layernorm_backward", i, v->name);
        clear(&buf_a);
        clear(&buf_b);
        rc = layernorm_shapes(x, g, dy, 0);
        if (rc == SYM_OK && !bits_in(x->q_max_bits, OUTPUT_HI)) {
            rc = SYM_ERR_BAD_WIDTH;
        }
        if (rc == SYM_OK && !bits_in(v->dx_bits, CONVERSION_HI)) {
            rc = SYM_ERR_BAD_WIDTH;
        }
        if (rc == SYM_OK) {
            rc = layernorm_tail_checks(v->rounding, v->rng_state_in, v->eps, x->n);
        }
        if (rc == SYM_OK) {
            rc = sym_layernorm_backward_core(x->m, x->n, xt_f32(x->scale), x->q_max_bits,
                                        g->m, g->n, xt_f32(g->scale), dy->m, dy->n, xt_f32(dy->scale),
                                        bsz, feats, xt_f32(v->eps), buf_b.f, x->n);
            after_buf("layernorm_bwd.dx", rc, &buf_b, x->n);
            if (rc == SYM_OK) {
                rc = to_sym(&buf_b, x->n, v->dx_bits, v->rounding, &rng, &buf_a, &s_dx);
            }
        }
        if (outputs_due(v->status, rc, &buf_a, v->rng_state_out, rng)) {
            got_tensor(&out, 2, bsz, feats, &buf_a, x->n, s_dx, v->dx_bits);
            CHECK_TENSOR("out", &v->exp_out, &out);
        }
        xt_vector_end();
    }
}

/* ---- loss and SGD ----------------------------------------------------- */

static void run_mse_loss(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_mse_loss); ++i) {
        const sym_golden_layers_mse_loss_t *v = &sym_golden_layers_mse_loss[i];
        const sym_golden_tensor_t *y = &v->y;
        const sym_golden_f32s_t *t = &v->target;
        uint32_t rng = v->rng_state_in;
        float loss = xt_f32(XT_SENTINEL_BITS), s_dy = xt_f32(XT_SENTINEL_BITS);
        int32_t k, same = t->ndim == y->ndim;
        xt_tensor_t dy = XT_TENSOR_NONE;
        int rc = SYM_OK;
        xt_vector_begin("mse_loss", i, v->name);
        clear(&buf_a);
        clear(&buf_b);
        clear(&buf_c);
        for (k = 0; same && k < t->ndim; ++k) {
            same = t->shape[k] == y->shape[k];
        }
        if (t->n == 0) {
            rc = SYM_ERR_EMPTY;
        } else if (!same) {
            rc = SYM_ERR_SHAPE;
        } else if (!bits_in(v->grad_bits, CONVERSION_HI)) {
            rc = SYM_ERR_BAD_WIDTH;
        } else {
            rc = modes(v->rounding, -1, v->rng_state_in);
        }
        if (rc == SYM_OK) {
            rc = fits(y->n) | fits(t->n);
        }
        if (rc == SYM_OK) {
            for (k = 0; k < t->n; ++k) {
                buf_c.f[k] = xt_f32(t->bits[k]);
            }
            rc = sym_mse_loss_core(y->m, y->n, xt_f32(y->scale), buf_c.f, t->n, &loss, buf_b.f, y->n);
            after_buf("mse.grad", rc, &buf_b, y->n);
            after_scalar("mse.loss", rc, XT_SENTINEL_BITS, loss);
            if (rc == SYM_OK) {
                rc = to_sym(&buf_b, y->n, v->grad_bits, v->rounding, &rng, &buf_a, &s_dy);
            }
        }
        if (outputs_due(v->status, rc, &buf_a, v->rng_state_out, rng)) {
            xt_check_f32("loss", -1, v->exp_loss, loss);
            same_shape_as(&dy, y, &buf_a, s_dy, v->grad_bits);
            CHECK_TENSOR("dy", &v->exp_dy, &dy);
        }
        xt_vector_end();
    }
}

static void run_sgd_update(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_sgd_update); ++i) {
        const sym_golden_layers_sgd_update_t *v = &sym_golden_layers_sgd_update[i];
        const sym_golden_tensor_t *p = &v->param, *g = &v->grad;
        uint32_t rng = v->rng_state_in;
        float s_p = xt_f32(XT_SENTINEL_BITS);
        xt_tensor_t out = XT_TENSOR_NONE;
        int rc;
        xt_vector_begin("sgd_update", i, v->name);
        clear(&buf_a);
        clear(&buf_b);
        if (!same_shape(g, p)) {
            rc = SYM_ERR_SHAPE;
        } else if (!bits_in(p->q_max_bits, CONVERSION_HI)) {
            rc = SYM_ERR_BAD_WIDTH;
        } else {
            rc = modes(v->rounding, -1, v->rng_state_in);
        }
        if (rc == SYM_OK && !positive_finite(v->lr)) {
            rc = SYM_ERR_BAD_SCALE;
        }
        if (rc == SYM_OK) {
            rc = fits(p->n);
        }
        if (rc == SYM_OK) {
            rc = sym_sgd_update_core(p->m, p->n, xt_f32(p->scale), g->m, g->n, xt_f32(g->scale), xt_f32(v->lr),
                                buf_b.f, p->n);
            after_buf("sgd.w", rc, &buf_b, p->n);
            if (rc == SYM_OK) {
                rc = to_sym(&buf_b, p->n, p->q_max_bits, v->rounding, &rng, &buf_a, &s_p);
            }
        }
        if (outputs_due(v->status, rc, &buf_a, v->rng_state_out, rng)) {
            same_shape_as(&out, p, &buf_a, s_p, p->q_max_bits);
            CHECK_TENSOR("out", &v->exp_out, &out);
        }
        xt_vector_end();
    }
}

void xt_run_family(void)
{
    xt_begin("layers");
    run_quant_forward();
    run_quant_backward();
    run_linear_forward();
    run_linear_backward();
    run_layernorm_forward();
    run_layernorm_backward();
    run_mse_loss();
    run_sgd_update();
}
