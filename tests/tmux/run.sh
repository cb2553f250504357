#!/usr/bin/env bash
# run.sh: end-to-end tests of the full-screen assistant: the real ./cca in a private tmux
# server against a throwaway database (scripts/setup_db.sh) and the fake LLM server
# ($CCA_FAKE_LLM). Prints TAP ("ok N - name", then the plan). Needs tmux, ./cca, PostgreSQL.
# E2E_ONLY="tests/tmux/t_35_authoring.sh ..." runs only those files (while working on them).
set -uo pipefail
cd "$(dirname "$0")/../.."
E2E_ROOT=$(pwd)
E2E_DIR=$(mktemp -d /tmp/cca-e2e.XXXXXX)
export E2E_ROOT E2E_DIR
# Questions kept while a test's database is down go here, never to the user's own file.
export XDG_STATE_HOME="$E2E_DIR/state"
: "${CCA_FAKE_LLM:=build/debug/fake_llm_server}"
CCA_FAKE_LLM=$(realpath "$CCA_FAKE_LLM")

cleanup() {
    stop_fake_llm
    tmux -S "$E2E_DIR/tmux.sock" kill-server 2>/dev/null
    scripts/pg.sh destroy "$E2E_DIR/pg" >/dev/null 2>&1
    rm -rf "$E2E_DIR"
}
trap cleanup EXIT

. tests/tmux/lib.sh

if ! scripts/setup_db.sh "$E2E_DIR/pg" > "$E2E_DIR/setup.log" 2>&1; then
    echo "not ok 1 - database setup (see below)"
    sed 's/^/# /' "$E2E_DIR/setup.log"
    echo "1..1"
    exit 1
fi
E2E_DB_URL=$(scripts/pg.sh url "$E2E_DIR/pg")
export E2E_DB_URL

for t in ${E2E_ONLY:-tests/tmux/t_*.sh}; do
    echo "# ${t##*/}"
    . "$t"
    stop_fake_llm
done
tm kill-server 2>/dev/null
echo "1..$E2E_N"
[ "$E2E_FAILED" -eq 0 ]
