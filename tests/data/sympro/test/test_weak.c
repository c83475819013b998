/* The weak suite: one happy-path check per function. */
#include "SymRequant.h"
#include "unity_lite.h"

static void testRoundPositive(void)
{
    TEST_ASSERT_EQUAL_INT32(3, roundHalfAway(2.6f));
}

static void testRequantFixedSmall(void)
{
    const int32_t in[2] = {10, 20};
    int32_t out[2];
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantFixed(in, 2, 1.0f, 2.0f, 8, out));
    TEST_ASSERT_EQUAL_INT32(10, out[1]);
}

int main(void)
{
    UNITY_BEGIN();
    RUN_TEST(testRoundPositive);
    RUN_TEST(testRequantFixedSmall);
    return UNITY_END();
}
