import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";

import { LAST_CAPTURE_KEY, badgeFor, captureWith, grabPage, recordResult, resolveTabId } from "../lib/capture.js";
import { fakeFetch, fakeStorage } from "./helpers.mjs";

const PAGE_URL = "https://huggingface.co/papers/date/2025-03-11";
const HTML = '<!DOCTYPE html>\n<html><body><div data-props="{&quot;dailyPapers&quot;:[]}"></div></body></html>';

function fakeScripting({ html = HTML, url = PAGE_URL, error = null } = {}) {
  const calls = [];
  return {
    calls,
    async executeScript(details) {
      calls.push(details);
      if (error) throw error;
      return [{ frameId: 0, result: { html, url } }];
    },
  };
}

function fakeTabs(tabs = [{ id: 7, url: PAGE_URL, active: true }]) {
  return { async query() { return tabs; } };
}

function fakeAction() {
  const calls = [];
  return {
    calls,
    async setBadgeText(d) { calls.push(["text", d]); },
    async setBadgeBackgroundColor(d) { calls.push(["color", d]); },
  };
}

describe("grabPage", () => {
  let saved;
  beforeEach(() => {
    saved = { document: globalThis.document, location: globalThis.location, XMLSerializer: globalThis.XMLSerializer };
  });
  afterEach(() => Object.assign(globalThis, saved));

  it("returns the doctype, the whole outerHTML and the URL", () => {
    globalThis.document = { doctype: {}, documentElement: { outerHTML: "<html><body data-props='{}'></body></html>" } };
    globalThis.location = { href: PAGE_URL };
    globalThis.XMLSerializer = class { serializeToString() { return "<!DOCTYPE html>"; } };
    assert.deepEqual(grabPage(), { html: "<!DOCTYPE html>\n<html><body data-props='{}'></body></html>", url: PAGE_URL });
    globalThis.document = { doctype: null, documentElement: { outerHTML: "<html></html>" } };
    assert.equal(grabPage().html, "<html></html>");
  });

  it("is self-contained (it is serialized into the page)", () => {
    const source = grabPage.toString();
    assert.doesNotMatch(source, /\b(import|await|chrome|sendDump)\b/);
  });
});

describe("captureWith", () => {
  it("reads the tab with executeScript and POSTs it", async () => {
    const scripting = fakeScripting();
    const fetchImpl = fakeFetch({ status: 201, body: { status: "stored", dump: "d.html", papers: 20, new: 4 } });
    const r = await captureWith({ scripting, tabs: fakeTabs(), fetchImpl, settings: { backendUrl: "http://127.0.0.1:8765", token: "t" }, tabId: 3 });
    assert.equal(scripting.calls[0].target.tabId, 3);
    assert.equal(typeof scripting.calls[0].func, "function");
    assert.equal(fetchImpl.calls[0].init.body, HTML);
    assert.equal(fetchImpl.calls[0].init.headers["X-Page-Url"], PAGE_URL);
    assert.equal(r.ok, true);
    assert.equal(r.message, "Stored: 20 papers, 4 new");
    assert.equal(r.tabId, 3);
    assert.equal(r.pageUrl, PAGE_URL);
    assert.equal(typeof r.at, "number");
  });

  it("uses the active tab when none is given", async () => {
    const scripting = fakeScripting();
    await captureWith({ scripting, tabs: fakeTabs(), fetchImpl: fakeFetch(), settings: {} });
    assert.equal(scripting.calls[0].target.tabId, 7);
    assert.equal(await resolveTabId(fakeTabs([]), undefined), null);
  });

  it("explains a tab it cannot read, without sending anything", async () => {
    const fetchImpl = fakeFetch();
    const r = await captureWith({
      scripting: fakeScripting({ error: new Error("Cannot access a chrome:// URL") }),
      tabs: fakeTabs(),
      fetchImpl,
      settings: {},
      tabId: 1,
    });
    assert.equal(r.ok, false);
    assert.equal(r.kind, "tab");
    assert.match(r.message, /Cannot read this tab \(Cannot access a chrome:\/\/ URL\)/);
    assert.equal(fetchImpl.calls.length, 0);
  });

  it("reports no tab", async () => {
    const r = await captureWith({ scripting: fakeScripting(), tabs: fakeTabs([]), fetchImpl: fakeFetch(), settings: {} });
    assert.equal(r.ok, false);
    assert.equal(r.message, "No tab to capture");
  });

  it("passes backend errors through", async () => {
    const r = await captureWith({
      scripting: fakeScripting(),
      tabs: fakeTabs(),
      fetchImpl: fakeFetch({ error: new TypeError("Failed to fetch") }),
      settings: { backendUrl: "http://127.0.0.1:8765" },
      tabId: 1,
    });
    assert.equal(r.message, "Backend not reachable at http://127.0.0.1:8765 — is `python -m generator serve` running?");
  });
});

describe("recordResult", () => {
  it("sets the tab's badge and stores the last result", async () => {
    const storageArea = fakeStorage();
    const action = fakeAction();
    const result = { ok: true, new: 4, papers: 20, message: "Stored: 20 papers, 4 new", tabId: 3, at: 1 };
    await recordResult({ storageArea, action }, result);
    assert.deepEqual(storageArea.data[LAST_CAPTURE_KEY], result);
    assert.deepEqual(action.calls.find(([k]) => k === "text")[1], { text: "+4", tabId: 3 });
  });

  it("badge texts", () => {
    assert.equal(badgeFor({ ok: true, new: 0 }).text, "✓");
    assert.equal(badgeFor({ ok: true, new: 12 }).text, "+12");
    assert.equal(badgeFor({ ok: false }).text, "!");
    assert.equal(badgeFor({ pending: true }).text, "…");
  });
});
