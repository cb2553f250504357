#!/usr/bin/env bash
# tests/scaleout/run.sh: the scale-out smoke test (TAP). Starts scripts/scaleout_env.sh in a
# throwaway folder (a primary, a streaming replica with a 3 s apply delay, PgBouncer in
# transaction mode with per-user pools and SCRAM) and checks that CCA works through the
# pooler as each person's own role, that row-level security holds there, that no identity
# crosses from one person's transactions to another's, read-your-writes on the replica (for
# retrieval and the dashboards), a smoke run of the load test (scripts/loadtest.sh: 8
# employees for 10 s, nothing lost), two replicas with one and both stopped, and `cca migrate
# --no-roles` on a managed-style server (tests/scaleout/managed.sh, a cluster of its own).
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d /tmp/cca-so.XXXX)
trap 'scripts/scaleout_env.sh stop "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

if ! scripts/scaleout_env.sh start "$dir" 3 >"$dir/start.log" 2>&1; then
    sed 's/^/# /' "$dir/start.log"; echo "not ok 1 - the environment starts"; exit 1
fi
eval "$(scripts/scaleout_env.sh env "$dir")"
export PGPASSWORD=$PASSWORD CCA_DATABASE_POOLED=true HOME=$dir XDG_STATE_HOME=$dir/state
unset CCA_USER CCA_CONFIG CCA_DATABASE_REPLICA_URL
role() { psql "$PRIMARY" -XAtc "select db_role from users where email = '$1@example.com'"; }
uid() { psql "$PRIMARY" -XAtc "select id from users where email = '$1@example.com'"; }
pool() { echo "host=$POOL_HOST port=$POOL_PORT dbname=${2:-cca} user=$(role "$1")"; }
asked() { psql "$PRIMARY" -XAtc "select count(*) from chat_messages where user_id = '$(uid "$1")'"; }

check "the replica streams from the primary" \
    test "$(psql "$PRIMARY" -XAtc "select count(*) from pg_stat_replication where state = 'streaming'")" = 1
check "the replica is in recovery" test "$(psql "$REPLICA" -XAtc "select pg_is_in_recovery()")" = t

# Settings come from the database through the pooler (CCA sets no session state there).
got=$(psql "$(pool alice)" -XAtc "select current_setting('search_path') || '|' || current_setting('statement_timeout')")
check "search_path and statement_timeout pinned by the database ($got)" test "$got" = "public, pg_temp|15s"

# A few clients asking at once, each as their own role, through PgBouncer.
people=(alice bob heidi ivan)
declare -A before
for p in "${people[@]}"; do before[$p]=$(asked "$p"); done
pids=()
for p in "${people[@]}"; do
    ( for q in "How are expenses claimed?" "What is database normalization?" "How do I learn ES6?"; do
          CCA_DATABASE_URL=$(pool "$p") ./cca ask "$q" >/dev/null 2>"$dir/ask-$p.err" || exit 1
      done ) &
    pids+=($!)
done
fails=0
for pid in "${pids[@]}"; do wait "$pid" || fails=$((fails + 1)); done
check "4 clients x 3 questions through PgBouncer succeed ($fails failed)" test "$fails" = 0
for p in "${people[@]}"; do
    d=$(( $(asked "$p") - ${before[$p]} ))
    check "$p's 3 questions are recorded as $p's ($d)" test "$d" = 3
done
check "the pooler kept the server connections down (<= 3 per person)" \
    test "$(psql "$PRIMARY" -XAtc "select count(*) <= 12 from pg_stat_activity where datname = 'cca' and usename like 'cca_u_%'")" = t

# Row-level security through the pooler: a learner sees only their own history.
for p in alice bob; do
    got=$(psql "$(pool "$p")" -XAtc "select count(distinct user_id) || ':' || min(user_id) from chat_messages")
    check "through the pooler $p sees only their own messages ($got)" test "$got" = "1:$(uid "$p")"
done

# No identity crosses between people: interleaved transactions from two people, each
# checking who it runs as; every answer must be the asker's own role.
for p in alice bob; do
    ( r=$(role "$p"); for i in $(seq 40); do
          psql "$(pool "$p")" -XAtc "select current_user || '/' || session_user" ; done >"$dir/who-$p" ) &
