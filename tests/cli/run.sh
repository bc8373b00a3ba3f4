#!/bin/sh
# run.sh OTTER OTTER_PEER OUTDIR TAPFILE — the introspection subcommands of
# the otter command against a real Elixir node and a real otter node (both
# started here with unique names and a cookie of their own, and always
# stopped), and `otter node --demo` for sup-tree on an otter node; then
# check.mjs validates the JSON, Vega-Lite and Mermaid saved, and the SVG of
# --format svg against the Mermaid text of the same command, each file one
# case. Every case is one TAP line, on stdout and in TAPFILE (the plan comes
# last: a run cut short has none).
set -u
otter=$1 peer=$2 out=$3 tap=$4
renderer="$(dirname "$0")/../../web/render/mermaid-svg.mjs"
host=$(hostname -s)
tag=$$
cookie="cli_cookie_$tag"
beam="cli_beam_$tag@$host"
on="cli_otter_$tag@$host"
demo="cli_demo_$tag@$host"
rm -rf "$out" && mkdir -p "$out/files"
echo "TAP version 13" >"$tap"
fail=0 n=0
elixir_pid= peer_pid= demo_pid=
cleanup() {
    [ -n "$elixir_pid" ] && kill "$elixir_pid" 2>/dev/null
    [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
    [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null
    exec 4>&- 2>/dev/null
    rm -f "$out/peer.in"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1" | tee -a "$tap"; }
bad() {
    n=$((n + 1)); fail=$((fail + 1))
    { echo "not ok $n - $1"; sed 's/^/#   /' "$out/err" | head -5; } | tee -a "$tap"
}

# expect CODE NAME FILE|- ARGS...: runs otter ARGS, wants exit code CODE;
# saves stdout as FILE under files/ (unless -).
expect() {
    code=$1 name=$2 file=$3
    shift 3
    "$otter" "$@" >"$out/stdout" 2>"$out/err"
    rc=$?
    if [ "$rc" -eq "$code" ]; then ok "$name (exit $rc)"; else bad "$name: exit $rc, wanted $code"; fi
    [ "$file" != - ] && cp "$out/stdout" "$out/files/$file"
    return 0
}
# expect_env VAR=VALUE CODE NAME FILE|- ARGS...: expect, with VAR=VALUE in
# otter's environment.
expect_env() {
    assign=$1
    shift
    code=$1 name=$2 file=$3
    shift 3
    env "$assign" "$otter" "$@" >"$out/stdout" 2>"$out/err"
    rc=$?
    if [ "$rc" -eq "$code" ]; then ok "$name (exit $rc)"; else bad "$name: exit $rc, wanted $code"; fi
    [ "$file" != - ] && cp "$out/stdout" "$out/files/$file"
    return 0
}
# stdout_empty NAME: the last command printed nothing on stdout.
stdout_empty() {
    if [ ! -s "$out/stdout" ]; then ok "$1"; else head -c 300 "$out/stdout" >"$out/err"; bad "$1: stdout not empty"; fi
}
# stderr_has TEXT NAME: the last command's stderr says TEXT.
stderr_has() {
    if grep -qF -- "$1" "$out/err"; then ok "$2"; else bad "$2: stderr lacks '$1'"; fi
}

# ---------------------------------------------------------------- arguments
for sub in ps memory apps sup-tree app-tree; do
    expect 0 "$sub --help" - "$sub" --help
done
expect 2 "ps without NODE" - ps
stderr_has "give NODE" "ps without NODE says so"
expect 2 "ps --format bad" - ps "$beam" --format xml
stderr_has "--format takes table, json or vega-lite" "ps --format bad says which"
expect 2 "ps --top 0" - ps "$beam" --top 0
expect 2 "ps --sort bad" - ps "$beam" --sort size
expect 2 "memory --count x" - memory "$beam" --count x
expect 2 "memory --interval 0" - memory "$beam" --interval 0
expect 2 "apps extra argument" - apps "$beam" extra
expect 2 "sup-tree without NAME" - sup-tree "$beam"
expect 2 "sup-tree --direction bad" - sup-tree "$beam" x --direction up
expect 2 "app-tree unknown option" - app-tree "$beam" x --frobnicate
expect 2 "sup-tree --format bogus" - sup-tree "$beam" x --format bogus
stderr_has "--format takes mermaid or svg, not 'bogus'" "sup-tree --format bogus says which"
expect 2 "app-tree --format bogus" - app-tree "$beam" x --format bogus
stderr_has "--format takes mermaid or svg, not 'bogus'" "app-tree --format bogus says which"
expect 2 "sup-tree --format svg with a bad NODE: usage first" - sup-tree nohost x --format svg
expect 2 "ps NODE without @" - ps nohost
stderr_has "NODE must be name@host" "a NODE without @ says so"

# ---------------------------------------------------------------- unreachable
expect 1 "ps to a node that does not exist" - ps "cli_none_$tag@$host" --cookie "$cookie"
stderr_has "no node cli_none_$tag@$host registered with epmd on host $host" "unreachable node: message"
expect 1 "memory to a node that does not exist" - memory "cli_none_$tag@$host"
expect 1 "sup-tree to a node that does not exist" - sup-tree "cli_none_$tag@$host" x

# ---------------------------------------------------------------- a BEAM node
elixir --sname "cli_beam_$tag" --cookie "$cookie" -e '
  {:ok, _} = Supervisor.start_link([
    %{id: :agent, start: {Agent, :start_link, [fn -> 0 end, [name: :cli_agent]]}},
    %{id: :inner, type: :supervisor,
      start: {Supervisor, :start_link, [[{Task, fn -> Process.sleep(:infinity) end}], [strategy: :one_for_one]]}}
  ], strategy: :one_for_one, name: :cli_sup)
  IO.puts("READY")
  Process.sleep(120_000)' >"$out/elixir.log" 2>&1 &
elixir_pid=$!
i=0
until grep -q READY "$out/elixir.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
expect 1 "wrong cookie" - ps "$beam" --cookie "not_$cookie"
stderr_has "cookie rejected by $beam" "wrong cookie: message"
expect 0 "ps table (BEAM)" - ps "$beam" --cookie "$cookie"
if grep -q application_controller "$out/stdout"; then ok "ps table lists application_controller"; else bad "ps table lists application_controller"; fi
expect 0 "ps json (BEAM)" ps-beam.json ps "$beam" --cookie "$cookie" --format json
expect 0 "ps json top 3 (BEAM)" ps-top3-beam.json ps "$beam" --cookie "$cookie" --format json --top 3
expect 0 "ps json by reductions (BEAM)" ps-reds-beam.json ps "$beam" --cookie "$cookie" --format json --sort reductions
expect 0 "ps vega-lite (BEAM)" ps-beam.vl.json ps "$beam" --cookie "$cookie" --format vega-lite
expect 1 "ps --sort cpu on BEAM" - ps "$beam" --cookie "$cookie" --sort cpu
stderr_has "needs an otter node" "ps --sort cpu on BEAM says why"
expect 0 "memory json (BEAM)" memory-beam.json memory "$beam" --cookie "$cookie" --count 2 --interval 50 --format json
expect 0 "memory vega-lite (BEAM)" memory-beam.vl.json memory "$beam" --cookie "$cookie" --count 2 --interval 50 --format vega-lite
expect 0 "memory table (BEAM)" - memory "$beam" --cookie "$cookie"
expect 0 "apps json (BEAM)" apps-beam.json apps "$beam" --cookie "$cookie" --format json
expect 0 "sup-tree by name (BEAM)" sup-tree-beam.mmd sup-tree "$beam" cli_sup --cookie "$cookie"
expect 0 "sup-tree lr (BEAM)" sup-tree-lr-beam.mmd sup-tree "$beam" cli_sup --cookie "$cookie" --direction lr
if grep -q '^graph LR;' "$out/stdout"; then ok "--direction lr draws LR"; else bad "--direction lr draws LR"; fi
expect 1 "sup-tree of a worker (BEAM)" - sup-tree "$beam" cli_agent --cookie "$cookie"
stderr_has "is not a supervisor" "sup-tree of a worker says why"
expect 1 "sup-tree of an unknown name" - sup-tree "$beam" no_such_sup --cookie "$cookie"
expect 0 "app-tree logger (BEAM)" app-tree-beam.mmd app-tree "$beam" logger --cookie "$cookie"
expect 1 "app-tree of an app not running" - app-tree "$beam" no_such_app --cookie "$cookie"

# --format svg: the same trees drawn (check.mjs compares X.svg with X.mmd)
expect 0 "sup-tree svg (BEAM)" sup-tree-beam.svg sup-tree "$beam" cli_sup --cookie "$cookie" --format svg
expect 0 "sup-tree lr svg (BEAM)" sup-tree-lr-beam.svg sup-tree "$beam" cli_sup --cookie "$cookie" --direction lr --format svg
expect 0 "app-tree logger svg (BEAM)" app-tree-beam.svg app-tree "$beam" logger --cookie "$cookie" --format svg
expect 0 "--format mermaid is the default" - sup-tree "$beam" cli_sup --cookie "$cookie" --format mermaid
if cmp -s "$out/stdout" "$out/files/sup-tree-beam.mmd"; then ok "--format mermaid prints what no --format prints"; else
    diff "$out/stdout" "$out/files/sup-tree-beam.mmd" >"$out/err"; bad "--format mermaid prints what no --format prints"; fi
expect 1 "sup-tree svg of a worker (BEAM)" - sup-tree "$beam" cli_agent --cookie "$cookie" --format svg
stderr_has "is not a supervisor" "sup-tree svg of a worker says why"
stdout_empty "sup-tree svg of a worker prints nothing"
missing="$out/no-web-folder"
expect_env "OTTER_WEB_DIR=$missing" 1 "sup-tree svg without the renderer" - sup-tree "$beam" cli_sup --cookie "$cookie" --format svg
stderr_has "--format svg needs node and chromium: run scripts/deps.sh, or use --format mermaid" "sup-tree svg without the renderer says what to install"
stderr_has "$missing/render/mermaid-svg.mjs" "sup-tree svg without the renderer says what is missing"
stdout_empty "sup-tree svg without the renderer prints nothing"
expect_env "OTTER_WEB_DIR=$missing" 1 "app-tree svg without the renderer" - app-tree "$beam" logger --cookie "$cookie" --format svg
stderr_has "--format svg needs node and chromium: run scripts/deps.sh, or use --format mermaid" "app-tree svg without the renderer says what to install"
expect_env "OTTER_CHROMIUM=$out/no-chromium" 1 "sup-tree svg without the browser" - sup-tree "$beam" cli_sup --cookie "$cookie" --format svg
stderr_has "--format svg needs node and chromium: run scripts/deps.sh, or use --format mermaid" "sup-tree svg without the browser says what to install"
stderr_has "no browser at $out/no-chromium" "sup-tree svg without the browser says which"
expect_env "OTTER_WEB_DIR=$missing" 0 "--format mermaid needs no renderer" - sup-tree "$beam" cli_sup --cookie "$cookie"
# a stand-in renderer (a web folder of our own): it gets exactly the text
# --format mermaid prints, otter prints exactly what it prints, and its
# failure is otter's, with its message and nothing on stdout
for kind in good failing; do
    fake="$out/web-$kind"
    mkdir -p "$fake/render" "$fake/node_modules/mermaid/dist" "$fake/node_modules/playwright-core"
    : >"$fake/node_modules/mermaid/dist/mermaid.min.js"
    : >"$fake/node_modules/playwright-core/package.json"
    if [ "$kind" = good ]; then
        printf '%s\n' "import fs from 'node:fs';" \
            "fs.writeFileSync('$out/fake-stdin', fs.readFileSync(0));" \
            "process.stdout.write('<svg xmlns=\"http://www.w3.org/2000/svg\"><text>' + process.argv.slice(2).join(' ') + '</text></svg>\\n');" \
            >"$fake/render/mermaid-svg.mjs"
    else
        printf '%s\n' "process.stderr.write('the diagram does not parse: stand-in\\n'); process.exit(1);" \
            >"$fake/render/mermaid-svg.mjs"
    fi
done
expect_env "OTTER_WEB_DIR=$out/web-good" 0 "app-tree svg with a stand-in renderer" - app-tree "$beam" logger --cookie "$cookie" --format svg
if cmp -s "$out/fake-stdin" "$out/files/app-tree-beam.mmd"; then ok "the renderer gets exactly the Mermaid text"; else
    diff "$out/fake-stdin" "$out/files/app-tree-beam.mmd" >"$out/err"; bad "the renderer gets exactly the Mermaid text"; fi
if grep -q '^<svg xmlns="http://www.w3.org/2000/svg"><text>--browser /[^<]*</text></svg>$' "$out/stdout"; then
    ok "otter prints what the renderer printed (it was given --browser PATH)"; else
    cp "$out/stdout" "$out/err"; bad "otter prints what the renderer printed"; fi
expect_env "OTTER_WEB_DIR=$out/web-failing" 1 "sup-tree svg with a failing renderer" - sup-tree "$beam" cli_sup --cookie "$cookie" --format svg
stderr_has "otter sup-tree: the diagram does not parse: stand-in" "a failing renderer's message is relayed"
stderr_has "failed (exit 1)" "a failing renderer's exit code is told"
stdout_empty "a failing renderer: nothing on stdout"
# the renderer itself, on a diagram that does not parse
printf 'graph TD;\n0(a) ---> 1((((\n' | node "$renderer" >"$out/stdout" 2>"$out/err"
rc=$?
if [ "$rc" -eq 1 ]; then ok "the renderer fails on a parse error (exit 1)"; else bad "the renderer on a parse error: exit $rc, wanted 1"; fi
stderr_has "the diagram does not parse: Parse error on line 2" "the renderer says where the diagram does not parse"
stdout_empty "the renderer prints no SVG for a parse error"

# otter observe: the dashboard for the BEAM node, asked over HTTP
"$otter" observe "$beam" --cookie "$cookie" >"$out/observe.log" 2>&1 &
observe_pid=$!
i=0
until grep -q 'http://127.0.0.1:' "$out/observe.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$out/observe.log" | head -1)
curl -s -m 30 -H 'Host: 127.0.0.1' "${url}api/overview" >"$out/files/observe-overview.json" 2>"$out/err"
if grep -q "\"node\":\"$beam\"" "$out/files/observe-overview.json" &&
   grep -q '"process_count":' "$out/files/observe-overview.json"; then
    ok "observe: the overview is the BEAM node's"
else
    cp "$out/files/observe-overview.json" "$out/err"; bad "observe: the overview is the BEAM node's"
fi
curl -s -m 30 -H 'Host: 127.0.0.1' "${url}api/processes?sort=memory&limit=5" >"$out/observe-ps.json" 2>"$out/err"
if grep -q '"rows":\[{"pid"' "$out/observe-ps.json"; then ok "observe: the BEAM node's processes"; else
    cp "$out/observe-ps.json" "$out/err"; bad "observe: the BEAM node's processes"; fi
kill -INT "$observe_pid"
wait "$observe_pid"
rc=$?
if [ "$rc" -eq 0 ]; then ok "observe stops on SIGINT (exit 0)"; else echo "exit $rc" >"$out/err"; bad "observe stops on SIGINT"; fi
expect 2 "observe without NODE" - observe

# ---------------------------------------------------------------- an otter node
mkfifo "$out/peer.in"
"$peer" "cli_otter_$tag" "$cookie" <"$out/peer.in" >"$out/peer.log" 2>&1 &
peer_pid=$!
exec 4>"$out/peer.in"
i=0
until grep -q READY "$out/peer.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
expect 0 "ps json (otter)" ps-otter.json ps "$on" --cookie "$cookie" --format json
expect 0 "ps json by cpu (otter)" ps-cpu-otter.json ps "$on" --cookie "$cookie" --format json --sort cpu
expect 0 "ps vega-lite (otter)" ps-otter.vl.json ps "$on" --cookie "$cookie" --format vega-lite
expect 0 "memory json (otter)" memory-otter.json memory "$on" --cookie "$cookie" --count 2 --interval 50 --format json
expect 0 "memory vega-lite (otter)" memory-otter.vl.json memory "$on" --cookie "$cookie" --count 2 --interval 50 --format vega-lite
expect 0 "apps json (otter)" apps-otter.json apps "$on" --cookie "$cookie" --format json

# `otter node --demo` (its demo_sup: the notebook's Task and Agent)
"$otter" node --sname "cli_demo_$tag" --cookie "$cookie" --demo >"$out/demo.log" 2>&1 &
demo_pid=$!
i=0
until grep -q "is up" "$out/demo.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
expect 0 "sup-tree (otter)" sup-tree-otter.mmd sup-tree "$demo" demo_sup --cookie "$cookie"
expect 0 "sup-tree svg (otter)" sup-tree-otter.svg sup-tree "$demo" demo_sup --cookie "$cookie" --format svg

# ---------------------------------------------------------------- the outputs
# check.mjs checks each saved file: every one of its lines is a case here.
node "$(dirname "$0")/check.mjs" "$out/files" >"$out/check" 2>&1
rc=$?
checked=0 check_failed=0
while IFS= read -r line; do
    case "$line" in
        "ok - "*) checked=$((checked + 1)); ok "output ${line#ok - }" ;;
        "not ok - "*)
            checked=$((checked + 1)); check_failed=$((check_failed + 1))
            echo "${line#not ok - }" >"$out/err"; bad "output ${line#not ok - }" ;;
    esac
done <"$out/check"
saved=$(ls "$out/files" | wc -l)
if [ "$checked" -eq "$saved" ]; then ok "check.mjs checked all $saved saved files"; else
    echo "$checked results for $saved files" >"$out/err"; bad "check.mjs checked all $saved saved files"; fi
if [ "$rc" -ne 0 ] && [ "$check_failed" -eq 0 ]; then
    tail -n 5 "$out/check" >"$out/err"; bad "check.mjs ran to its end (exit $rc)"; fi
echo "1..$n" | tee -a "$tap"
[ "$fail" -eq 0 ]
