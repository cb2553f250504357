#!/usr/bin/env bash
# pg.sh: a private PostgreSQL cluster under a project folder, reachable only through a Unix
# socket in that folder (no TCP port). As root, the server runs as the unprivileged OS user
# "postgres" (PostgreSQL refuses to run as root).
#
#   scripts/pg.sh start DIR     create the cluster on first use, start it if stopped
#   scripts/pg.sh stop DIR      stop it (data stays)
#   scripts/pg.sh status DIR    exit 0 when running
#   scripts/pg.sh destroy DIR   stop and delete it
#   scripts/pg.sh url DIR       print the libpq conninfo for the bootstrap superuser (migrate,
#                               seed, ingest, tests: whatever creates or loads the schema)
#   scripts/pg.sh url DIR demo  the conninfo of the demo role cca_demo (`make run`, `doctor`):
#                               not a superuser; it may only SET ROLE to the people's login
#                               roles (`cca --user EMAIL`). scripts/setup_db.sh creates it.
#   scripts/pg.sh sizing DIR    print the memory settings `start` gives the server (below)
#   scripts/pg.sh resize DIR    size it again for the data it now holds (after a large ingest):
#                               reloads, or restarts when shared_buffers changes ("restarted")
#   scripts/pg.sh hugepages DIR whether the running server's shared memory is on huge pages, and
#                               how many 2 MB pages it needs (README "Huge pages"); exit 0 when
#                               it is, 1 when it is not, 2 when it cannot tell
#
# Sizing (README "Server settings"): every start writes DIR/data/cca_sizing.conf from the
# machine's memory M (MemTotal, or the cgroup's limit when lower; CCA_PG_MEM_MB overrides it)
# and the size D of the cluster's data (du of DIR/data/base):
#   shared_buffers        D + D/4 + 64MB (the tables, embeddings in the row, and their indexes
#                         stay in the server's cache), at least 256MB (M/4 below 1 GB of M),
#                         at most M/4 and 8GB
#   effective_cache_size  M/2
#   work_mem              M/512, 4MB to 64MB (per sort or hash node; max_connections 40)
#   maintenance_work_mem  M/16, 64MB to 1GB (index builds: pgvector's HNSW, the IVF lists)
#   max_wal_size          M/8, 1GB to 8GB, at most a quarter of the free disk (bulk ingest
#                         without a checkpoint every few seconds); checkpoint_timeout 15min
# ALTER SYSTEM values of these settings (an older pg_size.sh, a bench) are dropped at start:
# this file is the one place that sizes the private server, for `make run` and `make bench`.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
who=${3:-super}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|status|destroy|url|sizing|resize DIR [demo]" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
sock="$dir/run"
# A Unix socket path is limited to about 107 bytes: deep checkouts get a short one in /tmp.
if [ $(( ${#sock} + 20 )) -gt 100 ]; then
    sock="/tmp/cca-pg-$(printf '%s' "$dir" | md5sum | cut -c1-12)"
fi
log="$dir/server.log"
superuser=cca_super

# CCA_PG_BINDIR: the server binaries to use (e.g. a relocated copy with a test build of an
# extension installed into it); default: the newest /usr/lib/postgresql/*/bin.
bindir=${CCA_PG_BINDIR:-}
[ -z "$bindir" ] || [ -x "$bindir/initdb" ] || { echo "pg.sh: no initdb in CCA_PG_BINDIR=$bindir" >&2; exit 1; }
if [ -z "$bindir" ]; then
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && { bindir=$d; break; }
    done
fi
[ -n "$bindir" ] || { echo "pg.sh: no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        # -s keeps the environment small; the postgres user exists once the server package is in.
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

ensure_owner() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "pg.sh: OS user 'postgres' is missing" >&2; exit 1; }
        chown postgres: "$dir"
        # The server must reach its folder: every parent needs the execute bit for others.
        p=$dir
        while [ "$p" != / ]; do
            p=$(dirname "$p")
            perm=$(stat -c %A "$p")
            [ "${perm:9:1}" = x ] || [ "${perm:9:1}" = t ] || chmod o+x "$p"
        done
    fi
}

# The settings for this machine and this cluster's data, as postgresql.conf lines.
sizing() {
    local mem_mb cg lim data_mb free_mb sb ecs wm mwm wal
    mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
    # A container's limit (cgroup v2, then v1) when it is below the machine's memory.
    for cg in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
        lim=$(cat "$cg" 2>/dev/null || true)
        case "$lim" in '' | max | *[!0-9]*) continue ;; esac
        [ ${#lim} -lt 16 ] && [ $(( lim / 1048576 )) -lt "$mem_mb" ] && mem_mb=$(( lim / 1048576 ))
    done
    [ -n "${CCA_PG_MEM_MB:-}" ] && mem_mb=$CCA_PG_MEM_MB
    data_mb=0
    [ -d "$data/base" ] && data_mb=$(du -sm "$data/base" 2>/dev/null | cut -f1)
    free_mb=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
    clamp() { local v=$1; [ "$v" -lt "$2" ] && v=$2; [ "$v" -gt "$3" ] && v=$3; echo "$v"; }
    local sb_min=256
    [ $(( mem_mb / 4 )) -lt "$sb_min" ] && sb_min=$(( mem_mb / 4 ))
    sb=$(clamp $(( data_mb * 5 / 4 + 64 )) "$sb_min" "$(clamp $(( mem_mb / 4 )) 32 8192)")
    ecs=$(( mem_mb / 2 )); [ "$ecs" -lt "$sb" ] && ecs=$sb
    wm=$(clamp $(( mem_mb / 512 )) 4 64)
    mwm=$(clamp $(( mem_mb / 16 )) 64 1024)
    wal=$(clamp $(( mem_mb / 8 )) 1024 8192)
    [ "$wal" -gt $(( free_mb / 4 )) ] && wal=$(( free_mb / 4 ))
    [ "$wal" -lt 256 ] && wal=256
    cat <<CONF
# cca: written by scripts/pg.sh at every start, for ${mem_mb} MB of memory and ${data_mb} MB of data
shared_buffers = ${sb}MB
effective_cache_size = ${ecs}MB
work_mem = ${wm}MB
maintenance_work_mem = ${mwm}MB
max_wal_size = ${wal}MB
checkpoint_timeout = 15min
CONF
}

sized_keys='shared_buffers|effective_cache_size|work_mem|maintenance_work_mem|max_wal_size|checkpoint_timeout'

# Writes cca_sizing.conf (and the include of it in older clusters); drops ALTER SYSTEM values of
# the same settings, which would override it. Only while the server is stopped.
write_sizing() {
    grep -q "^include_if_exists = 'cca_sizing.conf'" "$data/postgresql.conf" ||
        echo "include_if_exists = 'cca_sizing.conf'" | as_owner tee -a "$data/postgresql.conf" >/dev/null
    sizing | as_owner tee "$data/cca_sizing.conf" >/dev/null
    local auto="$data/postgresql.auto.conf"
    if [ -f "$auto" ] && grep -Eq "^($sized_keys) " "$auto"; then
        grep -Ev "^($sized_keys) " "$auto" | as_owner tee "$auto.tmp" >/dev/null
        as_owner mv "$auto.tmp" "$auto"
    fi
}

is_running() {
    [ -f "$data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

case "$cmd" in
start)
    ensure_owner
    if [ ! -f "$data/PG_VERSION" ]; then
        as_owner mkdir -p "$data"
        mkdir -p "$sock" && chmod 700 "$sock"
        [ "$(id -u)" = 0 ] && chown postgres: "$sock"
        as_owner "$bindir/initdb" -D "$data" -U "$superuser" --auth=trust -E UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
        cat >>"$data/postgresql.conf" <<CONF
# cca: private cluster, Unix socket only
listen_addresses = ''
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 40
# memory: sized by scripts/pg.sh from the machine's memory and the data, at every start
include_if_exists = 'cca_sizing.conf'
CONF
        # Only the socket's owner (and root) can connect: the socket directory is 0700.
        printf 'local all all trust\n' >"$data/pg_hba.conf"
        [ "$(id -u)" = 0 ] && chown postgres: "$data/pg_hba.conf"
    fi
    if ! is_running; then
        write_sizing
        if [ ! -d "$sock" ]; then
            mkdir -p "$sock" && chmod 700 "$sock"
            [ "$(id -u)" = 0 ] && chown postgres: "$sock"
        fi
        as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null || {
            tail -20 "$log" >&2; exit 1; }
    fi
    ;;
stop)
    if is_running; then as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
    ;;
status)
    is_running
    ;;
destroy)
    if is_running; then as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null || true; fi
    rm -rf "$dir"
    case "$sock" in /tmp/cca-pg-*) rm -rf "$sock" ;; esac
    ;;
sizing)
    sizing
    ;;
