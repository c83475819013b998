/* ReLU family: forward and backward layer steps (kernels/include/sym_relu.h).
 * Validation first, then one pass that only selects mantissas. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang honours it; GCC ignores it: keep -ffp-contract=off */
#endif
#include <stddef.h>
#include <stdint.h>

#include "sym_relu.h"
#include "sym_round.h"
#include "sym_status.h"
#include "sym_types.h"

static int sym_relu_fail(sym_err *err, int status, const char *arg, int32_t index, const char *reason)
{
    if (err != NULL) {
        err->status = status;
        err->arg = arg;
        err->index = index;
        err->reason = reason;
    }
    return status;
}

/* The checks every input view gets (NULL, EMPTY, BAD_WIDTH, BAD_SCALE). */
static int sym_relu_check_input(const sym_cview *v, const char *m_name, const char *n_name,
                                const char *bits_name, const char *scale_name, sym_err *err)
{
    if (v->m == NULL) {
        return sym_relu_fail(err, SYM_ERR_NULL, m_name, -1, "mantissa pointer is NULL");
    }
    if (v->n <= 0) {
        return sym_relu_fail(err, SYM_ERR_EMPTY, n_name, -1, "at least one element is required");
    }
    if (v->bits < 2 || v->bits > 32) {
        return sym_relu_fail(err, SYM_ERR_BAD_WIDTH, bits_name, -1, "width must be 2..32");
    }
    if (!sym_scale_is_valid(v->scale)) {
        return sym_relu_fail(err, SYM_ERR_BAD_SCALE, scale_name, -1, "scale must be positive, finite, normal");
    }
    return SYM_OK;
}

/* SYM_ERR_INT_OVERFLOW at the first mantissa outside the view's width. */
static int sym_relu_check_range(const sym_cview *v, const char *m_name, sym_err *err)
{
    const int32_t hi = sym_q_max(v->bits);
    const int32_t lo = sym_q_min(v->bits);
    int32_t i;
    for (i = 0; i < v->n; ++i) {
        if (v->m[i] > hi || v->m[i] < lo) {
            return sym_relu_fail(err, SYM_ERR_INT_OVERFLOW, m_name, i, "mantissa outside the declared width");
        }
    }
    return SYM_OK;
}

/* 1 if out overlaps in other than exactly (in place is allowed). */
static int sym_relu_bad_alias(const int32_t *out, const int32_t *in, int32_t n)
{
    const size_t bytes = (size_t)n * sizeof *out;
    return out != in && sym_ranges_overlap(out, bytes, in, bytes);
}

int sym_relu_forward(const sym_relu_forward_args *args, sym_err *err)
{
    int st;
    int32_t i;
    if (args == NULL) {
        return sym_relu_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    st = sym_relu_check_input(&args->x, "x.m", "x.n", "x.bits", "x.scale", err);
    if (st != SYM_OK) {
        return st;
    }
    if (args->y == NULL || args->y->m == NULL) {
        return sym_relu_fail(err, SYM_ERR_NULL, args->y == NULL ? "y" : "y.m", -1, "output view is NULL");
    }
    if (args->y->n != args->x.n) {
        return sym_relu_fail(err, SYM_ERR_SHAPE, "y.n", -1, "output length must equal x.n");
    }
    if (args->y->bits != args->x.bits) {
        return sym_relu_fail(err, SYM_ERR_BAD_WIDTH, "y.bits", -1, "ReLU keeps the width: y.bits must be x.bits");
    }
    if (sym_relu_bad_alias(args->y->m, args->x.m, args->x.n)) {
        return sym_relu_fail(err, SYM_ERR_ALIAS, "y.m", -1, "y overlaps x (only y.m == x.m is allowed)");
    }
    st = sym_relu_check_range(&args->x, "x.m", err);
    if (st != SYM_OK) {
        return st;
    }
    for (i = 0; i < args->x.n; ++i) {
        const int32_t m = args->x.m[i];
        args->y->m[i] = m > 0 ? m : 0;
    }
    args->y->scale = args->x.scale;
    return SYM_OK;
}

int sym_relu_backward(const sym_relu_backward_args *args, sym_err *err)
{
    int st;
    int32_t i;
    if (args == NULL) {
        return sym_relu_fail(err, SYM_ERR_NULL, "args", -1, "args is NULL");
    }
    st = sym_relu_check_input(&args->x, "x.m", "x.n", "x.bits", "x.scale", err);
    if (st != SYM_OK) {
        return st;
    }
    st = sym_relu_check_input(&args->dy, "dy.m", "dy.n", "dy.bits", "dy.scale", err);
    if (st != SYM_OK) {
        return st;
    }
    if (args->dx == NULL || args->dx->m == NULL) {
        return sym_relu_fail(err, SYM_ERR_NULL, args->dx == NULL ? "dx" : "dx.m", -1, "output view is NULL");
    }
    if (args->dy.n != args->x.n) {
        return sym_relu_fail(err, SYM_ERR_SHAPE, "dy.n", -1, "dy must have x's length");
    }
    if (args->dx->n != args->x.n) {
        return sym_relu_fail(err, SYM_ERR_SHAPE, "dx.n", -1, "output length must equal x.n");
    }
    if (args->dx->bits != args->dy.bits) {
        return sym_relu_fail(err, SYM_ERR_BAD_WIDTH, "dx.bits", -1, "dx keeps dy's width: dx.bits must be dy.bits");
    }
    if (sym_relu_bad_alias(args->dx->m, args->x.m, args->x.n)
        || sym_relu_bad_alias(args->dx->m, args->dy.m, args->x.n)) {
        return sym_relu_fail(err, SYM_ERR_ALIAS, "dx.m", -1, "dx overlaps an input (only exact in place)");
    }
    st = sym_relu_check_range(&args->x, "x.m", err);
    if (st != SYM_OK) {
        return st;
    }
    st = sym_relu_check_range(&args->dy, "dy.m", err);
    if (st != SYM_OK) {
        return st;
    }
    for (i = 0; i < args->x.n; ++i) {
        args->dx->m[i] = args->x.m[i] > 0 ? args->dy.m[i] : 0;
    }
    args->dx->scale = args->dy.scale;
    return SYM_OK;
}
