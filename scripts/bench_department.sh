#!/usr/bin/env bash
# bench_department.sh: the Department tab and the knowledge-gap report (012) on a generated
# company. Not a test and not part of `make test`: prints figures and plans, asserts nothing.
#
# A throwaway cluster (scripts/pg.sh), `./cca migrate`, then a simple generator (the official
# one is someone else's): EMPLOYEES people in DEPARTMENTS departments, PROGRESS progress rows
# (spread evenly, a person's rows on distinct skills/courses of 60 + 60), MESSAGES chat
# messages over the last year (recent ones more frequent; 8% refused, confidence uniform in
# [0.3, 1] otherwise, so about a fifth are knowledge gaps; words drawn from a skewed vocabulary
# so that some topics have many askers and most have few), 10 assessment results per person,
# a timed-out attempt for 5% of them, mandatory courses. Triggers are off during the load
# (session_replication_role = replica: no audit rows, no analytics events).
#
# Then, as the HR manager of one department (a real login role: session_user is the HR
# manager) and as a trainer, RUNS timed calls of each read after 2 warm-up calls, timed on the
# server with clock_timestamp() (planning + execution, no network), printed as p50 / p95 in ms:
#   tab            department_overview(), a page of department_people() and the "needs
#                  attention" rows (department_people(attention_only => true))     (<= 300 ms)
#   filter:*       department_overview with another period, a course, a skill      (<= 150 ms)
#   gaps:*         knowledge_gaps() as the HR manager and as a trainer             (<= 500 ms)
# plus the knowledge-gap refresh (first, full; then incremental after 1,000 new messages), and
# the plans of the main calls (auto_explain of the statements inside the functions, written to
# build/results/bench_department_plans.txt; a summary is printed). Last, the Department tab in
# the real TUI as the HR manager (CCA_BENCH_TRACE, "tab_ready_ms department": from Alt-5 to the
# first paint with the overview, the people page and "needs attention" in), TUI_RUNS fresh
# starts (default 10), and the same for a trainer's knowledge-gap view.
#
# Environment: SCALE (default 1: 5,000 / 500,000 / 1,000,000) multiplies EMPLOYEES (5000),
# PROGRESS (500000), MESSAGES (1000000), which can also be set one by one; DEPARTMENTS (20);
# RUNS (20); TUI_RUNS (10); BENCH_DIR (default /tmp/cca-bench-dept); KEEP=1 keeps the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=${SCALE:-1}
scaled() { awk -v s="$scale" -v n="$1" 'BEGIN { printf "%d", n * s }'; }
employees=${EMPLOYEES:-$(scaled 5000)}
progress=${PROGRESS:-$(scaled 500000)}
messages=${MESSAGES:-$(scaled 1000000)}
departments=${DEPARTMENTS:-20}
runs=${RUNS:-20}
dir=${BENCH_DIR:-/tmp/cca-bench-dept}
keep=${KEEP:-0}
per_person=$(( (progress + employees - 1) / employees ))
[ "$per_person" -le 120 ] || { echo "bench_department: at most 120 progress rows per person" >&2; exit 2; }

