#!/usr/bin/env bash
# tests/eval/run.sh (`make eval`): retrieval, refusal and confidence quality, offline with the
# local embedder, on three knowledge bases:
#   kb1  assets/kb (the sample; questions.tsv was written next to it and tuned on,
#        questions_heldout.tsv held out, questions_unanswerable.tsv its refusal questions)
#   kb2  tests/eval/kb2 (a second company written independently, with overlapping topics on
#        purpose; questions_kb2.tsv is the tuning part, questions_kb2_heldout.tsv is held out)
#   kb3  tests/eval/kb3 (a third company, a logistics firm, written later and independently of
#        the retrieval code; questions_kb3.tsv is held out only: it has no tuning part and is
#        never tuned on)
# Each knowledge base gets its own database in a throwaway cluster; it is ingested with the
# local embedder, and every question is asked as the sample learner alice@example.com, as
# `cca search --json --mode vector|fts|hybrid` and as `cca ask --json`.
#
# Question files: question TAB expected file(s) TAB kind. Expected is a file name of the
# knowledge base ("a.md|b.md" when either answers), or - when nothing answers. Kinds: lexical,
# paraphrase, confusable (near topics in several documents), unanswerable, foreign (not English).
#
# Figures, per knowledge base and part (tuning, held-out):
#   recall@k, MRR  the documents of the top 5 passages, deduplicated in order, give the rank of
#                  the expected document; recall@k counts rank <= k (answerable questions).
#   refused        `cca ask` set abstain. Unanswerable and foreign questions should be refused,
#                  answerable ones not.
#   AUROC          how well ask's confidence separates answerable from unanswerable questions
#                  (probability that a random answerable one scores above an unanswerable one).
#   reliability    per confidence band, the share of outcomes that were right: an answerable
#                  question answered (not refused) with the expected document as source [1],
#                  or an unanswerable/foreign question refused.
#
# Measures and reports; it does not fail on low scores, only on broken plumbing.
#   VERBOSE=1         also list every answerable question not at rank 1 and every wrong refusal
#   EVAL_KBS="kb2"    only these knowledge bases (default "kb1 kb2 kb3")
#   EVAL_PARTS="tuning"  only these parts (default "tuning heldout")
#   EVAL_DIR=DIR      use (and keep) the cluster in DIR instead of a throwaway one; the
#                     databases are rebuilt on every run, so a changed embedder is measured
#   EVAL_KEEP=1       with EVAL_DIR, keep the per-question JSON in DIR/results
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x ./cca ] || { echo "eval: build ./cca first (make)" >&2; exit 1; }
kbs=${EVAL_KBS:-kb1 kb2 kb3}
parts=${EVAL_PARTS:-tuning heldout}

kb_path() {
    case $1 in
    kb1) echo assets/kb ;;
    kb2) echo tests/eval/kb2 ;;
    kb3) echo tests/eval/kb3 ;;
    *) echo "eval: unknown knowledge base $1 (kb1, kb2 or kb3)" >&2; exit 1 ;;
    esac
}
kb_files() {
    case $1:$2 in
    kb1:tuning) echo tests/eval/questions.tsv tests/eval/questions_unanswerable.tsv ;;
    kb1:heldout) echo tests/eval/questions_heldout.tsv ;;
    kb2:tuning) echo tests/eval/questions_kb2.tsv ;;
    kb2:heldout) echo tests/eval/questions_kb2_heldout.tsv ;;
    kb3:heldout) echo tests/eval/questions_kb3.tsv ;;   # held out only: no tuning part
    esac
}
for kb in $kbs; do kb_path "$kb" >/dev/null; done

cfg=
if [ -n "${EVAL_DIR:-}" ]; then
    dir=$EVAL_DIR
    mkdir -p "$dir"
    cleanup() { [ -z "$cfg" ] || rm -f "$cfg"; [ -n "${EVAL_KEEP:-}" ] || rm -rf "$dir/results"; }
