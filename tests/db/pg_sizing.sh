#!/usr/bin/env bash
# tests/db/pg_sizing.sh DIR: scripts/pg.sh's server sizing (README "Server settings"), as TAP,
# on the running cluster in DIR (tests/db/run.sh's): the rules for a 2 GB and a 24 GB machine,
# the server runs with what start wrote, ALTER SYSTEM values of the sized settings are dropped
# at start, resize leaves a server whose data did not grow running, and `hugepages` reports
# what the server got.
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=$1
url=$(scripts/pg.sh url "$dir")
n=0
ok() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
setting() { grep "^$1 = " <<<"$2" | sed 's/.* = //'; }
show() { psql "$url" -XAtc "SELECT setting || coalesce(unit, '') FROM pg_settings WHERE name = '$1'"; }

small=$(CCA_PG_MEM_MB=2048 scripts/pg.sh sizing "$dir")
ok "2 GB: effective_cache_size is half the memory" '[ "$(setting effective_cache_size "$small")" = 1024MB ]'
ok "2 GB: work_mem 4MB, maintenance_work_mem 128MB" \
   '[ "$(setting work_mem "$small")" = 4MB ] && [ "$(setting maintenance_work_mem "$small")" = 128MB ]'
sb=$(setting shared_buffers "$small"); sb=${sb%MB}
ok "2 GB: shared_buffers between 256MB and a quarter of the memory" '[ "$sb" -ge 256 ] && [ "$sb" -le 512 ]'
big=$(CCA_PG_MEM_MB=24576 scripts/pg.sh sizing "$dir")
ok "24 GB: effective_cache_size 12288MB, maintenance_work_mem capped at 1024MB, work_mem 48MB" \
   '[ "$(setting effective_cache_size "$big")" = 12288MB ] && [ "$(setting maintenance_work_mem "$big")" = 1024MB ] && [ "$(setting work_mem "$big")" = 48MB ]'
free_mb=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }'); wal=3072
[ "$wal" -gt $(( free_mb / 4 )) ] && wal=$(( free_mb / 4 )); [ "$wal" -lt 256 ] && wal=256
ok "24 GB: max_wal_size an eighth (3072MB), at most a quarter of the free disk" \
   '[ "$(setting max_wal_size "$big")" = ${wal}MB ]'
tiny=$(CCA_PG_MEM_MB=512 scripts/pg.sh sizing "$dir")
ok "512 MB: shared_buffers at most a quarter of the memory" '[ "$(setting shared_buffers "$tiny")" = 128MB ]'

conf=$(cat "$dir/data/cca_sizing.conf")
ok "the server runs with the work_mem start wrote" \
   '[ "$(show work_mem)" = "$(( $(setting work_mem "$conf" | sed "s/MB//") * 1024 ))kB" ]'
psql "$url" -XAtqc "ALTER SYSTEM SET work_mem = '1MB'" -c "ALTER SYSTEM SET log_min_messages = 'notice'"
scripts/pg.sh stop "$dir" && scripts/pg.sh start "$dir"
ok "an ALTER SYSTEM value of a sized setting is dropped at start" '[ "$(show work_mem)" != 1024kB ]'
ok "... other ALTER SYSTEM settings stay" '[ "$(show log_min_messages)" = notice ]'
psql "$url" -XAtqc "ALTER SYSTEM RESET log_min_messages" -c "SELECT pg_reload_conf()" >/dev/null
hp=$(scripts/pg.sh hugepages "$dir"); rc=$?
need=$(psql "$url" -XAtc 'SHOW shared_memory_size_in_huge_pages')
ok "hugepages: on or off, with the 2 MB pages the server needs ($hp)" \
   '{ [ $rc = 0 ] && [[ "$hp" == "huge pages: on"* ]]; } || { [ $rc = 1 ] && [[ "$hp" == "huge pages: off (the server needs $need of 2 MB"* ]]; }'
psql "$url" -XAtqc "ALTER SYSTEM SET huge_pages = off"
scripts/pg.sh stop "$dir" && scripts/pg.sh start "$dir"
hp=$(scripts/pg.sh hugepages "$dir"); rc=$?
ok "hugepages: a server started with huge_pages = off is reported off, exit 1" '[ $rc = 1 ] && [[ "$hp" == "huge pages: off"* ]]'
psql "$url" -XAtqc "ALTER SYSTEM RESET huge_pages"
scripts/pg.sh stop "$dir" && scripts/pg.sh start "$dir"
ok "hugepages: a stopped server is an error (exit 2)" \
   'scripts/pg.sh stop "$dir" && { scripts/pg.sh hugepages "$dir" 2>/dev/null; [ $? = 2 ]; }; scripts/pg.sh start "$dir"; scripts/pg.sh status "$dir"'
ok "resize with no growth of the data: no restart" '[ -z "$(scripts/pg.sh resize "$dir")" ] && scripts/pg.sh status "$dir"'
echo "1..$n"
