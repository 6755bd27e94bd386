// Talking to the Paper Digest backend (`python -m generator serve`). Pure functions plus
// fetch wrappers that take the fetch implementation as an argument, so node tests can fake it.

import { effectiveBackendUrl, effectiveSiteUrl } from "./settings.js";

export const DUMPS_PATH = "/api/dumps";
export const STATUS_PATH = "/api/status";
export const CATALOG_PATH = "/api/papers.json";
export const DEFAULT_TIMEOUT_MS = 60000;

/** Header values must be ISO-8859-1 byte strings: keep the URL ASCII by percent-encoding the rest. */
export function headerSafeUrl(pageUrl) {
  let text = String(pageUrl ?? "");
  try {
    text = new URL(text).href;
  } catch {
    // not a URL: send it as given, still made header-safe below
  }
  return text.replace(/[^\x20-\x7e]/gu, (ch) => encodeURIComponent(ch));
}

/**
 * The POST that stores one captured page.
 * @param {string} html the page's HTML
 * @param {string} pageUrl the page's address
 * @param {{backendUrl?: string, token?: string}} settings
 * @returns {{url: string, init: RequestInit}}
 */
export function buildDumpRequest(html, pageUrl, settings) {
  const headers = {
    "Content-Type": "text/html; charset=utf-8",
    "X-Page-Url": headerSafeUrl(pageUrl),
  };
  const token = settings && typeof settings.token === "string" ? settings.token.trim() : "";
  if (token) headers.Authorization = `Bearer ${token}`;
  return {
    url: effectiveBackendUrl(settings) + DUMPS_PATH,
    init: { method: "POST", headers, body: String(html ?? ""), cache: "no-store", credentials: "omit" },
  };
}

function count(value) {
  const n = typeof value === "number" || typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.trunc(n) : 0;
}

