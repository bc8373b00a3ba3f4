/* fuzz_decode.c — libFuzzer target for the external term format decoder:
 * every input must either be rejected cleanly or round-trip through the
 * encoder exactly (see fuzz_check.h). Run it with `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *bad = fuzz_check(data, size);
    if (bad) {
        fprintf(stderr, "fuzz_decode: %s\n", bad);
        abort();
    }
    return 0;
}
