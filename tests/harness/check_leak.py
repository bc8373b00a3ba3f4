#!/usr/bin/env python3
"""check_leak.py PLANTED EXIT_LEAK SANITIZE TAPFILE — proof that a leak fails.

PLANTED (planted_leak.c) is a Criterion program built like every other one
of tests/meson.build, with two cases that leak and two that do not; it must
report exactly those leaking cases "not ok" and exit non-zero. EXIT_LEAK
(planted_exit_leak.c) is a plain program that leaks; in the test
environment it must exit non-zero with LeakSanitizer's report. SANITIZE is
the build's b_sanitize: without AddressSanitizer there is nothing to prove,
and every case is reported skipped (a failure under CI). One TAP line per
check, to TAPFILE and stdout; exits 1 if any failed."""
import os
import re
import subprocess
import sys
import tempfile

planted, exit_leak, sanitize, tap_file = sys.argv[1:5]
results = []


def check(ok, what, why=""):
    results.append((ok, what, why))


WANT = {
    "planted::leaks_1000_bytes": False,
    "planted::frees_what_it_takes": True,
    "planted_fini::setup_freed_by_fini": True,
    "planted_fini::leaks_in_its_fini": False,
}

if "address" not in sanitize.split(","):
    for case in list(WANT) + ["a leaking program exits non-zero"]:
        results.append((None, case, "no AddressSanitizer in this build (b_sanitize=%s)" % sanitize))
else:
    with tempfile.TemporaryDirectory() as tmp:
        tap = os.path.join(tmp, "planted.tap")
        p = subprocess.run([planted, "--tap=" + tap, "-S", "--timeout", "60"],
                           capture_output=True, text=True, timeout=300)
        got = {}
        if os.path.exists(tap):
            for line in open(tap, errors="replace"):
                m = re.match(r"^(not ok|ok) - (\S+)", line)
                if m:
                    got[m.group(2)] = m.group(1) == "ok"
        for case, want_ok in WANT.items():
            verdict = {True: "ok", False: "not ok", None: "missing"}[got.get(case)]
            want = "ok" if want_ok else "not ok"
            check(verdict == want, f"{case} is reported {want}", f"reported {verdict}")
        check(set(got) == set(WANT), "the planted program reports exactly its 4 cases",
              f"reported {sorted(got)}")
        check(p.returncode != 0, "the planted program exits non-zero", f"exit {p.returncode}")
        check("1000 byte(s)" in p.stderr and "leaks_1000_bytes" in p.stderr,
              "LeakSanitizer's report names the 1000 bytes and the case that allocated them",
              p.stderr[-300:])
    q = subprocess.run([exit_leak], capture_output=True, text=True, timeout=120)
    check(q.returncode != 0 and "LeakSanitizer: detected memory leaks" in q.stderr,
          "a leaking program exits non-zero in the test environment",
          f"exit {q.returncode}, ASAN_OPTIONS={os.environ.get('ASAN_OPTIONS')}")

lines = ["TAP version 13", f"1..{len(results)}"]
for i, (ok, what, why) in enumerate(results, 1):
    if ok is None:
        lines.append(f"ok {i} - {what} # SKIP {why}")
    elif ok:
        lines.append(f"ok {i} - {what}")
    else:
        lines.append(f"not ok {i} - {what}")
        lines += ["#   " + l for l in why.splitlines()[-8:]]
with open(tap_file, "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(1 if any(ok is False for ok, _, _ in results) else 0)
