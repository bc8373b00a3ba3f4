#!/usr/bin/env python3
"""Runs otter's benchmarks beside their BEAM twins and compares them.

Usage: scripts/bench.py --build DIR [--runs N] [--only PREFIX]... [--list]
                        [--seconds S] [--reps R] [--quick] [--out FILE]
       scripts/bench.py --markdown [FILE]   (a results file as a Markdown table)

Every benchmark is a pair: an otter program from the release build in DIR
and its twin on BEAM (an Erlang module run by `erl`, or an Elixir script
run by `elixir`) doing the same work. Both print their measurements as
stdout lines `RESULT <name> <value> <unit>`, and may print `CHECK <name>
<value>` lines (sizes, sums) which must agree between the two sides, so
that a difference in work shows up rather than passing for speed.

The two sides run interleaved, otter then BEAM, N times each (default 5),
so that both share whatever else the machine is doing. For each result the
median of each side is compared: ratio = otter / BEAM. A result states
whether lower or higher is better and the ratio its goal asks for (0.5 with
"lower": otter takes at most half BEAM's time). A side whose max/min over
the runs exceeds 1.5 is flagged as noisy.

Writes bench/results/latest.json: {"machine": {...}, "results": [...]}
and prints a table. Exits 1 if a benchmark could not run, 0 otherwise
(a missed goal is reported, not an error).

To add a benchmark, append a Bench to REGISTRY (see bench/README.md).
Python 3 standard library only.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parent.parent
ERL_DIR = ROOT / "bench" / "erl"
NOISY_SPREAD = 1.5


# ---------------------------------------------------------------- registry

@dataclass(frozen=True)
class Result:
    """One figure a benchmark pair reports, and what otter must achieve."""
    name: str
    unit: str
    better: str   # "lower" or "higher"
    goal: float   # the ratio otter / BEAM asked for


@dataclass
class Bench:
    """A benchmark pair. In the argument lists, {build} stands for the build
    folder and {beam} for the folder of compiled Erlang twins."""
    name: str
    otter: list
    beam: list
    results: list
    runs: int = 0          # 0: the --runs value
    timeout: float = 900   # seconds allowed for one run of one side
    env: dict = field(default_factory=dict)


def lower(name, unit, goal):
    """A time-like result: otter must take at most goal x BEAM's value."""
    return Result(name, unit, "lower", goal)


def higher(name, unit, goal):
    """A rate-like result: otter must reach at least goal x BEAM's value."""
    return Result(name, unit, "higher", goal)


def info(name, unit):
    """A figure with no goal, reported for information, beside its BEAM
    twin's if the bench has one (benches with beam=None are "otter only":
    only the otter side runs)."""
    return Result(name, unit, "info", 0)


def erl(module, *args):
    """The command that runs Erlang twin `module` with string arguments:
    bench_util:main(module, [args]) on a fresh node, halted afterwards."""
    arglist = ", ".join(json.dumps(a) for a in args)
    return ["erl", "-noshell", "+P", "2000000", "-pa", "{beam}",
            "-eval", f"bench_util:main({module}, [{arglist}])"]


def elixir(script, *args):
    """The command that runs Elixir twin bench/erl/<script>, with the
    compiled Erlang twins on its code path."""
    return ["elixir", "--erl", "+P 2000000", "-pa", "{beam}",
            str(ERL_DIR / script), *args]


def otter(program, *args):
    """The command that runs otter benchmark program bench/<program>."""
    return ["{build}/bench/" + program, *args]


# Terms: the issue asks otter to be at least twice as fast as BEAM.
TERM_GOAL = 0.5


def term_results(*ops):
    return [lower(f"term_{op}_{term}_{unit}", unit, TERM_GOAL)
            for op in ops for term, unit in (("ping", "ns"), ("maps1k", "us"))]


# Matching has two BEAM forms (docs/benchmarks.md): a compiled case, and a
# compiled match specification run by ets:match_spec_run/2 (a pattern
# given at run time, as ot_match's is); term_match_ping_c_ns is otter's
# hand-written C check, paired with the compiled case.
# Encoding into a buffer the caller keeps, beside term_to_binary/1.
ENCODE_EXTRA = [lower("term_encode_buf_ping_ns", "ns", TERM_GOAL),
                lower("term_encode_buf_maps1k_us", "us", TERM_GOAL)]

