/* SGD family (docs/layers.md "SGD with write-back"): the float32 update core. */
#ifndef SYM_SGD_H
#define SYM_SGD_H

#include <stdint.h>
#include "sym_status.h"

/* w_k = (float)param_k * s_p - lr * ((float)grad_k * s_g) (float32, the
 * product first). The caller writes w back into SYM with sym_float_to_sym
 * (default SR_HALF_AWAY). n_p = n_g = n_w.
 * Errors: NULL, EMPTY, SHAPE, BAD_SCALE (s_p, s_g, or lr not positive and
 * finite), ALIAS (w overlapping an input), FLOAT_OVERFLOW (a non-finite w). */
int sym_sgd_update(const int32_t *param, int32_t n_p, float s_p,
                   const int32_t *grad, int32_t n_g, float s_g,
                   float lr, float *w, int32_t n_w);

#endif /* SYM_SGD_H */
