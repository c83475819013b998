/* Semihosting calls: SYS_WRITE0 (0x04) for text, SYS_EXIT_EXTENDED (0x20)
 * with reason ADP_Stopped_ApplicationExit and the exit code as subcode, so
 * that qemu-system-arm -semihosting exits with that status (plain SYS_EXIT on
 * AArch32 can only say "0" or "1"). */
#include "semihost.h"

#define SYS_WRITE0 0x04u
#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile ("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

#define XT_BUF_SIZE 256u
static char xt_buf[XT_BUF_SIZE + 1u];
static uint32_t xt_len;

void xt_flush(void)
{
    if (xt_len != 0u) {
        xt_buf[xt_len] = '\0';
        (void)semihost_call(SYS_WRITE0, xt_buf);
        xt_len = 0u;
    }
}

static void xt_putc(char c)
{
    if (xt_len == XT_BUF_SIZE) {
        xt_flush();
    }
    xt_buf[xt_len++] = c;
}

void xt_puts(const char *s)
{
    while (*s != '\0') {
        xt_putc(*s++);
    }
}

void xt_put_u32(uint32_t v)
{
    char tmp[11];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (i > 0) {
        xt_putc(tmp[--i]);
    }
}

void xt_put_i32(int32_t v)
{
    if (v < 0) {
        xt_putc('-');
        xt_put_u32(0u - (uint32_t)v);
    } else {
        xt_put_u32((uint32_t)v);
    }
}

void xt_put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    int shift;
    xt_putc('0');
    xt_putc('x');
    for (shift = 28; shift >= 0; shift -= 4) {
        xt_putc(digits[(v >> shift) & 0xfu]);
    }
}

void xt_exit(int code)
{
    uint32_t block[2];
    xt_flush();
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    (void)semihost_call(SYS_EXIT_EXTENDED, block);
    /* Fallback for hosts without SYS_EXIT_EXTENDED: reason-only exit. */
    (void)semihost_call(SYS_EXIT, (const void *)(uintptr_t)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : 0x20023u));
    for (;;) {
    }
}
