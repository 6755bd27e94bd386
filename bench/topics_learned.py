"""Would a learned tagger do better than the phrase rules? A probe, not part of the build: one logistic regression per
topic, on the rules' evidence alone or on TF-IDF plus that evidence, trained on the judged papers of the bundled
dumps (the first, second and "rest" sets: 425 papers), its settings chosen by 5-fold cross-validation on them, then
scored once on the third set (60 papers no setting or rule was chosen on, judged twice).

example: .venv/bin/python bench/topics_learned.py
"""
import json, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from generator.ingest import read_dumps
from generator.catalog import build_catalog
from generator.topics import load_taxonomy, tag_papers
DATA = ROOT / "tests" / "data"
dumps, _ = read_dumps([ROOT / "dumps"]); catalog, _ = build_catalog(dumps)
by = {p.id: p for p in catalog.papers}
def load(f): return {d["paper"]: d for d in map(json.loads, open(f)) if d}
train = {}
for name in ("topics_judgments.jsonl", "topics_judgments_heldout.jsonl", "topics_judgments_rest.jsonl"):
    train.update(load(DATA / name))
tests = {"third": load(DATA / "topics_judgments_third.jsonl"), "third_b": load(DATA / "topics_judgments_third_b.jsonl")}
assert not set(train) & set(tests["third"])
topics = load_taxonomy(ROOT / "topics.yml"); aliases = {a: t.slug for t in topics for a in t.aliases}
def norm(l): return [aliases.get(s, s) for s in l]
tagging = tag_papers(catalog.papers, topics)
rules = {k: v.tags for k, v in tagging.items()}
slugs = [t.slug for t in topics if not t.catch_all]; col = {s: i for i, s in enumerate(slugs)}
def rule_features(ids):
    m = np.zeros((len(ids), len(slugs)))
    for r, i in enumerate(ids):
        for s, v in tagging[i].scores:
            if s in col: m[r, col[s]] = min(v, 8) / 8
    return m
text = lambda p: (p.title + " ") * 2 + p.abstract
ids = np.array(list(train)); tid = list(tests["third"])
def score(tags, judge):
    c = t = full = miss = 0
    for pid, j in judge.items():
        g = set(tags[pid]); imp = set(norm(j["important"])); ok = imp | set(norm(j["acceptable"]))
        t += len(g); c += len(g & ok); m = bool(imp - g); miss += m; full += g <= ok and not m
    return c / max(t, 1), full / len(judge), f"{c/t:.0%} correct, {full}/{len(judge)} fully, {miss} missing, {t/len(judge):.2f} tags"
def fit_predict(tr, te, kind, C, w):
    if kind == "rules":
        X, Xt = rule_features(tr), rule_features(te)
    else:
        vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=2).fit([text(by[i]) for i in tr])
        X = sparse.hstack([vec.transform([text(by[i]) for i in tr]), sparse.csr_matrix(rule_features(tr) * w)]).tocsr()
        Xt = sparse.hstack([vec.transform([text(by[i]) for i in te]), sparse.csr_matrix(rule_features(te) * w)]).tocsr()
    probs = {}
    for s in slugs:
        y = np.array([s in norm(train[i]["important"]) for i in tr]); acc = np.array([s in norm(train[i]["acceptable"]) for i in tr])
        if y.sum() < 3: continue
        probs[s] = LogisticRegression(C=C, max_iter=3000).fit(X, y, sample_weight=np.where(acc, 0.0, 1.0)).predict_proba(Xt)[:, 1]
    return probs
def decide(probs, te, tau):
    out = {}
    for k, i in enumerate(te):
        ranked = sorted(((probs[s][k], s) for s in probs), reverse=True)
        out[i] = [s for p, s in ranked if p >= tau][:4] or [ranked[0][1]]
    return out
configs = [("rules", C, 0) for C in (1, 10, 100)] + [("tfidf+rules", C, w) for C in (3, 10, 30) for w in (1, 3)]
best = None
for kind, C, w in configs:
    folds = list(KFold(5, shuffle=True, random_state=0).split(ids))
    res = {tau: [0, 0] for tau in (0.3, 0.4, 0.5)}
    for a, b in folds:
        probs = fit_predict(list(ids[a]), list(ids[b]), kind, C, w)
        for tau in res:
            tags = decide(probs, list(ids[b]), tau)
            c, f, _ = score(tags, {i: train[i] for i in ids[b]})
            res[tau][0] += f / 5; res[tau][1] += c / 5
    for tau, (f, c) in res.items():
        print(f"CV {kind} C={C} w={w} tau={tau}: fully {f:.1%} correct {c:.1%}")
        if c >= 0.95 and (best is None or f > best[0]): best = (f, kind, C, w, tau)
print("rules-only tagger on the training set:", score({i: rules[i] for i in ids}, train)[2])
print("chosen by CV:", best)
f, kind, C, w, tau = best
probs = fit_predict(list(ids), tid, kind, C, w); tags = decide(probs, tid, tau)
for n, j in tests.items():
    print(n, "rules:", score({i: rules[i] for i in tid}, j)[2], "| learned:", score(tags, j)[2])
