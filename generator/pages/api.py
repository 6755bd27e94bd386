"""api/papers.json: every paper as one JSON record a line (id, title, url, tags, related papers, versions, digests)."""

from __future__ import annotations

from .. import urls
from ..model import Paper, Site
from .common import Fragments, json_text


def render(site: Site, fragments: Fragments) -> str:
    """Every paper's record, one a line (what `json_text` makes of the list); the records of unchanged papers are
    the ones `fragments` kept."""
    if not site.catalog.papers:
        return json_text([])
    records = fragments.records
    for paper in site.catalog.papers:
        if paper.id not in records:
            records[paper.id] = paper_record(paper, site)
    return "[\n" + ",\n".join(records[paper.id] for paper in site.catalog.papers) + "\n]\n"


def paper_record(paper: Paper, site: Site) -> str:
    record = {
        "id": paper.id,
        "title": paper.title,
        "url": urls.absolute(site.site_url, urls.paper(paper.id)),
        "tags": list(site.tags.get(paper.id, ())),
        "related": [{"id": r.id, "score": r.score, "terms": list(r.terms)}
                    for r in site.related.get(paper.id, ()) if not r.version],
        "versions": [{"id": r.id, "score": r.score} for r in site.related.get(paper.id, ()) if r.version],
        "first_seen": paper.first_seen or None,
        "digests": list(paper.digests),
        "arxiv_id": paper.arxiv_id or None,
        "links": list(paper.links),
    }
    return json_text(record)[:-1]
