# The database is down at start: the app still opens, says so, keeps retrying and keeps input.
saved_url=$E2E_DB_URL
E2E_DB_URL="host=$E2E_DIR/nowhere dbname=cca user=cca_super"
start_cca 100x30
check "db down: the app opens and the status bar says the database is down" wait_for 'database down'
type_text "Where is the leave policy?"
keys Enter
check "db down: sending keeps the question in the input" wait_for '› Where is the leave policy\?'
check "db down: a retry is scheduled" wait_for 'retrying in [0-9]+ s'
keys C-q
wait_for '^EXITED' >/dev/null
E2E_DB_URL=$saved_url