MATCH_EXTRA = [lower("term_match_ping_runtime_ns", "ns", TERM_GOAL),
               lower("term_match_maps1k_runtime_us", "us", TERM_GOAL),
               lower("term_match_ping_c_ns", "ns", TERM_GOAL)]


REGISTRY = [
    Bench("terms",
          otter=otter("bench_terms", "encode", "decode", "match"),
          beam=erl("bench_terms", "encode", "decode", "match"),
          results=term_results("encode", "decode", "match") + ENCODE_EXTRA + MATCH_EXTRA),
    Bench("terms_print",
          otter=otter("bench_terms", "print"),
          beam=elixir("bench_terms_print.exs"),
          results=term_results("print")),
] + [
    # Processes (bench/c/bench_procs.c, bench/erl/bench_procs.erl): one
    # fixed job per run, goals from the process issue. spawn_idle waits
    # hibernated on the otter side (otter's advice for very many idle
    # processes), in a plain receive on BEAM; spawn_idle_receive is otter
    # waiting in ot_receive, for information.
    # spawn_idle_memory_processes_bytes is BEAM's own accounting
    # (erlang:memory(processes)), printed by the twin only.
    Bench("spawn_idle",
          otter=otter("bench_procs", "spawn_idle", "1000000"),
          beam=erl("bench_procs", "spawn_idle", "1000000"),
          results=[lower("spawn_idle_bytes", "B", 0.5),
                   lower("spawn_idle_seconds", "s", 0.5),
                   lower("spawn_idle_memory_processes_bytes", "B", 0.5)]),
    Bench("spawn_idle_receive",
          otter=otter("bench_procs", "spawn_idle_receive", "1000000"),
          beam=erl("bench_procs", "spawn_idle_receive", "1000000"),
          results=[lower("spawn_idle_receive_bytes", "B", 0.5),
                   lower("spawn_idle_receive_seconds", "s", 0.5)]),
    Bench("spawn_exit",
          otter=otter("bench_procs", "spawn_exit", "1000000"),
          beam=erl("bench_procs", "spawn_exit", "1000000"),
          results=[lower("spawn_exit_ns", "ns", 0.33)]),
    Bench("pingpong",
          otter=otter("bench_procs", "pingpong", "1000000"),
          beam=erl("bench_procs", "pingpong", "1000000"),
          results=[lower("pingpong_ns", "ns", 0.25)]),
    Bench("ring",
          otter=otter("bench_procs", "ring", "1000", "1000"),
          beam=erl("bench_procs", "ring", "1000", "1000"),
          results=[lower("ring_ns", "ns", 0.25)]),
    Bench("big",
          otter=otter("bench_procs", "big", "500", "2000"),
          beam=erl("bench_procs", "big", "500", "2000"),
          results=[higher("big_msgs_per_s", "msg/s", 2)]),
    Bench("counting",
          otter=otter("bench_procs", "counting", "1000000"),
          beam=erl("bench_procs", "counting", "1000000"),
          results=[higher("counting_msgs_per_s", "msg/s", 2)]),
    # An idle node (the process issue: "an idle node uses about 0% CPU,
    # measure it"): CPU ms per second of a node whose one process sleeps
    # for 10 s, both sides reading /proc/self/stat; no goal beyond about 0.
    Bench("idle",
          otter=otter("bench_procs", "idle", "10"),
          beam=erl("bench_procs", "idle", "10"),
          results=[info("idle_cpu_ms_per_s", "ms/s")]),
] + [
    # Shared tables (bench/c/bench_ets.c, bench/erl/bench_ets.erl): the
    # notebook's ETS spike, a million inserts of {i, "User #{i}"} into a
    # set table (time, and the table's memory: ets:info(T, memory) words
    # on BEAM, otter's own count of the table's bytes), then random lookups
    # in it from two processes; goals from the ets issue.
    Bench("ets_insert",
          otter=otter("bench_ets", "insert", "1000000"),
          beam=erl("bench_ets", "insert", "1000000"),
          results=[lower("ets_insert_1m_seconds", "s", 0.33),
                   lower("ets_insert_1m_bytes", "B", 0.5)]),
    Bench("ets_lookup",
          otter=otter("bench_ets", "lookup", "1000000", "2000000"),
          beam=erl("bench_ets", "lookup", "1000000", "2000000"),
          results=[lower("ets_lookup_ns", "ns", 0.5)]),
    # Supervisors (bench/c/bench_sup.c, bench/erl/bench_sup.erl): 1,000
    # rounds of a supervisor restarting a crashing child 100 times.
    Bench("supervisor_restart",
          otter=otter("bench_sup", "restart", "100", "1000"),
          beam=erl("bench_sup", "restart", "100", "1000"),
          results=[lower("supervisor_restart_us", "us", 0.5)]),
    # The dashboard (bench/c/bench_web.c): no BEAM twin, reported for
    # information. web_top50 is GET /api/processes?sort=memory&limit=50
    # over HTTP on a node with a million (hibernated) processes, and the
    # walk's own time as the server reports it; web_sampling is the CPU
    # the memory sampler (every 200 ms, into the live chart and the event
    # stream) costs, per second of wall time, over an idle node's.
    # Watching (bench/c/bench_viz.c): no BEAM twin, for information. The
    # cost of a sequential trace on ping-pong (traced vs untraced round
    # trips), drawing a 10,000-child supervision tree as Mermaid, and
    # building the notebook's scatter for 1,000,000 processes.
    Bench("viz_trace", otter=otter("bench_viz", "trace"), beam=None,
          results=[info("viz_pingpong_untraced_ns", "ns"), info("viz_pingpong_traced_ns", "ns")]),
    Bench("viz_tree", otter=otter("bench_viz", "tree"), beam=None,
          results=[info("viz_tree_10k_ms", "ms")]),
    Bench("viz_scatter", otter=otter("bench_viz", "scatter"), beam=None,
          results=[info("viz_scatter_1m_ms", "ms")]),
    Bench("web_top50", otter=otter("bench_web", "top50", "1000000"), beam=None,
          results=[info("web_top50_1m_ms", "ms"), info("web_top50_1m_walk_ms", "ms")]),
    Bench("web_sampling", otter=otter("bench_web", "sampling", "200"), beam=None,
          results=[info("web_sampling_cpu_us_per_s", "us/s"), info("web_sampling_us_per_sample", "us")]),
    # Behaviours (bench/c/bench_otp.c, bench/erl/bench_otp.erl): a call to
    # a server beside gen_server:call, and a million idle servers beside
    # plain (not hibernated) gen_servers; goals from the behaviours' issue.
    # server_call_ns uses gen_server:call/2's default 5 s timeout on both
    # sides; server_call_infinity_ns (no timer on either side) and
    # idle_servers_start_ns (gen_server:start/3 per server) are information.
    Bench("server_call",
          otter=otter("bench_otp", "server_call"),
          beam=erl("bench_otp", "server_call"),
          results=[lower("server_call_ns", "ns", 0.33),
                   lower("server_call_infinity_ns", "ns", 0.33)]),
    Bench("idle_servers",
          otter=otter("bench_otp", "idle_servers", "1000000"),
          beam=erl("bench_otp", "idle_servers", "1000000"),
          results=[lower("idle_servers_bytes", "B", 0.25),
                   lower("idle_servers_start_ns", "ns", 0.5)]),
    # Distribution (bench/c/bench_dist.c, bench/erl/bench_dist.erl): two
    # nodes on loopback each side, with the local epmd; goals from the
    # distribution issue.
    Bench("dist",
          otter=otter("bench_dist", "erpc", "msgs", "500000"),
          beam=erl("bench_dist", "erpc", "msgs", "500000"),
          results=[lower("erpc_call_us", "us", 0.5),
                   higher("dist_msgs_per_s", "msg/s", 1.5)]),
]


