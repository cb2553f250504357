#!/usr/bin/env bash
# bench_ask.sh: the `ask` part of `make bench`. Prints figures; asserts nothing.
#
# On a throwaway cluster, started and sized by scripts/pg.sh as `make run`'s is (sized again
# for its data after the ingest: `pg.sh resize`), it ingests the sample knowledge base plus a
# synthetic corpus of about BENCH_PASSAGES passages (default 100000) and prints the ingest rate
# (local embedder, read + chunk + embed + store), then measures `cca ask` apart from the LLM at
# that size: offline answers (no LLM configured) for BENCH_QUESTIONS questions (default 50,
# from tests/eval), as a learner, each a new process (a cold word cache and a new database
# session with no cached plans: what a person waits for on the command line):
#   - the wall clock of the whole process, exec to exit (start-up, connecting, the turn, storing
#     the answer, printing), p50 and p95;
#   - in-process, the processing_time_ms that `cca ask --json` reports (from rag_ask to the
#     finished answer; storing the answer is not in it);
#   - the split, from the timings_ms of `cca ask --json` (median of each part): connect, setup
#     (embedder, WordNet), store_question, embed, word_stats, vector, full_text, answer,
#     store_answer, and "start+exit" = wall clock minus all of those (exec, dynamic linking,
#     configuration, exit); and the wall clock without the vector search (per question), so
#     the vector path's own figure can be added to it.
# Then the two retrievers are timed alone on the server with the same questions; then the
# floor under the wall clock on this machine (a process that only connects with libpq and runs
# SELECT 1: tests/eval/connect_floor.c); then the same asks through PgBouncer in transaction
# mode (scripts/scaleout_env.sh pool), the learner as their own role, when pgbouncer is
# installed: a warm pool, so no backend start and no cold session per ask.
# The load average is printed with the figures: on a shared machine they scale with it.
#
# The synthetic corpus is deterministic: documents of 16 sections, each section about 1,000
# characters of knowledge-base sentences in which a third of the longer words are replaced by
# the document's own topic words (drawn from WordNet's index), so that vocabularies differ
# between documents the way they do between real handbooks.
#   BENCH_DIR=DIR   use (and keep) DIR instead of a throwaway folder; a second run reuses the
#                   corpus and the database (ingest is idempotent)
set -euo pipefail
cd "$(dirname "$0")/.."
want=${BENCH_PASSAGES:-100000}
questions=${BENCH_QUESTIONS:-50}
[ -x ./cca ] || { echo "bench_ask: build ./cca first (make)" >&2; exit 1; }

if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR
    mkdir -p "$work"
    # PgBouncer (part 7) stops; the cluster and the corpus stay for the next run
    cleanup() { scripts/scaleout_env.sh stop "$work/so" >/dev/null 2>&1 || true; }
else
    work=$(mktemp -d /tmp/cca-benchask-XXXXXX)
    cleanup() {
        scripts/scaleout_env.sh stop "$work/so" >/dev/null 2>&1 || true
        scripts/pg.sh destroy "$work/pg" >/dev/null 2>&1 || true
        rm -rf "$work"
    }
fi
trap cleanup EXIT

# 1. The corpus: 16 sections of about 1,000 characters are 16 passages per document at the
# default chunk size (1,200 characters).
scripts/bench_corpus.sh "$work" "$want"

