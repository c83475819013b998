/* The closing line of a float32 reference step (run_f32_step.c,
 * run_f32_cnn.c): the loss bits and an FNV-1a hash over the bits of every
 * output and updated parameter, so a host build and each core can be
 * compared bit for bit. */
#ifndef F32_REPORT_H
#define F32_REPORT_H

#include <stdint.h>
#include <string.h>
#include "semihost.h"

#define F32_FNV_OFFSET 2166136261u

/* h folded with the float32 bit patterns of v[0..n-1] (FNV-1a, 32 bit). */
static inline uint32_t f32_fnv_bits(uint32_t h, const float *v, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        h = (h ^ bits) * 16777619u;
    }
    return h;
}

/* Prints "F32 STEP status=<rc> loss=<bits> hash=<h>"; the exit code of main. */
static inline int f32_report(int rc, float loss, uint32_t h)
{
    uint32_t loss_bits;
    memcpy(&loss_bits, &loss, sizeof loss_bits);
    xt_puts("F32 STEP status=");
    xt_put_i32(rc);
    xt_puts(" loss=");
    xt_put_hex(loss_bits);
    xt_puts(" hash=");
    xt_put_hex(h);
    xt_puts("\n");
    xt_flush();
    return rc == 0 ? 0 : 1;
}

#endif /* F32_REPORT_H */
