# bench_terms_print.exs — the BEAM twin of `bench_terms print`: how long
# Elixir's Kernel.inspect/2 takes to print the two terms of
# bench_terms.erl (built by that module, so the terms are identical), with
# limit: :infinity because otter's printer is given no limit either.
#
# The Inspect protocol is consolidated first, as Mix does for every
# compiled project and release; a bare `elixir` script would otherwise
# dispatch through the slower unconsolidated protocol.
#
# Run: elixir --erl "+P 2000000" -pa DIR bench_terms_print.exs
# where DIR holds bench_util.beam and bench_terms.beam.
defmodule BenchTermsPrint do
  def main do
    consolidate(Inspect)
    cfg = :bench_util.config()
    ping = :bench_util.id(:bench_terms.ping())
    maps = :bench_util.id(:bench_terms.maps())

    for {name, t} <- [{"ping", ping}, {"maps1k", maps}] do
      text = inspect(t, limit: :infinity)
      :bench_util.check(~c"#{name}_printed_bytes", byte_size(text))
      :bench_util.check(~c"#{name}_printed_bytesum", :bench_util.bytesum(text))
    end

    run(cfg, "term_print_ping_ns", fn n -> loop(n, ping, 0) end, :ns)
    run(cfg, "term_print_maps1k_us", fn n -> loop(n, maps, 0) end, :us)
  end

  defp run(cfg, name, work, unit) do
    ns = :bench_util.measure(String.to_charlist(name), work, cfg)

    case unit do
      :ns -> :bench_util.result(String.to_charlist(name), ns, ~c"ns")
      :us -> :bench_util.result(String.to_charlist(name), ns / 1000, ~c"us")
    end
  end

  # Every printed text's size is summed, so none can be skipped.
  defp loop(0, _t, acc), do: acc
  defp loop(i, t, acc), do: loop(i - 1, t, acc + byte_size(inspect(t, limit: :infinity)))

  defp consolidate(protocol) do
    unless Protocol.consolidated?(protocol) do
      impls = Protocol.extract_impls(protocol, :code.get_path())
      {:ok, binary} = Protocol.consolidate(protocol, impls)
      :code.purge(protocol)
      {:module, ^protocol} = :code.load_binary(protocol, ~c"consolidated", binary)
    end
  end
end

BenchTermsPrint.main()
