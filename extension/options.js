// Options page: backend URL, token, site URL in chrome.storage.local, and a connection test.

import { fetchStatus } from "./lib/api.js";
import { checkLookup } from "./lib/lookup.js";
import { DEFAULTS, SETTINGS_KEYS, loadSettings, saveSettings, validateSettings } from "./lib/settings.js";

const $ = (id) => document.getElementById(id);

function setStatus(text, tone = "") {
  const status = $("status");
  status.textContent = text;
  status.className = `status ${tone}`.trim();
}

function formValues() {
  return Object.fromEntries(SETTINGS_KEYS.map((key) => [key, $(key).value]));
}

function showErrors(errors) {
  for (const key of SETTINGS_KEYS) $(`${key}-error`).textContent = errors[key] || "";
}

async function save(event) {
  event.preventDefault();
  const result = await saveSettings(chrome.storage.local, formValues());
  showErrors(result.errors);
  if (!result.ok) {
    setStatus("Not saved: fix the fields above.", "error");
    return;
  }
  for (const key of SETTINGS_KEYS) $(key).value = result.settings[key];
  setStatus("Saved.", "ok");
}

async function testConnection() {
  const checked = validateSettings(formValues());
  showErrors(checked.errors);
  if (!checked.ok) {
    setStatus("Fix the fields above first.", "error");
    return;
  }
  setStatus("Testing…");
  const fetchImpl = (url, init) => fetch(url, init);
  const status = await fetchStatus(fetchImpl, checked.settings);
  if (!status.ok) {
    setStatus(status.message, "error");
    return;
  }
  const catalog = await checkLookup(fetchImpl, checked.settings);
  const lines = [status.message, catalog.ok ? `Site: ${catalog.message}.` : `Site: ${catalog.message}`];
  if (!checked.settings.token) lines.push("No token set: captures will be refused if the backend wants one.");
  setStatus(lines.join("\n"), catalog.ok ? "ok" : "");
}

async function main() {
  const settings = await loadSettings(chrome.storage.local);
  for (const key of SETTINGS_KEYS) $(key).value = settings[key] ?? DEFAULTS[key];
  $("form").addEventListener("submit", save);
  $("test").addEventListener("click", testConnection);
  $("toggle-token").addEventListener("click", () => {
    const input = $("token");
    input.type = input.type === "password" ? "text" : "password";
    $("toggle-token").textContent = input.type === "password" ? "Show" : "Hide";
  });
}

main().catch((error) => setStatus(`Options error: ${error && error.message ? error.message : error}`, "error"));
