# A hung database (its backends stopped with SIGSTOP): a question is answered with a plain
# error within seconds, not a frozen screen, the question is kept, and CCA recovers once the
# server runs again.
start_cca 100x30
backends=$(psql "$E2E_DB_URL" -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = 'cca' AND pid <> pg_backend_pid()")
for p in $backends; do kill -STOP "$p"; done
type_text "Is the database hung?"
keys Enter
check "hung db: within seconds the chat says the database did not answer" wait_for 'did not answer|not reachable|database down' 12
check "hung db: the question is kept (in the input or the unsent file)" bash -c ". tests/tmux/lib.sh; wait_for '› Is the database hung\\?' 2 || grep -q 'Is the database hung' \"\$XDG_STATE_HOME/cca/unsent.jsonl\""
type_text " still typing"
check "hung db: keys echo while the server is stopped" wait_for 'still typing' 3
for p in $backends; do kill -CONT "$p"; done
check "hung db: CCA reconnects once the server runs again" wait_for '● database' 40
keys C-q
wait_for '^EXITED' >/dev/null
