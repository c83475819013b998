/* A minimal stand-in for ThrowTheSwitch Unity (unity.h), only the macros the
 * emitted tests use, with Unity's output format and exit convention:
 * "file:line:test:PASS|FAIL: msg|IGNORE: msg", then "N Tests F Failures I Ignored". */
#ifndef UNITY_MIN_H
#define UNITY_MIN_H

#include <setjmp.h>

void setUp(void);
void tearDown(void);
void UnityBegin(const char *file);
int UnityEnd(void);
void UnityDefaultTestRun(void (*fn)(void), const char *name, int line);
void UnityFail(const char *msg, int line);
void UnityIgnore(const char *msg, int line);

#define UNITY_BEGIN() UnityBegin(__FILE__)
#define UNITY_END() UnityEnd()
#define RUN_TEST(fn) UnityDefaultTestRun(fn, #fn, __LINE__)
#define TEST_FAIL_MESSAGE(msg) UnityFail((msg), __LINE__)
#define TEST_IGNORE_MESSAGE(msg) UnityIgnore((msg), __LINE__)

#endif
