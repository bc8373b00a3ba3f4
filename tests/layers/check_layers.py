#!/usr/bin/env python3
"""Checks that docs/design.md's layer table is the code's.

Usage: check_layers.py SOURCE_ROOT [TAP_FILE]

The folder graph is derived from the #include "..." lines of src/, tools/,
examples/ and include/otter/: a file in folder X that names a header of
folder Y (src/Y/..., or a public header otter/h.h that the table gives to
Y) is an arrow X -> Y. The table in docs/design.md (its rows from
`src/base/` on, columns folder | public headers | uses | ...) states, in
order from the bottom layer up, each folder's public headers and the
folders it uses. The checks:
  - every public header belongs to exactly one folder in the table;
  - every arrow the table draws exists in the code, and every arrow in the
    code is in the table;
  - every arrow points down: to a folder listed before its own;
  - the mermaid picture under the table draws the same arrows;
  - no .c file declares a non-static function (file or block scope): such
    prototypes belong in the folder's internal header, where the compiler
    checks them against the definitions.
Writes TAP to TAP_FILE (or stdout) and exits 1 if a check fails."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]).resolve()
tap_path = sys.argv[2] if len(sys.argv) > 2 else None
design = root / "docs" / "design.md"

# ---------------------------------------------------------------- the table


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def ticked(cell):
    return re.findall(r"`([^`]+)`", cell)


def folder_key(name):
    """`src/core/` -> core; `tools/otter/` -> tools/otter; `examples/` -> examples."""
    name = name.strip("/")
    return name[4:] if name.startswith("src/") else name


order, owns, uses = [], {}, {}
text = design.read_text()
header = None
for line in text.splitlines():
    if not line.startswith("|"):
        header = None if not line.strip() else header
        continue
    c = cells(line)
    if c and c[0] == "folder" and "uses" in c:
        header = c
        continue
    if header is None or set(line) <= set("|-: "):
        continue
    row = dict(zip(header, c))
    names = ticked(row["folder"])
    if not names:
        continue
    f = names[0]
    if not (f.startswith("src/") or f in ("tools/otter/", "examples/")):
        continue
    k = folder_key(f)
    order.append(k)
    owns[k] = set(ticked(row.get("public headers", "")))
    uses[k] = {folder_key(u) for u in ticked(row["uses"])} - {"—"}

mermaid = set()
m = re.search(r"```mermaid\n(.*?)```", text[text.find("| folder |"):], re.S)
if m:
    for a, b in re.findall(r"^\s*([\w/]+)\s*-->\s*([\w/]+)\s*$", m.group(1), re.M):
        mermaid.add((a.replace("_", "/"), b.replace("_", "/")))

# ---------------------------------------------------------------- the code

owner = {}
results = []


def check(ok, what, detail=()):
    results.append((ok, what, list(detail)))


public = sorted(p.name for p in (root / "include" / "otter").glob("*.h"))
listed = [h for k in order for h in owns[k]]
bad = [f"otter/{h} belongs to no folder" for h in public if f"otter/{h}" not in listed]
bad += [f"{h} is listed {listed.count(h)} times" for h in set(listed) if listed.count(h) > 1]
bad += [f"{h} does not exist" for h in listed if h[len("otter/"):] not in public]
check(not bad, "every public header belongs to exactly one folder", bad)
for k in order:
    for h in owns[k]:
        owner[h] = k


def folder_of(path):
    rel = path.relative_to(root).as_posix()
    if rel.startswith("include/otter/"):
        return owner.get("otter/" + path.name)
    if rel.startswith("src/"):
        return rel.split("/")[1]
    if rel.startswith("tools/otter/"):
        return "tools/otter"
    if rel.startswith("examples/"):
        return "examples"
    return None


files = [p for d in ("src", "tools/otter", "examples", "include/otter")
         for p in sorted((root / d).rglob("*")) if p.suffix in (".c", ".h")]
code = {}
unknown = []
for p in files:
    x = folder_of(p)
    if x is None:
        continue
    for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
        mm = re.match(r'\s*#\s*include\s*"([^"]+)"', line)
        if not mm:
            continue
        inc = mm.group(1)
        if inc.startswith("otter/"):
            y = owner.get(inc)
        elif (root / "src" / inc).exists():
            y = inc.split("/")[0]
        elif (p.parent / inc).exists():
            y = x  # a header beside the file
        elif "/" not in inc and (p.parent / "meson.build").exists() \
                and inc in (p.parent / "meson.build").read_text():
            y = x  # generated beside the file by its folder's meson.build
        else:
            y = None
        if y is None:
            unknown.append(f"{p.relative_to(root)}:{n}: {inc}")
        elif y != x:
            code.setdefault((x, y), []).append(f"{p.relative_to(root)}:{n}")
check(not unknown, "every included header is found", unknown)

drawn = {(x, y) for x in order for y in uses[x]}
missing = [f"{x} -> {y}: {', '.join(w[:3])}" for (x, y), w in sorted(code.items()) if (x, y) not in drawn]
check(not missing, "every arrow in the code is in docs/design.md", missing)
extra = [f"{x} -> {y}" for (x, y) in sorted(drawn) if (x, y) not in code]
check(not extra, "every arrow docs/design.md draws is in the code", extra)
folders = {x for x, _ in code} | {y for _, y in code}
absent = [f"{f} is not in the table" for f in sorted(folders) if f not in order]
up = [f"{x} -> {y} points up" for (x, y) in sorted(code) if x in order and y in order
      and order.index(y) >= order.index(x)]
check(not absent and not up, "every arrow points down the table (no cycle)", absent + up)
check(mermaid == drawn, "the picture draws the table's arrows",
      [f"picture lacks {x} -> {y}" for x, y in sorted(drawn - mermaid)] +
      [f"picture has {x} -> {y}, the table has not" for x, y in sorted(mermaid - drawn)])

# ---------------------------------------------------------------- prototypes

TOKENS = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def blank(src):
    def keep_lines(m):
        s = m.group(0)
        if s.startswith("/") :
            return "\n" * s.count("\n")
        return s[0] * 2
    return TOKENS.sub(keep_lines, src)


def declarations(path):
    """Non-static function declarations (not definitions) in a .c file."""
    src = blank(path.read_text(errors="replace"))
    src = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", lambda m: "\n" * m.group(0).count("\n"), src, flags=re.M)
    found, depth, stmt, start, line = [], 0, "", 1, 1
    for ch in src:
        if ch == "\n":
            line += 1
        if not stmt.strip():
            start = line
        stmt += ch
        if ch == "{":
            depth += 1
            stmt = ""
        elif ch == "}":
            depth -= 1
            stmt = ""
        elif ch == ";":
            s = " ".join(stmt.split())
            stmt = ""
            if re.match(r"(static|typedef|return)\b", s):
                continue
            pat = r"(?:extern\s+)?(?:_Noreturn\s+)?(?:const\s+)?[A-Za-z_]\w*(?:\s+\w+)*[\s\*]+\**(\w+)\s*\([^()]*\)\s*;$"
            mm = re.match(pat, s)
            if mm and (depth == 0 or s.startswith("extern")):
                found.append(f"{path.relative_to(root)}:{start}: {s}")
    return found


protos = [d for p in files if p.suffix == ".c" for d in declarations(p)]
check(not protos, "no .c file declares a non-static function", protos)

# ---------------------------------------------------------------- report

out = [f"1..{len(results)}"]
for i, (ok, what, detail) in enumerate(results, 1):
    out.append(f"{'ok' if ok else 'not ok'} {i} - {what}")
    out += [f"# {d}" for d in detail]
report = "\n".join(out) + "\n"
if tap_path:
    pathlib.Path(tap_path).write_text(report)
sys.stdout.write(report)
sys.exit(0 if all(ok for ok, _, _ in results) else 1)
