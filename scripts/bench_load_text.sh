#!/usr/bin/env bash
# bench_load_text.sh URL ROWS: the data of scripts/bench_vector_index.sh made of text, for
# BENCH_LOAD (scripts/bench_pgvector.sh BENCH_DATA=text): about ROWS passages of the synthetic
# knowledge base (scripts/bench_corpus.sh, 16 passages a document) embedded by the local
# embedder (core/embed_local.c) through `cca ingest`, a sixth of the documents as 'tutorial'
# (their own ingest with --type), and as queries the embeddings of 200 questions of
# tests/eval (each question ingested as a document, its vector copied to bench.q, the document
# deleted). Prints the ingest rates: `cca ingest` drops pgvector's HNSW indexes for a large
# load and builds them at the end (025); "with the build" counts that too.
#   BENCH_CORPUS=DIR  where the corpus is kept between runs (default /tmp/cca-bench-corpus-ROWS)
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:?usage: bench_load_text.sh URL ROWS}
rows=${2:?usage: bench_load_text.sh URL ROWS}
corpus=${BENCH_CORPUS:-/tmp/cca-bench-corpus-$rows}
if [ ! -d "$corpus/reference" ]; then
    rm -rf "$corpus.tmp"; mkdir -p "$corpus.tmp/reference" "$corpus.tmp/tutorial" "$corpus.tmp/questions"
    scripts/bench_corpus.sh "$corpus.tmp" "$rows"
    i=0
    for f in "$corpus.tmp"/corpus/*.md; do
        i=$((i + 1))
        if [ $((i % 6)) = 0 ]; then mv "$f" "$corpus.tmp/tutorial/"; else mv "$f" "$corpus.tmp/reference/"; fi
    done
    grep -hv '^#' tests/eval/questions.tsv tests/eval/questions_heldout.tsv tests/eval/questions_kb2.tsv \
        tests/eval/questions_kb2_heldout.tsv | cut -f1 | awk 'NF && !seen[$0]++ && ++n <= 200' |
        awk -v d="$corpus.tmp/questions" '{ f = sprintf("%s/q%03d.md", d, NR); print > f; close(f) }'
    rmdir "$corpus.tmp/corpus"
    mv "$corpus.tmp" "$corpus"
fi
cfg=$(mktemp)
trap 'rm -f "$cfg"' EXIT
printf '[embeddings]\nprovider = local\n[llm]\nprovider = none\n' > "$cfg"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$url" "$@"; }
export CCA_DATABASE_URL=$url
unset CCA_USER

# the questions' vectors, then their documents go
./cca --config "$cfg" ingest --source bench-questions "$corpus/questions" >/dev/null
q >/dev/null <<SQL
CREATE SCHEMA bench;
COMMENT ON SCHEMA bench IS 'rows=$rows ${BENCH_LOAD:-}';
CREATE TABLE bench.q (qi int PRIMARY KEY, v vector(1536));
ALTER TABLE bench.q ALTER COLUMN v SET STORAGE PLAIN;
INSERT INTO bench.q
  SELECT row_number() OVER (ORDER BY lc.source_path), p.embedding
  FROM content_passages p JOIN learning_content lc ON lc.id = p.content_id
  WHERE lc.source_service = 'bench-questions';
DELETE FROM learning_content WHERE source_service = 'bench-questions';
SQL

rate() {  # label json
    perl -MJSON::PP -e 'my ($label, $t0, $t1) = @ARGV; my $s = decode_json(do { local $/; <STDIN> });
        printf "bench_load_text: %s: %d passages, load %.0f passages/s (%.1f s), with the index build %.0f passages/s (%.1f s)\n",
            $label, $s->{passages}, $s->{passages_per_s}, $s->{seconds},
            $s->{passages} / ($t1 - $t0), $t1 - $t0' "$@"
}
load=$(cut -d' ' -f1 /proc/loadavg)
for part in tutorial reference; do
    t0=$(date +%s.%N)
    ./cca --config "$cfg" ingest --json --type "$part" --source bench "$corpus/$part" > "$corpus/ingest-$part.json"
    t1=$(date +%s.%N)
    rate "cca ingest --type $part ($(q -c "SELECT count(*) FROM content_passages") passages after)" \
        "$t0" "$t1" < "$corpus/ingest-$part.json"
done
echo "bench_load_text: load average $load at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end, $(nproc) CPUs"
