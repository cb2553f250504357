# SIGTERM (and Ctrl-Z / fg) restore the terminal.
start_cca 100x30
kill -TERM "$(cca_pid)"
check "sigterm: exits cleanly" wait_for '^EXITED 0'
check "sigterm: the alternate screen is left" test "$(tm display -p -t t '#{alternate_on}')" = 0
