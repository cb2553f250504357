#!/usr/bin/env bash
# bench_admin.sh: the audit viewer on a big log, for `make bench`. Builds a throwaway cluster,
# migrates and seeds it, writes BENCH_AUDIT_ROWS (default 1,000,000) audit rows spread over two
# years (about 1% about or by alice), then, as the admin grace, follows the viewer's cursors
# page after page (50 rows a page) under each filter and prints p50 / p95 / max per page, and
# the plan of one page of each (auto_explain), which must be an index scan. A measurement,
# not a test: it fails only when the plumbing does. Target: <= 100 ms a page.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${BENCH_AUDIT_ROWS:-1000000}
pages=${BENCH_AUDIT_PAGES:-100}
[ -x ./cca ] || { echo "bench_admin: build ./cca first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/cca-bench-admin-XXXXXX)
cleanup() { scripts/pg.sh destroy "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

[ -x scripts/vector_ensure.sh ] && scripts/vector_ensure.sh >/dev/null
scripts/pg.sh start "$work/pg" >/dev/null
url=$(scripts/pg.sh url "$work/pg")
sock=${url#host=}; sock=${sock%% *}
createdb -h "$sock" -U cca_super cca
export CCA_DATABASE_URL="$url"
unset CCA_USER CCA_CONFIG
./cca migrate >/dev/null
./cca seed >/dev/null
psql_q() { psql "$url" -XAtq -v ON_ERROR_STOP=1 "$@"; }

start=$(date +%s.%N)
psql_q <<SQL
-- Written as the bootstrap superuser with triggers off (the stamp trigger would resolve the
-- same superuser a million times): the rows carry what the stamp would have put there.
SET session_replication_role = replica;
INSERT INTO audit_log (id, table_name, record_id, action, user_id, subject_id, actor_role,
                       session_role, changes, created_at)
SELECT gen_random_uuid()::text,
       (ARRAY['users', 'learning_progress', 'chat_messages', 'learning_content', 'skills',
              'courses', 'assessments', 'recommendations', 'cca_settings'])[1 + i % 9],
       'rec-' || (i % 50000),
       (ARRAY['update', 'update', 'update', 'insert', 'insert', 'delete', 'completed',
              'exported', 'user_added', 'role_changed'])[1 + (i / 7) % 10],
       CASE WHEN i % 200 = 0 THEN '00000000-0000-4000-8000-000000000001'
            ELSE 'bench-actor-' || (i % 300) END,
       CASE WHEN i % 200 = 100 THEN '00000000-0000-4000-8000-000000000001'
            ELSE 'bench-person-' || (i % 20000) END,
       'cca_u_bench_' || (i % 300), 'cca_u_bench_' || (i % 300),
       jsonb_build_object('old', jsonb_build_object('progress', i % 100),
                          'new', jsonb_build_object('progress', i % 100 + 1)),
       now() - (random() * interval '730 days')
FROM generate_series(1, $rows) AS i;
SET session_replication_role = origin;
VACUUM ANALYZE audit_log;
SQL
end=$(date +%s.%N)
printf 'audit_log: %s rows written and analysed in %.1f s\n' \
    "$(psql_q -c 'SELECT count(*) FROM audit_log')" "$(echo "$end - $start" | bc)"

psql_q <<'SQL'
CREATE SCHEMA bench;
GRANT USAGE ON SCHEMA bench TO PUBLIC;
-- Follows the cursor up to max_pages pages; the time of each page is the time of the one
-- function call the admin screen makes.
CREATE FUNCTION bench.walk(label text, max_pages int, source text, person text, tbl text,
                           act text, since timestamptz, until timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    cur text;
    t0 timestamptz;
    doc jsonb;
    times float8[] := '{}';
    n bigint := 0;
    r record;
BEGIN
    FOR i IN 1 .. max_pages LOOP
        t0 := clock_timestamp();
        doc := cca_admin_audit(source, person, tbl, act, since, until, cur, 50);
        times := times || extract(epoch FROM clock_timestamp() - t0)::float8 * 1000;
        n := n + jsonb_array_length(doc->'items');
        cur := doc->>'next';
        EXIT WHEN cur IS NULL;
    END LOOP;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY t) AS p95, max(t) AS mx
    INTO r FROM unnest(times) t;
    RETURN format('%-34s %4s pages %6s rows   p50 %s ms   p95 %s ms   max %s ms',
                  label, cardinality(times), n, to_char(r.p50, '990.00'),
                  to_char(r.p95, '990.00'), to_char(r.mx, '990.00'));
END
$$;
GRANT EXECUTE ON FUNCTION bench.walk(text, int, text, text, text, text, timestamptz,
                                     timestamptz) TO PUBLIC;
SQL

echo "audit viewer as the admin grace, 50 rows a page, following the cursor ($pages pages max):"
scenarios=(
    "newest first, no filter|audit|NULL|NULL|NULL|NULL|NULL"
    "person alice (by or about)|audit|'alice@example.com'|NULL|NULL|NULL|NULL"
    "table users|audit|NULL|'users'|NULL|NULL|NULL"
    "action delete|audit|NULL|NULL|'delete'|NULL|NULL"
    "period: 30 days a year ago|audit|NULL|NULL|NULL|now() - interval '395 days'|now() - interval '365 days'"
    "table users + action update|audit|NULL|'users'|'update'|NULL|NULL"
    "person alice + period 90 days|audit|'alice@example.com'|NULL|NULL|now() - interval '90 days'|NULL"
)
for s in "${scenarios[@]}"; do
    IFS='|' read -r label src person tbl act since until <<<"$s"
    psql_q -c "SET ROLE cca_u_grace" \
        -c "SELECT bench.walk('$label', $pages, '$src', $person, $tbl, $act, $since, $until)"
done

echo "plans (auto_explain of one page's query inside cca_admin_audit):"
for s in "${scenarios[@]}"; do
    IFS='|' read -r label src person tbl act since until <<<"$s"
    plan=$(psql "$url" -XAtq -c "LOAD 'auto_explain'" \
        -c "SET auto_explain.log_min_duration = 0" \
        -c "SET auto_explain.log_nested_statements = on" \
        -c "SET auto_explain.log_analyze = on" \
        -c "SET auto_explain.log_timing = off" \
        -c "SET client_min_messages = log" \
        -c "SET ROLE cca_u_grace" \
        -c "SELECT cca_admin_audit('$src', $person, $tbl, $act, $since, $until, NULL, 50) IS NOT NULL" \
        2>&1 | grep -E 'Index Scan|Index Only Scan|Seq Scan|Bitmap|Sort' \
             | grep -vE 'users|pg_|cca_settings' | sed -E 's/^ +//; s/ +\(.*//' | sort -u | paste -sd ';' -)
    printf '  %-34s %s\n' "$label" "${plan:-?}"
done
