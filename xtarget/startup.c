/* Minimal Cortex-M startup for the symverify cross-target harness.
 *
 * Vector table (initial SP, reset, NMI, HardFault, ... as weak aliases to a
 * fault handler that reports over semihosting and exits with XT_EXIT_FAULT),
 * copy .data from flash, zero .bss, enable the FPU on cores that have one
 * (CPACR CP10/CP11 full access, before any floating-point instruction), then
 * main(); main's return value becomes the semihosting exit code.
 * Works on ARMv6-M (cortex-m0plus) and ARMv7E-M (cortex-m4, cortex-m7). */
#include <stdint.h>
#include "semihost.h"

extern uint32_t __stack_top;
extern uint32_t __data_load, __data_start, __data_end;
extern uint32_t __bss_start, __bss_end;

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);

void NMI_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Fault_Handler")));

typedef void (*vector_t)(void);

__attribute__((section(".vectors"), used))
const vector_t xt_vectors[16] = {
    (vector_t)(uintptr_t)&__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,
    SVC_Handler,
    0, 0,
    PendSV_Handler,
    SysTick_Handler,
};

#if defined(XT_PROBE)
/* Code-size probe images (symverify/xtarget.py) contain nothing but this
 * startup and the kernels: no semihosting, no reporting. */
void Fault_Handler(void)
{
    for (;;) {
    }
}
#else
void Fault_Handler(void)
{
    uint32_t ipsr;
    __asm__ volatile ("mrs %0, ipsr" : "=r"(ipsr));
    xt_puts("XT FAULT exception=");
    xt_put_u32(ipsr & 0x1ffu);
    xt_puts("\n");
    xt_flush();
    xt_exit(XT_EXIT_FAULT);
}
#endif

__attribute__((noreturn)) void Reset_Handler(void)
{
    uint32_t *src = &__data_load;
    uint32_t *dst = &__data_start;
    while (dst < &__data_end) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start; dst < &__bss_end; ++dst) {
        *dst = 0u;
    }
#if defined(__ARM_FP)
    /* CPACR: full access to CP10 and CP11 (the FPU). */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm__ volatile ("dsb\n\tisb" ::: "memory");
#endif
    {
        int rc = main();
#if defined(XT_PROBE)
        (void)rc;
        for (;;) {
        }
#else
        xt_flush();
        xt_exit(rc);
#endif
    }
}
