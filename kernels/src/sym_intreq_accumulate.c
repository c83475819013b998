/* Integer-only accumulate, HALF_AWAY: the fixed-scale accumulate (the
 * rescale helper per element, then an int32 add with width checks) and the
 * dynamic accumulate (two products, a float32 addition, the absmax, A / qMax,
 * one quotient and the half-away rounding per element), all on float32 bit
 * patterns with the integer steps of sym_intreq.h. The floats of the
 * interface are copied as bits; no float operation runs. Pass 1 validates
 * everything; pass 2 writes and cannot fail. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sym_intreq.h"
#include "sym_intreq_accumulate.h"
#include "sym_round.h"
#include "sym_status.h"

#define SYM_IQA_SIGN 0x80000000u
#define SYM_IQA_MAG 0x7FFFFFFFu
#define SYM_IQA_FRAC 0x7FFFFFu
#define SYM_IQA_HIDDEN 0x800000u
#define SYM_IQA_ONE 0x3F800000u     /* 1.0f, the scale of an all-zero result */
#define SYM_IQA_TWO_M125 0x01000000u /* 2^-125: a subnormal's fraction times it is the value times 2^24 */
#define SYM_IQA_SHIFT24 (24u << 23)  /* 2^24 added to a normal float32's exponent field */

/* The argument checks of both entries, in the order of the float kernels'
 * shared check with out == t: pointers, lengths, and inc not overlapping t. */
static int sym_iqa_check(const int32_t *t, int32_t n_t, const int32_t *inc, int32_t n_inc)
{
    if (t == NULL || inc == NULL) {
        return SYM_ERR_NULL;
    }
    if (n_t < 1 || n_inc < 1) {
        return SYM_ERR_EMPTY;
    }
    if (n_t != n_inc) {
        return SYM_ERR_SHAPE;
    }
    if (sym_ranges_overlap(t, (size_t)n_t * sizeof(int32_t), inc, (size_t)n_inc * sizeof(int32_t))) {
        return SYM_ERR_ALIAS;
    }
    return SYM_OK;
}

/* ---- the fixed-scale accumulate -------------------------------------- */

/* The status of element i of sym_accumulate_fixed: the rescale guard, then
 * t_i inside its width, then t_i + d inside it (never overflowing: |d| <
 * 2^30 + 2^15, the guard); *d gets the rescaled increment. */
static int sym_iqa_fixed_element(int32_t ti, int32_t inc_i, uint32_t inc_bits, const sym_intreq_divisor *t_div,
                                 int32_t q_lo, int32_t q_hi, int32_t *d)
{
    if (sym_intreq_rescale_by(inc_i, inc_bits, t_div, d) != SYM_OK) {
        return SYM_ERR_RANGE_GUARD;
    }
    if (ti > q_hi || ti < q_lo) {
        return SYM_ERR_INT_OVERFLOW;
    }
    if (*d > 0 && ti > q_hi - *d) {
        return SYM_ERR_INT_OVERFLOW;
    }
    if (*d < 0 && ti < q_lo - *d) {
        return SYM_ERR_INT_OVERFLOW;
    }
    return SYM_OK;
}

