"""Fuses USE lite's document ranking with cca's hybrid one; prints the figures (run.sh).

The control: cca's own vector search's documents fused the same way. Fusing any second list
of documents lifts recall@5 (cca's five passages hold about three documents), so the
encoder's own worth is the difference between the two."""
import json
import os
import sys

import numpy as np

RRF_K = 10  # documents, not passages: a short list


def auroc(pos, neg):
    pos, neg = np.array(pos), np.array(neg)
    return sum(np.sum(p > neg) + 0.5 * np.sum(p == neg) for p in pos) / (len(pos) * len(neg))


def docs_in_order(names):
    out = []
    for n in names:
        if n not in out:
            out.append(n)
    return out


def fuse(*lists):
    score = {}
    for docs in lists:
        for r, d in enumerate(docs):
            score[d] = score.get(d, 0) + 1 / (RRF_K + r + 1)
    return sorted(score, key=lambda d: -score[d])


def hit_docs(path):
    return docs_in_order(os.path.basename(h["source_path"] or "")
                         for h in json.load(open(path))["results"])


def rank_of(docs, expected):
    return next((i + 1 for i, d in enumerate(docs) if d in expected), 99)


def main(results):
    use = json.load(open("use.json"))
    manifest = [line.rstrip("\n").split("\t", 5) for line in open("manifest.tsv")]
    for kb in ("kb1", "kb2", "kb3"):
        passages = json.load(open(f"passages_{kb}.json"))
        p = np.array(use[kb]["passages"])
        p /= np.linalg.norm(p, axis=1, keepdims=True)
        for part in ("tuning", "heldout"):
            rows = [m for m in manifest if m[1] == kb and m[2] == part]
            if not rows:
                continue
            tiers, pos, neg, pos_u, neg_u = {}, [], [], [], []
            for num, _, _, expected, kind, _ in rows:
                q = np.array(use[kb]["questions"][num])
                sims = p @ (q / np.linalg.norm(q))
                ask = json.load(open(f"{results}/{num}.ask.json"))
                if expected == "-":
                    neg.append(ask["confidence"])
                    neg_u.append(ask["confidence"] + sims.max())
                    continue
                pos.append(ask["confidence"])
                pos_u.append(ask["confidence"] + sims.max())
                hybrid = hit_docs(f"{results}/{num}.hybrid.json")
                vector = hit_docs(f"{results}/{num}.vector.json")
                # as many passages as cca's lists hold: 5
                encoder = docs_in_order(passages[j]["src"] for j in np.argsort(-sims)[:5])
                want = expected.split("|")
                ranks = [rank_of(d, want) for d in (hybrid, fuse(hybrid, vector),
                                                      fuse(hybrid, encoder))]
                for t in (kind, "all answerable"):
                    c = tiers.setdefault(t, [0] * 7)
                    c[0] += 1
                    for i, r in enumerate(ranks):
                        c[1 + 2 * i] += r == 1
                        c[2 + 2 * i] += r <= 5
            print(f"== {kb} {part}: recall@1/@5: cca hybrid; fused with cca's vector list "
                  "(control); fused with USE lite's")
            for t, c in sorted(tiers.items()):
                n = c[0]
                print(f"  {t:15} {n:4}  " + "   ".join(
                    f"{c[1 + 2 * i] / n:.2f}/{c[2 + 2 * i] / n:.2f}" for i in range(3)))
            if neg:
                print(f"  AUROC: confidence {auroc(pos, neg):.3f}, "
                      f"+ USE lite's best cosine {auroc(pos_u, neg_u):.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
