// What kind of page a tab shows. This only shapes the popup: capture works on any tab.

const NEW_STYLE_ID = /^(\d{4}\.\d{4,5})(?:v\d+)?$/;
const OLD_STYLE_ID = /^([a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?$/;
const HF_HOSTS = new Set(["huggingface.co", "www.huggingface.co", "hf.co"]);
const ARXIV_HOSTS = new Set(["arxiv.org", "www.arxiv.org", "export.arxiv.org"]);

/**
 * An arXiv identifier without version and "arXiv:" prefix, or "" when `raw` isn't one.
 * "2401.12345v2" -> "2401.12345"; "arXiv:hep-th/9901001v1" -> "hep-th/9901001".
 */
export function normalizeArxivId(raw) {
  let text = typeof raw === "string" ? raw.trim() : "";
  text = text.replace(/^arxiv:/i, "").replace(/\.pdf$/i, "");
  const match = NEW_STYLE_ID.exec(text) || OLD_STYLE_ID.exec(text);
  return match ? match[1] : "";
}

function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * @param {string} url
 * @returns {{kind: "listing"|"paper"|"other", arxivId: string, source: "huggingface"|"arxiv"|""}}
 *   listing: a Hugging Face papers listing (daily, weekly, monthly, trending, search);
 *   paper: one paper's page on Hugging Face or arXiv, with its arXiv id (version dropped).
 */
export function classifyUrl(url) {
  const other = { kind: "other", arxivId: "", source: "" };
  let parsed;
  try {
    parsed = new URL(String(url ?? ""));
  } catch {
    return other;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return other;
  const host = parsed.hostname.toLowerCase();
  const segments = parsed.pathname.split("/").filter(Boolean).map(decode);

  if (HF_HOSTS.has(host)) {
    if (segments[0] !== "papers") return other;
    if (segments.length >= 2) {
      const id = normalizeArxivId(segments[1]);
      if (id) return { kind: "paper", arxivId: id, source: "huggingface" };
    }
    return { kind: "listing", arxivId: "", source: "huggingface" };
  }

  if (ARXIV_HOSTS.has(host)) {
    if (["abs", "pdf", "html"].includes(segments[0]) && segments.length >= 2) {
      // old-style ids span two segments: /abs/hep-th/9901001v2
      const id = normalizeArxivId(segments.slice(1, 3).join("/")) || normalizeArxivId(segments[1]);
      if (id) return { kind: "paper", arxivId: id, source: "arxiv" };
    }
    return other;
  }
  return other;
}
