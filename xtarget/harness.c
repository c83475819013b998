/* Bit-exact comparison and reporting for the golden-vector harness. */
#include "harness.h"
#include "sym_selftest.h"

static const char *xt_family;
static const char *xt_kernel;      /* kernel of the current vector */
static const char *xt_summary_kernel; /* kernel whose run/pass counters are open */
static uint32_t xt_index;
static const char *xt_name;
static int xt_vec_ok;
static uint32_t xt_run, xt_pass;   /* family totals */
static uint32_t xt_krun, xt_kpass; /* per-kernel totals */

uint32_t xt_f32_bits(float f)
{
    union { float f; uint32_t u; } v;
    v.f = f;
    return v.u;
}

float xt_f32(uint32_t bits)
{
    union { float f; uint32_t u; } v;
    v.u = bits;
    return v.f;
}

void xt_fill(int32_t *buf, int32_t len, int32_t value)
{
    int32_t i;
    for (i = 0; i < len; ++i) {
        buf[i] = value;
    }
}

void xt_copy(int32_t *dst, const int32_t *src, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        dst[i] = src[i];
    }
}

int xt_check_array(const char *field, const int32_t *expected, const int32_t *got, int32_t n)
{
    int ok = 1;
    int32_t i;
    for (i = 0; i < n; ++i) {
        ok &= xt_check_i32(field, i, expected[i], got[i]);
    }
    return ok;
}

int xt_check_array_f32(const char *field, const uint32_t *expected_bits, const float *got, int32_t n)
{
    int ok = 1;
    int32_t i;
    for (i = 0; i < n; ++i) {
        ok &= xt_check_f32(field, i, expected_bits[i], got[i]);
    }
    return ok;
}

int xt_check_fill(const char *field, const int32_t *got, int32_t from, int32_t to, int32_t value)
{
    int ok = 1;
    int32_t i;
    for (i = from; i < to; ++i) {
        ok &= xt_check_i32(field, i, value, got[i]);
    }
    return ok;
}

static int xt_streq(const char *a, const char *b)
{
    if (a == b) {
        return 1;
    }
    if (a == 0 || b == 0) {
        return 0;
    }
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

static void xt_kernel_summary(void)
{
    if (xt_summary_kernel != 0) {
        xt_puts("XT KERNEL ");
        xt_puts(xt_summary_kernel);
        xt_puts(" run=");
        xt_put_u32(xt_krun);
        xt_puts(" pass=");
        xt_put_u32(xt_kpass);
        xt_puts("\n");
    }
    xt_krun = 0u;
    xt_kpass = 0u;
}

int xt_selftest(void)
{
    uint32_t faults = 0u;
    const int status = sym_selftest_fp(&faults);
    xt_puts("XT SELFTEST status=");
    xt_put_i32(status);
    xt_puts(" faults=");
    xt_put_hex(faults);
    xt_puts("\n");
    return status;
}

void xt_begin(const char *family)
{
    xt_family = family;
    xt_run = xt_pass = 0u;
    xt_summary_kernel = 0;
    xt_puts("XT BEGIN ");
    xt_puts(family);
    xt_puts("\n");
}

void xt_vector_begin(const char *kernel, uint32_t index, const char *name)
{
    xt_name = name;
    if (!xt_streq(kernel, xt_summary_kernel)) {
        xt_kernel_summary();
        xt_summary_kernel = kernel;
    }
    xt_kernel = kernel;
    xt_index = index;
    xt_vec_ok = 1;
}

static void xt_fail_head(const char *field, int32_t elem)
{
    xt_puts("XT FAIL ");
    xt_puts(xt_kernel);
    xt_puts(" ");
    xt_put_u32(xt_index);
    xt_puts(" ");
    xt_puts(xt_name);
    xt_puts(" ");
    xt_puts(field);
    if (elem >= 0) {
        xt_puts("[");
        xt_put_i32(elem);
        xt_puts("]");
    }
}

int xt_check_u32(const char *field, int32_t elem, uint32_t expected, uint32_t got)
{
    if (expected == got) {
        return 1;
    }
    xt_vec_ok = 0;
    xt_fail_head(field, elem);
    xt_puts(" exp=");
    xt_put_hex(expected);
    xt_puts(" got=");
    xt_put_hex(got);
    xt_puts("\n");
    return 0;
}

int xt_check_i32(const char *field, int32_t elem, int32_t expected, int32_t got)
{
    return xt_check_u32(field, elem, (uint32_t)expected, (uint32_t)got);
}

int xt_check_f32(const char *field, int32_t elem, uint32_t expected_bits, float got)
{
    return xt_check_u32(field, elem, expected_bits, xt_f32_bits(got));
}

void xt_vector_end(void)
{
    ++xt_run;
    ++xt_krun;
    if (xt_vec_ok) {
        ++xt_pass;
        ++xt_kpass;
    }
#if defined(XT_VERBOSE)
    xt_puts("XT V ");
    xt_puts(xt_kernel);
    xt_puts(" ");
    xt_put_u32(xt_index);
    xt_puts(" ");
    xt_puts(xt_name);
    xt_puts(xt_vec_ok ? " PASS\n" : " FAIL\n");
#endif
}

uint32_t xt_end(void)
{
    xt_kernel_summary();
    xt_summary_kernel = 0;
    xt_puts("XT END ");
    xt_puts(xt_family);
    xt_puts(" run=");
    xt_put_u32(xt_run);
    xt_puts(" pass=");
    xt_put_u32(xt_pass);
    xt_puts(" fail=");
    xt_put_u32(xt_run - xt_pass);
    xt_puts("\n");
    return xt_run - xt_pass;
}
