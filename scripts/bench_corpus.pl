#!/usr/bin/env perl
# bench_corpus.pl OUT DOCS WORDNET_DIR: the synthetic knowledge base of the benches
# (scripts/bench_ask.sh, scripts/bench_load_text.sh): DOCS Markdown documents of 16 sections,
# each section about 1,000 characters of assets/kb sentences in which a third of the longer
# words are replaced by the document's own topic words (drawn from WordNet's index), so that
# vocabularies differ between documents the way they do between real handbooks. Deterministic.
use strict; use warnings;
my ($out, $docs, $wn) = @ARGV;
srand(20240607);
my @sent;
for my $f (sort glob "assets/kb/*.md") {
    open my $fh, "<", $f or die "bench_corpus: $f: $!\n";
    local $/; my $t = <$fh>;
    $t =~ s/^#.*$//mg; $t =~ s/^\|.*$//mg; $t =~ s/```.*?```//sg; $t =~ s/[`*]//g;
    push @sent, grep { length > 30 } map { s/\s+/ /gr } split /(?<=[.!?])\s+/, $t;
}
my @lex;
for my $pos (qw(noun verb adj)) {
    open my $fh, "<", "$wn/index.$pos" or next;
    while (<$fh>) {
        next if /^ /;
        my ($w) = split / /;
        push @lex, $w if $w =~ /^[a-z]{4,12}$/;
    }
}
die "bench_corpus: no WordNet index in $wn\n" unless @lex > 1000;
for my $d (1 .. $docs) {
    my @topic = map { $lex[rand @lex] } 1 .. 40;
    open my $o, ">", sprintf("%s/synthetic-%05d.md", $out, $d) or die;
    printf $o "# %s and %s handbook %d\n\n", ucfirst $topic[0], $topic[1], $d;
    for my $sec (1 .. 16) {
        printf $o "## %s %s\n\n", ucfirst $topic[rand @topic], $topic[rand @topic];
        my $len = 0;
        while ($len < 1000) {
            my $s = $sent[rand @sent];
            $s =~ s/\b([a-z]{5,})\b/rand() < 0.33 ? $topic[rand @topic] : $1/ge;
            print $o "$s ";
            $len += length($s) + 1;
        }
        print $o "\n\n";
    }
}
