#!/usr/bin/env bash
# tests/eval/run.sh (`make eval`): retrieval quality on the sample knowledge base. Ingests
# assets/kb into a throwaway database with the local embedder, asks every question of
# tests/eval/questions.tsv (the tuning set) and tests/eval/questions_heldout.tsv (held out:
# never tuned on) three ways, `cca search --json --mode vector|fts|hybrid`, and prints
# recall@1, recall@5 and MRR per mode.
#
# Scoring: each query returns the top [retrieval] match_count passages (5 by default: what the
# answerer is given). Their documents, deduplicated in order, give the rank of the expected
# source file; recall@k counts ranks <= k, MRR averages 1/rank (0 when the document is absent).
#
# Measures and reports; it does not fail on low scores, only on broken plumbing.
#   VERBOSE=1        also list every question a mode does not answer at rank 1
#   EVAL_DIR=DIR     use (and keep) the cluster in DIR instead of a throwaway one; migrate and
#                    ingest are idempotent, so a second run reuses the ingested passages
set -euo pipefail
cd "$(dirname "$0")/../.."
sets="tuning:tests/eval/questions.tsv heldout:tests/eval/questions_heldout.tsv"
[ -x ./cca ] || { echo "eval: build ./cca first (make)" >&2; exit 1; }

if [ -n "${EVAL_DIR:-}" ]; then
    dir=$EVAL_DIR
    mkdir -p "$dir"
    cleanup() { rm -rf "$dir/results"; }
else
    dir=$(mktemp -d /tmp/cca-eval-XXXXXX)
    cleanup() { scripts/pg.sh destroy "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
fi
trap cleanup EXIT

[ -x scripts/vector_ensure.sh ] && scripts/vector_ensure.sh >/dev/null
scripts/pg.sh start "$dir" >/dev/null
url=$(scripts/pg.sh url "$dir")
sock=${url#host=}; sock=${sock%% *}
psql -h "$sock" -U cca_super -d postgres -XAtc "SELECT 1 FROM pg_database WHERE datname = 'cca'" |
    grep -q 1 || createdb -h "$sock" -U cca_super cca
export CCA_DATABASE_URL="$url"
unset CCA_USER CCA_CONFIG
# Embedded defaults (local embedder, no LLM), whatever a user's config.ini says.
cfg="$dir/eval.ini"
printf '[embeddings]\nprovider = local\n[llm]\nprovider = none\n' > "$cfg"
./cca --config "$cfg" migrate >/dev/null
./cca --config "$cfg" ingest --json assets/kb > "$dir/ingest.json"
passages=$(psql -h "$sock" -U cca_super cca -XAtc "SELECT count(*) FROM content_passages")

perl -MJSON::PP -e '
    my $s = decode_json(do { local $/; <STDIN> });
    printf "eval: knowledge base of %d files, %d passages (%s, %d dimensions)\n",
        $s->{files_seen}, $ARGV[0], $s->{embed_model}, $s->{embed_dim};
' "$passages" < "$dir/ingest.json"

# One result file per question and mode; the manifest says what each one should contain.
res="$dir/results"
rm -rf "$res"
mkdir -p "$res"
n=0
for entry in $sets; do
    set_name=${entry%%:*}
    file=${entry#*:}
    while IFS=$'\t' read -r question expected kind; do
        case "$question" in ''|'#'*) continue ;; esac
        n=$((n + 1))
        printf '%d\t%s\t%s\t%s\t%s\n' "$n" "$set_name" "$expected" "${kind:-lexical}" \
            "$question" >> "$res/manifest.tsv"
        for mode in vector fts hybrid; do
            if ! ./cca --config "$cfg" search --json --mode "$mode" "$question" \
                    > "$res/$n.$mode.json" 2> "$res/err.txt"; then
                echo "eval: cca search --mode $mode failed: $(head -c 300 "$res/err.txt")" >&2
                exit 1
            fi
        done
    done < "$file"
done

VERBOSE=${VERBOSE:-0} perl -MJSON::PP -e '
    my $res = shift;
    my @modes = qw(vector fts hybrid);
    my (%n, %r1, %r5, %rr, @miss);
    open my $m, "<", "$res/manifest.tsv" or die "eval: no manifest\n";
    while (my $line = <$m>) {
        chomp $line;
        my ($i, $set, $expected, $kind, $question) = split /\t/, $line, 5;
        for my $mode (@modes) {
            open my $f, "<", "$res/$i.$mode.json" or die "eval: missing result $i.$mode\n";
            my $r = decode_json(do { local $/; <$f> });
            my (%seen, @docs);
            for my $hit (@{ $r->{results} // [] }) {
                (my $base = $hit->{source_path} // "") =~ s{.*/}{};
                push @docs, $base unless $seen{$base}++;
            }
            my ($rank) = grep { $docs[$_ - 1] eq $expected } 1 .. @docs;
            for my $g ("all", $set, $kind eq "paraphrase" ? "para" : ()) {
                $n{$g}{$mode}++;
                $r1{$g}{$mode}++ if $rank && $rank == 1;
                $r5{$g}{$mode}++ if $rank && $rank <= 5;
                $rr{$g}{$mode} += $rank ? 1 / $rank : 0;
            }
            push @miss, sprintf("  %-7s %-6s rank %s  %s  (want %s, got %s)", $set, $mode,
                $rank // "-", $question, $expected, $docs[0] // "nothing")
                if !$rank || $rank > 1;
        }
    }
    my $fig = sub {
        my ($g, $mode) = @_;
        my $c = $n{$g}{$mode} or return (0, 0, 0);
        return (($r1{$g}{$mode} // 0) / $c, ($r5{$g}{$mode} // 0) / $c, ($rr{$g}{$mode} // 0) / $c);
    };
    printf "eval: %d questions: %d tuning, %d held out; %d paraphrased (words differ from the text)\n",
        $n{all}{hybrid}, $n{tuning}{hybrid} // 0, $n{heldout}{hybrid} // 0, $n{para}{hybrid} // 0;
    printf "%-7s %-9s %9s %9s %7s\n", "mode", "set", "recall\@1", "recall\@5", "MRR";
    for my $mode (@modes) {
        for my $g (qw(all tuning heldout para)) {
            next unless $n{$g}{$mode};
            my $label = { all => "all", tuning => "tuning", heldout => "held-out",
                          para => "paraphr." }->{$g};
            printf "%-7s %-9s %9.3f %9.3f %7.3f\n", $g eq "all" ? $mode : "", $label,
                $fig->($g, $mode);
        }
    }
    print "misses (rank > 1):\n", join("\n", @miss), "\n" if $ENV{VERBOSE} && @miss;
    printf "eval: hybrid recall\@1 %.2f recall\@5 %.2f MRR %.2f " .
           "(vector %.2f/%.2f/%.2f, fts %.2f/%.2f/%.2f)\n",
        $fig->("all", "hybrid"), $fig->("all", "vector"), $fig->("all", "fts");
' "$res"
