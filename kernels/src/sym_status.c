/* Names of the SYM status codes (kernels/include/sym_status.h). */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include "sym_status.h"

/* Index = -status for 0..-17; kept in the order of enum sym_status. */
static const char *const sym_status_names[] = {
    "SYM_OK",
    "SYM_ERR_NULL",
    "SYM_ERR_EMPTY",
    "SYM_ERR_BAD_WIDTH",
    "SYM_ERR_BAD_SCALE",
    "SYM_ERR_NONFINITE_INPUT",
    "SYM_ERR_SCALE_UNDERFLOW",
    "SYM_ERR_FLOAT_OVERFLOW",
    "SYM_ERR_RANGE_GUARD",
    "SYM_ERR_INT_OVERFLOW",
    "SYM_ERR_ALIAS",
    "SYM_ERR_BAD_ROUNDING",
    "SYM_ERR_CAST_RANGE",
    "SYM_ERR_SHAPE",
    "SYM_ERR_BAD_RNG",
    "SYM_ERR_BAD_ORDER",
    "SYM_ERR_BAD_TYPE",
    "SYM_ERR_FP_ENV"
};

#define SYM_STATUS_COUNT ((int)(sizeof(sym_status_names) / sizeof(sym_status_names[0])))

const char *sym_status_name(int status)
{
    if (status > 0) {
        return "SYM_ERR_UNKNOWN";
    }
    if (status <= -SYM_STATUS_COUNT) {
        return "SYM_ERR_UNKNOWN";
    }
    return sym_status_names[-status];
}
