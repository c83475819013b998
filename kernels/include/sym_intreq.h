/* Integer-only requant core (docs/integer-only.md): the per-element step of
 * the ratio-order dynamic requant, clamp(round_half_away(fl(fl(m) * r))),
 * computed on integer fields only, bit-exact with the float32 kernels. */
#ifndef SYM_INTREQ_H
#define SYM_INTREQ_H

#include <stdint.h>
#include "sym_status.h"

/* One element: *out = clamp(roundf((float)m * r), qMin, qMax) of width
 * q_max_bits, exactly the bits of sym_round_sat(HALF_AWAY) on the float32
 * product, with r given as its IEEE-754 bits r_bits. No float operation.
 * Errors: NULL, BAD_WIDTH (q_max_bits outside 2..16), BAD_SCALE (r_bits not
 * a positive, finite, normal float32). *out is untouched on error. */
int sym_intreq_one(int32_t m, uint32_t r_bits, int32_t q_max_bits, int32_t *out);

/* The per-element loop of the ratio order: m_out[i] = the sym_intreq_one
 * result of m_in[i] for i < n (m_out == m_in allowed). Precondition (the
 * caller validates): n >= 0, q_max_bits in 2..16, r_bits a positive normal
 * float32, no partial overlap of the buffers. */
void sym_intreq_ratio_loop(const int32_t *m_in, int32_t n, uint32_t r_bits,
                           int32_t q_max_bits, int32_t *m_out);

/* max_i |m_in[i]| as an unsigned magnitude (|INT32_MIN| = 2^31), 0 for
 * n <= 0. Since fl is monotone, fl(fl(max|m|) * s) is the float32 absmax
 * max_i |fl(fl(m_i) * s)| of the float kernels. */
uint32_t sym_intreq_max_magnitude(const int32_t *m_in, int32_t n);

/* The scale-side steps of the dynamic requant on float32 bit patterns, with
 * integer operations only (docs/integer-only.md, lemmas intreq.mul_* and
 * intreq.div_*). SYM_INTREQ_INF is the bit pattern of +inf. */
#define SYM_INTREQ_INF 0x7F800000u

/* The bits of fl(fl(a) * s) (float32, round to nearest even) for an
 * unsigned a (any uint32) and a positive normal finite s given as its bits
 * s_bits (precondition; sym_intreq_scale_ok). 0 for a = 0, SYM_INTREQ_INF when
 * the product overflows to inf; otherwise a positive normal float32 (never
 * subnormal: fl(a) >= 1). */
uint32_t sym_intreq_mul_int(uint32_t a, uint32_t s_bits);

/* The bits of fl(n / d) (float32, round to nearest even) for positive normal
 * finite n and d given as bits (precondition) when that quotient is normal;
 * 0 when it is subnormal or 0 (below 2^-126 after the rounding);
 * SYM_INTREQ_INF when it overflows to inf. Restoring division, no divide. */
uint32_t sym_intreq_div_bits(uint32_t n_bits, uint32_t d_bits);

/* 1 if s_bits is a positive, finite, normal float32 (sym_scale_is_valid on
 * the bits), else 0. */
int sym_intreq_scale_ok(uint32_t s_bits);

/* The fixed-scale element (the clamp-first order): *out =
 * roundf(clamp(fl(fl((float)m * s) / t), qMin, qMax)) of width q_max_bits,
 * exactly the bits of the float32 loop of sym_requant_fixed (HALF_AWAY),
 * with s and t given as their bits. Integer operations only
 * (sym_intreq_mul_int, sym_intreq_div_by on t prepared by
 * sym_intreq_divisor_init, then half away on the bits).
 * Errors: NULL, BAD_WIDTH (q_max_bits outside 2..16), BAD_SCALE (s_bits or
 * t_bits not a positive, finite, normal float32). *out is untouched on error. */
int sym_intreq_fixed_one(int32_t m, uint32_t s_bits, uint32_t t_bits, int32_t q_max_bits, int32_t *out);

/* The per-element loop of the fixed-scale requant: m_out[i] = the
 * sym_intreq_fixed_one result of m_in[i] for i < n (m_out == m_in allowed).
 * Precondition (the caller validates): n >= 0, q_max_bits in 2..16, s_bits
 * and t_bits positive normal float32, no partial overlap of the buffers. */
void sym_intreq_fixed_loop(const int32_t *m_in, int32_t n, uint32_t s_bits, uint32_t t_bits,
                           int32_t q_max_bits, int32_t *m_out);

/* The bits of SYM_RESCALE_GUARD_F (1073774464.0f, sym_requant.h). */
#define SYM_INTREQ_RESCALE_GUARD 0x4E8000FFu

