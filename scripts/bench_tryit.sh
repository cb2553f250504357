#!/usr/bin/env bash
# bench_tryit.sh: "Try it" on a 1 MB draft (chunking, local embedding, ranking), in ms.
# Not a test: prints figures, asserts nothing. Part of `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/debug/libcca.a build/wordnet/wordnet.tbl
out=build/debug/bench_tryit
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I. -o "$out" tests/bench/bench_tryit.c \
    build/debug/libcca.a $(pkg-config --libs ncursesw libpq libcurl libcjson libsodium 2>/dev/null) \
    -linih -lmd4c -lwordnet -lm
"$out"
