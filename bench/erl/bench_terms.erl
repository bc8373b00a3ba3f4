%% bench_terms — the Erlang twin of bench/c/bench_terms.c: the same terms,
%% the same operations, the same result names.
%%
%%   ping    {ping, Pid, 42} with Pid = <0.84.0> (a pid of the local node)
%%   maps1k  1,000 records #{pid => <<"#PID<0.I.0>">>, reductions => 1000 + 37 I,
%%           memory => 2688 + 8 (I rem 7), status => waiting|running|runnable}
%%
%%   encode  term_to_binary/1
%%   decode  binary_to_term/1
%%   match   two forms, because otter's ot_match takes its pattern at run
%%           time and BEAM has both kinds of matching:
%%           - compiled code (term_match_*): a case on {ping, _From, N}; a
%%             function clause matching every list element against
%%             #{pid := _, reductions := R, memory := M, status := _},
%%             summing R + M. The pattern is known when the module is
%%             compiled, so the compiler turns it into a few tests;
%%             term_match_ping_c_ns, otter's hand-written C check, is
%%             paired with this case as well;
%%           - a match specification given at run time
%%             (term_match_*_runtime_*): {ping, '$1', '$2'} returning '$2',
%%             and #{pid => '_', reductions => '$1', memory => '$2',
%%             status => '_'} returning '$1' + '$2', each compiled once by
%%             ets:match_spec_compile/1 outside the timed loop and run by
%%             ets:match_spec_run/2 (on [Ping], and on the whole list).
%%
%% Printing is measured by the Elixir twin bench_terms_print.exs, because
%% otter prints what Elixir's inspect/1 prints. Each loop keeps a value
%% derived from every result, and its input arrives through
%% bench_util:id/1, so the compiler can neither drop nor specialise the work.
%%
%% Run: erl -noshell -pa DIR -eval 'bench_util:main(bench_terms, ["encode"])'
-module(bench_terms).
-export([main/1, ping/0, maps/0]).

-define(MAPS_N, 1000).

%% The terms, also used by the Elixir twin.
ping() -> {ping, list_to_pid("<0.84.0>"), 42}.

maps() ->
    [#{pid => iolist_to_binary(io_lib:format("#PID<0.~b.0>", [I])),
       reductions => 1000 + 37 * I,
       memory => 2688 + 8 * (I rem 7),
       status => element(I rem 3 + 1, {waiting, running, runnable})}
     || I <- lists:seq(1, ?MAPS_N)].