# ---------------------------------------------------------------- running

@dataclass
class Side:
    """Everything one side (otter or BEAM) of a pair produced."""
    values: dict = field(default_factory=dict)   # result name -> [values]
    units: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)   # from the first good run
    error: str = ""


def run_once(argv, env, timeout, side):
    """Runs one program; returns (results, units, checks) or raises
    RuntimeError with a short explanation."""
    try:
        p = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=timeout)
    except OSError as e:
        raise RuntimeError(f"{argv[0]}: {e.strerror}")
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {timeout:.0f} s")
    results, units, checks = {}, {}, {}
    for line in p.stdout.splitlines():
        f = line.split()
        try:
            if len(f) == 4 and f[0] == "RESULT":
                results[f[1]] = float(f[2])
                units[f[1]] = f[3]
            elif len(f) == 3 and f[0] == "CHECK":
                checks[f[1]] = f[2]
        except ValueError:
            raise RuntimeError(f"unreadable line from {side}: {line!r}")
    if p.returncode != 0:
        tail = (p.stderr.strip() or p.stdout.strip()).splitlines()[-6:]
        raise RuntimeError(f"exit status {p.returncode}: " + " | ".join(tail))
    return results, units, checks


def run_pair(bench, runs, build, beam_dir, env):
    """Runs a pair interleaved, otter then BEAM, `runs` times. A side that
    fails once is not run again (its error is kept); the other side goes on."""
    sides = {"otter": Side(), "beam": Side()} if bench.beam else {"otter": Side()}
    argvs = {s: [a.replace("{build}", str(build)).replace("{beam}", str(beam_dir))
                 for a in getattr(bench, s)]
             for s in sides}
    run_env = dict(env, **bench.env)
    for i in range(runs):
        for s, side in sides.items():
            if side.error:
                continue
            print(f"  {bench.name}: run {i + 1}/{runs} {s:5} ...", end="", flush=True)
            try:
                results, units, checks = run_once(argvs[s], run_env, bench.timeout, s)
            except RuntimeError as e:
                side.error = str(e)
                print(" failed: " + side.error)
                continue
            print(" " + ", ".join(f"{k}={v:g}" for k, v in results.items()))
            for k, v in results.items():
                side.values.setdefault(k, []).append(v)
                side.units[k] = units[k]
            if not side.checks:
                side.checks = checks
    return sides


