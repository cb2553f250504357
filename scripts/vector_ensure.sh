#!/usr/bin/env bash
# vector_ensure.sh: makes a vector implementation available to the local PostgreSQL server:
# real pgvector when installed, else our fallback cca_vector (built and installed into the
# server that pg_config names; sudo as a normal user). Re-installs when the build changed.
set -euo pipefail
cd "$(dirname "$0")/.."
sharedir=$(pg_config --sharedir)
if [ -f "$sharedir/extension/vector.control" ]; then
    exit 0
fi
make -s -C db/vector >/dev/null
libdir=$(pg_config --pkglibdir)
if [ -f "$sharedir/extension/cca_vector.control" ] && cmp -s db/vector/cca_vector.so "$libdir/cca_vector.so" \
    && cmp -s db/vector/cca_vector--1.0.sql "$sharedir/extension/cca_vector--1.0.sql"; then
    exit 0
fi
echo "vector: installing the cca_vector fallback extension into $libdir"
if [ "$(id -u)" = 0 ]; then
    make -s -C db/vector install >/dev/null
else
    sudo make -s -C db/vector install >/dev/null
fi
