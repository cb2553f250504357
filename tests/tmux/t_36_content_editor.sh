# "Open in $EDITOR" (Alt-O in the Content tab's editor): the TUI leaves the full screen, the
# user's editor gets the terminal and a private copy of the text, and what it saved comes back
# as one change that Alt-U undoes; the file is removed and the screen is drawn again. An
# editor that fails or is not there leaves the text as it was and says why.
ED_DIR="$E2E_DIR/editors"
mkdir -p "$ED_DIR"
# appends a line, and notes whether it had the terminal and what file mode it was given
cat > "$ED_DIR/append.sh" <<'SH'
#!/bin/sh
[ -t 0 ] && [ -t 1 ] && echo tty > "$(dirname "$0")/had_tty"
stat -c %a "$1" > "$(dirname "$0")/mode"
printf 'APPENDED BY THE EDITOR\n' >> "$1"
SH
# changes the file, then fails: nothing may come back
cat > "$ED_DIR/fail.sh" <<'SH'
#!/bin/sh
printf 'SHOULD NOT APPEAR\n' >> "$1"
exit 3
SH
# stops itself as Ctrl-Z stops an editor, then appends a line once continued (SIGSTOP: the
# test's process group has no job-control shell, so a SIGTSTP would be discarded there)
cat > "$ED_DIR/suspend.sh" <<'SH'
#!/bin/sh
kill -STOP $$
printf 'WRITTEN AFTER FG\n' >> "$1"
SH
# saves without a change, but with the final newline editors add
cat > "$ED_DIR/eol.sh" <<'SH'
#!/bin/sh
[ -n "$(tail -c 1 "$1")" ] && printf '\n' >> "$1"
exit 0
SH
chmod +x "$ED_DIR/append.sh" "$ED_DIR/fail.sh" "$ED_DIR/suspend.sh" "$ED_DIR/eol.sh"

# start_erin_with EDITOR: erin's Content tab with that editor (VISUAL unset)
start_erin_with() {
    tm kill-server 2>/dev/null
    local i; for i in $(seq 1 100); do [ -S "$E2E_TMUX_SOCK" ] || break; sleep 0.02; done
    rm -f "$E2E_DIR/pid"
    rm -rf "$E2E_DIR/state36/cca/content-drafts" # a draft left by the last run is not ours
    mkdir -p "$E2E_DIR/state36"
    tm new-session -d -x 130 -y 32 -s t \
        "cd '$E2E_ROOT' && env -u VISUAL LANG=C.UTF-8 TERM=screen-256color EDITOR='$1' XDG_STATE_HOME='$E2E_DIR/state36' CCA_DATABASE_URL='$E2E_DB_URL' sh -c 'echo \$\$ > \"$E2E_DIR/pid\"; exec ./cca --user erin@example.com tui content'; echo \"EXITED \$?\"; sleep 600"
    wait_for 'Python Variables'
}
# opens erin's "Python Variables" (the list is sorted by title)
open_variables() {
    local n
    n=$(screen | sed -n '/Title  /,$p' | grep -n -- 'Python Variables' | head -1 | cut -d: -f1)
    [ -n "$n" ] || return 1
    local k; for k in $(seq 3 "$n"); do keys Down; done  # line 1 is the header
    keys Enter
    wait_for 'Python Variables +line 1/'
}

start_erin_with "$ED_DIR/append.sh"
check "editor: erin's item opens" open_variables
keys M-o
check "editor: Alt-O brings back what the editor saved" wait_for 'APPENDED BY THE EDITOR'
check "editor: ... said in the status line" wait_for 'The text from your editor is in'
check "editor: ... and the screen is the editor again (title, metadata)" \
    sh -c "tmux -u -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -Eq 'Python Variables \\* +line' && tmux -u -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -q 'Metadata'"
check "editor: the editor had the terminal" test -f "$ED_DIR/had_tty"
check "editor: ... and a private file (0600)" grep -qx 600 "$ED_DIR/mode"
check "editor: the file is removed afterwards" \
    sh -c "[ -z \"\$(ls -A '$E2E_DIR/state36/cca/edit' 2>/dev/null)\" ]"
keys M-u
check "editor: Alt-U undoes the whole change at once" wait_gone 'APPENDED BY THE EDITOR'
# the metadata form beside the text: a review date typed there is what the save stores
keys M-v
keys C-u
type_text "2031-01-15"
keys Enter
check "editor: the metadata form takes a review date (Alt-V, Enter)" wait_for 'Changed: Ctrl-S saves'
keys C-s
check "editor: ... and the save stores it" \
    sh -c "for i in \$(seq 1 100); do psql '$E2E_DB_URL' -Atqc \"SELECT review_by FROM learning_content WHERE id = 'content-python-variables'\" | grep -qx 2031-01-15 && exit 0; sleep 0.1; done; exit 1"
keys C-x
wait_for 'Title +Type' >/dev/null
keys C-q
wait_for '^EXITED' >/dev/null

start_erin_with "$ED_DIR/fail.sh"
open_variables >/dev/null
keys M-o
check "editor: a failing editor leaves the text as it was and says why" \
    wait_for 'Unchanged: the editor ended with an error'
check "editor: ... nothing of its file came back" sh -c "! tmux -u -S '$E2E_TMUX_SOCK' capture-pane -p -t t | grep -q 'SHOULD NOT APPEAR'"
keys C-q
wait_for '^EXITED' >/dev/null

start_erin_with "$ED_DIR/no-such-editor"
open_variables >/dev/null
keys M-o
check "editor: a missing editor is named as not found, with the command tried" \
    wait_for 'Unchanged: the editor was not found \(".*no-such-editor" exited with 127\)'
keys M-p
check "editor: ... and the TUI still answers keys" wait_for 'line 1/[0-9]+, col 1 +\[preview\]'

keys C-q
wait_for '^EXITED' >/dev/null

# Ctrl-Z in the editor: CCA stops with it (the shell's job control sees the job stopped) and
# both go on when the job is continued (fg sends SIGCONT to the process group).
start_erin_with "$ED_DIR/suspend.sh"
open_variables >/dev/null
keys M-o
check "editor: a suspended editor stops CCA too" \
    sh -c "for i in \$(seq 1 100); do ps -o stat= -p \$(cat '$E2E_DIR/pid') | grep -q T && exit 0; sleep 0.1; done; exit 1"
kill -CONT -- "-$(ps -o pgid= -p "$(cca_pid)" | tr -d ' ')"
check "editor: ... and after fg the editor's text comes back" wait_for 'WRITTEN AFTER FG'
keys C-q
wait_for '^EXITED' >/dev/null

start_erin_with "$ED_DIR/eol.sh"
open_variables >/dev/null
keys M-o
check "editor: saving without a change (only the editor's final newline) changes nothing" \
    wait_for 'No change made in your editor'
check "editor: ... the text is not marked changed" wait_for 'Python Variables +line 1/1,'
keys C-q
wait_for '^EXITED' >/dev/null
