/* ARM semihosting (BKPT 0xAB on M-profile) and a tiny buffered text writer.
 * No libc: the harness must not pull stdio into the image it measures. */
#ifndef XT_SEMIHOST_H
#define XT_SEMIHOST_H

#include <stdint.h>

/* Exit codes of a harness image (the host driver knows them too). */
#define XT_EXIT_PASS 0
#define XT_EXIT_MISMATCH 1
#define XT_EXIT_FAULT 3
#define XT_EXIT_FPENV 4 /* sym_selftest_fp found a floating-point fault */

void xt_puts(const char *s);          /* buffered */
void xt_put_u32(uint32_t v);          /* decimal */
void xt_put_i32(int32_t v);           /* decimal, signed */
void xt_put_hex(uint32_t v);          /* 0x%08x */
void xt_flush(void);                  /* SYS_WRITE0 the buffer */
__attribute__((noreturn)) void xt_exit(int code); /* SYS_EXIT_EXTENDED */

#endif /* XT_SEMIHOST_H */
