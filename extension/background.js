// Service worker (Chromium) / background script (Firefox). Requests to the backend go out from here
// or from the popup, i.e. from the extension's origin, never from a content script.

import { captureWith, recordResult, resolveTabId } from "./lib/capture.js";
import { loadSettings } from "./lib/settings.js";

export const CAPTURE_COMMAND = "capture-digest";

/** Where the last result is kept: session storage when the browser has it, else local. */
function resultStorage() {
  return chrome.storage.session || chrome.storage.local;
}

/**
 * Captures a tab (default: the active tab of the last focused window) and POSTs it to the backend
 * configured in chrome.storage.local (backendUrl, token). Resolves to the interpreted answer
 * ({ok, message, papers, new, status, kind, dump, tabId, pageUrl, at}); never rejects.
 * Exposed as self.captureTab for tests driving the worker (serviceWorker.evaluate("captureTab(id)")).
 */
async function captureTab(tabId) {
  const storageArea = resultStorage();
  const tab = (await resolveTabId(chrome.tabs, tabId).catch(() => null)) ?? undefined;
  await recordResult({ storageArea, action: chrome.action }, { pending: true, tabId: tab, at: Date.now() });
  let result;
  try {
    const settings = await loadSettings(chrome.storage.local);
    result = await captureWith({
      scripting: chrome.scripting,
      tabs: chrome.tabs,
      fetchImpl: (url, init) => fetch(url, init),
      settings,
      tabId: tab,
    });
  } catch (error) {
    result = {
      ok: false,
      status: 0,
      kind: "internal",
      message: `Capture failed: ${error && error.message ? error.message : error}`,
      papers: 0,
      new: 0,
      dump: "",
      tabId: tab ?? null,
      pageUrl: "",
      at: Date.now(),
    };
  }
  await recordResult({ storageArea, action: chrome.action }, result);
  return result;
}

self.captureTab = captureTab;

chrome.commands.onCommand.addListener((command, tab) => {
  if (command !== CAPTURE_COMMAND) return;
  const done = captureTab(tab && Number.isInteger(tab.id) ? tab.id : undefined);
  // Show the answer in the popup where the browser lets us open it from a shortcut; the badge
  // tells either way.
  if (chrome.action && typeof chrome.action.openPopup === "function") {
    chrome.action.openPopup().catch(() => {});
  }
  return done;
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !message || message.type !== "capture") return false;
  captureTab(message.tabId).then(sendResponse);
  return true; // answer asynchronously
});
