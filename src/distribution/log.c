/* log.c — the distribution layer's messages on stderr, each prefixed with
 * this node's name. */
#include <stdarg.h>
#include <stdio.h>

#include "distribution/distribution_internal.h"

void ot__dist_log(const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    const char *me = ot_atom_text(ot__local_node(), NULL);
    fprintf(stderr, "otter: %s: %s\n", me ? me : "?", text);
}
