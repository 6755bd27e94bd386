// Capturing a tab: read its HTML with chrome.scripting, POST it with lib/api.js, remember the answer.
// The browser APIs are passed in, so node tests drive this with fakes.

import { sendDump } from "./api.js";

export const LAST_CAPTURE_KEY = "lastCapture";

/**
 * Runs inside the page (serialized by chrome.scripting.executeScript, so it must be self-contained).
 * outerHTML keeps the hydration JSON in data-props attributes; the doctype is added back in front.
 */
export function grabPage() {
  const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) + "\n" : "";
  return { html: doctype + document.documentElement.outerHTML, url: location.href };
}

function failure(kind, message, extra = {}) {
  return { ok: false, status: 0, kind, message, papers: 0, new: 0, dump: "", ...extra };
}

/** The given tab id, or the active tab of the last focused window. */
export async function resolveTabId(tabsApi, tabId) {
  if (Number.isInteger(tabId)) return tabId;
  const [tab] = await tabsApi.query({ active: true, lastFocusedWindow: true });
  return tab && Number.isInteger(tab.id) ? tab.id : null;
}

/**
 * Reads {html, url} from a tab's top frame.
 * @throws {Error} with a message fit for the popup
 */
export async function readTab(scriptingApi, tabId) {
  let results;
  try {
    results = await scriptingApi.executeScript({ target: { tabId }, func: grabPage });
  } catch (error) {
    const reason = error && error.message ? error.message : String(error);
    throw new Error(
      `Cannot read this tab (${reason}). Open the popup or press the shortcut on the page itself, ` +
        "so the extension gets access to it.",
    );
  }
  const page = results && results[0] && results[0].result;
  if (!page || typeof page.html !== "string" || !page.html) throw new Error("The page returned no HTML");
  return page;
}

/**
 * Captures one tab and sends it to the backend; never throws.
 * @param {{scripting: object, tabs: object, fetchImpl: Function, settings: object, tabId?: number}} deps
 * @returns {Promise<object>} interpretResponse()'s object plus tabId, pageUrl and at (ms since epoch)
 */
export async function captureWith({ scripting, tabs, fetchImpl, settings, tabId }) {
  const at = Date.now();
  let id;
  try {
    id = await resolveTabId(tabs, tabId);
  } catch (error) {
    id = null;
  }
  if (id === null) return failure("tab", "No tab to capture", { tabId: null, pageUrl: "", at });
  let page;
  try {
    page = await readTab(scripting, id);
  } catch (error) {
    return failure("tab", error.message, { tabId: id, pageUrl: "", at });
  }
  const result = await sendDump(fetchImpl, page.html, page.url, settings);
  return { ...result, tabId: id, pageUrl: page.url, at };
}

/** The badge text for a result: "+M" new papers, "✓" nothing new, "!" an error, "…" while sending. */
export function badgeFor(result) {
  if (!result) return { text: "", color: "#777777" };
  if (result.pending) return { text: "…", color: "#777777" };
  if (!result.ok) return { text: "!", color: "#c62828" };
  return { text: result.new > 0 ? `+${Math.min(result.new, 999)}` : "✓", color: "#2e7d32" };
}

/**
 * Shows a result on the toolbar badge and stores it under LAST_CAPTURE_KEY (the popup reads it).
 * Best effort: a browser without one of the APIs just skips that part.
 */
export async function recordResult({ storageArea, action }, result) {
  const tabId = result && Number.isInteger(result.tabId) ? result.tabId : undefined;
  const badge = badgeFor(result);
  try {
    if (action && action.setBadgeText) {
      await action.setBadgeBackgroundColor({ color: badge.color, ...(tabId !== undefined && { tabId }) });
      await action.setBadgeText({ text: badge.text, ...(tabId !== undefined && { tabId }) });
    }
  } catch {
    // the tab may be gone; the stored result still tells
  }
  try {
    if (storageArea) await storageArea.set({ [LAST_CAPTURE_KEY]: result });
  } catch {
    // storage full or unavailable: the caller still gets the result
  }
}
