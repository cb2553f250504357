#!/usr/bin/env bash
# bench.sh: `make bench`. Prints figures; asserts nothing. Each part is its own script.
set -uo pipefail
cd "$(dirname "$0")/.."
for part in bench_vector bench_vector_types bench_vector_index bench_vector_sparse bench_ingest bench_ask bench_tui bench_editor bench_tryit bench_admin bench_learning bench_department bench_audience; do
    if [ -x "scripts/$part.sh" ]; then
        echo "== $part"
        "scripts/$part.sh" || echo "$part: failed (exit $?)"
    fi
done
