#!/usr/bin/env python3
"""Adds up the TAP reports of otter's test programs.

Usage: test-summary.py [--meson-log FILE] [--allow-skips FILE] DIR...

Reads every *.tap file under the given folders. One counted test is one TAP
result line: "ok" is a pass, "not ok" a failure, "ok ... # SKIP" a skip, and
"# TODO" (a case known not to hold) a failure. A report whose plan (1..N)
does not match the number of results it holds (the program stopped half-way)
counts one failure more.

With --meson-log (Meson's testlog.json), every test Meson ran is checked
against its report: a program that failed without reporting a failing case
(it crashed, a sanitizer stopped it, it timed out) is one failure; a program
Meson reports skipped (exit 77) is one skip; a program that wrote no report
tests/tap/NAME.tap is one failure (its cases would not be counted).

Under CI (environment CI=true) a skip is a failure, unless the skipped case
is on the allow-list (--allow-skips, default tests/skips-allowed.txt): the
things this kind of machine cannot do, each with its reason.

Prints each failing test with its report, each skip, then one closing line
"N passed, M failed, K skipped"; exits 1 if anything failed or nothing
passed."""
import fnmatch
import json
import os
import pathlib
import re
import sys

RESULT = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$")
DIRECTIVE = re.compile(r"\s#\s*(SKIP|TODO)\S*\s*(.*)$", re.IGNORECASE)
PLAN = re.compile(r"^1\.\.(\d+)\b(.*)$")
DURATION = re.compile(r"\s*\(\d+(\.\d+)?s\)\s*$")


def load_allow_list(path):
    """The allow-list: lines "PROGRAM CASE-GLOB REASON..." ('#' starts a
    comment line). Returns [(program, glob, reason)]; an entry without a
    reason is an error."""
    entries = []
    if not path or not pathlib.Path(path).exists():
        return entries
    for n, raw in enumerate(pathlib.Path(path).read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            sys.exit(f"{path}:{n}: an entry is PROGRAM CASE-GLOB REASON, with its reason")
        entries.append(tuple(parts))
    return entries


def main(argv):
    root = pathlib.Path(__file__).resolve().parent.parent
    meson_log = None
    allow_path = str(root / "tests" / "skips-allowed.txt")
    dirs = []
    while argv:
        a = argv.pop(0)
        if a == "--meson-log" and argv:
            meson_log = argv.pop(0)
        elif a == "--allow-skips" and argv:
            allow_path = argv.pop(0)
        else:
            dirs.append(a)
    ci = os.environ.get("CI", "").lower() in ("true", "1", "yes")
    allowed = load_allow_list(allow_path)

    def skip_allowed(prog, case):
        return any(p == prog and fnmatch.fnmatchcase(case, g) for p, g, _ in allowed)

    passed = failed = skipped = 0
    failures, skips = [], []
    failed_programs, reported = set(), set()

    def count_skip(prog, case, line):
        nonlocal failed, skipped
        if ci and not skip_allowed(prog, case):
            failed += 1
            failures.append((prog, f"{line}  <- a skip under CI (not in the allow-list)", []))
            failed_programs.add(prog)
        else:
            skipped += 1
            skips.append((prog, line))

    for d in dirs:
        for tap in sorted(pathlib.Path(d).rglob("*.tap")):
            prog = tap.stem
            reported.add(prog)
            lines = tap.read_text(errors="replace").splitlines()
            plan, results = None, 0
            for i, line in enumerate(lines):
                m = PLAN.match(line)
                if m and plan is None:
                    plan = int(m.group(1))
                    if plan == 0 and re.search(r"#\s*skip", m.group(2), re.IGNORECASE):
                        count_skip(prog, "*", line)
                        plan = None
                    continue
                m = RESULT.match(line)
                if not m:
                    continue
                results += 1
                verdict, text = m.group(1), m.group(3)
                directive = DIRECTIVE.search(text)
                case = DURATION.sub("", DIRECTIVE.sub("", text)).strip()
                kind = directive.group(1).upper() if directive else None
                if verdict == "ok" and kind is None:
                    passed += 1
                elif verdict == "ok" and kind == "SKIP":
                    count_skip(prog, case, line)
                else:
                    failed += 1
                    detail = []
                    for extra in lines[i + 1:]:
                        if RESULT.match(extra) or PLAN.match(extra):
                            break
                        detail.append(extra)
                    note = "  <- a TODO is not a pass" if kind == "TODO" else ""
                    failures.append((prog, line + note, detail))
                    failed_programs.add(prog)
            if plan is not None and plan != results:
                failed += 1
                failures.append((prog, f"not ok - {prog}: planned {plan} cases, reported {results}", []))
                failed_programs.add(prog)

    if meson_log:
        if not pathlib.Path(meson_log).exists():
            failed += 1
            failures.append(("meson", f"not ok - no Meson log at {meson_log}", []))
        else:
            for raw in pathlib.Path(meson_log).read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                name, result = entry.get("name", "?"), entry.get("result", "")
                out = (entry.get("stderr") or entry.get("stdout") or "").splitlines()
                if result == "SKIP":
                    count_skip(name, "*", f"ok - {name} # SKIP (Meson: the program skipped)")
                    continue
                if result != "OK" and name not in failed_programs:
                    failed += 1
                    failures.append((name, f"not ok - {name} exited abnormally ({result})", out[-20:]))
                    failed_programs.add(name)
                if name not in reported and name not in failed_programs:
                    failed += 1
                    failures.append((name, f"not ok - {name} wrote no TAP report ({name}.tap)", out[-20:]))

    for prog, line in skips:
        print(f"SKIPPED [{prog}] {line}")
    for prog, line, detail in failures:
        print(f"FAILED [{prog}] {line}")
        for d in detail[:20]:
            print(f"    {d}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
