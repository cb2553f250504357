# Reindexing the sample knowledge base to another embedder and back: from the local embedder
# (1536 dimensions) to the fake server's (64), killed in the middle of a run and resumed;
# answers keep coming from the old index until the switch; doctor shows the state; then back to
# the local one, stopped once with --limit and resumed.
R_DIR="$E2E_DIR/x31"
rm -rf "$R_DIR"; mkdir -p "$R_DIR"; chmod 700 "$R_DIR"
# r_cca [VAR=value...] -- ARGS...: cca as the admin; output in $R_DIR/out and err.
r_cca() {
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    env CCA_DATABASE_URL="$E2E_DB_URL" "${envs[@]}" "${E2E_CCA:-./cca}" --user grace@example.com \
        "$@" > "$R_DIR/out" 2> "$R_DIR/err"
}
r_py() { python3 -c "import json,sys; d=json.load(open('$R_DIR/out')); sys.exit(0 if ($1) else 1)"; }
r_total=$(psql "$E2E_DB_URL" -XAtqc "select count(*) from content_passages")

# The fake embedder: request 1 answers (the first batch of 64), request 2 hangs until the
# client goes away, then every later one answers.
fake_llm --dim 64 --model fake-embed -r embed -r hang --log "$R_DIR/fake.log"
printf '[embeddings]\nprovider = openai\nbase_url = %s\nmodel = fake-embed\ndim = 64\nbatch_size = 64\n' \
    "$FAKE_URL" > "$R_DIR/fake.ini"
chmod 600 "$R_DIR/fake.ini"

t31_kill() {
    env CCA_DATABASE_URL="$E2E_DB_URL" CCA_CONFIG="$R_DIR/fake.ini" "${E2E_CCA:-./cca}" \
        --user grace@example.com reindex > "$R_DIR/killed.out" 2>&1 &
    local pid=$! i
    for i in $(seq 1 200); do
        r_cca -- reindex --status --json 2>/dev/null && r_py "d['active'] and d['done'] == 64" && break
        sleep 0.05
    done
    kill -9 "$pid"; wait "$pid" 2>/dev/null
    r_cca -- reindex --status --json &&
        r_py "d['active'] and d['model'] == 'fake-embed' and d['dim'] == 64 and d['done'] == 64 and d['total'] == $r_total and d['current_dim'] == 1536"
}
check "reindex: a run killed after its first batch keeps that batch (64 of $r_total)" t31_kill

t31_meanwhile() {
    r_cca -- doctor
    grep -q "reindex to fake-embed (64): 64 of $r_total passages" "$R_DIR/out" || return 1
    # The old configuration still answers from the old index.
    r_cca -- search "annual leave" --json &&
        r_py "len(d['results']) > 0 and any((r['scores'].get('vector') or 0) > 0 for r in d['results'])"
}
check "reindex: doctor shows the state, and the old index keeps answering meanwhile" t31_meanwhile

t31_resume() {
    r_cca CCA_CONFIG="$R_DIR/fake.ini" -- reindex --json &&
        r_py "d['ok'] and d['resumed'] and d['switched'] and d['passages'] == $r_total - 64 and d['previous_dim'] == 1536" || return 1
    [ "$(psql "$E2E_DB_URL" -XAtqc "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'content_passages'::regclass and attname = 'embedding'")" = "vector(64)" ] &&
        [ "$(psql "$E2E_DB_URL" -XAtqc "select value from cca_settings where key = 'embed_model'")" = fake-embed ]
}
check "reindex: run again, it resumes and switches: passages are vector(64) of fake-embed" t31_resume

t31_new_index() {
    r_cca CCA_CONFIG="$R_DIR/fake.ini" -- search "annual leave" --json --mode vector &&
        r_py "len(d['results']) > 0" || return 1
    r_cca CCA_CONFIG="$R_DIR/fake.ini" -- doctor && grep -q 'database and embedder agree: fake-embed, 64' "$R_DIR/out"
}
check "reindex: the new embedder searches the new index and doctor agrees" t31_new_index

# --if-needed (make run's setup runs it every time): nothing to do when the live index is the
# configured embedder's, and then no request reaches the embeddings endpoint.
t31_not_needed() {
    local before
    before=$(grep -c '^>>> ' "$R_DIR/fake.log")
    [ "$before" -gt 0 ] || return 1   # the log works: the reindex above went through it
    r_cca CCA_CONFIG="$R_DIR/fake.ini" -- reindex --if-needed &&
        grep -qx 'reindex not needed: the index already holds fake-embed (64)' "$R_DIR/out" || return 1
    r_cca CCA_CONFIG="$R_DIR/fake.ini" -- reindex --if-needed --json &&
        r_py "d['ok'] and not d['needed'] and d['current_model'] == 'fake-embed'" || return 1
    [ "$(grep -c '^>>> ' "$R_DIR/fake.log")" = "$before" ] &&
        [ "$(psql "$E2E_DB_URL" -XAtqc "select value from cca_settings where key = 'embed_model'")" = fake-embed ]
}
check "reindex --if-needed: the index already holds the configured model, nothing embedded, no request" t31_not_needed

t31_back() {
    r_cca -- reindex --if-needed --limit 100 && grep -q "stopped at 100 of $r_total" "$R_DIR/out" || return 1
    r_cca -- reindex --status && grep -q "reindex to cca-local-v2 (1536): 100 of $r_total passages" "$R_DIR/out" || return 1
    r_cca -- reindex && grep -q "^resumed: embedded $((r_total - 100)) passages" "$R_DIR/out" &&
        grep -q 'switched' "$R_DIR/out" || return 1
    r_cca -- search "How many days of annual leave do I get?" --json --mode vector &&
        r_py "'leave' in d['results'][0]['source_path']" || return 1
    r_cca -- reindex --if-needed && grep -q '^reindex not needed' "$R_DIR/out"
}
check "reindex: back to the local embedder (--if-needed), stopped once at 100 and resumed; vector search finds the leave policy; then not needed" t31_back
stop_fake_llm
