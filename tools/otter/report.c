/* report.c — writing the tour's report folder (see report.h). */
#include "report.h"
#include "render.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct report {
    char *dir;
    json_t *cells;      /* [{section, title, code, outputs: [{kind, file, content}]}] */
    json_t *current;
    int count;          /* outputs written, for NN */
};

static const struct {
    const char *kind, *ext;
} kinds[] = {
    {"mermaid", ".mmd"}, {"vega-lite", ".vl.json"}, {"json", ".json"}, {"text", ".txt"},
};

/* The scripts the page loads, in order, from web/node_modules. */
static const char *const assets[] = {
    "mermaid/dist/mermaid.min.js",
    "vega/build/vega.min.js",
    "vega-lite/build/vega-lite.min.js",
    "vega-embed/build/vega-embed.min.js",
};

report *report_open(const char *dir)
{
    report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (dir) {
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "otter: cannot make %s: %s\n", dir, strerror(errno));
            free(r);
            return NULL;
        }
        r->dir = strdup(dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        char *tmpl = tool_path_join(tmp && *tmp ? tmp : "/tmp", "otter-tour-XXXXXX");
        if (!tmpl || !mkdtemp(tmpl)) {
            fprintf(stderr, "otter: cannot make a folder for the report: %s\n", strerror(errno));
            free(tmpl);
            free(r);
            return NULL;
        }
        r->dir = tmpl;
    }
    r->cells = json_array();
    return r;
}

const char *report_dir(const report *r)
{
    return r->dir;
}

void report_cell(report *r, const char *section, const char *title, const char *code)
{
    r->current = json_pack("{s:s, s:s, s:s, s:[]}", "section", section, "title", title, "code",
                           code ? code : "", "outputs");
    json_array_append_new(r->cells, r->current);
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return put == len && rc == 0 ? 0 : -1;
}

const char *report_output(report *r, const char *kind, const char *slug, const char *content,
                          size_t len)
{
    const char *ext = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            ext = kinds[i].ext;
    if (!ext || !r->current)
        return NULL;
    char name[160];
    snprintf(name, sizeof name, "%02d-%s%s", ++r->count, slug, ext);
    char *path = tool_path_join(r->dir, name);
    if (!path || write_file(path, content, len) != 0) {
        fprintf(stderr, "otter: cannot write %s: %s\n", path ? path : name, strerror(errno));
        free(path);
        return NULL;
    }
    free(path);
    json_t *out = json_pack("{s:s, s:s, s:s%}", "kind", kind, "file", name, "content", content, len);
    json_array_append_new(json_object_get(r->current, "outputs"), out);
    json_t *arr = json_object_get(r->current, "outputs");
    return json_string_value(json_object_get(json_array_get(arr, json_array_size(arr) - 1), "file"));
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    return rc;
}

/* The page: the cells' data inline (a file:// page cannot fetch), drawn
 * by a small script with the local copies of mermaid and vega-embed. */
