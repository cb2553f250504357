# The admin commands as scripts use them: `cca user list/import/set-department/deactivate/
# reactivate`, `cca audit`, `cca gdpr export/erase` and `cca retention`, with their --json
# documents checked by python3, the export file's mode, the refusals (non-admins, an existing
# file, a mistyped erasure on a terminal). Only people this file creates are changed.
A_DIR="$E2E_DIR/x30"
rm -rf "$A_DIR"; mkdir -p "$A_DIR"; chmod 700 "$A_DIR"
# a_cca USER ARGS...: cca as USER; stdout to $A_DIR/out, stderr to $A_DIR/err; returns its status.
a_cca() {
    local user=$1; shift
    env CCA_DATABASE_URL="$E2E_DB_URL" "${E2E_CCA:-./cca}" --user "$user" "$@" \
        > "$A_DIR/out" 2> "$A_DIR/err"
}
admin() { a_cca grace@example.com "$@"; }
# py EXPR: evaluates EXPR with d = the JSON document in $A_DIR/out; true when it is truthy.
py() { python3 -c "import json,sys; d=json.load(open('$A_DIR/out')); sys.exit(0 if ($1) else 1)"; }
sock=${E2E_DB_URL#host=}; sock=${sock%% *}
# can_login ROLE: the login role may open a session of its own.
can_login() { psql -h "$sock" -U "$1" -d cca -XAtqc 'select 1' >/dev/null 2>&1; }

printf 'Email,Name,Role,Department\r\n"imp1@example.com","Ray, Imp",learner,Sales\r\nimp2@example.com,Imp Two,trainer,"Learning\r\nand Ops"\r\n' > "$A_DIR/people.csv"

t30_import_dry() {
    admin user import "$A_DIR/people.csv" --dry-run --json || return 1
    py "d['dry_run'] and not d['applied'] and d['counts']['added'] == 2 and d['counts']['errors'] == 0 and d['added'][0]['name'] == 'Ray, Imp' and d['added'][1]['department'] == 'Learning\r\nand Ops'" &&
        admin user list --search imp --json && py "d['users'] == []"
}
check "admin cli: import --dry-run shows two additions (quoted comma, CRLF inside quotes) and adds nobody" t30_import_dry

t30_import() {
    admin user import "$A_DIR/people.csv" && grep -q '^imported: 2 added, 0 changed' "$A_DIR/out" &&
        admin user list --search IMP --json &&
        py "sorted(u['email'] for u in d['users']) == ['imp1@example.com', 'imp2@example.com'] and all(u['active'] for u in d['users'])"
}
check "admin cli: import applies, and list --search finds both in any case" t30_import

t30_import_bad() {
    printf 'email,name\nimp3@example.com,"never closed\n' > "$A_DIR/bad.csv"
    admin user import "$A_DIR/bad.csv"; [ $? -eq 1 ] || return 1
    grep -q 'line 2: a quoted field is never closed' "$A_DIR/err" || return 1
    printf 'email,name,role\nimp3@example.com,Imp Three,wizard\nimp4@example.com,Imp Four,learner\n' > "$A_DIR/bad2.csv"
    admin user import "$A_DIR/bad2.csv"; [ $? -eq 1 ] || return 1
    grep -q 'error    line 2 imp3@example.com' "$A_DIR/out" && grep -q 'nothing was imported' "$A_DIR/out" &&
        admin user list --search imp4 --json && py "d['users'] == []"
}
check "admin cli: a malformed CSV names its line; a bad row imports nothing at all" t30_import_bad

t30_department() {
    admin user set-department imp1@example.com "Field Ops" --json &&
        py "d['department'] == 'Field Ops' and d['email'] == 'imp1@example.com'" &&
        admin user set-department imp1@example.com "" && grep -q 'no department' "$A_DIR/out"
}
check "admin cli: set-department sets and clears a department" t30_department

t30_deactivate() {
    local role
    role=$(psql "$E2E_DB_URL" -XAtqc "select db_role from users where email = 'imp1@example.com'")
    can_login "$role" || return 1
    admin user deactivate imp1@example.com && grep -q '^deactivated imp1@example.com' "$A_DIR/out" || return 1
    can_login "$role" && return 1
    admin user list --inactive --json && py "[u['email'] for u in d['users']] == ['imp1@example.com']" || return 1
    admin user reactivate imp1@example.com && can_login "$role"
}
check "admin cli: a deactivated person can no longer connect, is listed as inactive, and reactivates" t30_deactivate

t30_not_admin() {
    a_cca alice@example.com user deactivate imp2@example.com; [ $? -eq 1 ] || return 1
    grep -q 'only an admin' "$A_DIR/err" &&
        admin user list --search imp2 --json && py "d['users'][0]['active']"
}
check "admin cli: a learner cannot deactivate anyone" t30_not_admin

t30_audit() {
    admin audit --person imp1@example.com --json --limit 3 || return 1
    py "len(d['items']) == 3 and d['next'] is not None and [i['at'] for i in d['items']] == sorted([i['at'] for i in d['items']], reverse=True) and d['items'][0]['actor']['email'] == 'grace@example.com'" || return 1
    admin audit --person imp1@example.com --table users --action update --since 1h --json &&
        py "len(d['items']) >= 3 and all(i['action'] == 'update' and i['table'] == 'users' for i in d['items'])" || return 1
    admin audit --action imported --limit 5 && grep -q 'imported' "$A_DIR/out" &&
        admin audit --analytics --limit 2 --json && py "d['source'] == 'analytics' and len(d['items']) == 2"
}
check "admin cli: audit filters by person, table, action and period, newest first, with a cursor" t30_audit

t30_export() {
    admin gdpr export imp2@example.com --output "$A_DIR/imp2.json" || return 1
    [ "$(stat -c %a "$A_DIR/imp2.json")" = 600 ] &&
        python3 -c "import json; d=json.load(open('$A_DIR/imp2.json')); assert d['format'] == 'cca-export/1' and d['user']['email'] == 'imp2@example.com'" || return 1
    echo keep > "$A_DIR/taken.json"
    admin gdpr export imp2@example.com --output "$A_DIR/taken.json"; [ $? -eq 1 ] || return 1
    grep -q 'exists' "$A_DIR/err" && [ "$(cat "$A_DIR/taken.json")" = keep ] || return 1
    admin gdpr export imp2@example.com --output "$A_DIR/taken.json" --force &&
        [ "$(stat -c %a "$A_DIR/taken.json")" = 600 ] && grep -q imp2@example.com "$A_DIR/taken.json"
}
check "admin cli: gdpr export writes one JSON document 0600, refuses to overwrite without --force" t30_export

t30_export_me() {
    a_cca imp2@example.com gdpr export --me --output "$A_DIR/me.json" &&
        python3 -c "import json; d=json.load(open('$A_DIR/me.json')); assert d['user']['email'] == 'imp2@example.com'" || return 1
    a_cca imp2@example.com gdpr export alice@example.com --output "$A_DIR/other.json"
    [ $? -eq 1 ] && [ ! -e "$A_DIR/other.json" ]
}
check "admin cli: a person exports their own data (--me) but nobody else's" t30_export_me

t30_erase_tty() {
    # On a terminal the email must be typed back: a mistyped one erases nothing.
    tm kill-server 2>/dev/null
    # A server still shutting down would take the new session with it (as in start_cca).
    local i; for i in $(seq 1 100); do [ -S "$E2E_TMUX_SOCK" ] || break; sleep 0.02; done
    tm new-session -d -x 120 -y 20 -s t "cd '$E2E_ROOT' && env CCA_DATABASE_URL='$E2E_DB_URL' ${E2E_CCA:-./cca} --user grace@example.com gdpr erase imp2@example.com; echo \"EXITED \$?\"; sleep 600"
    wait_for 'Type the email to confirm' || return 1
    type_text "imp2@example.org"; keys Enter
    wait_for 'EXITED 1' && wait_for 'did not match' || return 1
    admin user list --search imp2 --json && py "len(d['users']) == 1"
}
check "admin cli: gdpr erase on a terminal refuses a mistyped confirmation" t30_erase_tty

t30_erase_script() {
    admin gdpr erase imp2@example.com < /dev/null; [ $? -eq 2 ] || return 1
    grep -q -- '--yes' "$A_DIR/err" || return 1
    admin gdpr erase imp2@example.com --yes --json &&
        py "d['erased'] == 'imp2@example.com' and isinstance(d['removed'], dict)" &&
        admin user list --all --search imp2 --json && py "d['users'] == []" &&
        [ "$(psql "$E2E_DB_URL" -XAtqc "select count(*) from audit_log where action = 'erased' and user_id = (select id from users where email = 'grace@example.com')")" -ge 1 ]
}
check "admin cli: erase without a terminal needs --yes; then the person is gone and a tombstone stays" t30_erase_script

t30_retention() {
    admin retention --dry-run --json &&
        py "d['dry_run'] is True and set(d['tables']) == {'chat_messages', 'conversations', 'analytics_events', 'audit_log'} and d['settings']['chat_days'] == 365" || return 1
    admin retention --set chat_days=3650 --set analytics_days=3650 --apply --json &&
        py "d['dry_run'] is False and d['settings']['chat_days'] == 3650" || return 1
    admin retention --set bogus=1; [ $? -eq 1 ] || return 1
    admin retention --set chat_days=365 --set analytics_days=180 &&
        admin audit --action retention --limit 1 --json && py "len(d['items']) == 1"
}
check "admin cli: retention dry run per table, settings, apply audited" t30_retention

# cca doctor names a prompt the assets folder lacks: here the Authoring tab's quiz prompt
# (a warning offline, where only the model's drafts need it).
t30_doctor_quiz_prompt() {
    rm -rf "$A_DIR/assets"; cp -r assets "$A_DIR/assets"; rm "$A_DIR/assets/prompts/quiz.txt"
    CCA_ASSETS_DIR="$A_DIR/assets" admin doctor
    grep -qE '^warn +assets +.*/prompts/quiz\.txt is missing or unreadable' "$A_DIR/out" &&
        { admin doctor; grep -qE '^ok +assets ' "$A_DIR/out"; }
}
check "admin cli: doctor names a missing quiz prompt, and is content with the full assets" t30_doctor_quiz_prompt
