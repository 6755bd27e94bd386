"""Topic taxonomy (topics.yml) and topic assignment (generator/topics.py)."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_paper
from generator import topics as topics_module
from generator.catalog import build_catalog
from generator.ingest import read_dumps
from generator.model import Topic
from generator.topics import TaxonomyError, assign_topics, load_taxonomy, parse_taxonomy, tag_papers, topic_for_label

ROOT = Path(__file__).resolve().parent.parent


def bundled_papers():
    """Every distinct paper of the bundled dumps, as the real ingest reads and merges them."""
    dumps, _ = read_dumps([ROOT / "dumps"])
    catalog, _ = build_catalog(dumps)
    return list(catalog.papers)


@pytest.fixture(scope="module")
def taxonomy() -> tuple[Topic, ...]:
    return load_taxonomy(ROOT / "topics.yml")


@pytest.fixture(scope="module")
def bundled():
    return bundled_papers()


@pytest.fixture(scope="module")
def assigned(taxonomy, bundled):
    return assign_topics(bundled, taxonomy)


def tags(paper, taxonomy) -> tuple[str, ...]:
    return assign_topics([paper], taxonomy)[paper.id]


def tiny(*topics: str) -> tuple[Topic, ...]:
    """A taxonomy from "slug: phrase, phrase" strings, plus a catch-all."""
    out = []
    for spec in topics:
        slug, _, phrases = spec.partition(":")
        out.append(Topic(slug=slug, name=slug.title(), description="", include=tuple(p.strip() for p in phrases.split(","))))
    return (*out, Topic(slug="other", name="Other", description="", include=(), catch_all=True))


# ---------------------------------------------------------------- the shipped taxonomy


def test_shipped_taxonomy_loads_with_25_to_50_topics(taxonomy):
    assert 25 <= len(taxonomy) <= 50
    slugs = [t.slug for t in taxonomy]
    assert len(set(slugs)) == len(slugs)
    assert sum(t.catch_all for t in taxonomy) == 1
    assert all(t.include for t in taxonomy if not t.catch_all)
    assert all(t.name and t.description for t in taxonomy)
    for wanted in ("retrieval", "vision-language", "image-generation", "video", "speech-audio", "3d",
                   "llm-reasoning", "agents", "efficiency", "model-merging", "representation-learning",
                   "few-shot", "medical", "benchmarks"):  # fmt: skip
        assert wanted in slugs


def test_every_bundled_paper_gets_one_to_five_topics(assigned, bundled, taxonomy):
    known = {t.slug for t in taxonomy}
    assert set(assigned) == {p.id for p in bundled}
    for paper in bundled:
        slugs = assigned[paper.id]
        assert 1 <= len(slugs) <= 5, paper.title
        assert len(set(slugs)) == len(slugs)
        assert set(slugs) <= known


def test_catch_all_holds_at_most_a_tenth_of_bundled_papers(assigned, bundled, taxonomy):
    catch_all = next(t.slug for t in taxonomy if t.catch_all)
    in_catch_all = [p.title for p in bundled if catch_all in assigned[p.id]]
    assert len(in_catch_all) <= 0.10 * len(bundled), in_catch_all


def test_most_topics_have_bundled_papers(assigned, taxonomy):
    counts = Counter(slug for slugs in assigned.values() for slug in slugs)
    empty = [t.slug for t in taxonomy if not t.catch_all and not counts[t.slug]]
    assert len(empty) <= 3, empty


@pytest.mark.parametrize(
    ("title", "topic"),
    [
        ("Transfer Learning from Speaker Verification to Multispeaker Text-To-Speech Synthesis", "speech-audio"),
        ("xRAG: Extreme Context Compression for Retrieval-augmented Generation with One Token", "retrieval"),
        ("FIRST: Faster Improved Listwise Reranking with Single Token Decoding", "retrieval"),
        ("Q-VLM: Post-training Quantization for Large Vision-Language Models", "vision-language"),
        ("Q-VLM: Post-training Quantization for Large Vision-Language Models", "efficiency"),
        ("Texture-Preserving Diffusion Models for High-Fidelity Virtual Try-On", "image-generation"),
        ("ZipIt! Merging Models from Different Tasks without Training", "model-merging"),
        ("HyperShot: Few-Shot Learning by Kernel HyperNetworks", "few-shot"),
        ("Multi-scale self-guided attention for medical image segmentation", "medical"),
        ("Robust Attentional Aggregation of Deep Feature Sets for Multi-view 3D Reconstruction", "3d"),
        ("MALT: Improving Reasoning with Multi-Agent LLM Training", "agents"),
        ("MALT: Improving Reasoning with Multi-Agent LLM Training", "llm-reasoning"),
        ("DiscoFuse: A Large-Scale Dataset for Discourse-Based Sentence Fusion", "benchmarks"),
    ],
)
def test_bundled_papers_land_where_a_reader_would_look(assigned, bundled, title, topic):
    paper = next(p for p in bundled if p.title == title)
    assert topic in assigned[paper.id]


@pytest.mark.parametrize(
    ("title", "topic"),
    [
        ("CrossViT: Cross-Attention Multi-Scale Vision Transformer for Image Classification", "speech-audio"),
        ("Representation Surgery for Multi-Task Model Merging", "medical"),
        ("Accelerating Transformers with Spectrum-Preserving Token Merging", "model-merging"),
        ("Talking Heads: Understanding Inter-layer Communication in Transformer Language Models", "faces-and-people"),
        ("Q-VLM: Post-training Quantization for Large Vision-Language Models", "language-models"),
        ("Lower Layer Matters: Alleviating Hallucination via Multi-Layer Fusion Contrastive Decoding with "
         "Truthfulness Refocused", "self-supervised"),  # fmt: skip
        ("Category-Agnostic 6D Pose Estimation with Conditional Neural Processes", "faces-and-people"),
    ],
)
def test_bundled_papers_stay_out_of_topics_they_only_brush(assigned, bundled, title, topic):
    paper = next(p for p in bundled if p.title == title)
    assert topic not in assigned[paper.id]


def test_speech_topic_holds_no_pure_vision_papers(assigned, bundled):
    speech = [p for p in bundled if "speech-audio" in assigned[p.id]]
    sound = re.compile(r"speech|audio|spoken|speak|voice|sing|sound|acoustic", re.I)
    assert speech
    assert all(sound.search(p.title) or sound.search(p.abstract) for p in speech)


def test_made_up_papers_land_in_the_obvious_topic(taxonomy):
    tts = make_paper(
        id="tts",
        title="FastVoice: Robust and Controllable Text to Speech",
        abstract="We synthesise natural speech from text with a non-autoregressive model.",
    )
    rag = make_paper(
        id="rag",
        title="Better Grounding for Question Answering",
        abstract="We study retrieval-augmented generation: a dense retriever finds passages that a reader conditions on.",
    )
    assert tags(tts, taxonomy)[0] == "speech-audio"
    assert tags(rag, taxonomy)[0] == "retrieval"


# ---------------------------------------------------------------- scoring rules


def test_title_match_outranks_abstract_match():
    taxonomy = tiny("alpha: alpha", "beta: beta, bravo")
    paper = make_paper(title="On Alpha", abstract="Mostly beta.")
    # Title "alpha" scores 3; one abstract phrase scores 1, below the bar.
    assert tags(paper, taxonomy) == ("alpha",)
    second = make_paper(title="On Alpha", abstract="Mostly beta, with some bravo.")
    # Two abstract phrases (2) are too little to place a paper, enough for a second topic of a placed one.
    assert tags(second, taxonomy) == ("alpha", "beta")
    assert tags(make_paper(title="On Things", abstract="Mostly beta."), taxonomy) == ("other",)
    richer = make_paper(title="On Alpha", abstract="Beta and bravo and a beta again.")
    # Three distinct abstract phrases (3) and one repeated mention (0.5) clear the bar, and outscore alpha's 3.
    assert tags(richer, tiny("alpha: alpha", "beta: beta, bravo, again")) == ("beta", "alpha")


def test_slugs_are_ordered_by_score_then_slug():
    taxonomy = tiny("zeta: zeta", "beta: beta", "alpha: alpha, omega")
    paper = make_paper(title="Zeta beta alpha omega", abstract="")
    # alpha has two title phrases (6); beta and zeta tie at 3 and sort by slug.
    assert tags(paper, taxonomy) == ("alpha", "beta", "zeta")


def test_best_topic_when_none_clears_the_threshold():
    taxonomy = tiny("alpha: alpha", "beta: beta, bravo")
    paper = make_paper(title="A Study", abstract="Something about beta and bravo, and alpha once.")
    assert tags(paper, taxonomy) == ("beta",)


def test_below_threshold_tie_goes_to_the_topic_mentioned_most():
    taxonomy = tiny("alpha: alpha", "beta: beta")
    paper = make_paper(title="A Study", abstract="Beta, beta and beta again; alpha once.")
    assert tags(paper, taxonomy) == ("beta",)


def test_catch_all_only_when_nothing_matches():
    taxonomy = tiny("alpha: alpha")
    assert tags(make_paper(title="Nothing relevant", abstract="At all."), taxonomy) == ("other",)
    assert tags(make_paper(title="Alpha", abstract=""), taxonomy) == ("alpha",)
    without_catch_all = taxonomy[:1]
    assert tags(make_paper(title="Nothing relevant", abstract=""), without_catch_all) == ()


def test_exclude_phrase_removes_the_topic():
    taxonomy = (
        Topic(slug="lm", name="LM", description="", include=("language model",), exclude=("vision-language model",)),
        Topic(slug="vl", name="VL", description="", include=("vision-language",)),
    )
    vlm = make_paper(title="A Small Vision-Language Model", abstract="A language model that sees.")
    lm = make_paper(title="A Small Language Model", abstract="It reads.")
    assert tags(vlm, taxonomy) == ("vl",)
    assert tags(lm, taxonomy) == ("lm",)
    in_abstract = make_paper(title="A Small Language Model", abstract="Unlike vision-language models, it reads.")
    assert tags(in_abstract, taxonomy) == ()  # excluded from lm; one mention of vl is too little for the fallback
    says_more = make_paper(title="A Small Language Model",
                           abstract="Unlike vision-language models, it reads. Vision-language models see. Vision-language.")
    assert tags(says_more, taxonomy) == ("vl",)  # vl is the best below the bar, with evidence enough (2)


def test_at_most_max_topics():
    taxonomy = tiny(*(f"t{i}: word{i}" for i in range(8)))
    paper = make_paper(title=" ".join(f"word{i}" for i in range(8)), abstract="")
    assert tags(paper, taxonomy) == ("t0", "t1", "t2", "t3", "t4")
    assert assign_topics([paper], taxonomy, max_topics=2)[paper.id] == ("t0", "t1")
    with pytest.raises(ValueError):
        assign_topics([paper], taxonomy, max_topics=0)


def test_forced_topics_come_first_and_count_toward_the_limit():
    taxonomy = tiny(*(f"t{i}: word{i}" for i in range(8)))
    paper = make_paper(id="p1", title=" ".join(f"word{i}" for i in range(8)), abstract="")
    forced = {"p1": ["t7", "no-such-topic", "t7", "t6"], "someone-else": ["t5"]}
    assert assign_topics([paper], taxonomy, forced=forced)[paper.id] == ("t7", "t6", "t0", "t1", "t2")


def test_forced_topic_replaces_catch_all_and_beats_exclude():
    taxonomy = (
        Topic(slug="lm", name="LM", description="", include=("language model",), exclude=("vision",)),
        Topic(slug="other", name="Other", description="", include=(), catch_all=True),
    )
    paper = make_paper(id="p1", title="Vision everywhere", abstract="")
    assert assign_topics([paper], taxonomy)["p1"] == ("other",)
    assert assign_topics([paper], taxonomy, forced={"p1": ("lm",)})["p1"] == ("lm",)


def scores(paper, taxonomy) -> dict[str, float]:
    return dict(tag_papers([paper], taxonomy)[paper.id].scores)


def test_repeated_mentions_count_with_saturation():
    taxonomy = tiny("video: video", "speech: speech")
    once = make_paper(title="A Model", abstract="It handles video.")
    thrice = make_paper(title="A Model", abstract="Video in, video out, video all along.")
    five = make_paper(title="A Model", abstract=" ".join(["Video."] * 5))
    fifty = make_paper(title="A Model", abstract=" ".join(["Video."] * 50))
    assert scores(once, taxonomy)["video"] == 1 and tags(once, taxonomy) == ("other",)  # too little even to guess
    assert scores(thrice, taxonomy)["video"] == 2 and tag_papers([thrice], taxonomy)[thrice.id].fallback
    assert tags(thrice, taxonomy) == ("video",)  # the fallback's guess, with evidence enough
    assert scores(five, taxonomy)["video"] == 3 and not tag_papers([five], taxonomy)[five.id].fallback
    assert scores(fifty, taxonomy)["video"] == 3  # saturates: a long abstract cannot outvote a title
    # Said throughout, a topic is in; said once in passing, it is not.
    mixed = make_paper(title="Clips", abstract=" ".join(["Video frames."] * 6) + " No speech.")
    assert tags(mixed, taxonomy) == ("video",)


def test_fallback_needs_a_phrase_said_twice():
    taxonomy = tiny("video: video", "speech: speech")
    twice = make_paper(title="A Model", abstract="Video in, video out.")
    once_each = make_paper(title="A Model", abstract="Video in, speech out.")
    assert scores(twice, taxonomy)["video"] == 1.5 and tags(twice, taxonomy) == ("video",)
    assert tag_papers([twice], taxonomy)[twice.id].fallback
    assert tags(once_each, taxonomy) == ("other",)  # one stray mention of each is no evidence


def test_an_acronym_and_its_expansion_are_one_phrase():
    taxonomy = tiny("merging: model merging", "lm: LLM, large language model, BERT", "nas: NAS, neural architecture search")
    # "large language models (LLMs)" introduces one idea once: not two phrases, so no second topic from it.
    uses = make_paper(title="Model Merging", abstract="We merge models with the help of a large language model (LLM).")
    assert scores(uses, taxonomy)["lm"] == 1 and tags(uses, taxonomy) == ("merging",)
    # Two different phrases are two pieces of evidence, and further mentions of the acronym still count as repeats.
    about = make_paper(title="Model Merging", abstract="We merge a large language model (LLM) with BERT; the LLM gains.")
    assert scores(about, taxonomy)["lm"] == 2.5 and tags(about, taxonomy) == ("merging", "lm")
    search = make_paper(title="A Study", abstract="Neural architecture search (NAS) finds nets; NAS is slow.")
    assert scores(search, taxonomy)["nas"] == 1.5  # one phrase said twice: defined, then used again
    # Capitals decide what is an acronym: "LLM" and "NAS" are, a word such as "Nas" in a name is not.
    assert topics_module._acronyms(("LLM", "large language model", "MoE", "mixture of experts", "NeRF",
                                    "neural radiance field", "SentEval", "sentence embedding evaluation")) == [
        ("LLM", "large language model"), ("MoE", "mixture of experts"), ("NeRF", "neural radiance field")]


def test_a_mention_inside_a_longer_phrase_belongs_to_the_longer_phrase():
    taxonomy = tiny("representation: representation", "embeddings: document representation")
    paper = make_paper(title="Ranking", abstract="A document representation, then a document representation again.")
    assert "representation" not in scores(paper, taxonomy)
    plain = make_paper(title="Ranking", abstract="A document representation and a learned representation.")
    assert scores(plain, taxonomy)["representation"] == 1


def test_title_only_phrases_count_in_titles_and_not_in_abstracts():
    taxonomy = parse_taxonomy(
        "topics:\n  - slug: arch\n    name: Architectures\n    include: [self-attention]\n"
        "    title_include: [transformer]\n"
    )
    assert tags(make_paper(title="A Faster Transformer", abstract="We make it fast."), taxonomy) == ("arch",)
    busy = make_paper(title="Translating Text", abstract=" ".join(["A transformer does it."] * 6))
    assert tags(busy, taxonomy) == ()
    assert taxonomy[0].title_include == ("transformer",)


@pytest.mark.parametrize(
    ("title", "abstract", "topic", "expected"),
    [
        # "demonstrations": robot demos are not prompts; demonstrations in a prompt are.
        ("Learning Dexterous Manipulation from Demonstrations",
         "A robot arm learns grasping from human demonstrations collected with teleoperation.", "in-context-learning",
         False),
        ("Selecting In-Context Demonstrations for Large Language Models",
         "We choose in-context demonstrations so that in-context learning improves on many tasks.",
         "in-context-learning", True),
        # "in-context" alone names no method.
        ("Planning Retrosynthesis Routes",
         "Each reaction step is predicted in-context of the route built so far, in-context of the target molecule, "
         "and in-context of the available reagents.", "in-context-learning", False),
        # "modalities": MRI sequences are not a multimodal model.
        ("Brain Tumor Segmentation",
         "We segment gliomas from four MRI modalities (T1, T1c, T2, FLAIR); modalities are stacked as channels.",
         "multimodal", False),
        ("Fusing Sound and Sight",
         "We fuse audio-visual streams: different modalities are aligned in one multimodal encoder.", "multimodal",
         True),
        # "parameter-efficient" meaning a small model is not fine-tuning.
        ("A Tiny Keyword Spotter",
         "Our parameter-efficient network has 40k parameters and runs on a microcontroller.", "fine-tuning", False),
        ("Adapting Vision Transformers Cheaply",
         "Parameter-efficient fine-tuning with LoRA adapters updates one percent of the weights.", "fine-tuning", True),
        # "attention" in the abstract's everyday sense is not an architecture.
        ("Forecasting Stock Prices with an LSTM",
         "Stock prediction has drawn attention; an LSTM over daily prices, with attention to detail, beats ARIMA.",
         "architectures", False),
        ("Linear Attention Without Softmax",
         "We replace softmax self-attention with a kernel feature map, making attention linear in sequence length.",
         "architectures", True),
        # "mixture of encoders" is not a mixture of experts.
        ("A Mixture of Encoders for Retrieval",
         "Three frozen encoders are combined by concatenation for dense retrieval.", "mixture-of-experts", False),
        # "representation" alone is any vector a model computes; representation learning is the topic.
        ("Enriched Span Representations for Relation Extraction",
         "Each span gets a representation from its tokens; these representations feed a relation classifier, and "
         "the representation of a pair is their concatenation.", "representation-learning", False),
        ("Self-Supervised Pretraining for Small Datasets",
         "We study representation learning without labels: a contrastive loss over augmented views gives learned "
         "representations that transfer.", "representation-learning", True),
        # A diffusion model's text encoder is not a text embedding model.
        ("Better Prompts for Diffusion",
         "We fine-tune the text encoder of a text-to-image diffusion model; the text encoder then follows prompts.",
         "embeddings", False),
        # A foundation model is not necessarily a language model.
        ("Adapting Vision Foundation Models to Satellite Images",
         "Vision foundation models such as DINOv2 are adapted to remote sensing; foundation models transfer well.",
         "language-models", False),
        # Video object segmentation is segmentation, though the longer phrase belongs to Video as well.
        ("Real-Time Video Object Segmentation on Phones",
         "We segment objects across frames with a small memory network.", "segmentation-detection", True),
        # A language named in the title is language technology beyond English; evaluated also on French, it is not.
        ("Sentence Embeddings for Czech", "Small sentence encoders trained on Czech news for semantic search.",
         "multilingual", True),
        ("Sentence Embeddings for Semantic Search",
         "Small sentence encoders trained on news; we also report results on a French benchmark.", "multilingual",
         False),
    ],
)
def test_ambiguous_words_count_only_in_a_phrase_that_settles_them(taxonomy, title, abstract, topic, expected):
    assert (topic in tags(make_paper(title=title, abstract=abstract), taxonomy)) is expected


def test_judged_random_sample_stays_right_and_complete(taxonomy, bundled, assigned):
    """The labelled sample (tests/data/topics_judgments.jsonl): a floor under what bench/eval_topics.py reports."""
    aliases = {old: t.slug for t in taxonomy for old in t.aliases}
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "topics_judgments.jsonl").read_text().splitlines()]
    assert len(rows) == 60
    assigned_tags = correct = full = 0
    for row in rows:
        important = {aliases.get(s, s) for s in row["important"]}
        ok = important | {aliases.get(s, s) for s in row["acceptable"]}
        got = set(assigned[row["paper"]])
        assigned_tags += len(got)
        correct += len(got & ok)
        full += got <= ok and important <= got
    assert correct / assigned_tags >= 0.95
    assert full / len(rows) >= 0.65


def test_topic_aliases_are_old_slugs_that_name_no_other_topic(taxonomy):
    merged = next(t for t in taxonomy if "self-supervised" in t.aliases)
    assert merged.slug == "representation-learning"
    assert topic_for_label("self-supervised", taxonomy) == "representation-learning"  # a manifest's old topic
    good = "topics:\n  - slug: new\n    name: New\n    include: [x]\n    aliases: [old, older]\n"
    assert parse_taxonomy(good)[0].aliases == ("old", "older")
    for text, fragment in [
        (good + "  - slug: old\n    name: Old\n    include: [y]\n", "slug is also an alias"),
        (good + "  - slug: z\n    name: Z\n    include: [y]\n    aliases: [old]\n", "already a slug or alias"),
        ("topics:\n  - slug: new\n    name: New\n    include: [x]\n    aliases: [Bad Slug]\n", "bad alias"),
        ("topics:\n  - slug: new\n    name: New\n    include: [x]\n    aliases: [new]\n", "bad alias"),
    ]:
        with pytest.raises(TaxonomyError, match=fragment):
            parse_taxonomy(text)


@pytest.mark.parametrize(
    ("phrase", "text", "hit"),
    [
        ("retrieval", "Dense RETRIEVAL at scale", True),
        ("RAG", "We drag fragments", False),  # whole words only
        ("RAG", "RAG-based systems", True),
        ("agent", "Autonomous agents", True),  # plural tolerated
        ("ontology", "Two ontologies", True),
        ("text to speech", "Text-To-Speech synthesis", True),  # space and hyphen interchangeable
        ("pre-training", "pretraining and pre training", True),
        ("mixture of experts", "a Mixture-of-Experts layer", True),
        ("language model", "language. Model", False),  # not across punctuation
        ("3D", "3D scenes", True),
        ("3D", "23D", False),
        ("image+text", "Image+Text pairs", True),
        ("image+text", "image text pairs", False),
        ("GPT-4V", "compared with gpt4v", True),
        ("naïve", "a naïve baseline", True),
        ("one two three four five six seven", "One-two three four five six sevens", True),
    ],
)
def test_phrase_matching(phrase, text, hit):
    taxonomy = (Topic(slug="t", name="T", description="", include=(phrase,)),)
    paper = make_paper(title=text, abstract="")
    assert tags(paper, taxonomy) == (("t",) if hit else ())


def test_assignment_is_deterministic(taxonomy, bundled, assigned):
    shuffled = list(bundled)
    random.Random(7).shuffle(shuffled)
    assert assign_topics(shuffled, taxonomy) == assigned
    assert assign_topics(bundled, tuple(reversed(taxonomy))) == assigned


WORDS = ["language", "model", "models", "vision", "speech", "text", "to", "retrieval", "augmented", "pre", "training",
         "pretraining", "image", "mixture", "of", "experts", "3d", "rag", "agents", "ontology", "ontologies", "gpt",
         "4v", "gpt4v", "c", "é", "x"]  # fmt: skip
SEPARATORS = [" ", "-", ", ", ". ", "+", "++", "  ", "(", ")", "\n", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=30))
def test_fast_phrase_index_agrees_with_plain_regexes(pieces):
    # The word index is an optimisation; each phrase's own regex is the definition.
    taxonomy = tiny(
        "a: language model, vision-language model, text to speech, retrieval-augmented generation",
        "b: pre-training, mixture of experts, 3D, RAG, agent, image+text, é",
        "c: ontology, GPT-4V, c++, pre-trained language model",
    )
    index = topics_module.topic_index(taxonomy)
    text = "".join(w + s for w, s in pieces).lower()
    expected = {pid for pid, pattern in enumerate(index.patterns) if pattern.search(text)}
    assert topics_module._found(index, text) == expected
    # Mentions are counted from the same index; they agree with the regexes too (no phrase here repeats a word).
    counts = {pid: len(pattern.findall(text)) for pid, pattern in enumerate(index.patterns) if pattern.search(text)}
    assert topics_module._matches(index, text) == counts


# ---------------------------------------------------------------- topic_for_label


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("retrieval", "retrieval"),
        ("Retrieval and reranking", "retrieval"),
        ("  retrieval AND reranking ", "retrieval"),
        ("Model merging", "model-merging"),
        ("text to speech", "speech-audio"),
        ("retrieval-augmented generation", "retrieval"),
        ("diffusion models", "image-generation"),
        ("zzz qqq", None),
        ("", None),
    ],
)
def test_topic_for_label(taxonomy, label, slug):
    assert topic_for_label(label, taxonomy) == slug


# ---------------------------------------------------------------- malformed taxonomies

GOOD_TOPIC = "  - slug: ok\n    name: OK\n    include: [ok]\n"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("- just\n- a list\n", 1, "expected a mapping with a 'topics:' list"),
        ("other: 1\n", 1, "expected a mapping with a 'topics:' list"),
        ("topics: 3\n", 1, "non-empty list"),
        ("topics: []\n", 1, "non-empty list"),
        ("topics:\n" + GOOD_TOPIC + "extra: 1\n", 5, "unknown top-level key 'extra'"),
        ("topics:\n" + GOOD_TOPIC + "  - just a string\n", 5, "topic #2: expected a mapping"),
        ("topics:\n" + GOOD_TOPIC + "  - name: X\n    include: [x]\n", 5, "topic #2: missing 'slug'"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    include: [x]\n", 5, "topic 'x': missing 'name'"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n", 5, "topic 'x': missing 'include'"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: Bad Slug\n    name: X\n    include: [x]\n", 5, "bad slug 'Bad Slug'"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x--y\n    name: X\n    include: [x]\n", 5, "bad slug"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: ok\n    name: Again\n    include: [x]\n", 5, "duplicate slug"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    inclde: [x]\n", 7, "topic 'x': unknown key 'inclde'"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    include:\n      - fine\n      - 42\n", 9,
         "phrase 42 is not a string"),  # fmt: skip
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    include: [x]\n    exclude: [yes]\n", 8,
         "phrase True is not a string"),  # fmt: skip
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    include: []\n", 7, "'include' is empty"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    include: x\n", 7, "must be a list of phrases"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    include: ['--']\n", 7, "no letters or digits"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: 7\n    include: [x]\n", 6, "'name' must be a non-empty string"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    include: [x]\n    catch_all: maybe\n", 8,
         "catch_all must be true or false"),  # fmt: skip
        ("topics:\n  - slug: a\n    name: A\n    catch_all: true\n  - slug: b\n    name: B\n    catch_all: true\n", 5,
         "a second catch_all topic (the first is on line 2)"),  # fmt: skip
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    name: Y\n    include: [x]\n", 7, "duplicate key 'name'"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: [unclosed\n    include: [x]\n", 7, "YAML syntax error"),
        ("topics:\n" + GOOD_TOPIC + "  - slug: x\n\tname: X\n", 6, "YAML syntax error"),
    ],
)
def test_malformed_taxonomy_names_file_and_line(text, line, fragment):
    with pytest.raises(TaxonomyError) as caught:
        parse_taxonomy(text)
    message = str(caught.value)
    assert message.startswith(f"topics.yml:{line}: "), message
    assert fragment in message
    assert "\n" not in message


def test_taxonomy_error_names_the_file_it_was_loaded_from(tmp_path):
    path = tmp_path / "my-topics.yml"
    path.write_text("topics:\n" + GOOD_TOPIC + "  - slug: x\n    name: X\n    inclde: [x]\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=rf"^{re.escape(str(path))}:7: topic 'x': unknown key 'inclde'$"):
        load_taxonomy(path)
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.yml")
    assert isinstance(TaxonomyError("x"), ValueError)


def test_catch_all_needs_no_phrases_and_parse_keeps_file_order():
    parsed = parse_taxonomy(
        "# comment\ntopics:\n"
        "  - slug: b\n    name: B\n    description: Second   letter.\n    include: [bee, 'bee', Bees]\n"
        "    exclude: [wasp]\n"
        "  - slug: a\n    name: A\n    include: [ay]\n"
        "  - slug: other\n    name: Other\n    catch_all: true\n"
    )
    assert [t.slug for t in parsed] == ["b", "a", "other"]
    assert parsed[0] == Topic(
        slug="b", name="B", description="Second letter.", include=("bee", "Bees"), exclude=("wasp",)
    )
    assert parsed[2].catch_all and parsed[2].include == ()
