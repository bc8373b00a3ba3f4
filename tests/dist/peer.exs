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
    def start_link(arg), do: GenServer.start_link(__MODULE__, arg)
    def init(arg), do: {:ok, arg}
    def handle_call({:double, n}, _from, s), do: {:reply, 2 * n, s}
    def handle_call(:whoami, {pid, _}, s), do: {:reply, {node(), pid}, s}
  end

  # A selective receive with a predicate: takes the oldest message for
  # which fun is true, leaving the others in the mailbox; :timeout after
  # `timeout` ms (a cap that only a hang reaches).
  def await(fun, timeout \\ 60000) do
    await_until(fun, System.monotonic_time(:millisecond) + timeout)
  end

  defp await_until(fun, deadline) do
    # A receive with a clause makes the VM move the messages that have
    # arrived into the mailbox. Process.info(self(), :messages) alone does
    # not, nor does Process.sleep: a reply that came while this process was
    # running stayed out of sight for 0.4 to 3.4 s here (OTP 25), longer
    # than some callers wait.
    receive do
      :__peer_await_never__ -> :ok
    after
      0 -> :ok
    end

    {:messages, msgs} = Process.info(self(), :messages)

    case Enum.find(msgs, :none, fun) do
      :none ->
        if System.monotonic_time(:millisecond) >= deadline do
          :timeout
        else
          Process.sleep(5)
          await_until(fun, deadline)
        end

      m ->
        receive do
          ^m -> m
        end
    end
  end

  # Signals between nodes travel on their own: a check of their effect
  # waits (up to 60 s, a cap that only a hang reaches) until fun gives
  # something other than nil, false, [] or :timeout, and returns that (or
  # the last value).
  def eventually(fun, tries \\ 6000) do
    v = fun.()

    if v in [nil, false, [], :timeout] and tries > 0 do
      Process.sleep(10)
      eventually(fun, tries - 1)
    else
      v
    end
  end

  # A call that answers only when told, for a caller that gives up first:
  # registers the calling process under `name` and waits for
  # {:release, to}; then a watcher sends :released to `to` once this
  # process is gone, that is once its answer (:late) has been sent.
  def held(name) do
    Process.register(self(), name)

    receive do
      {:release, to} ->
        me = self()

        spawn(fn ->
          ref = Process.monitor(me)

          receive do
            {:DOWN, ^ref, _, _, _} -> send(to, :released)
          end
        end)

        :late
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
