/* Golden vectors of the "pool" family on target (goldgen/vectors/pool.h):
 * the six layer steps of sym_pool.h called through their args structs with
 * the geometry the Python binding resolves. Checked bit-exactly: the status,
 * every output mantissa, the scale and the argmax indices; outputs start as
 * the sentinel, so a failing call must leave them (and their scale)
 * untouched and a succeeding one must not write beyond its n elements. */
#include "harness.h"
#include "sym_pool.h"
#include "pool.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_POOL_MAX_N + XT_GUARD)

static int32_t buf_out[BUF_N];
static int32_t buf_idx[BUF_N];
static int32_t buf_scratch[BUF_N];

static sym_geom1d geom_of(const sym_golden_pool_t *v)
{
    sym_geom1d g;
    g.batch = v->geom[0];
    g.in_channels = v->geom[1];
    g.out_channels = v->geom[2];
    g.in_length = v->geom[3];
    g.out_length = v->geom[4];
    g.kernel_size = v->geom[5];
    g.stride = v->geom[6];
    g.dilation = v->geom[7];
    g.groups = v->geom[8];
    g.pad_left = v->geom[9];
    g.pad_right = v->geom[10];
    g.output_padding = v->geom[11];
    return g;
}

static sym_cview in_of(const sym_golden_pool_t *v)
{
    sym_cview x;
    x.m = v->in_m;
    x.n = v->in_n;
    x.scale = xt_f32(v->in_scale);
    x.bits = v->in_bits;
    return x;
}

/* n: the output element count the geometry gives (forward O, backward L). */
static void out_of(sym_view *y, int32_t n)
{
    xt_fill(buf_out, BUF_N, XT_SENTINEL);
    xt_fill(buf_idx, BUF_N, XT_SENTINEL);
    y->m = buf_out;
    y->n = n;
    y->scale = xt_f32(XT_SENTINEL_BITS);
    y->bits = 32;
}

static void check_out(const sym_golden_pool_t *v, int rc, const sym_view *y, int check_idx)
{
    xt_check_i32("status", -1, v->status, rc);
    if (v->status == 0) {
        xt_check_array("out", v->out_m, buf_out, v->out_n);
        xt_check_f32("out.scale", -1, v->out_scale, y->scale);
        if (check_idx) {
            xt_check_array("indices", v->out_idx, buf_idx, v->n_out_idx);
            xt_check_fill("indices_guard", buf_idx, v->n_out_idx, BUF_N, XT_SENTINEL);
        }
        xt_check_fill("out_guard", buf_out, v->out_n, BUF_N, XT_SENTINEL);
    } else {
        xt_check_fill("out_untouched", buf_out, 0, BUF_N, XT_SENTINEL);
        xt_check_fill("indices_untouched", buf_idx, 0, BUF_N, XT_SENTINEL);
        xt_check_f32("scale_untouched", -1, XT_SENTINEL_BITS, y->scale);
    }
}

static void run_one(uint32_t i, const sym_golden_pool_t *v)
{
    const sym_geom1d g = geom_of(v);
    const int32_t rows = g.batch * g.in_channels;
    sym_view y;
    sym_err err;
    int rc;
    xt_fill(buf_scratch, BUF_N, XT_SENTINEL);
    switch (v->kernel) {
    case 0: {
        sym_maxpool1d_forward_args a;
        xt_vector_begin("maxpool1d_forward", i, v->name);
        out_of(&y, rows * g.out_length);
        a.x = in_of(v);
        a.geom = g;
        a.y = &y;
        a.indices = buf_idx;
        a.n_indices = rows * g.out_length;
        rc = sym_maxpool1d_forward(&a, &err);
        check_out(v, rc, &y, 1);
        break;
    }
    case 1: {
        sym_maxpool1d_backward_args a;
        xt_vector_begin("maxpool1d_backward", i, v->name);
        out_of(&y, rows * g.in_length);
        a.dy = in_of(v);
        a.indices = v->idx;
        a.n_indices = v->n_idx;
        a.geom = g;
        a.dx = &y;
        a.scratch = buf_scratch;
        a.n_scratch = rows * g.in_length;
        rc = sym_maxpool1d_backward(&a, &err);
        check_out(v, rc, &y, 0);
        break;
    }
    case 2: {
        sym_avgpool1d_forward_args a;
        xt_vector_begin("avgpool1d_forward", i, v->name);
        out_of(&y, rows * g.out_length);
        a.x = in_of(v);
        a.geom = g;
        a.count_include_pad = v->count_include_pad;
        a.y = &y;
        rc = sym_avgpool1d_forward(&a, &err);
        check_out(v, rc, &y, 0);
        break;
    }
    case 3: {
        sym_avgpool1d_backward_args a;
        xt_vector_begin("avgpool1d_backward", i, v->name);
        out_of(&y, rows * g.in_length);
        a.dy = in_of(v);
        a.geom = g;
        a.count_include_pad = v->count_include_pad;
        a.dx = &y;
        a.scratch = buf_scratch;
        a.n_scratch = rows * g.in_length;
        rc = sym_avgpool1d_backward(&a, &err);
        check_out(v, rc, &y, 0);
        break;
    }
    case 4: {
        sym_adaptive_avgpool1d_forward_args a;
        xt_vector_begin("adaptive_avgpool1d_forward", i, v->name);
        out_of(&y, rows * g.out_length);
        a.x = in_of(v);
        a.geom = g;
        a.y = &y;
        rc = sym_adaptive_avgpool1d_forward(&a, &err);
        check_out(v, rc, &y, 0);
        break;
    }
    default: {
        sym_adaptive_avgpool1d_backward_args a;
        xt_vector_begin("adaptive_avgpool1d_backward", i, v->name);
        out_of(&y, rows * g.in_length);
        a.dy = in_of(v);
        a.geom = g;
        a.dx = &y;
        a.scratch = buf_scratch;
        a.n_scratch = rows * g.in_length;
        rc = sym_adaptive_avgpool1d_backward(&a, &err);
        check_out(v, rc, &y, 0);
        break;
    }
    }
    if (rc != 0) {
        xt_check_i32("err.status", -1, rc, err.status);
    }
    xt_vector_end();
}

void xt_run_family(void)
{
    uint32_t i;
    xt_begin("pool");
    for (i = 0; i < COUNT(sym_golden_pool); ++i) {
        run_one(i, &sym_golden_pool[i]);
    }
}
