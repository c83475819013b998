/* sv_adapter.c for the upstream framework's SYM code (OnDeviceTraining fork,
 * PandiasChild/ForkOfOnDeviceTraining 927db2be): every sv_* function builds
 * upstream's own tensor structs and calls upstream's function. Used by hand
 * with `symverify conform` (docs/upstream.md); CI cannot reach upstream.
 *
 * Not expressible upstream (SV_SKIP): an unknown rounding mode or order, the
 * clamp_first order (upstream HEAD has only the ratio order), SR without a
 * state (upstream's RNG is one global), and a NULL output pointer.
 * Upstream reports errors with exit(1) (conform: "error by exit") or not at all. */
#include <string.h>

#include "RNG.h"
#include "Rounding.h"
#include "Tensor.h"
#include "TensorConversion.h"
#include "sv_adapter.h"

typedef struct {
    tensor_t t;
    shape_t shape;
    size_t dims[1];
    size_t order[1];
    quantization_t q;
    symInt32QConfig_t qc;
} odt_tensor;

static tensor_t *odt_sym(odt_tensor *o, int32_t *data, int32_t n, float scale, int32_t bits, int32_t rounding)
{
    o->dims[0] = (size_t)n;
    o->order[0] = 0u;
    o->shape.numberOfDimensions = 1u;
    o->shape.dimensions = o->dims;
    o->shape.orderOfDimensions = o->order;
    o->qc.scale = scale;
    o->qc.roundingMode = rounding == 1 ? SR_HALF_AWAY : HALF_AWAY;
    o->qc.qMaxBits = (uint8_t)bits;
    o->q.type = SYM_INT32;
    o->q.qConfig = &o->qc;
    o->t.data = (uint8_t *)data;
    o->t.shape = &o->shape;
    o->t.quantization = &o->q;
    o->t.sparsity = NULL;
    return &o->t;
}

static tensor_t *odt_plain(odt_tensor *o, void *data, int32_t n, qtype_t type)
{
    odt_sym(o, (int32_t *)data, n, 1.0f, 32, 0);
    o->q.type = type;
    o->q.qConfig = NULL;
    return &o->t;
}

/* Upstream cannot express it: an unknown mode, or SR without an explicit state. */
static int odt_mode_ok(int32_t rounding, const uint32_t *rng_state)
{
    return rounding == 0 || (rounding == 1 && rng_state != NULL);
}

static void odt_seed(int32_t rounding, const uint32_t *rng_state)
{
    if (rounding == 1) {
        rngSetSeed(*rng_state);
    }
}

static void odt_state_back(int32_t rounding, uint32_t *rng_state)
{
    if (rounding == 1) {
        *rng_state = rngGetSeed();
    }
}

int sv_round_half_away(float x, int32_t *out)
{
    if (out == NULL) {
        return (int)SV_SKIP;
    }
    *out = roundByMode(x, HALF_AWAY);
    return 0;
}

int sv_float_to_sym(const float *x, int32_t n, int32_t q_max_bits, int32_t rounding,
                    uint32_t *rng_state, int32_t *m, float *scale)
{
    odt_tensor in, out;
    if (x == NULL || m == NULL || scale == NULL || !odt_mode_ok(rounding, rng_state) || q_max_bits < 0
        || q_max_bits > 255) {
        return (int)SV_SKIP;
    }
    odt_plain(&in, (void *)x, n, FLOAT32);
    odt_sym(&out, m, n, 0.0f, q_max_bits, rounding);
    odt_seed(rounding, rng_state);
    convertTensor(&in.t, &out.t);
    odt_state_back(rounding, rng_state);
    *scale = out.qc.scale;
    return 0;
}

int sv_sym_to_float(const int32_t *m, int32_t n, float scale, float *y)
{
    odt_tensor in, out;
    if (m == NULL || y == NULL) {
        return (int)SV_SKIP;
    }
    odt_sym(&in, (int32_t *)m, n, scale, 32, 0);
    odt_plain(&out, y, n, FLOAT32);
    convertTensor(&in.t, &out.t);
    return 0;
}

