@ Functions with instruction counts derivable by hand, for tests/test_icount.py.
@ ARMv6-M encodings only (they run on the M0+, M4 and M7 alike), except
@ icount_it, which needs an IT block (ARMv7-M; assembled for M4/M7 only).
    .syntax unified
    .thumb
    .text

@ uint32_t icount_loop(uint32_t n), n >= 1: returns n after 3 + 3n instructions
@ (movs; n x (adds, subs, bne); movs; bx).
    .global icount_loop
    .type icount_loop, %function
    .thumb_func
icount_loop:
    movs r1, #0
1:  adds r1, r1, #1
    subs r0, r0, #1
    bne 1b
    movs r0, r1
    bx lr
    .size icount_loop, . - icount_loop

@ uint32_t icount_outer(uint32_t n): push, bl icount_loop, adds, pop = 4 + (3 + 3n);
@ returns n + 1.
    .global icount_outer
    .type icount_outer, %function
    .thumb_func
icount_outer:
    push {r4, lr}
    bl icount_loop
    adds r0, r0, #1
    pop {r4, pc}
    .size icount_outer, . - icount_outer

@ void icount_spin(void): never returns (for the instruction budget).
    .global icount_spin
    .type icount_spin, %function
    .thumb_func
icount_spin:
    b icount_spin
    .size icount_spin, . - icount_spin

@ uint32_t icount_load(uint32_t *p): reads *p (an unmapped p must be reported).
    .global icount_load
    .type icount_load, %function
    .thumb_func
icount_load:
    ldr r0, [r0]
    bx lr
    .size icount_load, . - icount_load

#if defined(__ARM_ARCH_7EM__)
@ uint32_t icount_it(uint32_t x): cmp, ite, moveq, movne, bx = 5 instructions
@ issued, one of the two conditional moves fails its condition; returns
@ 1 if x == 0 else 2.
    .global icount_it
    .type icount_it, %function
    .thumb_func
icount_it:
    cmp r0, #0
    ite eq
    moveq r0, #1
    movne r0, #2
    bx lr
    .size icount_it, . - icount_it
#endif