/* sym_rescale_to_acc(q, s_p, s_acc, out) with s_p and s_acc given as bits:
 * r = fl(fl((float)q * s_p) / s_acc), guard |r| <= SYM_RESCALE_GUARD_F,
 * *out = roundf(r), with the same statuses and bits, in integer operations
 * only (sym_intreq_mul_int, sym_intreq_div_bits, half away on the bits).
 * Errors (in this order): NULL, BAD_SCALE (s_p_bits or s_acc_bits not a
 * positive, finite, normal float32), RANGE_GUARD (|r| above the guard, or
 * inf). *out is untouched on error. */
int sym_intreq_rescale_bits(int32_t q, uint32_t s_p_bits, uint32_t s_acc_bits, int32_t *out);

/* ---- the prepared divisor (fdiv): many exact divisions by one float32 ---- */

/* A positive normal float32 divisor d prepared for sym_intreq_div_by:
 * md = its significand in [2^23, 2^24), R = floor((2^49 - 1) / md) in
 * [2^25, 2^26) as r_hi * 2^16 + r_lo, exp = its exponent field. */
typedef struct {
    uint32_t md;
    uint32_t r_hi;
    uint32_t r_lo;
    int32_t exp;
} sym_intreq_divisor;

/* Fills *dv for d given as its bits d_bits. Precondition: d positive normal
 * finite (sym_intreq_scale_ok), dv not NULL. 25 restoring steps, no divide. */
void sym_intreq_divisor_init(uint32_t d_bits, sym_intreq_divisor *dv);

/* Exactly sym_intreq_div_bits(n_bits, d_bits) for the d that *dv was
 * prepared from: the bits of fl(n / d) when normal, 0 when subnormal or 0,
 * SYM_INTREQ_INF on overflow (n positive normal: precondition). A quotient
 * estimate from four 16x16 products and one exact correction step on the
 * remainder (lemmas intreq.fdiv_*). */
uint32_t sym_intreq_div_by(uint32_t n_bits, const sym_intreq_divisor *dv);

/* sym_intreq_rescale_bits(q, s_p_bits, s_acc_bits, out) with s_acc prepared
 * once in *acc (sym_intreq_divisor_init), for loops that rescale many
 * values into one accumulator scale: the same statuses and bits, with
 * sym_intreq_div_by in place of sym_intreq_div_bits (lemmas intreq.fdiv_*).
 * Precondition (the caller validates): s_p_bits and the prepared s_acc
 * positive normal float32, acc and out not NULL. Errors: RANGE_GUARD only. */
int sym_intreq_rescale_by(int32_t q, uint32_t s_p_bits, const sym_intreq_divisor *acc, int32_t *out);

/* ---- the float-by-float multiply (fdiv): the kernels' scale products ---- */

/* The bits of fl(a * b) (float32, round to nearest even) for positive normal
 * finite a and b given as bits (precondition; sym_intreq_scale_ok): a
 * normal float32, a subnormal one (rounded on the 2^-149 grid, so 2^-126
 * when it rounds up to it), 0, or SYM_INTREQ_INF on overflow. The 48-bit
 * significand product from 12x12 partial products (lemmas intreq.mulf_*). */
uint32_t sym_intreq_mul_bits(uint32_t a_bits, uint32_t b_bits);
/* The float32 adder (sym_intreq_add.c): the IEEE-754 bits of fl(a + b),
 * binary32, round to nearest even, for a and b given as bits: signed zeros
 * (x + -x = +0, -0 + -0 = -0), subnormal operands and results, overflow to
 * +-inf, inf operands; inf + -inf gives the quiet NaN 0x7FC00000, and a NaN
 * operand gives a NaN. Integer operations only (lemmas intreq.add*). */
uint32_t sym_intreq_add_bits(uint32_t a_bits, uint32_t b_bits);

/* The per-element loop of the ratio order with stochastic rounding
 * (sym_round_sat with SYM_SR_HALF_AWAY): for i < n, one xorshift32 step of
 * *state gives u = (state >> 8) * 2^-24, and m_out[i] =
 * clamp(roundf(fl(fl(fl(m_in[i]) * r) + u) - 0.5f), qMin, qMax), the
 * float32 operations done by sym_intreq_mul_int and sym_intreq_add_bits on
 * bits. Precondition (the caller validates): n >= 0, q_max_bits in 2..16,
 * r_bits a positive normal float32, *state != 0 and outside the buffers,
 * no partial overlap of the buffers (m_out == m_in allowed). */
void sym_intreq_sr_loop(const int32_t *m_in, int32_t n, uint32_t r_bits, int32_t q_max_bits,
                        uint32_t *state, int32_t *m_out);

#endif /* SYM_INTREQ_H */
