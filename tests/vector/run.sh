#!/usr/bin/env bash
# tests/vector/run.sh: the fallback vector extension's pg_regress suite on a throwaway cluster,
# then, when pgvector's release tarball is at hand (../shared/pgvector), pgvector's own
# regression tests statement by statement (tests/vector/pgvector_suite.sh) on the same cluster.
#
# By default the extension is built and installed into the server pg_config names
# (scripts/vector_ensure.sh), as `make test` does on a fresh machine.
#
# CCA_VECTOR_PGROOT=DIR leaves the system server alone: the build is installed with
# DESTDIR=DIR into a relocated copy of the server (its bin, lib and share folders, copied
# under DIR on first use, e.g. DIR/usr/lib/postgresql/15), and the throwaway cluster runs
# from that copy. Use it to test a build while others use the installed one:
#   CCA_VECTOR_PGROOT=/tmp/vecpg tests/vector/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/results
dir=$(mktemp -d /tmp/cca-vectest.XXXXXX)
trap 'scripts/pg.sh destroy "$dir" >/dev/null 2>&1' EXIT
log=build/results/vector.log
fail() { echo "vector: $*" >&2; echo "0 1" > build/results/vector; exit 1; }
root=${CCA_VECTOR_PGROOT:-}
if [ -z "$root" ] && [ -f "$(pg_config --sharedir)/extension/vector.control" ] && [ ! -f db/vector/Makefile ]; then
    echo "vector: real pgvector installed, no fallback to test"; echo "0 0" > build/results/vector; exit 0
fi
if [ -n "$root" ]; then
    bindir=$(scripts/vector_private_install.sh "$root") || fail "build or install under $root failed"
    root=$(cd "$root" && pwd)
    export CCA_PG_BINDIR="$bindir"
    echo "vector: testing the build installed under $root"
else
    scripts/vector_ensure.sh || fail "cannot install the extension"
fi
scripts/pg.sh start "$dir" || fail "cannot start a cluster"
sock=$(scripts/pg.sh url "$dir"); sock=${sock#host=}; sock=${sock%% *}
if [ -n "$root" ]; then
    # the relocated server must read its extensions from the copy, not from the system
    seen=$(psql -X -At -h "$sock" -U cca_super -d postgres -c "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")
    [ "$seen" = "$root$(pg_config --sharedir)" ] ||
        fail "the server in $CCA_PG_BINDIR uses SHAREDIR $seen, not under $root"
fi
out=$(make -C db/vector installcheck PGHOST="$sock" PGUSER=cca_super 2>&1); rc=$?
printf '%s\n' "$out" > "$log"
passed=$(grep -cE '\.\.\. +ok' <<<"$out"); failed=$(grep -cE '\.\.\. +FAILED|failed \(ignored\)' <<<"$out")
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
printf '%s\n' "$out" | grep -E '^(test|ok|not ok| )|FAILED' | sed 's/^/  /'
[ "$failed" -gt 0 ] && [ -f db/vector/regression.diffs ] && head -80 db/vector/regression.diffs

# the kernels on their own (no PostgreSQL): conversions, per-CPU versions, bit counts
kc="$dir/kernel_check"
if ${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -Werror -o "$kc" tests/vector/kernel_check.c >>"$log" 2>&1; then
    kout=$("$kc" 2>&1); krc=$?
else
    kout="kernel_check: does not compile (see $log)"; krc=1
fi
printf '%s\n' "$kout" >> "$log"
printf '%s\n' "$kout" | sed 's/^/  kernel_check: /'
read -r kp kf < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<<"$kout" | tail -1)
[ -n "${kp:-}" ] || { kp=0; kf=1; }
[ "$krc" -ne 0 ] && [ "$kf" -eq 0 ] && kf=1
passed=$((passed + kp)); failed=$((failed + kf))

# pgvector's tests: one test per file, passed when no statement differs
suite=$(PGHOST="$sock" PGUSER=cca_super VECTOR_EXT=cca_vector tests/vector/pgvector_suite.sh 2>&1); src=$?
printf '%s\n' "$suite" >> "$log"
if [ "$src" -eq 2 ]; then
    echo "  pgvector's tests: skipped (no pgvector tarball in ../shared/pgvector)"
else
    printf '%s\n' "$suite" | sed 's/^/  /'
    read -r sp sf < <(sed -n 's/^pgvector: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<<"$suite" | tail -1)
    [ -n "${sp:-}" ] || { sp=0; sf=1; }
    [ "$src" -ne 0 ] && [ "$sf" -eq 0 ] && sf=1
    passed=$((passed + sp)); failed=$((failed + sf))
fi
echo "$passed $failed" > build/results/vector
echo "vector: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
