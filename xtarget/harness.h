/* Reporting API of the cross-target golden-vector harness.
 *
 * The runner (run_table.c, one for every family) defines xt_run_family();
 * for each golden vector of the family's generated case table it calls the
 * kernel on writable output buffers, compares every output bit-exactly with
 * xt_check_*() and closes the vector with xt_vector_end(). Output protocol (one line each, parsed by
 * symverify/xtarget.py):
 *   XT SELFTEST status=<int> faults=<hex>   (first line: sym_selftest_fp)
 *   XT BEGIN <family>
 *   XT FAIL <kernel> <vector> <name> <field>[<elem>] exp=<hex> got=<hex>
 *   XT V <kernel> <vector> <name> PASS|FAIL   (only with XT_VERBOSE)
 *   XT KERNEL <kernel> run=<n> pass=<n>
 *   XT END <family> run=<n> pass=<n> fail=<n>
 * Exit code: 0 all vectors matched, 1 any mismatch, 3 CPU fault, 4 the
 * floating-point self-test failed (no vector is run then, unless the image
 * is built with -DXT_SELFTEST_CONTINUE to measure what the fault does). */
#ifndef XT_HARNESS_H
#define XT_HARNESS_H

#include <stdint.h>
#include "semihost.h"

#define XT_FAMILY_STR_(x) #x
#define XT_FAMILY_STR(x) XT_FAMILY_STR_(x)

/* Implemented by the family runner: xt_begin(), then every vector. */
void xt_run_family(void);

/* Run sym_selftest_fp, print its XT SELFTEST line; returns its status. */
int xt_selftest(void);

void xt_begin(const char *family);
/* Start vector `index` (position in the kernel's golden table) of `kernel`;
 * `name` is the fixture name. */
void xt_vector_begin(const char *kernel, uint32_t index, const char *name);
/* Each returns 1 if equal; on mismatch prints an XT FAIL line. elem < 0:
 * scalar field. */
int xt_check_i32(const char *field, int32_t elem, int32_t expected, int32_t got);
int xt_check_u32(const char *field, int32_t elem, uint32_t expected, uint32_t got);
/* Bit-exact float32 comparison (bit patterns, so -0.0 != +0.0, NaN payloads). */
int xt_check_f32(const char *field, int32_t elem, uint32_t expected_bits, float got);
/* Close the current vector (counts it as passed iff no check failed). */
void xt_vector_end(void);
/* Print the summary; returns the number of failed vectors. */
uint32_t xt_end(void);

uint32_t xt_f32_bits(float f);
float xt_f32(uint32_t bits);

/* Writable scratch helpers. Output buffers are filled with a sentinel before
 * each call, so that "nothing written on error" and "no write beyond n" are
 * checked too (XT_GUARD extra elements after the last valid one). */
#define XT_GUARD 4
#define XT_SENTINEL ((int32_t)0x5A5AA5A5)
#define XT_SENTINEL_BITS 0x7FA5A5A5u /* a NaN payload no kernel produces */
void xt_fill(int32_t *buf, int32_t len, int32_t value);
void xt_copy(int32_t *dst, const int32_t *src, int32_t n);
/* exp[0..n) == got[0..n) element by element. */
int xt_check_array(const char *field, const int32_t *expected, const int32_t *got, int32_t n);
/* Same for float32 outputs against expected bit patterns. */
int xt_check_array_f32(const char *field, const uint32_t *expected_bits, const float *got, int32_t n);
/* got[from..to) all equal `value` (untouched sentinel / guard region). */
int xt_check_fill(const char *field, const int32_t *got, int32_t from, int32_t to, int32_t value);

#endif /* XT_HARNESS_H */
