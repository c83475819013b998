/* Golden vectors of the "layers" family on target (goldgen/vectors/layers.h).
 *
 * The layer vectors are calls of the Python API of docs/layers.md. Each one
 * is replayed through the layer-level C ABI exactly as the gold suite does
 * on the host (mutants/layers_gold.py, symverify/layers_abi.py): the vector's
 * arguments fill the sym_<kernel>_args struct, a tensor of shape (d0, d1, ...)
 * giving the dimensions [d0, d1*...], and the one entry point sym_<kernel>
 * runs; no check or composition happens here.
 *
 * Checked bit-exactly: the status, every output mantissa, scale, width and
 * shape, the MSE loss, and the RNG state. Every output buffer holds a
 * sentinel before the call: a failing call must leave all of its outputs
 * (buffers, loss, RNG state) untouched, a succeeding one must not write
 * beyond its n elements. */
#include "harness.h"
#include "sym_layernorm.h"
#include "sym_linear.h"
#include "sym_loss.h"
#include "sym_requant.h"
#include "sym_sgd.h"
#include "layers.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_LAYERS_MAX_N + XT_GUARD)

/* Four work buffers, each read as int32 mantissas or float32 values. */
typedef union {
    int32_t i[BUF_N];
    float f[BUF_N];
} xt_buf_t;

static xt_buf_t buf_a, buf_b, buf_c, buf_d;

static void clear_all(void)
{
    xt_fill(buf_a.i, BUF_N, XT_SENTINEL);
    xt_fill(buf_b.i, BUF_N, XT_SENTINEL);
    xt_fill(buf_c.i, BUF_N, XT_SENTINEL);
    xt_fill(buf_d.i, BUF_N, XT_SENTINEL);
}

/* Not a status: a vector whose buffers would not fit (MAX_N is computed by
 * goldgen to bound every buffer, so this only catches a generator bug). */
#define XT_NOT_RUN 1

static int fits(int32_t n)
{
    if (n < 0 || n > SYM_GOLDEN_LAYERS_MAX_N) {
        xt_check_i32("capacity", -1, SYM_GOLDEN_LAYERS_MAX_N, n);
        return 0;
    }
    return 1;
}

static sym_cview cview(const sym_golden_tensor_t *t)
{
    sym_cview v;
    v.m = t->m;
    v.n = t->n;
    v.scale = xt_f32(t->scale);
    v.bits = t->q_max_bits;
    return v;
}

/* Dimensions of a tensor as [d0, d1*...] (1-D: [n, 1]). */
static int32_t dim0(const sym_golden_tensor_t *t)
{
    return t->ndim >= 1 ? t->shape[0] : 1;
}

static int32_t dim1(const sym_golden_tensor_t *t)
{
    int32_t k;
    int32_t p = 1;
    for (k = 1; k < t->ndim; ++k) {
        p *= t->shape[k];
    }
    return p;
}

static sym_view out_view(xt_buf_t *buf, int32_t n)
{
    sym_view v;
    v.m = buf->i;
    v.n = n;
    v.scale = xt_f32(XT_SENTINEL_BITS);
    v.bits = XT_SENTINEL;
    return v;
}

/* The RNG pointer of a vector: none when it passes no Rng. */
static sym_round_ctx round_ctx(int32_t rounding, int32_t order, uint32_t *rng)
{
    sym_round_ctx r;
    r.mode = rounding;
    r.order = order;
    r.rng_state = *rng != 0u ? rng : 0;
    return r;
}

/* An output after the call: the expected tensor on success (shape taken
 * from the expectation's layout, written elements only), untouched on error.
 * The field names are "<output>.m", ".scale", ".q_max_bits", ".untouched". */
#define CHECK_OUT(f, rc, exp, got, buf) \
    check_out(f ".m", f ".scale", f ".q_max_bits", f ".untouched", (rc), (exp), (got), (buf))

static void check_out(const char *f_m, const char *f_scale, const char *f_bits, const char *f_untouched,
                      int rc, const sym_golden_tensor_t *exp, const sym_view *got, const xt_buf_t *buf)
{
    if (rc != SYM_OK || !exp->present) {
        xt_check_fill(f_untouched, buf->i, 0, BUF_N, XT_SENTINEL);
        xt_check_u32(f_scale, -1, XT_SENTINEL_BITS, xt_f32_bits(got->scale));
        return;
    }
    if (xt_check_i32(f_m, -1, exp->n, got->n)) {
        xt_check_array(f_m, exp->m, got->m, exp->n);
    }
    xt_check_fill(f_untouched, buf->i, exp->n, BUF_N, XT_SENTINEL);
    xt_check_f32(f_scale, -1, exp->scale, got->scale);
    xt_check_i32(f_bits, -1, exp->q_max_bits, got->bits);
}

/* The status, then (for an expected error) that nothing was written to the
 * RNG state; the outputs are compared by check_out. */
