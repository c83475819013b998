/* Decoder of the fuzz case layout (fz_case.h). No globals, no allocation. */
#include "fz_case.h"

#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
} fz_reader;

static uint8_t fz_byte(fz_reader *r)
{
    uint8_t b = 0;
    if (r->pos < r->size) {
        b = r->data[r->pos];
    }
    r->pos++;
    return b;
}

static uint32_t fz_u32(fz_reader *r)
{
    uint32_t v = 0;
    int k;
    for (k = 0; k < 4; k++) {
        v |= (uint32_t)fz_byte(r) << (8 * k);
    }
    return v;
}

static int32_t fz_i32_of(uint32_t u)
{
    int32_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static int32_t fz_element(fz_reader *r, int mode)
{
    if (mode == 0) {
        return (int32_t)(int8_t)fz_byte(r);
    }
    if (mode == 1) {
        uint32_t lo = fz_byte(r);
        uint32_t hi = fz_byte(r);
        return (int32_t)(int16_t)(uint16_t)(lo | (hi << 8));
    }
    return fz_i32_of(fz_u32(r));
}

size_t fz_decode(const uint8_t *data, size_t size, fz_case *c)
{
    fz_reader r;
    int k;
    int i;
    r.data = data;
    r.size = size;
    r.pos = 0;
    memset(c, 0, sizeof *c);
    c->op = fz_byte(&r);
    for (k = 0; k < FZ_NP; k++) {
        c->p[k] = (int32_t)(int8_t)fz_byte(&r);
    }
    c->seed = fz_u32(&r);
    for (k = 0; k < FZ_NF; k++) {
        uint32_t bits = fz_u32(&r);
        memcpy(&c->f[k], &bits, sizeof bits);
    }
    for (k = 0; k < FZ_NA; k++) {
        int mode;
        c->n[k] = fz_byte(&r);
        mode = fz_byte(&r) % 3;
        for (i = 0; i < c->n[k]; i++) {
            c->a[k][i] = fz_element(&r, mode);
        }
    }
    c->nx = fz_byte(&r);
    for (i = 0; i < c->nx; i++) {
        uint32_t bits = fz_u32(&r);
        memcpy(&c->x[i], &bits, sizeof bits);
    }
    return r.pos;
}
