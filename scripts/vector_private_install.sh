#!/usr/bin/env bash
# vector_private_install.sh ROOT: builds db/vector and installs it into a relocated copy of the
# PostgreSQL server under ROOT, never into the system server. The server's bin, lib and share
# folders (as pg_config names them) are copied under ROOT on first use (ROOT/usr/lib/postgresql/15
# ...); `make install DESTDIR=ROOT` then lands in that copy, which finds its extensions relative
# to its own binaries. Prints the copy's bin folder: pass it to scripts/pg.sh as CCA_PG_BINDIR.
# Used by tests/vector/run.sh and scripts/bench_vector_types.sh (CCA_VECTOR_PGROOT=ROOT).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:?usage: vector_private_install.sh ROOT}
mkdir -p "$root"
root=$(cd "$root" && pwd)
bindir=$(pg_config --bindir); pkglibdir=$(pg_config --pkglibdir); sharedir=$(pg_config --sharedir)
for d in "$bindir" "$pkglibdir" "$sharedir"; do
    if [ ! -d "$root$d" ]; then
        mkdir -p "$(dirname "$root$d")"
        cp -a "$d" "$root$d"
    fi
done
# the server runs as the OS user postgres when we are root: it must reach the copy
if [ "$(id -u)" = 0 ]; then
    p=$root
    while [ "$p" != / ]; do
        perm=$(stat -c %A "$p")
        [ "${perm:9:1}" = x ] || [ "${perm:9:1}" = t ] || chmod o+x "$p"
        p=$(dirname "$p")
    done
fi
make -s -C db/vector >/dev/null
make -s -C db/vector install DESTDIR="$root" >/dev/null
if [ ! -f "$root$sharedir/extension/cca_vector.control" ] || [ ! -f "$root$pkglibdir/cca_vector.so" ]; then
    echo "vector_private_install: the install did not land under $root" \
         "(pg_config: pkglibdir $pkglibdir, sharedir $sharedir)" >&2
    exit 1
fi
echo "$root$bindir"
