# Queued questions are sent only as the person who asked: Alice's question kept while the
# database was down is skipped (and kept) by `cca --user bob unsent --send`, then sent by
# Alice. Unreadable lines are reported by number and kept; a symbolic link in place of the
# file is refused with the fix.
W_STATE="$E2E_DIR/w21"
W_FILE="$W_STATE/cca/unsent.jsonl"
rm -rf "$W_STATE"
W_DOWN_URL="host=$E2E_DIR/nowhere dbname=cca user=cca_super"
w_cca() {
    local who=$1 url=$2; shift 2
    env XDG_STATE_HOME="$W_STATE" CCA_DATABASE_URL="$url" "${E2E_CCA:-./cca}" --user "$who" "$@"
}
w_kept() {
    w_cca alice@example.com "$W_DOWN_URL" ask "What is Alice's private question?" \
        > /dev/null 2>&1
    grep -q '"user":"alice@example.com"' "$W_FILE"
}
check "unsent user: a question kept while the database is down records who asked" w_kept
w_bob() {
    w_cca bob@example.com "$E2E_DB_URL" unsent --send > "$E2E_DIR/w_bob.out" 2>&1
    [ $? -eq 1 ] && grep -q 'skipped, asked by alice@example.com, not by bob@example.com' \
        "$E2E_DIR/w_bob.out" && grep -q "Alice's private question" "$W_FILE"
}
check "unsent user: Bob's --send skips Alice's question and keeps it" w_bob
w_not_stored() {
    [ "$(psql "$E2E_DB_URL" -Atqc "select count(*) from chat_messages
        where message = 'What is Alice''s private question?'")" = 0 ]
}
check "unsent user: nothing was stored under anybody's account" w_not_stored
w_corrupt() {
    printf 'this line is not JSON\n' >> "$W_FILE"
    w_cca alice@example.com "$E2E_DB_URL" unsent > "$E2E_DIR/w_list.out" 2>&1 &&
        grep -q 'asked by alice@example.com' "$E2E_DIR/w_list.out" &&
        grep -q 'line 2 of .* is not a readable record; kept' "$E2E_DIR/w_list.out"
}
check "unsent user: an unreadable line is reported by its number" w_corrupt
w_alice() {
    w_cca alice@example.com "$E2E_DB_URL" unsent --send > "$E2E_DIR/w_alice.out" 2>&1
    grep -q 'Sent 1 of 1' "$E2E_DIR/w_alice.out" &&
        [ "$(cat "$W_FILE")" = 'this line is not JSON' ] &&
        [ "$(psql "$E2E_DB_URL" -Atqc "select count(*) from chat_messages m join users u
            on u.id = m.user_id where m.message = 'What is Alice''s private question?'
            and u.email = 'alice@example.com'")" = 1 ]
}
check "unsent user: Alice sends it; it is stored as hers and the unreadable line stays" w_alice
w_link() {
    mv "$W_FILE" "$W_STATE/elsewhere"
    ln -s "$W_STATE/elsewhere" "$W_FILE"
    w_cca alice@example.com "$E2E_DB_URL" unsent > "$E2E_DIR/w_link.out" 2>&1
    [ $? -eq 1 ] && grep -q 'is a symbolic link' "$E2E_DIR/w_link.out" &&
        grep -q "rm $W_FILE" "$E2E_DIR/w_link.out"
}
check "unsent user: a symbolic link in place of the file is refused with the fix" w_link
rm -rf "$W_STATE"
