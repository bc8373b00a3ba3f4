/* ctx.c — the C side of context switching: initial frames, stack copies,
 * and the hooks that keep AddressSanitizer and ThreadSanitizer informed. */
#include "core/ctx.h"

#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define OT__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OT__ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define OT__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OT__TSAN 1
#endif
#endif

#ifdef OT__ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef OT__TSAN
#include <sanitizer/tsan_interface.h>
#endif

void *ot__ctx_init(char *top, void (*entry)(void *), void *arg)
{
#if defined(__x86_64__)
    /* Layout popped by ot__ctx_switch: fp control, r15, r14, r13 (arg),
     * r12 (entry), rbx, rbp, return address. */
    uint64_t *sp = (uint64_t *)(void *)top - 8;
    uint32_t fpctl[2] = {0x1f80, 0x037f}; /* default MXCSR, x87 control word */
    memcpy(&sp[0], fpctl, sizeof fpctl);
    sp[1] = 0;
    sp[2] = 0;
    sp[3] = (uint64_t)(uintptr_t)arg;
    sp[4] = (uint64_t)(uintptr_t)entry;
    sp[5] = 0;
    sp[6] = 0;
    sp[7] = (uint64_t)(uintptr_t)ot__ctx_boot;
    return sp;
#elif defined(__aarch64__)
    /* Frame of 176 bytes: x19 (entry), x20 (arg), ..., x29 = 0,
     * x30 = ot__ctx_boot, d8..d15 = 0, fpcr = 0. */
    uint64_t *sp = (uint64_t *)(void *)top - 22;
    memset(sp, 0, 22 * sizeof *sp);
    sp[0] = (uint64_t)(uintptr_t)entry;
    sp[1] = (uint64_t)(uintptr_t)arg;
    sp[11] = (uint64_t)(uintptr_t)ot__ctx_boot;
    return sp;
#else
#error "otter: no context switch for this architecture"
#endif
}

__attribute__((no_sanitize("address", "thread", "undefined")))
void ot__stack_copy(void *dst, const void *src, size_t n)
{
#if !defined(OT__ASAN) && !defined(OT__TSAN)
    /* Unsanitized: libc's copy (vector moves) beats rep movsb's start-up
     * cost for the few hundred bytes a blocked process keeps. */
    memcpy(dst, src, n);
#elif defined(__x86_64__)
    /* Sanitized builds must not let the checked memcpy see stack memory
     * that belongs to switched-out frames. */
    __asm__ __volatile__("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
#else
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    while (n--)
        *d++ = *s++;
#endif
}

void ot__stack_unpoison(char *lo, char *hi)
{
#ifdef OT__ASAN
    if (hi > lo)
        __asan_unpoison_memory_region(lo, (size_t)(hi - lo));
#else
    (void)lo;
    (void)hi;
#endif
}

#ifdef OT__FIBER_HOOKS
void ot__fiber_before_switch(void **fake_stack, const void *bottom, size_t size, void *tsan_to, int dying)
{
#ifdef OT__ASAN
    __sanitizer_start_switch_fiber(dying ? NULL : fake_stack, bottom, size);
#else
    (void)fake_stack;
    (void)bottom;
    (void)size;
    (void)dying;
#endif
#ifdef OT__TSAN
    if (tsan_to)
        __tsan_switch_to_fiber(tsan_to, 0);
#else
    (void)tsan_to;
#endif
}

void ot__fiber_after_switch(void *fake_stack)
{
#ifdef OT__ASAN
    __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#else
    (void)fake_stack;
#endif
}
#endif

void *ot__fiber_tsan_create(void)
{
#ifdef OT__TSAN
    return __tsan_create_fiber(0);
#else
    return NULL;
#endif
}

void *ot__fiber_tsan_current(void)
{
#ifdef OT__TSAN
    return __tsan_get_current_fiber();
#else
    return NULL;
#endif
}

void ot__fiber_tsan_destroy(void *fiber)
{
#ifdef OT__TSAN
    if (fiber)
        __tsan_destroy_fiber(fiber);
#else
    (void)fiber;
#endif
}
