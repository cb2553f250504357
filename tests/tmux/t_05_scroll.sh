# Scroll a long answer: PgUp shows a "more" mark, Home (empty input) goes to the top, End back.
fake_llm --tokens 900
start_cca 80x24 "CCA_LLM_BASE_URL=$FAKE_URL"
type_text "How many days of annual leave do I get?"
keys Enter
check "scroll: the long answer finishes" wait_for 'confidence'
keys PPage
check "scroll: PgUp leaves the bottom and marks what is below" wait_for '↓ [0-9]+ more'
keys Home
check "scroll: Home with an empty input shows the top" wait_for 'Welcome to CCA'
keys End
check "scroll: End returns to the newest line" bash -c '. tests/tmux/lib.sh; wait_gone "↓ [0-9]+ more" && wait_for "confidence"'
keys C-q
wait_for '^EXITED' >/dev/null
