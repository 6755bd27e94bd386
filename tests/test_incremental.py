"""The preview server's path: after a build, a new digest rewrites only the files it touches."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import SITE_URL, make_project
from generator.build import BuildOptions, Reporter, build
from generator.lookup import LOOKUP_DIR, arxiv_key, shard_of, title_key

NEW_DUMP = """Mar 13, 2025

Zero-Shot Text-to-Speech With Tiny Vocoders

We present a text-to-speech system with a tiny neural vocoder for speech synthesis and voice cloning.

Streaming Speech Recognition for Long Meetings

Automatic speech recognition of long meetings with a streaming speech model and speaker diarization.

2D Matryoshka Sentence Embeddings

Common approaches rely on fixed-length embedding vectors from language models as sentence embeddings.
"""


def options(project: Path) -> BuildOptions:
    return BuildOptions(dumps=project / "dumps", site_dir=project / "site", config=project / "mkdocs.yml",
                        topics=project / "topics.yml", site_url=SITE_URL, quiet=True)


def snapshot(project: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(project).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
            for root in ("site", "site_src") for p in (project / root).rglob("*") if p.is_file()}


def test_an_added_digest_changes_only_the_files_it_touches(tmp_path):
    project = make_project(tmp_path / "p")
    first = build(options(project), Reporter(quiet=True))
    assert not first.incremental

    unchanged = build(options(project), Reporter(quiet=True), previous=first.state)
    assert unchanged.incremental
    before = snapshot(project)
    noop = build(options(project), Reporter(quiet=True), previous=unchanged.state)
    assert snapshot(project) == before, "an incremental build with nothing new rewrote files"

    (project / "dumps" / "005_new.txt").write_text(NEW_DUMP)
    result = build(options(project), Reporter(quiet=True), previous=noop.state)
    assert result.incremental
    after = snapshot(project)
    changed = {path for path in after if before.get(path) != after[path]}

    records = {r["id"]: r for r in json.loads((project / "site" / "api" / "papers.json").read_text())}
    new_ids = {pid for pid, r in records.items() if any(d.startswith("2025-03-13-") for d in r["digests"])}
    assert len(new_ids) == 3, new_ids  # two new papers and one seen before
    digest_id = next(d for d in records[next(iter(new_ids))]["digests"] if d.startswith("2025-03-13-"))
    topics = {t for pid in new_ids for t in records[pid]["tags"]}
    expected = {"site/index.html", "site/tags/index.html", "site/digests/index.html", "site/api/papers.json",
                "site/sitemap.xml", "site/sitemap.xml.gz", f"site/digests/{digest_id}/index.html",
                "site_src/index.md", "site_src/tags/index.md", "site_src/digests/index.md", "site_src/api/papers.json",
                "site/_report.json", "site_src/_report.json",  # the build report counts dumps
                "site/api/ids.json", "site_src/api/ids.json"}  # the new papers' published ids
    expected |= {f"site/papers/{pid}/index.html" for pid in new_ids}
    # the digests captured just before and after it: their previous/next links now lead to it
    new_page = (project / "site" / "digests" / digest_id / "index.html").read_text()
    neighbours = set(re.findall(r'href="\.\./\.\./digests/([^/"]+)/" rel="(?:prev|next)"', new_page))
    assert len(neighbours) == 2, neighbours
    expected |= {f"site/digests/{d}/index.html" for d in neighbours}
    expected |= {f"site/tags/{slug}/index.html" for slug in topics}
    expected_feeds = {f"{root}/feeds/{name}{ext}" for root in ("site", "site_src") for name in ("all", *topics) for ext in (".xml", ".atom")}
    # the extension's look-up shards that hold the new papers (generator/lookup.py)
    index = json.loads((project / "site" / LOOKUP_DIR / "index.json").read_text())
    for pid in new_ids:
        shards = [f"title/{shard_of(title_key(records[pid]['title']), index['title'])}.json"]
        if records[pid]["arxiv_id"]:
            shards.append(f"arxiv/{shard_of(arxiv_key(records[pid]['arxiv_id']), index['arxiv'])}.json")
        expected |= {f"{root}/{LOOKUP_DIR}/{shard}" for root in ("site", "site_src") for shard in shards}
    assert changed - expected_feeds <= expected, sorted(changed - expected - expected_feeds)
    # A page is rewritten only if its bytes change: a topic page lists a repeated paper exactly as before.
    brand_new = {pid for pid in new_ids if len(records[pid]["digests"]) == 1}
    must_change = {f"site/papers/{pid}/index.html" for pid in brand_new} | {
        f"site/tags/{slug}/index.html" for pid in brand_new for slug in records[pid]["tags"]} | {
        "site/index.html", "site/digests/index.html", f"site/digests/{digest_id}/index.html", "site/api/papers.json",
        "site/papers/2d-matryoshka-sentence-embeddings/index.html", "site/feeds/all.xml"}
    assert must_change <= changed, sorted(must_change - changed)
    assert len(changed) < 60  # of more than 1,200 files

    for pid in new_ids:
        page = (project / "site" / "papers" / pid / "index.html").read_text()
        assert records[pid]["title"].split()[0] in page
        for related in records[pid]["related"]:
            assert (project / "site" / "papers" / related["id"] / "index.html").is_file()


# What an incremental build leaves to the next full one (README, "Previewing locally"): related papers and other
# versions (new papers' neighbours are found against the vocabulary the full build fitted, and older papers' lists
# are not redone, nor the look-up shards' copies of them), and the search index.
_RELATED_SECTIONS = re.compile(r'(<h2 id="other-versions">.*?)?<h2 id="related-papers">.*?'
                               r'(</ol>\n|<p>No close neighbours in the catalog yet\.</p>\n)', re.DOTALL)


def _without_related(rel: str, data: bytes) -> bytes:
    if rel.endswith("api/papers.json"):
        records = json.loads(data)
        for record in records:
            record.pop("related"), record.pop("versions")
        return json.dumps(records).encode()
    if "/api/lookup/title/" in f"/{rel}":  # the extension's look-up shards carry each paper's related papers
        shard = json.loads(data)
        for record in shard.values():
            record.pop("related")
        return json.dumps(shard).encode()
    if rel.startswith("site/papers/"):
        text, count = _RELATED_SECTIONS.subn("", data.decode("utf-8"))
        assert count == 1, rel
        return text.encode("utf-8")
    return data


def test_an_incremental_build_and_a_full_build_give_the_same_bytes_apart_from_related_papers(tmp_path):
    incremental, full = make_project(tmp_path / "incremental"), make_project(tmp_path / "full")
    first = build(options(incremental), Reporter(quiet=True))
    (incremental / "dumps" / "005_new.txt").write_text(NEW_DUMP)
    assert build(options(incremental), Reporter(quiet=True), previous=first.state).incremental
    (full / "dumps" / "005_new.txt").write_text(NEW_DUMP)
    assert not build(options(full), Reporter(quiet=True)).incremental

    def files(project: Path) -> dict[str, bytes]:
        return {p.relative_to(project).as_posix(): p.read_bytes() for root in ("site", "site_src", "dumps")
                for p in (project / root).rglob("*") if p.is_file() and not p.relative_to(project).as_posix().startswith("site/search-index/")}

    left, right = files(incremental), files(full)
    assert sorted(left) == sorted(right)
    assert len(left) > 500 and sum(rel.startswith("site/papers/") for rel in left) > 400
    differ = [rel for rel in left if _without_related(rel, left[rel]) != _without_related(rel, right[rel])]
    assert not differ, differ[:10]
    # the comparison is not vacuous: the new papers' pages and the API changed with the new dump
    assert any(b"Streaming Speech Recognition" in data for rel, data in left.items() if rel.startswith("site/papers/"))