static const char page_head[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'none'\">\n"
    "<title>otter tour</title>\n<style>\n"
    "body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n"
    "h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ddd} h3{margin:1.4em 0 .4em}\n"
    "pre{background:#f6f6f4;padding:.7em;overflow:auto;font-size:13px}\n"
    "pre.code{border-left:3px solid #4a7} .out{margin:.5em 0 1.5em}\n"
    ".err{color:#b00} .file{color:#777;font-size:12px}\n"
    "</style>\n";

static const char page_tail[] =
    "<script>\n"
    "(async function () {\n"
    "  const tour = JSON.parse(document.getElementById('tour').textContent);\n"
    "  const main = document.getElementById('main');\n"
    "  mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});\n"
    "  let section = null, n = 0, drawn = 0, failed = 0;\n"
    "  const el = (tag, cls, text) => { const e = document.createElement(tag);\n"
    "    if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };\n"
    "  for (const cell of tour.cells) {\n"
    "    if (cell.section !== section) { section = cell.section; main.append(el('h2', null, section)); }\n"
    "    main.append(el('h3', null, cell.title));\n"
    "    if (cell.code) main.append(el('pre', 'code', cell.code));\n"
    "    for (const out of cell.outputs) {\n"
    "      const box = el('div', 'out'); box.dataset.kind = out.kind; main.append(box);\n"
    "      box.append(el('div', 'file', out.file));\n"
    "      const target = el('div'); box.append(target);\n"
    "      try {\n"
    "        if (out.kind === 'mermaid') {\n"
    "          const r = await mermaid.render('m' + (n++), out.content); target.innerHTML = r.svg;\n"
    "        } else if (out.kind === 'vega-lite') {\n"
    "          await vegaEmbed(target, JSON.parse(out.content), {actions: false, renderer: 'svg'});\n"
    "        } else {\n"
    "          target.append(el('pre', null, out.content));\n"
    "        }\n"
    "        box.dataset.drawn = 'yes'; drawn++;\n"
    "      } catch (e) {\n"
    "        box.dataset.drawn = 'no'; failed++;\n"
    "        target.append(el('pre', 'err', 'could not draw: ' + e));\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "  document.body.dataset.drawn = drawn; document.body.dataset.failed = failed;\n"
    "  document.body.dataset.done = 'yes';\n"
    "})();\n"
    "</script>\n</body></html>\n";

/* JSON inside a <script> element: "</" must not appear. */
static void put_script_json(FILE *f, const char *json)
{
    for (const char *p = json; *p; p++) {
        if (p[0] == '<' && p[1] == '/')
            fputs("<\\/", f), p++;
        else if (p[0] == '<' && p[1] == '!')
            fputs("\\u003c!", f), p++;
        else
            fputc(*p, f);
    }
}

int report_finish(report *r, const char *web_dir)
{
    json_t *index = json_pack("{s:s, s:O}", "title", "otter tour", "cells", r->cells);
    char *path = tool_path_join(r->dir, "index.json");
    int rc = json_dump_file(index, path, JSON_INDENT(1)) == 0 ? 0 : -1;
    if (rc)
        fprintf(stderr, "otter: cannot write %s\n", path);
    free(path);

    char *assets_dir = tool_path_join(r->dir, "assets");
    mkdir(assets_dir, 0755);
    for (size_t i = 0; rc == 0 && i < sizeof assets / sizeof assets[0]; i++) {
        char *mods = tool_path_join(web_dir, "node_modules");
        char *from = tool_path_join(mods, assets[i]);
        const char *base = strrchr(assets[i], '/') + 1;
        char *to = tool_path_join(assets_dir, base);
        if (copy_file(from, to) != 0) {
            fprintf(stderr,
                    "otter: cannot copy %s into the report (run `make` once so that the web "
                    "packages are installed)\n", from);
            rc = -1;
        }
        free(mods);
        free(from);
        free(to);
    }

    path = tool_path_join(r->dir, "index.html");
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "otter: cannot write %s\n", path);
        rc = -1;
    } else {
        fputs(page_head, f);
        for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
            fprintf(f, "<script src=\"assets/%s\"></script>\n", strrchr(assets[i], '/') + 1);
        fputs("</head><body>\n<h1>otter tour</h1>\n"
              "<p>The notebook <em>Runtime introspection with Mermaid and VegaLite</em>, cell by "
              "cell, run by otter: each cell's C code and what it printed, drew or charted.</p>\n"
              "<div id=\"main\"></div>\n<script type=\"application/json\" id=\"tour\">", f);
        char *json = json_dumps(index, JSON_COMPACT);
        put_script_json(f, json ? json : "{\"cells\":[]}");
        free(json);
        fputs("</script>\n", f);
        fputs(page_tail, f);
        if (fclose(f) != 0)
            rc = -1;
    }
    free(path);
    free(assets_dir);
    json_decref(index);
    return rc;
}

void report_free(report *r)
{
    if (!r)
        return;
    json_decref(r->cells);
    free(r->dir);
    free(r);
}
