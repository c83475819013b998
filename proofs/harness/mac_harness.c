/* The raw int32 multiply-accumulate loop of a dot product with a seeded bias,
 * exactly as the proofs model it (proofs/steps.py: mac):
 *     acc = seed; for i: acc += x_i * w_i;     (int32, no checks)
 * Built with -fsanitize=undefined -fno-sanitize-recover=all, so UBSan aborts
 * on the first signed overflow. Usage:
 *     mac_harness SEED N X W        (uniform operands: x_i = X, w_i = W)
 *     mac_harness SEED N -          (N pairs "x w" read from stdin)
 * Before each add it prints "step K" (1-based) for the last three steps and
 * for the first step that the caller announces with MAC_WATCH=K, so the
 * replay can check that UBSan fires at exactly the predicted step. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: mac_harness SEED N X W | mac_harness SEED N -\n");
        return 2;
    }
    int32_t acc = (int32_t)strtol(argv[1], NULL, 10);
    long n = strtol(argv[2], NULL, 10);
    int from_stdin = strcmp(argv[3], "-") == 0;
    int32_t ux = 0, uw = 0;
    if (!from_stdin) {
        if (argc < 5) return 2;
        ux = (int32_t)strtol(argv[3], NULL, 10);
        uw = (int32_t)strtol(argv[4], NULL, 10);
    }
    const char *watch_env = getenv("MAC_WATCH");
    long watch = watch_env ? strtol(watch_env, NULL, 10) : -1;
    for (long i = 0; i < n; i++) {
        int32_t x = ux, w = uw;
        if (from_stdin) {
            long lx, lw;
            if (scanf("%ld %ld", &lx, &lw) != 2) return 2;
            x = (int32_t)lx;
            w = (int32_t)lw;
        }
        if (i + 1 >= n - 2 || i + 1 == watch) {
            printf("step %ld\n", i + 1);
            fflush(stdout);
        }
        int32_t p = x * w;
        acc += p;
    }
    printf("acc %ld\n", (long)acc);
    return 0;
}
