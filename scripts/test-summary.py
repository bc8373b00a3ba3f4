#!/usr/bin/env python3
"""Adds up the TAP reports of otter's test programs.

Usage: test-summary.py DIR...  Reads every *.tap file under the given
folders, prints each failing test with its report, then one closing line
"N passed, M failed" and exits 1 if anything failed or no test ran."""
import pathlib
import re
import sys

passed = failed = 0
failures = []
for d in sys.argv[1:]:
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

for prog, line, detail in failures:
    print(f"FAILED [{prog}] {line}")
    for d in detail[:20]:
        print(f"    {d}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
