/* Entry point of a harness image: one kernel family per image. */
#include "harness.h"

int main(void)
{
    uint32_t failed;
    xt_run_family();
    failed = xt_end();
    return failed == 0u ? XT_EXIT_PASS : XT_EXIT_MISMATCH;
}