done
wait
for p in alice bob; do
    r=$(role "$p")
    bad=$(grep -cv "^$r/$r\$" "$dir/who-$p")
    check "40 pooled transactions by $p all ran as $r ($bad did not)" test "$bad" = 0
done
pools=$(psql "host=$POOL_HOST port=$POOL_PORT dbname=pgbouncer user=cca_super" -XAtc "show pools" 2>/dev/null | grep -c '|cca_u_\(alice\|bob\)|')
check "PgBouncer keeps one pool per person ($pools pools for alice and bob)" test "$pools" = 2

# Session state is refused through the pooler, with a clear message.
out=$(CCA_DATABASE_URL=$(pool alice) ./cca --user bob@example.com ask "hi" 2>&1); rc=$?
check "--user (SET ROLE) is refused through the pooler" \
    grep -q "for direct connections only" <<<"$out"
check "... and fails ($rc)" test "$rc" != 0
check "... and keeps no unsent question" test ! -s "$dir/state/cca/unsent.jsonl"
out=$(CCA_DATABASE_URL=$(pool alice) ./cca migrate 2>&1); rc=$?
check "cca migrate is refused through the pooler" grep -q "runs against PostgreSQL directly" <<<"$out"

# Replica routing: doctor through the pooler, a replica that is down.
out=$(CCA_DATABASE_URL=$(pool alice) CCA_DATABASE_REPLICA_URL=$(pool alice cca_replica) ./cca doctor 2>&1)
check "doctor reports the replica through the pooler" grep -qE "^(ok|warn) +replica" <<<"$out"
out=$(CCA_DATABASE_URL=$(pool alice) CCA_DATABASE_REPLICA_URL="host=$dir/none dbname=cca" ./cca doctor 2>&1)
check "doctor says so when the replica is down" \
    grep -qE "^warn +replica +retrieval, dashboard and report reads go to the primary: the replica is down" <<<"$out"
out=$(CCA_DATABASE_URL=$(pool alice) CCA_DATABASE_REPLICA_URL="host=$dir/none dbname=cca" ./cca search expenses 2>&1)
check "retrieval still works with the replica down" test -n "$out"

# Read-your-writes with the delayed replica (the store's own test binary).
out=$(CCA_TEST_PRIMARY_URL=$PRIMARY CCA_TEST_REPLICA_URL=$REPLICA CMOCKA_MESSAGE_OUTPUT=TAP \
      build/debug/tests/test_pg_replica 2>&1)
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok "replica: ${line#ok * - }" ;;
    "not ok "*) nok "replica: ${line#not ok * - }" ;;
    "#"*) echo "$line" ;;
    esac
done <<<"$out"

# The load test's smoke run (scripts/loadtest.sh; `make loadtest` is the full one): 8 simulated
# employees for 10 s, each their own role through PgBouncer, asking (RAG, offline answers),
# reading dashboards and answering an assessment; nothing acknowledged may be missing after.
if make -s --no-print-directory build/debug/loadtest >"$dir/load-build.log" 2>&1; then
    LOADTEST_ENV=$dir THINK_MS=700 scripts/loadtest.sh 8 10 >"$dir/load.out" 2>&1
    sed 's/^/# /' "$dir/load.out"
    read -r lr le ll lb <<<"$(sed -n 's/^loadtest: \([0-9]*\) requests, \([0-9]*\) errors, \([0-9]*\) lost, \([0-9]*\) max backends.*/\1 \2 \3 \4/p' "$dir/load.out")"
    pool=$(sed -n 's/^max_db_connections *= *//p' "$POOL_HOST/pgbouncer.ini")
    check "load smoke: 8 clients x 10 s made requests (${lr:-none})" test "${lr:-0}" -gt 20
    check "load smoke: no errors (${le:-?})" test "${le:-x}" = 0
    check "load smoke: nothing acknowledged was lost (${ll:-?})" test "${ll:-x}" = 0
    check "load smoke: server backends stayed within the pool size (${lb:-?} <= $pool)" \
        test "${lb:-999}" -le "$pool"
    check "load smoke: every stored question is its asker's" \
        grep -q "stored under another person: 0$" "$dir/load.out"
    # Each employee through the pooler sees only their own questions: one asker (them), or
    # none when the random mix gave them no ask in 10 s; at least one of them must have asked.
    askers=0
    for i in 1 2 3 4 5 6 7 8; do
        r=$(psql "$PRIMARY" -XAtc "select db_role || ' ' || id from users where email = 'lt$i@load.test'")
        got=$(psql "host=$POOL_HOST port=$POOL_PORT dbname=cca user=${r% *}" -XAtc \
              "select count(distinct user_id) || ':' || coalesce(min(user_id)::text, '') from chat_messages")
        [ "$got" = "1:${r#* }" ] && askers=$((askers + 1))
        check "load smoke: through the pooler lt$i sees only their own questions ($got)" \
            test "$got" = "1:${r#* }" -o "$got" = "0:"
    done
    check "load smoke: some of them asked, and saw their questions ($askers of 8)" \
        test "$askers" -gt 0
