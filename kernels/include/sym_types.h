/* Parameter structs of the layer-level C ABI (docs/architecture.md "C ABI"):
 * a tensor view, 1-D layer geometry, a rounding context and an error detail.
 * They make a layer call readable (CMSIS-NN style: one struct per concern)
 * and let a kernel say which argument failed and why. Plain data only: a
 * kernel never keeps a pointer to a struct after it returns. */
#ifndef SYM_TYPES_H
#define SYM_TYPES_H

#include <stdint.h>
#include "sym_status.h"

/* A read-only SYM tensor: n mantissas m[0..n-1], one scale, declared width
 * (2..16 for an operand, 32 for raw accumulator range). */
typedef struct {
    const int32_t *m;
    int32_t n;
    float scale;
    int32_t bits;
} sym_cview;

/* An output SYM tensor: the caller owns m (capacity n); the kernel writes
 * m[0..n-1] and scale only on success. bits is the width the caller asks for
 * (an output width), or 32 for a raw accumulator output. */
typedef struct {
    int32_t *m;
    int32_t n;
    float scale;
    int32_t bits;
} sym_view;

/* Rounding context: mode (enum sym_rounding), requant order
 * (enum sym_requant_order) and the xorshift32 state, advanced by one draw
 * per stochastically rounded element (NULL allowed for SYM_HALF_AWAY). */
typedef struct {
    int32_t mode;
    int32_t order;
    uint32_t *rng_state;
} sym_round_ctx;

/* 1-D layer geometry (Conv1d, ConvTranspose1d, pools), channels-first
 * [batch, channels, length]. Padding is resolved to (left, right) by the
 * caller; output_padding is used by ConvTranspose1d only. */
typedef struct {
    int32_t batch;
    int32_t in_channels;
    int32_t out_channels;
    int32_t in_length;
    int32_t out_length;
    int32_t kernel_size;
    int32_t stride;
    int32_t dilation;
    int32_t groups;
    int32_t pad_left;
    int32_t pad_right;
    int32_t output_padding;
} sym_geom1d;

/* Error detail, written on failure when the caller passes a non-NULL
 * pointer: the status, the name of the failing argument (a string literal
 * such as "x.scale" or "geom.stride", NULL if none), the element index
 * (-1 if none) and a short reason (a string literal, never NULL once set). */
typedef struct {
    int32_t status;
    const char *arg;
    int32_t index;
    const char *reason;
} sym_err;

#endif /* SYM_TYPES_H */