static void check_status(int32_t want, int rc, uint32_t rng_out_expected, uint32_t rng)
{
    xt_check_i32("status", -1, want, rc);
    xt_check_u32("rng_state", -1, rng_out_expected, rng);
}

static void run_quant_forward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_quant_forward); ++i) {
        const sym_golden_layers_quant_forward_t *v = &sym_golden_layers_quant_forward[i];
        uint32_t rng = v->rng_state_in;
        sym_view out;
        sym_quant_forward_args a;
        int rc;
        xt_vector_begin("quant_forward", i, v->name);
        clear_all();
        if (fits(v->x.n)) {
            out = out_view(&buf_a, v->x.n);
            a.x = cview(&v->x);
            a.q_max_bits = v->q_max_bits;
            a.round = round_ctx(v->rounding, v->order, &rng);
            a.out = &out;
            rc = sym_quant_forward(&a, 0);
            check_status(v->status, rc, v->rng_state_out, rng);
            CHECK_OUT("out", rc, &v->exp_out, &out, &buf_a);
        }
        xt_vector_end();
    }
}

static void run_quant_backward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_quant_backward); ++i) {
        const sym_golden_layers_quant_backward_t *v = &sym_golden_layers_quant_backward[i];
        sym_view out;
        sym_quant_backward_args a;
        int rc;
        xt_vector_begin("quant_backward", i, v->name);
        clear_all();
        if (fits(v->dy.n)) {
            out = out_view(&buf_a, v->dy.n);
            a.dy = cview(&v->dy);
            a.out = &out;
            rc = sym_quant_backward(&a, 0);
            check_status(v->status, rc, v->rng_state_out, v->rng_state_in);
            CHECK_OUT("out", rc, &v->exp_out, &out, &buf_a);
        }
        xt_vector_end();
    }
}

static void run_linear_forward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_linear_forward); ++i) {
        const sym_golden_layers_linear_forward_t *v = &sym_golden_layers_linear_forward[i];
        uint32_t rng = v->rng_state_in;
        sym_cview b;
        sym_view out;
        sym_linear_forward_args a;
        int rc;
        xt_vector_begin("linear_forward", i, v->name);
        clear_all();
        a.batch = dim0(&v->x);
        a.in_features = dim1(&v->x);
        a.out_features = dim0(&v->w);
        if (fits(a.batch * a.out_features)) {
            out = out_view(&buf_a, a.batch * a.out_features);
            b = cview(&v->b);
            a.x = cview(&v->x);
            a.w = cview(&v->w);
            a.b = v->b.present ? &b : 0;
            a.out_bits = v->has_out_bits ? v->out_bits : 0;
            a.round = round_ctx(v->rounding, v->order, &rng);
            a.scratch = buf_b.i;
            a.n_scratch = SYM_GOLDEN_LAYERS_MAX_N;
            a.out = &out;
            rc = sym_linear_forward(&a, 0);
            check_status(v->status, rc, v->rng_state_out, rng);
            CHECK_OUT("out", rc, &v->exp_out, &out, &buf_a);
        }
        xt_vector_end();
    }
}

static void run_linear_backward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_linear_backward); ++i) {
        const sym_golden_layers_linear_backward_t *v = &sym_golden_layers_linear_backward[i];
        uint32_t rng = v->rng_state_in;
        sym_cview gb;
        sym_view dx, gw, gbo;
        sym_linear_backward_args a;
        int rc;
        xt_vector_begin("linear_backward", i, v->name);
        clear_all();
        a.batch = dim0(&v->x);
        a.in_features = dim1(&v->x);
        a.out_features = dim0(&v->w);
        if (fits(a.batch * a.in_features) && fits(a.out_features * a.in_features)
            && fits(2 * a.out_features * a.in_features + a.batch * a.in_features + 2 * a.out_features)) {
            dx = out_view(&buf_a, a.batch * a.in_features);
            gw = out_view(&buf_b, a.out_features * a.in_features);
            gbo = out_view(&buf_c, a.out_features);
            gb = cview(&v->grad_b);
            a.x = cview(&v->x);
            a.w = cview(&v->w);
            a.dy = cview(&v->dy);
            a.grad_w = cview(&v->grad_w);
            a.grad_b = v->grad_b.present ? &gb : 0;
            a.dx_bits = v->dx_bits;
            a.round = round_ctx(v->rounding, v->order, &rng);
            a.scratch = buf_d.i;
            a.n_scratch = SYM_GOLDEN_LAYERS_MAX_N;
            a.dx = &dx;
            a.new_grad_w = &gw;
            a.new_grad_b = v->grad_b.present ? &gbo : 0;
            rc = sym_linear_backward(&a, 0);
            check_status(v->status, rc, v->rng_state_out, rng);
            CHECK_OUT("dx", rc, &v->exp_dx, &dx, &buf_a);
            CHECK_OUT("grad_w", rc, &v->exp_grad_w, &gw, &buf_b);
            CHECK_OUT("grad_b", rc, &v->exp_grad_b, &gbo, &buf_c);
        }
        xt_vector_end();
    }
}

