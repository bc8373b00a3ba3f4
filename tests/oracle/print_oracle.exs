# print_oracle.exs — the real Elixir/Erlang printers, for test_print_oracle.
#
#   elixir print_oracle.exs terms SEED COUNT
#     A fixed set of hard cases, then COUNT random terms. One line per term:
#       hex(term_to_binary(t, minor_version: 2))
#       base64(inspect(t, limit: :infinity, printable_limit: :infinity))
#       base64(io_lib:format("~100000000tp", [t]) as UTF-8)
#       base64(inspect(t, limit: n, printable_limit: :infinity)) for n = 1, 2, 3, 5
#     separated by single spaces.
#
#   elixir print_oracle.exs floats SEED COUNT
#     Hard cases, then COUNT doubles from random bit patterns. One line each:
#       hex of the 8 bytes of the double (big endian)
#       float_to_list(f, [:short])
#       inspect(f)
#
#   elixir print_oracle.exs gen GEN_TERMS SEED COUNT
#     Runs tests/oracle/gen_terms.exs (path GEN_TERMS) with SEED COUNT: its
#     lines, as it prints them (see there).
#
# Each mode ends with one line "end FIXED RANDOM": how many fixed and random
# terms (or floats) it printed, so that a reader can tell that the oracle
# answered every one (a killed or failing oracle prints no such line).
#
# Maps stay at 32 keys or fewer: larger maps list their keys in BEAM's
# hash order, which otter does not reproduce (see docs/terms.md).

