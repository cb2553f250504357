#!/usr/bin/env bash
# bench_pgvector.sh [DIR]: scripts/bench_vector_index.sh on real pgvector, for anyone with
# pgvector: the same data, calls and table (rows, mode, role, session, p50, p95, recall) as the
# fallback's. The server is BENCH_URL (a superuser's conninfo on a server that has pgvector)
# or, by default, pgvector's sandbox (../shared/pgvector/sandbox.sh DIR, default
# /tmp/cca-pgvector: a relocated PostgreSQL copy with pgvector built in, never the system
# server). The passages are loaded with the HNSW indexes dropped (cca_vector_bulk_begin) and
# the indexes built afterwards (cca_vector_index_maintain), as a large ingest should.
# Environment as for bench_vector_index.sh (BENCH_ROWS, QUERIES, KEEP).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BENCH_URL:-}" ]; then
    sandbox=../shared/pgvector/sandbox.sh
    [ -x "$sandbox" ] || sandbox=/work/shared/pgvector/sandbox.sh
    [ -x "$sandbox" ] || { echo "bench_pgvector: no BENCH_URL and no pgvector sandbox" >&2; exit 2; }
    BENCH_URL=$("$sandbox" "${1:-/tmp/cca-pgvector}" start)
    export BENCH_RESTART="eval $sandbox ${1:-/tmp/cca-pgvector} stop; $sandbox ${1:-/tmp/cca-pgvector} start"
fi
if [ "$(psql -X -At "$BENCH_URL" -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")" != 1 ]; then
    echo "bench_pgvector: the server at $BENCH_URL has no pgvector" >&2; exit 2
fi
BENCH_URL=$BENCH_URL exec scripts/bench_vector_index.sh
