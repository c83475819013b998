/* The fuzz case: one fixed byte layout that every kernel-family target decodes.
 *
 * The same decoder runs inside the libFuzzer targets and, through cffi, in the
 * Python replay (symverify/fuzzing/), so an input means the same arguments on
 * both sides. Layout (little-endian; missing bytes read as 0):
 *   op       u8                 which kernel of the family (taken modulo its count)
 *   p[12]    i8 each            small integers: widths, modes, dimensions, flags
 *   seed     u32                xorshift32 state (0 is kept: it is the BAD_RNG case)
 *   f[6]     f32 bit patterns   scales, eps, lr, a scalar input
 *   a[5]     per array: len u8, mode u8 (0: i8, 1: i16, 2: i32 elements; mod 3),
 *            then len elements  int32 mantissa arrays
 *   x        len u8, then len f32 bit patterns (a float input array)
 * Lengths are at most FZ_MAX, so no array of the case can overflow. */
#ifndef FZ_CASE_H
#define FZ_CASE_H
#include <stddef.h>
#include <stdint.h>

#define FZ_MAX 255
#define FZ_NP 12
#define FZ_NF 6
#define FZ_NA 5

typedef struct {
    int32_t op;
    int32_t p[FZ_NP];
    uint32_t seed;
    float f[FZ_NF];
    int32_t n[FZ_NA];
    int32_t a[FZ_NA][FZ_MAX];
    int32_t nx;
    float x[FZ_MAX];
} fz_case;

/* Decode data[0..size) into *c (every field written). Returns the number of
 * bytes the layout consumed (may exceed size: the rest read as 0). */
size_t fz_decode(const uint8_t *data, size_t size, fz_case *c);

#endif /* FZ_CASE_H */
