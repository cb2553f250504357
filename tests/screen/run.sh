#!/usr/bin/env bash
# run.sh: the headless screen tests (STYLE.md section 9 item 4). Every
# tests/screen/<screen>/<case>.keys runs `cca tui --headless --script` against one throwaway
# database, and each screen it saves (:save-screen NAME) is compared with the golden file
# tests/screen/<screen>/<case>.<NAME>.screen. Prints TAP; a failure shows the unified diff.
# UPDATE=1 rewrites the golden files instead (review the diff before committing).
#
# Header lines of a .keys file (all optional):
#   # user: bob@example.com      who runs it (default alice@example.com)
#   # size: 100x30               COLSxROWS (default 80x24)
#   # env: NAME=value            one variable per line; the value runs to the end of the line
#   # args: progress             words after `cca tui` (a screen name)
#   # llm: --answer "Hi [1]."    start the fake LLM server with these arguments (shell words)
#                                and point CCA_LLM_BASE_URL at it; without it: offline
#   # sql: UPDATE ...           SQL run as the superuser before the case (every line, in order);
#                                the database is shared: touch only what the case owns
# Script syntax: tui/script.h. Runs with CCA_FAKE_CLOCK=1, TERM=xterm-256color, LANG=C.UTF-8
# and nothing else of the caller's environment, so screens are the same on every machine.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
UPDATE=${UPDATE:-0}
CCA=${SCREEN_CCA:-./cca}
: "${CCA_FAKE_LLM:=build/debug/fake_llm_server}"
WORK=$(mktemp -d /tmp/cca-screen.XXXXXX)
N=0
FAILED=0
FAKE_PID=

stop_fake_llm() {
    if [ -n "$FAKE_PID" ]; then
        kill "$FAKE_PID" 2>/dev/null
        wait "$FAKE_PID" 2>/dev/null
        FAKE_PID=
    fi
}
cleanup() {
    stop_fake_llm
    scripts/pg.sh destroy "$WORK/pg" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; }
diag() { sed 's/^/# /'; }

if [ ! -x "$CCA" ]; then
    not_ok "build: $CCA is missing (make all)"
    echo "1..$N"
    exit 1
fi
if ! scripts/setup_db.sh "$WORK/pg" > "$WORK/setup.log" 2>&1; then
    not_ok "database setup (see below)"
    diag < "$WORK/setup.log"
    echo "1..$N"
    exit 1
fi
DB_URL=$(scripts/pg.sh url "$WORK/pg")

# fake_llm ARGS...: starts the fake OpenAI-compatible server; prints its base URL.
fake_llm() {
    "$ROOT/$CCA_FAKE_LLM" "$@" > "$WORK/fake.out" 2> "$WORK/fake.err" &
    FAKE_PID=$!
    local i
    for i in $(seq 1 200); do
        grep -q '^PORT ' "$WORK/fake.out" 2>/dev/null && break
        sleep 0.02
    done
    local port
    port=$(awk '/^PORT/{print $2}' "$WORK/fake.out")
    [ -n "$port" ] && FAKE_URL="http://127.0.0.1:$port/v1"
}

# cca_env VAR=value...: the one environment every run gets, plus the caller's additions.
cca_env() {
    env -i PATH="$PATH" HOME="$WORK/home" LANG=C.UTF-8 TERM=xterm-256color CCA_FAKE_CLOCK=1 \
        XDG_CONFIG_HOME="$WORK/home/.config" CCA_DATABASE_URL="$DB_URL" "$@"
}

header() { # header FILE NAME: the values of "# NAME:" lines, one per line
    sed -n "s/^# $2: *//p" "$1"
}

