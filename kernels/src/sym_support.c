/* Support functions shared by the kernel families (internal, see
 * kernels/include/sym_support.h). One operation per line, braces everywhere. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stddef.h>
#include <stdint.h>

#include "sym_convert.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

int sym_add_overflows(int32_t a, int32_t b)
{
    return (b > 0 && a > INT32_MAX - b) || (b < 0 && a < INT32_MIN - b);
}

int32_t sym_width_index(const int32_t *m, int32_t n, int32_t bits)
{
    const int32_t hi = sym_q_max(bits);
    const int32_t lo = sym_q_min(bits);
    int32_t i;
    for (i = 0; i < n; ++i) {
        if (m[i] > hi || m[i] < lo) {
            return i;
        }
    }
    return -1;
}

int sym_check_width(const int32_t *m, int32_t n, int32_t bits)
{
    return sym_width_index(m, n, bits) < 0 ? SYM_OK : SYM_ERR_INT_OVERFLOW;
}

float sym_clamp_f(float v, float lo_f, float hi_f)
{
    float c = v;
    if (c < lo_f) {
        c = lo_f;
    }
    if (c > hi_f) {
        c = hi_f;
    }
    return c;
}

int sym_scale_from_absmax(float absmax, int32_t q_hi, float *s_out)
{
    const float q_hi_f = (float)q_hi;
    float s;
    if (absmax == 0.0f) {
        s = 1.0f;
    } else {
        s = absmax / q_hi_f;
    }
    if (!sym_scale_is_valid(s)) {
        return SYM_ERR_SCALE_UNDERFLOW;
    }
    *s_out = s;
    return SYM_OK;
}

int sym_rounding_check(int32_t rounding, const uint32_t *rng_state)
{
    if (rounding != SYM_HALF_AWAY && rounding != SYM_SR_HALF_AWAY) {
        return SYM_ERR_BAD_ROUNDING;
    }
    if (rounding == SYM_HALF_AWAY) {
        return SYM_OK;
    }
    if (rng_state == NULL) {
        return SYM_ERR_NULL;
    }
    if (*rng_state == 0u) {
        return SYM_ERR_BAD_RNG;
    }
    return SYM_OK;
}

int sym_fail(sym_err *err, int status, const char *arg, int32_t index, const char *reason)
{
    if (err != NULL) {
        err->status = status;
        err->arg = arg;
        err->index = index;
        err->reason = reason;
    }
    return status;
}

int sym_rounding_fail(sym_err *err, int status)
{
    if (status == SYM_ERR_BAD_ROUNDING) {
        return sym_fail(err, status, "round.mode", -1, "rounding must be SYM_HALF_AWAY or SYM_SR_HALF_AWAY");
    }
    return sym_fail(err, status, "round.rng_state", -1, "SR_HALF_AWAY needs an RNG state that is not 0");
}

int sym_out_view_check(const sym_view *out, int32_t n, sym_err *err)
{
    if (out == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "out", -1, "out is NULL");
    }
    if (out->n != n) {
        return sym_fail(err, SYM_ERR_SHAPE, "out.n", -1, "out.n must equal the input length");
    }
    return SYM_OK;
}

int sym_first_null(const void *const *p, const char *const *names, int32_t n, sym_err *err)
{
    int32_t k;
    for (k = 0; k < n; ++k) {
        if (p[k] == NULL) {
            return sym_fail(err, SYM_ERR_NULL, names[k], -1, "a required pointer is NULL");
        }
    }
    return SYM_OK;
}

int sym_round_ctx_check(const sym_round_ctx *round, int with_order, sym_err *err)
{
    const uint32_t any_state = 1u; /* the mode alone first, then order, then the RNG */
    int status = sym_rounding_check(round->mode, &any_state);
    if (status != SYM_OK) {
        return sym_fail(err, status, "round.mode", -1, "rounding must be SYM_HALF_AWAY or SYM_SR_HALF_AWAY");
    }
    if (with_order && round->order != SYM_ORDER_RATIO && round->order != SYM_ORDER_CLAMP_FIRST) {
        return sym_fail(err, SYM_ERR_BAD_ORDER, "round.order", -1,
                        "order must be SYM_ORDER_RATIO or SYM_ORDER_CLAMP_FIRST");
    }
    status = sym_rounding_check(round->mode, round->rng_state);
    if (status != SYM_OK) {
        return sym_fail(err, status, "round.rng_state", -1, "SR_HALF_AWAY needs an RNG state that is not 0");
    }
    return SYM_OK;
}

int sym_float_step(const float *v, int32_t n, int32_t bits, const sym_round_ctx *round,
                   int32_t *out, float *scale, const char *what, sym_err *err)
{
    const int status = sym_float_to_sym(v, n, bits, round->mode, round->rng_state, out, scale);
    if (status != SYM_OK) {
        return sym_fail(err, status, what, -1, sym_status_name(status));
    }
    return SYM_OK;
}
