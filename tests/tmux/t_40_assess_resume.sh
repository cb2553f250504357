# Assessments: every choice is saved as it is made; a client killed with SIGKILL resumes the
# same attempt (same deadline, same answers) on reopening; leaving asks first; an answer after
# the deadline is refused by the server and said plainly, then the result (with its review)
# follows; after a resize the countdown is re-read from the server, the last minute is
# announced, time runs out on screen and the result arrives.
as_sql() { psql "$E2E_DB_URL" -Atq -c "$1"; }
# The Assessments tab's Alt-number for a learner (its place among the learner's tabs).
as_tab=M-$(grep '^X(' tui/screens.def | grep -E 'SCREEN_ROLE_ANY|SCREEN_ROLE_LEARNER' |
           grep -n '^X(assessments,' | cut -d: -f1)
psql "$E2E_DB_URL" -q <<'SQL'
INSERT INTO assessments (id, title, description, difficulty, time_limit, passing_score,
                         max_attempts, review_policy, layout, questions)
VALUES ('assess-e2e-resume', 'AAA Resume Test', 'made by t_40', 'beginner', 10, 80, 2,
        'after_submit', 'one_per_page', '[
  {"id": "q1", "question": "Pick B", "type": "multiple_choice", "options": ["A", "B", "C"],
   "correct": 1, "explanation": "B it is."},
  {"id": "q2", "question": "Pick C", "type": "multiple_choice", "options": ["A", "B", "C"],
   "correct": 2},
  {"id": "q3", "question": "Pick A", "type": "multiple_choice", "options": ["A", "B", "C"],
   "correct": 0}]');
SQL
as_attempt="SELECT id FROM assessment_attempts WHERE assessment_id = 'assess-e2e-resume' AND status = 'open'"
as_answers() {
    as_sql "SELECT string_agg(s.question_id || '=' || coalesce(s.choice::text, '-') || ':' || s.flagged, ',' ORDER BY s.question_id) FROM assessment_answers s JOIN assessment_attempts t ON t.id = s.attempt_id WHERE t.assessment_id = 'assess-e2e-resume' AND t.attempt_no = $1"
}

start_cca 100x30
keys "$as_tab"
check "assess: the list shows the assessment with its figures" wait_for 'AAA Resume T[^ ]* +available .* 3 +10 min +80 % +0 of 2 +2 +-'
keys Enter
check "assess: the rules come first and ask to confirm" wait_for 'Start now\? Enter or y starts the clock'
check "assess: the rules say what happens at the end of time" wait_for 'answers saved by then'
keys Enter
check "assess: the first question with the countdown from the server" wait_for 'Time left (10:00|9:5[0-9])'
keys 2
check "assess: a choice is saved at once" wait_for 'Question 1 of 3 · saved'
keys n 3 f
check "assess: the second answer and its flag are saved" wait_for 'Question 2 of 3 · saved · flagged for review'
check "assess: the server holds both answers" test "$(as_answers 1)" = "q1=1:false,q2=2:true"
as_deadline=$(as_sql "SELECT deadline FROM assessment_attempts WHERE assessment_id = 'assess-e2e-resume'")
keys M-1
check "assess: leaving the tab asks first and says the clock keeps running" wait_for 'clock keeps running'
keys n
check "assess: answering no stays on the attempt" wait_for 'Question 2 of 3'
kill -9 "$(cca_pid)"
check "assess: the client is gone (SIGKILL)" wait_for 'EXITED 137'

start_cca 100x30
keys "$as_tab"
check "assess: reopening resumes the attempt with its answers" wait_for 'Attempt resumed: same deadline, 2 answers kept'
check "assess: on the first unanswered question" wait_for 'Question 3 of 3 · not answered'
keys p
check "assess: the flagged answer is back" wait_for 'Question 2 of 3 · saved · flagged for review'
check "assess: ... with its choice" wait_for '\((●|\*)\) 3 c\) C'
check "assess: the same attempt and deadline" test "$(as_sql "SELECT count(*) || ' ' || max(deadline) FROM assessment_attempts WHERE assessment_id = 'assess-e2e-resume'")" = "1 $as_deadline"

# The deadline (plus the 30 s grace) passes on the server while the client still counts down.
as_sql "UPDATE assessment_attempts SET deadline = clock_timestamp() - interval '2 minutes' WHERE id = ($as_attempt)"
keys 1
check "assess: an answer after the deadline is refused plainly" wait_for 'Time is up: the server no longer takes answers'
check "assess: then the result, closed at the deadline" wait_for 'submitted at its deadline'
check "assess: the score counts what was saved in time" wait_for 'Score 67 % · not passed \(pass mark 80 %\)'
check "assess: the review shows the correct answers and explanations" wait_for 'Why: B it is\.'
check "assess: the late answer did not replace the saved one" test "$(as_answers 1)" = "q1=1:false,q2=2:true"
check "assess: the server closed it by timeout" test "$(as_sql "SELECT status || ',' || closed_by FROM assessment_attempts WHERE assessment_id = 'assess-e2e-resume'")" = "expired,timeout"

# A second attempt, whose deadline the server moves.
keys Escape
check "assess: back on the list, the attempt counted" wait_for 'AAA Resume T[^ ]* +available .* 1 of 2 +1 +67 %'
keys Enter
check "assess: the rules of attempt 2" wait_for 'this is attempt 2 of 2'
keys y
check "assess: attempt 2 runs" wait_for 'attempt 2 of 2 +Time left (10:00|9:5[0-9])'
keys 1
check "assess: attempt 2 saves" wait_for 'Question 1 of 3 · saved'
# The deadline moves on the server (as after a suspend past it); a resize (SIGWINCH) makes the
# client read the state again. (tmux resumes a stopped pane at once, so SIGSTOP cannot be
# tested here; after a real Ctrl-Z the late tick does the same.)
as_sql "UPDATE assessment_attempts SET deadline = clock_timestamp() + interval '8 seconds' WHERE id = ($as_attempt)"
tm resize-window -t t -x 110 -y 30
check "assess: after a resize the countdown comes from the server" wait_for 'Time left 0:0[0-9]' 4
check "assess: the last minute is announced" wait_for '1 minute left' 4
check "assess: time runs out on screen" wait_for 'Time is up\. The server closes the attempt' 15
check "assess: the result follows once the server has closed it" wait_for 'Result · AAA Resume Test · attempt 2' 60
check "assess: with the answer saved in time" wait_for 'Score 0 % · not passed'
check "assess: attempt 2 closed by the server" test "$(as_sql "SELECT status || ',' || closed_by FROM assessment_attempts WHERE assessment_id = 'assess-e2e-resume' AND attempt_no = 2")" = "expired,timeout"
keys C-q
check "assess: quitting after the result does not ask" wait_for '^EXITED 0'
