#!/usr/bin/env bash
# loadtest.sh [CLIENTS] [SECONDS] [FAULT]: `make loadtest`. Starts the scale-out deployment
# (scripts/scaleout_env.sh: a primary, a streaming replica, PgBouncer in transaction mode) in a
# temporary folder, creates CLIENTS employees (each their own login role, with a password, in
# one SQL call), enrols them in the load-test assessment, and runs build/<flavour>/loadtest:
# CLIENTS simulated employees for SECONDS through PgBouncer, offline answers. Ends with the
# driver's one line "loadtest: R requests, E errors, L lost, B max backends, p95 X ms".
#   FAULT=replica  the replica is stopped at 1/3 of the run and started again at 2/3
#   FAULT=primary  the primary is stopped at 1/3 of the run and started FAULT_DOWN_S later
#                  (default 10)
# AUTH=file: the people's SCRAM verifiers in PgBouncer's auth_file instead of auth_query.
# THINK_MS (default 30000): the mean think time between a person's operations.
# RAMP_S (default: a tenth of the run, 3 to 30 s): people open cca spread over this time.
# LOADTEST_ENV=DIR: use a deployment already started there (tests/scaleout/run.sh) and leave
# it running; people already created are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-500}
seconds=${2:-300}
fault=${3:-}
think_ms=${THINK_MS:-30000}
down_s=${FAULT_DOWN_S:-10}
bin=build/${FLAVOR:-debug}/loadtest
[ -x "$bin" ] || { echo "loadtest: $bin is missing (make loadtest builds it)" >&2; exit 2; }
case "$fault" in ""|none|replica|primary) ;; *) echo "loadtest: FAULT is replica or primary" >&2; exit 2;; esac

if [ -n "${LOADTEST_ENV:-}" ]; then
    dir=$LOADTEST_ENV
    work=$(mktemp -d "$dir/load.XXXX")
else
    dir=$(mktemp -d /tmp/cca-lt.XXXX)
    trap 'scripts/scaleout_env.sh stop "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
    echo "loadtest: starting the primary, the replica and PgBouncer in $dir"
    scripts/scaleout_env.sh start "$dir" >"$dir/start.log" 2>&1 || { cat "$dir/start.log" >&2; exit 1; }
    work=$dir/load
    mkdir -p "$work"
fi
eval "$(scripts/scaleout_env.sh env "$dir")"
export PGPASSWORD=$PASSWORD

# The people: lt<N>@load.test with the login role cca_u_lt<N>, learners, in one call each
# for the accounts and their passwords. The password is the sample people's (the SCRAM
# verifier is copied: it does not depend on the role's name, and hashing 500 passwords would
# take longer than everything else here).
t0=$(date +%s.%N)
psql "$PRIMARY" -XqAt -v ON_ERROR_STOP=1 -v n="$clients" >/dev/null <<'SQL'
SELECT count(cca_user_create(format('lt%s@load.test', i), format('Load Tester %s', i), 'learner',
                             (ARRAY['Engineering', 'Sales', 'Learning'])[1 + i % 3],
                             format('cca_u_lt%s', i)))
FROM generate_series(1, :n) i
WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.email = format('lt%s@load.test', i));
SELECT format('ALTER ROLE %I PASSWORD %L', u.db_role, a.rolpassword)
FROM users u, pg_authid a
WHERE u.email LIKE 'lt%@load.test' AND a.rolname = 'cca_u_alice'
\gexec
-- The assessment everyone answers: 40 questions, no time limit, the key in assessment_keys.
INSERT INTO assessments (id, title, description, difficulty, time_limit, passing_score,
                         max_attempts, review_policy, layout, questions)
SELECT 'assess-loadtest', 'Load test assessment', 'Answered by the load test''s employees',
       'beginner', NULL, 60, 100, 'after_submit', 'one_per_page',
       jsonb_agg(jsonb_build_object('id', 'q' || k, 'question', 'Load test question ' || k,
                                    'type', 'multiple_choice',
                                    'options', jsonb_build_array('one', 'two', 'three', 'four'),
                                    'correct', k % 4) ORDER BY k)
