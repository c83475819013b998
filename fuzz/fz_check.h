/* Helpers shared by the libFuzzer targets: invariant checks that abort (so
 * libFuzzer records the input as a crash), exact-size heap buffers filled with
 * a sentinel (ASan catches a write past n, memcmp a write on error), and a
 * reference xorshift32 to count RNG draws. Harness code only: it may allocate
 * and print, the kernels may not. */
#ifndef FZ_CHECK_H
#define FZ_CHECK_H
#include <stddef.h>
#include <stdint.h>

#include "fz_case.h"
#include "sym_round.h"
#include "sym_status.h"

#define FZ_SENTINEL 0x5Au

#define FZ_REQUIRE(cond, what)                                                   \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fz_fail(__FILE__, __LINE__, (what), #cond);                          \
        }                                                                        \
    } while (0)

void fz_fail(const char *file, int line, const char *what, const char *cond);
/* A heap buffer of exactly n_bytes (at least 1) filled with FZ_SENTINEL. */
void *fz_alloc(size_t n_bytes);
/* 1 if every byte of p[0..n_bytes) is still FZ_SENTINEL. */
int fz_untouched(const void *p, size_t n_bytes);
/* A heap copy of n int32 (at least one element allocated). */
int32_t *fz_copy_i32(const int32_t *src, int32_t n);
float *fz_copy_f32(const float *src, int32_t n);
uint32_t fz_xorshift(uint32_t s);
/* The state after k draws from s. */
uint32_t fz_advance(uint32_t s, int32_t k);
/* The RNG contract of a rounding kernel: on error the state is untouched;
 * on success SR made exactly `draws` draws and HALF_AWAY none. */
void fz_check_rng(int status, int32_t rounding, uint32_t before, uint32_t after, int32_t draws);
/* 1 if every m[i] lies in the declared width bits (2..32). */
int fz_in_width(const int32_t *m, int32_t n, int32_t bits);
/* C round() of a finite float32 inside int32, computed in double (exact). */
int64_t fz_round_ref(float v);
int fz_valid_scale(float s);
/* The status must be one of the named codes (sym_status.h). */
void fz_check_status(int status);

#endif /* FZ_CHECK_H */
