%% bench_ets — the Erlang twin of bench/c/bench_ets.c: the notebook's ETS
%% spike and random lookups in the table it leaves, with the same counts,
%% the same RESULT and CHECK names.
%%
%%   insert N      ets:new(users, [set, public]), then N inserts of
%%                 {I, <<"User ", (integer_to_binary(I))/binary>>} for
%%                 I = 1..N (Elixir's {i, "User #{i}"}), timed as one job;
%%                 then the table's memory (ets:info(T, memory) words times
%%                 the word size).
%%   lookup N L    the same table, then two processes (one per scheduler)
%%                 each doing L lookups of keys drawn with
%%                 x' = 48271 x rem (2^31 - 1) (seeded 1 and 2), key
%%                 x rem N + 1, summing the byte sizes of the values found;
%%                 the time from the go message to the last reply, divided
%%                 by the 2 L lookups.
%%
%% CHECK lines: the table size, a checksum of the inserted values (the sum
%% of their byte sizes, read back with ets:foldl/3 after the timed part),
%% and the lookups' byte-size sum.
%%
%% Run: erl -noshell -pa DIR -eval 'bench_util:main(bench_ets, ["insert", "1000000"])'
-module(bench_ets).
-export([main/1]).

main(["insert", NS]) ->
    N = list_to_integer(bench_util:id(NS)),
    T = ets:new(users, [set, public]),
    erlang:garbage_collect(),
    T0 = now_ns(),
    insert(T, 1, N),
    T1 = now_ns(),
    Words = ets:info(T, memory),
    Bytes = Words * erlang:system_info(wordsize),
    io:format("# ~b inserts: ~.3f s, ~b bytes (~.1f per object)~n",
              [N, (T1 - T0) / 1.0e9, Bytes, Bytes / N]),
    bench_util:result("ets_insert_1m_seconds", (T1 - T0) / 1.0e9, "s"),
    bench_util:result("ets_insert_1m_bytes", Bytes, "B"),
    bench_util:check("ets_insert_size", ets:info(T, size)),
    bench_util:check("ets_insert_value_bytes",
                     ets:foldl(fun({_, V}, A) -> A + byte_size(V) end, 0, T));
main(["lookup", NS, LS]) ->
    N = list_to_integer(bench_util:id(NS)),
    L = list_to_integer(bench_util:id(LS)),
    T = ets:new(users, [set, public]),
    insert(T, 1, N),
    Parent = self(),
    Workers = [spawn_opt(fun() -> worker(Parent, T, N, L, Seed) end,
                         [{scheduler, Seed}])
               || Seed <- [1, 2]],
    [receive {ready, W} -> ok end || W <- Workers],
    T0 = now_ns(),
    [W ! go || W <- Workers],
    Sums = [receive {done, W, S} -> S end || W <- Workers],
    T1 = now_ns(),
    bench_util:result("ets_lookup_ns", (T1 - T0) / (2 * L), "ns"),
    bench_util:check("ets_lookup_value_bytes", lists:sum(Sums)).

now_ns() -> erlang:monotonic_time(nanosecond).

insert(_T, I, N) when I > N -> ok;
insert(T, I, N) ->
    ets:insert(T, {I, <<"User ", (integer_to_binary(I))/binary>>}),
    insert(T, I + 1, N).

worker(Parent, T, N, L, Seed) ->
    Parent ! {ready, self()},
    receive go -> ok end,
    Parent ! {done, self(), lookups(T, N, L, Seed, 0)}.

lookups(_T, _N, 0, _X, Acc) -> Acc;
lookups(T, N, L, X, Acc) ->
    X1 = (48271 * X) rem 2147483647,
    [{_, V}] = ets:lookup(T, X1 rem N + 1),
    lookups(T, N, L - 1, X1, Acc + byte_size(V)).
