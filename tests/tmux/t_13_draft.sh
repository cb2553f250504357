# A typed but unsent question survives the terminal closing (SIGHUP) and a kill -9 after a
# pause in typing: it is offered back in the input on the next start.
start_cca 100x30
type_text "a question I was still typing"
sleep 1.5 # the draft is written a second after typing pauses
kill -9 "$(cca_pid)"
check "draft: after kill -9 cca is gone" wait_for 'EXITED 137'
E2E_KEEP_DRAFT=1
start_cca 100x30
check "draft: the next start offers the draft back" wait_for 'typing last time is back in the input'
check "draft: the text is in the input" wait_for '› a question I was still typing'
keys C-u
type_text "closed mid-sentence"
kill -HUP "$(cca_pid)"
check "draft: SIGHUP (terminal closed) ends cca" wait_for '^EXITED'
start_cca 100x30
check "draft: what was typed before the hang-up is back" wait_for '› closed mid-sentence'
keys C-u Enter
sleep 1.5
keys C-q
wait_for '^EXITED' >/dev/null
start_cca 100x30
check "draft: an emptied input leaves no draft behind" wait_gone 'typing last time is back' 1
keys C-q
wait_for '^EXITED' >/dev/null
E2E_KEEP_DRAFT=0