resize)
    is_running || { echo "pg.sh: the server in $dir is not running" >&2; exit 1; }
    old=$(grep '^shared_buffers' "$data/cca_sizing.conf" 2>/dev/null || true)
    new=$(sizing | grep '^shared_buffers')
    if [ "$old" != "$new" ]; then
        as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
        write_sizing
        as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null || {
            tail -20 "$log" >&2; exit 1; }
        echo restarted
    else
        write_sizing
        as_owner "$bindir/pg_ctl" -D "$data" reload >/dev/null
    fi
    ;;
hugepages)
    # PostgreSQL's default huge_pages = try maps shared memory on huge pages only when the
    # kernel has enough reserved (vm.nr_hugepages); otherwise it falls back without a word.
    # PostgreSQL 15 does not report which it did, so read the postmaster's memory map:
    # Shared_Hugetlb is reserved huge pages, ShmemPmdMapped transparent ones (shmem_enabled).
    is_running || { echo "pg.sh: the server in $dir is not running" >&2; exit 2; }
    pid=$(head -1 "$data/postmaster.pid")
    need=$(as_owner psql -h "$sock" -U "$superuser" -d postgres -XAtc \
        'SHOW shared_memory_size_in_huge_pages' 2>/dev/null) || need='?'
    rollup=$(cat "/proc/$pid/smaps_rollup" 2>/dev/null) || {
        echo "huge pages: cannot read /proc/$pid/smaps_rollup; the server needs $need"; exit 2; }
    kb() { awk -v k="$1:" '$1 == k { print $2 }' <<<"$rollup"; }
    reserved=$(( $(kb Shared_Hugetlb) + $(kb Private_Hugetlb) ))
    thp=$(kb ShmemPmdMapped)
    if [ "$reserved" -gt 0 ]; then
        echo "huge pages: on (reserved; the server needs $need of 2 MB)"
    elif [ "${thp:-0}" -gt 0 ]; then
        echo "huge pages: on (transparent, shmem_enabled)"
    else
        echo "huge pages: off (the server needs $need of 2 MB; vm.nr_hugepages is $(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo '?'))"
        exit 1
    fi
    ;;
url)
    case "$who" in
    super) echo "host=$sock dbname=cca user=$superuser" ;;
    demo) echo "host=$sock dbname=cca user=cca_demo" ;;
    *) echo "usage: $0 url DIR [demo]" >&2; exit 2 ;;
    esac
    ;;
*)
    echo "usage: $0 start|stop|status|destroy|url|sizing|resize|hugepages DIR" >&2; exit 2
    ;;
esac
