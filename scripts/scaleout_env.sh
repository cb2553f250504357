#!/usr/bin/env bash
# scaleout_env.sh: the scale-out deployment on one machine, as real processes, Unix sockets
# only: a primary (scripts/pg.sh), a streaming replica made with pg_basebackup, and PgBouncer
# in transaction pooling mode in front of both, each person logging in as their own role
# (SCRAM, auth_query: per-user pools). For tests/scaleout/run.sh and `make loadtest`.
#
#   scripts/scaleout_env.sh start DIR [DELAY]  create and start everything (DELAY: the
#                                            replica's recovery_min_apply_delay, default 0)
#   scripts/scaleout_env.sh replica2 DIR [DELAY]  after start: a second streaming replica
#                                            (its own base backup and socket; DELAY as above)
#   scripts/scaleout_env.sh stop-replica DIR NAME  stop the replica NAME (replica, replica2)
#   scripts/scaleout_env.sh stop DIR          stop PgBouncer, the replicas and the primary
#   scripts/scaleout_env.sh env DIR           print shell assignments: PRIMARY (superuser,
#                                            direct), REPLICA and REPLICA2 (superuser,
#                                            direct), POOL_HOST, POOL_PORT, PASSWORD (every
#                                            sample person's)
#   scripts/scaleout_env.sh pool DIR PGDIR    PgBouncer alone (no replica) in front of the
#                                            running scripts/pg.sh cluster PGDIR, whose
#                                            database cca is migrated and seeded: the
#                                            database settings and passwords it needs, its
#                                            socket in DIR/pgbouncer (`stop DIR` stops it;
#                                            `env DIR` prints POOL_HOST, POOL_PORT, PASSWORD)
# DIR should be short (Unix socket paths are limited), e.g. mktemp -d /tmp/cca-so.XXXX.
# The pgbouncer.ini written here is the one docs/scaleout.md documents.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-}
dir=${2:-}
delay=${3:-0}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|replica2|stop|env|pool DIR [DELAY|PGDIR]" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
password=cca-pooled-secret
bindir=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { bindir=$d; break; }
done
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

primary_url() { scripts/pg.sh url "$dir/primary"; }
psock() { local u; u=$(primary_url); u=${u#host=}; echo "${u%% *}"; }
rsock=$dir/replica/run
bsock=$dir/pgbouncer

# start_replica NAME DELAY: a base backup of the primary with the standby settings (-R), its
# own socket under DIR/NAME/run, started (both steps skipped when already done).
start_replica() {
    local name=$1 rdelay=$2 sock rs
    sock=$(psock); rs=$dir/$name/run
    if [ ! -f "$dir/$name/data/PG_VERSION" ]; then
        mkdir -p "$dir/$name" "$rs"; chmod 700 "$rs"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir/$name" "$rs"
        as_pg "$bindir/pg_basebackup" -h "$sock" -U cca_super -D "$dir/$name/data" -R -X stream \
            -c fast >/dev/null
        cat >>"$dir/$name/data/postgresql.conf" <<CONF
# cca scale-out test replica
unix_socket_directories = '$rs'
hot_standby = on
recovery_min_apply_delay = '${rdelay}s'
CONF
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$dir/$name/data" status >/dev/null 2>&1; then
        as_pg "$bindir/pg_ctl" -D "$dir/$name/data" -l "$dir/$name/server.log" -w -t 60 start >/dev/null || {
            tail -20 "$dir/$name/server.log" >&2; exit 1; }
    fi
}

# pool_db_prepare URL: what a pooled deployment needs in the database (idempotent).
pool_db_prepare() {
    # What a pooled deployment needs in the database (docs/scaleout.md): the session
    # settings CCA sets itself on a direct connection, as database defaults applied at
    # every server connection; passwords (SCRAM) for the people's login roles; the
    # auth_query function PgBouncer looks them up with, executable by its own role only.
    psql "$1" -XqAt -v ON_ERROR_STOP=1 -v pw="$password" >/dev/null <<'SQL'
SET client_min_messages = warning;
ALTER DATABASE cca SET search_path = public, pg_temp;
ALTER DATABASE cca SET statement_timeout = '15s';
SELECT format('ALTER ROLE %I PASSWORD %L', db_role, :'pw') FROM users WHERE db_role IS NOT NULL
\gexec
DO $do$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cca_pgbouncer') THEN
        CREATE ROLE cca_pgbouncer LOGIN;
    END IF;
END $do$;
CREATE SCHEMA IF NOT EXISTS pgbouncer AUTHORIZATION cca_super;
REVOKE ALL ON SCHEMA pgbouncer FROM PUBLIC;
GRANT USAGE ON SCHEMA pgbouncer TO cca_pgbouncer;
CREATE OR REPLACE FUNCTION pgbouncer.get_auth(p_usename text, OUT usename name, OUT passwd text)
RETURNS record LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT usename, passwd FROM pg_catalog.pg_shadow
    WHERE usename = p_usename AND NOT usesuper AND usename <> 'cca_pgbouncer'
$$;
REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO cca_pgbouncer;
SQL
}

# pool_start SOCK [RSOCK]: PgBouncer in front of the primary's socket (and the replica's).
pool_start() {
    # PgBouncer: transaction pooling, one pool per (database, user), SCRAM via auth_query.
    mkdir -p "$bsock"; chmod 700 "$bsock"
    [ "$(id -u)" = 0 ] && chown postgres: "$bsock"
    cat >"$bsock/pgbouncer.ini" <<INI
[databases]
cca = host=$1 dbname=cca
${2:+cca_replica = host=$2 dbname=cca}

[pgbouncer]
listen_addr =
unix_socket_dir = $bsock
unix_socket_mode = 0700
listen_port = 6432
pool_mode = transaction
auth_type = scram-sha-256
auth_file = $bsock/userlist.txt
auth_user = cca_pgbouncer
auth_query = SELECT usename, passwd FROM pgbouncer.get_auth(\$1)
max_client_conn = 5000
default_pool_size = 3
max_db_connections = 30
server_idle_timeout = 60
server_reset_query =
ignore_startup_parameters = extra_float_digits
admin_users = cca_super
stats_users = cca_super
logfile = $bsock/pgbouncer.log
pidfile = $bsock/pgbouncer.pid
INI
    printf '"cca_pgbouncer" "%s"\n"cca_super" "%s"\n' "$password" "$password" >"$bsock/userlist.txt"
    chmod 600 "$bsock/userlist.txt" "$bsock/pgbouncer.ini"
    [ "$(id -u)" = 0 ] && chown postgres: "$bsock/userlist.txt" "$bsock/pgbouncer.ini"
    if ! { [ -f "$bsock/pgbouncer.pid" ] && kill -0 "$(cat "$bsock/pgbouncer.pid")" 2>/dev/null; }; then
        # One descriptor per client and per server connection: the default limit (1024)
        # is far below max_client_conn, and each full-screen cca holds up to three client
        # connections (main, screen calls, replica), so PgBouncer stopped accepting
        # ("accept() failed: Too many open files") at about 330 people (make loadtest).
        as_pg prlimit --nofile=8192 pgbouncer -d -q "$bsock/pgbouncer.ini"
        for _ in $(seq 50); do [ -S "$bsock/.s.PGSQL.6432" ] && break; sleep 0.1; done
    fi
}

case "$cmd" in
env)
    echo "PRIMARY='$(primary_url)'"
    echo "REPLICA='host=$rsock dbname=cca user=cca_super'"
    echo "REPLICA2='host=$dir/replica2/run dbname=cca user=cca_super'"
    echo "POOL_HOST='$bsock'"
    echo "POOL_PORT=6432"
    echo "PASSWORD='$password'"
    ;;
stop)
    [ -f "$bsock/pgbouncer.pid" ] && kill "$(cat "$bsock/pgbouncer.pid")" 2>/dev/null || true
    for r in replica replica2; do
        if [ -f "$dir/$r/data/postmaster.pid" ]; then
            as_pg "$bindir/pg_ctl" -D "$dir/$r/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
    done
    scripts/pg.sh stop "$dir/primary" >/dev/null 2>&1 || true
    ;;
