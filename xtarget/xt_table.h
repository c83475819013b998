/* Types and fill helpers of the table-driven runner (run_table.c).
 *
 * The generated xt_cases.h (symverify/xtarget_table.py) defines XT_MAX_N,
 * includes this header, then holds one call function per C entry point and
 * the cases as plain data. A case is one golden vector: one or more C calls
 * (a second entry point may run the same vector), each with its input slots
 * (views, arrays), int slots (scalars, float bits, geometry, rounding) and
 * output buffers with their expectations. The call functions fill the args
 * struct or the prototype's parameters from those slots only. */
#ifndef XT_TABLE_H
#define XT_TABLE_H

#include <stdint.h>
#include "harness.h"
#include "sym_types.h"

/* From xt_cases.h: XT_MAX_N (largest array), XT_MAX_OUT (outputs of one
 * call), XT_MAX_FIN (float array inputs of one call), XT_SCRATCH_N. */
#define XT_BUF_N (XT_MAX_N + XT_GUARD)
#define XT_MAX_IN 8

/* An input: a tensor view or an array (float arrays as bit patterns). */
typedef struct {
    const int32_t *m;
    int32_t n;
    uint32_t scale;
    int32_t bits;
    int32_t present;  /* 0: NULL is passed (None) */
    int32_t alias;    /* >= 0: in place, passed as that output buffer */
} xt_in;

/* An output buffer and what it must hold after the call. */
typedef struct {
    const char *field;
    const char *guard;
    const char *untouched;
    const char *scale_field;
    const char *bits_field;
    int32_t present;        /* 0: NULL is passed (an optional output) */
    int32_t view;           /* passed as a sym_view (scale and width checked) */
    int32_t is_float;       /* float32 buffer: the NaN sentinel */
    int32_t n;              /* view n / elements the call may write */
    int32_t view_bits;      /* the view's width before the call */
    const int32_t *init;    /* contents before the call (in place, in / out) */
    int32_t n_init;
    const int32_t *exp;     /* expected on success; 0: must stay untouched */
    int32_t n_exp;
    uint32_t exp_scale;
    int32_t exp_bits;       /* -1: width not compared */
    int32_t scalar;         /* one value: reported without an element index */
} xt_out;

typedef union {
    int32_t i[XT_BUF_N];
    float f[XT_BUF_N];
} xt_buf;

/* Everything a call writes: output buffers and views, scratch, RNG, err. */
typedef struct {
    xt_buf out[XT_MAX_OUT];
    sym_view view[XT_MAX_OUT];
    sym_cview cv[XT_MAX_IN];
    xt_buf fin[XT_MAX_FIN];
    union {
        int32_t i[XT_SCRATCH_N];
        float f[XT_SCRATCH_N];
    } scratch;
    uint32_t rng;
    sym_err err;
} xt_work;

typedef struct xt_call xt_call;
struct xt_call {
    int (*fn)(const xt_call *k, xt_work *w);
    const char *status_field;
    const xt_in *in;
    const int32_t *iv;
    const xt_out *out;
    int32_t n_out;
    int32_t status;
    uint32_t rng_in;
    uint32_t rng_out;
    int32_t use_rng;        /* the vector passes an Rng (else NULL) */
    int32_t err_detail;     /* layer-ABI call: err.status must equal a failing status */
    int32_t check_rng;      /* compare the RNG state after the call */
};

typedef struct {
    const char *kernel;
    uint32_t index;         /* position among the kernel's cases */
    const char *name;
    const xt_call *calls;
    int32_t n_calls;
} xt_case;

/* Fill helpers the generated call functions use (defined in run_table.c). */
sym_cview xt_cview(const xt_in *in);
const sym_cview *xt_opt_cview(const xt_in *in, sym_cview *store);
const int32_t *xt_i32_in(const xt_call *k, xt_work *w, int32_t s);
const float *xt_f32_in(const xt_call *k, xt_work *w, int32_t s, int32_t f);
sym_view *xt_view(const xt_call *k, xt_work *w, int32_t o);
int32_t *xt_out_i32(const xt_call *k, xt_work *w, int32_t o);
float *xt_out_f32(const xt_call *k, xt_work *w, int32_t o);
sym_geom1d xt_geom(const int32_t *g);
sym_round_ctx xt_round(const xt_call *k, xt_work *w, int32_t i);

#endif /* XT_TABLE_H */
