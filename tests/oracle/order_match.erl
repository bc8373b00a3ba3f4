#!/usr/bin/env escript
%% order_match.erl — Erlang's own pattern matching, for test_match.
%%
%% Run as `escript order_match.erl`. Reads lines "Pattern<TAB>Term" on stdin
%% (UTF-8) and for each writes one line: "0" if `case Term of Pattern -> ...`
%% does not match, else "1" followed by the bound variables in the order of
%% their first appearance in the pattern text, each as a tab, "Name=" and
%% the term as io_lib:format("~w") writes it.
-mode(compile).

main(_) ->
    io:setopts(standard_io, [binary, {encoding, unicode}]),
    loop(),
    halt(0).

loop() ->
    case io:get_line(standard_io, "") of
        eof -> ok;
        Line ->
            S = unicode:characters_to_list(string:trim(Line, trailing, "\n")),
            [P, T] = string:split(S, "\t"),
            io:put_chars([run(P, T), $\n]),
            loop()
    end.

run(P, T) ->
    {ok, PToks, _} = erl_scan:string(P),
    Vars = vars(PToks, []),
    Result = ["[", lists:join(",", ["{'" ++ V ++ "'," ++ V ++ "}" || V <- Vars]), "]"],
    Src = lists:flatten(["case ", T, " of ", P, " -> {yes, ", Result, "}; _ -> no end."]),
    {ok, Toks, _} = erl_scan:string(Src),
    {ok, Exprs} = erl_parse:parse_exprs(Toks),
    case erl_eval:exprs(Exprs, erl_eval:new_bindings()) of
        {value, no, _} -> "0";
        {value, {yes, Bs}, _} ->
            ["1" | [[$\t, atom_to_list(N), "=", io_lib:format("~w", [V])] || {N, V} <- Bs]]
    end.

%% Variables in order of first appearance, without _ and duplicates.
vars([], Acc) -> lists:reverse(Acc);
vars([{var, _, '_'} | R], Acc) -> vars(R, Acc);
vars([{var, _, V} | R], Acc) ->
    N = atom_to_list(V),
    case lists:member(N, Acc) of
        true -> vars(R, Acc);
        false -> vars(R, [N | Acc])
    end;
vars([_ | R], Acc) -> vars(R, Acc).
