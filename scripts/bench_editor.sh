#!/usr/bin/env bash
# bench_editor.sh: the Content tab's editor model on a 1 MB document (keystroke p50/p99/max).
# Not a test: prints figures, asserts nothing. Part of `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/debug/libcca.a
out=build/debug/bench_doc_editor
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I. -o "$out" tests/bench/bench_doc_editor.c \
    build/debug/libcca.a $(pkg-config --libs libsodium libcjson 2>/dev/null) -lm
"$out"
