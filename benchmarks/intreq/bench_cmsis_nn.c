/* CMSIS-NN's own arm_nn_requantize in the loop shape of bench_intreq.c's
 * bench_cmsis_style_loop, for benchmarks/bench_cmsis_nn_m0.py. Compiled only
 * against a CMSIS-NN checkout the user names (its Include/ directory); no
 * CMSIS-NN code is kept in this repository. BENCH_CMSIS_NN_LOOP names the
 * function, so the file builds once per rounding variant
 * (CMSIS_NN_USE_SINGLE_ROUNDING defined or not). */
#include <stdint.h>

#include "arm_nnsupportfunctions.h"

#ifndef BENCH_CMSIS_NN_LOOP
#define BENCH_CMSIS_NN_LOOP bench_cmsis_nn_loop
#endif

void BENCH_CMSIS_NN_LOOP(const int32_t *m_in, int32_t n, int32_t multiplier, int32_t shift,
                         int32_t q_lo, int32_t q_hi, int32_t *m_out);

void BENCH_CMSIS_NN_LOOP(const int32_t *m_in, int32_t n, int32_t multiplier, int32_t shift,
                         int32_t q_lo, int32_t q_hi, int32_t *m_out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        int32_t q = arm_nn_requantize(m_in[i], multiplier, shift);
        if (q > q_hi) {
            q = q_hi;
        }
        if (q < q_lo) {
            q = q_lo;
        }
        m_out[i] = q;
    }
}
