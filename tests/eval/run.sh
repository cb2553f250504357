#!/usr/bin/env bash
# tests/eval/run.sh (`make eval`): retrieval quality on the sample knowledge base. Ingests
# assets/kb into a throwaway database, asks every question of tests/eval/questions.tsv three
# ways (`cca search --json --mode vector|fts|hybrid`), and prints recall@1, recall@5 and MRR
# per mode. A question counts as found at rank r when the r-th distinct document in the
# results is its expected source file. VERBOSE=1 lists the questions each mode misses.
# Measures and reports; it does not fail on low scores (only on broken plumbing).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
questions=tests/eval/questions.tsv
[ -x ./cca ] || { echo "eval: build ./cca first (make)" >&2; exit 1; }

dir=$(mktemp -d /tmp/cca-eval-XXXXXX)
cleanup() { scripts/pg.sh destroy "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

[ -x scripts/vector_ensure.sh ] && scripts/vector_ensure.sh >/dev/null
scripts/pg.sh start "$dir" >/dev/null
url=$(scripts/pg.sh url "$dir")
sock=${url#host=}; sock=${sock%% *}
createdb -h "$sock" -U cca_super cca
export CCA_DATABASE_URL="$url"
unset CCA_USER CCA_CONFIG
# Embedded defaults: local embedder, no LLM, whatever a user's config.ini says.
cfg="$dir/eval.ini"
printf '[embeddings]\nprovider = local\n[llm]\nprovider = none\n' > "$cfg"
./cca --config "$cfg" migrate >/dev/null
./cca --config "$cfg" ingest --json assets/kb > "$dir/ingest.json"

perl -MJSON::PP -e '
    my $s = decode_json(do { local $/; <STDIN> });
    printf "eval: ingested %d files, %d passages in %.2f s (%s, %d dimensions)\n",
        $s->{files_seen}, $s->{passages}, $s->{seconds}, $s->{embed_model}, $s->{embed_dim};
' < "$dir/ingest.json"

# One JSON line per question and mode: {"mode":..,"expected":..,"kind":..,"paths":[...]}.
out="$dir/results.jsonl"
: > "$out"
while IFS=$'\t' read -r question expected kind; do
    case "$question" in ''|'#'*) continue ;; esac
    for mode in vector fts hybrid; do
        if ! ./cca --config "$cfg" search --json --mode "$mode" "$question" > "$dir/one.json" 2>"$dir/err.txt"; then
            echo "eval: cca search --mode $mode failed: $(head -c 300 "$dir/err.txt")" >&2
            exit 1
        fi
        perl -MJSON::PP -e '
            my ($mode, $expected, $kind, $q) = @ARGV;
            my $r = decode_json(do { local $/; <STDIN> });
            my @paths = map { $_->{source_path} // "" } @{ $r->{results} // [] };
            print encode_json({ mode => $mode, expected => $expected, kind => $kind,
                                question => $q, paths => \@paths }), "\n";
        ' "$mode" "$expected" "${kind:-lexical}" "$question" < "$dir/one.json" >> "$out"
    done
done < "$questions"

VERBOSE=${VERBOSE:-0} perl -MJSON::PP -e '
    my (%n, %r1, %r5, %mrr, %pn, %p5, @miss);
    while (my $line = <STDIN>) {
        my $x = decode_json($line);
        my ($m, %seen, @docs) = ($x->{mode});
        for my $p (@{ $x->{paths} }) {
            (my $base = $p) =~ s{.*/}{};
            push @docs, $base unless $seen{$base}++;
        }
        my ($rank) = grep { $docs[$_ - 1] eq $x->{expected} } 1 .. @docs;
        $n{$m}++;
        $r1{$m}++ if $rank && $rank == 1;
        $r5{$m}++ if $rank && $rank <= 5;
        $mrr{$m} += $rank ? 1 / $rank : 0;
        if ($x->{kind} eq "paraphrase") { $pn{$m}++; $p5{$m}++ if $rank && $rank <= 5; }
        push @miss, sprintf("  %-6s rank %s  %s  (want %s, got %s)", $m, $rank // "-",
            $x->{question}, $x->{expected}, $docs[0] // "nothing") if !$rank || $rank > 1;
    }
    my $total = $n{hybrid} // 0;
    printf "eval: %d questions (%d paraphrased)\n", $total, $pn{hybrid} // 0;
    printf "%-8s %9s %9s %7s %18s\n", "mode", "recall@1", "recall@5", "MRR", "paraphrase r@5";
    for my $m (qw(vector fts hybrid)) {
        next unless $n{$m};
        printf "%-8s %9.3f %9.3f %7.3f %11d/%d\n", $m, ($r1{$m} // 0) / $n{$m},
            ($r5{$m} // 0) / $n{$m}, $mrr{$m} / $n{$m}, $p5{$m} // 0, $pn{$m} // 0;
    }
    print "misses (rank > 1):\n", join("\n", @miss), "\n" if $ENV{VERBOSE} && @miss;
' < "$out"
