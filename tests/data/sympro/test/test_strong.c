/* The strong suite: ties, signs, saturation at both bounds, width and scale
 * errors, the dynamic scale bits and in-place use. */
#include "SymRequant.h"
#include "unity_lite.h"

static void testRoundTiesAwayFromZero(void)
{
    TEST_ASSERT_EQUAL_INT32(3, roundHalfAway(2.5f));
    TEST_ASSERT_EQUAL_INT32(-3, roundHalfAway(-2.5f));
    TEST_ASSERT_EQUAL_INT32(2, roundHalfAway(2.4999998f));
    TEST_ASSERT_EQUAL_INT32(-2, roundHalfAway(-2.4999998f));
    TEST_ASSERT_EQUAL_INT32(0, roundHalfAway(0.0f));
    TEST_ASSERT_EQUAL_INT32(0, roundHalfAway(-0.4f));
    TEST_ASSERT_EQUAL_INT32(1, roundHalfAway(0.5f));
    TEST_ASSERT_EQUAL_INT32(-1, roundHalfAway(-0.5f));
    TEST_ASSERT_EQUAL_INT32(0, roundHalfAway(0.49999994f));
    TEST_ASSERT_EQUAL_INT32(0, roundHalfAway(-0.49999994f));
    TEST_ASSERT_EQUAL_INT32(40001, roundHalfAway(40000.5f));
    TEST_ASSERT_EQUAL_INT32(-40001, roundHalfAway(-40000.5f));
}

static void testQMax(void)
{
    TEST_ASSERT_EQUAL_INT32(0, qMaxOfBits(0));
    TEST_ASSERT_EQUAL_INT32(0, qMaxOfBits(1));
    TEST_ASSERT_EQUAL_INT32(1, qMaxOfBits(2));
    TEST_ASSERT_EQUAL_INT32(127, qMaxOfBits(8));
    TEST_ASSERT_EQUAL_INT32(32767, qMaxOfBits(16));
    TEST_ASSERT_EQUAL_INT32(0, qMaxOfBits(17));
}

static void testClamp(void)
{
    TEST_ASSERT_EQUAL_FLOAT_BITS(-2.0f, clampFloat(-3.0f, -2.0f, 5.0f));
    TEST_ASSERT_EQUAL_FLOAT_BITS(5.0f, clampFloat(6.0f, -2.0f, 5.0f));
    TEST_ASSERT_EQUAL_FLOAT_BITS(1.5f, clampFloat(1.5f, -2.0f, 5.0f));
    TEST_ASSERT_EQUAL_FLOAT_BITS(-2.0f, clampFloat(-2.0f, -2.0f, 5.0f));
    TEST_ASSERT_EQUAL_FLOAT_BITS(5.0f, clampFloat(5.0f, -2.0f, 5.0f));
    /* a bound equal to v but of the other zero sign: v itself comes back */
    TEST_ASSERT_EQUAL_FLOAT_BITS(-0.0f, clampFloat(-0.0f, 0.0f, 1.0f));
    TEST_ASSERT_EQUAL_FLOAT_BITS(0.0f, clampFloat(0.0f, -1.0f, -0.0f));
}

static void testRequantFixedSaturates(void)
{
    const int32_t in[6] = {1000, -1000, 255, -257, 3, -3};
    int32_t out[6];
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantFixed(in, 6, 0.5f, 1.0f, 8, out));
    TEST_ASSERT_EQUAL_INT32(127, out[0]);
    TEST_ASSERT_EQUAL_INT32(-128, out[1]);
    TEST_ASSERT_EQUAL_INT32(127, out[2]);
    TEST_ASSERT_EQUAL_INT32(-128, out[3]);
    TEST_ASSERT_EQUAL_INT32(2, out[4]);
    TEST_ASSERT_EQUAL_INT32(-2, out[5]);
}

static void testRequantFixedWritesOnlyN(void)
{
    const int32_t in[3] = {4, 6, 8};
    int32_t out[4] = {-5, -5, -5, -5};
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantFixed(in, 3, 1.0f, 2.0f, 8, out));
    TEST_ASSERT_EQUAL_INT32(4, out[2]);
    TEST_ASSERT_EQUAL_INT32(-5, out[3]);
}

static void testRequantFixedWideMantissas(void)
{
    /* beyond int16 and beyond float32's 24 bits: the float32 product rounds first */
    const int32_t in[2] = {100000, 58949333};
    int32_t out[2];
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantFixed(in, 1, 1.0f, 10.0f, 16, out));
    TEST_ASSERT_EQUAL_INT32(10000, out[0]);
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantFixed(in + 1, 1, 1.0f, 0x1.c71f74p+11f, 16, out + 1));
    TEST_ASSERT_EQUAL_INT32(16190, out[1]);
}

