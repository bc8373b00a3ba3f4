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

/* OT_NORETURN: marks a function that never returns, in whichever way the
 * including language spells it (C11 _Noreturn, C++11 [[noreturn]], the GNU
 * attribute in C99), so the headers compile as C99, C11 and C++. It comes
 * first in a declaration: OT_NORETURN OT_API void ot_exit(ot_term). */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define OT_NORETURN [[noreturn]]
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define OT_NORETURN _Noreturn
#elif defined(__GNUC__) || defined(__clang__)
#define OT_NORETURN __attribute__((noreturn))
#else
#define OT_NORETURN
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
