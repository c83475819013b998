/* Golden vectors of the "accumulate" family on target: sym_accumulate_dynamic
 * and sym_accumulate_fixed, which update their target in place (t is copied
 * into a writable buffer first; on error it must be unchanged). */
#include "harness.h"
#include "sym_accumulate.h"
#include "accumulate.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_ACCUMULATE_MAX_N + XT_GUARD)

static int32_t buf_t[BUF_N];

static void prepare(const int32_t *t, int32_t n_t)
{
    xt_fill(buf_t, BUF_N, XT_SENTINEL);
    xt_copy(buf_t, t, n_t);
}

static void check_target(int32_t status, const int32_t *t, const int32_t *t_out, int32_t n_t)
{
    xt_check_array(status == 0 ? "t_out" : "t_untouched", status == 0 ? t_out : t, buf_t, n_t);
    xt_check_fill("t_guard", buf_t, n_t, BUF_N, XT_SENTINEL);
}

static void run_accumulate_dynamic(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_accumulate_accumulate_dynamic); ++i) {
        const sym_golden_accumulate_dynamic_t *v = &sym_golden_accumulate_accumulate_dynamic[i];
        uint32_t st = v->rng_state_in;
        float s_t = xt_f32(v->s_t);
        int rc;
        xt_vector_begin("accumulate_dynamic", i, v->name);
        prepare(v->t, v->n_t);
        rc = sym_accumulate_dynamic(buf_t, v->n_t, &s_t, v->q_max_bits_t, v->inc, v->n_inc,
                                    xt_f32(v->s_inc), v->rounding,
                                    v->rng_state_in != 0u ? &st : 0);
        xt_check_i32("status", -1, v->status, rc);
        check_target(v->status, v->t, v->t_out, v->n_t);
        xt_check_f32(v->status == 0 ? "s_t_out" : "s_t_untouched", -1,
                     v->status == 0 ? v->s_t_out : v->s_t, s_t);
        xt_check_u32("rng_state", -1, v->rng_state_out, st);
        xt_vector_end();
    }
}

static void run_accumulate_fixed(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_accumulate_accumulate_fixed); ++i) {
        const sym_golden_accumulate_fixed_t *v = &sym_golden_accumulate_accumulate_fixed[i];
        int rc;
        xt_vector_begin("accumulate_fixed", i, v->name);
        prepare(v->t, v->n_t);
        rc = sym_accumulate_fixed(buf_t, v->n_t, xt_f32(v->s_t), v->q_max_bits_t, v->inc,
                                  v->n_inc, xt_f32(v->s_inc));
        xt_check_i32("status", -1, v->status, rc);
        check_target(v->status, v->t, v->t_out, v->n_t);
        xt_vector_end();
    }
}

void xt_run_family(void)
{
    xt_begin("accumulate");
    run_accumulate_dynamic();
    run_accumulate_fixed();
}
