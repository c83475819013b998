/* Status codes shared by every SYM kernel family.
 * 0 is success; every failure has its own negative code so that a caller can
 * tell the cause without parsing text. On any non-zero status a kernel has
 * written nothing to its outputs (including the RNG state). */
#ifndef SYM_STATUS_H
#define SYM_STATUS_H

#include <stdint.h>

enum sym_status {
    SYM_OK = 0,
    SYM_ERR_NULL = -1,            /* a required pointer is NULL */
    SYM_ERR_EMPTY = -2,           /* length 0 */
    SYM_ERR_BAD_WIDTH = -3,       /* q_max_bits outside the domain of this kernel */
    SYM_ERR_BAD_SCALE = -4,       /* scale NaN, inf, zero, negative or subnormal */
    SYM_ERR_NONFINITE_INPUT = -5, /* a float input element is NaN or inf */
    SYM_ERR_SCALE_UNDERFLOW = -6, /* absmax > 0 but absmax / qMax is not a normal float32 */
    SYM_ERR_FLOAT_OVERFLOW = -7,  /* a float32 intermediate overflowed to inf */
    SYM_ERR_RANGE_GUARD = -8,     /* rescale result outside the accumulator headroom guard */
    SYM_ERR_INT_OVERFLOW = -9,    /* integer result leaves the declared width */
    SYM_ERR_ALIAS = -10,          /* buffers overlap partially (only in == out is allowed) */
    SYM_ERR_BAD_ROUNDING = -11,   /* unknown rounding mode */
    SYM_ERR_CAST_RANGE = -12,     /* float outside int32 range before a cast */
    SYM_ERR_SHAPE = -13,          /* lengths of two operands differ */
    SYM_ERR_BAD_RNG = -14,        /* RNG state 0 (xorshift32 would stay 0 forever) */
    SYM_ERR_BAD_ORDER = -15,      /* unknown requant expression order */
    SYM_ERR_BAD_TYPE = -16,       /* wrong argument type (raised by the Python layer only) */
    SYM_ERR_FP_ENV = -17          /* sym_selftest_fp: the float environment breaks bit-exactness */
};

/* Rounding modes (C round() semantics: ties away from zero). */
enum sym_rounding {
    SYM_HALF_AWAY = 0,
    SYM_SR_HALF_AWAY = 1
};

/* Expression orders of dynamic requant (SPEC section 4). */
enum sym_requant_order {
    SYM_ORDER_RATIO = 0,
    SYM_ORDER_CLAMP_FIRST = 1
};

/* Human-readable name of a status code ("SYM_ERR_BAD_SCALE"); never NULL. */
const char *sym_status_name(int status);

#endif /* SYM_STATUS_H */
