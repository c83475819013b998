/* Golden vectors of the "round" family against the adapter (sv_adapter.h). */
#include "round.h"
#include "sv_adapter.h"
#include "sv_check.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

uint32_t sv_count_round_half_away(void)
{
    return COUNT(sym_golden_round_round_half_away);
}

const char *sv_name_round_half_away(uint32_t i)
{
    return sym_golden_round_round_half_away[i].name;
}

int sv_check_round_half_away(uint32_t i, char *msg, size_t cap)
{
    const sym_golden_round_half_away_t *v = &sym_golden_round_round_half_away[i];
    int32_t out = SV_SENTINEL;
    sv_ctx c;
    int rc;
    sv_begin(&c, msg, cap);
    rc = sv_round_half_away(sv_f32(v->x), &out);
    if (sv_status(&c, v->status, rc)) {
        sv_i32(&c, "out", -1, v->status == 0 ? v->out : SV_SENTINEL, out);
    }
    return sv_end(&c, rc);
}
