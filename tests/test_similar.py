""""Papers like this": the index generator/similar_index.py writes and site_src/assets/similar.js, which scores a
pasted text against it in the browser.

The JavaScript runs under node over real index files: it must cut text into the same terms as generator/terms.py
(same texts through both, Hypothesis-made ones included) and rank papers exactly as the build's own scoring
(`SimilarModel.nearest`, the related papers' vectors) does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_paper
from generator import similar_index
from generator.catalog import build_catalog
from generator.ingest import read_dumps
from generator.related import RelatedIndex
from generator.search import card_files, document_order
from generator.terms import ACADEMIC_STOP_WORDS, IRREGULAR_PLURALS, STOP_WORDS, analyze, normal_form

ROOT = Path(__file__).resolve().parent.parent
SIMILAR_JS = ROOT / "site_src" / "assets" / "similar.js"
RUNNER = ROOT / "tests" / "js" / "similar_run.mjs"
LISTS = {"stopWords": sorted(STOP_WORDS), "academicStopWords": sorted(ACADEMIC_STOP_WORDS),
         "irregularPlurals": dict(IRREGULAR_PLURALS)}


def run_js(tmp_path: Path, requests: dict) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: similar.js cannot be tested (.ci/run installs nodejs)")
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(requests), encoding="utf-8")
    proc = subprocess.run([node, str(RUNNER), str(SIMILAR_JS), str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def write_site_index(papers, folder: Path) -> tuple[similar_index.SimilarModel | None, Path]:
    """The index files (and the search index's cards they name) in `folder`, as the build lays them out."""
    related_index, _ = RelatedIndex.build(papers)
    model = similar_index.SimilarModel.from_related(related_index, papers)
    files = similar_index.build_files(model, papers)
    files.update(card_files(document_order(papers)))
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return model, folder


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    dumps, _ = read_dumps([ROOT / "dumps"])
    catalog, _ = build_catalog(dumps)
    model, folder = write_site_index(catalog.papers, tmp_path_factory.mktemp("similar"))
    return catalog.papers, model, folder


# ---- the tokenizer: JavaScript and Python cut text into the same words ---------------------------------------

PIECES = ["model", "models", "Models", "MODEL", "cases", "case", "cas", "studies", "study", "boxes", "box", "indices",
          "index", "matrices", "self-supervised", "state-of-the-art", "cross-encoders", "cross-encoder", "3d", "2",
          "x", "ii", "the", "of", "propose", "results", "analysis", "naïve", "café", "cafe\u0301", "ﬁne-tuning",
          "Straße", "İstanbul", "ΟΔΥΣΣΕΥΣ", "x²", "²x", "Ⅻ", "中文", "😀", "𝐀𝐁", "GPT-4o's", "Llama-3.1-8B",
          "https://github.com/a/b", "www.example.org/x", "arxiv.org", "EXAMPLE.COM", "a.İo", "foo.html", "$x^2$",
          "\\alpha", "{a}", "a_b", "~", "e.g.", "(iii)", "\u2010", "\u2011", "-", "--", "'", "\"", ".", ",", ";", "\n",
          " ", "\t", "\u00a0", "\u2028", "\u200b", "\u0301", "\x1c", "\x85", "\ufeff"]
text_pieces = st.one_of(st.sampled_from(PIECES),
                        st.text(st.characters(exclude_categories=("Cs", "Cn", "Co")), max_size=6))
texts = st.lists(text_pieces, max_size=30).map("".join) | st.lists(text_pieces, max_size=30).map(" ".join)
LEXICON = frozenset("model case cas study studi box boxe index matrix cross-encoder analysis naïve café "
                    "self-supervised state-of-the-art result straße odyssey fine-tuning".split())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(texts, min_size=20, max_size=40))
def test_javascript_analyzes_text_exactly_as_python(tmp_path_factory, batch):
    lexicon = set(LEXICON) | {w for text in batch for w in analyze(text) if w}  # the texts' own words as well
    answer = run_js(tmp_path_factory.mktemp("analyze"),
                    {"analyze": {"texts": batch, "lexicon": sorted(lexicon), "lists": LISTS}})
    for text, js in zip(batch, answer["analyzed"]):
        assert js == analyze(text, lexicon), text


def test_javascript_analyzes_the_bundled_abstracts_as_python(bundled, tmp_path):
    papers, model, _ = bundled
    lexicon = model.vectorizer.lexicon_
    batch = [p.abstract for p in papers] + [p.title for p in papers]
    answer = run_js(tmp_path, {"analyze": {"texts": batch, "lexicon": sorted(lexicon), "lists": LISTS}})
    mismatches = [t for t, js in zip(batch, answer["analyzed"]) if js != analyze(t, lexicon)]
    assert not mismatches, mismatches[:3]


