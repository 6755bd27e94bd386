"""Write a synthetic archive of dumps: real text and JSON dumps plus a manifest, for benchmarks and tests.

    .venv/bin/python bench/make_archive.py --papers 10000 --out bench/out/archive-10000 [--seed 0]

The archive reads like the real thing: one digest a day from 2023-01-02 on, 20-50 papers a day (about 30),
about 8% of entries being papers already seen on an earlier day (within the last two weeks). Two days out of
three are text dumps (page chrome, a `Mar 11` day header, then title / blank / abstract / blank), the third is
a JSON API dump (`[{"paper": {"id", "title", "summary", "authors", "upvotes", "publishedAt"}, "publishedAt",
"numComments"}]`). `manifest.yml` gives each text dump its capture date (a day header carries no year).

Text: 30,000 pseudo-words drawn with Zipf frequencies (English function words at the head, as in real
abstracts) and 40 topic clusters of 300 characteristic words each (split into subtopics, so neighbours exist at
several strengths). Each cluster also owns the `include` phrases of one topic of the taxonomy (topics.yml), and a
paper of 1-4 clusters carries enough of their phrases (one in the title, or three in the abstract) to be tagged
with their topics. Titles run 8-14 words, abstracts 1,200-1,600 characters ending with a period, some with a
GitHub URL. The same (papers, seed, topics.yml) give byte-identical files.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
FORMAT_VERSION = 1  # bump when the output changes for the same arguments (bench caches compare it)
MARKER = ".archive.json"  # starts with a dot: dump readers skip it
START_DAY = dt.date(2023, 1, 2)

CHROME = ("new", "Get trending papers in your email inbox!", "Subscribe", "byAK and the research community")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The head of the Zipf distribution: what real abstracts are mostly made of.
FUNCTION_WORDS = (
    "the of and to a in we is for that with on by this as are our an be from which it can these model "
    "results show method approach using such their than both while also has have not into more over "
    "data based large new across two its at between through without however each when most only"
).split()
CONNECTORS = ("for", "with", "via", "in", "of", "and", "from", "through", "without", "across")
SYLLABLES = (
    "ka to ri mo na le si vu pe ga do fi ze lu ba co ne ta mi ro sa pu de ho ju wi xe ly "
    "qua tra bel con ste mar pol tin ver lex gra fon"
).split()

VOCAB_SIZE = 30_000
N_CLUSTERS = 40
CLUSTER_SIZE = 300
SUB_SIZE = 40  # a paper draws half of its cluster words from one 40-word window of its cluster
TITLE_MAX = 14
ABSTRACT_MAX = 330  # words drawn per paper; the abstract is cut to its character target
TOPIC_COUNT_P = (0.45, 0.30, 0.17, 0.08)  # 1, 2, 3 or 4 topics
REPEAT_SHARE = 0.08
REPEAT_WINDOW = 14  # days back a repeated paper comes from
CODE_URL_SHARE = 0.12


@dataclasses.dataclass
class ArchiveInfo:
    papers: int
    days: int
    entries: int
    repeats: int
    text_dumps: int
    json_dumps: int
    first_day: str
    last_day: str
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.papers} papers, {self.entries} entries ({self.repeats} repeats) in {self.days} dumps "
            f"({self.text_dumps} text, {self.json_dumps} json), {self.first_day}..{self.last_day}"
        )


# ---------------------------------------------------------------- words


def _zipf_cdf(n: int, s: float) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** s
    cdf = np.cumsum(p)
    return cdf / cdf[-1]


def _draw(rng: np.random.Generator, cdf: np.ndarray, shape) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(shape)), len(cdf) - 1)


def _reserved_words(phrases: list[str]) -> set[str]:
    """Words a pseudo-word must not be: any word of a taxonomy phrase, joined or plural, so only the phrases
    that are put in on purpose can tag a paper."""
    out = set(FUNCTION_WORDS) | set(CONNECTORS)
    for phrase in phrases:
        parts = re.split(r"[^a-z0-9]+", phrase.lower())
        parts = [p for p in parts if p]
        for word in [*parts, "".join(parts)]:
            out |= {word, word + "s", word + "es", word[:-1] + "ies"}
    return out


def _pseudo_words(rng: np.random.Generator, n: int, reserved: set[str]) -> list[str]:
    syllables = np.array(SYLLABLES, dtype=object)
    words: list[str] = []
    seen = set(reserved)
    while len(words) < n:
        batch = 2 * (n - len(words)) + 100
        lengths = rng.integers(2, 5, batch)
        picks = rng.integers(0, len(SYLLABLES), (batch, 4))
        for length, row in zip(lengths.tolist(), syllables[picks].tolist()):
            word = "".join(row[:length])
            if word not in seen:
                seen.add(word)
                words.append(word)
                if len(words) == n:
                    break
    return words


def load_topic_phrases(topics_file: Path) -> list[tuple[str, list[str]]]:
    """(slug, include phrases) of every topic that has phrases, in file order."""
    data = yaml.safe_load(Path(topics_file).read_text(encoding="utf-8")) or {}
    out = []
    for topic in data.get("topics") or ():
        phrases = [" ".join(str(p).split()) for p in topic.get("include") or ()]
        if phrases:
            out.append((str(topic["slug"]), phrases))
    if not out:
        raise SystemExit(f"{topics_file}: no topic with include phrases")
    return out


def _title_case(word: str) -> str:
    if word in CONNECTORS:
        return word
    return word[:1].upper() + word[1:]


def _phrase_case(phrase: str, in_title: bool) -> str:
    """Acronyms (any capital letter) as written; in a title, every word capitalised."""
    if not in_title or any(ch.isupper() for ch in phrase):
        return phrase
    return " ".join(w[:1].upper() + w[1:] for w in phrase.split(" "))


# ---------------------------------------------------------------- schedule


def _schedule(n_papers: int, rng: np.random.Generator) -> list[list[int]]:
    """Per day, the paper indexes on its page (new papers numbered in order of first appearance)."""
    days: list[list[int]] = []
    made = 0
    day_sets: list[set[int]] = []
    while made < n_papers:
        size = int(np.clip(round(rng.normal(31, 7)), 20, 50))
        repeats = int(rng.binomial(size, REPEAT_SHARE)) if days else 0
        pool = sorted(set().union(*day_sets[-REPEAT_WINDOW:])) if days else []
        repeats = min(repeats, len(pool))
        new = min(size - repeats, n_papers - made)
        page = list(range(made, made + new))
        made += new
        if repeats:
            chosen = rng.choice(len(pool), size=repeats, replace=False)
            for index in sorted(chosen.tolist()):
                page.insert(int(rng.integers(0, len(page) + 1)), pool[index])
        days.append(page)
        day_sets.append(set(page))
    return days


# ---------------------------------------------------------------- papers


@dataclasses.dataclass
class Corpus:
    titles: list[str]
    abstracts: list[str]
    clusters: list[tuple[int, ...]]


def _make_corpus(n: int, rng: np.random.Generator, pyrng: random.Random, topic_phrases) -> Corpus:
    all_phrases = [p for _, phrases in topic_phrases for p in phrases]
    vocab = FUNCTION_WORDS + _pseudo_words(rng, VOCAB_SIZE - len(FUNCTION_WORDS), _reserved_words(all_phrases))
    vocab_arr = np.array(vocab, dtype=object)
    word_len = np.array([len(w) + 1 for w in vocab], dtype=np.int32)
    n_func = len(FUNCTION_WORDS)
    cdf_bg = _zipf_cdf(VOCAB_SIZE, 1.05)
    cdf_title = _zipf_cdf(VOCAB_SIZE - n_func, 1.0)  # titles: no function words from the background
    cdf_cluster = _zipf_cdf(CLUSTER_SIZE, 0.8)
    cdf_sub = _zipf_cdf(SUB_SIZE, 0.6)
    cluster_words = np.stack([rng.choice(np.arange(500, VOCAB_SIZE), CLUSTER_SIZE, replace=False) for _ in range(N_CLUSTERS)])
    n_subs = CLUSTER_SIZE // SUB_SIZE * 2  # overlapping windows

    titles: list[str] = []
    abstracts: list[str] = []
    clusters: list[tuple[int, ...]] = []
    seen_titles: set[str] = set()
    block = 2048
    for start in range(0, n, block):
        m = min(block, n - start)
        k = rng.choice(4, size=m, p=TOPIC_COUNT_P) + 1
        own = np.argsort(rng.random((m, N_CLUSTERS)), axis=1)[:, :4]  # distinct; the first k are the paper's
        # secondary cluster per word: one of the paper's other clusters, or for one-topic papers a random one
        other_col = (rng.integers(0, 1 << 30, (m, ABSTRACT_MAX + TITLE_MAX)) % np.maximum(k - 1, 1)[:, None]) + 1
        secondary = np.take_along_axis(own, other_col, axis=1)
        sub = rng.integers(0, n_subs, m)
        sub_offset = (sub * (SUB_SIZE // 2))[:, None]
        length = ABSTRACT_MAX + TITLE_MAX
        sub_words = cluster_words[own[:, :1], (sub_offset + _draw(rng, cdf_sub, (m, length))) % CLUSTER_SIZE]
        main_words = cluster_words[own[:, :1], _draw(rng, cdf_cluster, (m, length))]
        sec_words = cluster_words[secondary, _draw(rng, cdf_cluster, (m, length))]
        strength = rng.uniform(0.6, 1.4, (m, 1))
        in_title = np.arange(length) < TITLE_MAX
        background = np.where(in_title, _draw(rng, cdf_title, (m, length)) + n_func, _draw(rng, cdf_bg, (m, length)))
        a_sub = np.where(in_title, 0.30, 0.10 * strength)
        a_main = a_sub + np.where(in_title, 0.25, 0.12 * strength)
        a_sec = a_main + np.where(in_title, 0.12, 0.06 * strength)
        u = rng.random((m, length))
        words = np.where(u < a_sub, sub_words, np.where(u < a_main, main_words, np.where(u < a_sec, sec_words, background)))
        commas = rng.random((m, ABSTRACT_MAX)) < 0.05
        title_len = rng.integers(8, TITLE_MAX + 1, m)
        targets = rng.integers(1190, 1540, m)  # characters, code URL included (commas and phrases add a few)
        for i in range(m):
            paper_clusters = tuple(int(c) for c in own[i, : k[i]])
            title_phrases, abstract_phrases = _pick_phrases(paper_clusters, topic_phrases, pyrng)
            title = _make_title(vocab_arr[words[i, : title_len[i]]].tolist(), title_phrases, pyrng)
            key = re.sub(r"[\W_]+", " ", title.casefold()).strip()
            while key in seen_titles:  # a title names a paper: keep them distinct
                title += " " + _title_case(vocab[pyrng.randrange(n_func, VOCAB_SIZE)])
                key = re.sub(r"[\W_]+", " ", title.casefold()).strip()
            seen_titles.add(key)
            code = ""
            if pyrng.random() < CODE_URL_SHARE:
                owner, repo = vocab[pyrng.randrange(n_func, 5000)], vocab[pyrng.randrange(n_func, VOCAB_SIZE)]
                code = f" Code is available at https://github.com/{owner}/{repo}."
            body_idx = words[i, TITLE_MAX:]
            cut = int(np.searchsorted(np.cumsum(word_len[body_idx]), targets[i] - len(code)))
            body = vocab_arr[body_idx[: cut + 1]].tolist()
            abstract = _make_abstract(body, commas[i], abstract_phrases, pyrng) + code
            titles.append(title)
            abstracts.append(abstract)
            clusters.append(paper_clusters)
    return Corpus(titles, abstracts, clusters)


def _pick_phrases(paper_clusters, topic_phrases, pyrng: random.Random) -> tuple[list[str], list[str]]:
    """Taxonomy phrases for the title and the abstract: per cluster one in the title (score 3) or three
    distinct ones in the abstract (3 x 1)."""
    title: list[str] = []
    abstract: list[str] = []
    for rank, cluster in enumerate(paper_clusters):
        phrases = topic_phrases[cluster % len(topic_phrases)][1]
        if len(title) < 2 and pyrng.random() < (0.7 if rank == 0 else 0.2):
            picked = pyrng.sample(phrases, min(len(phrases), 1 + pyrng.randrange(3)))
            title.append(picked[0])
            abstract.extend(picked[1:])
        else:
            abstract.extend(pyrng.sample(phrases, min(len(phrases), 3 + pyrng.randrange(2))))
    return title, abstract


def _make_title(words: list[str], phrases: list[str], pyrng: random.Random) -> str:
    cased = [_phrase_case(phrase, True) for phrase in phrases]
    keep = max(4, len(words) - sum(len(p.split(" ")) for p in cased))  # the phrases' words count too
    tokens = [_title_case(w) for w in words[: keep - 1]]
    tokens.insert(pyrng.randrange(2, len(tokens)), pyrng.choice(CONNECTORS))
    for phrase in cased:
        tokens.insert(pyrng.randrange(len(tokens) + 1), phrase)
    title = " ".join(tokens)
    if pyrng.random() < 0.3:  # "Name: what it does"
        first, _, rest = title.partition(" ")
        if rest:
            title = f"{first}: {rest[:1].upper()}{rest[1:]}"
    return title


def _make_abstract(words: list[str], commas, phrases: list[str], pyrng: random.Random) -> str:
    tokens = [w + "," if c else w for w, c in zip(words, commas.tolist())]
    # early enough to survive the cut, each in its own place, replacing words to keep the length
    for phrase, position in zip(phrases, pyrng.sample(range(min(len(tokens), 140)), len(phrases))):
        tokens[position] = _phrase_case(phrase, False)
    sentences = []
    start = 0
    while start < len(tokens):
        end = start + pyrng.randint(12, 30)
        if len(tokens) - end < 8:
            end = len(tokens)
        text = " ".join(tokens[start:end]).rstrip(",")
        sentences.append(text[:1].upper() + text[1:] + ".")
        start = end
    return " ".join(sentences)


# ---------------------------------------------------------------- dumps


def _month_header(day: dt.date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}"


def _text_dump(day: dt.date, page: list[int], corpus: Corpus) -> bytes:
    lines = [*CHROME, _month_header(day)]
    for index in page:
        lines += [corpus.titles[index], corpus.abstracts[index]]
    return ("\n\n".join(lines) + "\n").encode("utf-8")


def _json_dump(day: dt.date, page: list[int], corpus: Corpus, meta: dict) -> bytes:
    items = []
    for position, index in enumerate(page):
        arxiv_id, authors, upvotes, published, comments = meta[index]
        hour, minute = 13 + position // 60, position % 60
        items.append(
            {
                "paper": {
                    "id": arxiv_id,
                    "authors": [{"name": name} for name in authors],
                    "publishedAt": f"{published}T17:59:{position % 60:02d}.000Z",
                    "title": corpus.titles[index],
                    "summary": corpus.abstracts[index],
                    "upvotes": upvotes,
                },
                "publishedAt": f"{day.isoformat()}T{hour:02d}:{minute:02d}:00.000Z",
                "numComments": comments,
            }
        )
    return (json.dumps(items, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _paper_meta(schedule: list[list[int]], n: int, rng: np.random.Generator, pyrng: random.Random) -> dict:
    """arXiv id, authors, upvotes, arXiv day and comments per paper (the JSON form's extra fields)."""
    first_day: dict[int, dt.date] = {}
    for offset, page in enumerate(schedule):
        for index in page:
            first_day.setdefault(index, START_DAY + dt.timedelta(days=offset))
    names = _pseudo_words(rng, 12_000, set())
    given = [w.capitalize() for w in names[:2000]]
    family = [w.capitalize() for w in names[2000:]]
    upvotes = np.minimum(rng.pareto(1.3, n) * 6, 900).astype(int).tolist()
    comments = rng.poisson(1.5, n).tolist()
    counters: dict[str, int] = {}
    meta = {}
    for index in range(n):
        published = first_day[index] - dt.timedelta(days=pyrng.randrange(0, 4))
        month = f"{published.year % 100:02d}{published.month:02d}"
        counters[month] = counters.get(month, pyrng.randrange(1, 400)) + pyrng.randint(1, 20)
        authors = tuple(f"{pyrng.choice(given)} {pyrng.choice(family)}" for _ in range(pyrng.randint(1, 9)))
        meta[index] = (f"{month}.{counters[month]:05d}", authors, upvotes[index], published.isoformat(), comments[index])
    return meta


def archive_key(papers: int, seed: int, topics_file: Path) -> dict:
    """What determines the archive's bytes: a cached archive with the same key can be reused."""
    return {
        "papers": papers,
        "seed": seed,
        "format_version": FORMAT_VERSION,
        "generator_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
        "topics_sha256": hashlib.sha256(Path(topics_file).read_bytes()).hexdigest()[:16],
    }


def make_archive(papers: int, out: Path, seed: int = 0, topics_file: Path = ROOT / "topics.yml", json_every: int = 3) -> ArchiveInfo:
    """Write the archive into `out` (replaced if it holds an earlier archive; refused if it holds anything else)."""
    if papers < 1:
        raise ValueError("papers must be at least 1")
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SystemExit(f"{out}: exists and is not an archive made by this script; not overwriting")
    rng = np.random.default_rng(seed)
    pyrng = random.Random(seed)
    topic_phrases = load_topic_phrases(topics_file)
    schedule = _schedule(papers, rng)
    corpus = _make_corpus(papers, rng, pyrng, topic_phrases)
    meta = _paper_meta(schedule, papers, rng, pyrng)

    staging = out.with_name(f".{out.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    manifest_lines = [
        "# Synthetic archive written by bench/make_archive.py: text dumps carry a day header without a year,",
        "# so each has its capture date here.",
        "dumps:",
    ]
    counts = {"text": 0, "json": 0}
    for offset, page in enumerate(schedule):
        day = START_DAY + dt.timedelta(days=offset)
        fmt = "json" if offset % json_every == json_every - 1 else "text"
        data = _json_dump(day, page, corpus, meta) if fmt == "json" else _text_dump(day, page, corpus)
        name = f"{day.isoformat()}-{hashlib.sha256(data).hexdigest()[:12]}.{'json' if fmt == 'json' else 'txt'}"
        (staging / name).write_bytes(data)
        counts[fmt] += 1
        if fmt == "text":
            manifest_lines += [f"  {name}:", f"    captured: {day.isoformat()}"]
    (staging / "manifest.yml").write_text("\n".join(manifest_lines) + "\n", encoding="utf-8")
    entries = sum(len(page) for page in schedule)
    info = ArchiveInfo(
        papers=papers,
        days=len(schedule),
        entries=entries,
        repeats=entries - papers,
        text_dumps=counts["text"],
        json_dumps=counts["json"],
        first_day=START_DAY.isoformat(),
        last_day=(START_DAY + dt.timedelta(days=len(schedule) - 1)).isoformat(),
    )
    marker = {**archive_key(papers, seed, topics_file), "info": dataclasses.asdict(info)}
    marker["info"].pop("seconds")
    (staging / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    info.seconds = time.perf_counter() - started
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, required=True, help="distinct papers in the archive")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (replaced if it holds an earlier archive)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--topics", type=Path, default=ROOT / "topics.yml", help="taxonomy whose include phrases are used")
    args = parser.parse_args(argv)
    info = make_archive(args.papers, args.out, seed=args.seed, topics_file=args.topics)
    print(f"{args.out}: {info.summary()} ({info.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
