import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { describePaper, findPaper, findRelated, resolveSiteUrl } from "../lib/related.js";

const SITE = "http://127.0.0.1:8765";
const CATALOG = [
  {
    id: "attention",
    title: "Attention Is All You Need",
    url: "papers/attention/",
    arxiv_id: "1706.03762",
    tags: ["nlp"],
    related: [
      { id: "bert", score: 0.4 },
      { id: "gone", score: 0.9 },
      { id: "evil", score: 0.7 },
    ],
    first_seen: "2025-03-11",
    digests: ["2025-03-11-aaaa"],
    links: [],
  },
  { id: "bert", title: "BERT", url: "/papers/bert/", arxiv_id: "1810.04805v2", related: [{ id: "attention", score: 0.4 }] },
  { id: "evil", title: '<img src=x onerror="alert(1)"> & <b>bold</b>', url: "javascript:alert(1)", arxiv_id: "2401.00001", related: [] },
  { id: "lonely", title: "Alone", url: "https://elsewhere.example/papers/lonely/", arxiv_id: "2401.00002", related: [] },
];

describe("findRelated", () => {
  it("finds the paper by arxiv_id and lists its related papers, best first", () => {
    const related = findRelated(CATALOG, "1706.03762", SITE);
    assert.deepEqual(related, [
      { id: "evil", title: '<img src=x onerror="alert(1)"> & <b>bold</b>', url: "", score: 0.7 },
      { id: "bert", title: "BERT", url: "http://127.0.0.1:8765/papers/bert/", score: 0.4 },
    ]);
  });

  it("matches arXiv ids across versions", () => {
    assert.equal(findPaper(CATALOG, "1810.04805").id, "bert");
    assert.equal(findPaper(CATALOG, "1706.03762v7").id, "attention");
    assert.deepEqual(findRelated(CATALOG, "1810.04805v1", SITE).map((r) => r.id), ["attention"]);
  });

  it("returns null when the paper is not in the catalog", () => {
    assert.equal(findRelated(CATALOG, "2501.99999", SITE), null);
    assert.equal(findRelated([], "1706.03762", SITE), null);
    assert.equal(findRelated(null, "1706.03762", SITE), null);
    assert.equal(findRelated(CATALOG, "", SITE), null);
  });

  it("leaves out related ids missing from the JSON", () => {
    const ids = findRelated(CATALOG, "1706.03762", SITE).map((r) => r.id);
    assert.ok(!ids.includes("gone"));
  });

  it("an empty list when nothing is related", () => {
    assert.deepEqual(findRelated(CATALOG, "2401.00002", SITE), []);
  });

  it("keeps HTML in titles as plain text", () => {
    const evil = findRelated(CATALOG, "1706.03762", SITE).find((r) => r.id === "evil");
    assert.equal(evil.title, '<img src=x onerror="alert(1)"> & <b>bold</b>');
    assert.equal(evil.url, "", "a javascript: URL is dropped, not linked");
  });

  it("accepts {papers: [...]} too", () => {
    assert.equal(findRelated({ papers: CATALOG }, "1706.03762", SITE).length, 2);
  });
});

describe("resolveSiteUrl and describePaper", () => {
  it("resolves relative, root-relative and absolute URLs against the site", () => {
    assert.equal(resolveSiteUrl("papers/x/", "http://h:1"), "http://h:1/papers/x/");
    assert.equal(resolveSiteUrl("papers/x/", "http://h:1/site/"), "http://h:1/site/papers/x/");
    assert.equal(resolveSiteUrl("papers/x/", "http://h:1/site"), "http://h:1/site/papers/x/");
    assert.equal(resolveSiteUrl("/papers/x/", "http://h:1/site"), "http://h:1/papers/x/");
    assert.equal(resolveSiteUrl("https://o.example/p/", "http://h:1"), "https://o.example/p/");
    assert.equal(resolveSiteUrl("data:text/html,hi", "http://h:1"), "");
    assert.equal(resolveSiteUrl("", "http://h:1"), "");
    assert.equal(resolveSiteUrl(undefined, "http://h:1"), "");
  });

  it("describes the paper itself", () => {
    assert.deepEqual(describePaper(CATALOG, "1706.03762", SITE), {
      id: "attention",
      title: "Attention Is All You Need",
      url: "http://127.0.0.1:8765/papers/attention/",
    });
    assert.equal(describePaper(CATALOG, "2501.99999", SITE), null);
  });
});
