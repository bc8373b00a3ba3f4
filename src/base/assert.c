/* assert.c — what a failed assertion does, and the thread ids that lock
 * ownership checks compare (assert.h). */
#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/assert.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <sanitizer/common_interface_defs.h>
#endif

_Noreturn void ot__assert_fail(const char *file, int line, const char *func, const char *cond)
{
    fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", file, line, func, cond);
    fflush(stderr);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    __sanitizer_print_stack_trace();
#else
    void *frames[64];
    backtrace_symbols_fd(frames, backtrace(frames, 64), 2);
#endif
    abort();
}

_Thread_local int ot__tid;

int ot__thread_id_slow(void)
{
    ot__tid = (int)syscall(SYS_gettid);
    return ot__tid;
}

/* A forked child's thread has an id of its own: forget the parent's. */
static void forget_tid(void)
{
    ot__tid = 0;
}

__attribute__((constructor)) static void tid_init(void)
{
    pthread_atfork(NULL, NULL, forget_tid);
}

#ifndef NDEBUG
_Thread_local int ot__lock_depth;
#endif
