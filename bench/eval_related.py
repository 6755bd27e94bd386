"""Score the related links a configuration shows against the judged pairs in tests/data/related_judgments.jsonl.

    .venv/bin/python bench/eval_related.py                      # before (the `main` branch's code) and after (this tree)
    .venv/bin/python bench/eval_related.py --ref HEAD~3         # another revision as "before"
    .venv/bin/python bench/eval_related.py --sweep              # min score x relative cut, on the tuning half only
    .venv/bin/python bench/eval_related.py --judgments tests/data/related_judgments_heldout.jsonl   # the held-out set

A pooled evaluation (tests/data/README.md): the 40 judged source papers were drawn at random from the bundled dumps,
and every candidate of two earlier rankers was judged 2 (clearly related), 1 (loosely) or 0 (unrelated). A link a
configuration shows that was never judged counts as "unjudged": the figures are shares of the *judged* links shown,
and the unjudged share says how far to trust them. The sources are split by their place in the random sample: the
first 20 to tune on, the last 20 to report on (`--split`).

Printed per configuration and split: links shown on the sources' pages, per page; clearly related, loosely and
unrelated (of judged links); unjudged (of all links shown); first link clearly related; pages showing an unrelated
link; coverage (papers of the WHOLE catalog showing at least one related link). And over every link of the catalog,
the shared-term check: terms that occur as written in both papers (case and plural aside; two words only adjacent,
with nothing but a space between them, a hyphenated compound one word); terms most papers use (boilerplate by
frequency: over 10% of the catalog); the filler words issue 12 named; links whose terms repeat a word in singular and
plural.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JUDGMENTS = ROOT / "tests" / "data" / "related_judgments.jsonl"
# What issue 12 listed as filler or boilerplate shown as shared terms: a regression probe, not a rule of the code.
ISSUE_FILLER = {"good", "soon", "enormous", "review", "wide range", "propose", "existing state",
                "following contributions", "iii conduct"}
_PIECE = re.compile(r"[^\W_]+(?:-[^\W_]+)*|[^\w\s]")


@functools.cache
def _irregular() -> dict[str, str]:
    """Singular -> plural, the standard English table the code uses (imported here only: the worker that runs
    another revision's code must not have this tree's `generator` loaded)."""
    sys.path.insert(0, str(ROOT))
    from generator.terms import IRREGULAR_PLURALS

    return {singular: plural for plural, singular in IRREGULAR_PLURALS.items()}


def worker(code_dir: str, out: str, k: int, min_score: float | None, relative: float | None) -> None:
    """In a fresh process with `code_dir` first on the path: the catalog's related lists as JSON."""
    sys.path.insert(0, code_dir)
    import inspect

    from generator.catalog import build_catalog
    from generator.ingest import read_dumps
    from generator.related import compute_related

    dumps, _ = read_dumps([ROOT / "dumps"])
    catalog, _ = build_catalog(dumps)
    kwargs: dict = {"k": k}
    if min_score is not None:
        kwargs["min_score"] = min_score
    if relative is not None and "relative" in inspect.signature(compute_related).parameters:
        kwargs["relative"] = relative
    result = compute_related(catalog.papers, **kwargs)
    lists = {pid: [[r.id, r.score, list(r.terms), bool(getattr(r, "version", False))] for r in rels]
             for pid, rels in result.items()}
    texts = {p.id: f"{p.title}\n{p.abstract}" for p in catalog.papers}
    Path(out).write_text(json.dumps({"lists": lists, "texts": texts}))


def run(code_dir: Path, k: int = 5, min_score: float | None = None, relative: float | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="eval-related-") as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, __file__, "--worker", str(code_dir), str(out), str(k),
               "" if min_score is None else str(min_score), "" if relative is None else str(relative)]
        subprocess.run(cmd, check=True)
        return json.loads(out.read_text())


def checkout(ref: str, into: Path) -> Path:
    """The `generator` package as it is at `ref`, extracted into `into` (nothing in the work tree is touched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "generator"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def load_judgments(path: Path = JUDGMENTS) -> tuple[list[str], dict[tuple[str, str], int]]:
    sources: list[str] = []
    labels: dict[tuple[str, str], int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["source"] not in sources:
            sources.append(row["source"])
        labels[(row["source"], row["candidate"])] = row["label"]
    return sources, labels


def _forms(word: str) -> set[str]:
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word in _irregular():
        forms.add(_irregular()[word])
    return forms


def occurs(term: str, tokens: list[str]) -> bool:
    """`term`'s words as consecutive tokens of the text, each as written, case and plural aside."""
    words = term.split(" ")
    forms = [_forms(w) for w in words]
    return any(all(tokens[i + j] in forms[j] for j in range(len(words)))
               for i in range(len(tokens) - len(words) + 1))


def tokens_of(text: str) -> list[str]:
    return _PIECE.findall(text.lower().replace("\u2010", "-").replace("\u2011", "-"))


def singular_plural_repeat(terms: list[str]) -> bool:
    words = [w for t in terms for w in set(t.split(" "))]
    return any(b in _forms(a) - {a} for a in words for b in words)


