/* Floating-point environment self-test (kernels/include/sym_selftest.h).
 * Each probe reads its operands from volatile objects, so the arithmetic
 * happens at run time with the flags and FPU mode of the build under test;
 * the expected results are exact float32 constants. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stddef.h>
#include <stdint.h>

#include "sym_selftest.h"
#include "sym_status.h"

/* 2^-12, 2^-11, 2^-24: a = b = 1 + 2^-12, c = -(1 + 2^-11). a*b is
 * 1 + 2^-11 + 2^-24 exactly; rounded to float32 it is a tie that goes to
 * 1 + 2^-11, so the unfused a*b + c is 0 and the fused one is 2^-24. */
#define SYM_ST_TWO_M12 2.44140625e-04f
#define SYM_ST_TWO_M11 4.8828125e-04f
#define SYM_ST_TWO_M24_BITS 0x33800000u
/* 2^-127 as bits: the subnormal 2^-126 * 0.5. */
#define SYM_ST_TWO_M127_BITS 0x00400000u
/* 2^-126 (smallest normal) and 2^-149 (smallest subnormal). */
#define SYM_ST_MIN_NORMAL 1.17549435082228750797e-38f
#define SYM_ST_MIN_SUBNORMAL 1.40129846432481707092e-45f
/* 2^-23 (ulp of 1), 2^-25 (a quarter ulp), 3 * 2^-25 (three quarters). */
#define SYM_ST_ULP1 1.1920928955078125e-07f
#define SYM_ST_QUARTER_ULP1 2.98023223876953125e-08f
#define SYM_ST_3QUARTER_ULP1 8.94069671630859375e-08f

/* Bit pattern of a float32 (also for a subnormal, which a comparison
 * under DAZ would read as 0). */
static uint32_t sym_st_bits(float f)
{
    union { float f; uint32_t u; } v;
    v.f = f;
    return v.u;
}

/* SYM_FP_FAULT_CONTRACTION if a*b + c (as one expression, or as two
 * statements, which GCC's -ffp-contract=fast also fuses) is exactly 2^-24:
 * only the fused operation gives that, in every rounding mode (the unfused
 * one gives 0, or 2^-23 when a*b rounds upward). */
static uint32_t sym_probe_contraction(void)
{
    volatile float a = 1.0f + SYM_ST_TWO_M12;
    volatile float b = 1.0f + SYM_ST_TWO_M12;
    volatile float c = -(1.0f + SYM_ST_TWO_M11);
    const float x = a;
    const float y = b;
    const float z = c;
    const float expr = x * y + z;
    const float prod = x * y;
    const float stmt = prod + z;
    volatile float out_expr = expr;
    volatile float out_stmt = stmt;
    const int fused = sym_st_bits(out_expr) == SYM_ST_TWO_M24_BITS
                      || sym_st_bits(out_stmt) == SYM_ST_TWO_M24_BITS;
    return fused ? (uint32_t)SYM_FP_FAULT_CONTRACTION : 0u;
}

/* SYM_FP_FAULT_FLUSH_TO_ZERO unless 2^-126 * 0.5 is the subnormal 2^-127
 * (compared as bits: under DAZ a comparison would read it as 0). */
static uint32_t sym_probe_flush(void)
{
    volatile float tiny = SYM_ST_MIN_NORMAL;
    volatile float half = 0.5f;
    volatile float out = tiny * half;
    return sym_st_bits(out) != SYM_ST_TWO_M127_BITS ? (uint32_t)SYM_FP_FAULT_FLUSH_TO_ZERO : 0u;
}

/* SYM_FP_FAULT_DENORMAL_INPUT if 2^-149 + 2^-126 does not exceed 2^-126
 * (the subnormal operand was read as 0; the sum itself is normal, so an
 * output flush alone cannot cause this). */
static uint32_t sym_probe_denormal_input(void)
{
    volatile float sub = SYM_ST_MIN_SUBNORMAL;
    volatile float normal = SYM_ST_MIN_NORMAL;
    volatile float out = sub + normal;
    return out == SYM_ST_MIN_NORMAL ? (uint32_t)SYM_FP_FAULT_DENORMAL_INPUT : 0u;
}

/* SYM_FP_FAULT_ROUNDING unless four sums round to nearest, ties to even:
 * 1 + ulp/4 -> 1 (not upward), -1 - ulp/4 -> -1 (not downward),
 * 1 + 3ulp/4 -> 1 + ulp (not toward zero), (1 + ulp) + ulp/2 -> 1 + 2ulp
 * (a tie goes to the even neighbour). */
static uint32_t sym_probe_rounding(void)
{
    volatile float one = 1.0f;
    volatile float minus_one = -1.0f;
    volatile float quarter = SYM_ST_QUARTER_ULP1;
    volatile float three_quarters = SYM_ST_3QUARTER_ULP1;
    volatile float half = SYM_ST_QUARTER_ULP1 * 2.0f;
    volatile float odd = 1.0f + SYM_ST_ULP1;
    volatile float up = one + quarter;
    volatile float down = minus_one - quarter;
    volatile float zero_ward = one + three_quarters;
    volatile float tie = odd + half;
    const int nearest = up == 1.0f && down == -1.0f
                        && zero_ward == 1.0f + SYM_ST_ULP1
                        && tie == 1.0f + 2.0f * SYM_ST_ULP1;
    return nearest ? 0u : (uint32_t)SYM_FP_FAULT_ROUNDING;
}

int sym_selftest_fp(uint32_t *faults)
{
    uint32_t found;
    if (faults == NULL) {
        return SYM_ERR_NULL;
    }
    found = sym_probe_contraction() | sym_probe_flush() | sym_probe_denormal_input()
            | sym_probe_rounding();
    *faults = found;
    return found == 0u ? SYM_OK : SYM_ERR_FP_ENV;
}
