"""The search index (generator/search.py) and the browser code that queries it (site_src/assets/search.js).

The JavaScript runs under node over real index files: it must split text into the same words as the indexer and
find exactly the papers a brute-force reading of the catalog finds.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import make_paper
from generator import search
from generator.catalog import build_catalog
from generator.ingest import read_dumps

ROOT = Path(__file__).resolve().parent.parent
SEARCH_JS = ROOT / "site_src" / "assets" / "search.js"
RUNNER = ROOT / "tests" / "js" / "search_run.mjs"


def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not installed: search.js cannot be tested (.ci/run installs nodejs)")
    return path


def run_js(index_dir: Path, tmp_path: Path, texts=(), queries=()) -> dict:
    requests = tmp_path / "requests.json"
    requests.write_text(json.dumps({"texts": list(texts), "queries": list(queries)}), encoding="utf-8")
    proc = subprocess.run([node(), str(RUNNER), str(SEARCH_JS), str(index_dir), str(requests)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def write_index(files: dict[str, str], folder: Path) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def expected_ids(papers, query: str) -> set[str]:
    """Brute force over the catalog, by the documented rules: every whole word, and the word still being typed as
    the start of a word or as its singular; a stop word, whole or typed, asks nothing; a typed word shorter than
    three letters is required only when it is the only word."""
    folded = search.fold(query)
    tokens = search.TOKEN_RE.findall(folded)
    last = tokens.pop() if tokens and re.search(r"[^\W_]\Z", folded) else ""
    words = list(dict.fromkeys(term for term in map(search._term, tokens) if term))
    typed = None
    if len(last) >= 3 and search._term(last):
        typed = (last, search._term(last))
    elif last and search._term(last) and not words:
        words.append(search._term(last))
    if not words and typed is None:
        return set()
    found = set()
    for paper in papers:
        text_terms = set(search.terms(" ".join([paper.title, " ".join(paper.authors), paper.arxiv_id, paper.abstract])))
        if all(word in text_terms for word in words) and (
                typed is None or any(term.startswith(typed[0]) or term == typed[1] for term in text_terms)):
            found.add(paper.id)
    return found


@pytest.fixture(scope="module")
def bundled_papers():
    dumps, _ = read_dumps([ROOT / "dumps"])
    catalog, _ = build_catalog(dumps)
    return catalog.papers


def test_words_fold_accents_and_plurals_and_skip_stop_words():
    assert search.terms("The Ünïcode MODELS of Studies, 3 x-rays") == ["unicode", "model", "study", "3", "ray"]
    assert search.terms("analysis class focus") == ["analysis", "class", "focus"]


def test_javascript_splits_text_into_the_same_words(tmp_path):
    rng = random.Random(7)
    alphabet = "aAzZ09 _-.,'\"é̀ÉßİıΣσςﬁＦｕｌｌ²₃½ΩΏжЖ中文日本語😀\u200b\u00a0\t\ncafe\u0301 x̂"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    texts += ["Straße GROSS", "İstanbul", "ΟΔΥΣΣΕΥΣ", "naïve café", "ﬁne-tuning", "x²", "GPT-4o's", "Llama-3.1-8B"]
    answer = run_js(tmp_path, tmp_path, texts=texts)
    mismatches = [(t, py, js) for t, py, js in zip(texts, (search.terms(t) for t in texts), answer["terms"]) if py != js]
    assert not mismatches, mismatches[:5]


def test_javascript_finds_exactly_the_papers_that_have_every_word(bundled_papers, tmp_path):
    index = write_index(search.build_index(bundled_papers), tmp_path / "index")
    rng = random.Random(3)
    queries = ["diffusion", "Diffusion models", "language model ", "attention is all you need", "transf", "reinforc learning",
               "qzxwvy", "the of and", "", "lora", "vision-language", "2d", "GPT-4", "with", "pres", "models",
               "the", "of", "a", "x", "3", "diffusion, ", "Transformer.", "naïve"]
    for paper in rng.sample(list(bundled_papers), 40):
        words = [w for w in search.TOKEN_RE.findall(paper.title) if len(w) > 3]
        if words:
            queries += [max(words, key=len), " ".join(rng.sample(words, min(2, len(words)))) + " ", words[0][:4]]
        if paper.authors:
            queries.append(paper.authors[0].split()[-1])
        if paper.arxiv_id:
            queries.append(paper.arxiv_id)
    answer = run_js(index, tmp_path, queries=queries)
    for query, ids in zip(queries, answer["results"]):
        assert len(ids) == len(set(ids)), query
        assert set(ids) == expected_ids(bundled_papers, query), query


def test_title_words_rank_first_and_ties_go_to_the_newer_paper(tmp_path):
    papers = [
        make_paper(id="old-title", title="Sparse Gating", abstract="Nothing here.", first_seen="2025-01-01"),
        make_paper(id="abstract-only", title="Other Work", abstract="We use sparse gating.", first_seen="2025-03-01"),
        make_paper(id="new-title", title="Sparse Gating", abstract="Nothing here.", first_seen="2025-02-01"),
    ]
    index = write_index(search.build_index(papers), tmp_path / "index")
    answer = run_js(index, tmp_path, queries=["sparse gating "])
    assert answer["results"][0] == ["new-title", "old-title", "abstract-only"]


def test_an_arxiv_id_or_an_author_finds_the_paper(tmp_path):
    papers = [make_paper(id="p1", title="One", arxiv_id="2401.01234", authors=("Ada Lovelace", "Alan Turing")),
              make_paper(id="p2", title="Two", arxiv_id="2401.05678", authors=("Grace Hopper",))]
    index = write_index(search.build_index(papers), tmp_path / "index")
    answer = run_js(index, tmp_path, queries=["2401.01234", "hopper", "turing lovelace"])
    assert answer["results"] == [["p1"], ["p2"], ["p1"]]


def test_hostile_text_stays_data_in_every_file():
    paper = make_paper(id="x", title='</script><img src=x onerror="alert(1)"> & **bold**', authors=("<b>Eve</b>",),
                       abstract="A $\\alpha$ <script>alert(2)</script> abstract\u2028line.")
    files = search.build_index([paper])
    for name, text in files.items():
        assert "<" not in text and ">" not in text, name
        json.loads(text)
    card = json.loads(next(t for n, t in files.items() if n.startswith("cards/")))[0]
    assert card[1] == paper.title and card[3] == "<b>Eve</b>"


def test_same_papers_same_files_and_one_new_paper_renames_only_what_it_touches(bundled_papers):
    first = search.build_index(bundled_papers)
    assert search.build_index(list(reversed(bundled_papers))) == first
    newcomer = make_paper(id="zz-newcomer", title="Quokka Inference", abstract="Quokkas infer.", first_seen="")
    second = search.build_index([*bundled_papers, newcomer])
    changed = {name for name in second if name not in first}
    assert "manifest.json" in second and second["manifest.json"] != first["manifest.json"]
    assert any(name.startswith("cards/") for name in changed)
    # every term's weight depends on the paper count, so the term shards change; the other cards do not
    assert sum(1 for name in changed if name.startswith("cards/")) == 1
    manifest = json.loads(second["manifest.json"])
    assert manifest["papers"] == len(bundled_papers) + 1
    assert sum(len(json.loads(second[name])) for name in manifest["cards"]) == len(bundled_papers) + 1


def _dump_items(rng: random.Random, count: int, first_id: int) -> list[dict]:
    """API items of papers with authors and arXiv ids; some authors write several papers."""
    surnames = ["Lovelace", "Turing", "Hopper", "Noether", "Ramanujan", "Curie", "Dijkstra", "Knuth", "Liskov", "Hamilton"]
    topics = ["sparse attention", "video diffusion", "retrieval augmented generation", "speech recognition",
              "protein folding", "robot grasping", "code generation", "image segmentation"]
    items = []
    for n in range(count):
        arxiv_id = f"25{rng.randint(1, 12):02d}.{first_id + n:05d}"
        authors = [f"{rng.choice('ABCDEFGH')}. {rng.choice(surnames)}{first_id + n}x{k}" for k in range(rng.randint(1, 4))]
        authors.append(f"Grace {rng.choice(surnames)}")  # a name many papers share
        topic = rng.choice(topics)
        items.append({"paper": {"id": arxiv_id, "title": f"{topic.title()} With Method {first_id + n}",
                                "summary": f"We study {topic} and report results on {rng.choice(topics)}.",
                                "authors": [{"name": a} for a in authors], "upvotes": n},
                      "publishedAt": f"2025-03-{10 + n % 5:02d}T06:00:00.000Z"})
    return items


def test_authors_and_arxiv_ids_from_html_and_api_dumps_find_their_papers(tmp_path):
    import html as html_lib

    rng = random.Random(5)
    dumps = tmp_path / "dumps"
    shutil.copytree(ROOT / "dumps", dumps)  # among the bundled papers, which have neither
    api_items, html_items = _dump_items(rng, 25, 100), _dump_items(rng, 25, 200)
    (dumps / "900_api.json").write_text(json.dumps(api_items), encoding="utf-8")
    props = html_lib.escape(json.dumps({"dateString": "2025-03-14", "dailyPapers": html_items}), quote=True)
    (dumps / "901_page.html").write_text(f'<html><body><div data-target="DailyPapers" data-props="{props}"></div>'
                                         "</body></html>", encoding="utf-8")
    loaded, problems = read_dumps([dumps])
    papers = build_catalog(loaded)[0].papers
    by_arxiv = {p.arxiv_id: p for p in papers if p.arxiv_id}
    assert len(by_arxiv) == 50 and all(p.authors for p in by_arxiv.values())

    index = write_index(search.build_index(papers), tmp_path / "index")
    queries, wanted = [], []
    for paper in by_arxiv.values():
        unique_author = paper.authors[0]
        # as typed, no trailing space: the id, the unique surname, the full name; then the id still being typed
        queries += [paper.arxiv_id, unique_author.split()[-1], unique_author]
        wanted += [paper.id] * 3
    partial = [p.arxiv_id[:-1] for p in by_arxiv.values()]
    shared = "Grace Hopper"  # asked with a trailing space below: whole words, not "Hopper116x0"
    answer = run_js(index, tmp_path, queries=queries + partial + [shared + " "])
    results = answer["results"]
    for query, paper_id, ids in zip(queries, wanted, results):
        assert ids and ids[0] == paper_id, (query, ids[:3])
        if query in by_arxiv:
            assert ids == [paper_id], query  # a whole id is no other paper's
    for query, paper, ids in zip(partial, by_arxiv.values(), results[len(queries):]):
        assert paper.id in ids[:10], query
    assert set(results[-1]) == {p.id for p in by_arxiv.values() if shared in p.authors}


def test_exact_words_then_title_phrase_then_title_words_rank_first(tmp_path):
    papers = [
        # a rare completion of the typed word, in the title: weighs most by BM25, matches only as a prefix
        make_paper(id="completion", title="Transformerbased Imagination", abstract="Transformerbased.",
                   first_seen="2025-03-05"),
        make_paper(id="abstract", title="Other Work", abstract="We use a vision model and a transformer.",
                   first_seen="2025-03-04"),
        make_paper(id="words", title="A Transformer for Vision", abstract="Nothing else.", first_seen="2025-03-03"),
        make_paper(id="phrase", title="Scaling Vision Transformers", abstract="Nothing else.", first_seen="2025-03-01"),
        make_paper(id="exact-title", title="Vision Transformer", abstract="Nothing else.", first_seen="2025-02-01"),
        make_paper(id="longer-title", title="Vision Transformer Scaling Laws", abstract="Nothing.", first_seen="2025-03-06"),
    ]
    index = write_index(search.build_index(papers), tmp_path / "index")
    answer = run_js(index, tmp_path, queries=["transformer", "vision transformer", "transformer vision", "Transformerb"])
    by_transformer, by_phrase, reversed_phrase, by_prefix = answer["results"]
    assert by_transformer[-1] == "completion"  # every exact match first, the prefix-only one last
    # the title phrase first (the title equal to the query first of all), then both words in the title, then the rest
    assert by_phrase[0] == "exact-title" and set(by_phrase[1:3]) == {"longer-title", "phrase"}
    assert by_phrase[3:] == ["words", "abstract"]
    assert reversed_phrase[:1] == ["words"] and reversed_phrase[-1] == "abstract"
    assert by_prefix == ["completion"]
