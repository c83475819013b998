/* sv_adapter.c: map each sv_* function of sv_adapter.h onto your kernels.
 * Generated once by `symverify goldgen --emit`; never overwritten.
 * Delete the #error below once every function of the families you build
 * calls your code (return SV_SKIP for a vector your API cannot express). */
#error "fill in sv_adapter.c: call your own kernels from each sv_* function"

#include "sv_adapter.h"

int sv_round_half_away(float x, int32_t *out)
{
    (void)x;
    (void)out;
    return (int)SV_SKIP; /* e.g.: *out = myRoundHalfAway(x); return 0; */
}