main(Args) ->
    Cfg = bench_util:config(),
    Ping = bench_util:id(ping()),
    Maps = bench_util:id(maps()),
    [begin
         Bin = term_to_binary(T),
         bench_util:check(Name ++ "_encoded_bytes", byte_size(Bin)),
         bench_util:check(Name ++ "_encoded_bytesum", bench_util:bytesum(Bin))
     end || {Name, T} <- [{"ping", Ping}, {"maps1k", Maps}]],
    case bench_util:wanted(Args, "encode") of
        true ->
            run(Cfg, "term_encode_ping_ns", fun(N) -> encode_loop(N, Ping, 0) end, ns),
            run(Cfg, "term_encode_maps1k_us", fun(N) -> encode_loop(N, Maps, 0) end, us),
            %% otter's encoding into a kept buffer has no BEAM form: the
            %% twin is term_to_binary/1 again.
            run(Cfg, "term_encode_buf_ping_ns", fun(N) -> encode_loop(N, Ping, 0) end, ns),
            run(Cfg, "term_encode_buf_maps1k_us", fun(N) -> encode_loop(N, Maps, 0) end, us);
        false -> ok
    end,
    case bench_util:wanted(Args, "decode") of
        true ->
            PingBin = bench_util:id(term_to_binary(Ping)),
            MapsBin = bench_util:id(term_to_binary(Maps)),
            run(Cfg, "term_decode_ping_ns", fun(N) -> decode_loop(N, PingBin, none) end, ns),
            run(Cfg, "term_decode_maps1k_us", fun(N) -> decode_loop(N, MapsBin, none) end, us);
        false -> ok
    end,
    case bench_util:wanted(Args, "match") of
        true ->
            PingMS = ets:match_spec_compile([{{ping, '$1', '$2'}, [], ['$2']}]),
            MapsMS = ets:match_spec_compile(
                       [{#{pid => '_', reductions => '$1', memory => '$2', status => '_'},
                         [], [{'+', '$1', '$2'}]}]),
            42 = match_ping_ms_loop(1, Ping, PingMS, 0),
            bench_util:check("maps1k_match_sum", match_maps(Maps, 0)),
            bench_util:check("maps1k_match_runtime_sum", match_maps_ms(Maps, MapsMS)),
            run(Cfg, "term_match_ping_ns", fun(N) -> match_ping_loop(N, Ping, 0) end, ns),
            run(Cfg, "term_match_maps1k_us", fun(N) -> match_maps_loop(N, Maps, 0) end, us),
            run(Cfg, "term_match_ping_runtime_ns",
                fun(N) -> match_ping_ms_loop(N, Ping, PingMS, 0) end, ns),
            run(Cfg, "term_match_maps1k_runtime_us",
                fun(N) -> match_maps_ms_loop(N, Maps, MapsMS, 0) end, us),
            %% the twin of otter's hand-written C check: the same case
            run(Cfg, "term_match_ping_c_ns", fun(N) -> match_ping_loop(N, Ping, 0) end, ns);
        false -> ok
    end,
    ok.

run(Cfg, Name, Work, Unit) ->
    Ns = bench_util:measure(Name, Work, Cfg),
    case Unit of
        ns -> bench_util:result(Name, Ns, "ns");
        us -> bench_util:result(Name, Ns / 1000, "us")
    end.

%% ---------------------------------------------------------------- loops

encode_loop(0, _T, Acc) -> Acc;
encode_loop(I, T, Acc) -> encode_loop(I - 1, T, Acc + byte_size(term_to_binary(T))).

decode_loop(0, _Bin, Last) -> Last;
decode_loop(I, Bin, _Last) -> decode_loop(I - 1, Bin, binary_to_term(Bin)).

match_ping_loop(0, _T, Acc) -> Acc;
match_ping_loop(I, T, Acc) ->
    case T of
        {ping, _From, N} -> match_ping_loop(I - 1, T, Acc + N);
        _ -> match_ping_loop(I - 1, T, Acc + 1)
    end.

match_maps_loop(0, _L, Acc) -> Acc;
match_maps_loop(I, L, Acc) -> match_maps_loop(I - 1, L, Acc + match_maps(L, 0)).

match_maps([#{pid := _Pid, reductions := R, memory := M, status := _S} | T], Acc) ->
    match_maps(T, Acc + R + M);
match_maps([_ | T], Acc) -> match_maps(T, Acc);
match_maps([], Acc) -> Acc.

%% The run-time form: a compiled match specification.
match_ping_ms_loop(0, _T, _MS, Acc) -> Acc;
match_ping_ms_loop(I, T, MS, Acc) ->
    case ets:match_spec_run([T], MS) of
        [N] -> match_ping_ms_loop(I - 1, T, MS, Acc + N);
        _ -> match_ping_ms_loop(I - 1, T, MS, Acc + 1)
    end.

match_maps_ms_loop(0, _L, _MS, Acc) -> Acc;
match_maps_ms_loop(I, L, MS, Acc) -> match_maps_ms_loop(I - 1, L, MS, Acc + match_maps_ms(L, MS)).

%% R + M of every record: the specification returns R + M per matching
%% element (as the clause above adds them), and the results are summed.
match_maps_ms(L, MS) -> lists:sum(ets:match_spec_run(L, MS)).
