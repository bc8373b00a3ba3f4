/* leakcheck.c — a Criterion case that leaks fails, in every test program.
 *
 * Criterion decides a case's outcome when its body returns (the worker's
 * message that ends the "main" phase). What LeakSanitizer finds when the
 * worker process exits later is only a warning: the case is still reported
 * "ok". So each Criterion program is linked with
 * -Wl,--wrap=criterion_internal_test_main (tests/meson.build) and this file:
 * the case's body is run by run_body() below, which then runs the case's and
 * its suite's .fini (what Criterion's teardown would run next) and asks
 * LeakSanitizer for the memory nothing can reach any more. A leak is a failed
 * assertion of that case, with LeakSanitizer's report (who allocated what) on
 * stderr. The .fini functions are taken out of the descriptors before they
 * run, so that the teardown does not run them twice; a case whose body failed
 * never reaches the check, and Criterion's teardown runs its .fini as usual.
 *
 * In a build without AddressSanitizer (test_faults, a release build) the
 * wrapper only passes the call on. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAKCHECK_ON 1
#endif

void __real_criterion_internal_test_main(void (*fn)(void));
void __wrap_criterion_internal_test_main(void (*fn)(void));

typedef void hook_fn(void);

#ifdef LEAKCHECK_ON
/* The case's own body, as Criterion handed it over. */
static void (*case_body)(void);

/* The worker's copies of the descriptors are not always aligned for their
 * type, so their fields are read and written with memcpy. */
static struct criterion_test_extra_data *data_of_test(void)
{
    struct criterion_test t;
    memcpy(&t, criterion_current_test, sizeof t);
    return t.data;
}

static struct criterion_test_extra_data *data_of_suite(void)
{
    struct criterion_suite s;
    memcpy(&s, criterion_current_suite, sizeof s);
    return s.data;
}

/* Returns d's .fini (NULL if none) and clears it in d. */
static hook_fn *take_fini(struct criterion_test_extra_data *d)
{
    hook_fn *f = NULL, *none = NULL;
    if (d == NULL)
        return NULL;
    char *at = (char *)d + offsetof(struct criterion_test_extra_data, fini);
    memcpy(&f, at, sizeof f);
    memcpy(at, &none, sizeof none);
    return f;
}

/* After the body: the teardown the case declared, then the leak check. */
static void fini_then_check(void)
{
    hook_fn *test_fini = take_fini(data_of_test());
    hook_fn *suite_fini = take_fini(data_of_suite());
    if (test_fini)
        test_fini();
    if (suite_fini)
        suite_fini();
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
                 "the case leaked memory: LeakSanitizer's report is above");
}

static void run_body(void)
{
    case_body();
    fini_then_check();
}

static void run_body_with_param(void *param)
{
    ((void (*)(void *))case_body)(param);
    fini_then_check();
}
#endif

/* Criterion's entry to a case's body (called from each case's trampoline):
 * runs fn, then, in sanitizer builds, the case's teardown and a leak check
 * that fails the case if anything leaked. */
void __wrap_criterion_internal_test_main(void (*fn)(void))
{
#ifdef LEAKCHECK_ON
    struct criterion_test_params (*param)(void);
    memcpy(&param, (char *)data_of_test() + offsetof(struct criterion_test_extra_data, param_),
           sizeof param);
    case_body = fn;
    __real_criterion_internal_test_main(param ? (void (*)(void))run_body_with_param : run_body);
#else
    __real_criterion_internal_test_main(fn);
#endif
}
