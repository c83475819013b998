/* The integer-only float32 adder sym_intreq_add_bits (sym_intreq_add.c) is
 * declared with the other integer-only cores in sym_intreq.h; this header
 * is the one of its source, as every kernel source has. */
#ifndef SYM_INTREQ_ADD_H
#define SYM_INTREQ_ADD_H

#include "sym_intreq.h"

#endif /* SYM_INTREQ_ADD_H */
