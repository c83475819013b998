/* The one Cortex-M runner: every golden vector of a family from the
 * generated case table (xt_cases.h, symverify/xtarget_table.py).
 *
 * Per case and C call: every output buffer is set to the sentinel (or to the
 * input of an in-place / in-out argument), the call function fills the args
 * struct or the parameters from the case and makes the one C call; then the
 * status, every output element, scale and width and the RNG state are
 * compared bit-exactly, and a layer-ABI call that fails must name its status
 * in err.status. A failing call must leave every output (buffers, scale,
 * loss, RNG state) untouched, a succeeding one must not write beyond its n
 * elements. */
#include "xt_cases.h"

static xt_work xt_w;

sym_cview xt_cview(const xt_in *in)
{
    sym_cview v;
    v.m = in->m;
    v.n = in->n;
    v.scale = xt_f32(in->scale);
    v.bits = in->bits;
    return v;
}

const sym_cview *xt_opt_cview(const xt_in *in, sym_cview *store)
{
    if (!in->present) {
        return 0;
    }
    *store = xt_cview(in);
    return store;
}

const int32_t *xt_i32_in(const xt_call *k, xt_work *w, int32_t s)
{
    const xt_in *in = &k->in[s];
    if (!in->present) {
        return 0;
    }
    return in->alias >= 0 ? w->out[in->alias].i : in->m;
}

const float *xt_f32_in(const xt_call *k, xt_work *w, int32_t s, int32_t f)
{
    const xt_in *in = &k->in[s];
    int32_t j;
    if (!in->present) {
        return 0;
    }
    for (j = 0; j < in->n; ++j) {
        w->fin[f].f[j] = xt_f32((uint32_t)in->m[j]);
    }
    return w->fin[f].f;
}

sym_view *xt_view(const xt_call *k, xt_work *w, int32_t o)
{
    sym_view *v = &w->view[o];
    if (!k->out[o].present) {
        return 0;
    }
    v->m = w->out[o].i;
    v->n = k->out[o].n;
    v->scale = xt_f32(XT_SENTINEL_BITS);
    v->bits = k->out[o].view_bits;
    return v;
}

int32_t *xt_out_i32(const xt_call *k, xt_work *w, int32_t o)
{
    return k->out[o].present ? w->out[o].i : 0;
}

float *xt_out_f32(const xt_call *k, xt_work *w, int32_t o)
{
    return k->out[o].present ? w->out[o].f : 0;
}

sym_geom1d xt_geom(const int32_t *g)
{
    sym_geom1d r;
    r.batch = g[0];
    r.in_channels = g[1];
    r.out_channels = g[2];
    r.in_length = g[3];
    r.out_length = g[4];
    r.kernel_size = g[5];
    r.stride = g[6];
    r.dilation = g[7];
    r.groups = g[8];
    r.pad_left = g[9];
    r.pad_right = g[10];
    r.output_padding = g[11];
    return r;
}

sym_round_ctx xt_round(const xt_call *k, xt_work *w, int32_t i)
{
    sym_round_ctx r;
    r.mode = k->iv[i];
    r.order = k->iv[i + 1];
    r.rng_state = k->use_rng ? &w->rng : 0;
    return r;
}

static int32_t sentinel_of(const xt_out *o)
{
    return o->is_float ? (int32_t)XT_SENTINEL_BITS : XT_SENTINEL;
}

static void prepare(const xt_call *k, xt_work *w)
{
    int32_t j;
    for (j = 0; j < XT_MAX_OUT; ++j) {
        xt_fill(w->out[j].i, XT_BUF_N, j < k->n_out ? sentinel_of(&k->out[j]) : XT_SENTINEL);
    }
    for (j = 0; j < k->n_out; ++j) {
        if (k->out[j].init != 0) {
            xt_copy(w->out[j].i, k->out[j].init, k->out[j].n_init);
        }
    }
    xt_fill(w->scratch.i, XT_SCRATCH_N, XT_SENTINEL);
    w->rng = k->rng_in;
    w->err.status = XT_SENTINEL;
}

static void check_out(const xt_call *k, const xt_out *o, const xt_buf *buf, const sym_view *view)
{
    const int32_t sentinel = sentinel_of(o);
    if (k->status == 0 && o->exp != 0) {
        if (o->view && !xt_check_i32(o->field, -1, o->n_exp, view->n)) {
            return;
        }
        if (o->scalar) {
            xt_check_i32(o->field, -1, o->exp[0], buf->i[0]);
        } else {
            xt_check_array(o->field, o->exp, buf->i, o->n_exp);
        }
        xt_check_fill(o->guard, buf->i, o->n_exp, XT_BUF_N, sentinel);
        if (o->view) {
            xt_check_f32(o->scale_field, -1, o->exp_scale, view->scale);
            if (o->exp_bits >= 0) {
                xt_check_i32(o->bits_field, -1, o->exp_bits, view->bits);
            }
        }
        return;
    }
    /* an error, or an output this call must not produce */
    xt_check_array(o->untouched, o->init != 0 ? o->init : buf->i, buf->i, o->n_init);
    xt_check_fill(o->untouched, buf->i, o->n_init, XT_BUF_N, sentinel);
    if (o->view && o->present) {
        xt_check_f32(o->scale_field, -1, XT_SENTINEL_BITS, view->scale);
    }
}

static void run_call(const xt_call *k, xt_work *w)
{
    int32_t j;
    int rc;
    prepare(k, w);
    rc = k->fn(k, w);
    xt_check_i32(k->status_field, -1, k->status, rc);
    for (j = 0; j < k->n_out; ++j) {
        check_out(k, &k->out[j], &w->out[j], &w->view[j]);
    }
    if (k->check_rng) {
        xt_check_u32("rng_state", -1, k->rng_out, w->rng);
    }
    if (k->err_detail && rc != 0) {
        xt_check_i32("err.status", -1, rc, w->err.status);
    }
}

void xt_run_family(void)
{
    uint32_t i;
    int32_t c;
    xt_begin(XT_FAMILY);
    for (i = 0; i < XT_CASE_COUNT; ++i) {
        const xt_case *v = &xt_cases[i];
        xt_vector_begin(v->kernel, v->index, v->name);
        for (c = 0; c < v->n_calls; ++c) {
            run_call(&v->calls[c], &xt_w);
        }
        xt_vector_end();
    }
}
