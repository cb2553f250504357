# Content past its review-by date: an answer that cites it says so in its sources, in the
# chat's sources panel (F3) and in `cca ask --json`; content that is not due says nothing.
psql "$E2E_DB_URL" -Atqc "UPDATE learning_content SET review_by = current_date - 1 WHERE id = 'content-python-variables'" >/dev/null
start_cca 130x32
type_text "How do I create a variable in Python?"
keys Enter
wait_for 'confidence' >/dev/null
keys F3
check "review: the sources panel marks the cited content past its review date" \
    wait_for '^.*│ +(cited|not cited) · [0-9.]+ +due for review'
check "review: ... the due source is Python Variables" \
    sh -c "tmux -u -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -A1 'Python Variables' | grep -q 'due for review'"
check "review: ... and no other source is marked" \
    sh -c "[ \"\$(tmux -u -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -c 'due for review')\" = 1 ]"
keys C-q
wait_for '^EXITED' >/dev/null

json=$(CCA_DATABASE_URL="$E2E_DB_URL" ./cca --user alice@example.com ask --json "How do I create a variable in Python?" 2>/dev/null)
check "review: cca ask --json says due_for_review for that source only" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
due = [s["title"] for s in d["sources"] if s["due_for_review"]]
fresh = [s for s in d["sources"] if not s["due_for_review"]]
sys.exit(0 if due == ["Python Variables"] and fresh else 1)' "$json"
psql "$E2E_DB_URL" -Atqc "UPDATE learning_content SET review_by = NULL WHERE id = 'content-python-variables'" >/dev/null
json=$(CCA_DATABASE_URL="$E2E_DB_URL" ./cca --user alice@example.com ask --json "How do I create a variable in Python?" 2>/dev/null)
check "review: once it has no review date, nothing is due" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if d["sources"] and not any(s["due_for_review"] for s in d["sources"]) else 1)' "$json"
