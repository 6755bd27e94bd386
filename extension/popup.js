// Popup: capture a listing page, or show a paper's related papers, looked up in the site's small look-up shards
// (api/lookup/, see lib/lookup.js). Everything that comes from the web is rendered with textContent, never as HTML.

import { LAST_CAPTURE_KEY, captureWith } from "./lib/capture.js";
import { lookupPaper } from "./lib/lookup.js";
import { classifyUrl } from "./lib/pages.js";
import { loadSettings } from "./lib/settings.js";

const RECENT_MS = 2 * 60 * 1000;
const $ = (id) => document.getElementById(id);

function setStatus(text, tone = "") {
  const status = $("status");
  status.textContent = text;
  status.className = `status ${tone}`.trim();
}

let tokenSet = false;

function updateHint(result) {
  const hint = $("token-hint");
  if (result && result.kind === "auth") {
    hint.textContent = "The backend refused the token: fix it in the options.";
    hint.hidden = false;
  } else if (!tokenSet) {
    hint.textContent = "No token set yet: the backend will refuse captures until you set one in the options.";
    hint.hidden = false;
  } else {
    hint.hidden = true;
  }
}

function showResult(result) {
  if (!result) return;
  if (result.pending) {
    setStatus("Capturing…");
    return;
  }
  setStatus(result.message || (result.ok ? "Done" : "Failed"), result.ok ? "ok" : "error");
  updateHint(result);
}

/** A stored result belongs to this popup when it is for this tab and this page, and recent. */
function isForTab(result, tab) {
  if (!result || result.tabId !== tab.id || Date.now() - (result.at || 0) > RECENT_MS) return false;
  return result.pending || !result.pageUrl || !tab.url || result.pageUrl === tab.url;
}

function link(text, url) {
  if (!url) {
    const span = document.createElement("span");
    span.textContent = text;
    return span;
  }
  const a = document.createElement("a");
  a.textContent = text;
  a.href = url;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

async function capture(tabId, settings) {
  const button = $("capture");
  button.disabled = true;
  setStatus("Capturing…");
  let result;
  try {
    result = await chrome.runtime.sendMessage({ type: "capture", tabId });
  } catch {
    result = undefined;
  }
  if (!result) {
    // no background context answered (should not happen): do it from the popup, same origin rules
    result = await captureWith({
      scripting: chrome.scripting,
      tabs: chrome.tabs,
      fetchImpl: (url, init) => fetch(url, init),
      settings,
      tabId,
    });
  }
  showResult(result);
  button.disabled = false;
}

async function showPaper(page, settings) {
  $("paper-section").hidden = false;
  setStatus("Looking it up in your catalog…");
  const found = await lookupPaper((url, init) => fetch(url, init), settings, page);
  if (!found.ok) {
    setStatus(found.message, "error");
    return;
  }
  if (!found.found) {
    setStatus(found.message);
    return;
  }
  const paper = found.paper;
  const holder = $("paper");
  holder.replaceChildren(link(paper.title, paper.url));
  const related = found.related;
  const list = $("related");
  list.replaceChildren();
  if (!related.length) {
    setStatus("In your catalog; no related papers recorded.");
    return;
  }
  $("related-heading").hidden = false;
  for (const item of related) {
    const li = document.createElement("li");
    li.append(link(item.title, item.url));
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = item.score.toFixed(2);
    li.append(score);
    list.append(li);
  }
  setStatus("");
}

async function showShortcut() {
  try {
    const commands = await chrome.commands.getAll();
    const capture = commands.find((c) => c.name === "capture-digest");
    $("shortcut-hint").textContent = capture && capture.shortcut ? `${capture.shortcut} captures` : "";
  } catch {
    // keep the default hint
  }
}

async function main() {
  $("open-options").addEventListener("click", () => chrome.runtime.openOptionsPage());
  showShortcut();

  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  // popup.html?url=…&title=… shows what the popup shows for that page (the end-to-end test opens it in a tab)
  const params = new URLSearchParams(location.search);
  const pageUrl = params.get("url") ?? (tab && tab.url);
  const pageTitleText = params.get("title") ?? (tab && tab.title);
  const settings = await loadSettings(chrome.storage.local);
  tokenSet = Boolean(settings.token);
  updateHint(null);
  if (!tab || !Number.isInteger(tab.id)) {
    $("page-kind").textContent = "No tab to work on.";
    return;
  }

  const page = classifyUrl(pageUrl);
  const button = $("capture");
  button.addEventListener("click", () => capture(tab.id, settings));

  if (page.kind === "listing") {
    $("page-kind").textContent = "Hugging Face papers page.";
    $("capture-section").hidden = false;
  } else if (page.kind === "paper") {
    $("page-kind").textContent = `Paper arXiv:${page.arxivId}`;
    await showPaper({ arxivId: page.arxivId, title: pageTitleText }, settings);
  } else {
    $("page-kind").textContent = "Not a Hugging Face papers page.";
    button.textContent = "Capture anyway";
    $("capture-section").hidden = false;
  }

  // A capture started by the keyboard shortcut (or an earlier popup) for this tab: show its answer,
  // and follow it while it is still running.
  const area = chrome.storage.session || chrome.storage.local;
  const stored = await area.get(LAST_CAPTURE_KEY);
  const last = stored && stored[LAST_CAPTURE_KEY];
  if (isForTab(last, tab)) showResult(last);
  chrome.storage.onChanged.addListener((changes) => {
    const change = changes[LAST_CAPTURE_KEY];
    if (change && isForTab(change.newValue, tab)) showResult(change.newValue);
  });
}

main().catch((error) => setStatus(`Popup error: ${error && error.message ? error.message : error}`, "error"));