start)
    command -v pgbouncer >/dev/null || { echo "scaleout_env: pgbouncer is not installed (scripts/deps.sh)" >&2; exit 1; }
    scripts/vector_ensure.sh
    scripts/pg.sh start "$dir/primary"
    url=$(primary_url); sock=$(psock)
    data=$dir/primary/data
    # Streaming replication over the local socket (pg.sh trusts the socket's owner only).
    if ! grep -q '^local replication' "$data/pg_hba.conf"; then
        printf 'local replication all trust\n' >>"$data/pg_hba.conf"
        printf "max_connections = 100\n" >>"$data/postgresql.conf"
        scripts/pg.sh stop "$dir/primary"; scripts/pg.sh start "$dir/primary"
    fi
    if ! psql -h "$sock" -U cca_super -d postgres -XAtqc "select 1 from pg_database where datname='cca'" | grep -q 1; then
        createdb -h "$sock" -U cca_super cca
        CCA_DATABASE_URL=$url ./cca migrate >/dev/null
        CCA_DATABASE_URL=$url ./cca seed >/dev/null
        pool_db_prepare "$url"
    fi
    # The replica: a base backup with the standby settings (-R), its own socket.
    start_replica replica "$delay"
    pool_start "$sock" "$rsock"
    ;;
replica2)
    start_replica replica2 "$delay"
    ;;
pool)
    # pool DIR PGDIR: PgBouncer alone in front of a running pg.sh cluster (bench_ask).
    command -v pgbouncer >/dev/null || { echo "scaleout_env: pgbouncer is not installed (scripts/deps.sh)" >&2; exit 1; }
    pgdir=${3:-}   # the third argument, DELAY for the other commands
    [ -n "$pgdir" ] || { echo "usage: $0 pool DIR PGDIR" >&2; exit 2; }
    url=$(scripts/pg.sh url "$pgdir"); sock=${url#host=}; sock=${sock%% *}
    pool_db_prepare "$url"
    pool_start "$sock"
    ;;
stop-replica)
    # stop-replica DIR NAME: stop one replica (replica or replica2), as a failure would.
    as_pg "$bindir/pg_ctl" -D "$dir/$delay/data" -m immediate -w stop >/dev/null
    ;;
*)
    echo "usage: $0 start|replica2|stop|env|pool DIR [DELAY|PGDIR]" >&2; exit 2 ;;
esac