# ---------------------------------------------------------------- summary

def summarise(bench, result, sides, runs):
    """One entry of latest.json for `result`, from both sides' runs."""
    entry = {"name": result.name, "bench": bench.name, "unit": result.unit,
             "better": result.better, "goal": result.goal, "runs": runs}
    for s in ("otter", "beam"):
        if s not in sides:  # an otter-only bench
            entry.update({s: None, s + "_min": None, s + "_max": None, s + "_values": []})
            continue
        vals = sides[s].values.get(result.name, [])
        entry[s] = statistics.median(vals) if vals else None
        entry[s + "_min"] = min(vals) if vals else None
        entry[s + "_max"] = max(vals) if vals else None
        entry[s + "_values"] = vals
        unit = sides[s].units.get(result.name)
        if unit and unit != result.unit:
            entry.setdefault("warnings", []).append(
                f"{s} reports {unit}, the registry says {result.unit}")
        if not vals and not sides[s].error:
            entry.setdefault("warnings", []).append(f"{s} printed no RESULT line for it")
    o, b = entry["otter"], entry["beam"]
    entry["ratio"] = o / b if o is not None and b else None
    if entry["ratio"] is None or result.better == "info":
        entry["met"] = None
    elif result.better == "lower":
        entry["met"] = entry["ratio"] <= result.goal
    else:
        entry["met"] = entry["ratio"] >= result.goal
    entry["noisy"] = any(
        entry[s + "_min"] and entry[s + "_max"] / entry[s + "_min"] > NOISY_SPREAD
        for s in ("otter", "beam"))
    return entry


