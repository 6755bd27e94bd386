"""Feeds as subscribers meet them in the built site: valid, stable, discoverable, and guarded against shrinking."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import feedparser
import yaml

from conftest import ROOT, SITE_URL, build_site, make_project, run_generator

NEW_SPEECH_PAPERS = [
    ("Zero-Shot Text-to-Speech With Tiny Vocoders", "We present a text-to-speech system with a tiny neural vocoder for speech synthesis."),
    ("Streaming Speech Recognition for Long Meetings", "Automatic speech recognition of long meetings with a streaming speech model."),
    ("Expressive Voice Conversion and Speech Synthesis", "Voice conversion and speech synthesis that keep the speaker's emotion."),
]


def topic_slugs(site) -> list[str]:
    """The topics with papers on the built `site` (an empty topic has no feed until it has papers)."""
    tagged = {slug for paper in json.loads((site / "api" / "papers.json").read_text()) for slug in paper["tags"]}
    return [t["slug"] for t in yaml.safe_load((ROOT / "topics.yml").read_text())["topics"] if t["slug"] in tagged]


def aliases() -> list[str]:
    return [a for t in yaml.safe_load((ROOT / "topics.yml").read_text())["topics"] for a in t.get("aliases", ())]


def test_every_feed_parses_with_absolute_links_and_unique_guids(bundled_site):
    feeds_dir = bundled_site / "site" / "feeds"
    slugs = topic_slugs(bundled_site / "site")
    assert aliases()  # the shipped taxonomy has merged a topic: its old feed is checked too
    for name in ["all", *slugs, *aliases()]:
        for suffix in (".xml", ".atom"):
            parsed = feedparser.parse((feeds_dir / f"{name}{suffix}").read_bytes())
            assert not parsed.bozo, (name, suffix, parsed.get("bozo_exception"))
            guids = [entry.id for entry in parsed.entries]
            assert len(guids) == len(set(guids)), name
            assert name == "all" or len(parsed.entries) <= 50
            for entry in parsed.entries:
                assert entry.link.startswith(SITE_URL), entry.link
    everything = feedparser.parse((feeds_dir / "all.xml").read_bytes())
    assert everything.entries[0].id.startswith("urn:paper-digest:digest:2025-03-12")
    # The newest day is whole: every one of its papers (more than the limit of 50) and both of its digests.
    papers = json.loads((bundled_site / "site" / "api" / "papers.json").read_text())
    newest = sorted(f"urn:paper-digest:paper:{p['id']}" for p in papers if p.get("first_seen") == "2025-03-12")
    assert len(newest) > 50
    ids = [entry.id for entry in everything.entries]
    assert sorted(i for i in ids if i.startswith("urn:paper-digest:paper:")) == newest
    assert len([i for i in ids if i.startswith("urn:paper-digest:digest:2025-03-12")]) == 2
    assert len(ids) == len(newest) + 2


def test_opml_names_every_topic_feed_and_pages_autodiscover_them(bundled_site):
    site = bundled_site / "site"
    opml = ET.parse(site / "feeds" / "topics.opml").getroot()
    urls = {outline.get("xmlUrl") for outline in opml.iter("outline")}
    for slug in topic_slugs(site):
        assert f"{SITE_URL}feeds/{slug}.xml" in urls
        page = (site / "tags" / slug / "index.html").read_text()
        assert '<link rel="alternate" type="application/rss+xml"' in page
        assert f'href="../../feeds/{slug}.xml"' in page
    home = (site / "index.html").read_text()
    assert '<link rel="alternate" type="application/rss+xml" title="Paper Digest: all papers" href="feeds/all.xml">' in home


def _items(path) -> dict[str, str]:
    channel = ET.parse(path).getroot().find("channel")
    items = {}
    for item in channel.iter("item"):
        item.tail = None  # the whitespace after the last item differs; the item does not
        items[item.findtext("guid")] = ET.tostring(item, encoding="unicode")
    return items


def _order(path) -> list[str]:
    return [item.findtext("guid") for item in ET.parse(path).getroot().iter("item")]


def test_a_new_dump_adds_exactly_its_papers_at_the_top_and_changes_no_other_item(tmp_path):
    project = make_project(tmp_path / "p")
    assert build_site(project, "--no-mkdocs").returncode == 0
    feeds = project / "site_src" / "feeds"
    before = {path.name: (_items(path), _order(path)) for path in feeds.glob("*.xml")}

    lines = ["Mar 13, 2025"] + [line for pair in NEW_SPEECH_PAPERS for line in pair]
    (project / "dumps" / "005_new.txt").write_text("\n\n".join(lines) + "\n")
    result = build_site(project, "--no-mkdocs")
    assert result.returncode == 0, result.stderr

    after = {path.name: (_items(path), _order(path)) for path in feeds.glob("*.xml")}
    assert set(after) == set(before)
    speech_slug = "speech-audio"
    new_items, new_order = after[f"{speech_slug}.xml"]
    added = [guid for guid in new_order if guid not in before[f"{speech_slug}.xml"][0]]
    assert len(added) == 3 and new_order[:3] == added
    for name, (items, order) in after.items():
        old_items, _ = before[name]
        for guid, xml_text in items.items():
            if guid in old_items:
                assert xml_text == old_items[guid], f"{name}: {guid} changed"
        fresh = [g for g in order if g not in old_items]
        assert order[: len(fresh)] == fresh, f"{name}: new items not at the top"
        assert all(g.startswith(("urn:paper-digest:paper:", "urn:paper-digest:digest:2025-03-13")) for g in fresh)


def test_shrink_guard_refuses_to_wipe_feeds_unless_allowed(tmp_path):
    project = make_project(tmp_path / "p")
    assert build_site(project, "--no-mkdocs").returncode == 0
    shutil.copytree(project / "site_src" / "feeds", project / "site" / "feeds")  # what subscribers have
    for dump in (project / "dumps").glob("00[0-3]_*.txt"):
        dump.unlink()  # a broken day: most papers gone
    result = build_site(project, "--no-mkdocs")
    assert result.returncode == 1
    assert "refusing to publish" in result.stderr and "--allow-shrink" in result.stderr
    assert "Traceback" not in result.stderr
    allowed = build_site(project, "--no-mkdocs", "--allow-shrink")
    assert allowed.returncode == 0, allowed.stderr


def test_feed_limit_is_configurable(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_generator(project, "build", "--site-url", SITE_URL, "--no-mkdocs", "--feed-limit", "7").returncode == 0
    feeds = project / "site_src" / "feeds"
    days = [entry.published_parsed[:3] for entry in feedparser.parse((feeds / "all.xml").read_bytes()).entries]
    assert len(days) >= 7 and len(set(days)) == 1  # one whole day: 2025-03-12 alone is over 7 items
    for path in feeds.glob("*.xml"):
        if path.name != "all.xml":
            assert len(feedparser.parse(path.read_bytes()).entries) <= 7, path.name


def test_a_big_new_digest_pushing_old_items_out_is_not_a_shrink(tmp_path):
    project = make_project(tmp_path / "p")
    assert build_site(project, "--no-mkdocs").returncode == 0
    shutil.copytree(project / "site_src" / "feeds", project / "site" / "feeds")
    lines = ["Mar 20, 2025"]
    for i in range(40):
        lines += [f"A Fresh Speech Recognition Paper Number {i}", f"Speech recognition and text-to-speech study number {i}."]
    (project / "dumps" / "006_big.txt").write_text("\n\n".join(lines) + "\n")
    result = build_site(project, "--no-mkdocs")
    assert result.returncode == 0, result.stderr
    everything = feedparser.parse((project / "site_src" / "feeds" / "all.xml").read_bytes())
    assert sum("Fresh Speech Recognition" in e.title for e in everything.entries) == 40
