/* Golden vectors of the "accumulate" family against the adapter
 * (sv_adapter.h). The target is updated in place: it is copied into a
 * writable buffer first and must be unchanged on error. */
#include "accumulate.h"
#include "sv_adapter.h"
#include "sv_check.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_ACCUMULATE_MAX_N + SV_GUARD)

static void check_target(sv_ctx *c, int32_t status, const int32_t *t, const int32_t *t_out,
                         const int32_t *buf, int32_t n_t)
{
    sv_array(c, status == 0 ? "t_out" : "t_untouched", status == 0 ? t_out : t, buf, n_t);
    sv_untouched(c, "t_guard", buf, n_t, BUF_N);
}

uint32_t sv_count_accumulate_dynamic(void)
{
    return COUNT(sym_golden_accumulate_accumulate_dynamic);
}

const char *sv_name_accumulate_dynamic(uint32_t i)
{
    return sym_golden_accumulate_accumulate_dynamic[i].name;
}

int sv_check_accumulate_dynamic(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_accumulate_dynamic_t *v = &sym_golden_accumulate_accumulate_dynamic[i];
    uint32_t st = v->rng_state_in;
    int32_t t[BUF_N];
    float s_t = sv_f32(v->s_t);
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    sv_fill(t, BUF_N, SV_SENTINEL);
    sv_copy(t, v->t, v->n_t);
    rc = sv_accumulate_dynamic(t, v->n_t, &s_t, v->q_max_bits_t, v->inc, v->n_inc, sv_f32(v->s_inc),
                               v->rounding, v->rng_state_in != 0u ? &st : 0);
    if (sv_status(&c, v->status, rc)) {
        check_target(&c, v->status, v->t, v->t_out, t, v->n_t);
        sv_f32_bits(&c, v->status == 0 ? "s_t_out" : "s_t_untouched", -1,
                    v->status == 0 ? v->s_t_out : v->s_t, s_t);
        sv_u32(&c, "rng_state", -1, v->rng_state_out, st);
    }
    return sv_end(&c, rc);
}

uint32_t sv_count_accumulate_fixed(void)
{
    return COUNT(sym_golden_accumulate_accumulate_fixed);
}

const char *sv_name_accumulate_fixed(uint32_t i)
{
    return sym_golden_accumulate_accumulate_fixed[i].name;
}

int sv_check_accumulate_fixed(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_accumulate_fixed_t *v = &sym_golden_accumulate_accumulate_fixed[i];
    int32_t t[BUF_N];
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    sv_fill(t, BUF_N, SV_SENTINEL);
    sv_copy(t, v->t, v->n_t);
    rc = sv_accumulate_fixed(t, v->n_t, sv_f32(v->s_t), v->q_max_bits_t, v->inc, v->n_inc, sv_f32(v->s_inc));
    if (sv_status(&c, v->status, rc)) {
        check_target(&c, v->status, v->t, v->t_out, t, v->n_t);
    }
    return sv_end(&c, rc);
}
