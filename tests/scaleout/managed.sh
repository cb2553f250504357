#!/usr/bin/env bash
# tests/scaleout/managed.sh: `cca migrate` on a managed-style server (TAP, numbering from $1).
# A fresh private cluster (scripts/pg.sh), where the platform (the cluster superuser here)
# installs the vector extension in schema `extensions` and creates the database for CCA's
# migrating login, which is not a superuser and may create neither roles nor databases.
# The operator runs assets/sql/roles.sql; then `cca migrate --no-roles` must migrate, the seed
# must load, and a learner must still see only their own rows. Run by tests/scaleout/run.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${1:-0}
dir=$(mktemp -d /tmp/cca-mg.XXXX)
trap 'scripts/pg.sh stop "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
ok() { n=$((n + 1)); echo "ok $n - managed: $*"; }
nok() { n=$((n + 1)); echo "not ok $n - managed: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
finish() { echo "# managed-count $n"; exit 0; }

if ! scripts/pg.sh start "$dir" >"$dir/start.log" 2>&1; then
    sed 's/^/# /' "$dir/start.log"; nok "a fresh cluster starts"; finish
fi
super=$(scripts/pg.sh url "$dir"); super=${super/dbname=cca/dbname=postgres}
sock=${super#host=}; sock=${sock%% *}
db() { echo "host=$sock dbname=cca user=$1"; }
# The platform: a login for CCA that is no superuser and may not create roles or databases,
# its database, and pgvector in a schema of its own (the fallback cca_vector on this machine).
psql "$super" -XqAt -v ON_ERROR_STOP=1 >"$dir/setup.log" 2>&1 <<'SQL'
CREATE ROLE cca_migrator LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE cca OWNER cca_migrator;
SQL
psql "$(db cca_super)" -XqAt -v ON_ERROR_STOP=1 >>"$dir/setup.log" 2>&1 <<'SQL'
CREATE SCHEMA extensions;
CREATE EXTENSION cca_vector SCHEMA extensions;
SQL
check "the platform's set-up runs" test $? = 0
got=$(psql "$super" -XAtc "select rolsuper || rolcreaterole::text || rolcreatedb::text from pg_roles where rolname = 'cca_migrator'")
check "the migrating login is neither superuser nor CREATEROLE nor CREATEDB ($got)" test "$got" = "falsefalsefalse"
export CCA_DATABASE_POOLED=false HOME=$dir XDG_STATE_HOME=$dir/state
unset CCA_USER CCA_CONFIG CCA_DATABASE_REPLICA_URL
as_migrator() { CCA_DATABASE_URL=$(db cca_migrator) ./cca "$@"; }

out=$(as_migrator migrate --no-roles 2>&1); rc=$?
check "--no-roles without the roles fails ($rc)" test "$rc" != 0
check "... listing the missing roles" grep -q "missing: role cca_learner (NOLOGIN); role cca_hr_manager" <<<"$out"
check "... and the grant the login needs" grep -q "GRANT cca_owner TO cca_migrator" <<<"$out"
check "... and saying how to make them" grep -q "assets/sql/roles.sql" <<<"$out"
check "... creating nothing" test "$(psql "$super" -XAtc "select count(*) from pg_roles where rolname like 'cca\_%' and rolname <> 'cca_super' and rolname <> 'cca_migrator'")" = 0

./cca migrate --print-roles-sql >"$dir/roles.sql"
check "--print-roles-sql prints assets/sql/roles.sql" cmp -s "$dir/roles.sql" assets/sql/roles.sql
psql "$(db cca_super)" -XqAt -v migrator=cca_migrator -f "$dir/roles.sql" >"$dir/roles.log" 2>&1
check "the operator's role script runs" test $? = 0

out=$(as_migrator migrate --no-roles 2>&1); rc=$?
echo "$out" | sed 's/^/# /' | tail -4
check "cca migrate --no-roles as the non-superuser succeeds ($rc)" test "$rc" = 0
check "... saying what it adapted (not a superuser)" grep -q "^notice   not a superuser" <<<"$out"
check "... (the vector extension's schema)" grep -q "^notice   the vector extension is in schema extensions" <<<"$out"
pending=$(as_migrator migrate --status 2>&1 | grep -c '^pending')
check "no migration is pending ($pending)" test "$pending" = 0
check "cca_owner was not altered (still NOLOGIN, no superuser)" \
    test "$(psql "$super" -XAtc "select rolcanlogin || rolsuper::text from pg_roles where rolname = 'cca_owner'")" = falsefalse
check "the full-text operator is not LEAKPROOF (a non-superuser may not)" \
    test "$(psql "$(db cca_super)" -XAtc "select proleakproof from pg_proc where proname = 'cca_ts_match'")" = f
plan=$(psql "$(db cca_super)" -XAtc "set enable_seqscan = off; explain select id from content_passages where tsv operator(public.@@) to_tsquery('simple', 'database')")
check "... yet the operator still uses the GIN index (outside row-level security)" \
    grep -q "Index Scan on idx_content_passages_tsv" <<<"$plan"
out=$(as_migrator migrate --no-roles 2>&1)
check "running it again is a no-op" grep -q "up to date" <<<"$out"

out=$(as_migrator seed 2>&1)
check "the seed loads as the migrating login" grep -q "seed file(s)" <<<"$out"
alice=$(psql "$(db cca_super)" -XAtc "select db_role || ' ' || id from users where email = 'alice@example.com'")
arole=${alice%% *}; aid=${alice#* }
got=$(psql "$(db "$arole")" -XAtc "select count(distinct user_id) || ':' || min(user_id) from chat_messages")
check "the seeded learner sees only their own messages ($got)" test "$got" = "1:$aid"
got=$(psql "$(db "$arole")" -XAtc "select count(*) from users")
all=$(psql "$(db cca_super)" -XAtc "select count(*) from users")
check "... and not every user ($got of $all)" test "$got" -lt "$all"
out=$(psql "$(db "$arole")" -XAtc "insert into chat_messages (user_id, message) values ((select id from users where email = 'bob@example.com'), 'x')" 2>&1)
check "... and may not write as someone else" grep -q "row-level security\|permission denied" <<<"$out"
out=$(CCA_DATABASE_URL=$(db "$arole") ./cca search "database design" 2>&1)
check "the learner's retrieval works with the vector type in extensions" grep -q "Database Design" <<<"$out"
finish
