# Resize mid-stream to 60x20 and back: everything reflows; below 40x10 a notice says so.
fake_llm --tokens 300 --rate 25
start_cca 100x30 "CCA_LLM_BASE_URL=$FAKE_URL"
type_text "How many days of annual leave do I get?"
keys Enter
wait_for 'tok5 ' >/dev/null
tm resize-window -t t -x 60 -y 20
check "resize: 60x20 mid-stream shows the header" wait_for '^ CCA · Contextual'
check "resize: 60x20 keeps the input box and status" bash -c '. tests/tmux/lib.sh; wait_for "^── Answering" && wait_for "● database"'
check "resize: 60x20 text is rewrapped within 60 columns" bash -c '
    . tests/tmux/lib.sh; [ "$(screen | LC_ALL=C.UTF-8 wc -L)" -le 60 ] && screen | grep -Eq "^  tok[0-9]+ .*tok[0-9]+ *$"'
check "resize: streaming continues at 60x20" bash -c '. tests/tmux/lib.sh; n=$(screen | grep -o "tok[0-9]*" | tail -1); wait_gone "$n\$" 5; wait_for "tok[0-9]+" '
tm resize-window -t t -x 100 -y 30
check "resize: back at 100x30 the lines use the width again" wait_for '^  tok[0-9]+ .{70,}'
tm resize-window -t t -x 30 -y 8
check "resize: below the minimum it says how big it must be" wait_for 'CCA needs 40x10'
tm resize-window -t t -x 100 -y 30
check "resize: back from too small the screen returns" wait_for '^ CCA · Contextual'
keys Escape
keys C-q
wait_for '^EXITED' >/dev/null
