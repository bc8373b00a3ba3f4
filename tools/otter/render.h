/* render.h — where the otter command finds the project's web folder (the
 * pinned npm packages, web/node_modules, and web/render/), and drawing its
 * Mermaid output as SVG with web/render/mermaid-svg.mjs: node runs it, it
 * renders with the pinned mermaid in a headless Chromium. Used outside the
 * otter runtime (before ot_run or after it returns): these functions block. */
#ifndef OTTER_TOOL_RENDER_H
#define OTTER_TOOL_RENDER_H

#include <stddef.h>
#include <stdio.h>

/* How long the renderer may take (browser start included) before it is
 * stopped and the command fails: SVG_RENDER_TIMEOUT_S, plus a second per
 * SVG_RENDER_BYTES_PER_S bytes of Mermaid text (laying out a tree of
 * thousands of processes takes minutes). */
#define SVG_RENDER_TIMEOUT_S 60
#define SVG_RENDER_BYTES_PER_S 1000

/* tool_path_join: a new string "a/b" (free it), or NULL without memory. */
char *tool_path_join(const char *a, const char *b);

/* tool_web_dir: the web folder: $OTTER_WEB_DIR when set and not empty
 * (then only that folder, even if it lacks files: an explicit choice is
 * not second-guessed); else <the program's folder>/../share/otter/web if
 * it holds probe (a path relative to the web folder; an installed otter);
 * else the source tree's web/, fixed at build time (OTTER_WEB_DIR, for the
 * program run from its build folder). Never NULL; the string is the
 * environment's or static, valid until the next call. The caller checks
 * for the files it needs and says which are missing. */
const char *tool_web_dir(const char *probe);

/* What --format svg runs: node on PATH, the renderer script, and the
 * browser ($OTTER_CHROMIUM, else chromium on PATH). */
typedef struct svg_renderer {
    char *node;      /* absolute path of node */
    char *script;    /* <web folder>/render/mermaid-svg.mjs */
    char *browser;   /* path of the Chromium executable */
} svg_renderer;

/* svg_renderer_find: fills *r with the renderer's parts. Returns 0, or -1
 * after printing on stderr "otter SUB: --format svg needs node and
 * chromium: run scripts/deps.sh, or use --format mermaid" and a line
 * saying what is missing (sub names the subcommand); *r is then empty.
 * Free with svg_renderer_free (also safe on an empty one). */
int svg_renderer_find(svg_renderer *r, const char *sub);
void svg_renderer_free(svg_renderer *r);

/* svg_render: runs the renderer (posix_spawn, its own process group, no
 * shell) with text (len bytes of Mermaid) on its stdin and, if it succeeds,
 * writes the SVG it printed to out. The renderer is stopped (SIGTERM, then
 * SIGKILL) when its time is up (see SVG_RENDER_TIMEOUT_S). Returns 0 (TOOL_OK), or 1
 * (TOOL_FAILED) with the renderer's messages (a parse error, a browser
 * that would not start) and the reason on stderr as "otter SUB: ...";
 * nothing is written to out then. SIGPIPE is ignored while it runs. */
int svg_render(const svg_renderer *r, const char *sub, const char *text, size_t len, FILE *out);

#endif