@given(st.text(st.sampled_from("abcdeinsuy-éİ"), max_size=12), st.sets(st.text(st.sampled_from("abcdeinsuy-éİ"), max_size=12)))
def test_plural_candidates_are_normal_forms_order(word, lexicon):
    candidates = similar_index.plural_candidates(word)
    expected = next((c for c in candidates if c in lexicon), word)
    assert normal_form(word, lexicon) == expected


@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=20), max_size=30))
@settings(max_examples=10, deadline=None)
def test_term_hash_is_the_same_in_both(tmp_path_factory, words):
    words = words + ["", "a", "foobar", "é", "😀", "diffusion model", "中文"]
    answer = run_js(tmp_path_factory.mktemp("hash"), {"hash": words})
    assert answer["hashes"] == similar_index.fnv1a(words).tolist()


# ---- scoring: the browser's nearest papers are the build's --------------------------------------------------

def test_a_papers_own_abstract_finds_itself_first_and_the_builds_top_five(bundled, tmp_path):
    papers, model, folder = bundled
    extra = ["Diffusion models for image generation with transformers and latent spaces.",
             "We study reinforcement learning from human feedback for large language models and reward hacking.",
             " ".join(p.title for p in papers[:40])]
    queries = [p.abstract for p in papers] + extra
    answers = run_js(tmp_path, {"index": str(folder), "queries": queries})["answers"]
    differ = []
    for text, answer in zip(queries, answers):
        expected = model.nearest(text, 10)
        assert set(answer["terms"]) == set(similar_index.query_terms(model, text)), text[:80]
        if answer["ids"][:5] != [pid for pid, _ in expected[:5]]:
            differ.append(text[:60])
        assert answer["scores"] == pytest.approx([s for _, s in expected], abs=1e-5)
    assert not differ, differ[:3]
    for paper, answer in zip(papers, answers):
        assert answer["ids"][0] == paper.id, paper.id  # a paper's own abstract: that paper first
    first = answers[0]
    assert all(first["shared"][:3]), "every result names the terms it shares with the text"


def test_too_few_known_terms_say_so_instead_of_guessing(bundled, tmp_path):
    _, _, folder = bundled
    queries = ["the of and", "qzxwvy blorft", "diffusion", ""]
    answers = run_js(tmp_path, {"index": str(folder), "queries": queries})["answers"]
    for answer in answers:
        assert answer["tooFew"] and answer["ids"] == []


def test_shared_terms_follow_the_related_papers_rule(bundled, tmp_path):
    from generator.related import shared_terms

    papers, model, folder = bundled
    paper = papers[7]
    answer = run_js(tmp_path, {"index": str(folder), "queries": [paper.abstract]})["answers"][0]
    query = model.query_vector(paper.abstract)
    names = model.vectorizer.get_feature_names_out()
    names = names if model.keep is None else names[model.keep]
    query_weights = {names[c]: float(v) for c, v in zip(query.indices, query.data)}
    row_of = {pid: r for r, pid in enumerate(model.ids)}
    for pid, shown in zip(answer["ids"], answer["shared"]):
        row = model.matrix[row_of[pid]]
        weights = {names[c]: float(v) for c, v in zip(row.indices, row.data)}
        assert shown == list(shared_terms(query_weights, weights)), pid


# ---- the files ----------------------------------------------------------------------------------------------

def test_same_papers_give_the_same_bytes_in_any_order(tmp_path):
    papers = [make_paper(id=f"p{i}", title=f"Paper {i} on sparse gating", first_seen=f"2025-03-{10 + i % 9:02d}",
                         abstract=f"Sparse gating routes tokens to experts {i}. Mixture of experts layers scale.")
              for i in range(12)]
    first = similar_index.build_files(similar_index.SimilarModel.from_related(RelatedIndex.build(papers)[0], papers), papers)
    shuffled = papers[::-1]
    second = similar_index.build_files(similar_index.SimilarModel.from_related(RelatedIndex.build(shuffled)[0], shuffled),
                                       shuffled)
    assert first == second
    manifest = json.loads(first["similar/manifest.json"])
    assert all(name.startswith(f"similar/{manifest['folder']}/") for name in first if name != "similar/manifest.json")


def test_a_catalog_without_vocabulary_gets_an_index_that_says_so(tmp_path):
    papers = [make_paper(id="only", title="The", abstract="Of the and.")]
    model, folder = write_site_index(papers, tmp_path)
    assert model is None
    answer = run_js(tmp_path, {"index": str(folder), "queries": ["anything at all about sparse gating"]})["answers"][0]
    assert answer["ids"] == []
