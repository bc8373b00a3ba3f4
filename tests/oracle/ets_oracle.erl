#!/usr/bin/env escript
%% ets_oracle.erl — Erlang's own ets, for test_ets's property test.
%%
%% Run as `escript ets_oracle.erl`. Reads one case per line on stdin: an
%% Erlang term {Options, [Op, ...]} where Op is one of
%%   {insert, ObjOrList}   {insert_new, ObjOrList}   {delete, Key}
%%   {delete_object, Obj}  {lookup, Key}             {take, Key}
%%   {member, Key}         {lookup_element, Key, Pos}
%%   {update_counter, Key, Op}                       tab2list
%% applies the ops in order to a fresh ets:new(t, Options) and writes, for
%% each op, one line: the hex of term_to_binary(Result), where Result is
%% what ets returned or the atom badarg. tab2list is sorted by a total
%% order: term order, then the external format's bytes (so that 1 and 1.0
%% have a fixed place).
-mode(compile).

main(_) ->
    io:setopts(standard_io, [binary]),
    loop().

loop() ->
    case io:get_line(standard_io, "") of
        eof -> halt(0);
        Line ->
            {ok, Tokens, _} = erl_scan:string(binary_to_list(Line)),
            {ok, {Opts, Ops}} = erl_parse:parse_term(Tokens),
            T = ets:new(t, Opts),
            [out(run(T, Op)) || Op <- Ops],
            ets:delete(T),
            loop()
    end.

run(T, Op) ->
    try op(T, Op)
    catch error:badarg -> badarg
    end.

op(T, {insert, O}) -> ets:insert(T, O);
op(T, {insert_new, O}) -> ets:insert_new(T, O);
op(T, {delete, K}) -> ets:delete(T, K);
op(T, {delete_object, O}) -> ets:delete_object(T, O);
op(T, {lookup, K}) -> ets:lookup(T, K);
op(T, {take, K}) -> ets:take(T, K);
op(T, {member, K}) -> ets:member(T, K);
op(T, {lookup_element, K, P}) -> ets:lookup_element(T, K, P);
op(T, {update_counter, K, U}) -> ets:update_counter(T, K, U);
op(T, tab2list) ->
    lists:sort(fun(A, B) -> {A, term_to_binary(A)} =< {B, term_to_binary(B)} end, ets:tab2list(T)).

out(R) ->
    io:put_chars([[io_lib:format("~2.16.0b", [B]) || <<B>> <= term_to_binary(R)], $\n]).
