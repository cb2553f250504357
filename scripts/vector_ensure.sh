#!/usr/bin/env bash
# vector_ensure.sh: makes a vector implementation available to the local PostgreSQL server:
# real pgvector when installed, else our fallback cca_vector, built and installed into the
# server that pg_config names (sudo as a normal user) when the installed build is missing or
# older than the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
sharedir=$(pg_config --sharedir)
if [ -f "$sharedir/extension/vector.control" ]; then
    exit 0
fi
# CCA_PG_BINDIR: the caller runs a relocated copy of the server (scripts/vector_private_install.sh)
# that has its own build; the system server is left alone.
if [ -n "${CCA_PG_BINDIR:-}" ]; then
    exit 0
fi
make -s -C db/vector >/dev/null
if cmp -s db/vector/cca_vector.srchash "$sharedir/extension/cca_vector.srchash"; then
    exit 0
fi
echo "vector: installing the cca_vector fallback extension into $(pg_config --pkglibdir)"
if [ "$(id -u)" = 0 ]; then
    make -s -C db/vector install >/dev/null
elif command -v sudo >/dev/null 2>&1; then
    sudo make -s -C db/vector install >/dev/null
else
    echo "vector: installing needs root: run 'make vector-install' as root (or install sudo)" >&2
    exit 1
fi
