import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  buildDumpRequest,
  describeStatus,
  fetchCatalog,
  fetchStatus,
  headerSafeUrl,
  interpretNetworkError,
  interpretResponse,
  sendDump,
} from "../lib/api.js";
import { fakeFetch } from "./helpers.mjs";

const PAGE = "https://huggingface.co/papers/date/2025-03-11";
const HTML = '<html><body data-props="{&quot;a&quot;:1}">Ünïcode ✓</body></html>';

describe("buildDumpRequest", () => {
  it("POSTs the HTML to {backend}/api/dumps with token, content type and page URL", () => {
    const { url, init } = buildDumpRequest(HTML, PAGE, { backendUrl: "http://127.0.0.1:8765", token: "s3cret" });
    assert.equal(url, "http://127.0.0.1:8765/api/dumps");
    assert.equal(init.method, "POST");
    assert.equal(init.body, HTML);
    assert.deepEqual(init.headers, {
      Authorization: "Bearer s3cret",
      "Content-Type": "text/html; charset=utf-8",
      "X-Page-Url": PAGE,
    });
  });

  it("normalizes the backend URL (trailing slash, path prefix) and falls back to the default", () => {
    assert.equal(buildDumpRequest("x", PAGE, { backendUrl: "http://localhost:9000/" }).url, "http://localhost:9000/api/dumps");
    assert.equal(buildDumpRequest("x", PAGE, { backendUrl: "https://h.example/pd/" }).url, "https://h.example/pd/api/dumps");
    assert.equal(buildDumpRequest("x", PAGE, {}).url, "http://127.0.0.1:8765/api/dumps");
    assert.equal(buildDumpRequest("x", PAGE, { backendUrl: "ftp://nope" }).url, "http://127.0.0.1:8765/api/dumps");
  });

  it("trims the token and sends no Authorization header without one", () => {
    assert.equal(buildDumpRequest("x", PAGE, { token: "  tok \n" }).init.headers.Authorization, "Bearer tok");
    assert.ok(!("Authorization" in buildDumpRequest("x", PAGE, { token: "" }).init.headers));
    assert.ok(!("Authorization" in buildDumpRequest("x", PAGE, {}).init.headers));
  });

  it("keeps the X-Page-Url header ASCII", () => {
    const { init } = buildDumpRequest("x", "https://huggingface.co/papers?q=diffusión", {});
    assert.equal(init.headers["X-Page-Url"], "https://huggingface.co/papers?q=diffusi%C3%B3n");
    assert.match(headerSafeUrl("not a url é"), /^[\x20-\x7e]*$/);
  });
});

describe("interpretResponse", () => {
  it("201 stored", () => {
    const r = interpretResponse(201, { status: "stored", dump: "005_ab.html", papers: 12, new: 5 });
    assert.equal(r.ok, true);
    assert.equal(r.kind, "stored");
    assert.equal(r.message, "Stored: 12 papers, 5 new");
    assert.equal(r.papers, 12);
    assert.equal(r.new, 5);
    assert.equal(r.dump, "005_ab.html");
  });

  it("201 with one paper uses the singular", () => {
    assert.equal(interpretResponse(201, { papers: 1, new: 1 }).message, "Stored: 1 paper, 1 new");
  });

  it("200 already stored", () => {
    const r = interpretResponse(200, { status: "already stored", dump: "005_ab.html", papers: 12, new: 0 });
    assert.equal(r.ok, true);
    assert.equal(r.kind, "already");
    assert.equal(r.message, "Already stored (12 papers)");
    assert.equal(r.new, 0);
  });

  it("401 asks for the token", () => {
    const r = interpretResponse(401, { error: "missing or wrong token" });
    assert.equal(r.ok, false);
    assert.equal(r.kind, "auth");
    assert.equal(r.message, "Bad token: set it in the extension options");
  });

  it("413, 415 and 422 carry the backend's reason", () => {
    const big = interpretResponse(413, { error: "body over 20 MB" });
    assert.equal(big.ok, false);
    assert.equal(big.kind, "too-large");
    assert.match(big.message, /too large.*body over 20 MB/);

    const type = interpretResponse(415, { error: "expected text/html" });
    assert.equal(type.ok, false);
    assert.equal(type.kind, "media-type");
    assert.match(type.message, /content type.*expected text\/html/);
    assert.equal(interpretResponse(415, null).message, "Backend refused the content type");

    const bad = interpretResponse(422, { error: "no papers found in the page" });
    assert.equal(bad.ok, false);
    assert.equal(bad.kind, "unparsable");
    assert.equal(bad.message, "The backend could not read this page: no papers found in the page");
  });

  it("other statuses and non-JSON bodies", () => {
    const r = interpretResponse(500, "Internal Server Error\n");
    assert.equal(r.ok, false);
    assert.equal(r.kind, "http");
    assert.equal(r.message, "Backend answered HTTP 500: Internal Server Error");
    assert.equal(interpretResponse(404, null).message, "Backend answered HTTP 404");
  });

  it("tolerates missing or odd counts", () => {
    const r = interpretResponse(201, { papers: "7", new: null });
    assert.equal(r.papers, 7);
    assert.equal(r.new, 0);
    assert.equal(interpretResponse(201, null).message, "Stored: 0 papers, 0 new");
  });
});