function errorText(body) {
  if (body && typeof body === "object" && typeof body.error === "string") return body.error;
  if (typeof body === "string") return body.trim().slice(0, 200);
  return "";
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Turns the backend's answer into something the popup can show.
 * @param {number} status HTTP status
 * @param {object|string|null} body parsed JSON body (or raw text when it wasn't JSON)
 * @returns {{ok: boolean, status: number, kind: string, message: string, papers: number, new: number, dump: string}}
 */
export function interpretResponse(status, body) {
  const data = body && typeof body === "object" ? body : {};
  const papers = count(data.papers);
  const fresh = count(data.new);
  const dump = typeof data.dump === "string" ? data.dump : "";
  const base = { status, papers, new: fresh, dump };
  const detail = errorText(body);
  const suffix = detail ? `: ${detail}` : "";

  if (status === 201 || (status === 200 && data.status === "stored")) {
    return { ...base, ok: true, kind: "stored", message: `Stored: ${plural(papers, "paper")}, ${fresh} new` };
  }
  if (status === 200) {
    return { ...base, ok: true, kind: "already", new: 0, message: `Already stored (${plural(papers, "paper")})` };
  }
  if (status >= 200 && status < 300) {
    return { ...base, ok: true, kind: "stored", message: `Backend accepted the page (HTTP ${status})` };
  }
  const fail = (kind, message) => ({ ...base, ok: false, kind, message, papers: 0, new: 0 });
  switch (status) {
    case 401:
      return fail("auth", "Bad token: set it in the extension options");
    case 413:
      return fail("too-large", `Page too large for the backend${suffix}`);
    case 415:
      return fail("media-type", `Backend refused the content type${suffix}`);
    case 422:
      return fail("unparsable", `The backend could not read this page${suffix}`);
    default:
      return fail("http", `Backend answered HTTP ${status}${suffix}`);
  }
}

/** The message for a fetch that never got an answer (backend not running, wrong port, timeout). */
export function interpretNetworkError(error, backendUrl, timeoutMs) {
  const base = effectiveBackendUrl({ backendUrl });
  const timedOut = error && (error.name === "AbortError" || error.name === "TimeoutError");
  const message = timedOut
    ? `Backend at ${base} did not answer within ${Math.round((timeoutMs || DEFAULT_TIMEOUT_MS) / 1000)} s`
    : `Backend not reachable at ${base} — is \`python -m generator serve\` running?`;
  return { ok: false, status: 0, kind: timedOut ? "timeout" : "network", message, papers: 0, new: 0, dump: "" };
}

/** Reads a response body as JSON when it is JSON, else as text (never throws). */
export async function readBody(response) {
  let text = "";
  try {
    text = await response.text();
  } catch {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function fetchWithTimeout(fetchImpl, url, init, timeoutMs) {
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
  try {
    return await fetchImpl(url, controller ? { ...init, signal: controller.signal } : init);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * POSTs a captured page and interprets the answer; never throws.
 * @returns {Promise<ReturnType<typeof interpretResponse>>}
 */
export async function sendDump(fetchImpl, html, pageUrl, settings, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const { url, init } = buildDumpRequest(html, pageUrl, settings);
  let response;
  try {
    response = await fetchWithTimeout(fetchImpl, url, init, timeoutMs);
  } catch (error) {
    return interpretNetworkError(error, settings && settings.backendUrl, timeoutMs);
  }
  return interpretResponse(response.status, await readBody(response));
}

/** One line about the backend's /api/status answer. */
export function describeStatus(data) {
  if (!data || typeof data !== "object") return "Backend answered";
  const parts = [];
  parts.push(data.building ? "building the site now" : "idle");
  const last = data.last_build;
  if (last && typeof last === "object") {
    const fields = [];
    for (const [key, value] of Object.entries(last)) {
      if (["string", "number", "boolean"].includes(typeof value) && fields.length < 4) {
        fields.push(`${key}: ${String(value).slice(0, 60)}`);
      }
    }
    parts.push(fields.length ? `last build (${fields.join(", ")})` : "last build done");
  } else {
    parts.push("no build yet");
  }
  return `Connected: ${parts.join("; ")}`;
}

/** GET {backend}/api/status; never throws. */
export async function fetchStatus(fetchImpl, settings, { timeoutMs = 10000 } = {}) {
  const url = effectiveBackendUrl(settings) + STATUS_PATH;
  let response;
  try {
    response = await fetchWithTimeout(fetchImpl, url, { method: "GET", cache: "no-store", credentials: "omit" }, timeoutMs);
  } catch (error) {
    return { ...interpretNetworkError(error, settings && settings.backendUrl, timeoutMs), data: null };
  }
  const body = await readBody(response);
  if (!response.ok) {
    const detail = errorText(body);
    return { ok: false, status: response.status, message: `Backend answered HTTP ${response.status}${detail ? `: ${detail}` : ""}`, data: null };
  }
  const data = body && typeof body === "object" ? body : null;
  return { ok: true, status: response.status, message: describeStatus(data), data };
}

/**
 * GET {site}/api/papers.json; never throws.
 * @returns {Promise<{ok: boolean, message: string, papers: Array|null, siteUrl: string}>}
 */
export async function fetchCatalog(fetchImpl, settings, { timeoutMs = 15000 } = {}) {
  const siteUrl = effectiveSiteUrl(settings);
  const url = siteUrl + CATALOG_PATH;
  let response;
  try {
    response = await fetchWithTimeout(fetchImpl, url, { method: "GET", cache: "no-store", credentials: "omit" }, timeoutMs);
  } catch {
    return { ok: false, siteUrl, papers: null, message: `Site not reachable at ${siteUrl} — is \`python -m generator serve\` running?` };
  }
  if (!response.ok) {
    return {
      ok: false,
      siteUrl,
      papers: null,
      message:
        response.status === 404
          ? `No catalog at ${url} yet: build the site first`
          : `Site answered HTTP ${response.status} for ${url}`,
    };
  }
  const body = await readBody(response);
  const papers = Array.isArray(body) ? body : body && Array.isArray(body.papers) ? body.papers : null;
  if (!papers) return { ok: false, siteUrl, papers: null, message: `${url} is not a list of papers` };
  return { ok: true, siteUrl, papers, message: `${papers.length} papers in the catalog` };
}
