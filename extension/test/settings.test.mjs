import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  DEFAULTS,
  effectiveSiteUrl,
  loadSettings,
  normalizeBaseUrl,
  saveSettings,
  validateSettings,
  validateToken,
} from "../lib/settings.js";
import { fakeStorage } from "./helpers.mjs";

describe("settings", () => {
  it("defaults", () => {
    assert.deepEqual(DEFAULTS, { backendUrl: "http://127.0.0.1:8765", token: "", siteUrl: "" });
  });

  it("normalizes good base URLs", () => {
    assert.deepEqual(normalizeBaseUrl(" http://127.0.0.1:8765/ "), { ok: true, value: "http://127.0.0.1:8765" });
    assert.deepEqual(normalizeBaseUrl("https://digest.example/pd//"), { ok: true, value: "https://digest.example/pd" });
    assert.deepEqual(normalizeBaseUrl("http://LOCALHOST:8000"), { ok: true, value: "http://localhost:8000" });
  });

  it("rejects bad URLs with a reason", () => {
    for (const [raw, reason] of [
      ["", /empty/],
      ["127.0.0.1:8765", /http/],
      ["not a url", /not a valid URL/],
      ["ftp://host/", /http:\/\/ or https:\/\//],
      ["javascript:alert(1)", /http:\/\/ or https:\/\//],
      ["http://user:pw@host/", /user name or password/],
      ["http://host/?x=1", /query/],
      ["http://host/#top", /fragment/],
    ]) {
      const r = normalizeBaseUrl(raw, "Backend URL");
      assert.equal(r.ok, false, raw);
      assert.match(r.error, reason, raw);
    }
  });

  it("validates tokens", () => {
    assert.deepEqual(validateToken("  abc-DEF_123.~ "), { ok: true, value: "abc-DEF_123.~" });
    assert.deepEqual(validateToken(""), { ok: true, value: "" });
    assert.equal(validateToken("has space").ok, false);
    assert.equal(validateToken("tök").ok, false);
    assert.equal(validateToken("a\nb").ok, false);
  });

  it("validates a whole form", () => {
    const good = validateSettings({ backendUrl: "http://localhost:8765/", token: " t ", siteUrl: "" });
    assert.deepEqual(good, { ok: true, errors: {}, settings: { backendUrl: "http://localhost:8765", token: "t", siteUrl: "" } });
    const bad = validateSettings({ backendUrl: "nope", token: "a b", siteUrl: "file:///tmp/site" });
    assert.equal(bad.ok, false);
    assert.deepEqual(Object.keys(bad.errors).sort(), ["backendUrl", "siteUrl", "token"]);
  });

  it("the site URL defaults to the backend's", () => {
    assert.equal(effectiveSiteUrl({ backendUrl: "http://127.0.0.1:9000", siteUrl: "" }), "http://127.0.0.1:9000");
    assert.equal(effectiveSiteUrl({ backendUrl: "http://127.0.0.1:9000", siteUrl: "http://localhost:8000/" }), "http://localhost:8000");
    assert.equal(effectiveSiteUrl({}), "http://127.0.0.1:8765");
  });

  it("loads from storage with defaults, and saves only valid settings", async () => {
    assert.deepEqual(await loadSettings(fakeStorage()), DEFAULTS);
    const storage = fakeStorage({ backendUrl: "http://127.0.0.1:5555/", token: "tok", unrelated: 1 });
    assert.deepEqual(await loadSettings(storage), { backendUrl: "http://127.0.0.1:5555", token: "tok", siteUrl: "" });
    assert.deepEqual(await loadSettings(fakeStorage({ backendUrl: "garbage", siteUrl: "also garbage" })), DEFAULTS);

    const target = fakeStorage();
    assert.equal((await saveSettings(target, { backendUrl: "bad" })).ok, false);
    assert.deepEqual(target.data, {});
    assert.equal((await saveSettings(target, { backendUrl: "http://localhost:1/", token: "x", siteUrl: "" })).ok, true);
    assert.deepEqual(target.data, { backendUrl: "http://localhost:1", token: "x", siteUrl: "" });
  });
});
