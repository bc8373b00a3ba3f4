# notebook_stubs.exs — what notebook_remote.exs needs of Livebook, Kino and
# VegaLite, which are not installed here: the inputs answer with the otter
# node and cookie a user would type (Process.get(:otter_node /
# :otter_cookie)), the chart and the listener record what the cells give
# them. Evaluated before notebook_remote.exs, which imports these.
defmodule NotebookStubs do
  def read_text("Node", _opts), do: Process.get(:otter_node)
  def read_text("Cookie", _opts), do: Process.get(:otter_cookie)
end

defmodule VegaLite do
  def new(opts \\ []), do: %{opts: opts, data: nil, layers: []}
  def data_from_values(vl, values), do: %{vl | data: values}
  def mark(vl, mark, opts \\ []), do: Map.update!(vl, :layers, &[{:mark, mark, opts} | &1])
  def encode_field(vl, ch, field, opts \\ []), do: Map.update!(vl, :layers, &[{ch, field, opts} | &1])
  def encode_repeat(vl, ch, what, opts \\ []), do: Map.update!(vl, :layers, &[{ch, what, opts} | &1])
  def encode(vl, ch, opts \\ []), do: Map.update!(vl, :layers, &[{ch, opts} | &1])
  def repeat(vl, what, inner), do: Map.put(vl, :repeat, {what, inner})
end

defmodule Kino.VegaLite do
  def new(vl) do
    {:ok, pid} = Agent.start(fn -> [] end)
    %{vl: vl, points: pid}
  end

  def push(chart, point, opts), do: Agent.update(chart.points, &[{point, opts} | &1])
  def points(chart), do: Agent.get(chart.points, &Enum.reverse/1)
end

defmodule Kino do
  # Kino.listen(200, fn): here five events, 200 ms apart, run in order.
  def listen(interval, fun) do
    for i <- 0..4 do
      fun.(i)
      Process.sleep(interval)
    end

    :ok
  end
end

