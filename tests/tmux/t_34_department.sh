# The Department tab end to end as the HR manager of Engineering (carol): the headline, the
# People table, one person's detail (progress and results, never what they asked), the export
# key writing a CSV file (mode 0600) that holds what department_report_rows() returns in psql;
# `cca report department` gives the same rows and JSON, and the database's refusal of another
# department is printed as it is. A learner cannot open the tab.
T_DIR="$E2E_DIR/x34"
rm -rf "$T_DIR"; mkdir -p "$T_DIR"; chmod 700 "$T_DIR"

# t_start USER [ARGS...]: cca as USER in a fresh session "t" (110x32).
t34_start() {
    local user=$1; shift
    tm kill-server 2>/dev/null
    local i; for i in $(seq 1 100); do [ -S "$E2E_TMUX_SOCK" ] || break; sleep 0.02; done
    tm new-session -d -x 110 -y 32 -s t \
        "cd '$T_DIR' && env LANG=C.UTF-8 TERM=${E2E_TERM:-screen-256color} CCA_DATABASE_URL='$E2E_DB_URL' '$E2E_ROOT/${E2E_CCA:-./cca}' --user $user $*; echo \"EXITED \$?\"; sleep 600"
}

t34_start carol@example.com tui department
check "department: the HR manager's tab opens on Engineering's headline" \
    wait_for 'People +3 +0 +▲ 3'
check "department: figures over fewer than 5 people are hidden" wait_for 'Active learners +hidden'

keys Tab
check "department: Tab shows the People table" wait_for 'Alice Martin +learner +75 %'
keys Enter
check "department: Enter shows the person's progress and results" \
    wait_for 'passed +Python Basics Assessment 100'
t34_no_chat() {
    local q
    q=$(psql "$E2E_DB_URL" -XAtqc "select m.message from chat_messages m join users u on u.id = m.user_id
                                   where u.email = 'alice@example.com' order by m.created_at limit 1")
    [ -n "$q" ] && screen | grep -q 'questions asked in 30 days: [0-9]' && ! screen | grep -qF "${q:0:30}"
}
check "department: the person's questions are counted, never shown" t34_no_chat
keys Escape
wait_for 'Alice Martin +learner' >/dev/null

keys e
wait_for 'Export the report as CSV' >/dev/null
keys C-u; type_text "$T_DIR/engineering.csv"; keys Enter
check "department: e exports the report" wait_for 'Exported [0-9]+ rows to .*engineering.csv'

# The file against psql: the same rows in the same order but for the report's own timestamps
# (two calls, two times).
psql "$E2E_DB_URL" -XAq --csv -c "SET ROLE cca_u_carol; SELECT * FROM department_report_rows()" \
    > "$T_DIR/psql.csv"
t34_same_rows() { # FILE: the rows of FILE equal psql's, timestamps aside
    python3 - "$1" "$T_DIR/psql.csv" <<'EOF'
import csv, sys
def rows(path):
    with open(path, newline='') as f:
        r = list(csv.reader(f))
    assert r[0] == ['section', 'subject_id', 'subject', 'item_id', 'item', 'metric', 'value',
                    'previous'], r[0]
    return [x for x in r[1:]
            if not (x[0] == 'report' and x[5] in ('from', 'to', 'previous_from', 'generated_at'))]
mine, theirs = rows(sys.argv[1]), rows(sys.argv[2])
assert len(mine) > 50 and mine == theirs, (len(mine), len(theirs),
                                          [a for a, b in zip(mine, theirs) if a != b][:3])
assert any(x[0] == 'people' and x[2] == 'Alice Martin' and x[5] == 'progress' for x in mine)
EOF
}
t34_export_file() {
    [ "$(stat -c %a "$T_DIR/engineering.csv")" = 600 ] && t34_same_rows "$T_DIR/engineering.csv" &&
        head -c 200 "$T_DIR/engineering.csv" | grep -q $'\r$'
}
check "department: the CSV (mode 0600, CRLF) holds department_report_rows() as psql shows it" \
    t34_export_file
keys C-q; wait_for '^EXITED' >/dev/null

t34_cli_csv() {
    (cd "$T_DIR" && CCA_DATABASE_URL="$E2E_DB_URL" "$E2E_ROOT/${E2E_CCA:-./cca}" \
        --user carol@example.com report department --csv cli.csv 2>/dev/null) &&
        [ "$(stat -c %a "$T_DIR/cli.csv")" = 600 ] && t34_same_rows "$T_DIR/cli.csv"
}
check "department: cca report department --csv writes the same rows" t34_cli_csv
t34_cli_json() {
    CCA_DATABASE_URL="$E2E_DB_URL" "$E2E_ROOT/${E2E_CCA:-./cca}" --user carol@example.com \
        report department --period quarter --json |
        python3 -c "import json, sys; d = json.load(sys.stdin); assert d['department'] == 'Engineering' and d['period'] == 'quarter' and len(d['people']) == 3"
}
check "department: cca report department --json prints the report" t34_cli_json
t34_cli_refused() {
    local out rc
    out=$(CCA_DATABASE_URL="$E2E_DB_URL" "$E2E_ROOT/${E2E_CCA:-./cca}" --user carol@example.com \
        report department --department Sales --json 2>&1)
    rc=$?
    [ "$rc" = 1 ] && grep -q 'an HR manager sees only their own department' <<<"$out"
}
check "department: another department is refused by the database, plainly" t34_cli_refused

t34_learner() {
    local out rc
    out=$(CCA_DATABASE_URL="$E2E_DB_URL" "$E2E_ROOT/${E2E_CCA:-./cca}" --user alice@example.com \
        tui department 2>&1 </dev/null)
    rc=$?
    [ "$rc" = 2 ] && grep -q 'not for your role (learner)' <<<"$out" &&
        ! CCA_DATABASE_URL="$E2E_DB_URL" "$E2E_ROOT/${E2E_CCA:-./cca}" --user alice@example.com \
            report department --json >/dev/null 2>&1
}
check "department: a learner gets exit 2 for the tab and no report" t34_learner
