# Streaming: tokens arrive incrementally; the input stays usable; Esc cancels and marks it.
fake_llm --tokens 400 --rate 25
start_cca 100x30 "CCA_LLM_BASE_URL=$FAKE_URL"
type_text "How many days of annual leave do I get?"
keys Enter
check "stream: the first tokens appear" wait_for 'tok3 '
check "stream: more tokens arrive later, not all at once" bash -c '
    . tests/tmux/lib.sh; wait_for "tok20 " && ! screen | grep -q "tok400"'
check "stream: the status bar shows elapsed time and tokens/s" wait_for 'answering [0-9.]+ s · [0-9]+ tok/s'
type_text "typed while streaming"
check "stream: the input stays usable" wait_for '› typed while streaming'
keys Escape
check "cancel: Esc stops the answer and marks it cancelled" wait_for '\[cancelled\] the partial answer above was kept'
check "cancel: the partial text stays" wait_for 'tok5 '
check "cancel: the typed text is still in the input" wait_for '› typed while streaming'
keys C-q
wait_for '^EXITED' >/dev/null
