#include <setjmp.h>
#include <stdio.h>

#include "unity.h"

static struct {
    const char *file;
    const char *test;
    int tests, failures, ignored, status;
    jmp_buf abort_frame;
} unity;

void UnityBegin(const char *file)
{
    unity.file = file;
    unity.tests = unity.failures = unity.ignored = 0;
}

int UnityEnd(void)
{
    printf("\n-----------------------\n%d Tests %d Failures %d Ignored\n%s\n", unity.tests, unity.failures,
           unity.ignored, unity.failures ? "FAIL" : "OK");
    return unity.failures;
}

void UnityDefaultTestRun(void (*fn)(void), const char *name, int line)
{
    unity.test = name;
    unity.status = 0;
    ++unity.tests;
    if (setjmp(unity.abort_frame) == 0) {
        setUp();
        fn();
    }
    tearDown();
    if (unity.status == 0) {
        printf("%s:%d:%s:PASS\n", unity.file, line, name);
    }
}

void UnityFail(const char *msg, int line)
{
    ++unity.failures;
    unity.status = 1;
    printf("%s:%d:%s:FAIL: %s\n", unity.file, line, unity.test, msg);
    longjmp(unity.abort_frame, 1);
}

void UnityIgnore(const char *msg, int line)
{
    ++unity.ignored;
    unity.status = 2;
    printf("%s:%d:%s:IGNORE: %s\n", unity.file, line, unity.test, msg);
    longjmp(unity.abort_frame, 1);
}
