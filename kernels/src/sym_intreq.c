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
#define SYM_IQ_LOW16 0xFFFFu
#define SYM_IQ_INF SYM_INTREQ_INF
#define SYM_IQ_SIGN 0x80000000u
#define SYM_IQ_MINUS_HALF 0xBF000000u /* -0.5f */

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

/* fl(a) = ma * 2^ea for a > 0 with ma in [2^23, 2^24): exact for a <= 2^24,
 * else round-to-nearest-even of the dropped bits (and the carry to 2^24). */
static inline uint32_t sym_iq_fl(uint32_t a, int32_t *ea_out)
{
    const int32_t len = sym_iq_bit_length(a);
    int32_t ea = len - 24;
    uint32_t ma;
    uint32_t rem;
    uint32_t half;
    if (len <= 24) {
        ma = a << (24 - len);
    } else {
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
    *ea_out = ea;
    return ma;
}

/* The 48-bit product P = ma * mr of two 24-bit significands as
 * hi * 2^24 + lo (returns hi, writes lo), from 12-bit halves. */
static inline uint32_t sym_iq_mul48(uint32_t ma, uint32_t mr, uint32_t *lo_out)
{
    const uint32_t ah = ma >> 12;
    const uint32_t al = ma & SYM_IQ_LOW12;
    const uint32_t bh = mr >> 12;
    const uint32_t bl = mr & SYM_IQ_LOW12;
    const uint32_t mid = ah * bl + al * bh;
    const uint32_t lo = al * bl + ((mid & SYM_IQ_LOW12) << 12);
    *lo_out = lo & SYM_IQ_LOW24;
    return ah * bh + (mid >> 12) + (lo >> 24);
}

/* Magnitude of the per-element result for a > 0, before the clamp:
 * round_half_away(fl(fl(a) * r)) where r = mr * 2^(er - 150), or q_sat
 * when that value is >= 2^16 (it then saturates at every width <= 16). */
static uint32_t sym_iq_magnitude(uint32_t a, uint32_t mr, int32_t er, uint32_t q_sat)
{
    int32_t ea;
    const uint32_t ma = sym_iq_fl(a, &ea);
    uint32_t lo;
    const uint32_t hi = sym_iq_mul48(ma, mr, &lo);
    uint32_t top;
    uint32_t rem;
    uint32_t half;
    int32_t e;
    int32_t d;
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

uint32_t sym_intreq_mul_int(uint32_t a, uint32_t s_bits)
{
    int32_t ea;
    uint32_t ma;
    uint32_t lo;
    uint32_t hi;
    uint32_t sig;
    uint32_t rem;
    uint32_t half;
    int32_t e;
    if (a == 0u) {
        return 0u;
    }
    ma = sym_iq_fl(a, &ea);
    hi = sym_iq_mul48(ma, (s_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN, &lo);
    /* e: the biased exponent of the 24-bit significand sig; e >= 1 since
     * fl(a) >= 1 and s is normal, so the product is never subnormal. */
    e = ea + (int32_t)(s_bits >> 23);
    if (hi > SYM_IQ_FRAC) {
        sig = hi;
        rem = lo;
        half = SYM_IQ_HIDDEN;
        e += 24;
    } else {
        sig = (hi << 1) | (lo >> 23);
        rem = lo & SYM_IQ_FRAC;
        half = SYM_IQ_HIDDEN >> 1;
        e += 23;
    }
    if (rem > half || (rem == half && (sig & 1u) != 0u)) { /* ties to even: this result is a scale */
        sig += 1u;
    }
    if (e > 254) {
        return SYM_IQ_INF;
    }
    /* the hidden bit of sig adds 1 to the exponent field; a carry of the
     * rounding to 2^24 adds one more (up to inf from e = 254) */
    return ((uint32_t)(e - 1) << 23) + sig;
}

/* The rounding of a significand quotient q = floor(mn * 2^24 / md) in
 * [2^24, 2^25) (24 bits and a round bit; sticky: the remainder is not 0)
 * with the biased exponent e of its leading bit: the bits of fl(n / d),
 * 0 below 2^-126, inf on overflow. */
static inline uint32_t sym_iq_div_round(uint32_t q, int sticky, int32_t e)
{
    uint32_t sig;
    if (e > 254) {
        return SYM_IQ_INF;
    }
    if (e < 1) {
        /* below 2^-126: float32 rounds on the subnormal grid (2^-149); that
         * reaches the normal 2^-126 only from [2^-126 - 2^-150, 2^-126) */
        if (e == 0 && (q >> 1) == SYM_IQ_LOW24) {
            return SYM_IQ_HIDDEN;
        }
        return 0u;
    }
    sig = q >> 1;
    if ((q & 1u) != 0u && (sticky || (sig & 1u) != 0u)) { /* round to nearest, ties to even */
        sig += 1u;
    }
    /* no carry to 2^24: q / 2^24 <= 2 - 2^-23, below the last midpoint */
    return ((uint32_t)(e - 1) << 23) + sig;
}

uint32_t sym_intreq_div_bits(uint32_t n_bits, uint32_t d_bits)
{
    const uint32_t md = (d_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN;
    uint32_t rem = (n_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN;
    int32_t e = (int32_t)(n_bits >> 23) - (int32_t)(d_bits >> 23) + 127;
    uint32_t q = 0u;
    int32_t i;
    if (rem < md) { /* make the significand quotient lie in [1, 2) */
        rem <<= 1;
        e -= 1;
    }
    /* Restoring division (no divide instruction on ARMv6-M): after the loop
     * q = floor(mn * 2^24 / md) in [2^24, 2^25), 24 bits and a round bit,
     * and rem = twice the remainder (< 2^26), which is 0 iff the quotient is
     * exact. */
    for (i = 0; i < 25; ++i) {
        q <<= 1;
        if (rem >= md) {
            rem -= md;
            q |= 1u;
        }
        rem <<= 1;
    }
    return sym_iq_div_round(q, rem != 0u, e);
}

void sym_intreq_divisor_init(uint32_t d_bits, sym_intreq_divisor *dv)
{
    const uint32_t md = (d_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN;
    /* R = floor((2^49 - 1) / md) by restoring division of 49 one bits: the
     * top 24 give quotient bit 1 and rem = 2^24 - 1 - md < md (md >= 2^23),
     * then 25 steps; invariant 2^(24+i) - 1 = R md + rem, 0 <= rem < md */
    uint32_t rem = SYM_IQ_LOW24 - md;
    uint32_t r = 1u;
    int32_t i;
    for (i = 0; i < 25; ++i) {
        rem = (rem << 1) | 1u;
        r <<= 1;
        if (rem >= md) {
            rem -= md;
            r |= 1u;
        }
    }
    dv->md = md;
    dv->r_hi = r >> 16;
    dv->r_lo = r & SYM_IQ_LOW16;
    dv->exp = (int32_t)(d_bits >> 23);
}

/* sym_intreq_div_bits(n_bits, d) for the prepared divisor d. With the
 * normalised dividend X in [md, 2 md) and R = floor((2^49 - 1) / md),
 * floor(X R / 2^25) is Q or Q - 1 for Q = floor(X 2^24 / md) (X R / 2^25 is
 * below X 2^24 / md by less than X / 2^25 < 1; lemma intreq.fdiv_bound).
 * The remainder X 2^24 - q md is then in [0, 2 md), below 2^25, so the low
 * 32 bits of the products give it exactly; one step corrects q. */
static inline uint32_t sym_iq_div_by(uint32_t n_bits, const sym_intreq_divisor *dv)
{
    const uint32_t md = dv->md;
    uint32_t x = (n_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN;
    int32_t e = (int32_t)(n_bits >> 23) - dv->exp + 127;
    uint32_t xh;
    uint32_t xl;
    uint32_t q;
    uint32_t rem;
    if (x < md) { /* make the significand quotient lie in [1, 2) */
        x <<= 1;
        e -= 1;
    }
    /* floor(X R / 2^25) from 16x16 partial products (X < 2^25, R < 2^26) */
    xh = x >> 16;
    xl = x & SYM_IQ_LOW16;
    q = ((xh * dv->r_hi) << 7) + ((xh * dv->r_lo + xl * dv->r_hi + ((xl * dv->r_lo) >> 16)) >> 9);
    rem = (x << 24) - q * md; /* mod 2^32, exact: the true value is < 2^25 */
    if (rem >= md) {
        rem -= md;
        q += 1u;
    }
    return sym_iq_div_round(q, rem != 0u, e);
}

uint32_t sym_intreq_div_by(uint32_t n_bits, const sym_intreq_divisor *dv)
{
    return sym_iq_div_by(n_bits, dv);
}

/* The subnormal result RNE(P / 2^k) of the 48-bit product P = hi 2^24 + lo
 * for k = 151 - (ea + eb) >= 24: its bits (0x00800000 when it rounds up to
 * 2^-126, 0 from k = 49 on: P / 2^k < 1/2). */
static uint32_t sym_iq_mul_subnormal(uint32_t hi, uint32_t lo, int32_t k)
{
    const int32_t s = k - 24;
    uint32_t q;
    uint32_t round;
    uint32_t sticky;
    if (s > 24) {
        return 0u;
    }
    if (s == 0) {
        q = hi;
        round = lo >> 23;
        sticky = lo & SYM_IQ_FRAC;
    } else {
        q = hi >> s;
        round = (hi >> (s - 1)) & 1u;
        sticky = (hi & ((1u << (s - 1)) - 1u)) | lo;
    }
    if (round != 0u && (sticky != 0u || (q & 1u) != 0u)) {
        q += 1u;
    }
    return q;
}

uint32_t sym_intreq_mul_bits(uint32_t a_bits, uint32_t b_bits)
{
    const int32_t ea = (int32_t)(a_bits >> 23);
    const int32_t eb = (int32_t)(b_bits >> 23);
    uint32_t lo;
    const uint32_t hi = sym_iq_mul48((a_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN, (b_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN,
                                     &lo);
    uint32_t sig;
    uint32_t rem;
    uint32_t half;
    int32_t e;
    /* P = ma mb in [2^46, 2^48); e: the exponent field of its top 24 bits */
    if (hi > SYM_IQ_FRAC) {
        sig = hi;
        rem = lo;
        half = SYM_IQ_HIDDEN;
        e = ea + eb - 126;
    } else {
        sig = (hi << 1) | (lo >> 23);
        rem = lo & SYM_IQ_FRAC;
        half = SYM_IQ_HIDDEN >> 1;
        e = ea + eb - 127;
    }
    if (e < 1) { /* below 2^-126 before rounding: round P itself on the 2^-149 grid */
        return sym_iq_mul_subnormal(hi, lo, 151 - ea - eb);
    }
    if (e > 254) {
        return SYM_IQ_INF;
    }
    if (rem > half || (rem == half && (sig & 1u) != 0u)) {
        sig += 1u;
    }
    /* a carry to 2^24 adds one to the exponent field (to inf from 254) */
    return ((uint32_t)(e - 1) << 23) + sig;
}

int sym_intreq_scale_ok(uint32_t s_bits)
{
    const uint32_t exp = (s_bits >> 23) & 0xFFu;
    return (s_bits >> 31) == 0u && exp != 0u && exp != 0xFFu;
}

/* round_half_away of a non-negative float32 given as bits (0, subnormal,
 * normal or +inf), or q_sat when the value is >= 2^15 (+inf included; it
 * then saturates at every width <= 16). The value is sig * 2^(ef - 150)
 * for the exponent field ef. */
static uint32_t sym_iq_round_bits(uint32_t v_bits, uint32_t q_sat)
{
    const uint32_t ef = v_bits >> 23;
    uint32_t d;
    if (ef > 141u) {
        return q_sat;
    }
    if (ef < 126u) { /* below 1/2: 0, subnormal and the tiny normals */
        return 0u;
    }
    d = 150u - ef;
    return (((v_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN) + (1u << (d - 1u))) >> d;
}

/* The fixed-scale core for a validated width and scales: the clamped
 * signed round_half_away(clamp(fl(fl(fl(m) * s) / t))). fl(|m|) * s and
 * its quotient are computed on magnitudes: float32 rounding to nearest is
 * symmetric in the sign. */
static int32_t sym_iq_fixed(int32_t m, uint32_t s_bits, const sym_intreq_divisor *t, uint32_t q_hi)
{
    const int negative = m < 0;
    const uint32_t a = negative ? 0u - (uint32_t)m : (uint32_t)m;
    const uint32_t q_sat = negative ? q_hi + 1u : q_hi;
    uint32_t p;
    uint32_t k;
    if (m == 0) {
        return 0;
    }
    /* p >= 2^-126 (fl(a) >= 1, s normal): the divisor's precondition */
    p = sym_intreq_mul_int(a, s_bits);
    k = q_sat; /* inf / t = inf saturates */
    if (p != SYM_IQ_INF) {
        k = sym_iq_round_bits(sym_iq_div_by(p, t), q_sat);
    }
    if (k > q_sat) {
        k = q_sat;
    }
    return negative ? -(int32_t)k : (int32_t)k;
}

int sym_intreq_fixed_one(int32_t m, uint32_t s_bits, uint32_t t_bits, int32_t q_max_bits, int32_t *out)
{
    sym_intreq_divisor t;
    if (out == NULL) {
        return SYM_ERR_NULL;
    }
    if (q_max_bits < 2 || q_max_bits > 16) {
        return SYM_ERR_BAD_WIDTH;
    }
    if (!sym_intreq_scale_ok(s_bits) || !sym_intreq_scale_ok(t_bits)) {
        return SYM_ERR_BAD_SCALE;
    }
    sym_intreq_divisor_init(t_bits, &t);
    *out = sym_iq_fixed(m, s_bits, &t, sym_iq_q_hi(q_max_bits));
    return SYM_OK;
}

void sym_intreq_fixed_loop(const int32_t *m_in, int32_t n, uint32_t s_bits, uint32_t t_bits,
                           int32_t q_max_bits, int32_t *m_out)
{
    const uint32_t q_hi = sym_iq_q_hi(q_max_bits);
    sym_intreq_divisor t;
    int32_t i;
    sym_intreq_divisor_init(t_bits, &t); /* once per call: t is the same for every element */
    for (i = 0; i < n; ++i) {
        m_out[i] = sym_iq_fixed(m_in[i], s_bits, &t, q_hi);
    }
}

/* round_half_away of a non-negative float32 below 2^31 given as bits (0 or
 * subnormal: 0). The value is sig * 2^(ef - 150): from ef = 150 on it is an
 * integer, sig shifted left. */
static uint32_t sym_iq_round_wide(uint32_t v_bits)
{
    const uint32_t ef = v_bits >> 23;
    const uint32_t sig = (v_bits & SYM_IQ_FRAC) | SYM_IQ_HIDDEN;
    uint32_t d;
    if (ef < 126u) { /* below 1/2 */
        return 0u;
    }
    if (ef >= 150u) {
        return sig << (ef - 150u);
    }
    d = 150u - ef;
    return (sig + (1u << (d - 1u))) >> d;
}

/* The guard and the half away of a rescale quotient w = |r| given as bits,
 * with q's sign: the tail of sym_intreq_rescale_bits and
 * sym_intreq_rescale_by. */
static int sym_iq_rescale_finish(int negative, uint32_t w, int32_t *out)
{
    uint32_t k;
    /* |r| <= the guard: bit patterns of non-negative floats (inf included)
     * order as their values */
    if (w > SYM_INTREQ_RESCALE_GUARD) {
        return SYM_ERR_RANGE_GUARD;
    }
    k = sym_iq_round_wide(w);
    *out = negative ? -(int32_t)k : (int32_t)k;
    return SYM_OK;
}

int sym_intreq_rescale_bits(int32_t q, uint32_t s_p_bits, uint32_t s_acc_bits, int32_t *out)
{
    const int negative = q < 0;
    const uint32_t a = negative ? 0u - (uint32_t)q : (uint32_t)q;
    uint32_t p;
    if (out == NULL) {
        return SYM_ERR_NULL;
    }
    if (!sym_intreq_scale_ok(s_p_bits) || !sym_intreq_scale_ok(s_acc_bits)) {
        return SYM_ERR_BAD_SCALE;
    }
    if (q == 0) { /* fl(0 * s_p) / s_acc = 0: no division (its precondition) */
        *out = 0;
        return SYM_OK;
    }
    p = sym_intreq_mul_int(a, s_p_bits);
    if (p == SYM_IQ_INF) {
        return SYM_ERR_RANGE_GUARD;
    }
    return sym_iq_rescale_finish(negative, sym_intreq_div_bits(p, s_acc_bits), out);
}

int sym_intreq_rescale_by(int32_t q, uint32_t s_p_bits, const sym_intreq_divisor *acc, int32_t *out)
{
    const int negative = q < 0;
    const uint32_t a = negative ? 0u - (uint32_t)q : (uint32_t)q;
    uint32_t p;
    if (q == 0) {
        *out = 0;
        return SYM_OK;
    }
    p = sym_intreq_mul_int(a, s_p_bits);
    if (p == SYM_IQ_INF) {
        return SYM_ERR_RANGE_GUARD;
    }
    return sym_iq_rescale_finish(negative, sym_intreq_div_by(p, acc), out);
}

/* u = (state >> 8) * 2^-24 of sym_rng_uniform as float32 bits (exact: at
 * most 24 significant bits), after one xorshift32 step of *state. */
static uint32_t sym_iq_uniform_bits(uint32_t *state)
{
    uint32_t s = *state;
    uint32_t k;
    int32_t len;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    *state = s;
    k = s >> 8;
    if (k == 0u) {
        return 0u;
    }
    len = sym_iq_bit_length(k);
    /* k * 2^-24 = 2^(len - 1 - 24) * 1.f: field 102 + len, the hidden bit
     * of the shifted k adds the last 1 */
    return ((uint32_t)(101 + len) << 23) + (k << (24 - len));
}

/* The SR element: v = fl(fl(m) * r) (the magnitude by sym_intreq_mul_int,
 * then the sign), w = fl(fl(v + u) - 0.5f), then the saturating half away
 * of sym_sat_round on w's bits. */
static int32_t sym_iq_sr(int32_t m, uint32_t r_bits, uint32_t *state, uint32_t q_hi)
{
    const int negative = m < 0;
    uint32_t v = sym_intreq_mul_int(negative ? 0u - (uint32_t)m : (uint32_t)m, r_bits);
    uint32_t w;
    uint32_t q_sat;
    uint32_t k;
    if (negative) {
        v |= SYM_IQ_SIGN;
    }
    w = sym_intreq_add_bits(sym_intreq_add_bits(v, sym_iq_uniform_bits(state)), SYM_IQ_MINUS_HALF);
    q_sat = (w & SYM_IQ_SIGN) != 0u ? q_hi + 1u : q_hi;
    k = sym_iq_round_bits(w & ~SYM_IQ_SIGN, q_sat);
    if (k > q_sat) {
        k = q_sat;
    }
    return (w & SYM_IQ_SIGN) != 0u ? -(int32_t)k : (int32_t)k;
}

void sym_intreq_sr_loop(const int32_t *m_in, int32_t n, uint32_t r_bits, int32_t q_max_bits,
                        uint32_t *state, int32_t *m_out)
{
    const uint32_t q_hi = sym_iq_q_hi(q_max_bits);
    int32_t i;
    for (i = 0; i < n; ++i) {
        m_out[i] = sym_iq_sr(m_in[i], r_bits, state, q_hi);
    }
}
