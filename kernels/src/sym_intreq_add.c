/* Integer-only float32 adder: the bits of fl(a + b) (binary32, round to
 * nearest even) from the bits of a and b, for cores without an FPU. No
 * float type, no 64-bit type, no divide. Proven equal to fpAdd(RNE, a, b)
 * for every non-NaN pair by the intreq.add* lemmas (proofs/intreq_add.py,
 * docs/integer-only.md). */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stdint.h>

#include "sym_intreq.h"

#define SYM_IA_SIGN 0x80000000u
#define SYM_IA_MAG 0x7FFFFFFFu
#define SYM_IA_FRAC 0x7FFFFFu
#define SYM_IA_HIDDEN 0x800000u
#define SYM_IA_INF 0x7F800000u
#define SYM_IA_QNAN 0x7FC00000u
#define SYM_IA_TOP 0x4000000u  /* the hidden bit with the 3 guard/round/sticky bits: 2^26 */
#define SYM_IA_CARRY 0x8000000u /* 2^27: an effective addition carried out */

/* Number of significant bits of 0 < x < 2^27, by binary search: no clz
 * instruction on ARMv6-M, and __builtin_clz would call libgcc. */
static int32_t sym_ia_bit_length(uint32_t x)
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

uint32_t sym_intreq_add_bits(uint32_t a_bits, uint32_t b_bits)
{
    uint32_t x = a_bits; /* the operand of larger magnitude */
    uint32_t y = b_bits;
    uint32_t sign;
    uint32_t mx;
    uint32_t my;
    uint32_t kept;
    uint32_t m;
    uint32_t grs;
    int32_t ex;
    int32_t ey;
    int32_t d;
    int32_t s;
    uint32_t r;
    if ((x & SYM_IA_MAG) < (y & SYM_IA_MAG)) {
        x = b_bits;
        y = a_bits;
    }
    ex = (int32_t)((x >> 23) & 0xFFu);
    ey = (int32_t)((y >> 23) & 0xFFu);
    if (ex == 0xFF) { /* x is inf (or NaN); inf + -inf is the quiet NaN */
        if ((y & SYM_IA_MAG) == SYM_IA_INF && ((x ^ y) & SYM_IA_SIGN) != 0u) {
            return SYM_IA_QNAN;
        }
        return x;
    }
    sign = x & SYM_IA_SIGN;
    /* significands with 3 extra low bits (guard, round, sticky); a
     * subnormal has no hidden bit and the exponent of the smallest normal */
    mx = (x & SYM_IA_FRAC) << 3;
    my = (y & SYM_IA_FRAC) << 3;
    if (ex != 0) {
        mx |= SYM_IA_TOP;
    } else {
        ex = 1;
    }
    if (ey != 0) {
        my |= SYM_IA_TOP;
    } else {
        ey = 1;
    }
    /* from d = 26 on, |y| < ulp(x) / 4, less than half the spacing below
     * x even when x is a power of two: x is the rounded sum */
    d = ex - ey;
    if (d > 25) {
        return x;
    }
    /* align y to x; the bits shifted out are ORed into the sticky bit */
    kept = my >> d;
    if ((kept << d) != my) {
        kept |= 1u;
    }
    my = kept;
    if (((x ^ y) & SYM_IA_SIGN) != 0u) {
        m = mx - my; /* >= 0: |x| >= |y| */
        if (m == 0u) {
            return 0u; /* x + -x = +0 */
        }
    } else {
        m = mx + my; /* 0 only for +0 + +0 or -0 + -0: the sign is kept below */
    }
    /* normalise the leading bit to 2^26, or stop at the smallest exponent
     * (a subnormal result) */
    if (m >= SYM_IA_CARRY) {
        m = (m >> 1) | (m & 1u);
        ex += 1;
    } else {
        s = 27 - sym_ia_bit_length(m);
        if (s >= ex) {
            s = ex - 1;
        }
        m <<= s;
        ex -= s;
    }
    grs = m & 7u;
    m >>= 3;
    if (grs > 4u || (grs == 4u && (m & 1u) != 0u)) { /* round to nearest, ties to even */
        m += 1u;
    }
    /* the hidden bit of m adds 1 to the exponent field (none for a
     * subnormal m, ex = 1); a carry of the rounding to 2^24 adds one more */
    r = ((uint32_t)(ex - 1) << 23) + m;
    if ((r >> 23) >= 0xFFu) { /* exponent field 255 or above: overflow */
        return sign | SYM_IA_INF;
    }
    return sign | r;
}
