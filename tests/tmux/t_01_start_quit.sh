# Start: header with the user, status with the database; Ctrl-Q leaves a clean terminal.
start_cca 100x30
check "start: header reads CCA with the user" wait_for '^ CCA .*Alice Martin · learner · Engineering'
check "start: status bar shows the database, the user and offline mode" wait_for '● database · alice@example.com .*offline'
check "start: the tab bar numbers the learner's screens" bash -c "tmux -S '$E2E_TMUX_SOCK' capture-pane -p -t t | sed -n 2p | grep -Eq '^  1 Chat   2 Progress   3 Recommended   4 Reader( |$)'"
keys C-q
check "quit: Ctrl-Q exits with status 0" wait_for '^EXITED 0'
check "quit: the alternate screen is left" test "$(tm display -p -t t '#{alternate_on}')" = 0
check "quit: the terminal is back in cooked mode (echo on)" bash -c "tmux -S '$E2E_TMUX_SOCK' send-keys -t t 'x'; sleep 0.2; tmux -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -q '^x'"
