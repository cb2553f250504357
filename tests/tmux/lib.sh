# lib.sh: helpers for the tmux end-to-end tests (sourced by run.sh). The real ./cca runs in a
# private tmux server (-S, -f /dev/null) at a fixed size; tests poll `capture-pane -p` for a
# pattern with a deadline instead of sleeping.

E2E_TMUX_SOCK=${E2E_TMUX_SOCK:-$E2E_DIR/tmux.sock}
E2E_TIMEOUT=${E2E_TIMEOUT:-20}
E2E_N=0
E2E_FAILED=0

tm() { tmux -u -S "$E2E_TMUX_SOCK" -f /dev/null "$@"; }

# start_cca COLSxROWS [VAR=value...]: runs cca in a fresh session "t"; its pid goes to $E2E_DIR/pid.
start_cca() {
    local size=$1; shift
    tm kill-server 2>/dev/null
    # A server that is still shutting down would take the new session with it.
    local i; for i in $(seq 1 100); do [ -S "$E2E_TMUX_SOCK" ] || break; sleep 0.02; done
    rm -f "$E2E_DIR/pid"
    # A question typed but unsent in one test would be offered back in the next one.
    [ "${E2E_KEEP_DRAFT:-0}" = 1 ] || rm -rf "${XDG_STATE_HOME:?}/cca/drafts"
    local envs="LANG=C.UTF-8 TERM=${E2E_TERM:-screen-256color} CCA_DATABASE_URL='$E2E_DB_URL'"
    for kv in "$@"; do envs="$envs '$kv'"; done
    tm new-session -d -x "${size%x*}" -y "${size#*x}" -s t \
        "cd '$E2E_ROOT' && env $envs sh -c 'echo \$\$ > \"$E2E_DIR/pid\"; exec ${E2E_CCA:-./cca} --user alice@example.com'; echo \"EXITED \$?\"; sleep 600"
    wait_for 'F1 keys' || return 1
}

cca_pid() { cat "$E2E_DIR/pid" 2>/dev/null; }
screen() { tm capture-pane -p -t t; }
keys() { tm send-keys -t t "$@"; }
# type_text TEXT: literal text (no key names).
type_text() { tm send-keys -t t -l "$1"; }

# wait_for REGEX [SECONDS]: polls the screen until it matches (grep -E); false at the deadline.
wait_for() {
    local re=$1 limit=${2:-$E2E_TIMEOUT}
    local deadline=$(( $(date +%s%N) + limit * 1000000000 ))
    while [ "$(date +%s%N)" -lt "$deadline" ]; do
        screen | grep -Eq -- "$re" && return 0
        sleep 0.05
    done
    return 1
}

# wait_gone REGEX [SECONDS]: polls until the screen no longer matches.
wait_gone() {
    local re=$1 limit=${2:-$E2E_TIMEOUT}
    local deadline=$(( $(date +%s%N) + limit * 1000000000 ))
    while [ "$(date +%s%N)" -lt "$deadline" ]; do
        screen | grep -Eq -- "$re" || return 0
        sleep 0.05
    done
    return 1
}

# check NAME COMMAND...: one TAP line; on failure the screen goes to the diagnostics.
check() {
    local name=$1; shift
    E2E_N=$((E2E_N + 1))
    if "$@"; then
        echo "ok $E2E_N - $name"
    else
        echo "not ok $E2E_N - $name"
        E2E_FAILED=$((E2E_FAILED + 1))
        screen 2>/dev/null | sed 's/^/# | /'
    fi
}

# fake_llm ARGS...: starts the fake OpenAI-compatible server; sets FAKE_URL and FAKE_PID.
fake_llm() {
    stop_fake_llm
    "$CCA_FAKE_LLM" "$@" > "$E2E_DIR/fake.out" 2>"$E2E_DIR/fake.err" &
    FAKE_PID=$!
    local i
    for i in $(seq 1 100); do
        grep -q '^PORT ' "$E2E_DIR/fake.out" 2>/dev/null && break
        sleep 0.02
    done
    FAKE_URL="http://127.0.0.1:$(awk '/^PORT/{print $2}' "$E2E_DIR/fake.out")/v1"
}

stop_fake_llm() {
    if [ -n "${FAKE_PID:-}" ]; then
        kill "$FAKE_PID" 2>/dev/null
        wait "$FAKE_PID" 2>/dev/null
        FAKE_PID=
    fi
}
