/* Golden vectors of the "requant" family on target: sym_requant_dynamic
 * (both orders), sym_requant_fixed, sym_rescale_to_acc; the ratio-order
 * HALF_AWAY vectors once more through the integer-only
 * sym_intreq_requant_dynamic. in_place vectors call the kernel with
 * m_out == m_in (input copied into the output buffer first). */
#include "harness.h"
#include "sym_intreq_tensor.h"
#include "sym_requant.h"
#include "requant.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_REQUANT_MAX_N + XT_GUARD)

static int32_t buf_out[BUF_N];

/* Output buffer before the call: the input (in place) or the sentinel. */
static const int32_t *prepare(int32_t in_place, const int32_t *m_in, int32_t n)
{
    xt_fill(buf_out, BUF_N, XT_SENTINEL);
    if (in_place) {
        xt_copy(buf_out, m_in, n);
        return buf_out;
    }
    return m_in;
}

/* Outputs after the call: expected values + untouched guard on success,
 * the unchanged buffer on error. */
static void check_out(int32_t status, int32_t in_place, const int32_t *m_in,
                      const int32_t *m_out, int32_t n)
{
    if (status == 0) {
        xt_check_array("m_out", m_out, buf_out, n);
        xt_check_fill("m_guard", buf_out, n, BUF_N, XT_SENTINEL);
    } else if (in_place) {
        xt_check_array("m_untouched", m_in, buf_out, n);
        xt_check_fill("m_guard", buf_out, n, BUF_N, XT_SENTINEL);
    } else {
        xt_check_fill("m_untouched", buf_out, 0, BUF_N, XT_SENTINEL);
    }
}

/* A ratio-order HALF_AWAY vector once more on the integer core, inside the
 * same vector (checks named intreq_*): the same status, mantissas and scale. */
static void check_intreq(const sym_golden_requant_dynamic_t *v)
{
    float s_out = xt_f32(XT_SENTINEL_BITS);
    const int32_t *in = prepare(v->in_place, v->m_in, v->n);
    const int rc = sym_intreq_requant_dynamic(in, v->n, xt_f32(v->s_in), v->q_max_bits_out, buf_out, &s_out);
    xt_check_i32("intreq_status", -1, v->status, rc);
    if (v->status == 0) {
        xt_check_array("intreq_m_out", v->m_out, buf_out, v->n);
    } else if (v->in_place) {
        xt_check_array("intreq_m_untouched", v->m_in, buf_out, v->n);
    } else {
        xt_check_fill("intreq_m_untouched", buf_out, 0, BUF_N, XT_SENTINEL);
    }
    xt_check_fill("intreq_m_guard", buf_out, v->status == 0 || v->in_place ? v->n : 0, BUF_N, XT_SENTINEL);
    xt_check_f32("intreq_s_out", -1, v->status == 0 ? v->s_out : XT_SENTINEL_BITS, s_out);
}

static void run_requant_dynamic(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_requant_requant_dynamic); ++i) {
        const sym_golden_requant_dynamic_t *v = &sym_golden_requant_requant_dynamic[i];
        uint32_t st = v->rng_state_in;
        float s_out = xt_f32(XT_SENTINEL_BITS);
        const int32_t *in;
        int rc;
        xt_vector_begin("requant_dynamic", i, v->name);
        in = prepare(v->in_place, v->m_in, v->n);
        rc = sym_requant_dynamic(in, v->n, xt_f32(v->s_in), v->q_max_bits_out, v->rounding,
                                 v->order, v->rng_state_in != 0u ? &st : 0, buf_out, &s_out);
        xt_check_i32("status", -1, v->status, rc);
        check_out(v->status, v->in_place, v->m_in, v->m_out, v->n);
        xt_check_f32("s_out", -1, v->status == 0 ? v->s_out : XT_SENTINEL_BITS, s_out);
        xt_check_u32("rng_state", -1, v->rng_state_out, st);
        if (v->rounding == SYM_HALF_AWAY && v->order == SYM_ORDER_RATIO) {
            check_intreq(v);
        }
        xt_vector_end();
    }
}

static void run_requant_fixed(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_requant_requant_fixed); ++i) {
        const sym_golden_requant_fixed_t *v = &sym_golden_requant_requant_fixed[i];
        uint32_t st = v->rng_state_in;
        const int32_t *in;
        int rc;
        xt_vector_begin("requant_fixed", i, v->name);
        in = prepare(v->in_place, v->m_in, v->n);
        rc = sym_requant_fixed(in, v->n, xt_f32(v->s_in), xt_f32(v->target), v->q_max_bits_out,
                               v->rounding, v->rng_state_in != 0u ? &st : 0, buf_out);
        xt_check_i32("status", -1, v->status, rc);
        check_out(v->status, v->in_place, v->m_in, v->m_out, v->n);
        xt_check_u32("rng_state", -1, v->rng_state_out, st);
        xt_vector_end();
    }
}

static void run_rescale_to_acc(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_requant_rescale_to_acc); ++i) {
        const sym_golden_rescale_to_acc_t *v = &sym_golden_requant_rescale_to_acc[i];
        int32_t out = XT_SENTINEL;
        int rc;
        xt_vector_begin("rescale_to_acc", i, v->name);
        rc = sym_rescale_to_acc(v->q, xt_f32(v->s_p), xt_f32(v->s_acc), &out);
        xt_check_i32("status", -1, v->status, rc);
        xt_check_i32("out", -1, v->status == 0 ? v->out : XT_SENTINEL, out);
        xt_vector_end();
    }
}

void xt_run_family(void)
{
    xt_begin("requant");
    run_requant_dynamic();
    run_requant_fixed();
    run_rescale_to_acc();
}
