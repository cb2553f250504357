# The LLM server is down: a readable error, the question goes back into the input.
start_cca 100x30 "CCA_LLM_BASE_URL=http://127.0.0.1:9/v1"
type_text "How many days of annual leave do I get?"
keys Enter
check "llm down: a readable error says what to do" wait_for 'Could not reach the language model'
check "llm down: the question is back in the input" wait_for '› How many days of annual leave do I get\?'
check "llm down: the app keeps running" wait_for '● database'
keys C-q
wait_for '^EXITED' >/dev/null
