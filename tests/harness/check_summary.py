#!/usr/bin/env python3
"""check_summary.py SUMMARY ALLOWLIST TAPFILE — proof that the summary counts.

Runs scripts/test-summary.py (SUMMARY) on small TAP reports and Meson logs
made here, in and out of CI, and checks its closing line
"N passed, M failed, K skipped" and its exit code: a planted skip is a skip
outside CI and a failure under CI=true unless the allow-list names it; a
failing case, a TODO, a short report, a program that crashed after reporting
only passes, a program Meson skipped and a program that wrote no report are
each counted. Also checks that the project's own allow-list (ALLOWLIST,
tests/skips-allowed.txt) is well-formed. One TAP line per check, to TAPFILE
and stdout; exits 1 if any failed."""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

summary, allow_list, tap_file = sys.argv[1:4]
results = []
LAST = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")


def run(files, ci=False, meson=None, allow=None, extra_args=()):
    """Writes files {name: text} into a fresh folder, runs the summary on it;
    returns (exit code, stdout lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        tap_dir = pathlib.Path(tmp, "tap")
        tap_dir.mkdir()
        for name, text in files.items():
            (tap_dir / name).write_text(text)
        args = [sys.executable, summary]
        if meson is not None:
            log = pathlib.Path(tmp, "testlog.json")
            log.write_text("".join(json.dumps(e) + "\n" for e in meson))
            args += ["--meson-log", str(log)]
        allow_file = pathlib.Path(tmp, "allowed.txt")
        allow_file.write_text(allow or "")
        args += ["--allow-skips", str(allow_file), *extra_args, str(tap_dir)]
        env = dict(os.environ)
        env.pop("CI", None)
        if ci:
            env["CI"] = "true"
        p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout.splitlines(), p.stderr


def expect(what, files, want, rc, **kw):
    """want: (passed, failed, skipped) on the last line; rc: exit code."""
    code, out, err = run(files, **kw)
    last = out[-1] if out else ""
    m = LAST.match(last)
    got = tuple(int(x) for x in m.groups()) if m else None
    ok = got == want and code == rc
    results.append((ok, what, f"last line {last!r}, exit {code}; wanted "
                    f"'{want[0]} passed, {want[1]} failed, {want[2]} skipped', exit {rc}\n{err}"))
    return out


TAP = "TAP version 13\n1..{n}\n{body}\n"
PASS2 = TAP.format(n=2, body="ok - a::one  (0.01s)\nok - a::two  (0.00s)")
SKIP1 = TAP.format(n=2, body="ok - b::runs  (0.01s)\nok - b::cannot  # SKIP needs a thing")

expect("two passing cases: 2 passed", {"test_a.tap": PASS2}, (2, 0, 0), 0)
expect("a planted skip outside CI is counted skipped, not passed",
       {"test_b.tap": SKIP1}, (1, 0, 1), 0)
out = expect("a planted skip under CI=true is a failure",
             {"test_b.tap": SKIP1}, (1, 1, 0), 1, ci=True)
results.append((any(l.startswith("FAILED [test_b]") and "b::cannot" in l for l in out),
                "under CI the skipped case is named as failed", "\n".join(out)))
expect("under CI a skip on the allow-list stays a skip",
       {"test_b.tap": SKIP1}, (1, 0, 1), 0, ci=True,
       allow="# reason per entry\ntest_b  b::cannot  this machine has no such thing\n")
expect("the allow-list is per program: another program's skip still fails",
       {"test_b.tap": SKIP1}, (1, 1, 0), 1, ci=True,
       allow="test_c  b::cannot  another program\n")
code, _, err = run({"test_b.tap": SKIP1}, ci=True, allow="test_b  b::cannot\n")
results.append((code != 0 and "reason" in err,
                "an allow-list entry without a reason is refused", f"exit {code} {err}"))
expect("a failing case fails",
       {"test_a.tap": TAP.format(n=2, body="ok - a::one\nnot ok - a::two\n  ---\n  failures: x")},
       (1, 1, 0), 1)
expect("a TODO is not a pass",
       {"test_a.tap": TAP.format(n=2, body="ok 1 - one\nnot ok 2 - two # TODO later")},
       (1, 1, 0), 1)
expect("a report short of its plan (the program stopped) is a failure",
       {"test_a.tap": TAP.format(n=3, body="ok - a::one\nok - a::two")}, (2, 1, 0), 1)
expect("a plan at the end is read too",
       {"test_a.tap": "TAP version 13\nok 1 - one\nok 2 - two\n1..2\n"}, (2, 0, 0), 0)
expect("nothing ran: a failure of the run (exit 1)", {}, (0, 0, 0), 1)
meson_ok = [{"name": "test_a", "result": "OK"}]
expect("a Meson log agreeing with the reports adds nothing",
       {"test_a.tap": PASS2}, (2, 0, 0), 0, meson=meson_ok)
expect("a program that failed after reporting only passes counts one failure",
       {"test_a.tap": PASS2}, (2, 1, 0), 1,
       meson=[{"name": "test_a", "result": "FAIL", "stderr": "LeakSanitizer: detected memory leaks"}])
expect("a program that failed with a failing case is not counted twice",
       {"test_a.tap": TAP.format(n=2, body="ok - a::one\nnot ok - a::two")}, (1, 1, 0), 1,
       meson=[{"name": "test_a", "result": "FAIL"}])
expect("a program Meson reports skipped is a skip outside CI",
       {"test_a.tap": PASS2}, (2, 0, 1), 0,
       meson=meson_ok + [{"name": "test_x", "result": "SKIP"}])
expect("a program Meson reports skipped is a failure under CI",
       {"test_a.tap": PASS2}, (2, 1, 0), 1, ci=True,
       meson=meson_ok + [{"name": "test_x", "result": "SKIP"}])
expect("a program that passed but wrote no TAP report is a failure",
       {"test_a.tap": PASS2}, (2, 1, 0), 1,
       meson=meson_ok + [{"name": "test_y", "result": "OK"}])
expect("a program that timed out is a failure",
       {"test_a.tap": PASS2}, (2, 1, 0), 1,
       meson=meson_ok + [{"name": "test_z", "result": "TIMEOUT"}])
code, out, err = run({"test_a.tap": PASS2}, extra_args=["--allow-skips", allow_list])
results.append((code == 0 and bool(out) and LAST.match(out[-1]) is not None,
                "the project's allow-list (tests/skips-allowed.txt) is well-formed",
                f"exit {code} {err}"))

lines = ["TAP version 13", f"1..{len(results)}"]
for i, (ok, what, why) in enumerate(results, 1):
    lines.append(f"{'ok' if ok else 'not ok'} {i} - {what}")
    if not ok:
        lines += ["#   " + l for l in why.splitlines()[-8:]]
with open(tap_file, "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if all(ok for ok, _, _ in results) else 1)
