#!/usr/bin/env escript
%% order_same.erl — does Erlang read two texts as the same term?
%%
%% Run as `escript order_same.erl`. Reads lines "A<TAB>B" on stdin (UTF-8),
%% each an Erlang expression, and writes one character per line: 1 if A and
%% B evaluate to exactly equal terms (=:=), 0 if not, E if either fails to
%% scan, parse or evaluate. test_parse writes in A the text given to
%% ot_parse and in B otter's result written back as an expression.
-mode(compile).

main(_) ->
    io:setopts(standard_io, [binary, {encoding, unicode}]),
    loop(),
    io:put_chars("\n"),
    halt(0).

loop() ->
    case io:get_line(standard_io, "") of
        eof -> ok;
        Line ->
            S = unicode:characters_to_list(string:trim(Line, trailing, "\n")),
            case string:split(S, "\t") of
                [A, B] ->
                    R = try eval(A) =:= eval(B) of
                            true -> "1";
                            false -> "0"
                        catch _:_ -> "E"
                        end,
                    io:put_chars(R);
                _ -> ok
            end,
            loop()
    end.

eval(S) ->
    {ok, Toks, _} = erl_scan:string(S ++ "."),
    {ok, Exprs} = erl_parse:parse_exprs(Toks),
    {value, V, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
    V.
