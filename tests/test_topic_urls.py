"""Published topic URLs and feeds keep working when the taxonomy changes; empty topics stay out of sight."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import feedparser
import yaml

from conftest import SITE_URL, build_site, make_project


def guids(path) -> list[str]:
    return [entry.id for entry in feedparser.parse(path.read_bytes()).entries]


def test_a_renamed_topic_keeps_its_old_page_and_feed_and_an_empty_topic_shows_nowhere(tmp_path):
    project = make_project(tmp_path / "p")
    first = build_site(project)
    assert first.returncode == 0, first.stderr[-3000:]
    site = project / "site"
    before = guids(site / "feeds" / "video.xml")
    assert before

    # Rename "video" (keeping its old slug as an alias) and add a topic nothing matches.
    taxonomy = yaml.safe_load((project / "topics.yml").read_text(encoding="utf-8"))
    for topic in taxonomy["topics"]:
        if topic["slug"] == "video":
            topic["slug"], topic["aliases"] = "moving-pictures", ["video"]
    taxonomy["topics"].insert(0, {"slug": "underwater-basket-weaving", "name": "Underwater basket weaving",
                                  "description": "Nobody writes about it.", "include": ["underwater basket weaving"]})
    (project / "topics.yml").write_text(yaml.safe_dump(taxonomy, sort_keys=False), encoding="utf-8")
    second = build_site(project)
    assert second.returncode == 0, second.stderr[-3000:]  # the shrink guard saw no loss on feeds/video.xml

    # The old page sends visitors and search engines to the new one.
    old_page = (site / "tags" / "video" / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../moving-pictures/">' in old_page
    assert '<link rel="canonical" href="../moving-pictures/">' in old_page
    assert (site / "tags" / "moving-pictures" / "index.html").is_file()
    assert "tags/video/" not in (site / "sitemap.xml").read_text(encoding="utf-8")

    # The old feed carries the new topic's items with the same GUIDs as before: subscribers see nothing twice.
    assert guids(site / "feeds" / "video.xml") == guids(site / "feeds" / "moving-pictures.xml") == before
    assert guids(site / "feeds" / "video.atom") == before
    opml = {o.get("xmlUrl") for o in ET.parse(site / "feeds" / "topics.opml").getroot().iter("outline")}
    assert f"{SITE_URL}feeds/moving-pictures.xml" in opml and f"{SITE_URL}feeds/video.xml" not in opml

    # Papers carry the new slug.
    papers = json.loads((site / "api" / "papers.json").read_text(encoding="utf-8"))
    assert any("moving-pictures" in p["tags"] for p in papers) and not any("video" in p["tags"] for p in papers)

    # The empty topic has no page, feed, OPML entry or place on the home and topics pages.
    assert not (site / "tags" / "underwater-basket-weaving").exists()
    assert not list((site / "feeds").glob("underwater-basket-weaving.*"))
    assert not any("underwater" in (u or "") for u in opml)
    for page in ("index.html", "tags/index.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert "Underwater basket weaving" not in text
        assert not re.search(r"[A-Za-z] \(0\)", text)  # no "Other (0)" chip