else
    sed 's/^/# /' "$dir/load-build.log"; nok "load smoke: build/debug/loadtest builds"
fi

# Several replicas ([database] replica_url = "A | B"): a second replica; cca doctor reports
# each; with one stopped reads go to the other, with both stopped to the primary.
if scripts/scaleout_env.sh replica2 "$dir" 0 >"$dir/replica2.log" 2>&1; then
    ok "a second replica starts"
else
    sed 's/^/# /' "$dir/replica2.log"; nok "a second replica starts"
fi
eval "$(scripts/scaleout_env.sh env "$dir")"
doctor2() {
    CCA_DATABASE_POOLED=false CCA_DATABASE_URL=$PRIMARY CCA_USER=alice@example.com \
        CCA_DATABASE_REPLICA_URL="$REPLICA | $REPLICA2" ./cca doctor 2>&1
}
search2() {
    CCA_DATABASE_POOLED=false CCA_DATABASE_URL=$PRIMARY CCA_USER=alice@example.com \
        CCA_DATABASE_REPLICA_URL="$REPLICA | $REPLICA2" ./cca search "database design" 2>/dev/null
}
r1=${REPLICA#host=}; r1="${r1%% *}/cca"
r2=${REPLICA2#host=}; r2="${r2%% *}/cca"
for _ in $(seq 50); do doctor2 | grep -q "reads go to 2 of 2" && break; sleep 0.2; done
out=$(doctor2)
check "doctor reports both replicas up" grep -qE "^ok +replica +$r1: up" <<<"$out"
check "... the second too" grep -qE "^ok +replica +$r2: up" <<<"$out"
check "... and reads go to both" grep -qE "^ok +replica +retrieval, dashboard and report reads go to 2 of 2 replicas" <<<"$out"
scripts/scaleout_env.sh stop-replica "$dir" replica2
out=$(doctor2)
check "doctor says the stopped replica is skipped" \
    grep -qE "^warn +replica +$r2: skipped: the replica is down" <<<"$out"
check "... and reads go to the other" \
    grep -qE "^ok +replica +retrieval, dashboard and report reads go to 1 of 2 replicas" <<<"$out"
check "retrieval works with one replica down" grep -q "Database Design" <<<"$(search2)"
scripts/scaleout_env.sh stop-replica "$dir" replica
out=$(doctor2)
check "with both replicas stopped doctor says reads go to the primary" \
    grep -qE "^warn +replica +retrieval, dashboard and report reads go to the primary: $r1: the replica is down.*; $r2: the replica is down" <<<"$out"
check "retrieval works with both replicas down" grep -q "Database Design" <<<"$(search2)"

# A managed-style server: no superuser, no role creation, pgvector in another schema.
while IFS= read -r line; do
    case "$line" in
    "# managed-count "*) n=${line#\# managed-count } ;;
    *) echo "$line" ;;
    esac
done < <(tests/scaleout/managed.sh "$n")
echo "1..$n"