int sv_int_to_sym(const int32_t *src, int32_t n, int32_t *m, float *scale)
{
    odt_tensor in, out;
    if (src == NULL || m == NULL || scale == NULL) {
        return (int)SV_SKIP;
    }
    odt_plain(&in, (void *)src, n, INT32);
    odt_sym(&out, m, n, 0.0f, 32, 0);
    convertTensor(&in.t, &out.t);
    *scale = out.qc.scale;
    return 0;
}

int sv_requant_dynamic(const int32_t *m_in, int32_t n, float s_in, int32_t q_max_bits_out,
                       int32_t rounding, int32_t order, uint32_t *rng_state,
                       int32_t *m_out, float *s_out)
{
    odt_tensor in, out;
    if (m_in == NULL || m_out == NULL || s_out == NULL || order != 0 || !odt_mode_ok(rounding, rng_state)) {
        return (int)SV_SKIP;
    }
    odt_seed(rounding, rng_state);
    if (m_in == m_out) { /* upstream's in-place form: one tensor, one qConfig */
        odt_sym(&out, m_out, n, s_in, q_max_bits_out, rounding);
        requantSymInt32Tensor(&out.t, &out.t);
    } else {
        odt_sym(&in, (int32_t *)m_in, n, s_in, 32, rounding);
        odt_sym(&out, m_out, n, 0.0f, q_max_bits_out, rounding);
        requantSymInt32Tensor(&in.t, &out.t);
    }
    odt_state_back(rounding, rng_state);
    *s_out = out.qc.scale;
    return 0;
}

int sv_requant_fixed(const int32_t *m_in, int32_t n, float s_in, float target,
                     int32_t q_max_bits_out, int32_t rounding, uint32_t *rng_state,
                     int32_t *m_out)
{
    odt_tensor in, out;
    if (m_in == NULL || m_out == NULL || !odt_mode_ok(rounding, rng_state)) {
        return (int)SV_SKIP;
    }
    odt_sym(&in, (int32_t *)m_in, n, s_in, 32, rounding);
    odt_sym(&out, m_out, n, target, q_max_bits_out, rounding);
    odt_seed(rounding, rng_state);
    requantSymInt32TensorToScale(&in.t, &out.t);
    odt_state_back(rounding, rng_state);
    return 0;
}

int sv_rescale_to_acc(int32_t q, float s_p, float s_acc, int32_t *out)
{
    if (out == NULL) {
        return (int)SV_SKIP;
    }
    *out = rescaleIntoAccumulatorScale(q, s_p, s_acc, HALF_AWAY);
    return 0;
}

int sv_accumulate_dynamic(int32_t *t, int32_t n_t, float *s_t, int32_t q_max_bits_t,
                          const int32_t *inc, int32_t n_inc, float s_inc,
                          int32_t rounding, uint32_t *rng_state)
{
    odt_tensor tg, in;
    if (t == NULL || s_t == NULL || inc == NULL || !odt_mode_ok(rounding, rng_state)) {
        return (int)SV_SKIP;
    }
    odt_sym(&tg, t, n_t, *s_t, q_max_bits_t, rounding);
    odt_sym(&in, (int32_t *)inc, n_inc, s_inc, 32, rounding);
    odt_seed(rounding, rng_state);
    accumulateSymInt32IntoSymInt32Rescale(&tg.t, &in.t);
    odt_state_back(rounding, rng_state);
    *s_t = tg.qc.scale;
    return 0;
}

/* Upstream has no public function: this is the loop of ExecuteOp.c's static
 * accumulateOut (OUT_ACC_FIXED_SCALE), on upstream's public helper. */
int sv_accumulate_fixed(int32_t *t, int32_t n_t, float s_t, int32_t q_max_bits_t,
                        const int32_t *inc, int32_t n_inc, float s_inc)
{
    int32_t i;
    (void)q_max_bits_t;
    if (t == NULL || inc == NULL || n_inc != n_t) {
        return (int)SV_SKIP;
    }
    for (i = 0; i < n_t; ++i) {
        t[i] += rescaleIntoAccumulatorScale(inc[i], s_inc, s_t, HALF_AWAY);
    }
    return 0;
}
