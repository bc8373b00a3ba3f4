# check_terms.exs — real Erlang reads otter's bytes.
#
# Reads lines on stdin. A line of one hex field is the external encoding of
# one term: prints hex of :erlang.term_to_binary(t) and of
# :erlang.term_to_binary(t, minor_version: 2), space-separated, where t is
# :erlang.binary_to_term of the bytes. A line of two hex fields A B prints
# "equal" if binary_to_term(A) =:= binary_to_term(B), else "differ" (used
# for maps over 32 keys, whose encoded order is BEAM's hash order and not
# even stable across a decode and re-encode in BEAM itself). Prints "error"
# for bytes binary_to_term rejects.

decode = fn hex -> hex |> Base.decode16!(case: :mixed) |> :erlang.binary_to_term() end

IO.stream(:stdio, :line)
|> Enum.each(fn line ->
  out =
    try do
      case String.split(line) do
        [a] ->
          t = decode.(a)
          Base.encode16(:erlang.term_to_binary(t), case: :lower) <> " " <>
            Base.encode16(:erlang.term_to_binary(t, minor_version: 2), case: :lower)

        [a, b] ->
          if decode.(a) === decode.(b), do: "equal", else: "differ"
      end
    rescue
      _ -> "error"
    end

  IO.binwrite(out <> "\n")
end)
