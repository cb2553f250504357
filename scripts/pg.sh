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
set -euo pipefail

cmd=${1:-}
dir=${2:-}
who=${3:-super}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|status|destroy|url DIR [demo]" >&2; exit 2; }
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
shared_buffers = 256MB
CONF
        # Only the socket's owner (and root) can connect: the socket directory is 0700.
        printf 'local all all trust\n' >"$data/pg_hba.conf"
        [ "$(id -u)" = 0 ] && chown postgres: "$data/pg_hba.conf"
    fi
    if ! is_running; then
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
url)
    case "$who" in
    super) echo "host=$sock dbname=cca user=$superuser" ;;
    demo) echo "host=$sock dbname=cca user=cca_demo" ;;
    *) echo "usage: $0 url DIR [demo]" >&2; exit 2 ;;
    esac
    ;;
*)
    echo "usage: $0 start|stop|status|destroy|url DIR" >&2; exit 2
    ;;
esac
