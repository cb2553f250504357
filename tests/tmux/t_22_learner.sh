# The learner's tabs end to end, as ivan (a learner nothing else writes as): a recommendation
# opens in the reader and records the click, reading is marked complete, the Progress tab and
# the regenerated recommendations change, a dismissal sticks, and reading time counted in the
# reader reaches the database when the terminal closes (SIGHUP) between two heartbeats.
ivan_sql() { psql "$E2E_DB_URL" -XAtq -c "$1" 2>/dev/null; }
ivan_id=$(ivan_sql "SELECT id FROM users WHERE email = 'ivan@example.com'")
# start_cca acts as alice; ivan gets a session of his own.
tm kill-server 2>/dev/null
for i in $(seq 1 100); do [ -S "$E2E_TMUX_SOCK" ] || break; sleep 0.02; done
tm new-session -d -x 100 -y 30 -s t \
    "cd '$E2E_ROOT' && env LANG=C.UTF-8 TERM=screen-256color CCA_DATABASE_URL='$E2E_DB_URL' sh -c 'echo \$\$ > \"$E2E_DIR/pid\"; exec ./cca --user ivan@example.com'; echo \"EXITED \$?\"; sleep 600"
check "learner: starts as ivan" wait_for 'Ivan .* learner'
keys M-3
check "recommendations: the tab lists what the database generated, with reasons" wait_for 'Project Management Fundamentals · course'
check "recommendations: each with its reason in plain words" wait_for 'needs no prerequisites'
# Select the course (the item after the first) and open it.
for i in 1 2 3 4 5 6; do
    screen | grep -q '^▸Project Management Fundamentals · course' && break
    keys Down; sleep 0.2
done
keys Enter
check "recommendations: Enter opens the course's lesson in the reader" wait_for 'Project Planning Techniques  ·  Project Management Fundamentals, lesson 1 of 1'
check "recommendations: the click is recorded (cca_recommendation_open)" bash -c "[ \"\$(psql '$E2E_DB_URL' -XAtq -c \"SELECT count(*) FROM recommendations WHERE user_id = '$ivan_id' AND item_id = 'course-pm-fundamentals' AND clicked AND clicked_at IS NOT NULL\")\" -ge 1 ]"
keys c
check "reader: c marks it complete" wait_for 'Marked complete'
check "reader: the completion is written through the learner's connection (trigger stamps completed_at)" bash -c "[ \"\$(psql '$E2E_DB_URL' -XAtq -c \"SELECT count(*) FROM learning_progress WHERE user_id = '$ivan_id' AND content_id = 'content-project-planning' AND progress = 100 AND completed_at IS NOT NULL\")\" = 1 ]"
keys M-2
check "progress: the course now counts as completed" wait_for 'Courses +1 completed · 0 in progress'
check "progress: and the overall completion moved" bash -c "tmux -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -q 'Overall completion' && ! tmux -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -Eq 'Overall completion .* 20 %'"
keys M-3
wait_for 'Recommended for you' >/dev/null
keys r
check "recommendations: r regenerates" wait_for 'Recommendations generated again'
check "recommendations: the completed course is no longer proposed" wait_gone 'Project Management Fundamentals · course' 5
keys Home
first=$(screen | sed -n 's/^▸\(.*\) · \(skill\|course\|content\).*/\1/p' | head -1)
keys d
check "recommendations: d dismisses the selected one" wait_for 'Dismissed "'"$first"'"'
keys r
wait_for 'Recommendations generated again' >/dev/null
check "recommendations: a dismissed item does not come back" bash -c "! tmux -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -q '^.$first · '"
# Reading time: the reader counts while it is visible and keys arrive; closing the terminal
# (SIGHUP) writes what the 15 s heartbeat has not.
before=$(ivan_sql "SELECT coalesce(sum(seconds), 0) FROM learning_time WHERE user_id = '$ivan_id'")
keys M-4
wait_for 'Project Planning Techniques' >/dev/null
for i in 1 2 3 4; do keys Down; sleep 1; done
tm kill-session -t t
for i in $(seq 1 100); do kill -0 "$(cca_pid)" 2>/dev/null || break; sleep 0.05; done
after=$(ivan_sql "SELECT coalesce(sum(seconds), 0) FROM learning_time WHERE user_id = '$ivan_id'")
check "reader: time read before the terminal closed is recorded ($before s -> $after s)" test "$after" -ge $((before + 3))
check "reader: and no more than the time the reader was visible" test "$after" -le $((before + 8))
