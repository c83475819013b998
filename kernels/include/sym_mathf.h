/* Portable float32 exp and log (docs/layers.md "exp and log"): range
 * reduction plus a polynomial in plain float32 operations in a fixed order
 * and integer bit manipulation, no libm, so that every host and core
 * (x86-64, Cortex-M0+ soft-float, M4/M7 FPU) gives identical bits when built
 * with -ffp-contract=off. Measured error against a double reference: see
 * docs/layers.md (benchmarks/mathf_ulp.py). */
#ifndef SYM_MATHF_H
#define SYM_MATHF_H

/* exp(x) for x <= 88 (the caller guarantees it; softmax calls it with
 * x <= 0): 0.0f for x < -87 (and -inf), else k = x*log2(e) rounded half away,
 * r = (x - k*C1) - k*C2 (C1 = 0.693359375, C2 = -2.12194440e-4),
 * p = Cephes' degree-7 polynomial (((((P0*r + P1)*r + P2)*r + P3)*r + P4)*r
 * + P5)*r*r + r + 1, result p * 2^k (2^k built from its bit pattern). NaN
 * is returned for a NaN x. */
float sym_expf(float x);

/* log(x) for a positive normal x (the caller guarantees it; CE calls it with
 * x >= 1e-7): x = m * 2^e with m in [0.5, 1) from the bit pattern; if m <
 * sqrt(0.5) then e -= 1, f = (m + m) - 1 else f = m - 1; z = f*f;
 * y = Cephes' degree-8 polynomial(f) * f * z + e*(-2.12194440e-4) - 0.5*z;
 * result (f + y) + e*0.693359375. */
float sym_logf(float x);

#endif /* SYM_MATHF_H */
