#!/bin/sh
# test_node.sh — `otter node` beside a real Elixir node: the Elixir node
# connects, lists the otter node's processes over erpc, asks its demo
# supervisor for its children and reads its memory; SIGTERM stops the otter
# node cleanly (exit 0, its name gone from epmd); bad arguments give exit 2.
#
#   test_node.sh OTTER TAPFILE
#
# epmd must answer: if none runs, this starts one (epmd -daemon, as erl
# does) and fails if it still does not answer. Every check reads epmd's own
# list of names, so none of them can pass because epmd is absent.
otter=$1
tap=$2
n=0
out=""
ok() { n=$((n + 1)); out="$out
ok $n - $1"; }
not_ok() { n=$((n + 1)); out="$out
not ok $n - $1
  # $2"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2" "$3"; fi; }
finish() {
  printf 'TAP version 13\n1..%d%s\n' "$n" "$out" >"$tap" || exit 1
  grep -q '^not ok' "$tap" && exit 1
  exit 0
}
# Polls a command up to 30 s (every 0.1 s) until it succeeds; the status is
# the command's last one.
poll() {
  i=0
  until "$@"; do
    [ $i -ge 300 ] && return 1
    sleep 0.1
    i=$((i + 1))
  done
}
epmd_up() { epmd -names >/dev/null 2>&1; }
registered() { epmd -names 2>/dev/null | grep -q "^name $name at port "; }
unregistered() { names=$(epmd -names 2>/dev/null) && ! printf '%s\n' "$names" | grep -q "^name $name at port "; }

host=$(hostname -s)
name="otter_node_test_$$"
cookie="node_test_cookie_$$"

if ! epmd_up; then
  epmd -daemon >/dev/null 2>&1
  poll epmd_up
fi
epmd_up
check $? "epmd answers (started with epmd -daemon if none ran)" "epmd -names: $(epmd -names 2>&1)"
if ! epmd_up; then
  finish
fi

log=$(mktemp)
"$otter" node --sname "$name" --cookie "$cookie" --demo >"$log" 2>&1 &
pid=$!
trap 'kill -KILL $pid 2>/dev/null; rm -f "$log"' EXIT
up() { grep -q "is up" "$log" || ! kill -0 $pid 2>/dev/null; }
poll up
grep -q "node :$name@$host is up" "$log"
check $? "otter node starts and says so" "$(cat "$log")"
registered
check $? "epmd lists it" "epmd -names: $(epmd -names 2>&1)"

answer=$(elixir --sname "probe_$$" --cookie "$cookie" -e "
n = :\"$name@$host\"
true = Node.connect(n)
pids = :erpc.call(n, Process, :list, [])
true = length(pids) > 5
[{:reductions, _}, {:memory, _}, {:status, _}] = :erpc.call(n, Process, :info, [hd(pids), [:reductions, :memory, :status]])
kids = :erpc.call(n, :supervisor, :which_children, [:demo_sup])
[:Agent, :Task] = kids |> Enum.map(&elem(&1, 0)) |> Enum.sort()
mem = :erpc.call(n, :erlang, :memory, [])
true = mem[:total] > 0
IO.puts(\"fine\")
" 2>&1)
[ "$answer" = "fine" ]
check $? "an Elixir node connects, lists processes, reads info, children and memory" "$answer"

kill -TERM $pid
wait $pid
status=$?
check $status "SIGTERM stops it with exit 0" "exit $status: $(cat "$log")"
# epmd notices the closed connection on its own time: poll its list.
poll unregistered
check $? "its name is gone from epmd" "epmd -names: $(epmd -names 2>&1)"

"$otter" node >/dev/null 2>&1
[ $? -eq 2 ]
check $? "no name: exit 2"
"$otter" node --sname x --bogus >/dev/null 2>&1
[ $? -eq 2 ]
check $? "an unknown option: exit 2"

finish