# 2. The database.
[ -x scripts/vector_ensure.sh ] && scripts/vector_ensure.sh >/dev/null
scripts/pg.sh start "$work/pg" >/dev/null
url=$(scripts/pg.sh url "$work/pg")
sock=${url#host=}; sock=${sock%% *}
psql -h "$sock" -U cca_super -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'cca'" |
    grep -q 1 || createdb -h "$sock" -U cca_super cca
export CCA_DATABASE_URL="$url"
unset CCA_USER CCA_CONFIG
# Offline: the local embedder and no LLM, so an answer is extractive and costs no network.
cfg="$work/bench.ini"
printf '[embeddings]\nprovider = local\n[llm]\nprovider = none\n' > "$cfg"
./cca --config "$cfg" migrate >/dev/null
if [ "$(psql -h "$sock" -U cca_super cca -Atc 'SELECT count(*) FROM users')" = 0 ]; then
    ./cca --config "$cfg" seed >/dev/null
fi

# 3. Ingest.
./cca --config "$cfg" ingest --json "$work/corpus" > "$work/ingest.json"
psql -h "$sock" -U cca_super cca -qc 'VACUUM ANALYZE' 2>/dev/null || true
# The server as `make run` sizes it for this much data (scripts/setup_db.sh does the same).
scripts/pg.sh resize "$work/pg" >/dev/null
total=$(psql -h "$sock" -U cca_super cca -Atc 'SELECT count(*) FROM content_passages')
shared_buffers=$(psql -h "$sock" -U cca_super cca -XAtc 'SHOW shared_buffers')
# Huge pages change every new session's cost (README "Huge pages"): said with the figures.
huge=$(scripts/pg.sh hugepages "$work/pg" || true)
SB="$shared_buffers, $(scripts/pg.sh sizing "$work/pg" | grep -E '^(work_mem|effective_cache_size)' |
    sed 's/ = /=/' | paste -sd' '); $huge" perl -MJSON::PP -e '
    my ($total) = @ARGV;
    my $s = decode_json(do { local $/; <STDIN> });
    if ($s->{passages} > 0) {
        printf "ingest: %d files, %d passages in %.2f s = %.0f passages/s " .
               "(%s: read, chunk, embed, store)\n",
            $s->{files_seen}, $s->{passages}, $s->{seconds}, $s->{passages_per_s},
            $s->{embed_model};
    } else {
        printf "ingest: corpus unchanged since the last run (%d files), nothing to measure\n",
            $s->{files_seen};
    }
    printf "ask: %d passages in the database, shared_buffers %s\n", $total, $ENV{SB};
' "$total" < "$work/ingest.json"

# 4. The questions: every other one of the evaluation sets, up to $questions.
IFS='|' read -r user role < <(psql -h "$sock" -U cca_super cca -Atc \
    "SELECT email, db_role FROM users WHERE role = 'learner' ORDER BY email LIMIT 1")
[ -n "$user" ] || { echo "bench_ask: the seed has no learner to ask as" >&2; exit 1; }
grep -hv '^#' tests/eval/questions.tsv tests/eval/questions_heldout.tsv | cut -f1 |
    awk 'NF && NR % 2 == 1' | head -n "$questions" > "$work/questions.txt"

# processing_time_ms (core/rag.c) runs from rag_ask to the finished answer: store the question,
# embed it, hybrid retrieval, the extractive answer and its confidence; storing the answer
# afterwards is the one thing it leaves out.
# ask_all NAME [ENV=VALUE...]: every question through `cca ask --json` as a new process (with
# the environment given), into NAME.wall (wall clock, us), NAME.ask (processing_time_ms) and
# NAME.split (timings_ms and the rest of the wall clock, "start+exit").
ask_all() {
    local name=$1 q t0 t1
    shift
    : > "$work/$name.ask"
    : > "$work/$name.wall"
    : > "$work/$name.split"
    while IFS= read -r q; do
        t0=$(date +%s%N)
        if ! env "$@" ./cca --config "$cfg" ask --json "$q" \
                > "$work/answer.json" 2> "$work/ask.err"; then
            echo "bench_ask: cca ask failed: $(head -c 300 "$work/ask.err")" >&2
            exit 1
        fi
        t1=$(date +%s%N)
        echo "$(( (t1 - t0) / 1000 ))" >> "$work/$name.wall"
        perl -MJSON::PP -e 'my $a = decode_json(do { local $/; <STDIN> });
                            print $a->{processing_time_ms} // "", "\n"' \
            < "$work/answer.json" >> "$work/$name.ask"
        perl -MJSON::PP -e 'my ($wall) = @ARGV; my $a = decode_json(do { local $/; <STDIN> });
                            my $t = $a->{timings_ms} // {}; my $sum = 0; $sum += $_ for values %$t;
                            print join(" ", "wall=$wall", (map { "$_=$t->{$_}" } sort keys %$t),
                                       sprintf("start+exit=%.2f", $wall - $sum)), "\n"' \
            "$(( (t1 - t0) / 1000 ))e-3" < "$work/answer.json" >> "$work/$name.split"
    done < "$work/questions.txt"
}
# Direct connections, as the learner (CCA_USER, as --user: the demo path's SET ROLE); the
# wall clock of the whole process: exec, dynamic linking, config, connect, WordNet, the turn,
# storing the answer, exit (what a person waits for; issue 17's goal: p50 60 ms).
ask_all direct CCA_USER="$user"

