import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";

import { checkLookup, lookupPaper, pageTitle, shardIndex, titleKey } from "../lib/lookup.js";

const SITE = "http://127.0.0.1:8765";

function shardOf(key, count) {
  return createHash("sha256").update(key, "utf8").digest().readUInt32BE(0) % count;
}

/** A site's api/lookup/ in memory, built the way generator/lookup.py lays it out; a fetch that serves it. */
function siteWith({ arxiv = {}, title = {}, shards = 4 } = {}) {
  const files = new Map();
  files.set(`${SITE}/api/lookup/index.json`, JSON.stringify({ version: 1, arxiv: shards, title: shards }));
  for (const [space, entries] of [["arxiv", arxiv], ["title", title]]) {
    for (let n = 0; n < shards; n++) files.set(`${SITE}/api/lookup/${space}/${n}.json`, "{}");
    for (const [key, value] of Object.entries(entries)) {
      const url = `${SITE}/api/lookup/${space}/${shardOf(key, shards)}.json`;
      files.set(url, JSON.stringify({ ...JSON.parse(files.get(url)), [key]: value }));
    }
  }
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    const text = files.get(url);
    return { status: text === undefined ? 404 : 200, ok: text !== undefined, text: async () => text ?? "not found" };
  };
  impl.calls = calls;
  return impl;
}

const ATTENTION = {
  id: "attention",
  title: "Attention Is All You Need",
  related: [
    { id: "bert", title: "BERT", score: 0.4 },
    { id: "evil", title: '<img src=x onerror="alert(1)">', score: 0.3 },
    { id: "attention", title: "itself", score: 0.2 },
  ],
};

describe("titleKey", () => {
  it("matches generator/textclean.normalize_title", () => {
    assert.equal(titleKey("  Attention Is All You Need!  "), "attention is all you need");
    assert.equal(titleKey("Échec: Über_große Straße—naïve  α-Net"), "echec uber große strasse naive α net".replace("ß", "ss"));
    assert.equal(titleKey("ΣΟΦΙΑΣ models"), "σοφιασ models");
    assert.equal(titleKey("GPT-4o: 3½ tricks"), "gpt 4o 31 2 tricks");
    assert.equal(titleKey(undefined), "");
  });
});

describe("pageTitle", () => {
  it("drops what Hugging Face and arXiv add to a paper's title", () => {
    assert.equal(pageTitle("Paper page - Attention Is All You Need"), "Attention Is All You Need");
    assert.equal(pageTitle("[1706.03762] Attention Is All You Need"), "Attention Is All You Need");
    assert.equal(pageTitle("Attention Is All You Need | Hugging Face"), "Attention Is All You Need");
    assert.equal(pageTitle("Plain title"), "Plain title");
  });
});

describe("shardIndex", () => {
  it("is the first 32 bits of SHA-256, as generator/lookup.py computes it", async () => {
    for (const key of ["1706.03762", "attention is all you need", "große", ""]) {
      assert.equal(await shardIndex(key, 1024), shardOf(key, 1024));
    }
  });
});

describe("lookupPaper", () => {
  it("finds a paper by arXiv id: index, one arXiv shard, one title shard, with ordinary HTTP caching", async () => {
    const fetchImpl = siteWith({ arxiv: { "1706.03762": "attention is all you need" }, title: { "attention is all you need": ATTENTION } });
    const r = await lookupPaper(fetchImpl, { backendUrl: SITE }, { arxivId: "1706.03762v7", title: "Something else" });
    assert.equal(r.found, true);
    assert.equal(r.by, "arxiv");
    assert.deepEqual(r.paper, { id: "attention", title: "Attention Is All You Need", url: `${SITE}/papers/attention/` });
    assert.deepEqual(r.related.map((p) => [p.id, p.url]), [["bert", `${SITE}/papers/bert/`], ["evil", `${SITE}/papers/evil/`]]);
    assert.equal(r.related[1].title, '<img src=x onerror="alert(1)">');
    assert.deepEqual(fetchImpl.calls.map((c) => c.url), [
      `${SITE}/api/lookup/index.json`,
      `${SITE}/api/lookup/arxiv/${shardOf("1706.03762", 4)}.json`,
      `${SITE}/api/lookup/title/${shardOf("attention is all you need", 4)}.json`,
    ]);
    for (const call of fetchImpl.calls) {
      assert.equal(call.init.cache, undefined);
      assert.equal(call.init.credentials, "omit");
    }
  });

  it("falls back to the page's title when the arXiv id is not in the catalog", async () => {
    const fetchImpl = siteWith({
      title: { "a paper without an arxiv id": { id: "no-id", title: "A Paper Without An arXiv Id", related: [] } },
    });
    const byTitle = await lookupPaper(fetchImpl, { backendUrl: SITE }, { arxivId: "2501.00001", title: "Paper page - A paper without an arXiv id" });
    assert.equal(byTitle.by, "title");
    assert.equal(byTitle.paper.id, "no-id");
    assert.deepEqual(byTitle.related, []);
  });

  it("says when the paper is not there, the site is not built, or not reachable", async () => {
    const missing = await lookupPaper(siteWith(), { backendUrl: SITE }, { arxivId: "2501.00001", title: "Nothing" });
    assert.equal(missing.ok, true);
    assert.equal(missing.found, false);
    assert.match(missing.message, /arXiv:2501\.00001 is not in your catalog/);
    const unbuilt = async () => ({ status: 404, ok: false, text: async () => "" });
    assert.match((await lookupPaper(unbuilt, {}, { arxivId: "2501.00001" })).message, /build the site first/);
    const down = async () => {
      throw new TypeError("fetch failed");
    };
    assert.match((await lookupPaper(down, {}, { arxivId: "2501.00001" })).message, /^Site not reachable at http:\/\/127\.0\.0\.1:8765/);
    const foreign = async () => ({ status: 200, ok: true, text: async () => JSON.stringify({ version: 99 }) });
    assert.match((await lookupPaper(foreign, {}, { arxivId: "2501.00001" })).message, /not a look-up index/);
    assert.match((await checkLookup(foreign, {})).message, /not a look-up index/);
    assert.equal((await checkLookup(siteWith(), {})).ok, true);
  });
});
