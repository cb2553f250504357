# Scroll a long answer: PgUp shows a "more" mark, Home (empty input) goes to the top, End back.
# A long answer that cites a passage (an online answer without a citation is refused).
python3 -c 'print(" ".join("tok%d" % i for i in range(1, 901)) + " [1]")' > "$E2E_DIR/long_answer.txt"
fake_llm --answer-file "$E2E_DIR/long_answer.txt"
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
