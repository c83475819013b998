/* Integer-only requant core: clamp(round_half_away(fl(fl(m) * r))) on the
 * integer mantissa and exponent fields, for cores without an FPU.
 * No float type, no 64-bit type: the 24x24 -> 48-bit significand product is
 * built from four 12x12 -> 24-bit partial products (ARMv6-M has no long
 * multiply). Proven equal to the float32 expression by the intreq.* lemmas
 * (proofs/intreq.py, docs/integer-only.md). */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stddef.h>
#include <stdint.h>

#include "sym_intreq.h"
#include "sym_status.h"

#define SYM_IQ_HIDDEN 0x800000u /* the implicit leading 1 of a float32 significand */
#define SYM_IQ_FRAC 0x7FFFFFu
#define SYM_IQ_LOW24 0xFFFFFFu
#define SYM_IQ_LOW12 0xFFFu

/* Number of significant bits of x > 0 (1..32), by binary search: no clz
 * instruction on ARMv6-M, and __builtin_clz would call libgcc. */
static int32_t sym_iq_bit_length(uint32_t x)
{
    int32_t n = 1;
    if (x >= 0x10000u) {
        x >>= 16;
        n += 16;
    }
    if (x >= 0x100u) {
        x >>= 8;
        n += 8;
    }
    if (x >= 0x10u) {
        x >>= 4;
        n += 4;
    }
    if (x >= 0x4u) {
        x >>= 2;
        n += 2;
    }
    if (x >= 0x2u) {
        n += 1;
    }
    return n;
}

/* Magnitude of the per-element result for a > 0, before the clamp:
 * round_half_away(fl(fl(a) * r)) where r = mr * 2^(er - 150), or q_sat
 * when that value is >= 2^16 (it then saturates at every width <= 16). */
static uint32_t sym_iq_magnitude(uint32_t a, uint32_t mr, int32_t er, uint32_t q_sat)
{
    const int32_t len = sym_iq_bit_length(a);
    uint32_t ma;
    int32_t ea;
    uint32_t ah;
    uint32_t al;
    uint32_t bh;
    uint32_t bl;
    uint32_t mid;
    uint32_t lo;
    uint32_t hi;
    uint32_t top;
    uint32_t rem;
    uint32_t half;
    int32_t e;
    int32_t d;
    /* fl(a) = ma * 2^ea with ma in [2^23, 2^24): exact for len <= 24, else
     * round-to-nearest-even of the dropped bits. */
    if (len <= 24) {
        ma = a << (24 - len);
        ea = len - 24;
    } else {
        ea = len - 24;
        ma = a >> ea;
        rem = a & ((1u << ea) - 1u);
        half = 1u << (ea - 1);
        if (rem > half || (rem == half && (ma & 1u) != 0u)) {
            ma += 1u;
        }
        if (ma > SYM_IQ_LOW24) { /* rounded up to 2^24 */
            ma >>= 1;
            ea += 1;
        }
    }
    /* P = ma * mr = hi * 2^24 + lo, from 12-bit halves. */
    ah = ma >> 12;
    al = ma & SYM_IQ_LOW12;
    bh = mr >> 12;
    bl = mr & SYM_IQ_LOW12;
    mid = ah * bl + al * bh;
    lo = al * bl + ((mid & SYM_IQ_LOW12) << 12);
    hi = ah * bh + (mid >> 12) + (lo >> 24);
    lo &= SYM_IQ_LOW24;
    /* P is in [2^46, 2^48): keep its top 24 bits (top), the dropped bits
     * (rem) and their half, then round to nearest. The tie rule of this
     * rounding never changes the result (a tie only moves an even top to
     * top + 1, and the half-away step below gives the same integer for
     * both), so ties go up (lemma intreq.round). */
    if (hi > SYM_IQ_FRAC) {
        top = hi;
        rem = lo;
        half = SYM_IQ_HIDDEN;
        e = 24;
    } else {
        top = (hi << 1) | (lo >> 23);
        rem = lo & SYM_IQ_FRAC;
        half = SYM_IQ_HIDDEN >> 1;
        e = 23;
    }
    if (rem >= half) {
        top += 1u;
    }
    /* fl(fl(a) * r) = top * 2^e, top in [2^23, 2^24]. An overflow to inf
     * (e large) saturates; a subnormal or tiny product (e very negative)
     * is below 1/2 and rounds to 0. */
    e = e + ea + er - 150;
    if (e > -8) {
        return q_sat;
    }
    if (e < -25) {
        return 0u;
    }
    d = -e;
    return (top + (1u << (d - 1))) >> d; /* half away from zero on the magnitude */
}

/* The core for a validated width and scale: the clamped signed result. */
static int32_t sym_iq_requant(int32_t m, uint32_t mr, int32_t er, uint32_t q_hi)
{
    uint32_t a;
    uint32_t k;
    if (m == 0) {
        return 0;
    }
    if (m > 0) {
        a = (uint32_t)m;
        k = sym_iq_magnitude(a, mr, er, q_hi);
        if (k > q_hi) {
            k = q_hi;
        }
        return (int32_t)k;
    }
    a = 0u - (uint32_t)m;
    k = sym_iq_magnitude(a, mr, er, q_hi + 1u);
    if (k > q_hi + 1u) {
        k = q_hi + 1u;
    }
    return -(int32_t)k;
}

static uint32_t sym_iq_q_hi(int32_t q_max_bits)
{
    return (1u << (q_max_bits - 1)) - 1u;
}

int sym_intreq_one(int32_t m, uint32_t r_bits, int32_t q_max_bits, int32_t *out)
{
    const int32_t er = (int32_t)((r_bits >> 23) & 0xFFu);
    if (out == NULL) {
        return SYM_ERR_NULL;
    }
    if (q_max_bits < 2 || q_max_bits > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    if ((r_bits >> 31) != 0u || er == 0 || er == 0xFF) { /* negative, zero, subnormal, inf, NaN */
        return SYM_ERR_BAD_SCALE;
    }
    *out = sym_iq_requant(m, (r_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN, er, sym_iq_q_hi(q_max_bits));
    return SYM_OK;
}

void sym_intreq_ratio_loop(const int32_t *m_in, int32_t n, uint32_t r_bits,
                           int32_t q_max_bits, int32_t *m_out)
{
    const uint32_t mr = (r_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN;
    const int32_t er = (int32_t)((r_bits >> 23) & 0xFFu);
    const uint32_t q_hi = sym_iq_q_hi(q_max_bits);
    int32_t i;
    for (i = 0; i < n; ++i) {
        m_out[i] = sym_iq_requant(m_in[i], mr, er, q_hi);
    }
}

uint32_t sym_intreq_max_magnitude(const int32_t *m_in, int32_t n)
{
    uint32_t best = 0u;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t m = m_in[i];
        const uint32_t a = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
        if (a > best) {
            best = a;
        }
    }
    return best;
}