def compare_checks(bench, sides):
    """The CHECK values both sides printed, and whether they agree (a value
    only one side printed is not compared)."""
    if "beam" not in sides:
        return []
    o, b = sides["otter"].checks, sides["beam"].checks
    return [{"bench": bench.name, "name": k, "otter": o[k], "beam": b[k],
             "same": o[k] == b[k]}
            for k in sorted(set(o) & set(b))]


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def print_table(entries, checks):
    head = ("result", "unit", "otter", "spread", "BEAM", "spread", "ratio", "goal", "")
    rows = [head]
    for e in entries:
        spread = {s: (f"{fmt(e[s + '_min'])}-{fmt(e[s + '_max'])}" if e[s] is not None else "-")
                  for s in ("otter", "beam")}
        goal = ("<=" if e["better"] == "lower" else ">=") + f"{e['goal']:g}"
        verdict = {True: "met", False: "MISSED", None: "no data"}[e["met"]]
        if e["better"] == "info":
            goal, verdict = "-", "info" if e["otter"] is not None else "no data"
        if e["noisy"]:
            verdict += " (noisy)"
        ratio = f"{e['ratio']:.3g}" if e["ratio"] is not None else "-"
        rows.append((e["name"], e["unit"], fmt(e["otter"]), spread["otter"],
                     fmt(e["beam"]), spread["beam"], ratio, goal, verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    print()
    for r in rows:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) if i < 8 else c
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    print("\nmedians of each side; spread = min-max over the runs; "
          "ratio = otter / BEAM; noisy = max/min > %g" % NOISY_SPREAD)
    for e in entries:
        for w in e.get("warnings", []):
            print(f"warning: {e['name']}: {w}")
    for c in checks:
        if not c["same"]:
            print(f"warning: {c['bench']}: {c['name']} differs: "
                  f"otter {c['otter']}, BEAM {c['beam']} (not the same work?)")


def markdown(doc):
    """A results document as the Markdown table docs/benchmarks.md shows."""
    out = ["| result | otter median (min–max) | BEAM median (min–max) | otter / BEAM | goal | |",
           "|---|---|---|---|---|---|"]
    for e in doc["results"]:
        side = {s: (f"{fmt(e[s])} {e['unit']} ({fmt(e[s + '_min'])}–{fmt(e[s + '_max'])})"
                    if e[s] is not None else "—") for s in ("otter", "beam")}
        goal = ("≤ " if e["better"] == "lower" else "≥ ") + f"{e['goal']:g}"
        verdict = {True: "met", False: "**missed**", None: "no data"}[e["met"]]
        if e["better"] == "info":
            goal, verdict = "—", "information" + (" (no BEAM twin)" if e["beam"] is None else "")
        if e.get("noisy"):
            verdict += " (noisy)"
        ratio = f"{e['ratio']:.3g}" if e["ratio"] is not None else "—"
        out.append(f"| `{e['name']}` | {side['otter']} | {side['beam']} | {ratio} | {goal} | {verdict} |")
    return "\n".join(out)


# ---------------------------------------------------------------- machine

def command_output(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                              cwd=ROOT).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def read_json(path):
    try:
        return json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError):
        return None


def build_compiler(build):
    """The C compiler the build uses (from build.ninja), with its version."""
    cc = "cc"
    try:
        lines = (build / "build.ninja").read_text().splitlines()
        for i, line in enumerate(lines[:-1]):
            if line.startswith("rule c_COMPILER"):
                cc = lines[i + 1].split("=", 1)[1].split()[0]
                break
    except (OSError, IndexError):
        pass
    return command_output([cc, "--version"]).split("\n")[0] or cc


def machine_details(build):
    """What the figures depend on: hardware, kernel, compiler, build, BEAM."""
    m = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    try:
        cpuinfo = pathlib.Path("/proc/cpuinfo").read_text()
        models = [l.split(":", 1)[1].strip() for l in cpuinfo.splitlines()
                  if l.startswith("model name")]
        m["cpu"] = models[0] if models else platform.processor()
    except OSError:
        m["cpu"] = platform.processor()
    m["cores"] = os.cpu_count()
    try:
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                m["memory_gib"] = round(int(line.split()[1]) / 1048576, 1)
    except OSError:
        pass
    m["kernel"] = f"{platform.system()} {platform.release()}"
    m["compiler"] = build_compiler(build)
    opts = read_json(build / "meson-info" / "intro-buildoptions.json") or []
    o = {x["name"]: x["value"] for x in opts if "name" in x}
    m["build"] = {k: o.get(k) for k in ("buildtype", "optimization", "debug", "b_ndebug",
                                        "b_lto", "b_sanitize")}
    m["otp"] = command_output(["erl", "-noshell", "-eval",
        'R = erlang:system_info(otp_release), '
        'F = filename:join([code:root_dir(), "releases", R, "OTP_VERSION"]), '
        'V = case file:read_file(F) of {ok, B} -> string:trim(B); _ -> R end, '
        'io:format("~ts (erts ~ts)", [V, erlang:system_info(version)]), halt().'])
    m["elixir"] = command_output(["elixir", "-e", "IO.write(System.version())"])
    m["python"] = platform.python_version()
    commit = command_output(["git", "rev-parse", "--short", "HEAD"])
    if commit:
        m["commit"] = commit
    return m


# ---------------------------------------------------------------- main