# 5. The two retrievers alone, timed on the server as the same learner (clock_timestamp() in
# a plpgsql loop, so neither the client nor the network counts): full text with each
# question, vector with the question's own embedding by the local embedder (as `cca ask`
# embeds it: sparse, so the fallback's columnar path serves it where it is built). Twenty
# candidates each, as [retrieval] candidates. One session: its caches are warm after the
# first question, unlike `cca ask`'s.
scripts/embed_questions.sh "$work" < "$work/questions.txt" > "$work/question_vectors.txt"
{
    echo 'CREATE TEMP TABLE qs (q text, qv text);'
    echo 'COPY qs FROM STDIN;'
    paste "$work/questions.txt" "$work/question_vectors.txt" | sed 's/\\/\\\\/g'
    echo '\.'
    echo 'GRANT SELECT ON qs TO PUBLIC;'
    echo "SET ROLE \"$role\";"
    cat <<'SQL'
DO $$
DECLARE
    r record;
    v vector;
    t0 timestamptz;
BEGIN
    FOR r IN SELECT q, qv FROM qs LOOP
        v := r.qv::vector;
        t0 := clock_timestamp();
        PERFORM * FROM search_passages(r.q, NULL, 20);
        RAISE NOTICE 'fts %', extract(epoch FROM clock_timestamp() - t0) * 1000;
        t0 := clock_timestamp();
        PERFORM * FROM match_passages(v, 0.15, 20);
        RAISE NOTICE 'vector %', extract(epoch FROM clock_timestamp() - t0) * 1000;
    END LOOP;
END
$$;
SQL
} | psql -h "$sock" -U cca_super cca -qAt -v ON_ERROR_STOP=1 > /dev/null 2> "$work/server.txt"

# 6. The floor under that wall clock: a process that only links libpq, connects, runs SELECT 1
# and exits (tests/eval/connect_floor.c), the same number of times. On a machine where
# processes start slowly (page faults, many shared libraries) it says how much of the wall
# clock any client would pay there.
cc -std=c11 -O2 -I/usr/include/postgresql -o "$work/connect_floor" tests/eval/connect_floor.c -lpq
: > "$work/floor.wall"
for _ in $(seq "$(wc -l < "$work/questions.txt")"); do
    t0=$(date +%s%N)
    "$work/connect_floor" "$url"
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000 ))" >> "$work/floor.wall"
done

# 7. Through PgBouncer in transaction mode (scripts/scaleout_env.sh pool; docs/scaleout.md),
# the learner logging in as their own role: the deployment for many people. The pool's server
# connections outlive each `cca ask`, so their caches and plans are warm: no backend start, no
# cold session. One ask first fills the pool (not counted).
pooled=
if command -v pgbouncer >/dev/null; then
    scripts/scaleout_env.sh pool "$work/so" "$work/pg" >/dev/null
    pool_env() {
        local POOL_HOST POOL_PORT PASSWORD
        eval "$(scripts/scaleout_env.sh env "$work/so" | grep -E '^(POOL_HOST|POOL_PORT|PASSWORD)=')"
        echo "CCA_DATABASE_URL=host=$POOL_HOST port=$POOL_PORT dbname=cca user=$role"
        echo "PGPASSWORD=$PASSWORD"
    }
    mapfile -t penv < <(pool_env)
    env "${penv[@]}" CCA_DATABASE_POOLED=true ./cca --config "$cfg" ask --json \
        "$(head -n 1 "$work/questions.txt")" >/dev/null
    ask_all pooled "${penv[@]}" CCA_DATABASE_POOLED=true
    pooled=1
