/* ext_decode.c — (being written) */
#include "term/term_internal.h"
