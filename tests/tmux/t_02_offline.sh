# Offline (no LLM): an extractive answer, labelled offline, with citations and sources.
start_cca 100x30
type_text "How many days of annual leave do I get?"
keys Enter
check "offline: the answer arrives and is labelled offline" wait_for 'offline answer'
check "offline: the answer cites [n]" wait_for '\[1\]'
check "offline: the question was moved out of the input" wait_for '› Ask about policies'
keys F3
check "sources: F3 opens the panel with numbered sources" wait_for '│ \[1\] '
keys Tab 1
check "sources: Tab then 1 shows the cited passage" wait_for '┌─ \[1\] '
keys Escape
check "sources: Esc closes the passage" wait_gone '┌─ \[1\] '
keys Tab
check "sources: Tab goes back to the question" wait_gone 'Sources  \(↑↓ Enter: passage\)'
keys Tab
check "sources: Tab focuses the list" wait_for 'Sources  \(↑↓ Enter: passage\)'
keys Down Enter
check "sources: Enter on the list opens passage [2]" wait_for '┌─ \[2\] '
keys Escape
sleep 0.1
keys F1
check "help: F1 lists every key" wait_for 'Ctrl-Y +Copy the last answer'
keys Escape
check "help: Esc closes it" wait_gone 'Ctrl-Y +Copy the last answer'
keys C-q
wait_for '^EXITED' >/dev/null
