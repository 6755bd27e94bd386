// Runs site_src/assets/similar.js outside a browser, for tests/test_similar.py and bench/bench_similar.py.
// usage: node similar_run.mjs <similar.js> <requests.json>
// requests: {"analyze": {"texts": [...], "lexicon": [...], "lists": {stopWords, academicStopWords, irregularPlurals}},
//            "hash": [...], "index": <search index folder>, "queries": [...]}
// -> stdout {"analyzed": [[word or "", ...], ...], "hashes": [...], "answers": [{terms, ids, scores, shared, tooFew,
//            files, ms}, ...]}; files: the files that query loaded (with "cold": true, each query starts with
//            nothing loaded), ms: its time to results, cards included.
import fs from "node:fs";
import vm from "node:vm";

const [script, requestsFile] = process.argv.slice(2);
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(script, "utf8"), context);
const api = context.PaperDigestSimilar;
const requests = JSON.parse(fs.readFileSync(requestsFile, "utf8"));
const out = {};
if (requests.analyze) {
  const { texts, lexicon, lists } = requests.analyze;
  const words = new Set(lexicon);
  const given = { stopWords: new Set(lists.stopWords), academicStopWords: new Set(lists.academicStopWords),
                  irregularPlurals: lists.irregularPlurals };
  out.analyzed = texts.map((text) => Array.from(api.analyze(text, (w) => words.has(w), given)));
}
if (requests.hash) out.hashes = requests.hash.map((text) => api.fnv1a(text));
if (requests.index) {
  const base = requests.index.replace(/\/?$/, "/");
  let files = [];
  const similar = new api.Similar(base, async (url) => {
    files.push(url.slice(base.length));
    return JSON.parse(fs.readFileSync(url, "utf8"));
  });
  out.answers = [];
  for (const text of requests.queries) {
    if (requests.cold) { similar.files.clear(); similar.manifest = null; }
    files = [];
    const start = performance.now();
    const answer = await similar.query(text);
    const cards = await similar.cards(answer.docs.map((hit) => hit.doc));
    const ms = performance.now() - start;
    out.answers.push({
      terms: answer.terms, tooFew: Boolean(answer.tooFew), ids: cards.map((card) => card.id),
      scores: answer.docs.map((hit) => hit.score), shared: answer.docs.map((hit) => hit.shared), files, ms,
    });
  }
}
process.stdout.write(JSON.stringify(out));
