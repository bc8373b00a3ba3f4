%% bench_procs — the Erlang twin of bench/c/bench_procs.c: the same jobs,
%% the same counts, the same RESULT and CHECK names.
%%
%%   spawn_idle N          N processes that each send ready to the parent,
%%                         then wait in a plain receive (BEAM's own way of
%%                         keeping idle processes; no hibernation). RSS
%%                         growth / N from /proc/self/statm, read with
%%                         file:read_file/1 before the first spawn and after
%%                         the last ready, as the otter side reads it; also
%%                         erlang:memory(processes) growth / N.
%%   spawn_idle_receive N  the same job (a plain receive is what the otter
%%                         variant does too), under the variant's names.
%%   spawn_exit N          N processes that each send done to the parent and
%%                         exit; the parent receives all N.
%%   pingpong N            N round trips ping/pong with a spawned process.
%%   ring P L              P processes in a ring, a token passed L laps.
%%   big W M               Savina "Big": W workers, M pings {ping, From} each
%%                         to peers drawn with the same generator as otter's
%%                         (x' = 48271 x rem (2^31 - 1), seeded with the
%%                         worker's index + 1), each pong answered. The
%%                         table of peers is sent before the clock starts
%%                         (otter's workers read it from shared memory); the
%%                         timed span starts with the go messages.
%%   counting N            Savina "Counting": N inc messages to a counter,
%%                         then {get, From}; the counter replies its total.
%%   idle S                a node with nothing to do: after a second to
%%                         settle, the CPU time of the OS process while the
%%                         main process sleeps S seconds, from
%%                         /proc/self/stat as the otter side reads it.
%%
%% Run: erl -noshell +P 2000000 -pa DIR -eval 'bench_util:main(bench_procs, ["ring", "1000", "1000"])'
-module(bench_procs).
-export([main/1]).

main([Job | Counts]) ->
    N = [list_to_integer(bench_util:id(C)) || C <- Counts],
    %% The parent of spawn_idle and spawn_exit gets a million messages: the
    %% setting BEAM's documentation advises for a process that can have a
    %% long queue. With the default (on_heap) every garbage collection of the
    %% parent while it is still spawning walks the whole queue, and spawn_exit
    %% with a million processes took over two minutes instead of a second.
    process_flag(message_queue_data, off_heap),
    job(Job, N).

now_ns() -> erlang:monotonic_time(nanosecond).

%% ---------------------------------------------------------------- spawn_idle

job(Job, Counts) when Job =:= "spawn_idle"; Job =:= "spawn_idle_receive" ->
    N = arg(Counts, 1, 1000000),
    Parent = self(),
    PageSize = page_size(),
    erlang:garbage_collect(),
    Rss0 = rss_bytes(PageSize),
    Mem0 = erlang:memory(processes),
    T0 = now_ns(),
    spawn_idle(N, Parent),
    Ready = await(ready, N, 0),
    T1 = now_ns(),
    Rss1 = rss_bytes(PageSize),
    Mem1 = erlang:memory(processes),
    io:format("# ~b processes: RSS ~b -> ~b bytes~n", [N, Rss0, Rss1]),
    bench_util:result(Job ++ "_seconds", (T1 - T0) / 1.0e9, "s"),
    bench_util:result(Job ++ "_bytes", (Rss1 - Rss0) / N, "B"),
    case Job of
        "spawn_idle" ->
            bench_util:result("spawn_idle_memory_processes_bytes", (Mem1 - Mem0) / N, "B");
        _ -> ok
    end,
    bench_util:check("spawn_idle_ready", Ready);

%% ---------------------------------------------------------------- spawn_exit

job("spawn_exit", Counts) ->
    N = arg(Counts, 1, 1000000),
    Parent = self(),
    T0 = now_ns(),
    spawn_exit(N, Parent),
    Done = await(done, N, 0),
    T1 = now_ns(),
    bench_util:result("spawn_exit_ns", (T1 - T0) / N, "ns"),
    bench_util:check("spawn_exit_messages", Done);

%% ---------------------------------------------------------------- pingpong

job("pingpong", Counts) ->
    N = arg(Counts, 1, 1000000),
    Parent = self(),
    Pong = spawn(fun() -> ponger(Parent) end),
    T0 = now_ns(),
    Trips = pinger(N, Pong, 0),
    T1 = now_ns(),
    Pong ! stop,
    bench_util:result("pingpong_ns", (T1 - T0) / N, "ns"),
    bench_util:check("pingpong_round_trips", Trips);

%% ---------------------------------------------------------------- ring

job("ring", Counts) ->
    Procs = arg(Counts, 1, 1000),
    Laps = arg(Counts, 2, 1000),
    Parent = self(),
    Pids = list_to_tuple([spawn(fun() -> ring_member(Parent) end)
                          || _ <- lists:seq(1, Procs)]),
    [element(I, Pids) ! {next, element(I rem Procs + 1, Pids)}
     || I <- lists:seq(1, Procs)],
    Hops = Procs * Laps,
    T0 = now_ns(),
    element(1, Pids) ! Hops,
    receive done -> ok end,
    T1 = now_ns(),
    bench_util:result("ring_ns", (T1 - T0) / Hops, "ns"),
    bench_util:check("ring_hops", Hops);

%% ---------------------------------------------------------------- big

job("big", Counts) ->
    W = arg(Counts, 1, 500),
    Pings = arg(Counts, 2, 2000),
    Parent = self(),
    Pids = list_to_tuple([spawn(fun() -> big_worker(Parent, I, W, Pings) end)
                          || I <- lists:seq(0, W - 1)]),
    [element(I, Pids) ! {peers, Pids} || I <- lists:seq(1, W)],
    T0 = now_ns(),
    [element(I, Pids) ! go || I <- lists:seq(1, W)],
    Sum = big_collect(W, 0),
    T1 = now_ns(),
    [element(I, Pids) ! stop || I <- lists:seq(1, W)],
    Msgs = 2 * W * Pings,
    bench_util:result("big_msgs_per_s", Msgs / ((T1 - T0) / 1.0e9), "msg/s"),
    bench_util:check("big_messages", Msgs),
    bench_util:check("big_target_sum", Sum);

%% ---------------------------------------------------------------- counting

job("counting", Counts) ->
    N = arg(Counts, 1, 1000000),
    C = spawn_opt(fun() -> counter(0) end, [{message_queue_data, off_heap}]),
    Get = {get, self()},
    T0 = now_ns(),
    produce(N, C),
    C ! Get,
    Total = receive T when is_integer(T) -> T end,
    T1 = now_ns(),
    bench_util:result("counting_msgs_per_s", N / ((T1 - T0) / 1.0e9), "msg/s"),
    bench_util:check("counting_total", Total);

%% ---------------------------------------------------------------- idle

job("idle", Counts) ->
    S = arg(Counts, 1, 10),
    Tck = clk_tck(),
    timer:sleep(1000),
    C0 = cpu_ms(Tck),
    timer:sleep(S * 1000),
    bench_util:result("idle_cpu_ms_per_s", (cpu_ms(Tck) - C0) / S, "ms/s").

%% CPU time of this OS process, all threads, in ms: utime + stime (fields
%% 14 and 15 of /proc/self/stat, in clock ticks of 1/100 s on Linux).
cpu_ms(Tck) ->
    {ok, Bin} = file:read_file("/proc/self/stat"),
    S = binary_to_list(Bin),
    After = lists:nthtail(string:rchr(S, $)) + 1, S),
    Fields = string:lexemes(After, " \n"),
    Ut = list_to_integer(lists:nth(12, Fields)),
    St = list_to_integer(lists:nth(13, Fields)),
    (Ut + St) * 1000 / Tck.

clk_tck() ->
    case os:cmd("getconf CLK_TCK") of
        [D | _] = T when D >= $0, D =< $9 -> list_to_integer(string:trim(T));
        _ -> 100
    end.

%% ---------------------------------------------------------------- processes

arg(Counts, I, _Default) when length(Counts) >= I -> lists:nth(I, Counts);
arg(_Counts, _I, Default) -> Default.

%% Resident set size in bytes: the second field of /proc/self/statm, in
%% pages (4096 bytes on the machines otter targets, as sysconf reports).
rss_bytes(PageSize) ->
    {ok, Bin} = file:read_file("/proc/self/statm"),
    [_Size, Resident | _] = string:lexemes(binary_to_list(Bin), " \n"),
    list_to_integer(Resident) * PageSize.

page_size() ->
    case os:cmd("getconf PAGESIZE") of
        [D | _] = S when D >= $0, D =< $9 -> list_to_integer(string:trim(S));
        _ -> 4096
    end.

spawn_idle(0, _Parent) -> ok;
spawn_idle(I, Parent) ->
    spawn(fun() -> Parent ! ready, receive _ -> ok end end),
    spawn_idle(I - 1, Parent).

spawn_exit(0, _Parent) -> ok;
spawn_exit(I, Parent) ->
    spawn(fun() -> Parent ! done end),
    spawn_exit(I - 1, Parent).

%% Receives Msg N times; returns how many arrived.
await(_Msg, 0, Got) -> Got;
await(Msg, N, Got) ->
    receive Msg -> await(Msg, N - 1, Got + 1) end.

ponger(Pinger) ->
    receive
        ping -> Pinger ! pong, ponger(Pinger);
        stop -> ok
    end.

pinger(0, _Pong, Trips) -> Trips;
pinger(I, Pong, Trips) ->
    Pong ! ping,
    receive pong -> pinger(I - 1, Pong, Trips + 1) end.

ring_member(Parent) ->
    receive {next, Next} -> ring_loop(Parent, Next) end.

ring_loop(Parent, Next) ->
    receive
        stop -> Next ! stop;
        0 -> Parent ! done, Next ! stop;
        T when is_integer(T) -> Next ! T - 1, ring_loop(Parent, Next)
    end.

minstd(X) -> X * 48271 rem 2147483647.

big_worker(Parent, Index, W, Pings) ->
    Ping = {ping, self()},
    Pids = receive {peers, P} -> P end,
    receive go -> ok end,
    Seed = minstd(Index + 1),
    To = Seed rem W,
    element(To + 1, Pids) ! Ping,
    big_loop(Parent, Pids, W, Pings, Ping, Seed, 1, To).

big_loop(Parent, Pids, W, Pings, Ping, Seed, Sent, Sum) ->
    receive
        pong when Sent < Pings ->
            Seed1 = minstd(Seed),
            To = Seed1 rem W,
            element(To + 1, Pids) ! Ping,
            big_loop(Parent, Pids, W, Pings, Ping, Seed1, Sent + 1, Sum + To);
        pong when Sent =:= Pings ->
            Parent ! Sum,
            big_loop(Parent, Pids, W, Pings, Ping, Seed, Sent + 1, Sum);
        pong ->
            big_loop(Parent, Pids, W, Pings, Ping, Seed, Sent, Sum);
        stop ->
            ok;
        {ping, From} ->
            From ! pong,
            big_loop(Parent, Pids, W, Pings, Ping, Seed, Sent, Sum)
    end.

big_collect(0, Sum) -> Sum;
big_collect(I, Sum) ->
    receive S when is_integer(S) -> big_collect(I - 1, Sum + S) end.

produce(0, _C) -> ok;
produce(I, C) ->
    C ! inc,
    produce(I - 1, C).

counter(N) ->
    receive
        inc -> counter(N + 1);
        {get, From} -> From ! N
    end.