[ -x ./cca ] || make -s -j2 all
scripts/vector_ensure.sh
scripts/pg.sh start "$dir"
cleanup() { if [ "$keep" != 1 ]; then scripts/pg.sh destroy "$dir"; fi; }
trap cleanup EXIT
url=$(scripts/pg.sh url "$dir")
sock=${url#host=}; sock=${sock%% *}
export PGHOST="$sock" PGDATABASE=cca PGOPTIONS="-c client_min_messages=warning"
psql -X -q -U cca_super -d postgres -c "DROP DATABASE IF EXISTS cca" -c "CREATE DATABASE cca"
CCA_DATABASE_URL=$url ./cca migrate >/dev/null
sq() { psql -X -q -v ON_ERROR_STOP=1 -At -U cca_super "$@"; }

echo "bench_department: $employees employees in $departments departments, $progress progress rows, $messages chat messages"
t0=$(date +%s.%N)
sq <<SQL
DO \$\$
BEGIN
    PERFORM cca_user_create('hr@bench.example', 'Bench HR', 'hr_manager', 'D01', 'cca_u_bench_hr');
    PERFORM cca_user_create('trainer@bench.example', 'Bench Trainer', 'trainer', 'Learning',
                            'cca_u_bench_trainer');
END
\$\$;
SET session_replication_role = replica;
INSERT INTO skills (id, name, description, category, level)
SELECT 'sk' || g, 'Skill ' || g, 'word' || g, (ARRAY['Technical', 'Management', 'Soft Skills'])[1 + g % 3],
       1 + g % 5
FROM generate_series(1, 60) g;
INSERT INTO courses (id, title, duration, difficulty)
SELECT 'co' || g, 'Course ' || g, 60 + (g * 37) % 600,
       (ARRAY['beginner', 'intermediate', 'advanced'])[1 + g % 3]
FROM generate_series(1, 60) g;
INSERT INTO assessments (id, title, passing_score, time_limit)
SELECT 'as' || g, 'Assessment ' || g, 70, 30 FROM generate_series(1, 20) g;
INSERT INTO learning_content (id, title, content, content_type)
SELECT 'lc' || g, 'Guide ' || g, 'About word' || g || ' and word' || (g * 7 % 3000) || ' and word'
       || (g * 13 % 3000), 'reference'
FROM generate_series(1, 2000) g;
INSERT INTO users (id, email, name, role, department, created_at)
SELECT 'u' || g, 'u' || g || '@bench.example', 'Person ' || g, 'learner',
       'D' || lpad((g % $departments)::text, 2, '0'), now() - random() * interval '1000 days'
FROM generate_series(1, $employees) g;
INSERT INTO learning_progress (id, user_id, skill_id, course_id, level, progress, started_at,
                               completed_at, updated_at)
SELECT 'lp' || u || '_' || i, 'u' || u,
       CASE WHEN x.it < 60 THEN 'sk' || (x.it + 1) END,
       CASE WHEN x.it >= 60 THEN 'co' || (x.it - 59) END,
       1 + (u + i) % 5, y.pr, y.st,
       CASE WHEN y.pr = 100 THEN least(now(), y.st + random() * interval '60 days') END,
       least(now(), y.st + random() * interval '90 days')
FROM generate_series(1, $employees) u
CROSS JOIN generate_series(1, $per_person) i
CROSS JOIN LATERAL (SELECT (i * 7 + u) % 120 AS it) x
CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.35 + 0 * u THEN 100
                                ELSE floor(random() * 100) END AS pr,
                           now() - random() * interval '730 days' AS st) y
WHERE (u - 1) * $per_person + i <= $progress;
INSERT INTO chat_messages (id, user_id, message, response, confidence, status, abstain,
                           created_at, updated_at)
SELECT 'm' || g, 'u' || (1 + floor(random() * $employees)::int), m.msg, 'an answer',
       CASE WHEN x.ab THEN 0 ELSE round((0.3 + 0.7 * random())::numeric, 2)::float8 END,
       'answered', x.ab, x.ts, x.ts
FROM generate_series(1, $messages) g
CROSS JOIN LATERAL (SELECT random() < 0.08 + 0 * g AS ab,
                           now() - (random() ^ 2) * interval '365 days' AS ts) x
CROSS JOIN LATERAL (SELECT 'How do I ' || string_agg('word' || floor(random() ^ 3 * 3000)::int, ' ')
                           AS msg
                    FROM generate_series(1, 3 + g % 4)) m;
INSERT INTO assessment_results (id, user_id, assessment_id, score, completed_at, time_taken)
SELECT 'r' || u || '_' || a, 'u' || u, 'as' || a, floor(random() * 101),
       now() - random() * interval '400 days', 300 + floor(random() * 1500)
FROM generate_series(1, $employees) u CROSS JOIN generate_series(1, 20) a
WHERE (u + a) % 2 = 0;
INSERT INTO assessment_attempts (user_id, assessment_id, started_at, deadline, submitted_at,
                                 status, result_id)
SELECT r.user_id, r.assessment_id, r.completed_at - interval '20 minutes',
       r.completed_at + interval '10 minutes', r.completed_at, 'submitted', r.id
FROM assessment_results r;
INSERT INTO assessment_attempts (user_id, assessment_id, started_at, deadline, status)
SELECT r.user_id, r.assessment_id, r.completed_at - interval '3 days',
       r.completed_at - interval '3 days' + interval '30 minutes', 'expired'
FROM assessment_results r WHERE random() < 0.05;
INSERT INTO course_requirements (course_id, department, due_at)
SELECT 'co' || g, NULL, now() - interval '10 days' FROM generate_series(1, 3) g;
INSERT INTO course_requirements (course_id, department, due_at)
SELECT 'co4', 'D' || lpad(g::text, 2, '0'), now() + interval '20 days'
FROM generate_series(0, $departments - 1) g;
SET session_replication_role = origin;
SQL
sq -c "VACUUM ANALYZE"
t1=$(date +%s.%N)
printf 'load: %.1f s; database %s\n' "$(echo "$t1 - $t0" | bc)" \
    "$(sq -c "SELECT pg_size_pretty(pg_database_size('cca'))")"
