# Fault injection while asking: cca killed with SIGKILL right after Enter, and in the middle of
# a streamed answer. After a restart the question is never lost (stored, or offered back as
# the draft) and never stored twice.
fa_count() {
    psql "$E2E_DB_URL" -XAtq -c "SELECT count(*) FROM chat_messages m JOIN users u ON u.id = m.user_id WHERE u.email = 'alice@example.com' AND m.message = '$1'"
}
python3 -c 'print(" ".join("word%d" % i for i in range(1, 400)) + " [1]")' > "$E2E_DIR/slow_answer.txt"
fake_llm --answer-file "$E2E_DIR/slow_answer.txt" --rate 20
start_cca 100x30 "CCA_LLM_BASE_URL=$FAKE_URL"
type_text "How many days of annual leave do I get, asked before a kill?"
keys Enter
# Killed as soon as the question has left the input (Enter was read), before it can be stored.
wait_for '^  How many days of annual leave do I get, asked before a kill' 5 >/dev/null
kill -9 "$(cca_pid)"
wait_for 'EXITED 137' >/dev/null
E2E_KEEP_DRAFT=1
start_cca 100x30 "CCA_LLM_BASE_URL=$FAKE_URL"
check "fault: a question killed right after Enter is stored or offered back, never lost" \
    bash -c ". tests/tmux/lib.sh; $(declare -f fa_count); [ \"\$(fa_count 'How many days of annual leave do I get, asked before a kill?')\" = 1 ] || wait_for '› How many days of annual leave do I get, asked before a kill' 3"
check "fault: ... and never stored twice" bash -c "[ \"\$($(declare -f fa_count); fa_count 'How many days of annual leave do I get, asked before a kill?')\" -le 1 ]"
keys C-u
type_text "How many days of annual leave do I get, asked before a crash?"
keys Enter
check "fault: the answer starts streaming" wait_for 'word[0-9]+ word[0-9]+'
kill -9 "$(cca_pid)"
wait_for 'EXITED 137' >/dev/null
start_cca 100x30 "CCA_LLM_BASE_URL=$FAKE_URL"
check "fault: a question killed mid-stream is stored once" bash -c "[ \"\$($(declare -f fa_count); fa_count 'How many days of annual leave do I get, asked before a crash?')\" = 1 ]"
check "fault: ... and not offered back as a draft (it is stored)" wait_gone 'typing last time is back' 2
keys C-q
wait_for '^EXITED' >/dev/null
# The killed turn left its question 'pending'. Once it is clearly not running anywhere (its row
# untouched for 10 minutes: backdated here with triggers off), the next start marks it failed.
psql "$E2E_DB_URL" -XAtq -c "SET session_replication_role = replica; UPDATE chat_messages SET updated_at = now() - interval '1 hour' WHERE message = 'How many days of annual leave do I get, asked before a crash?' AND status = 'pending'" >/dev/null
start_cca 100x30 "CCA_LLM_BASE_URL=$FAKE_URL"
check "fault: the next start marks the interrupted question failed, with the reason" bash -c "for i in \$(seq 1 50); do psql \"\$E2E_DB_URL\" -XAtq -c \"SELECT status || ' ' || coalesce(error, '') FROM chat_messages WHERE message = 'How many days of annual leave do I get, asked before a crash?'\" | grep -q '^failed interrupted' && exit 0; sleep 0.1; done; exit 1"
keys C-q
wait_for '^EXITED' >/dev/null
E2E_KEEP_DRAFT=0
