/* ctx.h — execution contexts: starting one on a stack, switching, and the
 * copies that move a process's frames out of and back into a shared stack.
 * The sanitizers are told about every switch, so AddressSanitizer and
 * ThreadSanitizer follow processes from stack to stack. */
#ifndef OTTER_CORE_CTX_H
#define OTTER_CORE_CTX_H

#include <stddef.h>

/* The assembly primitives (src/core/arch/ctx_<arch>.S). */
void ot__ctx_switch(void **save_sp, void *load_sp);
void ot__ctx_boot(void);

/* ot__ctx_init: lays out a new context at the top of a stack (top must be
 * 16-aligned) that calls entry(arg) when first switched to; returns its
 * stack pointer. entry must never return. */
void *ot__ctx_init(char *top, void (*entry)(void *), void *arg);

/* ot__stack_copy: copies n bytes between stack regions without the
 * sanitizers' checks (stack frames hold poisoned red zones). */
void ot__stack_copy(void *dst, const void *src, size_t n);

/* ot__stack_unpoison: clears AddressSanitizer's marks over [lo, hi) before
 * other frames are placed there. No-op without ASan. */
void ot__stack_unpoison(char *lo, char *hi);

/* Sanitizer fiber hooks around a switch from the current context to one
 * running on stack [bottom, bottom + size). `dying` says the current
 * context will never be resumed. tsan_to is the target's TSan fiber.
 * Without sanitizers they compile to nothing. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OT__FIBER_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define OT__FIBER_HOOKS 1
#endif
#endif
#ifdef OT__FIBER_HOOKS
void ot__fiber_before_switch(void **fake_stack, const void *bottom, size_t size, void *tsan_to, int dying);
void ot__fiber_after_switch(void *fake_stack);
#else
static inline void ot__fiber_before_switch(void **fake_stack, const void *bottom, size_t size,
                                           void *tsan_to, int dying)
{
    (void)fake_stack, (void)bottom, (void)size, (void)tsan_to, (void)dying;
}
static inline void ot__fiber_after_switch(void *fake_stack) { (void)fake_stack; }
#endif
void *ot__fiber_tsan_create(void);
void *ot__fiber_tsan_current(void);
void ot__fiber_tsan_destroy(void *fiber);

#endif
