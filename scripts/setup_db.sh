#!/usr/bin/env bash
# setup_db.sh DIR: the private database for the embedded default (or a test). Starts the
# cluster in DIR (created on first use), applies migrations, and on an empty database loads
# the sample data and ingests the sample knowledge base. Safe to run again: data is reused.
# All of that runs as the bootstrap superuser; the demo then connects as cca_demo
# (`scripts/pg.sh url DIR demo`), a plain login role that may only act as the people.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-var/pg}
scripts/vector_ensure.sh
scripts/pg.sh start "$dir"
url=$(scripts/pg.sh url "$dir")
sock=${url#host=}; sock=${sock%% *}
if ! psql -h "$sock" -U cca_super -d postgres -Atqc "select 1 from pg_database where datname='cca'" | grep -q 1; then
    createdb -h "$sock" -U cca_super cca
fi
export CCA_DATABASE_URL=$url
# Setup runs as the bootstrap superuser: a CCA_USER in the environment must not make
# migrate, seed and ingest act as a learner.
unset CCA_USER
./cca migrate >/dev/null
users=$(psql "$url" -Atqc "select count(*) from users")
if [ "$users" = 0 ]; then
    echo "setup: loading the sample data"
    ./cca seed >/dev/null
fi
# (the seed's own content is chunked and embedded by `cca seed`; the files are what count here)
files=$(psql "$url" -Atqc "select count(*) from learning_content where source_path is not null")
if [ "$files" = 0 ]; then
    echo "setup: ingesting the sample knowledge base (assets/kb)"
    ./cca ingest --source sample-kb assets/kb >/dev/null
fi
# Content embedded by another embedder (an older cca's, or one without the word-vector table):
# re-embedded beside the live index, then switched. --if-needed only compares the database's
# model and dimension with the configured embedder's, and asks no endpoint.
reindexed=$(./cca reindex --if-needed)
case $reindexed in
"reindex not needed"*) ;;
*) echo "setup: re-embedded the knowledge base with this cca's embedder: $reindexed" ;;
esac
# The demo's own role (see cca_demo_role_setup in db/migrations/010_admin.sql): created when
# missing, made a member of every person's login role (people added later by `cca user add`
# join it automatically).
psql "$url" -XAtqc "select cca_demo_role_setup('cca_demo')" >/dev/null
# Vector indexes: the fallback's IVF lists once the knowledge base has 10,000 embedded rows (and
# the rows ingested since the last call), pgvector's HNSW indexes when missing (019).
psql "$url" -XAtqc "select cca_vector_index_maintain()" >/dev/null
# Server sizing for the knowledge base this cluster now holds (scripts/pg.sh; README "Server
# settings"): restarts the server only when shared_buffers changes.
scripts/pg.sh resize "$dir" >/dev/null
# A large cache not on huge pages: each new session (every `cca ask`, every start of the app)
# faults its shared memory in 4 KB at a time (README "Huge pages"). Said, not fixed: reserving
# huge pages is the machine administrator's call (sysctl vm.nr_hugepages).
sb=$(psql "$url" -XAtqc "select setting::bigint * 8 / 1024 from pg_settings where name = 'shared_buffers'")
if [ "$sb" -ge 1024 ]; then
    hp=$(scripts/pg.sh hugepages "$dir") && rc=0 || rc=$?
    if [ "$rc" = 1 ]; then
        echo "setup: shared_buffers is ${sb} MB and $hp: see README \"Huge pages\""
    fi
fi
