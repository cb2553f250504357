#!/usr/bin/env bash
# tests/vector/run.sh: the fallback vector extension's pg_regress suite on a throwaway cluster.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/results
dir=$(mktemp -d /tmp/cca-vectest.XXXXXX)
trap 'scripts/pg.sh destroy "$dir" >/dev/null 2>&1' EXIT
log=build/results/vector.log
if [ -f "$(pg_config --sharedir)/extension/vector.control" ] && [ ! -f db/vector/Makefile ]; then
    echo "vector: real pgvector installed, no fallback to test"; echo "0 0" > build/results/vector; exit 0
fi
scripts/vector_ensure.sh && scripts/pg.sh start "$dir" || { echo "0 1" > build/results/vector; exit 1; }
sock=$(scripts/pg.sh url "$dir"); sock=${sock#host=}; sock=${sock%% *}
out=$(make -C db/vector installcheck PGHOST="$sock" PGUSER=cca_super 2>&1); rc=$?
printf '%s\n' "$out" > "$log"
passed=$(grep -cE '\.\.\. +ok' <<<"$out"); failed=$(grep -cE '\.\.\. +FAILED|failed \(ignored\)' <<<"$out")
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
printf '%s\n' "$out" | grep -E '^(test|ok|not ok| )|FAILED' | sed 's/^/  /'
[ "$failed" -gt 0 ] && [ -f db/vector/regression.diffs ] && head -80 db/vector/regression.diffs
echo "$passed $failed" > build/results/vector
echo "vector: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
