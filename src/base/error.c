/* error.c — names of the error codes otter functions return. */
#include <errno.h>
#include <string.h>

#include "otter/base.h"

const char *ot_strerror(int err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    case 0: return "success";
    case EINVAL: return "invalid argument";
    case ENOMEM: return "out of memory";
    case EBADMSG: return "malformed data";
    case E2BIG: return "limit exceeded";
    case ENOBUFS: return "buffer too small";
    case ENOENT: return "not found";
    case ERANGE: return "value out of range";
    case ETIMEDOUT: return "timed out";
    case ESRCH: return "no such process";
    case EEXIST: return "already exists";
    case ECONNREFUSED: return "connection refused";
    case ECONNRESET: return "connection reset";
    case EACCES: return "access denied";
    case ENOTSUP: return "not supported";
    default: return strerror(err);
    }
}
