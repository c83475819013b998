/* Golden vectors of the "relu" family on target: one layer-ABI call per
 * step, sym_relu_forward and sym_relu_backward (header layout:
 * goldgen/layout_header.py). Outputs are filled with a sentinel first: on
 * error neither mantissas nor scale may change. */
#include "harness.h"
#include "sym_relu.h"
#include "relu.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_RELU_MAX_N + XT_GUARD)
#define SCALE_SENTINEL 0xBF800000u /* -1.0f: never a valid scale */

static int32_t buf_out[BUF_N];

static sym_cview view_of(const int32_t *m, int32_t n, uint32_t scale, int32_t bits)
{
    sym_cview v;
    v.m = m;
    v.n = n;
    v.scale = xt_f32(scale);
    v.bits = bits;
    return v;
}

static void prepare(sym_view *out, int32_t n, int32_t bits)
{
    xt_fill(buf_out, BUF_N, XT_SENTINEL);
    out->m = buf_out;
    out->n = n;
    out->bits = bits;
    out->scale = xt_f32(SCALE_SENTINEL);
}

static void check_out(int32_t status, const int32_t *exp_m, uint32_t exp_scale, const sym_view *out, int32_t n)
{
    if (status == 0) {
        xt_check_array("out", exp_m, buf_out, n);
        xt_check_f32("scale", -1, exp_scale, out->scale);
        xt_check_fill("out_guard", buf_out, n, BUF_N, XT_SENTINEL);
    } else {
        xt_check_fill("out_untouched", buf_out, 0, BUF_N, XT_SENTINEL);
        xt_check_f32("scale_untouched", -1, SCALE_SENTINEL, out->scale);
    }
}

static void run_relu_forward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_relu_relu_forward); ++i) {
        const sym_golden_relu_forward_t *v = &sym_golden_relu_relu_forward[i];
        sym_view y;
        sym_relu_forward_args a;
        sym_err err;
        int rc;
        xt_vector_begin("relu_forward", i, v->name);
        prepare(&y, v->x_n, v->x_bits);
        a.x = view_of(v->x_m, v->x_n, v->x_scale, v->x_bits);
        a.y = &y;
        rc = sym_relu_forward(&a, &err);
        xt_check_i32("status", -1, v->status, rc);
        check_out(v->status, v->y_m, v->y_scale, &y, v->x_n);
        xt_vector_end();
    }
}

static void run_relu_backward(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_relu_relu_backward); ++i) {
        const sym_golden_relu_backward_t *v = &sym_golden_relu_relu_backward[i];
        sym_view dx;
        sym_relu_backward_args a;
        sym_err err;
        int rc;
        xt_vector_begin("relu_backward", i, v->name);
        prepare(&dx, v->dy_n, v->dy_bits);
        a.x = view_of(v->x_m, v->x_n, v->x_scale, v->x_bits);
        a.dy = view_of(v->dy_m, v->dy_n, v->dy_scale, v->dy_bits);
        a.dx = &dx;
        rc = sym_relu_backward(&a, &err);
        xt_check_i32("status", -1, v->status, rc);
        check_out(v->status, v->dx_m, v->dx_scale, &dx, v->dy_n);
        xt_vector_end();
    }
}

void xt_run_family(void)
{
    xt_begin("relu");
    run_relu_forward();
    run_relu_backward();
}
