# Feedback on an answer: + marks it helpful, - asks why; both are stored with the answer, and
# the reason reaches the owner's Content tab feedback without the asker's name.
start_cca 100x30
type_text "How many days of annual leave do I get?"
keys Enter
wait_for 'confidence' >/dev/null
keys -
check "feedback: - asks why in the input" wait_for 'Why was the answer not helpful'
type_text "too vague about part-time staff"
keys Enter
check "feedback: the reason is stored (status bar)" wait_for 'feedback is stored'
check "feedback: it is in message_feedback for alice's last answer" bash -c "psql \"\$E2E_DB_URL\" -Atc \"SELECT count(*) FROM message_feedback f JOIN chat_messages m ON m.id = f.message_id JOIN users u ON u.id = m.user_id WHERE u.email = 'alice@example.com' AND NOT f.helpful AND f.reason = 'too vague about part-time staff'\" | grep -qx 1"
keys +
check "feedback: + replaces it with helpful" bash -c "sleep 0.5; psql \"\$E2E_DB_URL\" -Atc \"SELECT count(*) FROM message_feedback f JOIN chat_messages m ON m.id = f.message_id JOIN users u ON u.id = m.user_id WHERE u.email = 'alice@example.com' AND f.helpful\" | grep -qx 1"
keys C-q
wait_for '^EXITED' >/dev/null
