# A query held by a lock in another connection: the Progress tab shows it is loading, keys and
# tab switches still work at once, and the data appears when the lock goes.
start_cca 100x30
keys M-2
check "frozen db: Alt-2 opens the Progress tab" wait_for 'Courses +[0-9]+ completed · [0-9]+ in progress'
psql "$E2E_DB_URL" -q -c "BEGIN; LOCK TABLE learning_progress IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;" >/dev/null 2>&1 &
lock_pid=$!
# The lock is taken once psql sees it granted; give it a moment, then ask again.
for i in $(seq 1 50); do
    psql "$E2E_DB_URL" -Atq -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'learning_progress' AND l.mode = 'AccessExclusiveLock' AND l.granted" 2>/dev/null | grep -q '^1$' && break
    sleep 0.1
done
keys r
check "frozen db: the status bar says loading" wait_for 'loading…' 3
keys M-1
type_text "typed while the database is busy"
check "frozen db: keys echo while the query waits" wait_for '› typed while the database is busy' 2
check "frozen db: the lock is still held when the keys echoed" kill -0 "$lock_pid"
keys M-2
check "frozen db: when the lock goes the data appears" wait_gone 'loading…' 15
check "frozen db: and the figures are shown" wait_for 'Courses +[0-9]+ completed · [0-9]+ in progress'
wait "$lock_pid" 2>/dev/null
keys C-q
wait_for '^EXITED' >/dev/null
