# Restricted content end to end: canary files ingested with --audience (HR only, the
# Engineering department) and --draft (by the trainer erin) into the e2e database; then
# `cca search --json` and `cca ask --json` as each person return a canary's unique word
# exactly when that person is in its audience. Names are checked (an unknown role is a usage
# error, an unknown department is refused by the database), and re-ingesting without
# --audience keeps the restriction.
A_DIR="$E2E_DIR/aud"
rm -rf "$A_DIR"
mkdir -p "$A_DIR"
printf '# Salary bands\n\nThe zqcanaryhrx salary bands are reviewed every spring by HR.\n' \
    > "$A_DIR/hr.md"
printf '# Cluster runbook\n\nRestart the zqcanaryengx cluster before paging anyone.\n' \
    > "$A_DIR/eng.md"
printf '# Unfinished lesson\n\nThe zqcanarydraftx lesson is not ready for learners.\n' \
    > "$A_DIR/draft.md"
a_cca() {
    local who=$1; shift
    if [ "$who" = - ]; then
        env CCA_DATABASE_URL="$E2E_DB_URL" "${E2E_CCA:-./cca}" "$@"
    else
        env CCA_DATABASE_URL="$E2E_DB_URL" "${E2E_CCA:-./cca}" --user "$who" "$@"
    fi
}
a_ingest() {
    a_cca - ingest --audience role:hr_manager "$A_DIR/hr.md" > "$A_DIR/i1.out" 2>&1 &&
        a_cca - ingest --audience 'department:engineering' "$A_DIR/eng.md" \
            > "$A_DIR/i2.out" 2>&1 &&
        a_cca erin@example.com ingest --draft "$A_DIR/draft.md" > "$A_DIR/i3.out" 2>&1 &&
        [ "$(psql "$E2E_DB_URL" -Atqc "select string_agg(state || ' ' || array_to_string(audience, ','), '; ' order by title) from learning_content where source_path like '$A_DIR/%'")" = \
          "published department:Engineering; published role:hr_manager; draft " ]
}
check "audience: canaries ingested with --audience and --draft (department spelled as stored)" a_ingest
a_names() {
    a_cca - ingest --audience role:boss "$A_DIR/hr.md" > "$A_DIR/n1.out" 2>&1
    local rc1=$?
    a_cca - ingest --audience department:Nowhere "$A_DIR/hr.md" > "$A_DIR/n2.out" 2>&1
    [ $rc1 -eq 2 ] && grep -q "unknown role 'boss'" "$A_DIR/n1.out" &&
        grep -q 'skipped .*hr.md: not stored: unknown department "Nowhere"' "$A_DIR/n2.out" &&
        [ "$(psql "$E2E_DB_URL" -Atqc "select array_to_string(audience, ',') from learning_content where source_path = '$A_DIR/hr.md'")" = role:hr_manager ]
}
check "audience: an unknown role (usage error) or department (file skipped) is refused by name" a_names

# seen WHO: the canaries (hr eng draft) whose unique word shows in `cca search --json` (asked
# for the words) or `cca ask --json` (asked about each document without its word).
a_seen() {
    local who=$1 out="$A_DIR/seen.${1%@*}" k words=""
    a_cca "$who" search --json --limit 20 "zqcanaryhrx zqcanaryengx zqcanarydraftx" \
        | sed 's/"query":"[^"]*"//' > "$out" 2>&1
    a_cca "$who" ask --json "When are the salary bands reviewed?" >> "$out" 2>&1
    a_cca "$who" ask --json "Which cluster do I restart before paging anyone?" >> "$out" 2>&1
    a_cca "$who" ask --json "Which lesson is not ready for learners?" >> "$out" 2>&1
    for k in hr eng draft; do
        grep -q "zqcanary${k}x" "$out" && words="$words $k"
    done
    echo "${words# }"
}
a_expect() {
    local who=$1 want=$2 got
    got=$(a_seen "$who")
    [ "$got" = "$want" ] || { echo "# $who saw '$got', expected '$want'"; return 1; }
}
check "audience: bob (learner, Sales) finds no canary" a_expect bob@example.com ""
check "audience: alice (learner, Engineering) finds the runbook only" a_expect alice@example.com "eng"
check "audience: dave (HR, Sales) finds the HR document only" a_expect dave@example.com "hr"
check "audience: carol (HR, Engineering) finds both" a_expect carol@example.com "hr eng"
check "audience: erin finds her draft only" a_expect erin@example.com "draft"
check "audience: grace (admin) finds all three" a_expect grace@example.com "hr eng draft"
a_label() {
    a_cca carol@example.com ask --json "When are the salary bands reviewed?" > "$A_DIR/l.out" 2>&1 &&
        grep -q '"audience":"HR only"' "$A_DIR/l.out" &&
        a_cca carol@example.com search "zqcanaryengx" > "$A_DIR/l2.out" 2>&1 &&
        grep -q '\[Engineering only\]' "$A_DIR/l2.out"
}
check "audience: sources carry the label (HR only, Engineering only)" a_label
a_keep() {
    a_cca - ingest "$A_DIR/hr.md" > "$A_DIR/k.out" 2>&1 &&
        [ "$(a_seen bob@example.com)" = "" ] && [ "$(a_seen dave@example.com)" = "hr" ]
}
check "audience: re-ingesting without --audience keeps the restriction" a_keep
a_publish() {
    a_cca - ingest --audience everyone "$A_DIR/hr.md" > "$A_DIR/p.out" 2>&1 &&
        [ "$(a_seen bob@example.com)" = "hr" ]
}
check "audience: --audience everyone opens it to all" a_publish
psql "$E2E_DB_URL" -Atqc "delete from learning_content where source_path like '$A_DIR/%'" \
    > /dev/null 2>&1
rm -rf "$A_DIR"
