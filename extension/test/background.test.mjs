// Loads background.js with a fake `chrome` to check the worker's wiring: self.captureTab, the
// storage keys it reads, the command and the message it answers.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import { fakeFetch, fakeStorage } from "./helpers.mjs";

const PAGE_URL = "http://127.0.0.1:8000/papers.html";
const listeners = {};
const local = fakeStorage();
const session = fakeStorage();
const badges = [];
let fetchImpl = fakeFetch();

function event(name) {
  return { addListener: (fn) => (listeners[name] = fn) };
}

before(async () => {
  globalThis.self = globalThis;
  globalThis.fetch = (...args) => fetchImpl(...args);
  globalThis.chrome = {
    runtime: { id: "ext-id", onMessage: event("message") },
    commands: { onCommand: event("command") },
    storage: { local, session, onChanged: event("changed") },
    tabs: { async query() { return [{ id: 42, url: PAGE_URL }]; } },
    scripting: {
      async executeScript({ target }) {
        return [{ frameId: 0, result: { html: `<html><body>tab ${target.tabId}</body></html>`, url: PAGE_URL } }];
      },
    },
    action: {
      async setBadgeText(d) { badges.push(d); },
      async setBadgeBackgroundColor() {},
      openPopup: async () => {},
    },
  };
  await import("../background.js");
});

describe("background worker", () => {
  it("exposes captureTab, reading backendUrl and token from chrome.storage.local", async () => {
    assert.equal(typeof self.captureTab, "function");
    await local.set({ backendUrl: "http://127.0.0.1:9999", token: "secret" });
    fetchImpl = fakeFetch({ status: 201, body: { status: "stored", dump: "x.html", papers: 5, new: 5 } });
    const result = await self.captureTab(5);
    assert.equal(result.ok, true);
    assert.equal(result.message, "Stored: 5 papers, 5 new");
    assert.equal(result.tabId, 5);
    assert.equal(fetchImpl.calls[0].url, "http://127.0.0.1:9999/api/dumps");
    assert.equal(fetchImpl.calls[0].init.headers.Authorization, "Bearer secret");
    assert.equal(fetchImpl.calls[0].init.headers["X-Page-Url"], PAGE_URL);
    assert.equal(fetchImpl.calls[0].init.body, "<html><body>tab 5</body></html>");
    assert.equal(session.data.lastCapture.message, "Stored: 5 papers, 5 new");
    assert.deepEqual(badges.at(-1), { text: "+5", tabId: 5 });
  });

  it("captureTab() without an id takes the active tab; errors resolve, never reject", async () => {
    fetchImpl = fakeFetch({ error: new TypeError("Failed to fetch") });
    const result = await self.captureTab();
    assert.equal(result.tabId, 42);
    assert.equal(result.ok, false);
    assert.match(result.message, /^Backend not reachable at http:\/\/127\.0\.0\.1:9999/);
  });

  it("handles the capture command and the popup's message", async () => {
    fetchImpl = fakeFetch({ status: 200, body: { status: "already stored", dump: "x.html", papers: 5, new: 0 } });
    const viaCommand = await listeners.command("capture-digest", { id: 8 });
    assert.equal(viaCommand.message, "Already stored (5 papers)");
    assert.equal(listeners.command("something-else", { id: 8 }), undefined);

    const answer = await new Promise((resolve) => {
      const async = listeners.message({ type: "capture", tabId: 9 }, { id: "ext-id" }, resolve);
      assert.equal(async, true);
    });
    assert.equal(answer.tabId, 9);
    assert.equal(answer.message, "Already stored (5 papers)");
    assert.equal(listeners.message({ type: "capture" }, { id: "someone-else" }, () => {}), false);
  });
});
