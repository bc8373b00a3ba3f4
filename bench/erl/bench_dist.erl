%% bench_dist — the BEAM twin of bench/c/bench_dist.c: two BEAM nodes on
%% loopback (this one, made distributed, and a peer started with OTP's
%% peer module), one calling the other.
%%
%%   erpc     erpc_call_us: erpc:call(Peer, erlang, memory, []), in
%%            microseconds, calibrated by bench_util:measure/3
%%   msgs N   dist_msgs_per_s: N one-way messages {ping, I} to a process on
%%            the peer, until it has counted them all (best of the reps)
-module(bench_dist).
-export([main/1, sink/1]).

main(Args) ->
    Id = os:getpid(),
    {ok, _} = net_kernel:start([list_to_atom("beambench_c" ++ Id), shortnames]),
    Cookie = "bench" ++ Id,
    erlang:set_cookie(list_to_atom(Cookie)),
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, Node} = peer:start_link(#{name => list_to_atom("beambench_s" ++ Id),
                                         args => ["-pa", Dir, "-setcookie", Cookie]}),
    io:format("# two BEAM nodes on loopback, ~b schedulers here~n",
              [erlang:system_info(schedulers_online)]),
    Cfg = bench_util:config(),
    case bench_util:wanted(Args, "erpc") of
        true ->
            Work = fun(N) -> erpc_loop(Node, N, 0) end,
            Ns = bench_util:measure("erpc of erlang:memory/0", Work, Cfg),
            bench_util:result("erpc_call_us", Ns / 1000, "us"),
            bench_util:check("erpc_memory_categories", length(erpc:call(Node, erlang, memory, [])));
        false -> ok
    end,
    case bench_util:wanted(Args, "msgs") of
        true ->
            N = msgs_count(Args),
            Sink = erpc:call(Node, erlang, spawn, [?MODULE, sink, [0]]),
            {_, Reps} = Cfg,
            Rates = [msgs_once(Sink, N) || _ <- lists:seq(1, Reps)],
            bench_util:result("dist_msgs_per_s", lists:max([R || {R, _} <- Rates]), "msg/s"),
            bench_util:check("dist_msgs_counted", element(2, hd(Rates)));
        false -> ok
    end,
    peer:stop(Peer).

erpc_loop(_Node, 0, Acc) -> Acc;
erpc_loop(Node, N, Acc) ->
    erpc_loop(Node, N - 1, Acc + length(erpc:call(Node, erlang, memory, []))).

msgs_count(["msgs", N | _]) -> list_to_integer(N);
msgs_count([_ | T]) -> msgs_count(T);
msgs_count([]) -> 500000.

msgs_once(Sink, N) ->
    T0 = erlang:monotonic_time(nanosecond),
    send_loop(Sink, 0, N),
    Sink ! {count, self()},
    Got = receive {count, C} -> C after 60000 -> error(no_count) end,
    T = erlang:monotonic_time(nanosecond) - T0,
    Rate = N / (T / 1.0e9),
    io:format("# ~b messages in ~.1f ms: ~.1f msg/s~n", [N, T / 1.0e6, Rate]),
    {Rate, Got}.

send_loop(_Sink, N, N) -> ok;
send_loop(Sink, I, N) ->
    Sink ! {ping, I},
    send_loop(Sink, I + 1, N).

%% Counts messages; answers {count, From} with {count, N} and starts over.
sink(Count) ->
    receive
        {count, From} -> From ! {count, Count}, sink(0);
        _ -> sink(Count + 1)
    end.
