// Runs site_src/assets/search.js outside a browser, over an index folder on disk, for tests/test_search.py.
// usage: node search_run.mjs <search.js> <index folder> <requests.json>
// requests: {"texts": [...], "queries": [...]} -> stdout {"terms": [[...], ...], "results": [[paper id, ...], ...]}
import fs from "node:fs";
import vm from "node:vm";

const [script, indexDir, requestsFile] = process.argv.slice(2);
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(script, "utf8"), context);
const api = context.PaperDigestSearch;
const requests = JSON.parse(fs.readFileSync(requestsFile, "utf8"));
const searcher = new api.Searcher(indexDir.replace(/\/?$/, "/"), async (url) => JSON.parse(fs.readFileSync(url, "utf8")));
const results = [];
for (const query of requests.queries) {
  const found = await searcher.search(query);
  const cards = await searcher.cards(found.docs);
  results.push(cards.map((card) => card.id));
}
process.stdout.write(JSON.stringify({ terms: requests.texts.map((text) => Array.from(api.terms(text))), results }));
