// Settings kept in chrome.storage.local: defaults, validation, loading. No browser globals here.

export const DEFAULT_BACKEND_URL = "http://127.0.0.1:8765";

/** Storage keys (chrome.storage.local) and their defaults. siteUrl "" means "same as backendUrl". */
export const DEFAULTS = Object.freeze({
  backendUrl: DEFAULT_BACKEND_URL,
  token: "",
  siteUrl: "",
});

export const SETTINGS_KEYS = Object.freeze(Object.keys(DEFAULTS));

/**
 * Checks one base URL (backend or site) and returns it in a canonical form:
 * http(s) only, no credentials, query or fragment, no trailing slash.
 * @returns {{ok: true, value: string} | {ok: false, error: string}}
 */
export function normalizeBaseUrl(raw, label = "URL") {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (!text) return { ok: false, error: `${label} is empty` };
  let url;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `${label} is not a valid URL: ${text} (write it like ${DEFAULT_BACKEND_URL})` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, error: `${label} must start with http:// or https://` };
  }
  if (url.username || url.password) {
    return { ok: false, error: `${label} must not contain a user name or password` };
  }
  if (url.search || url.hash) {
    return { ok: false, error: `${label} must not contain a query (?) or fragment (#)` };
  }
  const path = url.pathname.replace(/\/+$/, "");
  return { ok: true, value: `${url.protocol}//${url.host}${path}` };
}

/**
 * Validates the token: header-safe (visible ASCII, no spaces). Empty is allowed
 * (then no Authorization header is sent, and a backend that wants one answers 401).
 */
export function validateToken(raw) {
  const token = typeof raw === "string" ? raw.trim() : "";
  if (!/^[\x21-\x7e]*$/.test(token)) {
    return { ok: false, error: "Token may only contain visible ASCII characters, without spaces" };
  }
  return { ok: true, value: token };
}

/**
 * Validates a whole settings object as typed in the options page.
 * @returns {{ok: boolean, errors: Object<string,string>, settings: {backendUrl, token, siteUrl}}}
 *   `settings` holds the normalized values of the fields that passed.
 */
export function validateSettings(raw = {}) {
  const errors = {};
  const settings = { ...DEFAULTS };

  const backend = normalizeBaseUrl(raw.backendUrl ?? DEFAULTS.backendUrl, "Backend URL");
  if (backend.ok) settings.backendUrl = backend.value;
  else errors.backendUrl = backend.error;

  const token = validateToken(raw.token ?? "");
  if (token.ok) settings.token = token.value;
  else errors.token = token.error;

  const siteText = typeof raw.siteUrl === "string" ? raw.siteUrl.trim() : "";
  if (siteText) {
    const site = normalizeBaseUrl(siteText, "Site URL");
    if (site.ok) settings.siteUrl = site.value;
    else errors.siteUrl = site.error;
  }

  return { ok: Object.keys(errors).length === 0, errors, settings };
}

/** The site's base URL: siteUrl when set, else the backend's (which serves the site at /). */
export function effectiveSiteUrl(settings) {
  const site = settings && typeof settings.siteUrl === "string" ? settings.siteUrl.trim() : "";
  if (site) {
    const checked = normalizeBaseUrl(site);
    if (checked.ok) return checked.value;
  }
  return effectiveBackendUrl(settings);
}

/** The backend base URL, falling back to the default when unset or broken. */
export function effectiveBackendUrl(settings) {
  const checked = normalizeBaseUrl(settings && settings.backendUrl);
  return checked.ok ? checked.value : DEFAULT_BACKEND_URL;
}

/**
 * Reads the settings from a storage area with the promise API (chrome.storage.local),
 * filling in defaults. Stored values are used as stored; broken URLs fall back to defaults.
 */
export async function loadSettings(storageArea) {
  const stored = (await storageArea.get(SETTINGS_KEYS)) || {};
  const settings = { ...DEFAULTS };
  for (const key of SETTINGS_KEYS) {
    if (typeof stored[key] === "string") settings[key] = stored[key].trim();
  }
  settings.backendUrl = effectiveBackendUrl(settings);
  if (settings.siteUrl) {
    const site = normalizeBaseUrl(settings.siteUrl);
    settings.siteUrl = site.ok ? site.value : "";
  }
  return settings;
}

/** Validates then writes; returns the validation result (nothing is written when it fails). */
export async function saveSettings(storageArea, raw) {
  const result = validateSettings(raw);
  if (result.ok) await storageArea.set(result.settings);
  return result;
}
