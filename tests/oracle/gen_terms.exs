# gen_terms.exs — terms made by real Erlang, for otter's term tests.
#
#   elixir tests/oracle/gen_terms.exs SEED COUNT
#
# Prints one line per term: every edge case first, then COUNT random terms
# drawn with the given seed. Each line has four space-separated fields:
#   1. hex of :erlang.term_to_binary(t)
#   2. hex of :erlang.term_to_binary(t, minor_version: 2)
#   3. base64 of inspect(t, limit: :infinity, printable_limit: :infinity)
#   4. base64 of the flattened UTF-8 text of :io_lib.format('~100000000tp', [t])
# The terms come from a compiled module, so local funs are real funs of
# that module, not interpreter closures.

defmodule OtterGen do
  import Bitwise

  # ------------------------------------------------------------ edges

  def edges do
    Enum.concat([
      atoms(),
      integers(),
      floats(),
      lists(),
      binaries(),
      tuples(),
      maps(),
      identifiers(),
      funs(),
      nested()
    ])
  end

  defp atoms do
    [
      :"", :a, :ok, true, false, nil, :"hello world", :"with'quote", :"é",
      :"ĉ", :"日本語", :"🦦", :"Elixir.Enum", :"$gen_call", :nonode@nohost,
      String.to_atom(String.duplicate("a", 255)),
      String.to_atom(String.duplicate("é", 255)),
      String.to_atom(String.duplicate("ĉ", 255)),
      String.to_atom(String.duplicate("🦦", 255)),
      String.to_atom(String.duplicate("a", 254) <> "ĉ"),
      String.to_atom(String.duplicate("ÿ", 128)),
      String.to_atom(String.duplicate("x", 63) <> "日"),
      String.to_atom(String.duplicate("x", 64) <> "日")
    ]
  end

  defp integers do
    bounds =
      [0, 1, 127, 128, 255, 256, 65535, 65536, 1 <<< 27, 1 <<< 31, 1 <<< 32,
       1 <<< 59, 1 <<< 60, 1 <<< 63, 1 <<< 64, 1 <<< 127, 1 <<< 128,
       1 <<< 2039, 1 <<< 2040, 1 <<< 2047, 1 <<< 2048, 1 <<< 4000, 1 <<< 10000]

    for b <- bounds, d <- [-1, 0, 1], s <- [1, -1], uniq: true, do: s * (b + d)
  end

  defp floats do
    neg_zero = :erlang.binary_to_term(<<131, 70, 128, 0, 0, 0, 0, 0, 0, 0>>)
    tiny = :erlang.binary_to_term(<<131, 70, 0, 0, 0, 0, 0, 0, 0, 1>>)
    max = :erlang.binary_to_term(<<131, 70, 127, 239, 255, 255, 255, 255, 255, 255>>)
    [0.0, neg_zero, 1.0, -1.0, 0.1, 1.5, -2.5e-10, 1.0e100, 1.0e-100, 3.141592653589793,
     tiny, -tiny, max, -max, 2.2250738585072014e-308, 9007199254740993.0, 1.0e15, 1.0e16,
     123456789.125, 0.30000000000000004]
  end

  defp lists do
    [
      [], [1], [1, 2, 3], 'abc', [0], [255], [256], [-1], [1 | 2], [1, 2 | :a],
      [[]], [[], []], ['a' | 'b'], [1 | []], ['', ''],
      Enum.to_list(0..255), Enum.to_list(1..65535), Enum.to_list(1..65536),
      List.duplicate(7, 65534) ++ [256], List.duplicate(:x, 1000),
      [1, 2, 3 | "bin"], [1.0, 2], 'héllo', [0x65E5, 0x672C], 'tab\there\n',
      [?a | ?b], List.duplicate(255, 300) ++ [1 | 2],
      Enum.to_list(1..100_000)
    ]
  end

  defp binaries do
    [
      "", "a", "hello", "héllo", "日本語", <<0, 1, 2, 255>>, <<255>>,
      :binary.copy("x", 63), :binary.copy("x", 64), :binary.copy("x", 65),
      :binary.copy(<<0>>, 64), :binary.copy(<<200>>, 65), :binary.copy("ab", 1000),
      <<1::1>>, <<0::1>>, <<5::3>>, <<1, 2, 3::7>>, <<255, 1::1>>, <<0::7>>,
      <<:binary.copy("y", 64)::binary, 3::2>>, <<:binary.copy("y", 65)::binary, 3::2>>,
      "\"quoted\"", "a\nb", <<0xC3>>
    ]
  end

  defp tuples do
    [
      {}, {1}, {:ok, 1}, {:error, :badarg, []}, List.to_tuple(Enum.to_list(1..255)),
      List.to_tuple(Enum.to_list(1..256)), List.to_tuple(Enum.to_list(1..1000)),
      {{}, {{}}}, {[], "", %{}}
    ]
  end

  defp maps do
    big = fn n -> Map.new(1..n, fn i -> {i, i * i} end) end
    neg_zero = :erlang.binary_to_term(<<131, 70, 128, 0, 0, 0, 0, 0, 0, 0>>)

    [
      %{}, %{a: 1}, %{1 => :a, 1.0 => :b}, %{2 => :a, 1.0 => :b}, %{neg_zero => 1},
      %{:b => 1, :a => 2, 3 => 3, 2.5 => 4, "s" => 5, {1} => 6, [1] => 7, [] => 8,
        <<1::3>> => 9, %{} => 10, self() => 11},
      big.(31), big.(32), big.(33), big.(100),
      Map.new(1..40, fn i -> {Enum.at([:a, "b", 1.5, {i}, [i]], rem(i, 5)), i} end),
      Map.new(1..40, fn i -> {{:k, i}, i} end) |> Map.put(:x, 1) |> Map.put(1.0, 2),
      %{%{1 => 2} => %{3 => 4}}, Map.new(1..32, fn i -> {String.duplicate("k", i), i} end),
      Map.new(1..33, fn i -> {:"a#{i}", i} end)
    ]
  end

  defp identifiers do
    remote = fn bin -> :erlang.binary_to_term(bin) end
    node = <<100, 0, 5, "a@foo">>
    unode = <<119, 5, "ü@foo"::binary>>

    [
      self(), :erlang.list_to_pid('<0.0.0>'), :erlang.list_to_pid('<0.84.0>'),
      :erlang.list_to_pid('<0.32767.8191>'), make_ref(), make_ref(),
      :erlang.list_to_port('#Port<0.0>'), :erlang.list_to_port('#Port<0.5>'),
      :erlang.list_to_port('#Port<0.268435455>'),
      remote.(<<131, 88>> <> node <> <<1::32, 2::32, 3::32>>),
      remote.(<<131, 88>> <> node <> <<0xFFFFFFFF::32, 0xFFFFFFFF::32, 0xFFFFFFFF::32>>),
      remote.(<<131, 88>> <> unode <> <<1::32, 2::32, 3::32>>),
      remote.(<<131, 103>> <> node <> <<7::32, 8::32, 2>>),
      remote.(<<131, 89>> <> node <> <<9::32, 4::32>>),
      remote.(<<131, 120>> <> node <> <<0x100000000::64, 4::32>>),
      remote.(<<131, 120>> <> node <> <<0xFFFFFFFFFFFFFFFF::64, 4::32>>),
      remote.(<<131, 102>> <> node <> <<9::32, 1>>),
      remote.(<<131, 90, 0, 1>> <> node <> <<5::32, 1::32>>),
      remote.(<<131, 90, 0, 2>> <> node <> <<5::32, 1::32, 2::32>>),
      remote.(<<131, 90, 0, 3>> <> node <> <<5::32, 1::32, 2::32, 3::32>>),
      remote.(<<131, 90, 0, 4>> <> node <> <<5::32, 1::32, 2::32, 3::32, 4::32>>),
      remote.(<<131, 90, 0, 5>> <> unode <> <<0xFFFFFFFF::32, 1::32, 2::32, 3::32, 4::32, 5::32>>),
      remote.(<<131, 101>> <> node <> <<0x3FFFF::32, 3>>),
      remote.(<<131, 114, 0, 3>> <> node <> <<1, 1::32, 2::32, 3::32>>)
    ] ++ Enum.take(Port.list(), 2)
  end

  defp funs do
    x = 5
    y = {:a, "b", [1.5]}
    [
      &:lists.map/2, &Enum.map/2, &:erlang.self/0, Function.capture(:"ĉ", :f, 1), Function.capture(:m, :"日", 255),
      fn -> 1 end, fn a -> a + x end, fn a, b -> {a, b, x, y} end,
      fn -> self() end, fn -> [x | y] end
    ]
  end

  defp nested do
    deep = fn n, f -> Enum.reduce(1..n, :leaf, fn _, acc -> f.(acc) end) end

    [
      deep.(300, fn a -> {a} end),
      deep.(300, fn a -> [a] end),
      deep.(300, fn a -> %{k: a} end),
      deep.(12, fn a -> {a, a} end),
      deep.(100, fn a -> {:x, [a, %{:k => :v}]} end),
      deep.(100, fn a -> [:x | a] end),
      [fn -> deep.(3, fn a -> {a} end) end]
    ]
  end

  # ------------------------------------------------------------ random

  def random(0), do: []
  def random(n), do: [term(4) | random(n - 1)]

  defp pick(list), do: Enum.at(list, :rand.uniform(length(list)) - 1)

  defp term(0), do: leaf()

  defp term(d) do
    case :rand.uniform(12) do
      1 -> List.to_tuple(for _ <- 1..:rand.uniform(5), do: term(d - 1))
      2 -> {}
      3 -> for _ <- 1..:rand.uniform(6), do: term(d - 1)
      4 -> improper(d)
      5 -> Map.new(1..:rand.uniform(5), fn _ -> {term(max(d - 2, 0)), term(d - 1)} end)
      6 -> Map.new(1..(30 + :rand.uniform(10)), fn _ -> {leaf(), term(0)} end)
      7 -> charlist()
      _ -> leaf()
    end
  end

  defp improper(d) do
    elems = for _ <- 1..:rand.uniform(4), do: term(d - 1)
    tail = pick([leaf(), term(d - 1), :t, 1, "x"])
    if tail == [] or is_list(tail), do: elems ++ [:z | :t], else: elems ++ tail
  end

  defp charlist do
    n = :rand.uniform(20) - 1
    case :rand.uniform(3) do
      1 -> for _ <- 1..n//1, do: :rand.uniform(256) - 1
      2 -> for _ <- 1..n//1, do: 32 + :rand.uniform(94)
      3 -> for _ <- 1..n//1, do: :rand.uniform(0x3000)
    end
  end

  defp leaf do
    case :rand.uniform(14) do
      1 -> :rand.uniform(256) - 1
      2 -> :rand.uniform(1 <<< 32) - (1 <<< 31)
      3 -> (:rand.uniform(1 <<< 62) - (1 <<< 61)) * pick([1, 3, 1 <<< 20])
      4 -> pick([1, -1]) * :rand.uniform(1 <<< (64 * :rand.uniform(40)))
      5 -> (:rand.uniform() - 0.5) * :math.pow(10, :rand.uniform(600) - 300)
      6 -> pick([:a, :b, :ok, :error, true, false, nil, :"é", :"日本", :"", :"Elixir.Foo"])
      7 -> String.to_atom(random_text(:rand.uniform(20)))
      8 -> :crypto.strong_rand_bytes(0) <> random_bytes(:rand.uniform(100) - 1)
      9 -> <<(random_bytes(:rand.uniform(10)))::binary, (:rand.uniform(128) - 1)::size(:rand.uniform(7))>>
      10 -> random_text(:rand.uniform(12))
      11 -> pick([self(), make_ref(), :erlang.list_to_pid('<0.#{:rand.uniform(1000)}.0>'),
                  :erlang.list_to_port('#Port<0.#{:rand.uniform(1000)}>')])
      12 -> pick([&:lists.map/2, &Enum.count/1, fn -> :rand.uniform(5) end])
      13 -> []
      14 -> -:rand.uniform(300)
    end
  end

  defp random_bytes(n), do: for(_ <- 1..n//1, into: <<>>, do: <<:rand.uniform(256) - 1>>)

  defp random_text(n) do
    for _ <- 1..n//1, into: "" do
      <<pick([?a + :rand.uniform(25), ?A + :rand.uniform(25), ?_, ?\s, 0xE9, 0x109, 0x65E5,
              0x1F9A6, ?0 + :rand.uniform(9)])::utf8>>
    end
  end

  # ------------------------------------------------------------ output

  def line(t) do
    erl = :io_lib.format('~100000000tp', [t]) |> :unicode.characters_to_binary()
    [
      Base.encode16(:erlang.term_to_binary(t), case: :lower), " ",
      Base.encode16(:erlang.term_to_binary(t, minor_version: 2), case: :lower), " ",
      Base.encode64(inspect(t, limit: :infinity, printable_limit: :infinity)), " ",
      Base.encode64(erl), "\n"
    ]
  end
end

[seed, count] =
  case System.argv() do
    [s, c] -> [String.to_integer(s), String.to_integer(c)]
    _ -> [1, 100]
  end

:rand.seed(:exsss, {seed, seed * 7 + 1, seed * 13 + 2})
Enum.each(OtterGen.edges(), fn t -> IO.binwrite(OtterGen.line(t)) end)
Enum.each(OtterGen.random(count), fn t -> IO.binwrite(OtterGen.line(t)) end)
