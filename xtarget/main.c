/* Entry point of a harness image: the floating-point self-test first (a
 * fault fails the run before any vector), then one kernel family. */
#include "harness.h"

int main(void)
{
    uint32_t failed;
    if (xt_selftest() != 0) {
#if !defined(XT_SELFTEST_CONTINUE)
        return XT_EXIT_FPENV;
#endif
    }
    xt_run_family();
    failed = xt_end();
    return failed == 0u ? XT_EXIT_PASS : XT_EXIT_MISMATCH;
}
