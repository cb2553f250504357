#!/usr/bin/env bash
# embed_questions.sh WORKDIR < questions > vectors: each input line's embedding by the local
# embedder, one pgvector text literal per line, as `cca ask` embeds a question
# (tests/eval/embed_lines.c, built into WORKDIR on first use). Used by the benches.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:?usage: embed_questions.sh WORKDIR < questions}
[ -f build/wordnet/wordnet.tbl ] || make -s build/wordnet/wordnet.tbl
[ -f build/wordvec/wordvec.tbl ] || make -s build/wordvec/wordvec.tbl
if [ ! -x "$work/embed_lines" ]; then
    srcs="core/embed_local.c core/wordnet.c core/wordnet_table.c core/wordvec.c core/share_path.c
          core/stem.c core/chunk.c core/utf8.c core/buf.c core/mem.c"
    # shellcheck disable=SC2086
    cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -I. -o "$work/embed_lines" \
        -DCCA_WORDNET_TABLE="\"$PWD/build/wordnet/wordnet.tbl\"" \
        -DCCA_WORDVEC_TABLE="\"$PWD/build/wordvec/wordvec.tbl\"" tests/eval/embed_lines.c $srcs \
        -lwordnet -lm
fi
exec "$work/embed_lines"
