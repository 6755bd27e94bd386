import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8"));
const exists = (path) => existsSync(join(ROOT, path));

/** Every file the manifest points at. */
function referencedFiles() {
  const files = new Set();
  for (const path of Object.values(manifest.icons || {})) files.add(path);
  for (const path of Object.values(manifest.action.default_icon || {})) files.add(path);
  files.add(manifest.action.default_popup);
  files.add(manifest.background.service_worker);
  for (const path of manifest.background.scripts || []) files.add(path);
  if (manifest.options_ui) files.add(manifest.options_ui.page);
  if (manifest.options_page) files.add(manifest.options_page);
  return [...files];
}

function jsFiles(dir = ROOT) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !["test", "tools", "node_modules"].includes(entry.name)) out.push(...jsFiles(path));
    else if (entry.isFile() && entry.name.endsWith(".js")) out.push(path);
  }
  return out;
}

describe("manifest.json", () => {
  it("is Chromium's Manifest V3 with a module service worker only (tools/build.mjs makes Firefox's)", () => {
    assert.equal(manifest.manifest_version, 3);
    assert.match(manifest.version, /^\d+(\.\d+){0,3}$/);
    assert.ok(manifest.name && manifest.description);
    assert.equal(manifest.background.service_worker, "background.js");
    assert.equal(manifest.background.type, "module");
    assert.equal(manifest.background.scripts, undefined);
    assert.equal(manifest.browser_specific_settings, undefined);
  });

  it("asks for exactly the permissions it needs", () => {
    assert.deepEqual([...manifest.permissions].sort(), ["activeTab", "scripting", "storage"]);
    // the local backend only: pages the user invokes it on are reached through activeTab
    assert.deepEqual([...manifest.host_permissions].sort(), ["http://127.0.0.1/*", "http://localhost/*"]);
  });

  it("has no content scripts: requests leave from the extension's origin", () => {
    assert.equal(manifest.content_scripts, undefined);
  });

  it("declares the popup and capture commands with shortcuts", () => {
    const commands = manifest.commands;
    assert.ok(commands._execute_action);
    assert.ok(commands["capture-digest"]);
    for (const command of Object.values(commands)) {
      assert.match(command.suggested_key.default, /^(Alt|Ctrl|Command|MacCtrl)\+(Shift\+)?[A-Z0-9]$/);
    }
    const keys = Object.values(commands).map((c) => c.suggested_key.default);
    assert.equal(new Set(keys).size, keys.length, "shortcuts differ");
    const background = readFileSync(join(ROOT, "background.js"), "utf8");
    assert.match(background, /CAPTURE_COMMAND = "capture-digest"/);
  });

  it("the Firefox build has an add-on id and declares what data leaves the browser", async () => {
    const { firefoxManifest } = await import("../tools/build.mjs");
    const firefox = firefoxManifest(manifest);
    assert.match(firefox.browser_specific_settings.gecko.id, /^[^@\s]+@[^@\s]+$/);
    assert.deepEqual(firefox.browser_specific_settings.gecko.data_collection_permissions.required, ["websiteContent", "browsingActivity"]);
    assert.deepEqual(firefox.background, { scripts: ["background.js"], type: "module" });
    assert.equal(manifest.background.scripts, undefined, "the source manifest is left as it was");
  });

  it("references files that exist", () => {
    for (const path of referencedFiles()) assert.ok(exists(path), `${path} is missing`);
  });

  it("icons are PNGs of the declared sizes", () => {
    for (const [size, path] of Object.entries(manifest.icons)) {
      const png = readFileSync(join(ROOT, path));
      assert.equal(png.subarray(1, 4).toString("latin1"), "PNG", path);
      assert.equal(png.readUInt32BE(16), Number(size), `${path} width`);
      assert.equal(png.readUInt32BE(20), Number(size), `${path} height`);
    }
  });

  it("HTML pages load scripts and styles that exist, as modules", () => {
    for (const page of [manifest.action.default_popup, manifest.options_ui.page]) {
      const html = readFileSync(join(ROOT, page), "utf8");
      const refs = [...html.matchAll(/(?:src|href)="([^":#]+)"/g)].map((m) => m[1]);
      assert.ok(refs.length > 0, page);
      for (const ref of refs) assert.ok(exists(ref), `${page} -> ${ref} is missing`);
      for (const tag of html.match(/<script\b[^>]*>/g) || []) assert.match(tag, /type="module"/, `${page}: ${tag}`);
      assert.doesNotMatch(html, /<script\b[^>]*>[^<\s]/, `${page} has an inline script (blocked by the MV3 CSP)`);
    }
  });

  it("every relative import resolves to a file", () => {
    for (const file of jsFiles()) {
      const source = readFileSync(file, "utf8");
      for (const [, spec] of source.matchAll(/(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)) {
        assert.match(spec, /^\.\.?\/.+\.js$/, `${relative(ROOT, file)} imports ${spec}: only relative .js paths load in an extension`);
        assert.ok(existsSync(resolve(dirname(file), spec)), `${relative(ROOT, file)} imports missing ${spec}`);
      }
    }
  });

  it("UI code never writes HTML from strings", () => {
    for (const file of jsFiles()) {
      const source = readFileSync(file, "utf8");
      assert.doesNotMatch(source, /\.(innerHTML|outerHTML)\s*=[^=]|insertAdjacentHTML|document\.write|\beval\(/, relative(ROOT, file));
    }
  });
});
