/* Support functions shared by the kernel families (the role CMSIS-NN's
 * arm_nnsupportfunctions.h plays for its kernels).
 *
 * INTERNAL: not part of the public API. The declarations live in
 * kernels/include only so that every kernel source shares one definition
 * (and the cffi test binding, which reads every header, can reach them);
 * firmware calls the family kernels, never these. Callers validate their
 * arguments first: these functions check nothing beyond what they document.
 * No globals, no allocation; C99. */
#ifndef SYM_SUPPORT_H
#define SYM_SUPPORT_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* 1 if a + b leaves int32 (tested without overflowing), else 0. */
int sym_add_overflows(int32_t a, int32_t b);

/* The flat index of the first m[i] (i < n) outside [qMin, qMax] of bits
 * (2..32), or -1 if every one lies inside: the index sym_err names. */
int32_t sym_width_index(const int32_t *m, int32_t n, int32_t bits);

/* SYM_OK if every m[i] (i < n) lies in [qMin, qMax] of bits (2..32), else
 * SYM_ERR_INT_OVERFLOW. */
int sym_check_width(const int32_t *m, int32_t n, int32_t bits);

/* The rounding arguments every rounding kernel validates, in this order:
 * SYM_ERR_BAD_ROUNDING unless rounding is SYM_HALF_AWAY or SYM_SR_HALF_AWAY;
 * for SR, SYM_ERR_NULL for a NULL rng_state and SYM_ERR_BAD_RNG for a state
 * of 0 (xorshift32 would stay 0). SYM_OK otherwise; rng_state is never
 * read under SYM_HALF_AWAY. */
int sym_rounding_check(int32_t rounding, const uint32_t *rng_state);

/* Name a failed sym_rounding_check status in *err (may be NULL) as the
 * primitives' _ex entry points do: BAD_ROUNDING is "round.mode", NULL and
 * BAD_RNG are "round.rng_state". Returns status. */
int sym_rounding_fail(sym_err *err, int status);

/* Clamp v to [lo_f, hi_f] in float32 (lo_f <= hi_f; NaN passes through). */
float sym_clamp_f(float v, float lo_f, float hi_f);

/* Dynamic scale from a finite absmax >= 0 for the width whose qMax is q_hi:
 * s = 1 if absmax == 0, else absmax / (float)q_hi. Writes s to *s_out and
 * returns SYM_OK if s is a valid scale, else SYM_ERR_SCALE_UNDERFLOW (*s_out
 * untouched). Callers check absmax's finiteness themselves: their statuses
 * differ (NONFINITE_INPUT, FLOAT_OVERFLOW) and come first. */
int sym_scale_from_absmax(float absmax, int32_t q_hi, float *s_out);

/* Fill *err (if not NULL) with status, argument name, element index (-1 if
 * none) and reason (string literals); return status. For the layer entry
 * points and the primitives' _ex cores: the one place an error detail is
 * written. */
int sym_fail(sym_err *err, int status, const char *arg, int32_t index, const char *reason);

/* The output view of a primitive's _ex entry point: SYM_ERR_NULL ("out")
 * if out is NULL, SYM_ERR_SHAPE ("out.n") unless out->n == n, else SYM_OK. */
int sym_out_view_check(const sym_view *out, int32_t n, sym_err *err);

/* SYM_OK if none of the n pointers p[k] is NULL, else SYM_ERR_NULL with
 * *err naming the first NULL one (names[k]). */
int sym_first_null(const void *const *p, const char *const *names, int32_t n, sym_err *err);

/* Validate a rounding context as the layer entry points do (mode, then
 * order when with_order, then the RNG for SR): SYM_OK or the failing status
 * with *err filled ("round.mode", "round.order", "round.rng_state"). */
int sym_round_ctx_check(const sym_round_ctx *round, int with_order, sym_err *err);

/* The float32 -> SYM step closing a float layer step: sym_float_to_sym of
 * v[0..n-1] to bits with round (mode, RNG only for SR) into out->m and
 * *scale; a failure is named after the output `what` in *err. */
int sym_float_step(const float *v, int32_t n, int32_t bits, const sym_round_ctx *round,
                   int32_t *out, float *scale, const char *what, sym_err *err);

#endif /* SYM_SUPPORT_H */