else
    dir=$(mktemp -d /tmp/cca-eval-XXXXXX)
    cleanup() { [ -z "$cfg" ] || rm -f "$cfg"; scripts/pg.sh destroy "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
fi
trap cleanup EXIT

[ -x scripts/vector_ensure.sh ] && scripts/vector_ensure.sh >/dev/null
scripts/pg.sh start "$dir" >/dev/null
url=$(scripts/pg.sh url "$dir")
sock=${url#host=}; sock=${sock%% *}
unset CCA_USER CCA_CONFIG
# Embedded defaults (local embedder, no LLM), whatever a user's config.ini says.
# (not in $dir: as root pg.sh gives that folder to postgres, and cca rightly warns about a
# configuration file in a folder someone else owns)
cfg=$(mktemp /tmp/cca-eval-ini-XXXXXX)
printf '[embeddings]\nprovider = local\n[llm]\nprovider = none\n' > "$cfg"

res="$dir/results"
rm -rf "$res"
mkdir -p "$res"
n=0
for kb in $kbs; do
    db="eval_$kb"
    dropdb -h "$sock" -U cca_super --if-exists "$db" >/dev/null 2>&1 || true
    createdb -h "$sock" -U cca_super "$db"
    export CCA_DATABASE_URL="host=$sock dbname=$db user=cca_super"
    ./cca --config "$cfg" migrate >/dev/null
    ./cca --config "$cfg" seed >/dev/null
    ./cca --config "$cfg" ingest --json "$(kb_path "$kb")" > "$dir/ingest.json"
    passages=$(psql -h "$sock" -U cca_super "$db" -XAtc \
        "SELECT count(*) FROM content_passages p JOIN learning_content c ON c.id = p.content_id
         WHERE c.source_path IS NOT NULL")
    perl -MJSON::PP -e '
        my $s = decode_json(do { local $/; <STDIN> });
        printf "eval: %s = %s: %d files, %d passages (%s, %d dimensions)\n", $ARGV[1], $ARGV[2],
            $s->{files_seen}, $ARGV[0], $s->{embed_model}, $s->{embed_dim};
    ' "$passages" "$kb" "$(kb_path "$kb")" < "$dir/ingest.json"
    for part in $parts; do
        for file in $(kb_files "$kb" "$part"); do
            while IFS=$'\t' read -r question expected kind; do
                case "$question" in ''|'#'*) continue ;; esac
                n=$((n + 1))
                printf '%d\t%s\t%s\t%s\t%s\t%s\n' "$n" "$kb" "$part" "$expected" \
                    "${kind:-lexical}" "$question" >> "$res/manifest.tsv"
                for mode in vector fts hybrid; do
                    if ! ./cca --config "$cfg" search --json --mode "$mode" -- "$question" \
                            > "$res/$n.$mode.json" 2> "$res/err.txt"; then
                        echo "eval: cca search --mode $mode failed: $(head -c 300 "$res/err.txt")" >&2
                        exit 1
                    fi
                done
                if ! ./cca --config "$cfg" --user alice@example.com ask --json -- "$question" \
                        > "$res/$n.ask.json" 2> "$res/err.txt"; then
                    echo "eval: cca ask failed: $(head -c 300 "$res/err.txt")" >&2
                    exit 1
                fi
            done < "$file"
        done
    done
done

VERBOSE=${VERBOSE:-0} perl -MJSON::PP -e '
    my $res = shift;
    my @modes = qw(vector fts hybrid);
    my (@q, %groups);
    open my $m, "<", "$res/manifest.tsv" or die "eval: no manifest\n";
    while (my $line = <$m>) {
        chomp $line;
        my ($i, $kb, $part, $expected, $kind, $question) = split /\t/, $line, 6;
        my %want = map { $_ => 1 } grep { $_ ne "-" } split /\|/, $expected;
        my $rec = { kb => $kb, part => $part, kind => $kind, question => $question,
                    expected => $expected, answerable => scalar(%want) ? 1 : 0 };
        my $docs_of = sub {
            my ($hits) = @_;
            my (%seen, @docs);
            for my $hit (@{ $hits // [] }) {
                (my $base = $hit->{source_path} // "") =~ s{.*/}{};
                push @docs, $base unless $seen{$base}++;
            }
            return @docs;
        };
        for my $mode (@modes, "ask") {
            open my $f, "<", "$res/$i.$mode.json" or die "eval: missing result $i.$mode\n";
            my $r = decode_json(do { local $/; <$f> });
            my @docs = $docs_of->($mode eq "ask" ? $r->{sources} : $r->{results});
            my ($rank) = grep { $want{$docs[$_ - 1]} } 1 .. @docs;
            $rec->{rank}{$mode} = $rank;
            $rec->{top}{$mode} = $docs[0] // "nothing";
            if ($mode eq "ask") {
                $rec->{refused} = $r->{abstain} ? 1 : 0;
                $rec->{confidence} = $r->{confidence} // 0;
                $rec->{reasons} = $r->{confidence_reasons} // "";
                $rec->{label} = $r->{confidence_label} // "";
            }
        }
        $rec->{right} = $rec->{answerable}
            ? (!$rec->{refused} && ($rec->{rank}{ask} // 0) == 1 ? 1 : 0)
            : ($rec->{refused} ? 1 : 0);
        push @q, $rec;
    }
    my $pct = sub { my ($a, $b) = @_; $b ? sprintf("%.2f", $a / $b) : "  - " };
    my $auroc = sub {
        my ($pos, $neg) = @_;
        return undef unless @$pos && @$neg;
        my $s = 0;
        for my $p (@$pos) { for my $n (@$neg) { $s += $p > $n ? 1 : $p == $n ? 0.5 : 0 } }
        return $s / (@$pos * @$neg);
    };
    my %summary;
    for my $kb (qw(kb1 kb2 kb3)) {
        for my $part (qw(tuning heldout)) {
            my @set = grep { $_->{kb} eq $kb && $_->{part} eq $part } @q;
            next unless @set;
            my @ans = grep { $_->{answerable} } @set;
            my @una = grep { !$_->{answerable} } @set;
            printf "\n== %s %s: %d questions (%d answerable, %d to refuse)\n", $kb,
                $part eq "heldout" ? "held-out" : "tuning", scalar @set, scalar @ans, scalar @una;
            printf "%-13s %4s %9s %9s %6s %8s\n", "tier (hybrid)", "n", "recall\@1", "recall\@5",
                "MRR", "refused";
            my @tiers = (qw(lexical paraphrase confusable), "all answerable");
            for my $tier (@tiers, qw(unanswerable foreign)) {
                my @t = $tier eq "all answerable" ? @ans : grep { $_->{kind} eq $tier } @set;
                next unless @t;
                my ($r1, $r5, $rr, $ref) = (0, 0, 0, 0);
                for my $x (@t) {
                    my $rank = $x->{rank}{hybrid};
                    $r1++ if $rank && $rank == 1;
                    $r5++ if $rank && $rank <= 5;
                    $rr += $rank ? 1 / $rank : 0;
                    $ref += $x->{refused};
                }
                if ($t[0]{answerable}) {
                    printf "%-13s %4d %9s %9s %6s %8s\n", $tier, scalar @t, $pct->($r1, @t + 0),
                        $pct->($r5, @t + 0), $pct->($rr, @t + 0), $pct->($ref, @t + 0);
                } else {
                    printf "%-13s %4d %9s %9s %6s %8s\n", $tier, scalar @t, "", "", "",
                        $pct->($ref, @t + 0);
                }
            }
            printf "modes over answerable: ";
            for my $mode (@modes, "ask") {
                my ($r1, $r5) = (0, 0);
                for my $x (@ans) {
                    my $rank = $x->{rank}{$mode};
                    $r1++ if $rank && $rank == 1;
                    $r5++ if $rank && $rank <= 5;
                }
                printf "%s %s/%s%s", $mode, $pct->($r1, @ans + 0), $pct->($r5, @ans + 0),
                    $mode eq "ask" ? "\n" : ", ";
            }
            my @pos = map { $_->{confidence} } @ans;
            my @neg = map { $_->{confidence} } @una;
            my $au = $auroc->(\@pos, \@neg);
            my $ref_una = grep { $_->{refused} } @una;
            my $ref_ans = grep { $_->{refused} } @ans;
            my $mean = sub { my $s = 0; $s += $_ for @_; @_ ? sprintf("%.2f", $s / @_) : "-" };
            printf "refusal: %s of questions to refuse refused, %s of answerable wrongly refused; " .
                   "mean confidence %s answerable, %s to refuse; AUROC %s\n",
                $pct->($ref_una, @una + 0), $pct->($ref_ans, @ans + 0), $mean->(@pos),
                $mean->(@neg), defined $au ? sprintf("%.2f", $au) : "-";
            print "reliability: confidence band, n, share right\n";
            my @bands = ([0, 0.2], [0.2, 0.4], [0.4, 0.6], [0.6, 0.8], [0.8, 1.01]);
            for my $b (@bands) {
                my @in = grep { $_->{confidence} >= $b->[0] && $_->{confidence} < $b->[1] } @set;
                my $right = grep { $_->{right} } @in;
                printf "  [%.1f, %.1f%s %4d  %s\n", $b->[0], $b->[1] > 1 ? 1 : $b->[1],
                    $b->[1] > 1 ? "]" : ")", scalar @in, $pct->($right, @in + 0);
            }
            $summary{"$kb $part"} = sprintf "%s %s: recall\@1 %s recall\@5 %s; refused %s of " .
                "unanswerable, %s of answerable; AUROC %s", $kb,
                $part eq "heldout" ? "held-out" : "tuning",
                $pct->(scalar(grep { ($_->{rank}{hybrid} // 0) == 1 } @ans), @ans + 0),
                $pct->(scalar(grep { $_->{rank}{hybrid} } @ans), @ans + 0),
                $pct->($ref_una, @una + 0), $pct->($ref_ans, @ans + 0),
                defined $au ? sprintf("%.2f", $au) : "-";
            if ($ENV{VERBOSE}) {
                for my $x (@set) {
                    my $rank = $x->{rank}{hybrid};
                    if ($x->{answerable} && (!$rank || $rank > 1 || $x->{refused})) {
                        printf "  miss %-10s rank %s%s  %s  (want %s, got %s) conf %.2f\n",
                            $x->{kind}, $rank // "-", $x->{refused} ? " REFUSED" : "",
                            $x->{question}, $x->{expected}, $x->{top}{hybrid}, $x->{confidence};
                    } elsif (!$x->{answerable} && !$x->{refused}) {
                        printf "  not refused %-10s %s  (got %s) conf %.2f: %s\n", $x->{kind},
                            $x->{question}, $x->{top}{ask}, $x->{confidence}, $x->{reasons};
                    }
                }
            }
        }
    }
    print "\n";
    print "eval: $summary{$_}\n" for sort keys %summary;
' "$res"
