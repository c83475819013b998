/* Golden vectors of the "conv" family on target (goldgen/vectors/conv.h):
 * the four layer-level entry points of sym_conv.h, called with the geometry
 * the Python binding resolves (stored in the header). Checked bit-exactly:
 * the status, every output mantissa and scale, and the RNG state; output
 * buffers start as a sentinel, so on error nothing may be written and on
 * success nothing beyond n. */
#include "harness.h"
#include "sym_conv.h"
#include "conv.h"

#define BUF_N (SYM_GOLDEN_CONV_MAX_N + XT_GUARD)

static int32_t buf_y[BUF_N];
static int32_t buf_gw[BUF_N];
static int32_t buf_gb[BUF_N];
static int32_t buf_scratch[BUF_N];

static sym_cview cview(const sym_golden_tensor_t *t)
{
    sym_cview v;
    v.m = t->m;
    v.n = t->n;
    v.scale = xt_f32(t->scale);
    v.bits = t->q_max_bits;
    return v;
}

static sym_view view(int32_t *buf, int32_t n, int32_t bits)
{
    sym_view v;
    xt_fill(buf, BUF_N, XT_SENTINEL);
    v.m = buf;
    v.n = n;
    v.scale = xt_f32(XT_SENTINEL_BITS);
    v.bits = bits;
    return v;
}

static void geom_of(const sym_golden_conv_t *v, sym_geom1d *g)
{
    g->batch = v->geom[0];
    g->in_channels = v->geom[1];
    g->out_channels = v->geom[2];
    g->in_length = v->geom[3];
    g->out_length = v->geom[4];
    g->kernel_size = v->geom[5];
    g->stride = v->geom[6];
    g->dilation = v->geom[7];
    g->groups = v->geom[8];
    g->pad_left = v->geom[9];
    g->pad_right = v->geom[10];
    g->output_padding = v->geom[11];
}

/* An output against its expected tensor (present = 0: untouched). */
static void check_out(const char *field, const sym_view *got, const sym_golden_tensor_t *exp, int32_t n)
{
    if (exp->present) {
        xt_check_array(field, exp->m, got->m, n);
        xt_check_f32(field, -1, exp->scale, got->scale);
    } else {
        xt_check_fill(field, got->m, 0, n, XT_SENTINEL);
        xt_check_u32(field, -1, XT_SENTINEL_BITS, xt_f32_bits(got->scale));
    }
    xt_check_fill(field, got->m, n, BUF_N, XT_SENTINEL);
}

/* One forward vector (xt_vector_begin already called). */
static void forward_vector(const sym_golden_conv_t *v, int transpose)
{
    {
        uint32_t st = v->rng_state_in;
        sym_conv1d_forward_args a;
        sym_cview b;
        sym_view y;
        int32_t n_y;
        int rc;
        geom_of(v, &a.geom);
        n_y = a.geom.batch * a.geom.out_channels * a.geom.out_length;
        a.x = cview(&v->x);
        a.w = cview(&v->w);
        b = cview(&v->b);
        a.b = v->b.present ? &b : 0;
        a.out_bits = v->out_bits;
        a.round.mode = v->rounding;
        a.round.order = v->order;
        a.round.rng_state = v->rng_state_in != 0u ? &st : 0;
        a.scratch = buf_scratch;
        a.n_scratch = BUF_N;
        y = view(buf_y, n_y, v->out_bits != 0 ? v->out_bits : 32);
        a.y = &y;
        rc = transpose ? sym_conv_transpose1d_forward(&a, 0) : sym_conv1d_forward(&a, 0);
        xt_check_i32("status", -1, v->status, rc);
        check_out("y", &y, &v->exp_out, n_y);
        xt_check_u32("rng_state", -1, v->rng_state_out, st);
        xt_vector_end();
    }
}

/* One backward vector (xt_vector_begin already called). */
static void backward_vector(const sym_golden_conv_t *v, int transpose)
{
    {
        uint32_t st = v->rng_state_in;
        sym_conv1d_backward_args a;
        sym_cview gb;
        sym_view dx;
        sym_view gw;
        sym_view ngb;
        int rc;
        geom_of(v, &a.geom);
        a.x = cview(&v->x);
        a.w = cview(&v->w);
        a.dy = cview(&v->dy);
        a.grad_w = cview(&v->grad_w);
        gb = cview(&v->grad_b);
        a.grad_b = v->grad_b.present ? &gb : 0;
        a.dx_bits = v->dx_bits;
        a.round.mode = v->rounding;
        a.round.order = v->order;
        a.round.rng_state = v->rng_state_in != 0u ? &st : 0;
        a.scratch = buf_scratch;
        a.n_scratch = BUF_N;
        dx = view(buf_y, v->x.n, v->dx_bits);
        gw = view(buf_gw, v->w.n, v->grad_w.q_max_bits);
        ngb = view(buf_gb, v->grad_b.n, v->grad_b.q_max_bits);
        a.dx = &dx;
        a.new_grad_w = &gw;
        a.new_grad_b = v->grad_b.present ? &ngb : 0;
        rc = transpose ? sym_conv_transpose1d_backward(&a, 0) : sym_conv1d_backward(&a, 0);
        xt_check_i32("status", -1, v->status, rc);
        check_out("dx", &dx, &v->exp_dx, v->x.n);
        check_out("grad_w", &gw, &v->exp_grad_w, v->w.n);
        if (v->grad_b.present) {
            check_out("grad_b", &ngb, &v->exp_grad_b, v->grad_b.n);
        }
        xt_check_u32("rng_state", -1, v->rng_state_out, st);
        xt_vector_end();
    }
}

void xt_run_family(void)
{
    uint32_t i;
    xt_begin("conv");
    for (i = 0; i < SYM_GOLDEN_CONV_CONV1D_FORWARD_COUNT; ++i) {
        xt_vector_begin("conv1d_forward", i, sym_golden_conv_conv1d_forward[i].name);
        forward_vector(&sym_golden_conv_conv1d_forward[i], 0);
    }
    for (i = 0; i < SYM_GOLDEN_CONV_CONV1D_BACKWARD_COUNT; ++i) {
        xt_vector_begin("conv1d_backward", i, sym_golden_conv_conv1d_backward[i].name);
        backward_vector(&sym_golden_conv_conv1d_backward[i], 0);
    }
    for (i = 0; i < SYM_GOLDEN_CONV_CONV_TRANSPOSE1D_FORWARD_COUNT; ++i) {
        xt_vector_begin("conv_transpose1d_forward", i, sym_golden_conv_conv_transpose1d_forward[i].name);
        forward_vector(&sym_golden_conv_conv_transpose1d_forward[i], 1);
    }
    for (i = 0; i < SYM_GOLDEN_CONV_CONV_TRANSPOSE1D_BACKWARD_COUNT; ++i) {
        xt_vector_begin("conv_transpose1d_backward", i, sym_golden_conv_conv_transpose1d_backward[i].name);
        backward_vector(&sym_golden_conv_conv_transpose1d_backward[i], 1);
    }
}
