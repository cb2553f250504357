#!/usr/bin/env bash
# bench_learning.sh: the learner's own screens (migration 011) on a company-sized database.
# Not a test: prints figures, asserts nothing. Part of `make bench`.
#
# A throwaway cluster (scripts/pg.sh start $BENCH_DIR), `cca migrate`, `cca seed`, then
# SELECT cca_seed_scale($SCALE): at SCALE=1 5,000 employees in 20 departments, 400 skills,
# 200 courses (1,000 lessons), ~500,000 learning_progress rows, ~290,000 learning_time rows,
# 15,000 assessment results, 1,000,000 chat messages. Then VACUUM ANALYZE.
#
# Timed as learners: pgbench connects as the generated login roles cca_u_scale_01 ..
# (LEARNERS of them, one after the other, one client each), so row-level security and the
# identity helpers run exactly as for a real learner. Each query runs QUERIES times per
# learner; p50/p95/max come from pgbench's per-transaction log: wall-clock latency seen by the
# client over the Unix socket, planning included (the first call of a connection compiles
# the plpgsql plans and is counted too).
#   dashboard        SELECT cca_learning_dashboard()          goal p50 <= 20 ms
#   recommendations  SELECT cca_recommendations(true)         goal <= 50 ms (regenerate,
#                    store through RLS, read back)
#   recs_read        SELECT cca_recommendations(false)        the tab without a refresh
#   reading          SELECT cca_record_reading(lesson, ...)   the reader's heartbeat (write)
#   summary          SELECT cca_learning_summary()            what the chat cites
# Then the Progress tab in the real TUI: ./cca as scale000001@scale.example.com in a private
# tmux server with CCA_BENCH_TRACE; Alt-2 (from the chat) TUI_SWITCHES times; the app logs
# "tab_ready_ms progress X", from the key's tab switch to the first paint with the dashboard
# in (the query runs on the loop, so this is key -> query -> parse -> full paint). Goal <= 100 ms.
# Then the plans: as cca_u_scale_01 (SET ROLE from the superuser's session, as `cca --user`
# does), auto_explain prints EXPLAIN (ANALYZE, BUFFERS) of every statement that
# cca_learning_dashboard() and cca_recommendations(true) run (the identity helpers' own
# one-row plans are left out). The load average is printed with the figures: on a shared
# machine other processes' CPU use shows up in every latency.
#
# Environment: SCALE (default 1), QUERIES (default 40), LEARNERS (default 5, at most 20),
# BENCH_DIR (default /tmp/cca-bench-learning), KEEP=1 keeps the cluster afterwards,
# TUI_SWITCHES (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."

scale=${SCALE:-1}
queries=${QUERIES:-40}
learners=${LEARNERS:-5}
dir=${BENCH_DIR:-/tmp/cca-bench-learning}
keep=${KEEP:-0}
case "$queries$learners" in *[!0-9]*) echo "bench_learning: QUERIES and LEARNERS are numbers" >&2; exit 2 ;; esac
[ "$learners" -ge 1 ] && [ "$learners" -le 20 ] || { echo "bench_learning: LEARNERS is 1..20" >&2; exit 2; }

pgbench=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pgbench" ] && { pgbench=$d/pgbench; break; }
done
[ -n "$pgbench" ] || pgbench=$(command -v pgbench || true)
[ -n "$pgbench" ] || { echo "bench_learning: pgbench not found (postgresql package)" >&2; exit 1; }
[ -x ./cca ] || make -s all >/dev/null

