/* report.h — the tour's output: a folder with one file per cell output,
 * index.json (the cells in order) and index.html, a self-contained report
 * that draws every diagram and chart with the project's own copies of
 * mermaid and vega-embed (copied next to it: it works offline, from
 * file://, with nothing fetched from elsewhere). */
#ifndef OTTER_TOOL_REPORT_H
#define OTTER_TOOL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct report report;

/* report_open: a report in dir (made if missing; NULL: a fresh folder
 * under $TMPDIR or /tmp). NULL with a message on stderr on failure. */
report *report_open(const char *dir);
/* report_dir: the folder the report writes to. */
const char *report_dir(const report *r);

/* report_cell: starts a cell: its notebook section, its title, and the C
 * code it runs (shown in the report). Later outputs belong to it. */
void report_cell(report *r, const char *section, const char *title, const char *code);
/* report_output: writes an output of the current cell to
 * NN-slug.<ext> where ext follows kind: "mermaid" (.mmd), "vega-lite"
 * (.vl.json), "json" (.json) or "text" (.txt). Returns the file's path
 * inside the report, or NULL on failure (reported on stderr). */
const char *report_output(report *r, const char *kind, const char *slug, const char *content,
                          size_t len);

/* report_finish: writes index.json and index.html and copies the scripts
 * the page needs from web_dir/node_modules. Returns 0, or -1 (with a
 * message on stderr) if something could not be written or found. */
int report_finish(report *r, const char *web_dir);
void report_free(report *r);

#endif
