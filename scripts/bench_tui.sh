#!/usr/bin/env bash
# bench_tui.sh: speed of the full-screen assistant (issue 7), measured on the real ./cca in a
# private tmux server with CCA_BENCH_TRACE (the app logs its paint timings):
#   - first paint and first full paint (connected to the local database), from cmd_tui entry;
#   - resident memory after reopening a 100-message conversation;
#   - keystroke echo delay (stdin readable -> doupdate done) while an answer streams at
#     100 tokens/s from the fake LLM server.
# Aims: first paint < 100 ms, RSS < 20 MB, echo < 16 ms. Prints figures; never fails on them.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/cca-bench-tui.XXXXXX)
sock=$dir/tmux.sock
fake=${CCA_FAKE_LLM:-build/debug/fake_llm_server}
[ -x "$fake" ] || make --no-print-directory fakes >/dev/null
fake_pid=
cleanup() {
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
    tmux -S "$sock" kill-server 2>/dev/null
    scripts/pg.sh destroy "$dir/pg" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
tm() { tmux -S "$sock" -f /dev/null "$@"; }
wait_for() {
    local deadline=$(( $(date +%s) + ${2:-20} ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        tm capture-pane -p -t t | grep -Eq -- "$1" && return 0
        sleep 0.05
    done
    echo "bench_tui: timed out waiting for '$1'" >&2
    return 1
}
start() { # start TRACE [VAR=value...]
    local trace=$1; shift
    tm kill-server 2>/dev/null
    # A server that is still shutting down would take the new session with it.
    local i; for i in $(seq 1 100); do [ -S "$sock" ] || break; sleep 0.02; done
    local envs="LANG=C.UTF-8 TERM=screen-256color CCA_DATABASE_URL='$url' CCA_BENCH_TRACE='$trace'"
    for kv in "$@"; do envs="$envs '$kv'"; done
    tm new-session -d -x 100 -y 30 -s t \
        "env $envs sh -c 'echo \$\$ > \"$dir/pid\"; exec ${CCA_BIN:-./cca} --user alice@example.com'; sleep 600"
    wait_for 'F1 keys'
}
stats() { # p50 p95 max of numbers on stdin
    sort -n | awk '{a[NR]=$1} END { if (NR == 0) { print "n/a"; exit }
        printf "p50 %s  p95 %s  max %s  (n=%d)", a[int((NR+1)/2)], a[int(NR*0.95 + 0.999)], a[NR], NR }'
}

scripts/setup_db.sh "$dir/pg" >/dev/null || { echo "bench_tui: database setup failed"; exit 1; }
url=$(scripts/pg.sh url "$dir/pg")

# 1. First paint, five runs.
for i in 1 2 3 4 5; do
    start "$dir/paint.trace"
    tm send-keys -t t C-q
    sleep 0.2
done
echo "tui first paint (ms, from cmd_tui):      $(awk '/^first_paint_ms/{print $2}' "$dir/paint.trace" | stats)"
echo "tui first full paint, database connected: $(awk '/^ready_paint_ms/{print $2}' "$dir/paint.trace" | stats)"

# 2. RSS after reopening a conversation of 100 questions with their answers.
conv=$(CCA_DATABASE_URL=$url ./cca --user alice@example.com ask --json "How many days of annual leave do I get?" |
       sed -n 's/.*"conversation_id": *"\([^"]*\)".*/\1/p')
questions=("How do I report an incident?" "What laptop do I get?" "How are performance reviews done?"
           "What is the git workflow?" "How is personal data protected?")
for i in $(seq 2 100); do
    CCA_DATABASE_URL=$url ./cca --user alice@example.com ask --json --conversation "$conv" \
        "${questions[$((i % 5))]} ($i)" >/dev/null
done
start "$dir/rss.trace"
tm send-keys -t t F2
wait_for 'Past conversations'
tm send-keys -t t Enter
wait_for 'confidence [0-9.]+'
tm send-keys -t t PPage
sleep 0.3
rss=$(awk '/^VmRSS/{print $2}' "/proc/$(cat "$dir/pid")/status")
hwm=$(awk '/^VmHWM/{print $2}' "/proc/$(cat "$dir/pid")/status")
echo "tui RSS after a 100-message conversation: $((rss / 1024)) MB (peak $((hwm / 1024)) MB)"
tm send-keys -t t C-q
sleep 0.2

# 3. Keystroke echo while an answer streams at 100 tokens/s.
"$fake" --tokens 3000 --rate 100 > "$dir/fake.out" 2>/dev/null &
fake_pid=$!
for i in $(seq 1 100); do grep -q '^PORT' "$dir/fake.out" 2>/dev/null && break; sleep 0.02; done
port=$(awk '/^PORT/{print $2}' "$dir/fake.out")
start "$dir/echo.trace" "CCA_LLM_BASE_URL=http://127.0.0.1:$port/v1"
tm send-keys -t t -l "How many days of annual leave do I get?"
tm send-keys -t t Enter
wait_for 'tok20 '
: > "$dir/echo.trace"
for i in $(seq 1 60); do
    tm send-keys -t t -l "x"
    sleep 0.05
done
awk '/^echo_us/{printf "%.2f\n", $2 / 1000}' "$dir/echo.trace" > "$dir/echo.ms"
awk '/^paint_us/{printf "%.2f\n", $2 / 1000}' "$dir/echo.trace" > "$dir/paint.ms"
echo "tui keystroke echo at 100 tok/s (ms):    $(stats < "$dir/echo.ms")"
echo "tui paint time while streaming (ms):     $(stats < "$dir/paint.ms")"
tm send-keys -t t Escape
tm send-keys -t t C-q
