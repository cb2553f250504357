#!/usr/bin/env bash
# tests/install/run.sh: the "install" suite of make test (TAP). Root only (useradd, dpkg, a
# private mount namespace); CI runs as root. CCA_FAKE_LLM names the fake LLM server.
#
#  1. `make install DESTDIR=T/root PREFIX=/usr`: every file cca reads lands under
#     T/root/usr/share/cca; the installed binary, run from elsewhere with the source tree's
#     assets and WordNet table hidden (bind mounts in a private mount namespace) and
#     CCA_ASSETS_DIR unset, reads its prompt from T/root (a marker added to the installed
#     prompt reaches the fake LLM server).
#  2. The shared host: a throwaway cluster with peer authentication only (pg_hba.conf and a
#     pg_ident.conf map written here; root maps to the bootstrap superuser, nobody else may),
#     two OS accounts made for the test, each added with `cca user add --login ACCOUNT
#     --print-ident >> pg_ident.conf`; each runs `cca ask` as themselves (runuser, a clean
#     environment, no --user), offline and online, with the database named by a system-wide
#     config.ini and the LLM by their own. Each sees only their own conversations and neither
#     can act as the other: `cca --user other@...`, SET ROLE, connecting as the other's role
#     or as the superuser all fail.
#  3. `make uninstall` removes every installed file.
#  4. `make deb`: both packages build, lintian reports no error; dpkg -i cca, the packaged
#     cca reads /etc/cca/config.ini and /usr/share/cca and answers; dpkg -r / -P remove it.
#     cca-vector-fallback installs (over a system without any cca_vector file), the server
#     creates the extension from it and computes with it, dpkg -r removes it.
# The whole suite runs in a private mount namespace, and the packages are installed under
# throwaway overlays of /usr, /etc and /var: dpkg -i and -r are real, but nothing they do is
# seen outside (another engineer's tests keep their cca_vector; lintian, installed before, stays).
# The OS accounts and the cluster are removed on exit, whatever happened.
set -uo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | head -20 | sed 's/^/#   /'; }
# check DESCRIPTION COMMAND...: ok when the command succeeds; its output goes to the log.
check() {
    local d=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "$out"; fi
    printf '== %s\n%s\n' "$d" "$out" >>"$LOG"
}
# refuse DESCRIPTION COMMAND...: ok when the command fails.
refuse() {
    local d=$1; shift
    local out
    if out=$("$@" 2>&1); then not_ok "$d" "succeeded: $out"; else ok "$d"; fi
    printf '== %s (must fail)\n%s\n' "$d" "$out" >>"$LOG"
}
# has DESCRIPTION TEXT PATTERN: ok when the text matches the extended regex.
has() {
    if grep -Eq -- "$3" <<<"$2"; then ok "$1"; else not_ok "$1" "no /$3/ in: $2"; fi
}