fi

# The figures: each run's wall clock (microseconds, one line per ask) and split (key=ms pairs).
perl -e '
    my ($work, $total, $pooled) = @ARGV;
    sub pct { my ($p, @v) = @_; @v = sort { $a <=> $b } @v; return $v[int($p * $#v + 0.5)]; }
    sub lines { open my $f, "<", $_[0] or die "bench_ask: $_[0]: $!\n"; return grep { /\d/ } map { chomp; $_ } <$f>; }
    sub wall { return map { $_ / 1000 } lines($_[0]); }
    sub split_of {
        my %part;
        for (lines($_[0])) { my %r = map { split /=/ } split; push @{ $part{$_} }, $r{$_} for keys %r; }
        printf "ask:   split (median ms): %s\n",
            join(", ", map { sprintf "%s %.1f", $_, pct(0.5, @{ $part{$_} }) } grep { $part{$_} }
                 qw(start+exit connect setup store_question embed word_stats vector full_text
                    answer store_answer));
        return %part;
    }
    my @t = lines("$work/direct.ask");
    my %r;
    for (lines("$work/server.txt")) { push @{ $r{$1} }, $2 if /NOTICE:\s+(fts|vector) ([0-9.]+)/; }
    die "bench_ask: no timings\n" unless @t && $r{fts} && $r{vector};
    printf "ask: overhead without the LLM (processing_time_ms) at %d passages, %d questions: " .
           "p50 %d ms, p95 %d ms, max %d ms\n",
        $total, scalar @t, pct(0.5, @t), pct(0.95, @t), pct(1, @t);
    my @w = wall("$work/direct.wall");
    printf "ask: wall clock from exec to stored answer (cca ask --json, a new process each): " .
           "p50 %d ms, p95 %d ms, max %d ms\n", pct(0.5, @w), pct(0.95, @w), pct(1, @w);
    my %part = split_of("$work/direct.split");
    my @rest = map { my %r = map { split /=/ } split; $r{wall} - ($r{vector} // 0) }
        lines("$work/direct.split");
    printf "ask:   wall clock without the vector search: p50 %.1f ms, p95 %.1f ms " .
           "(vector search alone: p50 %.1f ms, p95 %.1f ms)\n",
        pct(0.5, @rest), pct(0.95, @rest), pct(0.5, @{ $part{vector} }), pct(0.95, @{ $part{vector} });
    printf "ask:   retrievers on the server: full text p50 %.1f ms p95 %.1f ms, " .
           "vector p50 %.1f ms p95 %.1f ms\n",
        pct(0.5, @{ $r{fts} }), pct(0.95, @{ $r{fts} }),
        pct(0.5, @{ $r{vector} }), pct(0.95, @{ $r{vector} });
    my @f = wall("$work/floor.wall");
    printf "ask: floor (connect_floor: exec, libpq, connect, SELECT 1, exit; a new process " .
           "each): p50 %.1f ms, p95 %.1f ms\n", pct(0.5, @f), pct(0.95, @f);
    exit 0 unless $pooled;
    @w = wall("$work/pooled.wall");
    printf "ask: through PgBouncer (transaction pooling, the learner as their own role, warm " .
           "pool): wall clock p50 %d ms, p95 %d ms, max %d ms\n", pct(0.5, @w), pct(0.95, @w), pct(1, @w);
    split_of("$work/pooled.split");
' "$work" "$total" "$pooled"
echo "ask: load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
