/* otter/base.h — what every otter module shares: the export marker, error
 * codes and their names, and the byte counters behind ot_memory().
 *
 * Errors: functions that can fail return a negative errno value (-EINVAL,
 * -ENOMEM, -EBADMSG, ...) or a documented sentinel (OT_NONE for terms).
 * ot_strerror() names any of them. */
#ifndef OTTER_BASE_H
#define OTTER_BASE_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define OT_API __attribute__((visibility("default")))
#else
#define OT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ot_strerror: a short English description of a negative errno value as
 * returned by any otter function ("invalid argument", "malformed data").
 * Never fails; the string is static and must not be freed. Positive and
 * zero values are accepted too (0 gives "success"). */
OT_API const char *ot_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
