/* assert.h — otter's assertion tiers, after SQLite's (docs/assertions.md).
 *
 *  OT__ASSERT(cond)   an invariant or a lock rule. Checked in debug and test
 *                     builds, gone in release (NDEBUG: b_ndebug=if-release),
 *                     where cond is not even evaluated: it may be costly,
 *                     but must have no side effect.
 *  OT__ALWAYS(cond)   a condition that cannot be false, on a branch that
 *  OT__NEVER(cond)    handles it anyway: `if (OT__NEVER(x == NULL)) return
 *                     -EINVAL;`. In debug and test builds a wrong guess
 *                     stops the program as OT__ASSERT does; in release the
 *                     condition is evaluated and the code takes its safe
 *                     path. Both stay in release builds.
 *  OT__TESTCASE(cond) marks a boundary a test should reach (a queue that
 *                     just became empty, a heap at capacity). It checks
 *                     nothing and costs nothing; it names the case for the
 *                     reader and for a coverage run.
 *
 * A failed check prints "file:line: function: assertion failed: cond" on
 * stderr and aborts.
 *
 * Lock rules use the owner helpers below: a function whose name ends in
 * _locked (or whose comment says the caller holds a lock) asserts that
 * this thread holds it. Release builds keep none of it. */
#ifndef OTTER_BASE_ASSERT_H
#define OTTER_BASE_ASSERT_H

#include <pthread.h>
#include <stdbool.h>

/* ot__assert_fail: reports a failed check and aborts. */
_Noreturn void ot__assert_fail(const char *file, int line, const char *func, const char *cond)
    __attribute__((cold));

#ifdef NDEBUG
#define OT__ASSERT(cond) ((void)0)
#define OT__ALWAYS(cond) (__builtin_expect(!!(cond), 1))
#define OT__NEVER(cond) (__builtin_expect(!!(cond), 0))
#else
#define OT__ASSERT(cond) \
    (__builtin_expect(!!(cond), 1) ? (void)0 : ot__assert_fail(__FILE__, __LINE__, __func__, #cond))
#define OT__ALWAYS(cond) \
    (__builtin_expect(!!(cond), 1) ? 1 : (ot__assert_fail(__FILE__, __LINE__, __func__, #cond), 0))
#define OT__NEVER(cond) \
    (__builtin_expect(!!(cond), 0) ? (ot__assert_fail(__FILE__, __LINE__, __func__, "!(" #cond ")"), 1) : 0)
#endif
#define OT__TESTCASE(cond) ((void)0)

/* ---------------------------------------------------------------- lock owners
 *
 * ot__thread_id: the kernel's id of the calling thread (never 0), read
 * once per thread. Spinlocks built on it store their holder's id instead
 * of 1 in debug builds (core_internal.h, ets_internal.h), which costs
 * nothing more than the store they already make.
 *
 * ot__mutex_held: does the calling thread hold m? glibc records the owner
 * of every mutex it locks (all types) in m->__data.__owner; reading it
 * needs no change at the lock's call sites and no different mutex type.
 * On another C library this check is not available and says true.
 *
 * ot__lock_depth: how many spinlocks (and table locks) this thread holds,
 * debug builds only: a process must never switch out with one held (the
 * next process on the thread could spin on it forever). */
extern _Thread_local int ot__tid;
int ot__thread_id_slow(void);
static inline int ot__thread_id(void)
{
    int t = ot__tid;
    return t ? t : ot__thread_id_slow();
}

static inline bool ot__mutex_held(pthread_mutex_t *m)
{
#if defined(__GLIBC__)
    return m->__data.__owner == ot__thread_id();
#else
    (void)m;
    return true;
#endif
}

#ifndef NDEBUG
extern _Thread_local int ot__lock_depth;
#define OT__LOCK_TOKEN() ot__thread_id()
#define OT__LOCK_NOTE(delta) (ot__lock_depth += (delta))
#else
#define OT__LOCK_TOKEN() 1
#define OT__LOCK_NOTE(delta) ((void)0)
#endif

#endif
