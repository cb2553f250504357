# Outside the TUI too, hostile text never reaches the terminal: `cca ask | cat`, `cca
# llm-check` (the server's error), `cca user add` with an escape in the email, and the log
# file carry no ESC, BEL or C1 control; the log is created 0600, a shared log or config is
# refused with the fix, and a password in the LLM URL is refused without being echoed.
X_DIR="$E2E_DIR/x20"
rm -rf "$X_DIR"; mkdir -p "$X_DIR"
x_cca() {
    env XDG_STATE_HOME="$X_DIR/state" CCA_DATABASE_URL="$E2E_DB_URL" "$@" \
        "${E2E_CCA:-./cca}" --user alice@example.com "${X_ARGS[@]}"
}
# x_clean FILE...: true when the files hold no ESC, BEL or C1 control (as UTF-8 or raw).
x_clean() { ! LC_ALL=C grep -qaP '\x1b|\x07|\xc2[\x80-\x9f]|\x9b|\x9d' "$@"; }

fake_llm --answer 'Before \e]0;pwned\x07 middle \e[2J\e[31mred\e[0m \xc2\x9b31m c1 \xe2\x80\x8bzw \xe2\x80\xae bidi end'
printf '[general]\nlog_file = %s/cca.log\n' "$X_DIR" > "$X_DIR/config.ini"
chmod 600 "$X_DIR/config.ini"

x_ask() {
    X_ARGS=(ask "How many days of annual leave do I get?")
    x_cca CCA_CONFIG="$X_DIR/config.ini" CCA_LLM_BASE_URL="$FAKE_URL" \
        > "$X_DIR/ask.out" 2> "$X_DIR/ask.err" | cat
    grep -q 'Before' "$X_DIR/ask.out" && grep -q 'bidi end' "$X_DIR/ask.out" &&
        x_clean "$X_DIR/ask.out" "$X_DIR/ask.err"
}
check "cli escapes: cca ask through a pipe prints the answer without control sequences" x_ask
x_log() {
    [ "$(stat -c %a "$X_DIR/cca.log")" = 600 ] && x_clean "$X_DIR/cca.log"
}
check "cli escapes: the log file is created 0600 and holds no control sequence" x_log

fake_llm -r 'status=400,error=bad \e]0;pwned\x07key\e[2J \xc2\x9b6n here'
x_llm_check() {
    X_ARGS=(llm-check)
    x_cca CCA_LLM_BASE_URL="$FAKE_URL" > "$X_DIR/llm.out" 2> "$X_DIR/llm.err"
    [ $? -eq 1 ] && grep -q 'bad' "$X_DIR/llm.err" && grep -q 'here' "$X_DIR/llm.err" &&
        x_clean "$X_DIR/llm.out" "$X_DIR/llm.err"
}
check "cli escapes: cca llm-check shows the server's error without control sequences" x_llm_check

x_user_add() {
    X_ARGS=(user add "$(printf 'eve\033]0;pwned\007@example.com')" --name Eve --role learner)
    env XDG_STATE_HOME="$X_DIR/state" CCA_DATABASE_URL="$E2E_DB_URL" \
        "${E2E_CCA:-./cca}" --user grace@example.com "${X_ARGS[@]}" \
        > "$X_DIR/user.out" 2> "$X_DIR/user.err"
    [ $? -eq 2 ] && grep -q 'not an email address' "$X_DIR/user.err" &&
        x_clean "$X_DIR/user.out" "$X_DIR/user.err"
}
check "cli escapes: cca user add refuses an email with an escape, and says so cleanly" x_user_add
x_user_exists() {
    X_ARGS=(user add alice@example.com --name "$(printf 'Al\342\200\256ice')" --role learner)
    env CCA_DATABASE_URL="$E2E_DB_URL" "${E2E_CCA:-./cca}" --user grace@example.com \
        "${X_ARGS[@]}" > "$X_DIR/user2.out" 2> "$X_DIR/user2.err"
    [ $? -eq 2 ] && x_clean "$X_DIR/user2.out" "$X_DIR/user2.err"
}
check "cli escapes: a bidi override in a new user's name is refused" x_user_exists

x_shared_log() {
    : > "$X_DIR/shared.log"; chmod 644 "$X_DIR/shared.log"
    printf '[general]\nlog_file = %s/shared.log\n' "$X_DIR" > "$X_DIR/c2.ini"
    X_ARGS=(unsent)
    x_cca CCA_CONFIG="$X_DIR/c2.ini" > /dev/null 2> "$X_DIR/log.err"
    grep -q "chmod 600 $X_DIR/shared.log" "$X_DIR/log.err" && [ ! -s "$X_DIR/shared.log" ]
}
check "cli log: a log file others can read is refused with the fix" x_shared_log

x_shared_config() {
    printf '[llm]\nbase_url = http://127.0.0.1:9/v1\n' > "$X_DIR/c3.ini"; chmod 666 "$X_DIR/c3.ini"
    X_ARGS=(llm-check)
    x_cca CCA_CONFIG="$X_DIR/c3.ini" CCA_LLM_API_KEY=sk-e2e-secret > /dev/null 2> "$X_DIR/c3.err"
    [ $? -eq 2 ] && grep -q 'chmod go-w' "$X_DIR/c3.err" && ! grep -q 'sk-e2e' "$X_DIR/c3.err"
}
check "cli config: a world-writable config that sets base_url is refused" x_shared_config

x_url_password() {
    X_ARGS=(llm-check)
    x_cca CCA_LLM_BASE_URL='http://me:s3cret@127.0.0.1:9/v1' > "$X_DIR/u.out" 2> "$X_DIR/u.err"
    [ $? -eq 2 ] && grep -q 'user name or password' "$X_DIR/u.err" &&
        ! grep -q 's3cret' "$X_DIR/u.out" "$X_DIR/u.err"
}
check "cli config: a password in the LLM URL is refused and never printed" x_url_password
