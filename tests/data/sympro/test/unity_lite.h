/* A Unity-like assert set (TEST_ASSERT_*, RUN_TEST, UNITY_END) in one header. */
#ifndef UNITY_LITE_H
#define UNITY_LITE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int unityFailures = 0;
static int unityTests = 0;
static const char *unityCurrent = "";

#define TEST_FAIL_MESSAGE(msg)                                                                \
    do {                                                                                      \
        printf("%s:%d:%s:FAIL: %s\n", __FILE__, __LINE__, unityCurrent, (msg));               \
        ++unityFailures;                                                                      \
        return;                                                                               \
    } while (0)
#define TEST_ASSERT_EQUAL_INT32(expected, actual)                                             \
    do {                                                                                      \
        if ((int32_t)(expected) != (int32_t)(actual)) {                                       \
            printf("%s:%d:%s:FAIL: expected %ld was %ld\n", __FILE__, __LINE__, unityCurrent, \
                   (long)(expected), (long)(actual));                                         \
            ++unityFailures;                                                                  \
            return;                                                                           \
        }                                                                                     \
    } while (0)
#define TEST_ASSERT_EQUAL_FLOAT_BITS(expected, actual)                                        \
    do {                                                                                      \
        float e_ = (expected), a_ = (actual);                                                 \
        if (memcmp(&e_, &a_, sizeof e_) != 0) {                                               \
            printf("%s:%d:%s:FAIL: expected %.9g was %.9g\n", __FILE__, __LINE__,             \
                   unityCurrent, (double)e_, (double)a_);                                     \
            ++unityFailures;                                                                  \
            return;                                                                           \
        }                                                                                     \
    } while (0)
#define RUN_TEST(fn)          \
    do {                      \
        unityCurrent = #fn;   \
        ++unityTests;         \
        fn();                 \
    } while (0)
#define UNITY_BEGIN() (unityFailures = 0, unityTests = 0)
#define UNITY_END()                                                                    \
    (printf("%d Tests %d Failures\n%s\n", unityTests, unityFailures,                   \
            unityFailures ? "FAIL" : "OK"),                                            \
     unityFailures != 0)

#endif
