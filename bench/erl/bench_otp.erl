%% bench_otp — the Erlang twin of bench/c/bench_otp.c: the same jobs, the
%% same counts, the same RESULT and CHECK names.
%%
%%   server_call           gen_server:call/2 round trips to a plain
%%                         gen_server (this module's callbacks): the request
%%                         {add, 1}, the reply the server's new total, the
%%                         default 5 s timeout: server_call_ns per call,
%%                         measured by bench_util:measure/3. The same with
%%                         gen_server:call/3 and infinity (no timer, as
%%                         otter's OT_INFINITY): server_call_infinity_ns.
%%                         Before the clock, a fresh server gets {add, I}
%%                         for I = 1..1000: CHECK server_call_total is its
%%                         last reply, server_call_reply_sum the sum of all
%%                         replies.
%%   idle_servers N        N gen_servers started one after another with
%%                         gen_server:start/3 (init returns {ok, I}), left
%%                         waiting in their plain receive (no hibernation).
%%                         idle_servers_bytes = RSS growth / N (from
%%                         /proc/self/statm, read before the first start and
%%                         after the last); idle_servers_start_ns = time /
%%                         N. The parent keeps the pid of every 1,000th
%%                         server only; afterwards it calls each of those
%%                         with get (reply: its I): CHECK idle_servers_count
%%                         and idle_servers_sample_sum.
%%
%% Run: erl -noshell +P 2000000 -pa DIR -eval 'bench_util:main(bench_otp, ["server_call"])'
-module(bench_otp).
-behaviour(gen_server).
-export([main/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

main([Job | Counts]) ->
    job(Job, [list_to_integer(bench_util:id(C)) || C <- Counts]).

now_ns() -> erlang:monotonic_time(nanosecond).

%% ---------------------------------------------------------------- callbacks

init(State) -> {ok, State}.

handle_call({add, I}, _From, Total) -> {reply, Total + I, Total + I};
handle_call(get, _From, State) -> {reply, State, State}.

handle_cast(_Msg, State) -> {noreply, State}.

handle_info(_Msg, State) -> {noreply, State}.

%% ---------------------------------------------------------------- server_call

job("server_call", _Counts) ->
    {ok, Check} = gen_server:start(?MODULE, 0, []),
    {Last, Sum} = lists:foldl(fun(I, {_, S}) ->
                                      R = gen_server:call(Check, {add, I}),
                                      {R, S + R}
                              end, {0, 0}, lists:seq(1, 1000)),
    gen_server:stop(Check),
    {ok, Srv} = gen_server:start(?MODULE, 0, []),
    Req = bench_util:id({add, 1}),
    Ns = bench_util:measure("server_call", fun(N) -> calls(N, Srv, Req, 0) end,
                            bench_util:config()),
    NsInf = bench_util:measure("server_call_infinity",
                               fun(N) -> calls_infinity(N, Srv, Req, 0) end,
                               bench_util:config()),
    bench_util:result("server_call_ns", Ns, "ns"),
    bench_util:result("server_call_infinity_ns", NsInf, "ns"),
    bench_util:check("server_call_total", Last),
    bench_util:check("server_call_reply_sum", Sum);

%% ---------------------------------------------------------------- idle_servers

job("idle_servers", Counts) ->
    N = case Counts of [C | _] -> C; [] -> 1000000 end,
    PageSize = page_size(),
    erlang:garbage_collect(),
    Rss0 = rss_bytes(PageSize),
    T0 = now_ns(),
    Sample = start_idle(0, N, []),
    T1 = now_ns(),
    Rss1 = rss_bytes(PageSize),
    io:format("# ~b servers: RSS ~b -> ~b bytes~n", [N, Rss0, Rss1]),
    SampleSum = lists:sum([gen_server:call(P, get) || P <- Sample]),
    bench_util:result("idle_servers_bytes", (Rss1 - Rss0) / N, "B"),
    bench_util:result("idle_servers_start_ns", (T1 - T0) / N, "ns"),
    bench_util:check("idle_servers_count", N),
    bench_util:check("idle_servers_sample_sum", SampleSum).

%% ---------------------------------------------------------------- helpers

calls(0, _Srv, _Req, Last) -> Last;
calls(I, Srv, Req, _Last) -> calls(I - 1, Srv, Req, gen_server:call(Srv, Req)).

calls_infinity(0, _Srv, _Req, Last) -> Last;
calls_infinity(I, Srv, Req, _Last) ->
    calls_infinity(I - 1, Srv, Req, gen_server:call(Srv, Req, infinity)).

start_idle(N, N, Sample) -> Sample;
start_idle(I, N, Sample) ->
    {ok, Pid} = gen_server:start(?MODULE, I, []),
    case I rem 1000 of
        0 -> start_idle(I + 1, N, [Pid | Sample]);
        _ -> start_idle(I + 1, N, Sample)
    end.

%% Resident set size in bytes: the second field of /proc/self/statm, in
%% pages, read the way the otter side reads it.
rss_bytes(PageSize) ->
    {ok, Bin} = file:read_file("/proc/self/statm"),
    [_Size, Resident | _] = string:lexemes(binary_to_list(Bin), " \n"),
    list_to_integer(Resident) * PageSize.

page_size() ->
    case os:cmd("getconf PAGESIZE") of
        [D | _] = S when D >= $0, D =< $9 -> list_to_integer(string:trim(S));
        _ -> 4096
    end.
