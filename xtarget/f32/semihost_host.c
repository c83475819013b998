/* The semihost.h output functions on a host (stdio), so that a target
 * program such as run_f32_step.c also builds and runs natively and its
 * output can be compared with the cores'. */
#include <stdio.h>
#include <stdlib.h>
#include "semihost.h"

void xt_puts(const char *s)
{
    fputs(s, stdout);
}

void xt_put_u32(uint32_t v)
{
    printf("%lu", (unsigned long)v);
}

void xt_put_i32(int32_t v)
{
    printf("%ld", (long)v);
}

void xt_put_hex(uint32_t v)
{
    printf("0x%08lx", (unsigned long)v);
}

void xt_flush(void)
{
    fflush(stdout);
}

void xt_exit(int code)
{
    fflush(stdout);
    exit(code);
}
