/* Golden vectors of the "round" family on target: sym_round_half_away. */
#include "harness.h"
#include "sym_round.h"
#include "round.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static void run_round_half_away(void)
{
    uint32_t i;
    for (i = 0; i < COUNT(sym_golden_round_round_half_away); ++i) {
        const sym_golden_round_half_away_t *v = &sym_golden_round_round_half_away[i];
        int32_t out = XT_SENTINEL;
        int rc;
        xt_vector_begin("round_half_away", i, v->name);
        rc = sym_round_half_away(xt_f32(v->x), &out);
        xt_check_i32("status", -1, v->status, rc);
        xt_check_i32("out", -1, v->status == 0 ? v->out : XT_SENTINEL, out);
        xt_vector_end();
    }
}

void xt_run_family(void)
{
    xt_begin("round");
    run_round_half_away();
}
