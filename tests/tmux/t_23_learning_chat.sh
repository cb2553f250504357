# The chat knows the learner: "what's my progress?" is answered from the asker's own record
# (cca_learning_summary through their own connection), cited as [1] "Your learning record",
# with their figures and never another learner's; in the TUI, o on that source opens Progress.
sql_as() { psql "$E2E_DB_URL" -XAtq -c "SET ROLE $1; $2" 2>/dev/null | tail -1; }
alice_pct=$(sql_as cca_u_alice "SELECT round((cca_learning_dashboard()->'summary'->>'overall_completion')::numeric)")
bob_pct=$(sql_as cca_u_bob "SELECT round((cca_learning_dashboard()->'summary'->>'overall_completion')::numeric)")
out=$(CCA_DATABASE_URL=$E2E_DB_URL ./cca --user alice@example.com ask --json "what's my progress?" 2>&1)
check "chat: the answer cites source [1] \"Your learning record\"" bash -c "printf '%s' \"\$1\" | grep -q '\"n\":1,\"content_id\":null,\"passage_id\":null,\"title\":\"Your learning record\"'" _ "$out"
check "chat: the record is alice's" bash -c "printf '%s' \"\$1\" | grep -q 'Learning summary of Alice Martin'" _ "$out"
check "chat: the answer has alice's overall completion ($alice_pct%)" bash -c "printf '%s' \"\$1\" | grep -q 'overall completion is $alice_pct% over'" _ "$out"
check "chat: nothing of bob's record is in alice's answer" bash -c "! printf '%s' \"\$1\" | grep -Eq 'Bob Chen|Learning summary of Bob'" _ "$out"
out_bob=$(CCA_DATABASE_URL=$E2E_DB_URL ./cca --user bob@example.com ask --json "what's my progress?" 2>&1)
check "chat: bob gets his own record ($bob_pct%), not alice's" bash -c "printf '%s' \"\$1\" | grep -q 'overall completion is $bob_pct% over' && printf '%s' \"\$1\" | grep -q 'Learning summary of Bob Chen' && ! printf '%s' \"\$1\" | grep -q 'Alice'" _ "$out_bob"
fail=$(CCA_DATABASE_URL=$E2E_DB_URL ./cca --user heidi@example.com ask "which assessments did I fail?" 2>&1)
check "chat: \"which assessments did I fail?\" names heidi's failed one" bash -c "printf '%s' \"\$1\" | grep -q 'Python Basics Assessment: 50, pass mark 70'" _ "$fail"
kb=$(CCA_DATABASE_URL=$E2E_DB_URL ./cca --user alice@example.com ask --json "How many days of annual leave do I get?" 2>&1)
check "chat: a knowledge-base question gets no learning record" bash -c "! printf '%s' \"\$1\" | grep -q 'Your learning record'" _ "$kb"
start_cca 100x30
type_text "what's my progress?"
keys Enter
check "tui chat: the answer comes from the learning record" wait_for 'from your learning record'
keys Tab
keys 1
check "tui chat: source [1] is the learning record" wait_for '\[1\] Your learning record'
keys o
check "tui chat: o on the record opens the Progress tab" wait_for 'Your progress · Alice Martin'
keys C-q
wait_for '^EXITED' >/dev/null