static void testRequantFixedErrors(void)
{
    const int32_t in[1] = {5};
    int32_t out[1] = {77};
    TEST_ASSERT_EQUAL_INT32(SYMPRO_BAD_WIDTH, requantFixed(in, 1, 1.0f, 1.0f, 1, out));
    TEST_ASSERT_EQUAL_INT32(SYMPRO_BAD_WIDTH, requantFixed(in, 1, 1.0f, 1.0f, 17, out));
    TEST_ASSERT_EQUAL_INT32(SYMPRO_BAD_SCALE, requantFixed(in, 1, 1.0f, 0.0f, 8, out));
    TEST_ASSERT_EQUAL_INT32(SYMPRO_BAD_SCALE, requantFixed(in, 1, 0.0f, 1.0f, 8, out));
    TEST_ASSERT_EQUAL_INT32(SYMPRO_BAD_SCALE, requantFixed(in, 1, -1.0f, 1.0f, 8, out));
    TEST_ASSERT_EQUAL_INT32(77, out[0]);
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantFixed(in, 1, 1.0f, 1.0f, 2, out));
    TEST_ASSERT_EQUAL_INT32(1, out[0]);
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantFixed(in, 1, 1.0f, 1.0f, 16, out));
    TEST_ASSERT_EQUAL_INT32(5, out[0]);
}

static void testRequantDynamicScale(void)
{
    int32_t m[4] = {300, -600, 7, 0};
    float scale = 0.0f;
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantDynamic(m, 4, 0.25f, 8, m, &scale));
    TEST_ASSERT_EQUAL_FLOAT_BITS(150.0f / 127.0f, scale);
    TEST_ASSERT_EQUAL_INT32(64, m[0]);
    TEST_ASSERT_EQUAL_INT32(-127, m[1]);
    TEST_ASSERT_EQUAL_INT32(1, m[2]);
    TEST_ASSERT_EQUAL_INT32(0, m[3]);
}

static void testRequantDynamicLargestFirst(void)
{
    const int32_t in[3] = {-900, 100, 50};
    int32_t out[3];
    float scale = 0.0f;
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantDynamic(in, 3, 1.0f, 4, out, &scale));
    TEST_ASSERT_EQUAL_FLOAT_BITS(900.0f / 7.0f, scale);
    TEST_ASSERT_EQUAL_INT32(-7, out[0]);
    TEST_ASSERT_EQUAL_INT32(1, out[1]);
    TEST_ASSERT_EQUAL_INT32(0, out[2]);
}

static void testRequantDynamicWide(void)
{
    /* 16777217 * 3 is not a float32: the product rounds after the conversion */
    const int32_t in[1] = {16777217};
    int32_t out[1];
    float scale = 0.0f;
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantDynamic(in, 1, 3.0f, 8, out, &scale));
    TEST_ASSERT_EQUAL_FLOAT_BITS(50331648.0f / 127.0f, scale);
    TEST_ASSERT_EQUAL_INT32(127, out[0]);
}

static void testRequantDynamicBelowOne(void)
{
    const int32_t in[2] = {1, -1};
    int32_t out[2];
    float scale = 0.0f;
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantDynamic(in, 2, 0.5f, 8, out, &scale));
    TEST_ASSERT_EQUAL_FLOAT_BITS(0.5f / 127.0f, scale);
    TEST_ASSERT_EQUAL_INT32(127, out[0]);
    TEST_ASSERT_EQUAL_INT32(-127, out[1]);
}

static void testRequantDynamicZeros(void)
{
    const int32_t in[2] = {0, 0};
    int32_t out[2] = {9, 9};
    float scale = 0.0f;
    TEST_ASSERT_EQUAL_INT32(SYMPRO_OK, requantDynamic(in, 2, 3.0f, 8, out, &scale));
    TEST_ASSERT_EQUAL_FLOAT_BITS(1.0f, scale);
    TEST_ASSERT_EQUAL_INT32(0, out[0]);
    TEST_ASSERT_EQUAL_INT32(0, out[1]);
}

static void testRequantDynamicErrors(void)
{
    const int32_t in[1] = {5};
    int32_t out[1] = {77};
    float scale = 4.0f;
    TEST_ASSERT_EQUAL_INT32(SYMPRO_BAD_WIDTH, requantDynamic(in, 1, 1.0f, 1, out, &scale));
    TEST_ASSERT_EQUAL_INT32(SYMPRO_BAD_SCALE, requantDynamic(in, 1, 0.0f, 8, out, &scale));
    TEST_ASSERT_EQUAL_INT32(SYMPRO_BAD_SCALE, requantDynamic(in, 1, -2.0f, 8, out, &scale));
    TEST_ASSERT_EQUAL_INT32(77, out[0]);
    TEST_ASSERT_EQUAL_FLOAT_BITS(4.0f, scale);
}

int main(void)
{
    UNITY_BEGIN();
    RUN_TEST(testRoundTiesAwayFromZero);
    RUN_TEST(testQMax);
    RUN_TEST(testClamp);
    RUN_TEST(testRequantFixedSaturates);
    RUN_TEST(testRequantFixedWritesOnlyN);
    RUN_TEST(testRequantFixedWideMantissas);
    RUN_TEST(testRequantFixedErrors);
    RUN_TEST(testRequantDynamicScale);
    RUN_TEST(testRequantDynamicLargestFirst);
    RUN_TEST(testRequantDynamicWide);
    RUN_TEST(testRequantDynamicBelowOne);
    RUN_TEST(testRequantDynamicZeros);
    RUN_TEST(testRequantDynamicErrors);
    return UNITY_END();
}
