/* Golden vectors of the "convert" family against the adapter (sv_adapter.h).
 * Outputs are pre-filled with a sentinel: on success nothing beyond n is
 * written, on error (SV_EXACT_STATUS) nothing at all. */
#include "convert.h"
#include "sv_adapter.h"
#include "sv_check.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BUF_N (SYM_GOLDEN_CONVERT_MAX_N + SV_GUARD)

uint32_t sv_count_float_to_sym(void)
{
    return COUNT(sym_golden_convert_float_to_sym);
}

const char *sv_name_float_to_sym(uint32_t i)
{
    return sym_golden_convert_float_to_sym[i].name;
}

int sv_check_float_to_sym(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_float_to_sym_t *v = &sym_golden_convert_float_to_sym[i];
    uint32_t st = v->rng_state_in;
    float x[BUF_N];
    int32_t m[BUF_N];
    float scale = sv_f32(SV_SENTINEL_BITS);
    int32_t k;
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    for (k = 0; k < v->n; ++k) {
        x[k] = sv_f32(v->x[k]);
    }
    sv_fill(m, BUF_N, SV_SENTINEL);
    rc = sv_float_to_sym(x, v->n, v->q_max_bits, v->rounding, v->rng_state_in != 0u ? &st : 0, m, &scale);
    if (sv_status(&c, v->status, rc)) {
        if (v->status == 0) {
            sv_array(&c, "m", v->m, m, v->n);
            sv_f32_bits(&c, "scale", -1, v->scale, scale);
            sv_untouched(&c, "m_guard", m, v->n, BUF_N);
        } else {
            sv_untouched(&c, "m_untouched", m, 0, BUF_N);
            sv_f32_bits(&c, "scale_untouched", -1, SV_SENTINEL_BITS, scale);
        }
        sv_u32(&c, "rng_state", -1, v->rng_state_out, st);
    }
    return sv_end(&c, rc);
}

uint32_t sv_count_sym_to_float(void)
{
    return COUNT(sym_golden_convert_sym_to_float);
}

const char *sv_name_sym_to_float(uint32_t i)
{
    return sym_golden_convert_sym_to_float[i].name;
}

int sv_check_sym_to_float(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_sym_to_float_t *v = &sym_golden_convert_sym_to_float[i];
    float y[BUF_N];
    int32_t k;
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    for (k = 0; k < BUF_N; ++k) {
        y[k] = sv_f32(SV_SENTINEL_BITS);
    }
    rc = sv_sym_to_float(v->m, v->n, sv_f32(v->scale), y);
    if (sv_status(&c, v->status, rc)) {
        k = 0;
        if (v->status == 0) {
            sv_array_f32(&c, "y", v->y, y, v->n);
            k = v->n;
        }
        for (; k < BUF_N; ++k) {
            sv_f32_bits(&c, v->status == 0 ? "y_guard" : "y_untouched", k, SV_SENTINEL_BITS, y[k]);
        }
    }
    return sv_end(&c, rc);
}

uint32_t sv_count_int_to_sym(void)
{
    return COUNT(sym_golden_convert_int_to_sym);
}

const char *sv_name_int_to_sym(uint32_t i)
{
    return sym_golden_convert_int_to_sym[i].name;
}

int sv_check_int_to_sym(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_int_to_sym_t *v = &sym_golden_convert_int_to_sym[i];
    int32_t m[BUF_N];
    float scale = sv_f32(SV_SENTINEL_BITS);
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    sv_fill(m, BUF_N, SV_SENTINEL);
    if (v->in_place) {
        sv_copy(m, v->src, v->n);
        rc = sv_int_to_sym(m, v->n, m, &scale);
    } else {
        rc = sv_int_to_sym(v->src, v->n, m, &scale);
    }
    if (sv_status(&c, v->status, rc)) {
        if (v->status == 0) {
            sv_array(&c, "m", v->m, m, v->n);
            sv_f32_bits(&c, "scale", -1, v->scale, scale);
            sv_untouched(&c, "m_guard", m, v->n, BUF_N);
        } else {
            if (v->in_place) {
                sv_array(&c, "m_untouched", v->src, m, v->n);
            } else {
                sv_untouched(&c, "m_untouched", m, 0, BUF_N);
            }
            sv_f32_bits(&c, "scale_untouched", -1, SV_SENTINEL_BITS, scale);
        }
    }
    return sv_end(&c, rc);
}
