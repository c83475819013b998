/* Rounding family: HALF_AWAY and SR_HALF_AWAY with explicit xorshift32 state. */
#ifndef SYM_ROUND_H
#define SYM_ROUND_H

#include <stddef.h>
#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* xorshift32 state for a seed: the seed itself, except 0 -> 0xFFFFFFFF. */
uint32_t sym_rng_seed(uint32_t seed);

/* One draw: advance *state (shifts 13, 17, 5) and write u = (new >> 8) / 2^24
 * to *u. Errors: NULL, BAD_RNG (state 0), ALIAS (state and u overlap). */
int sym_rng_uniform(uint32_t *state, float *u);

/* C round() of a float32 (ties away from zero) into *out.
 * Errors: NULL, CAST_RANGE (NaN, inf, or outside [-2^31, 2^31)). */
int sym_round_half_away(float x, int32_t *out);

/* sym_round_half_away with an error detail (docs/architecture.md "C ABI"):
 * the same status and *out, and on failure *err (may be NULL) names the
 * argument: "args" or "out" (NULL), "x" (CAST_RANGE). */
typedef struct {
    float x;
    int32_t *out;
} sym_round_half_away_args;

int sym_round_half_away_ex(const sym_round_half_away_args *args, sym_err *err);

/* Stochastic rounding of one value: round((x + u) - 0.5f) in float32 with one
 * draw from *state. Errors: NULL, BAD_RNG, ALIAS (state and out overlap),
 * CAST_RANGE (x or (x + u) - 0.5f outside [-2^31, 2^31); state unchanged then). */
int sym_round_stochastic(float x, uint32_t *state, int32_t *out);

/* ---- Shared internal helpers (used by every kernel family; exported so that
 * tests and the mutation engine can reach them; callers validate first). ---- */

/* The single float -> int32 conversion of the library: clamp(round(v), lo, hi)
 * with ties away from zero, lo <= hi. v >= (float)hi gives hi, v <= (float)lo
 * or NaN gives lo, otherwise (int32_t)roundf(v) then an integer clamp to
 * [lo, hi] (needed for widths >= 25, where (float)hi rounds up). The cast only
 * ever sees a value strictly inside int32. */
int32_t sym_sat_round(float v, int32_t lo, int32_t hi);

/* Round v with mode rounding into [lo, hi] through sym_sat_round.
 * SYM_SR_HALF_AWAY: one draw from *state, w = (v + u) - 0.5f, then saturate.
 * Precondition (checked by the caller): rounding is a known mode and, for SR,
 * state is non-NULL and *state != 0. */
int32_t sym_round_sat(float v, int32_t rounding, uint32_t *state, int32_t lo, int32_t hi);

/* qMax = 2^(bits-1) - 1 and qMin = -2^(bits-1) for bits 2..32 (0 otherwise). */
int32_t sym_q_max(int32_t bits);
int32_t sym_q_min(int32_t bits);

/* 1 if s is a valid scale (positive, finite, normal float32), else 0. */
int sym_scale_is_valid(float s);

/* 1 if the byte ranges [a, a + a_bytes) and [b, b + b_bytes) overlap, else 0
 * (addresses compared as uintptr_t). */
int sym_ranges_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes);

#endif /* SYM_ROUND_H */
