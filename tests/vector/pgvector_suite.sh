#!/usr/bin/env bash
# pgvector_suite.sh: judges a vector extension by pgvector's own regression tests, statement by
# statement. The tests are unpacked from pgvector's release tarball into a temporary folder at
# run time and deleted afterwards: nothing of pgvector is kept in this repository.
#
#   PGHOST=... PGUSER=... tests/vector/pgvector_suite.sh [FILE...]
#
# FILE: test names (default: vector_type cast btree copy halfvec bit). Each runs the way
# pg_regress runs it (psql -X -a -q, stdin, stderr merged, in a fresh database with lc_messages
# C and the extension created), and its output is cut into one block per statement (the echoed
# statement and what follows it up to the next echoed line of the file) and compared with the
# block of test/expected/FILE.out:
#   - two errors count as equal whatever their wording, DETAIL, HINT or LINE context;
#   - anything else must be equal line for line (trailing blanks ignored);
#   - sparsevec is left out: a statement that names sparsevec, and every statement of a section
#     headed "-- sparsevec", is skipped.
#
# Environment:
#   VECTOR_EXT        the extension to create (default cca_vector; `vector` checks this harness
#                     against real pgvector, which must give 0 differences)
#   PGVECTOR_TARBALL  pgvector's release tarball (default: the newest pgvector-*.tar.gz in
#                     $CCA_PGVECTOR_DIR, else in ../shared/pgvector or ../../shared/pgvector
#                     from the repository root)
#   VERBOSE=1         print every differing statement in full (default: the first 5 per file)
#   EXACT_ERRORS=1    compare the wording of error messages too (not part of the goal; shows
#                     where our messages differ from pgvector's)
# Prints one line per file and, last, "pgvector: N passed, N failed" (a file passes when no
# statement differs). Exit 0 when all pass, 1 when one fails, 2 when the tarball is missing.
set -uo pipefail
cd "$(dirname "$0")/../.."

ext=${VECTOR_EXT:-cca_vector}
tarball=${PGVECTOR_TARBALL:-}
if [ -z "$tarball" ]; then
    for d in ${CCA_PGVECTOR_DIR:-} ../shared/pgvector ../../shared/pgvector; do
        t=$(ls "$d"/pgvector-*.tar.gz 2>/dev/null | sort -V | tail -1)
        [ -n "$t" ] && { tarball=$t; break; }
    done
fi
[ -n "$tarball" ] && [ -f "$tarball" ] || { echo "pgvector: no pgvector tarball found" >&2; exit 2; }
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(vector_type cast btree copy halfvec bit)

work=$(mktemp -d /tmp/cca-pgvsuite.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work" --strip-components=1 --wildcards '*/test/sql/*.sql' \
    '*/test/expected/*.out' || { echo "pgvector: cannot unpack $tarball" >&2; exit 2; }
mkdir -p "$work/run/results"
echo "pgvector: $(basename "$tarball") tests against extension $ext"

db=cca_pgvector_suite
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

passed=0; failed=0
for f in "${files[@]}"; do
    sql="$work/test/sql/$f.sql"; expected="$work/test/expected/$f.out"
    if [ ! -f "$sql" ] || [ ! -f "$expected" ]; then
        echo "  $f: not in the tarball"; failed=$((failed + 1)); continue
    fi
    # a fresh database per file, set up as pg_regress sets up contrib_regression
    psql_admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE template0" \
        -c "ALTER DATABASE $db SET lc_messages TO 'C'" \
        -c "ALTER DATABASE $db SET datestyle TO 'Postgres, MDY'" \
        -c "ALTER DATABASE $db SET timezone TO 'PST8PDT'" >/dev/null &&
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION \"$ext\"" >/dev/null ||
        { echo "  $f: cannot create database $db with extension $ext"; failed=$((failed + 1)); continue; }
    # \copy writes results/*.bin relative to psql's folder, as under pg_regress
    (cd "$work/run" && psql -X -a -q -d "$db" <"$sql" >"$work/run/$f.out" 2>&1)
    psql_admin -c "DROP DATABASE IF EXISTS $db" >/dev/null
    if perl - "$sql" "$expected" "$work/run/$f.out" "$f" "${VERBOSE:-0}" <<'PERL'; then
use strict; use warnings;
my ($sqlf, $expf, $actf, $name, $verbose) = @ARGV;
sub lines { open my $h, '<', $_[0] or die "$_[0]: $!"; my @l = map { s/\s+$//r } <$h>; return grep { $_ ne '' } @l; }
# statements: each non-blank line of the file is echoed by psql -a; a statement starts at a line
# that is not a comment and is not the continuation of a statement without its ';' yet
my @input = lines($sqlf);
my (@stmt_of, @stmts, @skip);
my ($open, $section) = (0, '');
for my $l (@input) {
    if (!$open && $l =~ /^--\s*(.*)$/) { $section = $1; push @stmt_of, -1; next; }
    if (!$open) { push @stmts, $l; push @skip, ($section eq 'sparsevec') ? 1 : 0; }
    else { $stmts[-1] .= "\n$l"; }
    push @stmt_of, $#stmts;
    $open = ($l !~ /^\\/ && $l !~ /;\s*(--.*)?$/) ? 1 : 0;
}
for my $i (0 .. $#stmts) { $skip[$i] = 1 if $stmts[$i] =~ /sparsevec/i; }
# cut an output into blocks: output lines are attributed to the last echoed input line
sub blocks {
    my @out = lines($_[0]);
    my %b; my ($next, $cur) = (0, -1);
    for my $o (@out) {
        if ($next <= $#input && $o eq $input[$next]) { $cur = $stmt_of[$next++]; next; }
        push @{$b{$cur}}, $o if $cur >= 0;
    }
    return (\%b, $next);
}
my ($exp, $n_exp) = blocks($expf);
my ($act, $n_act) = blocks($actf);
die "$name: expected output does not echo the test file\n" if $n_exp <= $#input;
my ($compared, $skipped, @diff) = (0, 0);
for my $i (0 .. $#stmts) {
    if ($skip[$i]) { $skipped++; next; }
    $compared++;
    my @e = @{$exp->{$i} // []}; my @a = @{$act->{$i} // []};
    my $e_err = grep { /^ERROR:/ } @e; my $a_err = grep { /^ERROR:/ } @a;
    my $same = ($e_err && $a_err) || (!$e_err && !$a_err && join("\n", @e) eq join("\n", @a));
    # EXACT_ERRORS=1: the ERROR lines' wording must match too
    $same &&= join("\n", grep { /^ERROR:/ } @e) eq join("\n", grep { /^ERROR:/ } @a) if $ENV{EXACT_ERRORS};
    push @diff, $i unless $same;
}
my $missing = $n_act <= $#input ? " (output stops before statement " . ($stmt_of[$n_act] + 1) . ")" : '';
printf "  %-12s %3d statements compared, %2d skipped (sparsevec), %3d differ%s\n",
    $name, $compared, $skipped, scalar(@diff), $missing;
my $shown = 0;
for my $i (@diff) {
    last if !$verbose && $shown++ >= 5;
    my $s = length($stmts[$i]) > 150 ? substr($stmts[$i], 0, 147) . '...' : $stmts[$i];
    print "    $s\n";
    print "      expected: $_\n" for @{$exp->{$i} // ['(nothing)']};
    print "      got:      $_\n" for @{$act->{$i} // ['(nothing)']};
}
print "    ... and ", scalar(@diff) - 5, " more (VERBOSE=1 shows all)\n" if !$verbose && @diff > 5;
exit(@diff ? 1 : 0);
PERL
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "pgvector: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