int sym_intreq_accumulate_fixed(int32_t *t, int32_t n_t, float s_t, int32_t q_max_bits_t,
                                const int32_t *inc, int32_t n_inc, float s_inc)
{
    uint32_t t_bits = 0u; /* the bits of s_t and s_inc, copied below */
    uint32_t inc_bits = 0u;
    sym_intreq_divisor t_div;
    int32_t q_hi;
    int32_t q_lo;
    int32_t i;
    int status;

    /* ---- pass 1: validate ---- */
    status = sym_iqa_check(t, n_t, inc, n_inc);
    if (status != SYM_OK) {
        return status;
    }
    if (q_max_bits_t < 2 || q_max_bits_t > 32) {
        return SYM_ERR_BAD_WIDTH;
    }
    memcpy(&t_bits, &s_t, sizeof t_bits);
    memcpy(&inc_bits, &s_inc, sizeof inc_bits);
    if (!sym_intreq_scale_ok(t_bits) || !sym_intreq_scale_ok(inc_bits)) {
        return SYM_ERR_BAD_SCALE;
    }
    q_hi = sym_q_max(q_max_bits_t);
    q_lo = sym_q_min(q_max_bits_t);
    sym_intreq_divisor_init(t_bits, &t_div); /* once: every element divides by s_t */
    for (i = 0; i < n_t; ++i) {
        int32_t d = 0;
        status = sym_iqa_fixed_element(t[i], inc[i], inc_bits, &t_div, q_lo, q_hi, &d);
        if (status != SYM_OK) {
            return status;
        }
    }

    /* ---- pass 2: write (cannot fail: same inputs as pass 1) ---- */
    for (i = 0; i < n_t; ++i) {
        int32_t d = 0;
        (void)sym_intreq_rescale_by(inc[i], inc_bits, &t_div, &d);
        t[i] += d;
    }
    return SYM_OK;
}

/* ---- the dynamic accumulate ------------------------------------------ */

/* The bits of fl(fl(m) * s) for an int32 m and a positive normal s: the
 * product of the magnitude, with m's sign (float32 rounding to nearest is
 * symmetric); +0 for m = 0, +-inf on overflow. */
static uint32_t sym_iqa_product(int32_t m, uint32_t s_bits)
{
    const uint32_t a = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
    const uint32_t p = sym_intreq_mul_int(a, s_bits);
    return m < 0 ? p | SYM_IQA_SIGN : p;
}

/* The bits of v_i = fl(fl(fl(t_i) * s_t) + fl(fl(inc_i) * s_inc)). */
static uint32_t sym_iqa_value(int32_t ti, uint32_t t_bits, int32_t inc_i, uint32_t inc_bits)
{
    return sym_intreq_add_bits(sym_iqa_product(ti, t_bits), sym_iqa_product(inc_i, inc_bits));
}

/* The bits of fl(|v| / s) for a finite |v| (any non-negative float32 below
 * inf, as bits) and a positive normal s (also prepared in *s_div), in the
 * convention of sym_intreq_div_bits: 0 when the quotient is subnormal or 0,
 * +inf's bits on overflow. A normal v takes the prepared divisor
 * (sym_intreq_div_by). The dividers take normal operands only: v = 0 gives 0, and a
 * subnormal v is divided as v * 2^24 by s * 2^24 (both exact, the same
 * quotient) when s < 2^-125; from s >= 2^-125 on |v / s| < 1/2, which rounds
 * to 0 like a 0 quotient. */
static uint32_t sym_iqa_quotient(uint32_t v_mag, uint32_t s_bits, const sym_intreq_divisor *s_div)
{
    if ((v_mag >> 23) != 0u) {
        return sym_intreq_div_by(v_mag, s_div);
    }
    if (v_mag == 0u || (s_bits >> 23) > 1u) {
        return 0u;
    }
    return sym_intreq_div_bits(sym_intreq_mul_int(v_mag, SYM_IQA_TWO_M125), s_bits + SYM_IQA_SHIFT24);
}

/* round_half_away of a non-negative float32 given as bits in the convention
 * of sym_intreq_div_bits, or q_sat when the value is >= 2^15 (+inf included;
 * it then saturates at every width <= 16), then clamped at q_sat: the
 * rounding step of the fixed-scale core (sym_intreq.c, lemma
 * intreq.fixed_round). The value is sig * 2^(ef - 150). */
static uint32_t sym_iqa_round(uint32_t w_bits, uint32_t q_sat)
{
    const uint32_t ef = w_bits >> 23;
    uint32_t d;
    uint32_t k;
    if (ef > 141u) {
        return q_sat;
    }
    if (ef < 126u) { /* below 1/2: 0, subnormal and the tiny normals */
        return 0u;
    }
    d = 150u - ef;
    k = (((w_bits & SYM_IQA_FRAC) | SYM_IQA_HIDDEN) + (1u << (d - 1u))) >> d;
    return k > q_sat ? q_sat : k;
}

