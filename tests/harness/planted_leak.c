/* planted_leak.c — leaks on purpose, for tests/harness/check_leak.py.
 *
 * Built like every Criterion program of tests/meson.build (with
 * unit/leakcheck.c and its link option) but not a test itself: the meta-test
 * runs it and wants exactly the verdicts named in each case's comment. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *kept;
/* Volatile, so that the compiler keeps the allocation it would otherwise
 * see is dropped. */
static char *volatile sink;

/* Drops the only pointer to a heap block: leaked at once. */
static void lose(size_t n)
{
    sink = malloc(n);
    cr_assert(sink);
    memset(sink, 0x5a, n);
    sink = NULL;
}

/* not ok: 1,000 bytes nothing points at when the case ends. */
Test(planted, leaks_1000_bytes)
{
    lose(1000);
    cr_assert(1);
}

/* ok: what it takes it gives back. */
Test(planted, frees_what_it_takes)
{
    char *p = malloc(1000);
    cr_assert(p);
    free(p);
}

static void keep_setup(void)
{
    kept = malloc(100);
}

static void keep_teardown(void)
{
    free(kept);
    kept = NULL;
}

/* ok: the suite's .init takes a block and its .fini frees it; the check
 * runs after the .fini. */
TestSuite(planted_fini, .init = keep_setup, .fini = keep_teardown);
Test(planted_fini, setup_freed_by_fini)
{
    cr_assert(kept);
}

static void leaky_teardown(void)
{
    lose(64);
}

/* not ok: the leak is in the case's own .fini. */
Test(planted_fini, leaks_in_its_fini, .fini = leaky_teardown)
{
    cr_assert(1);
}