run_case() {
    local keys=$1
    local dir=${keys%/*}
    local screen=${dir##*/}
    local case_name=${keys##*/}
    case_name=${case_name%.keys}
    local id="$screen/$case_name"
    local out="$WORK/out/$screen/$case_name"
    mkdir -p "$out" "$WORK/state/$screen/$case_name" "$WORK/home"

    local user size cols rows args=() envs=() llm
    user=$(header "$keys" user | head -1)
    size=$(header "$keys" size | head -1)
    size=${size:-80x24}
    cols=${size%x*}
    rows=${size#*x}
    read -ra args <<< "$(header "$keys" args | head -1)"
    while IFS= read -r kv; do [ -n "$kv" ] && envs+=("$kv"); done < <(header "$keys" env)
    llm=$(header "$keys" llm | head -1)
    if [ -n "$llm" ]; then
        FAKE_URL=
        eval "fake_llm $llm"
        if [ -z "$FAKE_URL" ]; then
            not_ok "$id: the fake LLM server starts ($llm)"
            diag < "$WORK/fake.err"
            stop_fake_llm
            return
        fi
        envs=("CCA_LLM_BASE_URL=$FAKE_URL" "${envs[@]}")
    fi

    # "# sql:" lines: run as the superuser on the shared database before the case.
    local sql
    sql=$(header "$keys" sql)
    if [ -n "$sql" ] && ! psql "$DB_URL" -Atq -v ON_ERROR_STOP=1 -c "$sql" > "$out.sql.log" 2>&1
    then
        not_ok "$id: its '# sql:' lines run"
        diag < "$out.sql.log"
        return
    fi

    cca_env XDG_STATE_HOME="$WORK/state/$screen/$case_name" LINES="$rows" COLUMNS="$cols" \
        "${envs[@]}" "$CCA" --user "${user:-alice@example.com}" tui "${args[@]}" --headless \
        --script "$keys" --screen-dir "$out" > "$out.log" 2>&1
    local rc=$?
    stop_fake_llm
    if [ "$rc" -ne 0 ]; then
        not_ok "$id: the script runs to its end (exit $rc)"
        diag < "$out.log"
        return
    fi

    # The screens in the order the script saves them.
    local names
    names=$(sed -n 's/^:save-screen[[:space:]]\{1,\}\([^[:space:]]\{1,\}\).*/\1/p' "$keys")
    local name
    for name in $names; do
        local got="$out/$name.screen" golden="$dir/$case_name.$name.screen"
        if [ ! -f "$got" ]; then
            not_ok "$id: screen '$name' was saved"
            continue
        fi
        if [ "$UPDATE" = 1 ]; then
            if [ -f "$golden" ] && cmp -s "$got" "$golden"; then
                ok "$id: screen '$name' unchanged"
            else
                cp "$got" "$golden"
                ok "$id: screen '$name' written to $golden"
            fi
        elif [ ! -f "$golden" ]; then
            not_ok "$id: screen '$name' has a golden file (UPDATE=1 writes $golden)"
            diag < "$got"
        elif diff -u --label "$golden" --label "$id: screen '$name'" "$golden" "$got" \
                > "$out/$name.diff"; then
            ok "$id: screen '$name' matches"
        else
            not_ok "$id: screen '$name' matches"
            diag < "$out/$name.diff"
        fi
    done
    # Golden files no script line saves any more.
    local g
    for g in "$dir/$case_name".*.screen; do
        [ -f "$g" ] || continue
        name=${g#"$dir/$case_name."}
        name=${name%.screen}
        if ! grep -qx "$name" <<< "$names"; then
            if [ "$UPDATE" = 1 ]; then
                rm -f "$g"
                ok "$id: stale golden file $g removed"
            else
                not_ok "$id: golden file $g is saved by the script (UPDATE=1 removes it)"
            fi
        fi
    done
}

for keys in tests/screen/*/*.keys; do
    [ -f "$keys" ] || continue
    run_case "$keys"
done

# Screen names on the command line: an unknown one and one the user's role lacks exit 2.
cca_env XDG_STATE_HOME="$WORK/state" "$CCA" --user alice@example.com tui no-such-screen \
    --headless > "$WORK/unknown.log" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "no screen 'no-such-screen'" "$WORK/unknown.log"; then
    ok "args: an unknown screen name exits 2 and says so"
else
    not_ok "args: an unknown screen name exits 2 and says so (exit $rc)"
    diag < "$WORK/unknown.log"
fi
# The first registered screen a learner does not see (tui/screens.def), if there is one yet.
hidden=$(sed -n 's/^X(\([a-z_]*\),.*/\1 &/p' tui/screens.def |
         awk '!/SCREEN_ROLE_ANY/ && !/SCREEN_ROLE_LEARNER/ {print $1; exit}')
if [ -z "$hidden" ]; then
    ok "args: a screen a learner lacks exits 2 # SKIP every registered screen is for learners"
else
    cca_env XDG_STATE_HOME="$WORK/state" "$CCA" --user alice@example.com tui "$hidden" \
        --headless > "$WORK/role.log" 2>&1
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q "not for your role (learner)" "$WORK/role.log"; then
        ok "args: '$hidden', which a learner lacks, exits 2 and says so"
    else
        not_ok "args: '$hidden', which a learner lacks, exits 2 and says so (exit $rc)"
        diag < "$WORK/role.log"
    fi
fi

echo "1..$N"
[ "$FAILED" -eq 0 ]
