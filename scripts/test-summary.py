#!/usr/bin/env python3
"""Adds up the TAP reports of otter's test programs.

Usage: test-summary.py [--meson-log FILE] DIR...  Reads every *.tap file
under the given folders, prints each failing test with its report, then one
closing line "N passed, M failed" and exits 1 if anything failed or no test
ran. With --meson-log (Meson's testlog.json), a test program that failed
without reporting a failing case (it crashed, or a sanitizer stopped it) is
counted as one failure too."""
import json
import pathlib
import re
import sys

args = sys.argv[1:]
meson_log = None
if len(args) >= 2 and args[0] == "--meson-log":
    meson_log, args = args[1], args[2:]

passed = failed = 0
failures = []
failed_programs = set()
for d in args:
    for tap in sorted(pathlib.Path(d).rglob("*.tap")):
        lines = tap.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if re.match(r"^ok\b", line):
                passed += 1
            elif re.match(r"^not ok\b", line):
                failed += 1
                detail = []
                for extra in lines[i + 1:]:
                    if re.match(r"^(not )?ok\b", extra):
                        break
                    detail.append(extra)
                failures.append((tap.stem, line, detail))
                failed_programs.add(tap.stem)

if meson_log and pathlib.Path(meson_log).exists():
    for raw in pathlib.Path(meson_log).read_text(errors="replace").splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        name, result = entry.get("name", "?"), entry.get("result", "")
        if result in ("OK", "SKIP", "EXPECTEDFAIL") or name in failed_programs:
            continue
        failed += 1
        out = (entry.get("stderr") or entry.get("stdout") or "").splitlines()
        failures.append((name, f"not ok - {name} exited abnormally ({result})", out[-20:]))

for prog, line, detail in failures:
    print(f"FAILED [{prog}] {line}")
    for d in detail[:20]:
        print(f"    {d}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
