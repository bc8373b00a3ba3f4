/* files.c — the dashboard's static files: the page (web/dashboard/) and
 * the pinned npm packages it uses (web/node_modules/), served by the node
 * itself so that the page works offline and a Content-Security-Policy of
 * 'self' holds. Only the files in the whitelist below are served: a URL
 * never becomes a path by itself, so nothing else on disk can be reached.
 *
 * The web folder is found at run time, first that has every file:
 *   1. ot_dashboard_opts.static_dir
 *   2. $OTTER_WEB_DIR
 *   3. <folder of the program>/../share/otter/web   (a relocated install)
 *   4. the install's data folder, fixed at build time (OTTER_WEB_INSTALL_DIR)
 *   5. the source tree's web/, fixed at build time (OTTER_WEB_SOURCE_DIR),
 *      for programs run from a build folder. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "web/web_internal.h"

typedef struct served {
    const char *url;
    const char *file;      /* under the web folder */
    const char *type;
} served;

static const served FILES[] = {
    {"/", "dashboard/index.html", "text/html; charset=utf-8"},
    {"/index.html", "dashboard/index.html", "text/html; charset=utf-8"},
    {"/app.js", "dashboard/app.js", "text/javascript; charset=utf-8"},
    {"/style.css", "dashboard/style.css", "text/css; charset=utf-8"},
    {"/favicon.svg", "dashboard/favicon.svg", "image/svg+xml"},
    {"/vendor/mermaid.min.js", "node_modules/mermaid/dist/mermaid.min.js", "text/javascript; charset=utf-8"},
    {"/vendor/vega.min.js", "node_modules/vega/build/vega.min.js", "text/javascript; charset=utf-8"},
    {"/vendor/vega-lite.min.js", "node_modules/vega-lite/build/vega-lite.min.js",
     "text/javascript; charset=utf-8"},
    {"/vendor/vega-embed.min.js", "node_modules/vega-embed/build/vega-embed.min.js",
     "text/javascript; charset=utf-8"},
};
#define NFILES (sizeof FILES / sizeof FILES[0])

static char *join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = ot__malloc(na + nb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, na);
    p[na] = '/';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

/* The first whitelisted file missing under dir, or NULL if all are there. */
static const char *missing_in(const char *dir)
{
    for (size_t i = 0; i < NFILES; i++) {
        char *p = join(dir, FILES[i].file);
        struct stat st;
        bool ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
        ot__free(p);
        if (!ok)
            return FILES[i].file;
    }
    return NULL;
}

char *ot__web_files_find(const char *opts_dir)
{
    const char *cands[5];
    size_t n = 0;
    char exe_share[PATH_MAX + 32];
    exe_share[0] = 0;
    if (opts_dir) {
        cands[n++] = opts_dir;
    } else {
        const char *env = getenv("OTTER_WEB_DIR");
        if (env && *env)
            cands[n++] = env;
        char exe[PATH_MAX];
        ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
        _Static_assert(sizeof exe_share >= sizeof exe + 20, "room for the suffix");
        if (k > 0) {
            exe[k] = 0;
            char *slash = strrchr(exe, '/');
            if (slash) {
                *slash = 0;
                snprintf(exe_share, sizeof exe_share, "%s/../share/otter/web", exe);
                cands[n++] = exe_share;
            }
        }
#ifdef OTTER_WEB_INSTALL_DIR
        cands[n++] = OTTER_WEB_INSTALL_DIR;
#endif
#ifdef OTTER_WEB_SOURCE_DIR
        cands[n++] = OTTER_WEB_SOURCE_DIR;
#endif
    }
    for (size_t i = 0; i < n; i++) {
        if (!missing_in(cands[i])) {
            char real[PATH_MAX];
            const char *use = realpath(cands[i], real) ? real : cands[i];
            size_t len = strlen(use);
            char *r = ot__malloc(len + 1);
            if (r)
                memcpy(r, use, len + 1);
            return r;
        }
    }
    fprintf(stderr, "otter dashboard: the page's files were not found. Looked in:\n");
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  %s (missing %s)\n", cands[i], missing_in(cands[i]));
    fprintf(stderr, "Run scripts/deps.sh (it installs web/node_modules), or set OTTER_WEB_DIR "
                    "to the folder holding dashboard/ and node_modules/.\n");
    return NULL;
}

char *ot__web_files_lookup(const char *root, const char *url, const char **content_type)
{
    for (size_t i = 0; i < NFILES; i++) {
        if (!strcmp(FILES[i].url, url)) {
            if (content_type)
                *content_type = FILES[i].type;
            return join(root, FILES[i].file);
        }
    }
    return NULL;
}
