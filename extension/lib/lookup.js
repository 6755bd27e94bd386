// Looking one paper up in the site's look-up shards (api/lookup/, made by generator/lookup.py): index.json, the
// arXiv shard that maps the page's arXiv id to the paper's normalised title, and the title shard holding the paper
// and its related papers (by the page's own title when the id is not there); a few KB each, with the browser's
// normal HTTP caching, instead of the whole api/papers.json. Plain data in and out; the popup renders titles with
// textContent and keeps only http(s) links.

import { normalizeArxivId } from "./pages.js";
import { resolveSiteUrl } from "./related.js";
import { effectiveSiteUrl } from "./settings.js";

export const LOOKUP_PATH = "/api/lookup/";
const SUPPORTED_VERSION = 1;

/**
 * A title as generator/textclean.py's normalize_title keys it: accents dropped (NFKD, combining marks removed),
 * case folded, every run of non-letters/digits one space, trimmed. ("ß" folds to "ss" and final sigma to sigma,
 * as Python's casefold does.)
 */
export function titleKey(title) {
  let text = typeof title === "string" ? title : "";
  text = text.normalize("NFKD").replace(/\p{Mn}/gu, "");
  text = text.toUpperCase().toLowerCase().replace(/ς/gu, "σ");
  return text.replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/**
 * The paper's title as a Hugging Face or arXiv tab shows it, without the site's decoration:
 * "Paper page - Title" -> "Title", "[2401.12345] Title" -> "Title", "Title | Hugging Face" -> "Title".
 */
export function pageTitle(tabTitle) {
  let text = typeof tabTitle === "string" ? tabTitle.trim() : "";
  text = text.replace(/^paper page\s*[-–—:]\s*/iu, "");
  text = text.replace(/^\[[^\]]{1,40}\]\s*/u, "");
  text = text.replace(/\s*[|–—-]\s*(hugging ?face|arxiv(\.org)?)$/iu, "");
  return text.trim();
}

/** Shard number of a key: the first 32 bits of its SHA-256, big-endian, modulo the shard count. */
export async function shardIndex(key, count, subtle = globalThis.crypto.subtle) {
  const digest = await subtle.digest("SHA-256", new TextEncoder().encode(key));
  return new DataView(digest).getUint32(0) % count;
}

async function getJson(fetchImpl, url, timeoutMs) {
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
  let response;
  try {
    // no `cache` option: the browser's HTTP cache decides, as for any static file of the site
    response = await fetchImpl(url, { method: "GET", credentials: "omit", ...(controller ? { signal: controller.signal } : {}) });
  } catch {
    return { ok: false, status: 0, data: null };
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (!response.ok) return { ok: false, status: response.status, data: null };
  try {
    return { ok: true, status: response.status, data: JSON.parse(await response.text()) };
  } catch {
    return { ok: false, status: response.status, data: null };
  }
}

function count(value) {
  return Number.isInteger(value) && value > 0 && value <= 1 << 24 ? value : 0;
}

function pageOf(id, siteUrl) {
  return resolveSiteUrl(`papers/${encodeURIComponent(id)}/`, siteUrl);
}

function describe(record, siteUrl) {
  if (!record || typeof record !== "object" || typeof record.id !== "string") return null;
  const title = typeof record.title === "string" && record.title.trim() ? record.title.trim() : record.id;
  const related = [];
  const seen = new Set([record.id]);
  for (const item of Array.isArray(record.related) ? record.related : []) {
    if (!item || typeof item !== "object" || typeof item.id !== "string" || seen.has(item.id)) continue;
    seen.add(item.id);
    const score = Number(item.score);
    related.push({
      id: item.id,
      title: typeof item.title === "string" && item.title.trim() ? item.title.trim() : item.id,
      url: pageOf(item.id, siteUrl),
      score: Number.isFinite(score) ? score : 0,
    });
  }
  return { paper: { id: record.id, title, url: pageOf(record.id, siteUrl) }, related };
}

async function readIndex(fetchImpl, siteUrl, timeoutMs) {
  const url = `${siteUrl}${LOOKUP_PATH}index.json`;
  const index = await getJson(fetchImpl, url, timeoutMs);
  if (!index.ok) {
    const message =
      index.status === 404
        ? `No look-up index at ${url} yet: build the site first`
        : index.status
          ? `Site answered HTTP ${index.status} for ${url}`
          : `Site not reachable at ${siteUrl} — is \`python -m generator serve\` running?`;
    return { ok: false, message };
  }
  const meta = index.data && typeof index.data === "object" ? index.data : {};
  const shards = { arxiv: count(meta.arxiv), title: count(meta.title) };
  if (meta.version !== SUPPORTED_VERSION || !shards.arxiv || !shards.title) {
    return { ok: false, message: `${url} is not a look-up index this extension reads` };
  }
  return { ok: true, shards, message: `look-up index found (${shards.arxiv} + ${shards.title} shards)` };
}

/** GET {site}/api/lookup/index.json, for the options' connection test; never throws. */
export async function checkLookup(fetchImpl, settings, { timeoutMs = 15000 } = {}) {
  const siteUrl = effectiveSiteUrl(settings);
  const index = await readIndex(fetchImpl, siteUrl, timeoutMs);
  return { ok: index.ok, siteUrl, message: index.message };
}

/**
 * Finds a paper by arXiv id, else by title, in the site's shards; never throws.
 * @param {Function} fetchImpl
 * @param {{backendUrl?: string, siteUrl?: string}} settings
 * @param {{arxivId?: string, title?: string}} page
 * @returns {Promise<{ok: boolean, found: boolean, message: string, siteUrl: string, by?: string,
 *   paper?: {id: string, title: string, url: string}, related?: Array<{id, title, url, score}>}>}
 */
export async function lookupPaper(fetchImpl, settings, page, { timeoutMs = 15000, subtle } = {}) {
  const siteUrl = effectiveSiteUrl(settings);
  const base = siteUrl + LOOKUP_PATH;
  const index = await readIndex(fetchImpl, siteUrl, timeoutMs);
  if (!index.ok) return { ok: false, found: false, siteUrl, message: index.message };
  const shards = index.shards;
  const find = async (space, key) => {
    const n = await shardIndex(key, shards[space], subtle);
    const shard = await getJson(fetchImpl, `${base}${space}/${n}.json`, timeoutMs);
    if (!shard.ok || !shard.data || typeof shard.data !== "object") return { error: shard.status || "unreachable" };
    return { entry: Object.prototype.hasOwnProperty.call(shard.data, key) ? shard.data[key] : null };
  };

  const arxivId = normalizeArxivId(page && page.arxivId);
  let key = "";
  let by = "title";
  if (arxivId) {
    const hit = await find("arxiv", arxivId);
    if (hit.error) return { ok: false, found: false, siteUrl, message: `Could not read the look-up shard for arXiv:${arxivId}` };
    if (typeof hit.entry === "string" && hit.entry) {
      key = hit.entry;
      by = "arxiv";
    }
  }
  key = key || titleKey(pageTitle(page && page.title));
  if (key) {
    const hit = await find("title", key);
    if (hit.error) return { ok: false, found: false, siteUrl, message: "Could not read the look-up shard for this paper" };
    const shown = describe(hit.entry, siteUrl);
    if (shown) return { ok: true, found: true, by, siteUrl, message: "", ...shown };
  }
  const what = arxivId ? `arXiv:${arxivId}` : "This page's paper";
  return { ok: true, found: false, siteUrl, message: `${what} is not in your catalog (${siteUrl}).` };
}
