/* SGD family (docs/layers.md "SGD with write-back"): the float32 update core. */
#ifndef SYM_SGD_H
#define SYM_SGD_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* w_k = (float)param_k * s_p - lr * ((float)grad_k * s_g) (float32, the
 * product first). The caller writes w back into SYM with sym_float_to_sym
 * (default SR_HALF_AWAY). n_p = n_g = n_w.
 * Errors: NULL, EMPTY, SHAPE, BAD_SCALE (s_p, s_g, or lr not positive and
 * finite), ALIAS (w overlapping an input), FLOAT_OVERFLOW (a non-finite w). */
int sym_sgd_update_core(const int32_t *param, int32_t n_p, float s_p,
                   const int32_t *grad, int32_t n_g, float s_g,
                   float lr, float *w, int32_t n_w);

/* sgd_update (layer-level C ABI, docs/layers.md "C ABI"): the float core
 * (sym_sgd_update_core) into fscratch, then sym_float_to_sym at param's
 * width (param.bits 2..31) with round.mode / round.rng_state.
 * fscratch: n_fscratch >= param.n. out->n == param.n, out->bits = param.bits
 * on success. Validates everything first, writes nothing on error, fills
 * *err (may be NULL), returns the status. */
typedef struct {
    sym_cview param;
    sym_cview grad;
    float lr;
    sym_round_ctx round;
    float *fscratch;
    int32_t n_fscratch;
    sym_view *out;
} sym_sgd_update_args;

int sym_sgd_update(const sym_sgd_update_args *args, sym_err *err);

#endif /* SYM_SGD_H */
