# The trainer's Authoring tab: erin writes a new assessment with two questions in the real
# terminal and saves it (the answer keys land in the server-only table, not in the questions a
# learner can read); a save after someone else's is refused with the conflict message, and
# "keep mine" then saves over theirs; finally a learner finds the assessment in the
# Assessments tab and starts it. The assessment is removed at the end so later tests do not
# see it.
au_sql() { psql "$E2E_DB_URL" -Atq -c "$1"; }
au_id="SELECT id FROM assessments WHERE title LIKE 'ZZ Authored E2E%'"
start_erin_authoring() {
    tm kill-server 2>/dev/null
    local i; for i in $(seq 1 100); do [ -S "$E2E_TMUX_SOCK" ] || break; sleep 0.02; done
    rm -f "$E2E_DIR/pid"
    tm new-session -d -x 120 -y 32 -s t \
        "cd '$E2E_ROOT' && env LANG=C.UTF-8 TERM=screen-256color XDG_STATE_HOME='$E2E_DIR/state' CCA_DATABASE_URL='$E2E_DB_URL' sh -c 'echo \$\$ > \"$E2E_DIR/pid\"; exec ./cca --user erin@example.com tui authoring'; echo \"EXITED \$?\"; sleep 600"
    wait_for 'Title +Questions +Time'
}
# tabs N: presses Tab N times
tabs() { local k; for k in $(seq 1 "$1"); do keys Tab; done; }

start_erin_authoring
check "authoring: the tab lists the assessments with their settings" wait_for 'Scrum Essentials +4 +10 min'
keys n
check "authoring: n opens a new assessment" wait_for 'New assessment: \(untitled\)'
type_text "ZZ Authored E2E"
keys Tab
keys a
check "authoring: a opens the question dialog" wait_for 'Question 1 ─'
type_text "Which colour are fire exits marked with?"
keys Tab; type_text "Green"
keys Tab; type_text "Red"
tabs 5
keys Space
check "authoring: the correct option is chosen in the dialog" wait_for 'Correct +‹ A ›'
keys Enter
check "authoring: the question is in the list with its options" wait_for '1\. Which colour are fire exits marked with\?  \(2 options\)'
keys C-s
check "authoring: one question is enough to save" wait_for 'Saved: 1 question'
keys a
type_text "How often is the fire drill?"
keys Tab; type_text "Once a year"
keys Tab; type_text "Twice a year"
tabs 5
keys Right Right
keys Tab; type_text "Spring and autumn."
keys Enter
check "authoring: the second question is added" wait_for '2\. How often is the fire drill\?'
keys C-s
check "authoring: the save is acknowledged" wait_for 'Saved: 2 questions'
check "authoring: both answer keys are in the server-only table" \
    test "$(au_sql "SELECT string_agg(question_id || '=' || correct, ',' ORDER BY question_id) FROM assessment_keys WHERE assessment_id = ($au_id)")" = "q1=0,q2=1"
check "authoring: the questions learners can read carry no key" \
    test "$(au_sql "SELECT count(*) FROM assessments WHERE id = ($au_id) AND (questions::text LIKE '%correct%' OR questions::text LIKE '%Spring and autumn%')")" = 0

# erin, in another session, saves first
stamp=$(au_sql "SELECT updated_at FROM assessments WHERE id = ($au_id)")
id=$(au_sql "$au_id")
psql "$E2E_DB_URL" -Atq -c "SET ROLE cca_u_erin" -c "SELECT cca_assessment_authoring_save('$id', '$stamp', '{\"title\": \"ZZ Authored E2E (elsewhere)\", \"time_limit\": 20, \"questions\": [{\"id\": \"q1\", \"question\": \"Changed elsewhere?\", \"options\": [\"Yes\", \"No\"], \"correct\": 0}]}')" >/dev/null
keys Tab
keys End
type_text " v2"
keys C-s
check "authoring: a save after someone else's is refused with the conflict message" wait_for 'Someone else saved first'
check "authoring: ... saying what theirs is" wait_for 'Theirs: "ZZ Authored E2E \(elsewhere\)"'
keys c
check "authoring: c compares both versions" wait_for 'question 2: only in yours'
keys m
check "authoring: m keeps mine, saved over theirs" wait_for 'Saved: 2 questions'
check "authoring: ... and the stored assessment is mine" \
    test "$(au_sql "SELECT title || '|' || jsonb_array_length(questions) FROM assessments WHERE id = '$id'")" = "ZZ Authored E2E v2|2"
keys C-q
wait_for '^EXITED' >/dev/null

# a learner finds it and starts it
au_tab=M-$(grep '^X(' tui/screens.def | grep -E 'SCREEN_ROLE_ANY|SCREEN_ROLE_LEARNER' |
           grep -n '^X(assessments,' | cut -d: -f1)
start_cca 100x30
keys "$au_tab"
check "authoring: the learner's Assessments tab lists the new assessment" wait_for 'ZZ Authored.* +available'
keys End Enter
check "authoring: the learner can open its rules" wait_for 'Start now\? Enter or y starts the clock'
keys Enter
check "authoring: ... and start it: the first question is the trainer's" wait_for 'Which colour are fire exits marked with\?'
tm kill-server 2>/dev/null
au_sql "DELETE FROM assessments WHERE id = '$id'" >/dev/null
