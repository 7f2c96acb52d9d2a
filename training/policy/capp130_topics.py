"""Sentence topics of CAPP-130 (11 topics, label_explanation.json) against what the parking_app
policy analyser reports, on a held-out part of the CAPP-130 topic dev file:

- `rules`: the analyser with its lexicon alone (policy_lexicon.yaml), its outputs mapped to
  topics — `collection` sentences → 0 数据收集; `permission` → 1 权限获取; `sharing` →
  2 共享/委托/转让/公开; Art. 17 retention → 4 存储方式; rights → 7 数据、权限管理; contact → 8 联系方式.
- `rules + crf`: the lexicon and the shipped CA4P data-span CRF (spans.py; trained on another
  corpus, so nothing of CAPP-130 is in it);
- `rules + classifier`: the lexicon and the topic classifier below, without the CRF;
  Topics it does not report (3 使用, 5 安全措施, 6 特殊人群, 9 政策变更, 10 停止运营) are not scored.
- `tfidf-lr`: character 1–3-gram TF-IDF with one logistic regression per topic (scikit-learn),
  trained on the first part of the file;
- `shipped analyser`: the lexicon, the CRF and that classifier (exported and run with numpy, as
  the model runs it) — the configuration parking_app ships.

    .venv/bin/python training/policy/capp130_topics.py [--data ../shared/data/policy] [--split 0.7]
        [--export src/pisentinel/knowledge/data/policy_topics.json.gz]

`--export` refits on the whole file and writes the shipped model (the held-out scores above are
the estimate for that procedure).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import Any

TOPICS_ZH = ("数据收集", "权限获取", "共享/委托/转让/公开", "使用", "存储方式", "安全措施", "特殊人群",
             "数据、权限管理", "联系方式", "政策变更", "停止运营")
REPORTED = (0, 1, 2, 4, 7, 8)


def read(path: Path) -> list[tuple[str, list[int]]]:
    out = []
    for line in path.read_text("utf-8-sig").splitlines():
        text, _, label = line.rpartition("\t")
        if text and label.startswith("["):
            out.append((text, json.loads(label)))
    return out


SHIPPED_TOPICS = {"collection": 0, "permission": 1, "sharing": 2, "retention": 4, "rights": 7,
                  "contact": 8}


def fit(rows: list[tuple[str, list[int]]], topics: dict[str, int]) -> tuple[Any, dict[str, Any]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x = vec.fit_transform([t for t, _ in rows])
    clfs = {}
    for name, topic in topics.items():
        y = [lab[topic] for _, lab in rows]
        if sum(y) < 2:
            continue
        clfs[name] = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(x, y)
    return vec, clfs


def rules(text: str, model: Any = None, tagger: Any = None) -> set[int]:
    """The topics the analyser reports for one CAPP sentence (it may split it further)."""
    from pisentinel.models.parking_app.policy import analyse_policy

    facts = analyse_policy(text, model=model, tagger=tagger)
    topics = set()
    for field, topic in (("collection", 0), ("permission", 1), ("sharing", 2)):
        if getattr(facts, field):
            topics.add(topic)
    for item, topic in (("retention", 4), ("rights", 7), ("contact", 8)):
        if facts.art17.get(item):
            topics.add(topic)
    return topics


def prf(gold: list[set[int]], pred: list[set[int]], topic: int) -> dict[str, float]:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if topic in g and topic in p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if topic not in g and topic in p)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if topic in g and topic not in p)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"P": round(p, 3), "R": round(r, 3), "F1": round(2 * p * r / (p + r) if p + r else 0, 3),
            "support": tp + fn}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data/policy"))
    ap.add_argument("--split", type=float, default=0.7)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--export", type=Path, default=None)
    args = ap.parse_args()
    rows = read(args.data / "capp130" / "topic_identification_dataset" / "dev.txt")
    cut = int(len(rows) * args.split)
    train, held = rows[:cut], rows[cut:]
    gold = [{i for i, v in enumerate(lab) if v} for _, lab in held]

    from pisentinel.models.parking_app.spans import span_tagger

    crf = span_tagger()
    pred_rules = [rules(t) for t, _ in held]
    pred_crf = [rules(t, tagger=crf) for t, _ in held]
    all_topics = {TOPICS_ZH[i]: i for i in range(len(TOPICS_ZH))}
    vec, clfs = fit(train, all_topics)
    x_held = vec.transform([t for t, _ in held])
    pred_lr: list[set[int]] = [set() for _ in held]
    for name, clf in clfs.items():
        for i, v in enumerate(clf.predict(x_held)):
            if v:
                pred_lr[i].add(all_topics[name])

    from pisentinel.models.parking_app.topics import export_model, load_model

    vec_s, clfs_s = fit(train, SHIPPED_TOPICS)
    numpy_model = load_model(export_model(vec_s, clfs_s))
    parity = sum(
        1 for (t, _), x in zip(held, vec_s.transform([t for t, _ in held]), strict=True)
        if {n for n, c in clfs_s.items() if c.predict(x)[0]} == numpy_model.topics_of(t))
    pred_model = [rules(t, numpy_model) for t, _ in held]
    pred_shipped = [rules(t, numpy_model, crf) for t, _ in held]
    results: dict[str, dict[str, dict[str, float]]] = {
        "rules": {}, "rules + crf": {}, "rules + classifier": {}, "tfidf-lr": {},
        "shipped analyser": {}}
    for topic in range(len(TOPICS_ZH)):
        name = f"{topic} {TOPICS_ZH[topic]}"
        if topic in REPORTED:
            results["rules"][name] = prf(gold, pred_rules, topic)
            results["rules + crf"][name] = prf(gold, pred_crf, topic)
            results["rules + classifier"][name] = prf(gold, pred_model, topic)
            results["shipped analyser"][name] = prf(gold, pred_shipped, topic)
        results["tfidf-lr"][name] = prf(gold, pred_lr, topic)
    for per in results.values():
        scored = [per[f"{t} {TOPICS_ZH[t]}"] for t in REPORTED]
        per["macro (reported topics)"] = {
            k: round(sum(s[k] for s in scored) / len(scored), 3) for k in ("P", "R", "F1")}
    print(f"CAPP-130 topic dev: {len(rows)} sentences, train {len(train)}, held out {len(held)}")
    print(f"numpy inference = scikit-learn on {parity}/{len(held)} held-out sentences")
    for method, per in results.items():
        print(method)
        for name, s in per.items():
            print(f"  {name:24s} {s}")
    if args.out:
        args.out.write_text(json.dumps({"sentences": len(rows), "train": len(train),
                                        "held_out": len(held), "parity": parity,
                                        "results": results},
                                       ensure_ascii=False, indent=1), "utf-8")
    if args.export:
        vec_all, clfs_all = fit(rows, SHIPPED_TOPICS)
        doc = export_model(vec_all, clfs_all)
        args.export.write_bytes(gzip.compress(json.dumps(doc, ensure_ascii=False,
                                                         separators=(",", ":")).encode(), 9))
        print(f"wrote {args.export} ({args.export.stat().st_size:,} bytes, "
              f"{len(doc['vocab']):,} n-grams)")


if __name__ == "__main__":
    main()