describe("network errors", () => {
  it("says the backend is not reachable and how to start it", () => {
    const r = interpretNetworkError(new TypeError("Failed to fetch"), "http://127.0.0.1:8765/");
    assert.equal(r.ok, false);
    assert.equal(r.kind, "network");
    assert.equal(r.message, "Backend not reachable at http://127.0.0.1:8765 — is `python -m generator serve` running?");
  });

  it("reports a timeout separately", () => {
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    const r = interpretNetworkError(abort, "http://127.0.0.1:8765", 5000);
    assert.equal(r.kind, "timeout");
    assert.match(r.message, /did not answer within 5 s/);
  });
});

describe("sendDump", () => {
  it("sends the built request and interprets the answer", async () => {
    const fetchImpl = fakeFetch({ status: 201, body: { status: "stored", dump: "d.html", papers: 3, new: 2 } });
    const r = await sendDump(fetchImpl, HTML, PAGE, { backendUrl: "http://localhost:8765", token: "t" });
    assert.equal(r.message, "Stored: 3 papers, 2 new");
    assert.equal(fetchImpl.calls.length, 1);
    assert.equal(fetchImpl.calls[0].url, "http://localhost:8765/api/dumps");
    assert.equal(fetchImpl.calls[0].init.headers.Authorization, "Bearer t");
    assert.equal(fetchImpl.calls[0].init.body, HTML);
  });

  it("turns a refused connection into the not-reachable message, never throwing", async () => {
    const fetchImpl = fakeFetch({ error: new TypeError("fetch failed") });
    const r = await sendDump(fetchImpl, HTML, PAGE, { backendUrl: "http://127.0.0.1:8765", token: "t" });
    assert.equal(r.ok, false);
    assert.equal(r.message, "Backend not reachable at http://127.0.0.1:8765 — is `python -m generator serve` running?");
  });

  it("gives up after the timeout", async () => {
    const hanging = (url, init) =>
      new Promise((resolve, reject) => {
        init.signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })));
      });
    const r = await sendDump(hanging, HTML, PAGE, {}, { timeoutMs: 20 });
    assert.equal(r.kind, "timeout");
  });

  it("handles a 401 with a JSON error body", async () => {
    const r = await sendDump(fakeFetch({ status: 401, body: { error: "missing or wrong token" } }), HTML, PAGE, {});
    assert.equal(r.message, "Bad token: set it in the extension options");
  });

  it("talks to a real HTTP server", async () => {
    const http = await import("node:http");
    const received = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(201, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ status: "stored", dump: "009_x.html", papers: 2, new: 2 }));
      });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const backendUrl = `http://127.0.0.1:${server.address().port}`;
      const r = await sendDump(fetch, HTML, PAGE, { backendUrl, token: "tok" });
      assert.equal(r.message, "Stored: 2 papers, 2 new");
      assert.equal(received[0].method, "POST");
      assert.equal(received[0].url, "/api/dumps");
      assert.equal(received[0].headers.authorization, "Bearer tok");
      assert.equal(received[0].headers["content-type"], "text/html; charset=utf-8");
      assert.equal(received[0].headers["x-page-url"], PAGE);
      assert.equal(received[0].body, HTML);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("status and catalog", () => {
  it("fetchStatus describes the backend", async () => {
    const fetchImpl = fakeFetch({ status: 200, body: { last_build: { finished: "2025-03-11T10:00:00", papers: 40 }, building: false } });
    const r = await fetchStatus(fetchImpl, { backendUrl: "http://127.0.0.1:8765" });
    assert.equal(fetchImpl.calls[0].url, "http://127.0.0.1:8765/api/status");
    assert.equal(r.ok, true);
    assert.match(r.message, /^Connected: idle; last build \(finished: 2025-03-11T10:00:00, papers: 40\)$/);
    assert.match(describeStatus({ building: true, last_build: null }), /building the site now; no build yet/);
  });

  it("fetchStatus reports an unreachable backend", async () => {
    const r = await fetchStatus(fakeFetch({ error: new TypeError("Failed to fetch") }), { backendUrl: "http://localhost:1" });
    assert.equal(r.ok, false);
    assert.match(r.message, /^Backend not reachable at http:\/\/localhost:1 /);
  });

  it("fetchCatalog reads papers.json from the site URL, defaulting to the backend", async () => {
    const fetchImpl = fakeFetch({ status: 200, body: [{ id: "a" }] });
    const r = await fetchCatalog(fetchImpl, { backendUrl: "http://127.0.0.1:8765", siteUrl: "" });
    assert.equal(fetchImpl.calls[0].url, "http://127.0.0.1:8765/api/papers.json");
    assert.equal(r.ok, true);
    assert.equal(r.papers.length, 1);
    const other = fakeFetch({ status: 200, body: [] });
    await fetchCatalog(other, { backendUrl: "http://127.0.0.1:8765", siteUrl: "http://localhost:8000/site/" });
    assert.equal(other.calls[0].url, "http://localhost:8000/site/api/papers.json");
  });

  it("fetchCatalog failures", async () => {
    assert.match((await fetchCatalog(fakeFetch({ status: 404, body: "nope" }), {})).message, /build the site first/);
    assert.match((await fetchCatalog(fakeFetch({ status: 200, raw: "<html>" }), {})).message, /not a list of papers/);
    assert.match((await fetchCatalog(fakeFetch({ error: new TypeError("x") }), {})).message, /^Site not reachable at http:\/\/127\.0\.0\.1:8765/);
  });
});
