"""Fuses USE lite's document ranking with cca's hybrid one; prints the figures (run.sh)."""
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
                hits = json.load(open(f"{results}/{num}.hybrid.json"))["results"]
                hybrid = docs_in_order(os.path.basename(h["source_path"] or "") for h in hits)
                encoder = docs_in_order(passages[j]["src"] for j in np.argsort(-sims)[:20])[:10]
                score = {}
                for docs in (hybrid, encoder):
                    for r, d in enumerate(docs):
                        score[d] = score.get(d, 0) + 1 / (RRF_K + r + 1)
                fused = sorted(score, key=lambda d: -score[d])
                want = expected.split("|")
                rh, rf = rank_of(hybrid, want), rank_of(fused, want)
                for t in (kind, "all answerable"):
                    c = tiers.setdefault(t, [0] * 5)
                    c[0] += 1
                    c[1] += rh == 1
                    c[2] += rh <= 5
                    c[3] += rf == 1
                    c[4] += rf <= 5
            print(f"== {kb} {part}: recall@1/@5, cca hybrid -> with USE lite fused")
            for t, c in sorted(tiers.items()):
                n = c[0]
                print(f"  {t:15} {n:4}  {c[1]/n:.2f}/{c[2]/n:.2f} -> {c[3]/n:.2f}/{c[4]/n:.2f}")
            if neg:
                print(f"  AUROC: confidence {auroc(pos, neg):.3f}, "
                      f"+ USE lite's best cosine {auroc(pos_u, neg_u):.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
