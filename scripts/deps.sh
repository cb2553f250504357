#!/usr/bin/env bash
# deps.sh: installs the Debian packages that building, running and testing CCA need, only
# those missing, with one `apt-get update`. As a normal user it uses sudo for apt only.
# deps.sh PACKAGE...: the same for the packages named instead (build-time only tools such as
# lintian, which only `make deb` and its test install).
set -euo pipefail

packages=(
    build-essential pkg-config perl
    libncurses-dev ncurses-term libpq-dev libcurl4-openssl-dev ca-certificates libcjson-dev
    libsodium-dev libinih-dev libmd4c-dev wordnet-dev wordnet-base
    postgresql postgresql-contrib postgresql-server-dev-all postgresql-15-pgtap
    libtap-parser-sourcehandler-pgtap-perl libcmocka-dev tmux valgrind man-db groff-base
    locales clang libclang-rt-dev pgbouncer
)

[ $# -gt 0 ] && packages=("$@")

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *"install ok installed"*) ;;
    *) missing+=("$p") ;;
    esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