cleanup() { [ "$keep" = 1 ] || scripts/pg.sh destroy "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
scripts/vector_ensure.sh >/dev/null
scripts/pg.sh destroy "$dir" >/dev/null 2>&1 || true
scripts/pg.sh start "$dir"
url=$(scripts/pg.sh url "$dir")
sock=${url#host=}; sock=${sock%% *}
createdb -h "$sock" -U cca_super cca
export CCA_DATABASE_URL=$url
./cca migrate >/dev/null
./cca seed >/dev/null
psql_su() { psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -U cca_super -d cca "$@"; }

echo "bench_learning: generating the company, scale $scale"
start=$(date +%s%N)
./cca seed --scale "$scale"
psql_su -c "VACUUM ANALYZE"
awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "generate + vacuum analyze: %.1f s\n", (b - a) / 1e9 }'
psql_su -At -F ' ' -c "SELECT 'learning_progress', count(*) FROM learning_progress
                       UNION ALL SELECT 'chat_messages', count(*) FROM chat_messages
                       UNION ALL SELECT 'users', count(*) FROM users"

work=$dir/pgbench
mkdir -p "$work"
lesson=$(psql_su -At -c "SELECT content_id FROM course_contents WHERE course_id LIKE 'scale-%'
                          ORDER BY course_id, ordinal LIMIT 1")
declare -A sql=(
    [dashboard]="SELECT cca_learning_dashboard();"
    [recommendations]="SELECT cca_recommendations(true);"
    [recs_read]="SELECT cca_recommendations(false);"
    [reading]="SELECT cca_record_reading('$lesson', 100, 15);"
    [summary]="SELECT cca_learning_summary();"
)
echo
printf '%-16s %6s %9s %9s %9s   (ms, %s learners x %s calls, scale %s)\n' \
    query calls p50 p95 max "$learners" "$queries" "$scale"
for name in dashboard recommendations recs_read reading summary; do
    printf '%s\n' "${sql[$name]}" > "$work/$name.sql"
    rm -f "$work/$name".log*
    for i in $(seq 1 "$learners"); do
        role=$(printf 'cca_u_scale_%02d' "$i")
        (cd "$work" && "$pgbench" -n -h "$sock" -U "$role" -d cca -c 1 -t "$queries" \
            -f "$name.sql" -l --log-prefix="$name.log.$i" >/dev/null 2>"$name.err") || {
            echo "bench_learning: pgbench $name as $role failed:"; cat "$work/$name.err"; exit 1; }
    done
    cat "$work/$name".log.* | awk '{print $3 / 1000.0}' | sort -n | awk -v name="$name" '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print name ": no samples"; exit }
            p50 = v[int((NR - 1) * 0.50) + 1]; p95 = v[int((NR - 1) * 0.95) + 1]
            printf "%-16s %6d %9.2f %9.2f %9.2f\n", name, NR, p50, p95, v[NR]
        }'
done
echo "goals: dashboard p50 <= 20 ms; recommendations <= 50 ms; load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

# The Progress tab in the TUI, to a full paint.
switches=${TUI_SWITCHES:-20}
tsock=$dir/tmux.sock
trace=$dir/tui.trace
rm -f "$trace"
tmx() { tmux -S "$tsock" -f /dev/null "$@"; }
tmx kill-server 2>/dev/null || true
tmx new-session -d -x 100 -y 30 -s t \
    "env LANG=C.UTF-8 TERM=screen-256color CCA_DATABASE_URL='$url' CCA_BENCH_TRACE='$trace' ./cca --user scale000001@scale.example.com; sleep 600"
tui_wait() { # REGEX: polls the pane for up to 20 s
    local deadline=$(( $(date +%s) + 20 ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        tmx capture-pane -p -t t | grep -Eq -- "$1" && return 0
        sleep 0.05
    done
    return 1
}
if tui_wait 'F1 keys'; then
    for i in $(seq 1 "$switches"); do
        tmx send-keys -t t M-2
        tui_wait 'Overall completion' || break
        tmx send-keys -t t M-1
        tui_wait '› ' || break
        sleep 0.1
    done
    tmx send-keys -t t C-q
    sleep 0.3
    echo
    awk '/^tab_ready_ms progress/{print $3}' "$trace" | sort -n | awk -v n="$switches" '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "tui progress tab: no samples"; exit }
            printf "tui: Alt-2 to the Progress tab fully painted (ms, %d switches): p50 %.1f  p95 %.1f  max %.1f   (goal <= 100)\n",
                NR, v[int((NR - 1) * 0.50) + 1], v[int((NR - 1) * 0.95) + 1], v[NR]
        }'
else
    echo "tui: the TUI did not start (see $trace)"
fi
tmx kill-server 2>/dev/null || true

explain() {
    local title=$1 call=$2
    echo
    echo "== plans of $call as cca_u_scale_01 (auto_explain, every nested statement)"
    psql_su 2>&1 >/dev/null <<SQL | awk '
        function flush() { if (block != "" && block !~ /pg_catalog\.pg_roles r ON|cca_auth\.identity\(current_user|cca_auth\.uid\(\) IS NOT NULL/) printf "%s", block; block = "" }
        /^NOTICE:  duration/ { flush() }
        { block = block $0 "\n" }
        END { flush() }'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_level = notice;
SET ROLE cca_u_scale_01;
SET client_min_messages = warning;
SELECT $call;
SET client_min_messages = notice;
SELECT $call;
SQL
}
explain dashboard "cca_learning_dashboard()"
explain recommendations "cca_recommendations(true)"
