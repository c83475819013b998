/* Per-element loops measured by benchmarks/bench_intreq_m0.py on Cortex-M0+
 * (unicorn): the float32 ratio loop of sym_requant_dynamic, the float32 loop
 * of sym_requant_fixed, the integer cores, and a CMSIS-NN-style integer requant written from its published definition
 * (arm_nn_requantize: doubling high multiply with a 2^30 nudge, then a
 * rounding divide by a power of two; not vendored, not bit-exact with SYM). */
#include <stdint.h>

#include "sym_intreq.h"
#include "sym_intreq_tensor.h"
#include "sym_requant.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_support.h"

/* pass 2 of sym_requant_dynamic, ratio order, HALF_AWAY, as written there */
void bench_float_ratio_loop(const int32_t *m_in, int32_t n, float ratio, int32_t q_lo, int32_t q_hi,
                            int32_t *m_out)
{
    uint32_t st = 0u;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const float v = (float)m_in[i] * ratio;
        m_out[i] = sym_round_sat(v, SYM_HALF_AWAY, &st, q_lo, q_hi);
    }
}

/* pass 2 of sym_requant_fixed, HALF_AWAY, as written there */
void bench_float_fixed_loop(const int32_t *m_in, int32_t n, float s_in, float target, int32_t q_lo,
                            int32_t q_hi, int32_t *m_out)
{
    const float q_lo_f = (float)q_lo;
    const float q_hi_f = (float)q_hi;
    uint32_t st = 0u;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const float p = (float)m_in[i] * s_in;
        const float v = p / target;
        const float c = sym_clamp_f(v, q_lo_f, q_hi_f);
        m_out[i] = sym_round_sat(c, SYM_HALF_AWAY, &st, q_lo, q_hi);
    }
}

static int32_t doubling_high_mult_no_sat(int32_t m1, int32_t m2)
{
    const int64_t prod = (int64_t)m1 * (int64_t)m2 + ((int64_t)1 << 30);
    return (int32_t)(prod >> 31);
}

static int32_t divide_by_power_of_two(int32_t dividend, int32_t exponent)
{
    const int32_t remainder_mask = (int32_t)((1u << exponent) - 1u);
    const int32_t remainder = remainder_mask & dividend;
    int32_t result = dividend >> exponent;
    int32_t threshold = remainder_mask >> 1;
    if (result < 0) {
        threshold++;
    }
    if (remainder > threshold) {
        result++;
    }
    return result;
}

/* shift <= 0 here (a right shift: multipliers below 1, as in requant) */
static int32_t cmsis_style_requantize(int32_t val, int32_t multiplier, int32_t shift)
{
    return divide_by_power_of_two(doubling_high_mult_no_sat(val, multiplier), -shift);
}

void bench_cmsis_style_loop(const int32_t *m_in, int32_t n, int32_t multiplier, int32_t shift,
                            int32_t q_lo, int32_t q_hi, int32_t *m_out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        int32_t q = cmsis_style_requantize(m_in[i], multiplier, shift);
        if (q > q_hi) {
            q = q_hi;
        }
        if (q < q_lo) {
            q = q_lo;
        }
        m_out[i] = q;
    }
}

/* out[i] = a[i] + b[i] in float32 (libgcc's __aeabi_fadd on the M0+); the
 * harness writes and reads the arrays as bits */
void bench_float_add_loop(const float *a, const float *b, int32_t n, float *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = a[i] + b[i];
    }
}

/* the same sums with the integer adder */
void bench_int_add_loop(const uint32_t *a, const uint32_t *b, int32_t n, uint32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = sym_intreq_add_bits(a[i], b[i]);
    }
}
