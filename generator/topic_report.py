"""The maintainer's report on a taxonomy's tagging (`python -m generator topics`): counts, weak tags, overlaps, and
suggested new topics from clusters of weakly tagged papers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from .catalog import build_catalog
from .ingest import read_dumps
from .model import Paper, Problem, Topic
from .topics import THRESHOLD, Tagging, load_taxonomy, tag_papers

WEAK = THRESHOLD + 1  # a tag scoring less than this rests on one title phrase or a few abstract mentions
MIN_OVERLAP = 3  # pairs of topics sharing fewer papers are not worth a maintainer's look
CLUSTER_SIZE = 8  # about this many weak papers a suggested topic
MIN_CLUSTER = 3  # a suggestion needs at least this many papers


@dataclass(frozen=True)
class TopicLine:
    slug: str
    name: str
    papers: int
    share: float
    fallback: int  # papers given the topic only as the fallback's best guess (nothing scored THRESHOLD)
    weak: int  # other papers given it on evidence under WEAK (a second topic, or about one phrase)


@dataclass(frozen=True)
class Suggestion:
    papers: int
    phrases: tuple[str, ...]
    titles: tuple[str, ...]
    tagged: tuple[tuple[str, int], ...]  # the topics these papers have now, most common first


@dataclass(frozen=True)
class Report:
    papers: int
    catch_all: str | None
    in_catch_all: int
    without_topic: int
    topics: tuple[TopicLine, ...]
    empty: tuple[str, ...]
    weak_papers: tuple[tuple[str, str, tuple[str, ...]], ...]  # (id, title, tags) tagged only by fallback/weak evidence
    overlaps: tuple[tuple[str, str, int, float], ...]  # (slug, slug, papers with both, Jaccard)
    suggestions: tuple[Suggestion, ...]

    def as_json(self) -> dict:
        return {
            "papers": self.papers,
            "catch_all": self.catch_all,
            "in_catch_all": self.in_catch_all,
            "without_topic": self.without_topic,
            "topics": [line.__dict__ for line in self.topics],
            "empty_topics": list(self.empty),
            "weak_papers": [{"id": pid, "title": title, "tags": list(tags)} for pid, title, tags in self.weak_papers],
            "overlaps": [{"topics": [a, b], "papers": n, "jaccard": j} for a, b, n, j in self.overlaps],
            "suggestions": [{"papers": s.papers, "phrases": list(s.phrases), "titles": list(s.titles),
                             "tagged_now": dict(s.tagged)} for s in self.suggestions],
        }


def topic_report(papers: Sequence[Paper], topics: Sequence[Topic], tagging: Mapping[str, Tagging],
                 top: int = 10) -> Report:
    """What `python -m generator topics` prints, from the papers and their `tag_papers` result."""
    n = len(papers)
    catch_all = next((t.slug for t in topics if t.catch_all), None)
    counts: Counter[str] = Counter()
    fallback: Counter[str] = Counter()
    weak_tags: Counter[str] = Counter()
    weak: list[Paper] = []
    for paper in papers:
        result = tagging[paper.id]
        scores = dict(result.scores)
        counts.update(result.tags)
        for slug in result.tags:
            if slug == catch_all:
                continue
            if result.fallback:
                fallback[slug] += 1
            elif scores.get(slug, 0) < WEAK:
                weak_tags[slug] += 1
        real = [s for s in result.tags if s != catch_all]
        if not real or all(scores.get(s, 0) < WEAK for s in real):
            weak.append(paper)
    lines = tuple(
        TopicLine(t.slug, t.name, counts[t.slug], round(counts[t.slug] / n, 4) if n else 0.0, fallback[t.slug],
                  weak_tags[t.slug])
        for t in sorted(topics, key=lambda t: (-counts[t.slug], t.slug))
    )
    return Report(
        papers=n,
        catch_all=catch_all,
        in_catch_all=counts[catch_all] if catch_all else 0,
        without_topic=sum(1 for p in papers if not tagging[p.id].tags),
        topics=lines,
        empty=tuple(t.slug for t in topics if not counts[t.slug]),
        weak_papers=tuple((p.id, p.title, tagging[p.id].tags) for p in sorted(weak, key=lambda p: p.id)),
        overlaps=_overlaps(papers, tagging, catch_all, top),
        suggestions=_suggestions(weak, tagging, top),
    )


def _overlaps(papers, tagging, catch_all, top) -> tuple[tuple[str, str, int, float], ...]:
    """The pairs of topics that most often tag the same papers, by Jaccard index (shared over either)."""
    alone: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    for paper in papers:
        slugs = sorted(s for s in tagging[paper.id].tags if s != catch_all)
        alone.update(slugs)
        both.update(combinations(slugs, 2))
    pairs = [(a, b, k, round(k / (alone[a] + alone[b] - k), 3)) for (a, b), k in both.items() if k >= MIN_OVERLAP]
    return tuple(sorted(pairs, key=lambda p: (-p[3], -p[2], p[0], p[1]))[:top])


def _suggestions(weak: Sequence[Paper], tagging, top: int) -> tuple[Suggestion, ...]:
    """Clusters of weakly tagged papers (TF-IDF of title and abstract, k-means): each a candidate topic, with the
    terms that weigh most in its centre and the titles nearest to it."""
    if len(weak) < 2 * MIN_CLUSTER:
        return ()
    # scikit-learn's vectorizer and k-means: a one-off report has no need of generator/tfidf.py's economies.
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{p.title}. {p.title}. {p.abstract}" for p in weak]  # the title twice: it says what the paper is
    try:
        vectors = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                  max_df=0.5, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b").fit(texts)
    except ValueError:  # no term left (every word too rare or too common)
        return ()
    matrix = vectors.transform(texts)
    terms = vectors.get_feature_names_out()
    k = max(2, min(len(weak) // CLUSTER_SIZE, 50))
    model = KMeans(n_clusters=k, n_init=4, random_state=0).fit(matrix)
    out = []
    for c in range(k):
        members = np.flatnonzero(model.labels_ == c)
        if len(members) < MIN_CLUSTER:
            continue
        centre = model.cluster_centers_[c]
        phrases = tuple(terms[i] for i in np.argsort(-centre, kind="stable")[:6] if centre[i] > 0)
        nearest = members[np.argsort(-(matrix[members] @ centre), kind="stable")][:3]
        tagged = Counter(s for i in members for s in tagging[weak[i].id].tags)
        out.append(Suggestion(len(members), phrases, tuple(weak[i].title for i in nearest),
                              tuple(sorted(tagged.items(), key=lambda x: (-x[1], x[0]))[:3])))
    out.sort(key=lambda s: (-s.papers, s.phrases))
    return tuple(out[:top])


def format_report(report: Report) -> str:
    """The report as text for a terminal."""
    n = report.papers or 1
    lines = [
        f"{report.papers} papers, {len(report.topics)} topics; {report.without_topic} without a topic, "
        f"{report.in_catch_all} ({report.in_catch_all / n:.1%}) in the catch-all"
        + (f" '{report.catch_all}'" if report.catch_all else ""),
        "",
        f"{'topic':32} {'papers':>6} {'share':>6} {'fallback':>8} {'weak':>6}",
    ]
    for t in report.topics:
        lines.append(f"{t.slug:32} {t.papers:6} {t.share:6.1%} {t.fallback:8} {t.weak:6}")
    lines.append(f"(fallback: the best guess for a paper nothing placed (score under {THRESHOLD}); weak: any other tag "
                 f"scoring under {WEAK})")
    if report.empty:
        lines.append(f"no papers (no page or feed yet): {', '.join(report.empty)}")
    lines += ["", f"Papers tagged only by fallback or weak evidence: {len(report.weak_papers)}"]
    for _, title, tags in report.weak_papers:
        lines.append(f"  [{', '.join(tags) or '-'}] {title}")
    lines += ["", "Most overlapping topics (papers with both, Jaccard):"]
    for a, b, k, j in report.overlaps:
        lines.append(f"  {a} + {b}: {k} papers, {j:.2f}")
    if not report.overlaps:
        lines.append(f"  (no pair shares {MIN_OVERLAP} papers)")
    lines += ["", "Suggested new topics (clusters of the weakly tagged papers):"]
    for i, s in enumerate(report.suggestions, 1):
        now = ", ".join(f"{slug} {k}" for slug, k in s.tagged)
        lines.append(f"  {i}. {s.papers} papers: {', '.join(s.phrases)}  (tagged now: {now})")
        lines.extend(f"       - {title}" for title in s.titles)
    if not report.suggestions:
        lines.append("  (too few weakly tagged papers to cluster)")
    return "\n".join(lines) + "\n"


def report_on(dumps_dir: Path, taxonomy: Path, top: int) -> tuple[Report, list[Problem]]:
    """The report on the dumps in `dumps_dir` tagged with the taxonomy file (TaxonomyError when it is unusable), and
    the problems met reading the dumps."""
    topics = load_taxonomy(taxonomy)
    dumps, general = read_dumps([dumps_dir])
    catalog, _ = build_catalog(dumps)
    return topic_report(catalog.papers, topics, tag_papers(catalog.papers, topics), top=top), list(general)