if [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP root only: useradd, dpkg -i and a private mount namespace"
    exit 0
fi
# A mount namespace of our own: the bind mounts and overlays below are seen by nobody else.
if [ -z "${CCA_INSTALL_NS:-}" ]; then
    if unshare -m --propagation private true 2>/dev/null; then
        exec unshare -m --propagation private env CCA_INSTALL_NS=1 "$0" "$@"
    fi
    echo "Bail out! no private mount namespace (unshare -m): needed to test packages safely"
    exit 1
fi
: "${CCA_FAKE_LLM:=build/debug/fake_llm_server}"
[ -x "$CCA_FAKE_LLM" ] || { echo "Bail out! no fake LLM server at $CCA_FAKE_LLM (make fakes)"; exit 1; }
FAKE=$(realpath "$CCA_FAKE_LLM")
mkdir -p build/results
LOG=$SRC/build/results/install.detail.log
: >"$LOG"

T=$(mktemp -d /tmp/cca-install.XXXXXX)
chmod 755 "$T"
tag=$$
ua=cca_t${tag}_a
ub=cca_t${tag}_b
overlays=()
cleanup() {
    [ -n "${fake_pid:-}" ] && kill "$fake_pid" 2>/dev/null
    # The overlays go first: userdel must change the real /etc.
    for m in "${overlays[@]}"; do umount -l "$m" 2>/dev/null; done
    mountpoint -q "$T/ovl" 2>/dev/null && umount -l "$T/ovl"
    for u in "$ua" "$ub"; do
        id "$u" >/dev/null 2>&1 && userdel "$u" >/dev/null 2>&1
    done
    scripts/pg.sh destroy "$T/pg" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- 1. make install into a temporary root ----------------------------------------------------
ROOT=$T/root
check "make install DESTDIR PREFIX=/usr" make -s --no-print-directory install DESTDIR="$ROOT" PREFIX=/usr
BIN=$ROOT/usr/bin/cca
missing=""
for f in usr/bin/cca usr/share/man/man1/cca.1 usr/share/cca/prompts/system.txt \
    usr/share/cca/prompts/user.txt usr/share/cca/themes/default.theme \
    usr/share/cca/themes/monochrome.theme usr/share/cca/help.txt usr/share/cca/wordnet.tbl \
    usr/share/cca/wordvec.tbl; do
    [ -s "$ROOT/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "installed: binary, man page, prompts, themes, help, WordNet and word-vector tables"
else not_ok "installed: binary, man page, prompts, themes, help, WordNet and word-vector tables" "missing:$missing"; fi
# A marker in the installed prompt: only a binary reading T/root's prompts can send it.
marker="installed-prompt-marker-$tag"
printf '\n(%s)\n' "$marker" >>"$ROOT/usr/share/cca/prompts/system.txt"

# hidden SRC/assets, SRC/build/wordnet, SRC/build/wordvec: runs COMMAND... with the source
# tree's assets, WordNet and word-vector tables replaced by empty folders, in a mount
# namespace of its own.
mkdir -p "$T/empty"
hidden() {
    unshare -m -- sh -c 'mount --bind "$1" "$2/assets" && mount --bind "$1" "$2/build/wordnet" &&
        mount --bind "$1" "$2/build/wordvec" && shift 2 && exec "$@"' sh "$T/empty" "$SRC" "$@"
}
check "the source tree's assets can be hidden" hidden test ! -e "$SRC/assets/prompts/system.txt"

# --- 2. the shared host: a cluster with peer authentication only ------------------------------
scripts/vector_ensure.sh >>"$LOG" 2>&1
if ! scripts/pg.sh start "$T/pg" >>"$LOG" 2>&1; then
    not_ok "throwaway cluster" "$(tail -5 "$LOG")"
    echo "1..$n"
    exit 1
fi
url=$(scripts/pg.sh url "$T/pg")
sock=${url#host=}; sock=${sock%% *}
data=$T/pg/data
scripts/pg.sh stop "$T/pg"
# Peer only: root (the operator, also the postgres account) maps to the bootstrap superuser;
# every other account only to a role in map "cca", which `cca user add --print-ident` fills.
cat >"$data/pg_hba.conf" <<EOF
local all cca_super peer map=admin
local cca all       peer map=cca
EOF
cat >"$data/pg_ident.conf" <<EOF
admin root     cca_super
admin postgres cca_super
EOF
printf "unix_socket_permissions = 0777\n" >>"$data/postgresql.conf"
chown postgres: "$data/pg_hba.conf" "$data/pg_ident.conf"
chmod 755 "$sock"
scripts/pg.sh start "$T/pg" >>"$LOG" 2>&1
check "createdb as the bootstrap superuser (root, peer)" createdb -h "$sock" -U cca_super cca

# The operator's steps, with the installed binary, from elsewhere (and no stray configuration
# of root's).
mkdir -p "$T/roothome"
export HOME=$T/roothome
unset XDG_CONFIG_HOME
cd "$T"
export CCA_SYSTEM_CONFIG=""   # the root shell's runs: no system file, the URL given
unset CCA_ASSETS_DIR CCA_CONFIG CCA_USER CCA_DATABASE_URL CCA_LLM_BASE_URL CCA_WORDNET_TABLE
check "cca migrate (installed binary, as the superuser)" "$BIN" --database "$url" migrate
check "cca ingest the installed sample knowledge base" \
    "$BIN" --database "$url" ingest --source sample-kb "$ROOT/usr/share/cca/kb"

home_a=$T/home/$ua
home_b=$T/home/$ub
mkdir -p "$T/home"
chmod 755 "$T/home"
check "useradd two employees" sh -c "useradd -m -d '$home_a' -s /bin/sh '$ua' &&
    useradd -m -d '$home_b' -s /bin/sh '$ub'"
ident_a=$("$BIN" --database "$url" user add "$ua@example.com" --name "Ann Tester" --role learner \
    --department Sales --login "$ua" --print-ident 2>&1)
has "cca user add --login --print-ident prints the map line" "$ident_a" "^cca +$ua +$ua\$"
ident_b=$("$BIN" --database "$url" user add "$ub@example.com" --name "Ben Tester" --role learner \
    --department Sales --login "$ub" --print-ident 2>&1)
has "the second employee's map line" "$ident_b" "^cca +$ub +$ub\$"
printf '%s\n%s\n' "$ident_a" "$ident_b" >>"$data/pg_ident.conf"
check "pg_ident.conf accepts the printed lines" \
    psql "$url" -XAtqc "select pg_reload_conf()"
bad_ident=$(psql "$url" -XAtqc "select count(*) from pg_ident_file_mappings where error is not null")
has "no error in pg_ident.conf after appending" "$bad_ident" "^0$"
refuse "user add --login refuses a name that is no role name" \
    "$BIN" --database "$url" user add x@example.com --name X --role learner --login "john.doe"

# The system-wide file names the database for everyone; no user, no password.
mkdir -p "$T/etc/cca"
chmod 755 "$T/etc" "$T/etc/cca"
printf '[database]\nurl = host=%s dbname=cca\n' "$sock" >"$T/etc/cca/config.ini"
chmod 644 "$T/etc/cca/config.ini"

# as USER COMMAND...: the employee's own session: their account, a clean environment, the
# source tree's assets hidden.
as_user() {
    local u=$1; shift
    hidden runuser -u "$u" -- env -i HOME="$T/home/$u" PATH=/usr/bin:/bin LANG=C.UTF-8 \
        CCA_SYSTEM_CONFIG="$T/etc/cca/config.ini" "$@"
}

# The reload is asynchronous: wait (up to 5 s) until the first employee gets in.
for _ in $(seq 50); do
    as_user "$ua" psql "host=$sock dbname=cca" -XAtqc "select 1" >/dev/null 2>&1 && break
    sleep 0.1
done
out=$(as_user "$ua" "$BIN" doctor 2>&1)
printf '== doctor as %s\n%s\n' "$ua" "$out" >>"$LOG"
has "doctor: the system-wide file was read" "$out" "config +read $T/etc/cca/config.ini"
has "doctor: the assets come from the installed tree" "$out" "assets +$ROOT/usr/share/cca$"
has "doctor: connected as the employee's own role" "$out" "connected as role $ua"
has "doctor: the employee is who the database says" "$out" "user +$ua@example.com"

ask_a=$(as_user "$ua" "$BIN" ask --json "How many days of annual leave do I get?" 2>&1)
printf '== ask offline as %s\n%s\n' "$ua" "$ask_a" >>"$LOG"
has "offline cca ask as the first employee (no --user)" "$ask_a" '"offline": *true'
conv_a=$(sed -n 's/.*"conversation_id": *"\([^"]*\)".*/\1/p' <<<"$ask_a")
ask_b=$(as_user "$ub" "$BIN" ask --json "What is the travel expense policy for hotels?" 2>&1)
printf '== ask offline as %s\n%s\n' "$ub" "$ask_b" >>"$LOG"
has "offline cca ask as the second employee" "$ask_b" '"offline": *true'
conv_b=$(sed -n 's/.*"conversation_id": *"\([^"]*\)".*/\1/p' <<<"$ask_b")

# Online: the employee's own config adds the LLM (the system file keeps the database).
"$FAKE" --log "$T/fake.log" --answer "You get 25 days of annual leave [1]." >"$T/fake.out" 2>&1 &
fake_pid=$!
for _ in $(seq 50); do grep -q '^PORT' "$T/fake.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^PORT //p' "$T/fake.out")
for u in "$ua" "$ub"; do
    mkdir -p "$T/home/$u/.config/cca"
    printf '[llm]\nbase_url = http://127.0.0.1:%s/v1\n' "$port" >"$T/home/$u/.config/cca/config.ini"
    chown -R "$u:" "$T/home/$u/.config"
    chmod 600 "$T/home/$u/.config/cca/config.ini"
done
online=$(as_user "$ua" "$BIN" ask --json --conversation "$conv_a" "How many days of annual leave do I get?" 2>&1)
printf '== ask online as %s\n%s\n' "$ua" "$online" >>"$LOG"
has "online cca ask as the employee, in their conversation" "$online" '"offline": *false'
has "the online answer is the LLM's" "$online" "25 days of annual leave"
if grep -q "$marker" "$T/fake.log" 2>/dev/null; then
    ok "the prompt sent was the installed one (source assets hidden, CCA_ASSETS_DIR unset)"
else
    not_ok "the prompt sent was the installed one (source assets hidden, CCA_ASSETS_DIR unset)" \
        "$(head -c 600 "$T/fake.log" 2>/dev/null)"
fi
out=$(as_user "$ua" "$BIN" doctor 2>&1)
has "doctor: the system file, then the user's" "$out" \
    "read $T/etc/cca/config.ini, then $T/home/$ua/.config/cca/config.ini"

# Each sees only their own conversations; nobody can be the other.
psql_as() { local u=$1; shift; as_user "$u" psql "host=$sock dbname=cca" -XAtq "$@"; }
mine=$(psql_as "$ua" -c "select count(*) from conversations" 2>&1)
all=$(psql "$url" -XAtqc "select count(*) from conversations")
has "the first employee sees their one conversation" "$mine" "^1$"
has "the superuser sees both" "$all" "^2$"
seen=$(psql_as "$ua" -c "select count(*) from conversations where id = '$conv_b'" 2>&1)
has "the first employee does not see the second's conversation" "$seen" "^0$"
seen=$(psql_as "$ub" -c "select count(*) from chat_messages m join conversations c on c.id = m.conversation_id where c.id = '$conv_a'" 2>&1)
has "the second employee sees none of the first's messages" "$seen" "^0$"
refuse "cca ask --conversation OTHER'S fails" as_user "$ub" "$BIN" ask --conversation "$conv_a" "Anything?"
refuse "cca --user other@... fails for an employee" as_user "$ua" "$BIN" --user "$ub@example.com" ask "leave?"
refuse "SET ROLE to the other employee fails" psql_as "$ua" -c "set role $ub"
refuse "connecting as the other employee's role fails (peer)" \
    as_user "$ua" psql "host=$sock dbname=cca user=$ub" -XAtqc "select 1"
refuse "connecting as the superuser fails (peer)" \
    as_user "$ua" psql "host=$sock dbname=cca user=cca_super" -XAtqc "select 1"
refuse "an employee cannot add people" \
    as_user "$ua" "$BIN" user add z@example.com --name Z --role admin
who=$(psql_as "$ub" -c "select session_user || ' ' || r.rolsuper || r.rolcreaterole || r.rolbypassrls from pg_roles r where r.rolname = session_user" 2>&1)
has "the employee's session: their own role, no special attribute" "$who" "^$ub falsefalsefalse$"
cd "$SRC"

# --- 3. make uninstall ------------------------------------------------------------------------
check "make uninstall" make -s --no-print-directory uninstall DESTDIR="$ROOT" PREFIX=/usr
left=$(find "$ROOT" -type f | head)
has "nothing installed is left" "x$left" "^x$"

# --- 4. the Debian packages -------------------------------------------------------------------
check "make deb (dpkg-deb, dpkg-shlibdeps, lintian without errors)" make -s --no-print-directory deb
deb=$(ls build/deb/cca_*.deb 2>/dev/null | head -1)
vdeb=$(ls build/deb/cca-vector-fallback_*.deb 2>/dev/null | head -1)
if [ -f build/deb/lintian.txt ] && ! grep -q '^E: ' build/deb/lintian.txt; then
    ok "lintian: no errors ($(grep -c '^W: ' build/deb/lintian.txt) warnings)"
else
    not_ok "lintian: no errors" "$(grep '^E: ' build/deb/lintian.txt 2>/dev/null)"
fi
deps=$(dpkg-deb -f "$deb" Depends 2>&1)
has "cca depends on the libraries it links and the WordNet data" "$deps" \
    "libpq5.*libsodium23|libsodium23.*libpq5"
has "... and wordnet-base" "$deps" "wordnet-base"

# Throwaway overlays of /usr, /etc and /var (dpkg's database): in this namespace only, and
# gone with it.
mkdir -p "$T/ovl"
mount -t tmpfs tmpfs "$T/ovl"
for d in usr etc var; do
    mkdir -p "$T/ovl/$d.up" "$T/ovl/$d.work"
    if mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/ovl/$d.up,workdir=$T/ovl/$d.work" "/$d"; then
        overlays=("/$d" "${overlays[@]}")
    fi
done
if [ ${#overlays[@]} -ne 3 ]; then
    not_ok "throwaway overlays of /usr, /etc, /var" "overlayfs refused"
    echo "1..$n"
    exit 1
fi
ok "throwaway overlays of /usr, /etc, /var (dpkg -i/-r below are seen nowhere else)"

if dpkg-query -W -f='${Status}' cca 2>/dev/null | grep -q "install ok installed"; then
    dpkg -P cca >/dev/null 2>&1   # someone's, in the overlay only
fi
check "dpkg -i cca" dpkg -i "$deb"
check "the packaged cca runs" /usr/bin/cca --version
out=$(cd / && env -u CCA_SYSTEM_CONFIG /usr/bin/cca --database "$url" doctor 2>&1)
printf '== packaged doctor\n%s\n' "$out" >>"$LOG"
has "packaged cca reads /etc/cca/config.ini" "$out" "config +read /etc/cca/config.ini"
has "packaged cca finds /usr/share/cca" "$out" "assets +/usr/share/cca$"
ask=$(cd / && hidden runuser -u "$ub" -- env -i HOME="$home_b" PATH=/usr/bin:/bin \
    LANG=C.UTF-8 CCA_DATABASE_URL="host=$sock dbname=cca" \
    /usr/bin/cca ask --json "How many days of annual leave do I get?" 2>&1)
printf '== packaged ask\n%s\n' "$ask" >>"$LOG"
has "the packaged cca answers an employee online (their own config names the LLM)" "$ask" \
    '"offline": *false'
check "dpkg -r cca" dpkg -r cca
if [ ! -e /usr/bin/cca ] && [ ! -e /usr/share/cca ]; then ok "removed: /usr/bin/cca, /usr/share/cca"
else not_ok "removed: /usr/bin/cca, /usr/share/cca" "$(ls -d /usr/bin/cca /usr/share/cca 2>&1)"; fi
check "dpkg -P cca purges the conffile" sh -c 'dpkg -P cca && test ! -e /etc/cca/config.ini'

# The vector package on a server without any cca_vector file (removed in the overlay), so
# what the server loads can only come from the package.
libdir=$(pg_config --pkglibdir)
extdir=$(pg_config --sharedir)/extension
dpkg -P cca-vector-fallback >/dev/null 2>&1
rm -rf "$libdir"/cca_vector.so "$libdir"/bitcode/cca_vector "$libdir"/bitcode/cca_vector.index.bc \
    "$extdir"/cca_vector[.-]*
check "dpkg -i cca-vector-fallback" dpkg -i "$vdeb"
createdb -h "$sock" -U cca_super pkgtest >>"$LOG" 2>&1
d=$(psql -h "$sock" -U cca_super -d pkgtest -XAtqc \
    "create extension cca_vector; select '[1,2,2]'::vector <-> '[1,2,3]'::vector" 2>&1)
has "the server creates cca_vector from the package and computes with it" "$d" "^1$"
check "dpkg -r cca-vector-fallback" dpkg -r cca-vector-fallback
if [ ! -e "$libdir/cca_vector.so" ] && ! ls "$extdir"/cca_vector[.-]* >/dev/null 2>&1; then
    ok "removed: cca_vector.so and the extension's files"
else
    not_ok "removed: cca_vector.so and the extension's files"
fi

echo "1..$n"
echo "# install: $((n - failed)) of $n (details: $LOG)"
[ "$failed" -eq 0 ]
