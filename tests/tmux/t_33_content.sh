# The trainer's Content tab: erin edits her own item, saves it, and a learner's offline `cca ask`
# finds the new text at once (re-embedded in the background); a save after someone else's is
# refused with the conflict message; killing the app mid-edit loses nothing (the draft is
# offered back on the next open).
start_erin() {
    tm kill-server 2>/dev/null
    local i; for i in $(seq 1 100); do [ -S "$E2E_TMUX_SOCK" ] || break; sleep 0.02; done
    rm -f "$E2E_DIR/pid"
    mkdir -p "$E2E_DIR/state"
    tm new-session -d -x 130 -y 32 -s t \
        "cd '$E2E_ROOT' && env LANG=C.UTF-8 TERM=screen-256color XDG_STATE_HOME='$E2E_DIR/state' CCA_DATABASE_URL='$E2E_DB_URL' sh -c 'echo \$\$ > \"$E2E_DIR/pid\"; exec ./cca --user erin@example.com tui content'; echo \"EXITED \$?\"; sleep 600"
    wait_for 'Scrum Framework'
}
# moves the selection to the row whose title matches $1 (the list is sorted by title)
select_title() {
    local n
    n=$(screen | grep -E '^ *(✎ |! |  )*[A-Z]' | sed -n '/Title  /,$p' | grep -n -- "$1" | head -1 | cut -d: -f1)
    [ -n "$n" ] || return 1
    local k; for k in $(seq 3 "$n"); do keys Down; done  # line 1 is the header
}

start_erin
check "content: the tab lists content with owners and figures" wait_for 'Title +Type +Difficulty'
select_title 'Scrum Framework'
keys Enter
check "content: Enter opens erin's own item in the editor" wait_for 'Scrum Framework +line 1/'
type_text "Quokka sprints at Brightwater last exactly nine days. "
keys C-s
check "content: the save is acknowledged" wait_for 'Saved version [0-9]+'
check "content: the new passage is embedded in the background" wait_for 'every passage is embedded' 10
out=$(CCA_DATABASE_URL="$E2E_DB_URL" ./cca --user alice@example.com ask "How long do quokka sprints last?" 2>&1)
E2E_N=$((E2E_N + 1))
if grep -q 'nine days' <<<"$out" && grep -q 'Scrum Framework' <<<"$out"; then
    echo "ok $E2E_N - content: a learner's answer quotes the new text at once"
else
    echo "not ok $E2E_N - content: a learner's answer quotes the new text at once"
    printf '%s\n' "$out" | sed 's/^/# /' | head -20
    E2E_FAILED=$((E2E_FAILED + 1))
fi

# someone (erin in another session) saves first
v=$(psql "$E2E_DB_URL" -Atq -c "SELECT version FROM learning_content WHERE id = 'content-scrum'")
psql "$E2E_DB_URL" -Atq -c "SET ROLE cca_u_erin" -c "SELECT cca_content_save('content-scrum', $v, '{\"title\": \"Scrum Framework\", \"content_type\": \"tutorial\", \"body\": \"Changed elsewhere.\", \"passages\": [{\"body\": \"Changed elsewhere.\"}]}')" >/dev/null
type_text "More of mine. "
keys C-s
check "content: a second save is refused with the conflict message" wait_for 'Someone else saved first'
check "content: ... naming the other version and the choices" wait_for 'm keep mine'
keys c
check "content: c compares both versions side by side" wait_for 'Changed elsewhere'
keys m
check "content: m keeps mine, saved over theirs" wait_for 'Saved version [0-9]+'
check "content: ... and the stored text is mine" \
    sh -c "psql '$E2E_DB_URL' -Atq -c \"SELECT content FROM learning_content WHERE id = 'content-scrum'\" | grep -q 'More of mine'"

# crash mid-edit: the draft comes back
type_text "UNSAVED-WORDS "
sleep 1.6  # the draft is written a second after the last key
kill -9 "$(cca_pid)"
wait_for '^EXITED' >/dev/null
start_erin
select_title 'Scrum Framework'
keys Enter
check "content: after a crash the draft is offered back" wait_for 'Unsaved draft'
keys y
check "content: y restores the unsaved words" wait_for 'UNSAVED-WORDS'
check "content: the draft file is private (0600)" \
    sh -c "[ \"\$(stat -c %a '$E2E_DIR'/state/cca/content-drafts/*.md | sort -u)\" = 600 ]"
keys C-q
wait_for '^EXITED' >/dev/null