def score(data: dict, sources: list[str], labels: dict, min_score: float = 0.0, relative: float = 0.0) -> dict:
    """The figures for the shown links of `data` (optionally cut further by min_score / relative)."""
    lists = {}
    for pid, rels in data["lists"].items():
        related = [r for r in rels if not r[3]]
        top = related[0][1] if related else 0.0
        lists[pid] = [r for r in related if r[1] >= min_score and r[1] >= relative * top]
    out: dict = {}
    shown = [(s, r) for s in sources for r in lists.get(s, [])]
    judged = [labels[(s, r[0])] for s, r in shown if (s, r[0]) in labels]
    counts = Counter(judged)
    firsts = [labels.get((s, lists[s][0][0])) for s in sources if lists.get(s)]
    n_j = max(len(judged), 1)
    out["links"] = len(shown)
    out["per page"] = len(shown) / len(sources)
    out["clearly"] = counts[2] / n_j
    out["loosely"] = counts[1] / n_j
    out["unrelated"] = counts[0] / n_j
    out["unjudged"] = (len(shown) - len(judged)) / max(len(shown), 1)
    out["first clearly"] = sum(f == 2 for f in firsts) / max(sum(f is not None for f in firsts), 1)
    out["pages w/ unrelated"] = sum(any(labels.get((s, r[0])) == 0 for r in lists.get(s, [])) for s in sources)
    out["pages w/ link"] = sum(bool(lists.get(s)) for s in sources) / len(sources)
    out["coverage"] = sum(bool(v) for v in lists.values()) / len(lists)
    return out


def term_check(data: dict) -> dict:
    tokens = {pid: tokens_of(text) for pid, text in data["texts"].items()}
    df: Counter[str] = Counter()
    for toks in tokens.values():
        df.update({t for t in toks})
    n = len(tokens)
    terms = [(pid, r[0], t) for pid, rels in data["lists"].items() for r in rels if not r[3] for t in r[2]]
    links = [r[2] for rels in data["lists"].values() for r in rels if not r[3]]
    in_both = sum(occurs(t, tokens[a]) and occurs(t, tokens[b]) for a, b, t in terms)
    frequent = sum(all(max((df[f] for f in _forms(w)), default=0) > 0.1 * n for w in t.split(" "))
                   for _, _, t in terms)
    return {
        "terms": len(terms),
        "in both texts": in_both / max(len(terms), 1),
        "used by >10% of papers": frequent / max(len(terms), 1),
        "issue-12 filler": sum(t in ISSUE_FILLER for _, _, t in terms) / max(len(terms), 1),
        "links with sing./plural repeat": sum(map(singular_plural_repeat, links)) / max(len(links), 1),
    }


def split_sources(sources: list[str], split: str) -> list[str]:
    half = len(sources) // 2
    return {"all": sources, "tune": sources[:half], "report": sources[half:]}[split]


def table(rows: list[tuple[str, dict]]) -> str:
    keys = list(rows[0][1])
    head = "| configuration | " + " | ".join(keys) + " |"
    lines = [head, "|---|" + "---:|" * len(keys)]
    for name, figures in rows:
        cells = []
        for key in keys:
            value = figures[key]
            cells.append(f"{value:.1%}" if isinstance(value, float) and key not in ("per page",)
                         else f"{value:.2f}" if isinstance(value, float) else str(value))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", default="main", help="the revision whose code is 'before' (default: main)")
    parser.add_argument("--sweep", action="store_true", help="min score x relative cut on the tuning half")
    parser.add_argument("--judgments", type=Path, default=JUDGMENTS,
                        help="the judged pairs (default: the pooled set; tests/data/related_judgments_heldout.jsonl is "
                             "the held-out set, scored whole: it has no tuning half)")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        code, out, k, min_score, relative = args.worker
        worker(code, out, int(k), float(min_score) if min_score else None, float(relative) if relative else None)
        return
    sources, labels = load_judgments(args.judgments)
    held_out = args.judgments.resolve() != JUDGMENTS.resolve()
    if args.sweep:
        data = run(ROOT, min_score=0.0, relative=0.0)
        rows = []
        for min_score in (0.10, 0.12, 0.13, 0.14, 0.15, 0.16, 0.18, 0.20):
            for relative in (0.0, 0.5, 0.6, 0.7):
                figures = score(data, split_sources(sources, "tune"), labels, min_score, relative)
                rows.append((f"min {min_score:.2f} rel {relative:.1f}", figures))
        print(table(rows))
        return
    with tempfile.TemporaryDirectory(prefix="eval-related-ref-") as tmp:
        before = run(checkout(args.ref, Path(tmp)))
    after = run(ROOT)
    for split in ("all",) if held_out else ("tune", "report", "all"):
        chosen = split_sources(sources, split)
        print(f"\n{split}: {len(chosen)} sources")
        print(table([(f"before ({args.ref})", score(before, chosen, labels)),
                     ("after (this tree)", score(after, chosen, labels))]))
    print("\nshared terms, every link of the catalog")
    print(table([(f"before ({args.ref})", term_check(before)), ("after (this tree)", term_check(after))]))
    versions = sorted({tuple(sorted((pid, r[0]))) for pid, rels in after["lists"].items() for r in rels if r[3]})
    print(f"\nother versions (after): {len(versions)} pairs")
    for a, b in versions:
        print(f"  {a}  <->  {b}")


if __name__ == "__main__":
    main()
