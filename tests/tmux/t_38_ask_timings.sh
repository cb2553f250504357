# `cca ask --json` says where the time went (timings_ms, issue 17's split of the wall clock):
# every part, in milliseconds; the ones that talk to the database took some time; the turn's
# parts fit in its processing_time_ms. And --user, now set in the connection's one set-up
# round trip, still refuses an unknown person and acts as a known one.
json=$(CCA_DATABASE_URL="$E2E_DB_URL" ./cca --user alice@example.com ask --json "How do I create a variable in Python?" 2>/dev/null)
check "timings: cca ask --json has timings_ms with every part, none negative" python3 -c '
import json, sys
t = json.loads(sys.argv[1])["timings_ms"]
keys = ["connect", "setup", "store_question", "embed", "word_stats", "vector", "full_text",
        "answer", "store_answer"]
sys.exit(0 if sorted(t) == sorted(keys) and all(isinstance(t[k], (int, float)) and t[k] >= 0
                                                 for k in keys) else 1)' "$json"
check "timings: ... the database round trips took time" python3 -c '
import json, sys
t = json.loads(sys.argv[1])["timings_ms"]
sys.exit(0 if all(t[k] > 0 for k in ["connect", "store_question", "word_stats", "vector",
                                      "full_text", "store_answer"]) else 1)' "$json"
check "timings: ... the turn's parts fit in processing_time_ms" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); t = d["timings_ms"]
inside = sum(t[k] for k in ["store_question", "embed", "word_stats", "vector", "full_text",
                            "answer"])
sys.exit(0 if inside <= d["processing_time_ms"] + 1 else 1)' "$json"
msg=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["message_id"])' "$json")
who=$(psql "$E2E_DB_URL" -Atc "SELECT u.email || ' ' || m.status FROM chat_messages m
                               JOIN users u ON u.id = m.user_id WHERE m.id = '$msg'")
check "timings: the answer is stored, as alice's" test "$who" = "alice@example.com answered"
out=$(CCA_DATABASE_URL="$E2E_DB_URL" ./cca --user nobody-e2e@example.com ask "hello" 2>&1)
check "timings: --user with an unknown email is refused by name" \
    sh -c "printf '%s' \"\$1\" | grep -q 'no user with email nobody-e2e@example.com'" _ "$out"
