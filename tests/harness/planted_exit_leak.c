/* planted_exit_leak.c — a program (not Criterion) that leaks, for
 * tests/harness/check_leak.py: in the test environment LeakSanitizer must make
 * it exit non-zero, as it does for the otter command and the peers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *p = malloc(1000);
    if (!p)
        return 2;
    memset(p, 0x5a, 1000);
    printf("%d\n", p[999]);
    p = NULL;
    return 0;
}
