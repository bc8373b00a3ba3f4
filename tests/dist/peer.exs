# peer.exs — a BEAM node that otter's distribution tests drive.
#
#   elixir --sname NAME --cookie COOKIE tests/dist/peer.exs
#
# Prints "READY <node>" once up, then reads one line of Elixir code at a
# time from stdin, evaluates it (bindings are kept from line to line) and
# prints one line: "=> <inspect(result)>" or "!! <error>". End of stdin
# (the test closed it, or died) halts the node, so a failed test never
# leaves a node behind. `Peer.*` helpers below are available to the code.
defmodule Peer do
  # A GenServer for calls from otter: answers {:double, n} and :whoami.
  defmodule Echo do
    use GenServer
    def init(arg), do: {:ok, arg}
    def handle_call({:double, n}, _from, s), do: {:reply, 2 * n, s}
    def handle_call(:whoami, {pid, _}, s), do: {:reply, {node(), pid}, s}
  end

  # Waits for a message matching a predicate (as the tests need it).
  def await(fun, timeout \\ 5000) do
    receive do
      m -> if fun.(m), do: m, else: await(fun, timeout)
    after
      timeout -> :timeout
    end
  end

  def one_line(text), do: String.replace(text, "\n", "\\n")
end

# The test closes stdin to stop us; a test that crashed closes it too.
me = self()
{:ok, _} = Agent.start_link(fn -> me end, name: Peer.Main)
IO.puts("READY #{node()}")

loop = fn loop, binding ->
  case IO.gets("") do
    :eof ->
      System.halt(0)

    {:error, _} ->
      System.halt(0)

    line ->
      {out, binding} =
        try do
          {value, binding} = Code.eval_string(line, binding)
          {"=> " <> inspect(value, limit: :infinity, printable_limit: :infinity), binding}
        rescue
          e -> {"!! " <> Exception.format(:error, e, __STACKTRACE__), binding}
        catch
          kind, reason -> {"!! " <> Exception.format(kind, reason, __STACKTRACE__), binding}
        end

      IO.puts(Peer.one_line(out))
      loop.(loop, binding)
  end
end

loop.(loop, [])