def selected(bench, prefixes):
    """The results of `bench` that --only selects (all if its name matches)."""
    if not prefixes or any(bench.name.startswith(p) for p in prefixes):
        return list(bench.results)
    return [r for r in bench.results if any(r.name.startswith(p) for p in prefixes)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="release build folder (default: build)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each side (default 5)")
    ap.add_argument("--only", action="append", default=[], metavar="PREFIX",
                    help="run benchmarks or results whose name starts with PREFIX (repeatable)")
    ap.add_argument("--seconds", type=float, help="length of one timed repetition "
                    "inside programs that calibrate (OTTER_BENCH_SECONDS, default 0.3)")
    ap.add_argument("--reps", type=int, help="repetitions inside such programs, "
                    "best kept (OTTER_BENCH_REPS, default 3)")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: 1 run, 1 repetition of 0.05 s; figures are not meaningful")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    ap.add_argument("--list", action="store_true", help="list the registry and exit")
    ap.add_argument("--markdown", nargs="?", const=str(ROOT / "bench" / "results" / "latest.json"),
                    metavar="FILE", help="print a results file as a Markdown table and exit")
    args = ap.parse_args()

    if args.markdown:
        doc = read_json(args.markdown)
        if not doc:
            print(f"bench: cannot read {args.markdown}", file=sys.stderr)
            return 1
        print(markdown(doc))
        return 0

    if args.list:
        for b in REGISTRY:
            for r in b.results:
                print(f"{b.name:14} {r.name:28} {r.unit:4} {r.better:6} goal {r.goal:g}")
        return 0

    env = dict(os.environ)
    if args.quick:
        args.runs, env["OTTER_BENCH_SECONDS"], env["OTTER_BENCH_REPS"] = 1, "0.05", "1"
    if args.seconds:
        env["OTTER_BENCH_SECONDS"] = str(args.seconds)
    if args.reps:
        env["OTTER_BENCH_REPS"] = str(args.reps)

    build = pathlib.Path(args.build).resolve()
    if not (build / "build.ninja").exists():
        print(f"bench: {build} is not a Meson build folder (make bench creates one)",
              file=sys.stderr)
        return 1
    machine = machine_details(build)
    if machine["build"].get("buildtype") not in ("release", None):
        print(f"warning: {build} is a {machine['build']['buildtype']} build; "
              "figures from it do not represent otter", file=sys.stderr)

    beam_dir = build / "bench" / "beam"
    beam_dir.mkdir(parents=True, exist_ok=True)
    if not shutil.which("erlc"):
        print("bench: erlc not found (Erlang/OTP is needed for the twins)", file=sys.stderr)
        return 1
    erls = sorted(str(p) for p in ERL_DIR.glob("*.erl"))
    if erls:
        p = subprocess.run(["erlc", "-o", str(beam_dir), *erls], capture_output=True, text=True)
        if p.returncode != 0:
            print("bench: erlc failed:\n" + p.stdout + p.stderr, file=sys.stderr)
            return 1

    print(f"{machine['cpu']}, {machine['cores']} cores, {machine.get('memory_gib')} GiB, "
          f"{machine['kernel']}, {machine['compiler']}, OTP {machine['otp']}, "
          f"Elixir {machine['elixir']}")
    entries, checks, errors = [], [], []
    for bench in REGISTRY:
        wanted = selected(bench, args.only)
        if not wanted:
            continue
        runs = bench.runs or args.runs
        sides = run_pair(bench, runs, build, beam_dir, env)
        for s in sides:
            if sides[s].error:
                errors.append(f"{bench.name}: {s}: {sides[s].error}")
        entries += [summarise(bench, r, sides, runs) for r in wanted]
        checks += compare_checks(bench, sides)
        known = {r.name for r in bench.results}
        for s in sides:
            for name in sides[s].values:
                if name not in known:
                    print(f"warning: {bench.name}: {s} reports {name}, "
                          "which is not in the registry (ignored)")
    if not entries:
        print("bench: nothing matches --only " + " ".join(args.only), file=sys.stderr)
        return 1

    print_table(entries, checks)
    for e in errors:
        print("failed: " + e)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"machine": machine,
           "settings": {"runs": args.runs, "only": args.only,
                        "seconds": env.get("OTTER_BENCH_SECONDS"),
                        "reps": env.get("OTTER_BENCH_REPS"), "quick": args.quick},
           "results": entries, "checks": checks, "errors": errors}
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"\nwritten: {out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