sq -c "SELECT 'rows: ' || (SELECT count(*) FROM users) || ' users, '
              || (SELECT count(*) FROM learning_progress) || ' progress, '
              || (SELECT count(*) FROM chat_messages) || ' messages, '
              || (SELECT count(*) FROM assessment_results) || ' results; HR department D01: '
              || (SELECT count(*) FROM users WHERE department = 'D01') || ' people'"

echo "knowledge-gap refresh, first (full):       $(sq -c "SELECT knowledge_gaps_refresh()")"
sq -c "INSERT INTO chat_messages (id, user_id, message, status, abstain, confidence)
       SELECT 'new' || g, 'u' || (1 + g % $employees), 'How do I word' || (g % 50) || ' word7',
              'answered', true, 0 FROM generate_series(1, 1000) g"
echo "knowledge-gap refresh, +1000 (incremental): $(sq -c "SELECT knowledge_gaps_refresh()")"
sq -c "VACUUM ANALYZE"

# timed calls: "name|plpgsql statement", each in its own session of the login role given. Wall
# clock per call on the server (clock_timestamp), and the backend's CPU time (utime + stime
# from /proc, read around the loop by psql's \!) divided by the number of calls: the machine is
# shared, and CPU time hardly grows when other processes compete for the cores.
tick_ms=$(( 1000 / $(getconf CLK_TCK) ))
timed() {
    local role=$1; shift
    local name sql cpu0 cpu1 out
    for call in "$@"; do
        name=${call%%|*}; sql=${call#*|}
        out=$(psql -X -q -v ON_ERROR_STOP=1 -At -F ' ' -U "$role" <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
CREATE TEMP TABLE bench_t (ms float8);
SELECT 1;
\! awk '{ print "cpu0", \$14 + \$15 }' /proc/\$BENCH_PID/stat
DO \$\$
DECLARE s timestamptz; i integer; j jsonb; n integer;
BEGIN
    FOR i IN 1..($runs + 2) LOOP
        s := clock_timestamp();
        $sql;
        IF i > 2 THEN
            INSERT INTO bench_t VALUES (extract(epoch FROM clock_timestamp() - s) * 1000);
        END IF;
    END LOOP;
END
\$\$;
\! awk '{ print "cpu1", \$14 + \$15 }' /proc/\$BENCH_PID/stat
SELECT 'ms', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 1) FROM bench_t;
SQL
)
        cpu0=$(awk '$1 == "cpu0" { print $2 }' <<<"$out")
        cpu1=$(awk '$1 == "cpu1" { print $2 }' <<<"$out")
        awk -v name="$name" -v c0="$cpu0" -v c1="$cpu1" -v n=$((runs + 2)) -v tick="$tick_ms" \
            '$1 == "ms" { printf "  %-36s p50 %7.1f  p95 %7.1f ms   cpu %6.1f ms/call\n",
                          name, $2, $3, (c1 - c0) * tick / n }' <<<"$out"
    done
}

echo
echo "as the HR manager of D01 (cca_u_bench_hr), $runs runs each:"
timed cca_u_bench_hr \
    "tab (overview, people page, attention)|j := department_overview(); SELECT count(*) INTO n FROM department_people(limit_count => 50); SELECT count(*) INTO n FROM department_people(attention_only => true)" \
    "overview 30d|j := department_overview()" \
    "people page (by name)|SELECT count(*) INTO n FROM department_people(limit_count => 50)" \
    "needs attention (people rows)|SELECT count(*) INTO n FROM department_people(attention_only => true)" \
    "people page (last activity, desc)|SELECT count(*) INTO n FROM department_people(sort_by => 'last_activity', descending => true, limit_count => 50)" \
    "people search|SELECT count(*) INTO n FROM department_people(search => 'person 12')" \
    "filter: period quarter|j := department_overview(NULL, 'quarter')" \
    "filter: period year|j := department_overview(NULL, 'year')" \
    "filter: course|j := department_overview(NULL, '30d', 'co5')" \
    "filter: skill|j := department_overview(NULL, '30d', NULL, 'sk7')" \
    "filter: course, people page|SELECT count(*) INTO n FROM department_people(course_id => 'co5', limit_count => 50)" \
    "person detail|j := department_person('u21')" \
    "export JSON (department_report)|j := department_report()" \
    "export CSV rows|SELECT count(*) INTO n FROM department_report_rows()" \
    "gaps: HR department, quarter|j := knowledge_gaps()" \
    "gaps: HR department, year|j := knowledge_gaps(NULL, 'year')"
