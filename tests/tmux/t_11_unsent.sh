# Nothing typed is lost: `cca ask` with the database down keeps the question in the unsent
# file; the TUI says so when the database comes back and Ctrl-R + Enter asks it; `cca unsent
# --send` asks what is left and empties the file. The database "comes back" by pointing a
# symlink (the socket folder in the conninfo) at the real socket folder.
U_STATE="$E2E_DIR/unsent-state"
U_FILE="$U_STATE/cca/unsent.jsonl"
U_LINK="$E2E_DIR/dblink"
U_SOCK=${E2E_DB_URL#host=}; U_SOCK=${U_SOCK%% *}
U_DOWN_URL="host=$E2E_DIR/nowhere dbname=cca user=cca_super"
U_LINK_URL="host=$U_LINK dbname=cca user=cca_super"
rm -rf "$U_STATE" "$U_LINK"

u_cca() { env XDG_STATE_HOME="$U_STATE" "${E2E_CCA:-./cca}" --user alice@example.com "$@"; }
u_records() { [ -s "$U_FILE" ] && grep -c . "$U_FILE" || echo 0; }

u_ask_down() {
    CCA_DATABASE_URL="$U_DOWN_URL" u_cca ask "$1" > "$E2E_DIR/u_ask.out" 2> "$E2E_DIR/u_ask.err"
    [ $? -eq 1 ] && grep -q 'kept in' "$E2E_DIR/u_ask.err"
}
check "unsent: cca ask with the database down fails and keeps the question" \
    u_ask_down "How many days of annual leave do I get?"
u_kept_one() { [ "$(u_records)" = 1 ] && grep -q '"question":"How many days of annual leave' "$U_FILE"; }
check "unsent: the file holds that one question" u_kept_one
u_list() { u_cca unsent | grep -q 'How many days of annual leave'; }
check "unsent: cca unsent lists it" u_list
u_send_down() { ! CCA_DATABASE_URL="$U_DOWN_URL" u_cca unsent --send >/dev/null 2>&1 && u_kept_one; }
check "unsent: --send with the database still down fails and keeps it" u_send_down

# The TUI starts with the database down, then it comes back.
ln -sfn "$E2E_DIR/nowhere" "$U_LINK"
E2E_DB_URL_SAVED=$E2E_DB_URL
E2E_DB_URL=$U_LINK_URL
start_cca 100x30 "XDG_STATE_HOME=$U_STATE"
check "unsent: the TUI opens with the database down" wait_for 'database down'
ln -sfn "$U_SOCK" "$U_LINK"
check "unsent: when the database is back the status bar counts the waiting question" \
    wait_for 'Database back · 1 unsent question: Ctrl-R or `cca unsent --send`'
keys C-r
check "unsent: Ctrl-R puts the kept question in the input" \
    wait_for '› How many days of annual leave do I get\?'
keys Enter
check "unsent: Enter answers it" wait_for 'offline answer'
u_empty() { [ "$(u_records)" = 0 ]; }
check "unsent: once stored it leaves the file" u_empty
keys C-q
wait_for '^EXITED' >/dev/null
E2E_DB_URL=$E2E_DB_URL_SAVED

# Two more questions while the database is down, then `cca unsent --send` with it up.
u_ask_down "Who approves business travel?" >/dev/null
u_ask_down "What should I do after a security incident?" >/dev/null
u_two() { [ "$(u_records)" = 2 ]; }
check "unsent: two more questions kept" u_two
u_send_up() {
    CCA_DATABASE_URL="$E2E_DB_URL" u_cca unsent --send > "$E2E_DIR/u_send.out" 2>&1 &&
        grep -q '^\[1/2\] Who approves business travel' "$E2E_DIR/u_send.out" &&
        grep -q 'Offline answer' "$E2E_DIR/u_send.out" &&
        grep -q 'Sent 2 of 2; nothing is left' "$E2E_DIR/u_send.out"
}
check "unsent: --send with the database up answers both" u_send_up
check "unsent: and empties the file" u_empty
u_stored() {
    psql "$E2E_DB_URL" -Atqc "select count(*) from chat_messages where status = 'answered'
        and message in ('Who approves business travel?',
                        'What should I do after a security incident?')" | grep -qx 2
}
check "unsent: both are stored as answered messages" u_stored
u_json_empty() { u_cca unsent --json | grep -q '"count":0'; }
check "unsent: cca unsent --json reports nothing left" u_json_empty
u_clear() {
    u_ask_down "One to discard" >/dev/null
    u_cca unsent --clear | grep -q 'Removed 1 record' && u_empty
}
check "unsent: --clear discards what is kept" u_clear
rm -f "$U_LINK"
