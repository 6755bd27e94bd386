import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { classifyUrl, normalizeArxivId } from "../lib/pages.js";

const listing = (url) => assert.deepEqual(classifyUrl(url), { kind: "listing", arxivId: "", source: "huggingface" }, url);
const paper = (url, arxivId, source) => assert.deepEqual(classifyUrl(url), { kind: "paper", arxivId, source }, url);
const other = (url) => assert.deepEqual(classifyUrl(url), { kind: "other", arxivId: "", source: "" }, String(url));

describe("classifyUrl", () => {
  it("daily, weekly, monthly, trending and plain listings", () => {
    listing("https://huggingface.co/papers");
    listing("https://huggingface.co/papers/");
    listing("https://huggingface.co/papers?date=2025-03-11");
    listing("https://huggingface.co/papers/date/2025-03-11");
    listing("https://huggingface.co/papers/week/2025-W11");
    listing("https://huggingface.co/papers/month/2025-03");
    listing("https://huggingface.co/papers/trending");
  });

  it("search pages", () => {
    listing("https://huggingface.co/papers?q=diffusion");
    listing("https://huggingface.co/papers/search?q=state+space+models");
  });

  it("a paper's page on Hugging Face", () => {
    paper("https://huggingface.co/papers/2401.12345", "2401.12345", "huggingface");
    paper("https://huggingface.co/papers/2503.01234v2#community", "2503.01234", "huggingface");
    paper("https://huggingface.co/papers/1706.03762", "1706.03762", "huggingface");
  });

  it("arXiv abstract pages, with or without a version", () => {
    paper("https://arxiv.org/abs/2401.12345", "2401.12345", "arxiv");
    paper("https://arxiv.org/abs/2401.12345v3", "2401.12345", "arxiv");
    paper("https://www.arxiv.org/abs/2401.1234v1?context=cs", "2401.1234", "arxiv");
    paper("https://arxiv.org/pdf/2401.12345v2", "2401.12345", "arxiv");
    paper("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001", "arxiv");
  });

  it("everything else", () => {
    other("https://huggingface.co/models");
    other("https://huggingface.co/");
    other("https://huggingface.co/papersfoo");
    other("https://arxiv.org/list/cs.CL/recent");
    other("https://arxiv.org/abs/not-an-id");
    other("https://example.org/papers/2401.12345");
    other("http://127.0.0.1:8000/papers.html");
    other("chrome://extensions");
    other("not a url");
    other(undefined);
  });
});

describe("normalizeArxivId", () => {
  it("drops versions and prefixes", () => {
    assert.equal(normalizeArxivId("2401.12345v12"), "2401.12345");
    assert.equal(normalizeArxivId("arXiv:2401.12345"), "2401.12345");
    assert.equal(normalizeArxivId(" 2401.12345 "), "2401.12345");
    assert.equal(normalizeArxivId("cs/0112017v1"), "cs/0112017");
    assert.equal(normalizeArxivId("math.GT/0309136"), "math.GT/0309136");
  });

  it("rejects what isn't an id", () => {
    for (const bad of ["", "2401.123", "24011.2345", "abc", null, 42, "2401.12345v"]) {
      assert.equal(normalizeArxivId(bad), "", String(bad));
    }
  });
});
