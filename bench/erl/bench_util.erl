%% bench_util — timing and result output shared by the Erlang (and Elixir)
%% twins of otter's benchmark programs; the counterpart of
%% bench/c/benchutil.h, and it must stay equivalent to it.
%%
%% A twin prints each measurement as a stdout line
%%     RESULT <name> <value> <unit>
%% and may print CHECK <name> <value> lines that the otter program prints
%% too, so that scripts/bench.py can confirm both sides did the same work.
%% Timed work is a fun of the iteration count that performs that many
%% operations and returns something derived from their results. measure/3
%% calibrates the count so one repetition lasts about OTTER_BENCH_SECONDS
%% (0.3 s), runs OTTER_BENCH_REPS (3) repetitions and keeps the fastest.
-module(bench_util).
-export([main/2, config/0, measure/3, result/3, check/2, wanted/2, id/1, bytesum/1]).

%% main(Module, Args): runs Module:main(Args) and halts the node, with
%% status 1 and the error on stderr if it crashed (erl -eval would not).
main(Module, Args) ->
    try Module:main(Args) of
        _ -> erlang:halt(0)
    catch
        Class:Reason:Stack ->
            io:format(standard_error, "benchmark failed: ~p:~p~n~p~n", [Class, Reason, Stack]),
            erlang:halt(1)
    end.

%% config(): {Seconds, Reps} from the environment, as benchutil.h reads it.
config() ->
    Seconds = case os:getenv("OTTER_BENCH_SECONDS") of
                  false -> 0.3;
                  S -> positive(to_number(S), 0.3)
              end,
    Reps = case os:getenv("OTTER_BENCH_REPS") of
               false -> 3;
               R -> round(positive(to_number(R), 3))
           end,
    {Seconds, Reps}.

to_number(S) ->
    try list_to_float(S)
    catch error:badarg ->
        try list_to_integer(S) catch error:badarg -> 0 end
    end.

positive(X, _Default) when X > 0 -> X;
positive(_, Default) -> Default.

%% measure(Name, Work, {Seconds, Reps}): nanoseconds per operation of
%% Work(N), the best of Reps repetitions. The count doubles from 1 until a
%% run lasts 10 ms (warming up as it goes). Each repetition starts from a
%% freshly collected heap; the collections that the work itself causes are
%% timed, as they are part of BEAM's cost of making and dropping results.
measure(Name, Work, {Seconds, Reps}) ->
    {Iters, T} = calibrate(Work, 1),
    PerOp = max(T / Iters, 1.0e-3),
    N = max(1, round(Seconds * 1.0e9 / PerOp)),
    Best = lists:min([time_once(Work, N) / N || _ <- lists:seq(1, Reps)]),
    io:format("# ~ts: best of ~b x ~b iterations: ~.1f ns/op~n", [Name, Reps, N, Best]),
    Best.

calibrate(Work, Iters) ->
    T = time_once(Work, Iters),
    if
        T >= 10000000; Iters >= 1 bsl 40 -> {Iters, T};
        true -> calibrate(Work, Iters * 2)
    end.

time_once(Work, N) ->
    erlang:garbage_collect(),
    T0 = erlang:monotonic_time(nanosecond),
    Sink = Work(N),
    T1 = erlang:monotonic_time(nanosecond),
    put(bench_sink, Sink),
    T1 - T0.

%% result(Name, Value, Unit): one measurement line for the harness.
result(Name, Value, Unit) ->
    io:format("RESULT ~ts ~.6g ~ts~n", [Name, float(Value), Unit]).

%% check(Name, Value): one cross-check line (compared with otter's).
check(Name, Value) ->
    io:format("CHECK ~ts ~b~n", [Name, Value]).

%% wanted(Args, Group): is Group (a string) selected? No arguments: all.
wanted([], _Group) -> true;
wanted(Args, Group) -> lists:member(Group, [to_list(A) || A <- Args]).

to_list(A) when is_atom(A) -> atom_to_list(A);
to_list(B) when is_binary(B) -> binary_to_list(B);
to_list(L) when is_list(L) -> L.

%% id(X): X, through a call the compiler cannot see into, so that nothing
%% about a benchmark's input is known when its loop is compiled.
id(X) -> X.

%% bytesum(Bin): the sum of its bytes (with the size, a cheap check that
%% both sides produced the same bytes).
bytesum(Bin) -> lists:sum(binary_to_list(Bin)).