defmodule PrintOracle do
  import Bitwise
  @limits [1, 2, 3, 5]

  @atoms [
    :ping, :ok, :"with space", true, false, nil, Foo.Bar, Enum, :+, :"::", :..//, :..,
    :..., :%, :%{}, :{}, :<<>>, :->, :"^^^", :"~~~", :"<|>", :"//", :"=>", :|, :&, :@,
    :\\, :when, :Foo, :foo?, :foo!, :"foo?x", :foo@bar, :Foo@bar, :_, :"", :Elixir,
    :"Elixir.Elixir", :"Elixir.Elixir.Foo", :"Elixir.foo", :"Elixir.Foo.bar", :"Foo.Bar",
    :é, :héllo, :日本, :"a\nb", :"a\"b", :"a\\b", :"a\#{b}", :"1a", :"a-b", :"@a", :"?",
    :!, :"a?b", :a!, :Émile, :"a\u0085", :"a\0", :"ab\u00a0", :"\u{FEFF}", :in, :not,
    :and, :or, :^, :"not in", :=, :===, :<-, :**, :-, :--, :+++, :|||, :"~", :"$", :&&,
    :||, :|>, :"@@", :do, :end, :fn, :catch, :after, :receive, :"hello world", :"a'b",
    :A, :aB_9, :ß, :"×", :"a\x7f", :"Ünïcödé", :"ünïcödé", :nonode@nohost, :"foo.bar",
    :"Elixir.Foo Bar", :"Elixir.Foo.Bar.Baz9", :"Elixir.Foo..Bar", :"Elixir.", :maybe, :"aж", :"ℕ", :"a\u0301", :"µ"
  ]

  @strings [
    "", "hello", "héllo", "日本語", "a\a\b\t\n\v\f\r\e\d\"\\\#{x}#", "\u{FEFF}", "\u{FFFE}",
    <<233>>, <<"é\0">>, <<0>>, <<127>>, <<128>>, <<"a", 200, "b">>, "tab\there", "€", "\u{10FFFF}",
    <<0xC2, 0x85>>, "quote\"d", "multi\nline", <<255, 254>>, "#", "\#{", "\\"
  ]

  def fixed do
    pid = self()
    local_fun = fn x -> x end
    [
      {:ping, pid, 42},
      1000.0, 1.0e15, 1.0e16, 123456789012345678.0, -0.0, 0.0, 0.1, 1.0e-5, 1.5e300, 100.0,
      -1000.0, 1.5, 12345678912.345, 9007199254740993.0, 5.0e-324, 1.7976931348623157e308,
      0, -1, 1 <<< 59, -(1 <<< 59), 1 <<< 60, -(1 <<< 60), 1 <<< 64, -(1 <<< 64),
      123_456_789_012_345_678_901_234_567_890_123_456_789, -(10 ** 200),
      [], {}, %{}, [[]], [{}], [%{}], {[], {}},
      [1, 2, 3], [1, 2 | 3], [1 | 2], [[1, 2, 3], [4, 5, 6]], [1, [2, 3] | 4],
      'hello', 'a\a\b\t\n\v\f\r\e\'\\\#{x}#"', [127], [233], [26085], [7, 8, 9], [0],
      [a: 1, b: [c: 2]], [{:"with space", 1}, {:+, 2}, {Foo, 3}], [{Foo.Bar, 1}], [{:a, 1} | 2],
      [{:Elixir, 1}], [{:a, 1, 2}], [{"a", 1}],
      %{a: 1, b: 2}, %{"a" => 1}, %{:a => 1, "b" => 2}, %{1 => 2, 1.0 => 3, :a => 4, "x" => 5},
      %{Foo => 1}, %{Foo => 1, :a => 2}, %{Elixir: 1, Foo: 2}, %{[1] => {2}, {3} => [4]},
      %{__struct__: Nope, a: 1}, %{__struct__: "x", a: 1}, %{__struct__: Nope.Deeper, b: [1]},
      <<1, 2, 3>>, <<1, 2, 3::4>>, <<3::3>>, <<1::1>>, <<255, 0, 255>>, <<0::7>>,
      :erlang.make_ref(), hd(Port.list()),
      &Enum.map/2, &:lists.map/2, &:erlang.+/2, &Kernel.is_atom/1,
      :erlang.make_fun(:"Elixir.Foo", :Bar, 0), :erlang.make_fun(:"Elixir.Foo", :.., 0),
      :erlang.make_fun(:"Elixir.Foo", :"::", 0), :erlang.make_fun(:"a b", :é, 0),
      :erlang.make_fun(:"Elixir.Foo", :"with space", 3), :erlang.make_fun(:foo, :"not in", 1),
      local_fun, {local_fun, [local_fun]},
      :erlang.list_to_pid('<0.84.0>'), :erlang.list_to_pid('<0.0.0>'),
      :erlang.list_to_pid('<0.32767.8191>'),
      List.duplicate(1, 40), Enum.to_list(1..33), Map.new(1..32, &{&1, &1}),
      Map.new(1..32, &{:"k#{&1}", &1}), Enum.reduce(1..50, :leaf, &{&1, &2}),
      Enum.reduce(1..50, [], &[&1 | &2]) |> Enum.reduce([], &[&1, &2]),
      {:ok, "value", [1.5, :atom, %{nested: {:tuple, <<9, 8>>}}]}
    ] ++ @atoms ++ @strings ++ Enum.map(@strings, &String.to_charlist(for <<b <- &1>>, into: "", do: <<b::utf8>>)) ++
      Enum.map(@atoms, &[{&1, 1}]) ++ Enum.map(@atoms, &%{&1 => 1})
  end

  # ---------------------------------------------------------------- random

  def term(0), do: leaf()

  def term(d) do
    case :rand.uniform(10) do
      n when n <= 4 -> leaf()
      5 -> List.to_tuple(for _ <- 1..:rand.uniform(5) - 1, do: term(d - 1))
      6 -> for _ <- 1..:rand.uniform(6) - 1, do: term(d - 1)
      7 -> improper(d)
      8 -> Map.new(for _ <- 1..(:rand.uniform(6) - 1), do: {key(d - 1), term(d - 1)})
      9 -> for _ <- 1..:rand.uniform(4), do: {Enum.random(@atoms), term(d - 1)}
      10 -> Map.new(for _ <- 1..:rand.uniform(4), do: {Enum.random(@atoms), term(d - 1)})
    end
  end

  defp improper(d) do
    tail = term(d - 1)
    tail = if is_list(tail), do: :tail, else: tail
    Enum.reduce(1..:rand.uniform(3), tail, fn _, acc -> [term(d - 1) | acc] end)
  end

  defp key(d) do
    if :rand.uniform(3) == 1, do: Enum.random(@atoms), else: term(d)
  end

  def leaf do
    case :rand.uniform(14) do
      1 -> Enum.random(@atoms)
      2 -> :rand.uniform(2000) - 1000
      3 -> (:rand.uniform(1 <<< 70) - (1 <<< 69)) * Enum.random([1, 1 <<< 64, 1])
      4 -> random_float()
      5 -> Enum.random(@strings)
      6 -> :crypto.strong_rand_bytes(:rand.uniform(8) - 1)
      7 -> random_text()
      8 -> String.to_charlist(random_ascii())
      9 -> for _ <- 1..:rand.uniform(4), do: Enum.random([0, 7, 13, 27, 31, 32, 126, 127, 160, 255, 256, 8364])
      10 -> <<:rand.uniform(255)::size(:rand.uniform(20))>>
      11 -> Enum.random([self(), :erlang.make_ref(), hd(Port.list()), &Enum.map/2, :erlang.list_to_pid('<0.#{:rand.uniform(500)}.#{:rand.uniform(3) - 1}>')])
      12 -> random_ascii()
      13 -> Enum.random([1.0, 0.5, 100.0, 1.0e3, 1.0e16, -2.5, 3.14, 1.0e-4, 1.0e-5])
      14 -> String.to_atom(random_ascii())
    end
  end

  defp random_ascii do
    for _ <- 1..:rand.uniform(8), into: "", do: <<Enum.random(~c"abcXYZ_09 ?!@.\"'\\#{}\n\t-+:=<>|&")>>
  end

  defp random_text do
    for _ <- 1..:rand.uniform(6), into: "" do
      <<Enum.random([?a, ?Z, 0xE9, 0x85, 0xA0, 0x7F, 0x3042, 0x1F600, 0xFEFF, 0xFFFE, 0x0A, 0x07, 0x00])::utf8>>
    end
  end

  def random_float do
    <<f::float>> = random_float_bits()
    f
  end

  defp random_float_bits do
    bits = <<:rand.uniform(1 <<< 64) - 1::64>>
    case bits do
      <<_::1, 0x7FF::11, _::52>> -> random_float_bits()
      _ -> bits
    end
  end

  # ---------------------------------------------------------------- output

  def b64(iodata), do: Base.encode64(IO.iodata_to_binary(iodata))

  def line(t) do
    ext = Base.encode16(:erlang.term_to_binary(t, minor_version: 2), case: :lower)
    ex = b64(inspect(t, limit: :infinity, printable_limit: :infinity))
    erl = b64(:unicode.characters_to_binary(:io_lib.format('~100000000tp', [t])))
    lims = for n <- @limits, do: b64(inspect(t, limit: n, printable_limit: :infinity))
    Enum.join([ext, ex, erl | lims], " ")
  end

  def float_line(f) do
    hex = Base.encode16(<<f::float>>, case: :lower)
    Enum.join([hex, List.to_string(:erlang.float_to_list(f, [:short])), inspect(f)], " ")
  end

  def fixed_floats do
    [0.0, -0.0, 1.0, 0.1, 100.0, 1000.0, 1.0e4, 1.0e15, 1.0e16, 1.0e17, 1.0e20, 1.0e21, 1.0e22,
     1.0e23, 123456789012345678.0, 1.5e300, 0.01, 0.001, 0.0001, 1.0e-5, 1.0e-6, 1.234e-5,
     123.456, 1.0e100, 5.0e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 12345678.9,
     1.2345678912345e10, 2.5e-5, 0.000123, 0.00123, 9007199254740993.0, 9007199254740992.0,
     4503599627370496.0, 4503599627370497.0, 123456.0, 1.0e-10, 0.003, 1.5e22, 1.2e21,
     1.234e21, 1.23e20, 1.0e18, 1.0e19, 0.3, 2.0 / 3.0, 1.0e9, 1.23456789e9, 1.23456789e10,
     9.999999999999999e22, 1801439850948198.4, 1801439850948199.0, 18014398509481984.0,
     720575940379279.4, 7205759403792794.0, 72057594037927940.0]
    |> Enum.flat_map(&[&1, -&1])
    |> Enum.concat(for e <- -330..310, do: :math.pow(2, e / 1) |> clamp())
    |> Enum.concat(for e <- -20..25, m <- [1, 2, 5, 9, 12, 123, 999_999, 4_503_599_627_370_497], do: m * :math.pow(10, e))
  end

  defp clamp(f), do: f
