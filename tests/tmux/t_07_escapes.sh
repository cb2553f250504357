# Hostile answer text: escape sequences, controls and bidi overrides are shown harmlessly.
fake_llm --answer 'Before \e]0;pwned\a middle \e[2J\e[31mred\e[0m after \xe2\x80\xae bidi \x07 end [1]'
title_before=
start_cca 100x30 "CCA_LLM_BASE_URL=$FAKE_URL"
title_before=$(tm display -p -t t '#{pane_title}')
type_text "How many days of annual leave do I get?"
keys Enter
check "escapes: the answer text is shown without the sequences" wait_for 'Before +middle red after'
check "escapes: the header survived the clear-screen sequence" wait_for '^ CCA · Contextual'
check "escapes: the pane title was not changed" bash -c "[ \"\$(tmux -S '$E2E_TMUX_SOCK' display -p -t t '#{pane_title}')\" = '$title_before' ] && ! tmux -S '$E2E_TMUX_SOCK' display -p -t t '#{pane_title}' | grep -q pwned"
check "escapes: bidi override and BEL became U+FFFD" wait_for 'after � bidi � end'
keys C-q
wait_for '^EXITED' >/dev/null
