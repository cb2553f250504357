#!/usr/bin/env bash
# bench_ingest.sh: the ingest part of `make bench`. Prints the local embedder's speed on the
# sample knowledge base (cold and warm word cache, one core), then ingests a synthetic corpus
# of about N passages (default 10000, BENCH_PASSAGES) built from the knowledge base's
# sentences into a throwaway database and prints passages/s end to end (read, chunk, embed,
# store), and for the whole command with the vector indexes brought up to date at its end.
# A measurement, not a test: it fails only when the plumbing does.
set -euo pipefail
cd "$(dirname "$0")/.."
want=${BENCH_PASSAGES:-10000}
[ -x ./cca ] || { echo "bench_ingest: build ./cca first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/cca-bench-ingest-XXXXXX)
cleanup() { scripts/pg.sh destroy "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# 1. The embedder alone, built with the release flags against the project's sources (and the
# WordNet and word-vector tables `make` built).
srcs="core/embed_local.c core/wordnet.c core/wordnet_table.c core/wordvec.c core/share_path.c
      core/stem.c core/chunk.c core/utf8.c core/buf.c core/mem.c"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -I. -o "$work/bench_embed" \
    -DCCA_WORDNET_TABLE="\"$PWD/build/wordnet/wordnet.tbl\"" \
    -DCCA_WORDVEC_TABLE="\"$PWD/build/wordvec/wordvec.tbl\"" \
    tests/eval/bench_embed.c $srcs -lwordnet -lm
"$work/bench_embed" assets/kb/*.md

# 2. A synthetic corpus: files of 40 sections, each section about 1200 characters of
# knowledge-base sentences in a shuffled order, so every passage is new text.
files=$(( (want + 39) / 40 ))
perl -e '
    my ($out, $files) = @ARGV;
    srand(42);
    my @s;
    for my $f (glob "assets/kb/*.md") {
        open my $fh, "<", $f or die; local $/; my $t = <$fh>;
        $t =~ s/^#.*$//mg; $t =~ s/[|`*]//g;
        push @s, grep { length > 30 } map { s/\s+/ /gr } split /(?<=[.!?])\s+/, $t;
    }
    for my $i (1 .. $files) {
        open my $o, ">", sprintf("%s/doc%05d.md", $out, $i) or die;
        print $o "# Synthetic document $i\n\n";
        for my $sec (1 .. 40) {
            print $o "## Section $sec\n\n";
            my $len = 0;
            while ($len < 1100) { my $x = $s[rand @s]; print $o "$x "; $len += length($x) + 1; }
            print $o "\n\n";
        }
    }
' "$work" "$files"
mkdir -p "$work/corpus" && mv "$work"/doc*.md "$work/corpus/"

[ -x scripts/vector_ensure.sh ] && scripts/vector_ensure.sh >/dev/null
scripts/pg.sh start "$work/pg" >/dev/null
url=$(scripts/pg.sh url "$work/pg")
sock=${url#host=}; sock=${sock%% *}
createdb -h "$sock" -U cca_super cca
export CCA_DATABASE_URL="$url"
unset CCA_USER CCA_CONFIG
printf '[embeddings]\nprovider = local\n[llm]\nprovider = none\n' > "$work/bench.ini"
./cca --config "$work/bench.ini" migrate >/dev/null
t0=$(date +%s.%N)
./cca --config "$work/bench.ini" ingest --json "$work/corpus" > "$work/ingest.json"
t1=$(date +%s.%N)
# seconds: the load (read, chunk, embed, store); the wall clock adds the vector indexes brought
# up to date at the end (pgvector's HNSW build; the fallback's copies from 2,000 passages)
perl -MJSON::PP -e '
    my $wall = $ARGV[1] - $ARGV[0];
    my $s = decode_json(do { local $/; <STDIN> });
    printf "ingest: %d files, %d passages in %.2f s = %.0f passages/s (local embedder, into PostgreSQL)\n",
        $s->{files_seen}, $s->{passages}, $s->{seconds}, $s->{passages_per_s};
    printf "ingest: the whole command, vector indexes included: %.1f s = %.0f passages/s\n",
        $wall, $wall > 0 ? $s->{passages} / $wall : 0;
' "$t0" "$t1" < "$work/ingest.json"
