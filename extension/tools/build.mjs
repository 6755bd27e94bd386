// Writes the two browser builds of the extension, each a folder to load unpacked or to zip for a store:
//   dist/chrome/   manifest.json as it is (background.service_worker)
//   dist/firefox/  the same files; the manifest with background.scripts instead of the service worker (Firefox
//                  ignores service_worker and Chromium warns about scripts, so one manifest cannot serve both),
//                  the add-on id and Firefox's data-collection declaration.
// Usage: node tools/build.mjs [--out DIR]   (default: extension/dist). No dependencies.

import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = dirname(dirname(fileURLToPath(import.meta.url)));
// What a browser loads; tests, tools, package.json and the README stay out of the builds.
export const SHIPPED = ["background.js", "popup.html", "popup.js", "options.html", "options.js", "style.css", "lib", "icons"];

export const GECKO = {
  id: "paper-digest-capture@paper-digest.local",
  // data_collection_permissions is read from Firefox 140 on (Firefox for Android 142)
  strict_min_version: "140.0",
  // What leaves the browser, and only to the backend the user configured: a captured page's content and its
  // address (see README, "Privacy").
  data_collection_permissions: { required: ["websiteContent", "browsingActivity"] },
};

/** The Firefox manifest made from the Chromium one. */
export function firefoxManifest(chrome) {
  const manifest = structuredClone(chrome);
  const { service_worker: worker, ...background } = manifest.background || {};
  manifest.background = { ...background, scripts: [worker] };
  delete manifest.minimum_chrome_version;
  manifest.browser_specific_settings = { gecko: GECKO, gecko_android: { strict_min_version: "142.0" } };
  return manifest;
}

export function build(out) {
  const chrome = JSON.parse(readFileSync(join(SOURCE, "manifest.json"), "utf8"));
  const builds = { chrome, firefox: firefoxManifest(chrome) };
  for (const [name, manifest] of Object.entries(builds)) {
    const dir = join(out, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const item of SHIPPED) cpSync(join(SOURCE, item), join(dir, item), { recursive: true });
    writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  return Object.keys(builds).map((name) => join(out, name));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--out");
  const out = resolve(at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(SOURCE, "dist"));
  for (const dir of build(out)) console.log(dir);
}
