# The Admin tab end to end: an admin adds a learner in the tab, the learner starts CCA and has
# the learner's tabs; the admin changes their role in the tab and on their next start the
# header shows the new role (the Department tab will appear once that screen exists). Also:
# the GDPR export from the tab (a file 0600), an erasure refused when the email is mistyped,
# the audit trail filtered by person, and a learner who cannot open the tab at all.
T_DIR="$E2E_DIR/x32"
rm -rf "$T_DIR"; mkdir -p "$T_DIR"; chmod 700 "$T_DIR"

# t_start USER [ARGS...]: cca as USER in a fresh session "t" (120x32).
t_start() {
    local user=$1; shift
    tm kill-server 2>/dev/null
    local i; for i in $(seq 1 100); do [ -S "$E2E_TMUX_SOCK" ] || break; sleep 0.02; done
    tm new-session -d -x 120 -y 32 -s t \
        "cd '$T_DIR' && env LANG=C.UTF-8 TERM=${E2E_TERM:-screen-256color} CCA_DATABASE_URL='$E2E_DB_URL' '$E2E_ROOT/${E2E_CCA:-./cca}' --user $user $*; echo \"EXITED \$?\"; sleep 600"
}

t_start grace@example.com tui admin
check "admin tab: an admin opens it on the people list" wait_for 'Grace Lee +grace@example.com +admin'
check "admin tab: the tab bar shows Admin" wait_for '[0-9] Admin'

keys a
wait_for 'Add a person' >/dev/null
type_text "tara@example.com"; keys Tab
type_text "Tara Lane"; keys Tab Tab
type_text "Support"; keys Enter
check "admin tab: a learner added in the form is listed" wait_for 'Tara Lane +tara@example.com +learner +Support +active'
keys C-q; wait_for '^EXITED' >/dev/null

t_start tara@example.com
check "admin tab: the new learner starts CCA as a learner" wait_for 'Tara Lane · learner'
t32_no_admin_tab() { wait_for '2 Progress' && ! screen | grep -q 'Admin'; }
check "admin tab: and has no Admin tab" t32_no_admin_tab
keys C-q; wait_for '^EXITED' >/dev/null

t_start grace@example.com tui admin
wait_for 'Tara Lane' >/dev/null
keys /
wait_for 'Find people' >/dev/null
type_text "tara"; keys Enter
check "admin tab: / finds the person by name or email" wait_for 'matching "tara": 1 of 1'
keys o
wait_for 'Role of tara@example.com' >/dev/null
keys Right Enter
check "admin tab: o changes the role (hr_manager)" wait_for 'Tara Lane +tara@example.com +hr_manager'

keys e
wait_for 'Export everything about tara@example.com' >/dev/null
keys C-u; type_text "$T_DIR/tara.json"; keys Enter
check "admin tab: e exports everything about the person" wait_for 'Exported tara@example.com'
t32_export_file() {
    [ "$(stat -c %a "$T_DIR/tara.json")" = 600 ] &&
        python3 -c "import json; d=json.load(open('$T_DIR/tara.json')); assert d['user']['email'] == 'tara@example.com' and d['user']['role'] == 'hr_manager'"
}
check "admin tab: the export is one JSON document, mode 0600" t32_export_file

keys E
wait_for 'ERASE tara@example.com' >/dev/null
type_text "tara@example.co"; keys Enter
check "admin tab: a mistyped erasure confirmation is refused in the form" wait_for 'Type the email exactly as shown'
keys Escape
t32_still_there() {
    [ "$(psql "$E2E_DB_URL" -XAtqc "select count(*) from users where email = 'tara@example.com'")" = 1 ]
}
check "admin tab: and nobody was erased" t32_still_there

keys Tab
wait_for 'Audit log, newest first' >/dev/null
keys f
wait_for 'Filter the audit trail' >/dev/null
keys Tab; type_text "tara@example.com"; keys Enter
check "admin tab: the audit trail filtered by person shows the role change by the admin" \
    wait_for 'role_changed +users +grace@example.com +tara@example.com'
keys Tab
check "admin tab: the retention section shows the settings and the index" \
    wait_for 'index: cca-local-v2 \(1536\)'
keys C-q; wait_for '^EXITED' >/dev/null

t_start tara@example.com
check "admin tab: on the next start the person's header shows the new role" wait_for 'Tara Lane · hr_manager'
keys C-q; wait_for '^EXITED' >/dev/null

t_start alice@example.com tui admin
check "admin tab: a learner cannot open it" wait_for 'EXITED [12]'
