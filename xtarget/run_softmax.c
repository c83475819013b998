/* Golden vectors of the "softmax" family on target (goldgen/vectors/softmax.h):
 * sym_softmax_forward and sym_cross_entropy_loss through their args structs.
 * This is the cross-core test of the portable sym_expf / sym_logf: the
 * status, every output mantissa, the scale, the loss bits and the RNG state
 * are compared bit for bit; outputs start as the sentinel and must stay so
 * (loss and RNG state included) on error. */
#include "harness.h"
#include "sym_softmax.h"
#include "softmax.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_SOFTMAX_MAX_N + XT_GUARD)

static int32_t buf_out[BUF_N];
static float buf_scratch[BUF_N];
static float buf_prob[BUF_N];

static void run_one(uint32_t i, const sym_golden_softmax_t *v)
{
    const int32_t n = v->batch * v->classes;
    uint32_t state = v->rng_in;
    float loss = xt_f32(XT_SENTINEL_BITS);
    sym_view y;
    sym_cview x;
    sym_round_ctx rc_ctx;
    sym_err err;
    int32_t k;
    int rc;
    xt_fill(buf_out, BUF_N, XT_SENTINEL);
    y.m = buf_out;
    y.n = n;
    y.scale = xt_f32(XT_SENTINEL_BITS);
    y.bits = v->bits;
    x.m = v->in_m;
    x.n = n;
    x.scale = xt_f32(v->in_scale);
    x.bits = v->in_bits;
    rc_ctx.mode = v->rounding;
    rc_ctx.order = 0;
    rc_ctx.rng_state = v->rng_in != 0u ? &state : 0;
    if (v->kernel == 0) {
        sym_softmax_forward_args a;
        xt_vector_begin("softmax_forward", i, v->name);
        a.x = x;
        a.batch = v->batch;
        a.classes = v->classes;
        a.out_bits = v->bits;
        a.round = rc_ctx;
        a.y = &y;
        a.fscratch = buf_scratch;
        a.n_fscratch = n;
        rc = sym_softmax_forward(&a, &err);
    } else {
        sym_cross_entropy_loss_args a;
        xt_vector_begin("cross_entropy_loss", i, v->name);
        for (k = 0; k < v->n_target && v->target_prob != 0; ++k) {
            buf_prob[k] = xt_f32(v->target_prob[k]);
        }
        a.p = x;
        a.batch = v->batch;
        a.classes = v->classes;
        a.target_index = v->target_index;
        a.target_prob = v->target_prob != 0 ? buf_prob : 0;
        a.n_target = v->n_target;
        a.grad_bits = v->bits;
        a.reduction = v->reduction;
        a.round = rc_ctx;
        a.loss = &loss;
        a.grad = &y;
        a.fscratch = buf_scratch;
        a.n_fscratch = n;
        rc = sym_cross_entropy_loss(&a, &err);
    }
    xt_check_i32("status", -1, v->status, rc);
    if (v->status == 0) {
        xt_check_array("out", v->out_m, buf_out, v->out_n);
        xt_check_fill("out_guard", buf_out, v->out_n, BUF_N, XT_SENTINEL);
        xt_check_f32("out.scale", -1, v->out_scale, y.scale);
        if (v->kernel == 1) {
            xt_check_f32("loss", -1, v->loss, loss);
        }
    } else {
        xt_check_fill("out_untouched", buf_out, 0, BUF_N, XT_SENTINEL);
        xt_check_f32("scale_untouched", -1, XT_SENTINEL_BITS, y.scale);
        xt_check_f32("loss_untouched", -1, XT_SENTINEL_BITS, loss);
        xt_check_i32("err.status", -1, rc, err.status);
    }
    if (v->rng_in != 0u) {
        xt_check_u32("rng_state", -1, v->rng_out, state);
    }
    xt_vector_end();
}

void xt_run_family(void)
{
    uint32_t i;
    xt_begin("softmax");
    for (i = 0; i < COUNT(sym_golden_softmax); ++i) {
        run_one(i, &sym_golden_softmax[i]);
    }
}
