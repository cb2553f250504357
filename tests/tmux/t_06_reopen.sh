# Reopen a past conversation from the database (F2 / Ctrl-O).
start_cca 100x30
type_text "What is the policy for carrying over leave?"
keys Enter
wait_for 'offline answer' >/dev/null
keys C-n
check "new: Ctrl-N starts a new conversation" wait_for 'New conversation'
keys F2
check "reopen: F2 lists past conversations" wait_for 'Past conversations'
check "reopen: the list shows the question" wait_for 'carrying over leave'
keys Enter
check "reopen: Enter loads it from the database" wait_for 'Reopened: What is the policy for carrying over leave'
check "reopen: the stored answer is shown" wait_for 'confidence [0-9.]+'
check "reopen: the note counts the stored sources" wait_for 'confidence [0-9.]+ · [0-9]+ sources? \(F3\)'
keys F3
check "reopen: F3 lists the reopened answer's sources" wait_for '│ \[1\] .*[Ll]eave'
keys Tab 1
check "reopen: Tab then 1 opens the cited passage" wait_for '┌─ \[1\] .*[Ll]eave'
check "reopen: the passage text is the stored one" wait_for '│ .*carr(y|ied) over'
keys Escape
check "reopen: Esc closes the passage" wait_gone '┌─ \[1\] '
keys C-q
wait_for '^EXITED' >/dev/null