FROM generate_series(1, 40) k
ON CONFLICT (id) DO NOTHING;
-- Enrolment: an open attempt for everyone (assessment_start resumes it), and a course each
-- so the dashboards have something to show.
INSERT INTO assessment_attempts (user_id, assessment_id)
SELECT u.id, 'assess-loadtest' FROM users u
WHERE u.email LIKE 'lt%@load.test'
  AND NOT EXISTS (SELECT 1 FROM assessment_attempts t
                  WHERE t.user_id = u.id AND t.assessment_id = 'assess-loadtest');
INSERT INTO learning_progress (user_id, course_id, progress)
SELECT u.id, c.id, (hashtext(u.id || c.id) & 63)::float
FROM users u CROSS JOIN (SELECT id FROM courses ORDER BY id LIMIT 2) c
WHERE u.email LIKE 'lt%@load.test'
ON CONFLICT DO NOTHING;
SQL
printf 'loadtest: %s people with their own roles and passwords, enrolled, in %.1f s\n' \
    "$clients" "$(echo "$(date +%s.%N) - $t0" | bc)"

# AUTH=file: the people's SCRAM verifiers go into PgBouncer's auth_file, so a login needs no
# auth_query (which waits for a server connection of the same full pool in PgBouncer 1.18).
# PgBouncer is restarted, not reloaded: 1.18 aborts ("put_in_order: found existing elem")
# when a reload adds users it already knows from auth_query.
if [ "${AUTH:-query}" = file ]; then
    list=$POOL_HOST/userlist.txt
    { grep -v '^"cca_u_lt' "$list"
      psql "$PRIMARY" -XAtc "SELECT format('\"%s\" \"%s\"', a.rolname, a.rolpassword)
                             FROM pg_authid a JOIN users u ON u.db_role = a.rolname
                             WHERE u.email LIKE 'lt%@load.test'"; } >"$list.new"
    [ "$(id -u)" = 0 ] && chown postgres: "$list.new"
    chmod 600 "$list.new" && mv -f "$list.new" "$list"
    pid=$(cat "$POOL_HOST/pgbouncer.pid")
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- prlimit --nofile=8192 pgbouncer -d -q "$POOL_HOST/pgbouncer.ini"
    else prlimit --nofile=8192 pgbouncer -d -q "$POOL_HOST/pgbouncer.ini"; fi
    for _ in $(seq 50); do [ -S "$POOL_HOST/.s.PGSQL.6432" ] && break; sleep 0.1; done
    echo "loadtest: AUTH=file: $clients SCRAM verifiers in $list, PgBouncer restarted"
fi

pool_size=$(sed -n 's/^max_db_connections *= *//p' "$POOL_HOST/pgbouncer.ini")
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V -r | head -1)
as_pg() { if [ "$(id -u)" = 0 ]; then echo "runuser -u postgres -- $*"; else echo "$*"; fi; }
events=()
third=$((seconds / 3))
case "$fault" in
replica)
    events+=(--event "$third:$(as_pg "$bindir/pg_ctl" -D "$dir/replica/data" -m fast -w stop) >/dev/null")
    events+=(--event "$((2 * third)):$(as_pg "$bindir/pg_ctl" -D "$dir/replica/data" -l "$dir/replica/server.log" -w -t 60 start) >/dev/null")
    ;;
primary)
    events+=(--event "$third:scripts/pg.sh stop $dir/primary")
    events+=(--event "$((third + down_s)):scripts/pg.sh start $dir/primary")
    ;;
esac
echo "loadtest: FAULT=${fault:-none}; clients, PgBouncer and servers log to $work, $POOL_HOST, $dir/*/server.log"
"$bin" --clients "$clients" --seconds "$seconds" --think-ms "$think_ms" --ramp-s "${RAMP_S:--1}" \
    --pool-size "$pool_size" \
    --pool-host "$POOL_HOST" --pool-port "$POOL_PORT" --primary "$PRIMARY" --replica "$REPLICA" \
    --workdir "$work" "${events[@]}"
