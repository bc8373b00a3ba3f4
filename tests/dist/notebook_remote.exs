# notebook_remote.exs — the notebook's "Connecting to a remote node",
# "Inspecting remote processes" and "Tracking memory usage" cells, exactly
# as written, run by an Elixir peer against an otter node (the node and
# cookie a user would type come from Process.get(:otter_node / :otter_cookie)).
# Kino and VegaLite are not installed here: notebook_stubs.exs (evaluated
# first) stands in for the inputs, the chart and the listener. Evaluates
# to :ok, or raises saying which check failed.
import NotebookStubs

check = fn ok, what -> if ok, do: :ok, else: raise("notebook check failed: " <> what) end

# ---- Connecting to a remote node
node =
"Node"
|> read_text(default: node())
|> String.to_atom()
cookie =
"Cookie"
|> read_text(default: Node.get_cookie())
|> String.to_atom()
Node.set_cookie(node, cookie)
true = Node.connect(node)

spawned =
Node.spawn(node, fn ->
IO.inspect(node())
end)
check.(is_pid(spawned), "Node.spawn returns a pid")

# ---- Inspecting remote processes
remote_pids = :erpc.call(node, Process, :list, [])
check.(is_list(remote_pids) and length(remote_pids) > 3, "Process.list gives the processes")
check.(Enum.all?(remote_pids, &(is_pid(&1) and node(&1) == node)), "pids of the otter node")

processes =
Enum.map(remote_pids, fn pid ->
# Extract interesting process information
info = :erpc.call(node, Process, :info, [pid, [:reductions, :memory, :status]])
# The result of inspect(pid) is relative to the node
# where it was called, that's why we call it on the remote node
pid_inspect = :erpc.call(node, Kernel, :inspect, [pid])
%{
pid: pid_inspect,
reductions: info[:reductions],
memory: info[:memory],
status: info[:status]
}
end)

alias VegaLite, as: Vl
plot = Vl.new(width: 600, height: 400)
|> Vl.data_from_values(processes)
|> Vl.mark(:point, tooltip: true)
|> Vl.encode_field(:x, "reductions", type: :quantitative, scale: [type: "log", base: 10])
|> Vl.encode_field(:y, "memory", type: :quantitative, scale: [type: "log", base: 10])
|> Vl.encode_field(:color, "status", type: :nominal)
|> Vl.encode_field(:tooltip, "pid", type: :nominal)
check.(plot.data == processes, "the chart has the data")

alive = Enum.filter(processes, & &1.status)
check.(length(alive) >= length(processes) - 2, "Process.info answers for (almost) every pid")
check.(Enum.all?(processes, &String.starts_with?(&1.pid, "#PID<0.")), "inspect(pid) on its own node is #PID<0.x.y>")
check.(Enum.all?(alive, &(is_integer(&1.reductions) and &1.reductions >= 0)), "reductions are integers")
check.(Enum.all?(alive, &(is_integer(&1.memory) and &1.memory > 0)), "memory is bytes")
check.(Enum.all?(alive, &(&1.status in [:running, :runnable, :waiting, :exiting, :suspended, :garbage_collecting])), "status is a process status")
check.(Enum.any?(alive, &(&1.reductions > 0)), "some process did work")

# ---- Tracking memory usage
local_memory = :erlang.memory()
check.(Keyword.keyword?(local_memory), ":erlang.memory() is a keyword list")

memory_plot =
Vl.new(width: 600, height: 400, padding: 20)
|> Vl.repeat(
[layer: ["total", "processes", "atom", "binary", "code", "ets"]],
Vl.new()
|> Vl.mark(:line)
|> Vl.encode_field(:x, "iter", type: :quantitative, title: "Measurement")
|> Vl.encode_repeat(:y, :layer, type: :quantitative, title: "Memory usage (MB)")
|> Vl.encode(:color, datum: [repeat: :layer], type: :nominal)
)
|> Kino.VegaLite.new()

Kino.listen(200, fn i ->
point =
:erpc.call(node, :erlang, :memory, [])
|> Enum.map(fn {type, bytes} -> {type, bytes / 1_000_000} end)
|> Map.new()
|> Map.put(:iter, i)
Kino.VegaLite.push(memory_plot, point, window: 1000)
end)

points = Kino.VegaLite.points(memory_plot)
check.(length(points) == 5, "five memory points")
for {{p, opts}, i} <- Enum.with_index(points) do
  check.(opts == [window: 1000], "pushed with the window")
  check.(p.iter == i, "points in order")
  for k <- [:total, :processes, :atom, :binary, :code, :ets] do
    check.(is_number(p[k]) and p[k] >= 0, "memory #{k} in MB")
  end
  check.(p.total > 0 and p.total >= p.processes, "total covers processes")
end

# ---- the same through rpc, and a call to an otter server by name
rpc_memory = :rpc.call(node, :erlang, :memory, [])
check.(Keyword.keys(rpc_memory) == [:total, :processes, :processes_used, :system, :atom, :atom_used, :binary, :code, :ets], ":rpc.call gives :erlang.memory()'s keys, in order")
check.(:rpc.call(node, Process, :list, []) |> is_list(), ":rpc.call Process.list")
check.(GenServer.call({:echo, node}, {:double, 21}) == 42, "GenServer.call to an otter server by name")
:ok