/* The new mantissa of one element: clamp(round_half_away(fl(v / s_new))). */
static int32_t sym_iqa_requant(uint32_t v_bits, uint32_t new_bits, const sym_intreq_divisor *new_div,
                               uint32_t q_hi)
{
    const int negative = (v_bits & SYM_IQA_SIGN) != 0u;
    const uint32_t k = sym_iqa_round(sym_iqa_quotient(v_bits & SYM_IQA_MAG, new_bits, new_div),
                                     negative ? q_hi + 1u : q_hi);
    return negative ? -(int32_t)k : (int32_t)k;
}

int sym_intreq_accumulate_dynamic(int32_t *t, int32_t n_t, float *s_t, int32_t q_max_bits_t,
                                  const int32_t *inc, int32_t n_inc, float s_inc)
{
    uint32_t t_bits = 0u; /* the bits of *s_t and s_inc, copied below */
    uint32_t inc_bits = 0u;
    uint32_t absmax = 0u;  /* max |v_i| as bits: non-negative floats order as their bits */
    uint32_t new_bits;
    sym_intreq_divisor new_div;
    uint32_t q_hi;
    size_t bytes;
    int32_t i;
    int status;

    /* ---- pass 1: validate ---- */
    if (s_t == NULL) {
        return SYM_ERR_NULL;
    }
    status = sym_iqa_check(t, n_t, inc, n_inc);
    if (status != SYM_OK) {
        return status;
    }
    if (q_max_bits_t < 2 || q_max_bits_t > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    bytes = (size_t)n_t * sizeof(int32_t);
    if (sym_ranges_overlap(s_t, sizeof *s_t, t, bytes) || sym_ranges_overlap(s_t, sizeof *s_t, inc, bytes)) {
        return SYM_ERR_ALIAS;
    }
    memcpy(&t_bits, s_t, sizeof t_bits);
    memcpy(&inc_bits, &s_inc, sizeof inc_bits);
    if (!sym_intreq_scale_ok(t_bits) || !sym_intreq_scale_ok(inc_bits)) {
        return SYM_ERR_BAD_SCALE;
    }
    for (i = 0; i < n_t; ++i) {
        const uint32_t mag = sym_iqa_value(t[i], t_bits, inc[i], inc_bits) & SYM_IQA_MAG;
        if ((mag >> 23) == 0xFFu) { /* inf, or inf + -inf = NaN */
            return SYM_ERR_FLOAT_OVERFLOW;
        }
        if (mag > absmax) {
            absmax = mag;
        }
    }
    /* s_new = fl(A / fl(qMax)), fl(qMax) = fl(qMax * 1.0f) exact; a
     * subnormal A gives a subnormal or 0 quotient (qMax >= 1), as does a
     * normal A whose quotient the divider reports as 0 */
    q_hi = (uint32_t)sym_q_max(q_max_bits_t);
    new_bits = SYM_IQA_ONE;
    if (absmax != 0u) {
        new_bits = 0u;
        if ((absmax >> 23) != 0u) {
            new_bits = sym_intreq_div_bits(absmax, sym_intreq_mul_int(q_hi, SYM_IQA_ONE));
        }
        if (new_bits == 0u) {
            return SYM_ERR_SCALE_UNDERFLOW;
        }
    }

    /* ---- pass 2: write (cannot fail); v_i is computed from t_i before t_i is written ---- */
    sym_intreq_divisor_init(new_bits, &new_div); /* once: every normal v_i divides by s_new */
    for (i = 0; i < n_t; ++i) {
        t[i] = sym_iqa_requant(sym_iqa_value(t[i], t_bits, inc[i], inc_bits), new_bits, &new_div, q_hi);
    }
    memcpy(s_t, &new_bits, sizeof new_bits);
    return SYM_OK;
}
