#!/usr/bin/env bash
# pg_size.sh URL: sizes a CCA server for the knowledge base it holds (README "Server
# settings"), as the superuser at URL, with ALTER SYSTEM:
#   shared_buffers        the two content tables (embeddings are stored in the row) and the
#                         fallback's columnar copy of them (024, cca_index.cols), a quarter
#                         more, plus 64MB; at least 256MB (pg.sh's default), at most a quarter
#                         of the machine's memory
#   effective_cache_size  half the machine's memory
#   maintenance_work_mem  a sixteenth of it, 64MB to 1GB (pgvector's HNSW builds)
# The last two take effect at once; prints "restart" when shared_buffers changed (the caller
# restarts the server). Used by scripts/setup_db.sh (make run) and scripts/bench_vector_index.sh.
set -euo pipefail
url=${1:?usage: pg_size.sh URL}
q() { psql -X -At -v ON_ERROR_STOP=1 "$url" -c "$1"; }
ram_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
data_mb=$(q "select ceil((coalesce(pg_total_relation_size(to_regclass('public.learning_content')), 0)
                          + coalesce(pg_total_relation_size(to_regclass('public.content_passages')), 0)
                          + coalesce(pg_total_relation_size(to_regclass('cca_index.cols')), 0))
                         / 1048576.0)")
sb=$(( data_mb * 5 / 4 + 64 ))
[ "$sb" -lt 256 ] && sb=256
[ "$sb" -gt $(( ram_mb / 4 )) ] && sb=$(( ram_mb / 4 ))
mwm=$(( ram_mb / 16 )); [ "$mwm" -lt 64 ] && mwm=64; [ "$mwm" -gt 1024 ] && mwm=1024
q "ALTER SYSTEM SET effective_cache_size = '$(( ram_mb / 2 ))MB'" >/dev/null
q "ALTER SYSTEM SET maintenance_work_mem = '${mwm}MB'" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
cur=$(q "select setting::bigint * 8 / 1024 from pg_settings where name = 'shared_buffers'")
if [ "$cur" != "$sb" ]; then
    q "ALTER SYSTEM SET shared_buffers = '${sb}MB'" >/dev/null
    echo restart
fi
