/* Golden vectors of the "convert" family on target: sym_float_to_sym,
 * sym_sym_to_float, sym_int_to_sym. Outputs are pre-filled with a sentinel:
 * on error they must stay untouched, on success nothing beyond n is written. */
#include "harness.h"
#include "sym_convert.h"
#include "convert.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_CONVERT_MAX_N + XT_GUARD)

static int32_t buf_m[BUF_N];
static float buf_x[BUF_N];
static float buf_y[BUF_N];

static void run_float_to_sym(void)
{
    uint32_t i;
    int32_t k;
    for (i = 0; i < COUNT(sym_golden_convert_float_to_sym); ++i) {
        const sym_golden_float_to_sym_t *v = &sym_golden_convert_float_to_sym[i];
        uint32_t st = v->rng_state_in;
        float scale = xt_f32(XT_SENTINEL_BITS);
        int rc;
        xt_vector_begin("float_to_sym", i, v->name);
        for (k = 0; k < v->n; ++k) {
            buf_x[k] = xt_f32(v->x[k]);
        }
        xt_fill(buf_m, BUF_N, XT_SENTINEL);
        rc = sym_float_to_sym(buf_x, v->n, v->q_max_bits, v->rounding,
                              v->rng_state_in != 0u ? &st : 0, buf_m, &scale);
        xt_check_i32("status", -1, v->status, rc);
        if (v->status == 0) {
            xt_check_array("m", v->m, buf_m, v->n);
            xt_check_f32("scale", -1, v->scale, scale);
            xt_check_fill("m_guard", buf_m, v->n, BUF_N, XT_SENTINEL);
        } else {
            xt_check_fill("m_untouched", buf_m, 0, BUF_N, XT_SENTINEL);
            xt_check_f32("scale_untouched", -1, XT_SENTINEL_BITS, scale);
        }
        xt_check_u32("rng_state", -1, v->rng_state_out, st);
        xt_vector_end();
    }
}

static void run_sym_to_float(void)
{
    uint32_t i;
    int32_t k;
    for (i = 0; i < COUNT(sym_golden_convert_sym_to_float); ++i) {
        const sym_golden_sym_to_float_t *v = &sym_golden_convert_sym_to_float[i];
        int rc;
        xt_vector_begin("sym_to_float", i, v->name);
        for (k = 0; k < BUF_N; ++k) {
            buf_y[k] = xt_f32(XT_SENTINEL_BITS);
        }
        rc = sym_sym_to_float(v->m, v->n, xt_f32(v->scale), buf_y);
        xt_check_i32("status", -1, v->status, rc);
        if (v->status == 0) {
            xt_check_array_f32("y", v->y, buf_y, v->n);
            k = v->n;
        } else {
            k = 0;
        }
        for (; k < BUF_N; ++k) {
            xt_check_f32(v->status == 0 ? "y_guard" : "y_untouched", k, XT_SENTINEL_BITS, buf_y[k]);
        }
        xt_vector_end();
    }
}

static void run_int_to_sym(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_convert_int_to_sym); ++i) {
        const sym_golden_int_to_sym_t *v = &sym_golden_convert_int_to_sym[i];
        float scale = xt_f32(XT_SENTINEL_BITS);
        int rc;
        xt_vector_begin("int_to_sym", i, v->name);
        xt_fill(buf_m, BUF_N, XT_SENTINEL);
        if (v->in_place) {
            xt_copy(buf_m, v->src, v->n);
            rc = sym_int_to_sym(buf_m, v->n, buf_m, &scale);
        } else {
            rc = sym_int_to_sym(v->src, v->n, buf_m, &scale);
        }
        xt_check_i32("status", -1, v->status, rc);
        if (v->status == 0) {
            xt_check_array("m", v->m, buf_m, v->n);
            xt_check_f32("scale", -1, v->scale, scale);
            xt_check_fill("m_guard", buf_m, v->n, BUF_N, XT_SENTINEL);
        } else {
            if (v->in_place) {
                xt_check_array("m_untouched", v->src, buf_m, v->n);
            } else {
                xt_check_fill("m_untouched", buf_m, 0, BUF_N, XT_SENTINEL);
            }
            xt_check_f32("scale_untouched", -1, XT_SENTINEL_BITS, scale);
        }
        xt_vector_end();
    }
}

void xt_run_family(void)
{
    xt_begin("convert");
    run_float_to_sym();
    run_sym_to_float();
    run_int_to_sym();
}