static void run_layernorm_forward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_layernorm_forward); ++i) {
        const sym_golden_layers_layernorm_forward_t *v = &sym_golden_layers_layernorm_forward[i];
        uint32_t rng = v->rng_state_in;
        sym_view out;
        sym_layernorm_forward_args a;
        int rc;
        xt_vector_begin("layernorm_forward", i, v->name);
        clear_all();
        if (fits(v->x.n)) {
            out = out_view(&buf_a, v->x.n);
            a.x = cview(&v->x);
            a.gamma = cview(&v->gamma);
            a.beta = cview(&v->beta);
            a.batch = dim0(&v->x);
            a.features = dim1(&v->x);
            a.norm_bits = v->norm_bits;
            a.eps = xt_f32(v->eps);
            a.round = round_ctx(v->rounding, SYM_ORDER_RATIO, &rng);
            a.out = &out;
            rc = sym_layernorm_forward(&a, 0);
            check_status(v->status, rc, v->rng_state_out, rng);
            CHECK_OUT("out", rc, &v->exp_out, &out, &buf_a);
        }
        xt_vector_end();
    }
}

static void run_layernorm_backward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_layernorm_backward); ++i) {
        const sym_golden_layers_layernorm_backward_t *v = &sym_golden_layers_layernorm_backward[i];
        uint32_t rng = v->rng_state_in;
        sym_view out;
        sym_layernorm_backward_args a;
        int rc;
        xt_vector_begin("layernorm_backward", i, v->name);
        clear_all();
        if (fits(v->x.n)) {
            out = out_view(&buf_a, v->x.n);
            a.x = cview(&v->x);
            a.gamma = cview(&v->gamma);
            a.dy = cview(&v->dy);
            a.batch = dim0(&v->x);
            a.features = dim1(&v->x);
            a.dx_bits = v->dx_bits;
            a.eps = xt_f32(v->eps);
            a.round = round_ctx(v->rounding, SYM_ORDER_RATIO, &rng);
            a.fscratch = buf_b.f;
            a.n_fscratch = SYM_GOLDEN_LAYERS_MAX_N;
            a.out = &out;
            rc = sym_layernorm_backward(&a, 0);
            check_status(v->status, rc, v->rng_state_out, rng);
            CHECK_OUT("out", rc, &v->exp_out, &out, &buf_a);
        }
        xt_vector_end();
    }
}

static void run_mse_loss(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_mse_loss); ++i) {
        const sym_golden_layers_mse_loss_t *v = &sym_golden_layers_mse_loss[i];
        uint32_t rng = v->rng_state_in;
        float loss = xt_f32(XT_SENTINEL_BITS);
        sym_view dy;
        sym_mse_loss_args a;
        int32_t k;
        int rc;
        xt_vector_begin("mse_loss", i, v->name);
        clear_all();
        if (fits(v->y.n) && fits(v->target.n)) {
            for (k = 0; k < v->target.n; ++k) {
                buf_c.f[k] = xt_f32(v->target.bits[k]);
            }
            dy = out_view(&buf_a, v->y.n);
            a.y = cview(&v->y);
            a.target = buf_c.f;
            a.n_target = v->target.n;
            a.grad_bits = v->grad_bits;
            a.round = round_ctx(v->rounding, SYM_ORDER_RATIO, &rng);
            a.fscratch = buf_b.f;
            a.n_fscratch = SYM_GOLDEN_LAYERS_MAX_N;
            a.loss = &loss;
            a.dy = &dy;
            rc = sym_mse_loss(&a, 0);
            check_status(v->status, rc, v->rng_state_out, rng);
            xt_check_f32("loss", -1, rc == SYM_OK ? v->exp_loss : XT_SENTINEL_BITS, loss);
            CHECK_OUT("dy", rc, &v->exp_dy, &dy, &buf_a);
        }
        xt_vector_end();
    }
}

static void run_sgd_update(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_layers_sgd_update); ++i) {
        const sym_golden_layers_sgd_update_t *v = &sym_golden_layers_sgd_update[i];
        uint32_t rng = v->rng_state_in;
        sym_view out;
        sym_sgd_update_args a;
        int rc;
        xt_vector_begin("sgd_update", i, v->name);
        clear_all();
        if (fits(v->param.n)) {
            out = out_view(&buf_a, v->param.n);
            a.param = cview(&v->param);
            a.grad = cview(&v->grad);
            a.lr = xt_f32(v->lr);
            a.round = round_ctx(v->rounding, SYM_ORDER_RATIO, &rng);
            a.fscratch = buf_b.f;
            a.n_fscratch = SYM_GOLDEN_LAYERS_MAX_N;
            a.out = &out;
            rc = sym_sgd_update(&a, 0);
            check_status(v->status, rc, v->rng_state_out, rng);
            CHECK_OUT("out", rc, &v->exp_out, &out, &buf_a);
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
