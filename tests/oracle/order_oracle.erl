#!/usr/bin/env escript
%% order_oracle.erl — Erlang's own term order, for test_compare.
%%
%% Run as `escript order_oracle.erl`. Reads one Erlang expression per line
%% on stdin (UTF-8), evaluates each to a term T(0), T(1), ... and writes:
%%   line 1: for every pair i < j in order, one digit
%%           (0 if Ti < Tj, 1 if Ti == Tj, 2 if Ti > Tj) + 3 if Ti =:= Tj;
%%   line 2: the indices sorted by lists:sort/1 of [{Ti, i}];
%%   line 3: for each chunk of 32 consecutive terms, the indices of
%%           maps:to_list(maps:from_list([{Ti, i}])) (a flat map keeps its
%%           keys in the exact map-key order), chunks separated by ";".
-mode(compile).

main(_) ->
    io:setopts(standard_io, [binary, {encoding, unicode}]),
    Terms = read_terms([]),
    N = length(Terms),
    T = list_to_tuple(Terms),
    Pairs = [code(element(I, T), element(J, T)) || I <- lists:seq(1, N), J <- lists:seq(I + 1, N)],
    io:put_chars([Pairs, $\n]),
    Sorted = [integer_to_list(I) || {_, I} <- lists:sort(lists:zip(Terms, lists:seq(0, N - 1)))],
    io:put_chars([lists:join(",", Sorted), $\n]),
    Chunks = chunks(lists:zip(Terms, lists:seq(0, N - 1)), []),
    io:put_chars([lists:join(";", [lists:join(",", [integer_to_list(I) || {_, I} <- maps:to_list(maps:from_list(C))]) || C <- Chunks]), $\n]),
    halt(0).

chunks([], Acc) -> lists:reverse(Acc);
chunks(L, Acc) when length(L) =< 32 -> lists:reverse([L | Acc]);
chunks(L, Acc) -> {A, B} = lists:split(32, L), chunks(B, [A | Acc]).

code(A, B) ->
    C = if A < B -> 0; A == B -> 1; true -> 2 end,
    E = case A =:= B of true -> 3; false -> 0 end,
    $0 + C + E.

read_terms(Acc) ->
    case io:get_line(standard_io, "") of
        eof -> lists:reverse(Acc);
        Line ->
            S = unicode:characters_to_list(string:trim(Line, trailing, "\n")),
            case S of
                "" -> read_terms(Acc);
                _ ->
                    {ok, Toks, _} = erl_scan:string(S ++ "."),
                    {ok, Exprs} = erl_parse:parse_exprs(Toks),
                    {value, V, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
                    read_terms([V | Acc])
            end
    end.
