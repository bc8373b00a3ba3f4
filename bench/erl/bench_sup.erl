%% bench_sup — the BEAM twin of bench/c/bench_sup.c: supervisors.
%%
%% Jobs:
%%   restart R K  K rounds; in each, a one_for_one supervisor (intensity
%%                R + 10 within an hour) with one permanent child that
%%                exits with reason crash right after it starts. The
%%                supervisor restarts it until its start function has run
%%                R + 1 times; then the start function tells the bench
%%                process and returns ignore, and the supervisor is shut
%%                down. Time per restart over all K * R restarts, start_link
%%                and shutdown of each round included.
%%                Why rounds: OTP keeps the restart times of the period in
%%                a list that every restart walks, so one supervisor
%%                restarting 100,000 times within its period measures that
%%                list (1.6 ms per restart at the end), not a restart.
%%                Supervisor reports are logged at error level: the logger
%%                is off (level none), as otter's supervisors log only when
%%                the otter application runs.
%%
%% Run: erl -noshell -pa DIR -eval 'bench_util:main(bench_sup, ["restart", "100", "1000"])'
-module(bench_sup).
-export([main/1, init/1, start_child/2]).

main(["restart", RText, KText]) ->
    R = list_to_integer(bench_util:id(RText)),
    K = list_to_integer(bench_util:id(KText)),
    logger:set_primary_config(level, none),
    Counter = counters:new(1, []),
    process_flag(trap_exit, true),
    T0 = erlang:monotonic_time(nanosecond),
    rounds(K, R, Counter),
    T1 = erlang:monotonic_time(nanosecond),
    Restarts = counters:get(Counter, 1) - K,
    io:format("# ~b restarts in ~.1f ms~n", [Restarts, (T1 - T0) / 1.0e6]),
    bench_util:result("supervisor_restart_us", (T1 - T0) / 1000 / Restarts, "us"),
    bench_util:check("supervisor_restarts", Restarts).

rounds(0, _, _) -> ok;
rounds(K, R, Counter) ->
    Base = counters:get(Counter, 1),
    {ok, Sup} = supervisor:start_link(?MODULE, {Base + R, R, self(), Counter}),
    receive restarted_enough -> ok end,
    [{specs, 1}, {active, 0} | _] = supervisor:count_children(Sup),
    unlink(Sup),
    Ref = monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, shutdown} -> ok end,
    rounds(K - 1, R, Counter).

init({Last, R, Parent, Counter}) ->
    Child = #{id => crasher, start => {?MODULE, start_child, [{Last, Parent}, Counter]},
              restart => permanent, shutdown => brutal_kill},
    {ok, {#{strategy => one_for_one, intensity => R + 10, period => 3600}, [Child]}}.

%% The start function: runs in the supervisor.
start_child({Last, Parent}, Counter) ->
    counters:add(Counter, 1, 1),
    case counters:get(Counter, 1) of
        Started when Started > Last ->
            Parent ! restarted_enough,
            ignore;
        _ ->
            {ok, spawn_link(fun() -> exit(crash) end)}
    end.
