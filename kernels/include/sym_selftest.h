/* Run-time self-test of the floating-point environment the kernels need.
 *
 * The kernels are bit-exact with the golden vectors only if every float32
 * operation is rounded on its own (no fused multiply-add: built with
 * -ffp-contract=off), subnormals are kept (no flush-to-zero on results, no
 * denormals-are-zero on inputs) and the rounding mode is round-to-nearest-even.
 * A firmware harness calls sym_selftest_fp() once at start-up, before any
 * kernel; a non-zero status means the build or the FPU configuration breaks
 * the arithmetic of docs/semantics.md. */
#ifndef SYM_SELFTEST_H
#define SYM_SELFTEST_H

#include <stdint.h>
#include "sym_status.h"

/* Fault bits written to *faults by sym_selftest_fp (OR-ed together). */
enum sym_fp_fault {
    SYM_FP_FAULT_CONTRACTION = 1,   /* a*b + c computed as one fused operation */
    SYM_FP_FAULT_FLUSH_TO_ZERO = 2, /* a subnormal result became 0 (FTZ / FPSCR.FZ) */
    SYM_FP_FAULT_DENORMAL_INPUT = 4,/* a subnormal operand was read as 0 (DAZ) */
    SYM_FP_FAULT_ROUNDING = 8       /* rounding mode is not round-to-nearest-even */
};

/* Probe the floating-point environment of the calling code: the compiler
 * flags this file was built with (build it with the kernels' flags) and the
 * FPU's current mode. Writes the OR of the detected enum sym_fp_fault bits
 * to *faults (0 if none). Returns SYM_OK if none was detected,
 * SYM_ERR_FP_ENV if any was, SYM_ERR_NULL if faults is NULL. Reads and
 * writes no state besides *faults; the probes' operands are volatile so that
 * the compiler cannot evaluate them at build time. */
int sym_selftest_fp(uint32_t *faults);

#endif /* SYM_SELFTEST_H */