echo "as a trainer (cca_u_bench_trainer):"
timed cca_u_bench_trainer \
    "gaps: company, quarter|j := knowledge_gaps()" \
    "gaps: company, year, 200 topics|j := knowledge_gaps(NULL, 'year', 200)" \
    "gaps: one department|j := knowledge_gaps('D03')"
echo "sizes: overview $(psql -X -At -U cca_u_bench_hr -c "SELECT pg_size_pretty(octet_length(department_overview()::text)::bigint)"),\
 gaps (company) $(psql -X -At -U cca_u_bench_trainer -c "SELECT pg_size_pretty(octet_length(knowledge_gaps()::text)::bigint)
     || ', ' || jsonb_array_length(knowledge_gaps()->'topics') || ' topics shown (quarter, limit 50)'")"

# plans: auto_explain of every statement inside the functions (loaded by the superuser, whose
# session then takes the HR manager's role: the identity check accepts a superuser's SET ROLE)
mkdir -p build/results
plans=build/results/bench_department_plans.txt
psql -X -q -U cca_super >/dev/null 2>"$plans" <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET client_min_messages = log;
SET ROLE cca_u_bench_hr;
SELECT department_overview() IS NOT NULL;
SELECT count(*) FROM department_people(limit_count => 50);
SELECT knowledge_gaps() IS NOT NULL;
SQL
echo
echo "plans: $plans ($(wc -l < "$plans") lines); the slowest nodes (> 5 ms) inside the functions:"
grep -E 'duration: |actual time' "$plans" \
    | perl -ne 'if (/duration: ([\d.]+) ms/) { print "  statement: $1 ms\n" if $1 > 5; next }
                print "    $_" if /actual time=[\d.]+\.\.(\d+\.\d+)/ && $1 > 5' | head -60

# The Department tab in the real TUI: a fresh start each run (the tab reads its data the first
# time it is shown), Alt-5 from the chat, until the tab has painted with every call answered.
tui_runs=${TUI_RUNS:-10}
tsock=$dir/tmux.sock
tmx() { tmux -S "$tsock" -f /dev/null "$@"; }
tui_wait() { # REGEX: polls the pane for up to 30 s
    local deadline=$(( $(date +%s) + 30 ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        tmx capture-pane -p -t t | grep -Eq -- "$1" && return 0
        sleep 0.05
    done
    return 1
}
tui_ready() { # TRACE N: waits up to 30 s for the Nth "tab_ready_ms department" line
    local deadline=$(( $(date +%s) + 30 ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        [ "$(grep -c '^tab_ready_ms department' "$1" 2>/dev/null)" -ge "$2" ] && return 0
        sleep 0.05
    done
    return 1
}
tui_tab() { # EMAIL LABEL: TUI_RUNS cold first paints of the Department tab
    local email=$1 label=$2 trace=$dir/tui-$1.trace i
    rm -f "$trace"
    for i in $(seq 1 "$tui_runs"); do
        tmx kill-server 2>/dev/null || true
        for _ in $(seq 1 100); do [ -S "$tsock" ] || break; sleep 0.02; done
        tmx new-session -d -x 110 -y 35 -s t \
            "env LANG=C.UTF-8 TERM=screen-256color CCA_DATABASE_URL='$url' CCA_BENCH_TRACE='$trace' ./cca --user $email; sleep 600"
        tui_wait 'F1 keys' || { echo "tui: the TUI did not start for $email"; return; }
        tmx send-keys -t t M-5
        tui_ready "$trace" "$i" || { echo "tui: the Department tab did not load for $email"; break; }
        sleep 0.2
        tmx send-keys -t t C-q
        sleep 0.2
    done
    tmx kill-server 2>/dev/null || true
    awk '/^tab_ready_ms department/{print $3}' "$trace" | sort -n | awk -v label="$label" '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "tui " label ": no samples"; exit }
            printf "tui: Alt-5 to the Department tab fully painted, %s (ms, %d cold starts): p50 %.1f  p95 %.1f  max %.1f\n",
                label, NR, v[int((NR - 1) * 0.50) + 1], v[int((NR - 1) * 0.95) + 1], v[NR]
        }'
}
echo
tui_tab hr@bench.example "HR manager (overview, people, attention; goal 300)"
tui_tab trainer@bench.example "trainer (knowledge gaps)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
