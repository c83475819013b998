/* Golden vectors of the "requant" family against the adapter (sv_adapter.h).
 * in_place vectors call with m_out == m_in (the input copied into the output
 * buffer first). */
#include "requant.h"
#include "sv_adapter.h"
#include "sv_check.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_REQUANT_MAX_N + SV_GUARD)

/* The output buffer before the call: the input (in place) or the sentinel. */
static const int32_t *prepare(int32_t *out, int32_t in_place, const int32_t *m_in, int32_t n)
{
    sv_fill(out, BUF_N, SV_SENTINEL);
    if (in_place) {
        sv_copy(out, m_in, n);
        return out;
    }
    return m_in;
}

static void check_out(sv_ctx *c, int32_t status, int32_t in_place, const int32_t *m_in,
                      const int32_t *expected, const int32_t *out, int32_t n)
{
    if (status == 0) {
        sv_array(c, "m_out", expected, out, n);
        sv_untouched(c, "m_guard", out, n, BUF_N);
    } else if (in_place) {
        sv_array(c, "m_untouched", m_in, out, n);
        sv_untouched(c, "m_guard", out, n, BUF_N);
    } else {
        sv_untouched(c, "m_untouched", out, 0, BUF_N);
    }
}

uint32_t sv_count_requant_dynamic(void)
{
    return COUNT(sym_golden_requant_requant_dynamic);
}

const char *sv_name_requant_dynamic(uint32_t i)
{
    return sym_golden_requant_requant_dynamic[i].name;
}

int sv_check_requant_dynamic(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_requant_dynamic_t *v = &sym_golden_requant_requant_dynamic[i];
    uint32_t st = v->rng_state_in;
    int32_t out[BUF_N];
    float s_out = sv_f32(SV_SENTINEL_BITS);
    const int32_t *in;
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    in = prepare(out, v->in_place, v->m_in, v->n);
    rc = sv_requant_dynamic(in, v->n, sv_f32(v->s_in), v->q_max_bits_out, v->rounding, v->order,
                            v->rng_state_in != 0u ? &st : 0, out, &s_out);
    if (sv_status(&c, v->status, rc)) {
        check_out(&c, v->status, v->in_place, v->m_in, v->m_out, out, v->n);
        sv_f32_bits(&c, "s_out", -1, v->status == 0 ? v->s_out : SV_SENTINEL_BITS, s_out);
        sv_u32(&c, "rng_state", -1, v->rng_state_out, st);
    }
    return sv_end(&c, rc);
}

uint32_t sv_count_requant_fixed(void)
{
    return COUNT(sym_golden_requant_requant_fixed);
}

const char *sv_name_requant_fixed(uint32_t i)
{
    return sym_golden_requant_requant_fixed[i].name;
}

int sv_check_requant_fixed(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_requant_fixed_t *v = &sym_golden_requant_requant_fixed[i];
    uint32_t st = v->rng_state_in;
    int32_t out[BUF_N];
    const int32_t *in;
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    in = prepare(out, v->in_place, v->m_in, v->n);
    rc = sv_requant_fixed(in, v->n, sv_f32(v->s_in), sv_f32(v->target), v->q_max_bits_out, v->rounding,
                          v->rng_state_in != 0u ? &st : 0, out);
    if (sv_status(&c, v->status, rc)) {
        check_out(&c, v->status, v->in_place, v->m_in, v->m_out, out, v->n);
        sv_u32(&c, "rng_state", -1, v->rng_state_out, st);
    }
    return sv_end(&c, rc);
}

uint32_t sv_count_rescale_to_acc(void)
{
    return COUNT(sym_golden_requant_rescale_to_acc);
}

const char *sv_name_rescale_to_acc(uint32_t i)
{
    return sym_golden_requant_rescale_to_acc[i].name;
}

int sv_check_rescale_to_acc(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_rescale_to_acc_t *v = &sym_golden_requant_rescale_to_acc[i];
    int32_t out = SV_SENTINEL;
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    rc = sv_rescale_to_acc(v->q, sv_f32(v->s_p), sv_f32(v->s_acc), &out);
    if (sv_status(&c, v->status, rc)) {
        sv_i32(&c, "out", -1, v->status == 0 ? v->out : SV_SENTINEL, out);
    }
    return sv_end(&c, rc);
}
