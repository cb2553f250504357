# Assessments: the deadline passes while no client runs; reopening CCA shows the result anyway
# (the server closes the attempt with the answers saved before). A 1-minute limit is shown in
# the warning colour; quitting during an attempt asks first.
as_sql() { psql "$E2E_DB_URL" -Atq -c "$1"; }
# The Assessments tab's Alt-number for a learner (its place among the learner's tabs).
as_tab=M-$(grep '^X(' tui/screens.def | grep -E 'SCREEN_ROLE_ANY|SCREEN_ROLE_LEARNER' |
           grep -n '^X(assessments,' | cut -d: -f1)
psql "$E2E_DB_URL" -q <<'SQL'
INSERT INTO assessments (id, title, description, difficulty, time_limit, passing_score,
                         max_attempts, review_policy, layout, questions)
VALUES ('assess-e2e-timeout', 'AAB Timeout Test', 'made by t_41', 'beginner', 1, 50, 1,
        'after_close', 'all_on_one', '[
  {"id": "q1", "question": "Pick B", "type": "multiple_choice", "options": ["A", "B"],
   "correct": 1, "explanation": "B."},
  {"id": "q2", "question": "Pick A", "type": "multiple_choice", "options": ["A", "B"],
   "correct": 0}]');
SQL
start_cca 100x30
keys "$as_tab"
check "timeout: the list shows the 1-minute assessment" wait_for 'AAB Timeout .*available .* 1 min'
# Down until it is selected (its description shows under the table).
for i in 1 2 3 4 5 6 7 8 9; do wait_for 'made by t_41' 1 && break; keys Down; done
check "timeout: selected" wait_for 'made by t_41'
keys Enter
check "timeout: the rules" wait_for 'Time limit: 1 minute'
keys Enter
check "timeout: all questions on one page" wait_for 'Question 2 of 2'
check "timeout: the countdown starts in the last minute" wait_for 'Time left (1:00|0:5[0-9])'
# The last minute is drawn in the warning colour (reverse video, bold).
as_warning_shown() {
    tm capture-pane -p -e -t t | grep -qP '\x1b\[(?:[0-9]+;)*7(?:;[0-9]+)*m(?:\x1b\[[0-9;]*m)*Last minute · Time left'
}
check "timeout: ... in the warning colour" as_warning_shown
keys 2
check "timeout: the answer is saved" wait_for 'Question 1 of 2 · saved'
keys C-q
check "timeout: quitting asks first" wait_for 'clock keeps running'
keys y
check "timeout: and quits" wait_for '^EXITED 0'
as_sql "UPDATE assessment_attempts SET started_at = clock_timestamp() - interval '10 minutes', deadline = clock_timestamp() - interval '9 minutes' WHERE assessment_id = 'assess-e2e-timeout' AND status = 'open'"
check "timeout: the attempt is still open on the server" test "$(as_sql "SELECT status FROM assessment_attempts WHERE assessment_id = 'assess-e2e-timeout'")" = "open"

start_cca 100x30
keys "$as_tab"
check "timeout: reopening shows the result" wait_for 'Result · AAB Timeout Test · attempt 1'
check "timeout: it says the time was up" wait_for 'submitted at its deadline'
check "timeout: scored with the saved answer" wait_for 'Score 50 % · passed'
check "timeout: the review as the policy allows" wait_for 'Why: B\.'
check "timeout: closed by the server" test "$(as_sql "SELECT status || ',' || closed_by || ',' || score FROM assessment_attempts WHERE assessment_id = 'assess-e2e-timeout'")" = "expired,timeout,50"
keys Escape
check "timeout: the list shows the attempt used" wait_for 'AAB Timeout .*passed .* 1 of 1 +0 +50 %'
keys C-q
wait_for '^EXITED' >/dev/null
