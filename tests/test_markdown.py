"""`build --markdown`: the paper, topic and digest pages also as Markdown in the docs folder (their one rendering,
HTML inside), so that a plain `mkdocs build --strict` renders the whole site, with no stale twin left behind."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys

from conftest import build_site, make_project

HOSTILE_TITLE = "A *bold* {{ config }} <script>alert(1)</script> & [link](x.md) title"


def hostile_dumps(tmp_path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    papers = [{"title": HOSTILE_TITLE, "summary": "Retrieval-augmented generation with a <b>dense</b> retriever for questions.",
               "id": "2501.00001"},
              {"title": "Dense Retrieval for Open-Domain Questions", "summary": "A dense retriever for question answering.",
               "id": "2501.00002"}]
    (dumps / "2025-01-02-hf.json").write_text(json.dumps([{"paper": p} for p in papers]), encoding="utf-8")
    return dumps


def test_markdown_pages_render_in_a_plain_mkdocs_build_as_the_fast_pages_do(tmp_path):
    project = make_project(tmp_path / "project", hostile_dumps(tmp_path))
    result = build_site(project, "--markdown")
    assert result.returncode == 0, result.stderr
    docs = project / "site_src"
    sources = {p.relative_to(docs).as_posix() for p in docs.glob("*/*.md") if p.name != "index.md"}
    papers = sorted(p for p in sources if p.startswith("papers/"))
    assert len(papers) == 2 and any(p.startswith("tags/") for p in sources) and any(p.startswith("digests/") for p in sources)

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    plain = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "plain")],
                           cwd=project, capture_output=True, text=True, env=env, timeout=300)
    assert plain.returncode == 0, plain.stderr
    for source in papers:
        fast = (project / "site" / source[:-3] / "index.html").read_text(encoding="utf-8")
        rendered = (tmp_path / "plain" / source[:-3] / "index.html").read_text(encoding="utf-8")
        # the same body in both: the abstract and its related-papers list, escaped once
        for page in (fast, rendered):
            assert "<script>alert(1)" not in page and "&amp;lt;" not in page  # escaped once, wherever it lands
        body = fast[fast.index('<p class="pd-meta">'):fast.index('<h2 id="related-papers"')]
        assert body in rendered
    hostile = next(p for p in papers if "bold" in p)
    title_html = (tmp_path / "plain" / hostile[:-3] / "index.html").read_text(encoding="utf-8")
    assert html.escape(HOSTILE_TITLE, quote=False) in title_html


def test_a_build_without_markdown_removes_the_markdown_pages(tmp_path):
    project = make_project(tmp_path / "project", hostile_dumps(tmp_path))
    assert build_site(project, "--markdown", "--no-mkdocs").returncode == 0
    assert list((project / "site_src" / "papers").glob("*.md"))
    result = build_site(project, "--no-mkdocs")
    assert result.returncode == 0, result.stderr
    left = [p.name for section in ("papers", "tags", "digests") for p in (project / "site_src" / section).glob("*.md")]
    assert left == ["index.md", "index.md"]  # the topics and digests indexes MkDocs renders, nothing else