end

case System.argv() do
  ["terms", seed, count] ->
    :rand.seed(:exsss, {String.to_integer(seed), 7, 11})
    fixed = PrintOracle.fixed()
    for t <- fixed, do: IO.puts(PrintOracle.line(t))
    n = String.to_integer(count)
    for _ <- 1..n//1, do: IO.puts(PrintOracle.line(PrintOracle.term(4)))
    IO.puts("end #{length(fixed)} #{n}")

  ["floats", seed, count] ->
    :rand.seed(:exsss, {String.to_integer(seed), 3, 5})
    fixed = PrintOracle.fixed_floats()
    for f <- fixed, do: IO.puts(PrintOracle.float_line(f))
    n = String.to_integer(count)
    for _ <- 1..n//1, do: IO.puts(PrintOracle.float_line(PrintOracle.random_float()))
    IO.puts("end #{length(fixed)} #{n}")

  ["gen", gen_terms, seed, count] ->
    # gen_terms.exs reads its arguments and prints every line when loaded.
    System.argv([seed, count])
    Code.require_file(gen_terms)
    IO.puts("end #{length(OtterGen.edges())} #{String.to_integer(count)}")

  _ ->
    IO.puts(:stderr, "usage: elixir print_oracle.exs terms|floats SEED COUNT | gen GEN_TERMS SEED COUNT")
    System.halt(2)
end
