/* Paper Digest search: queries the sharded index the generator writes (generator/search.py) in the browser.
 *
 * A query downloads the manifest, the term shards holding its words and the result cards it shows, nothing else.
 * The word rules below (folding, tokens, stop words, the plural rule) mirror generator/search.py: change both.
 * Every word must match; the last one also matches as a prefix while it is being typed ("transf" finds
 * "transformer"). Loaded on every page (extra_javascript); it acts only where an element #pd-search exists.
 */
(function (global) {
  "use strict";

  var STOP_WORDS = new Set(("a an and are as at be been but by can for from has have in into is it its of on or our " +
    "than that the their these this those to via was we were which while with").split(" "));
  var TOKEN_RE = /[\p{L}\p{N}]+/gu;
  var MIN_PREFIX = 3; // a shorter last word matches only whole words: "a" would fetch half the index
  var MAX_PREFIX_SHARDS = 6;
  var PAGE_SIZE = 10;

  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function stem(word) {
    if (word.length > 4 && word.endsWith("ies")) return word.slice(0, -3) + "y";
    if (word.length > 3 && word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
    return word;
  }

  function indexed(token) {
    return !STOP_WORDS.has(token) && (token.length > 1 || /^\p{N}$/u.test(token));
  }

  /* The indexed words of a text, in order: what generator/search.py `terms` gives for the same text. */
  function terms(text) {
    return (fold(text).match(TOKEN_RE) || []).filter(indexed).map(stem);
  }

  /* What a query asks for: whole words that must all match, and the word still being typed (the query ends in it),
   * which matches every word it starts, and also its singular ("models" -> "model"). A typed word shorter than
   * MIN_PREFIX is taken whole; a stop word being typed ("with") still matches the words it starts ("without"). */
  function parseQuery(query) {
    var folded = fold(query);
    var tokens = folded.match(TOKEN_RE) || [];
    var typing = tokens.length > 0 && /[\p{L}\p{N}]$/u.test(folded);
    var last = typing ? tokens.pop() : "";
    var words = [];
    tokens.filter(indexed).map(stem).forEach(function (term) {
      if (words.indexOf(term) < 0) words.push(term);
    });
    var typed = null;
    if (last.length >= MIN_PREFIX) {
      typed = { start: last, word: indexed(last) ? stem(last) : "" };
    } else if (last && indexed(last) && words.indexOf(stem(last)) < 0) {
      words.push(stem(last));
    }
    return { words: words, typed: typed };
  }

  /* A searcher over the index at `base` (a URL ending in "/"); `fetchJSON(url)` returns a promise of parsed JSON. */
  function Searcher(base, fetchJSON) {
    this.base = base;
    this.fetchJSON = fetchJSON;
    this.files = new Map();
    this.manifest = null;
  }

  Searcher.prototype.load = function (name) {
    if (!this.files.has(name)) this.files.set(name, this.fetchJSON(this.base + name));
    return this.files.get(name);
  };

  Searcher.prototype.init = function () {
    var self = this;
    if (!this.manifest) {
      this.manifest = this.fetchJSON(this.base + "manifest.json").then(function (manifest) {
        if (manifest.version !== 1) throw new Error("unknown search index version " + manifest.version);
        return manifest;
      });
      this.manifest.catch(function () { self.manifest = null; });
    }
    return this.manifest;
  };

  /* Index of the last shard whose first term is <= term (terms are sorted by code point). */
  function shardFor(shards, term) {
    var low = 0, high = shards.length - 1, found = 0;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (shards[mid][0] <= term) { found = mid; low = mid + 1; } else { high = mid - 1; }
    }
    return found;
  }

  function decode(encoded) {
    var postings = new Map();
    var doc = 0;
    for (var i = 0; i < encoded.length; i += 2) {
      doc += encoded[i];
      postings.set(doc, encoded[i + 1]);
    }
    return postings;
  }

  /* doc -> score of one whole word, or of the word being typed: the best score among the words it matches. */
  Searcher.prototype.postingsOf = function (manifest, word, typed) {
    var shards = manifest.shards;
    if (!shards.length) return Promise.resolve(new Map());
    var wanted = [shardFor(shards, typed ? typed.start : word)];
    if (typed) {
      for (var i = wanted[0] + 1; i < shards.length && wanted.length < MAX_PREFIX_SHARDS && shards[i][0].startsWith(typed.start); i++) {
        wanted.push(i);
      }
      if (typed.word && wanted.indexOf(shardFor(shards, typed.word)) < 0) wanted.push(shardFor(shards, typed.word));
    }
    var matches = typed ? function (term) { return term.startsWith(typed.start) || term === typed.word; }
                        : function (term) { return term === word; };
    var self = this;
    return Promise.all(wanted.map(function (i) { return self.load(shards[i][1]); })).then(function (loaded) {
      var merged = new Map();
      loaded.forEach(function (shard) {
        Object.keys(shard).forEach(function (term) {
          if (!matches(term)) return;
          decode(shard[term]).forEach(function (score, doc) {
            if (!(merged.get(doc) >= score)) merged.set(doc, score);
          });
        });
      });
      return merged;
    });
  };

  /* Every matching document, best first: {docs: [doc number, ...], words: what was looked for} */
  Searcher.prototype.search = function (query) {
    var parsed = parseQuery(query);
    var self = this;
    var asked = parsed.words.concat(parsed.typed ? [parsed.typed.start] : []);
    if (!asked.length) return Promise.resolve({ docs: [], words: [] });
    return this.init().then(function (manifest) {
      var lists = parsed.words.map(function (word) { return self.postingsOf(manifest, word, null); });
      if (parsed.typed) lists.push(self.postingsOf(manifest, null, parsed.typed));
      return Promise.all(lists);
    }).then(function (lists) {
      lists.sort(function (a, b) { return a.size - b.size; });
      var scores = new Map(lists[0]);
      lists.slice(1).forEach(function (list) {
        scores.forEach(function (score, doc) {
          var other = list.get(doc);
          if (other === undefined) scores.delete(doc); else scores.set(doc, score + other);
        });
      });
      var docs = Array.from(scores.keys());
      docs.sort(function (a, b) { return scores.get(b) - scores.get(a) || a - b; });
      return { docs: docs, words: asked };
    });
  };

  /* The result cards of some documents: {id, title, day, authors, snippet}. */
  Searcher.prototype.cards = function (docs) {
    var self = this;
    return this.init().then(function (manifest) {
      return Promise.all(docs.map(function (doc) {
        return self.load(manifest.cards[Math.floor(doc / manifest.cardChunk)]).then(function (chunk) {
          var card = chunk[doc % manifest.cardChunk];
          return { id: card[0], title: card[1], day: card[2], authors: card[3], snippet: card[4] };
        });
      }));
    });
  };

  // ---- the search page -------------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function mount(container, siteRoot) {
    var searcher = new Searcher(siteRoot + "search-index/", function (url) {
      return fetch(url).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + url);
        return response.json();
      });
    });
    var form = element("form", "pd-search__form");
    form.setAttribute("role", "search");
    var input = element("input", "pd-search__input");
    input.type = "search";
    input.name = "q";
    input.placeholder = "Title, author, arXiv id or words of the abstract";
    input.setAttribute("aria-label", "Search papers");
    input.autocomplete = "off";
    form.appendChild(input);
    var status = element("p", "pd-search__status");
    status.setAttribute("aria-live", "polite");
    var list = element("ol", "pd-search__results");
    var more = element("button", "md-button pd-search__more", "More results");
    more.type = "button";
    more.hidden = true;
    container.replaceChildren(form, status, list, more);

    var current = { seq: 0, docs: [], shown: 0 };

    function show(seq) {
      var page = current.docs.slice(current.shown, current.shown + PAGE_SIZE);
      return searcher.cards(page).then(function (cards) {
        if (seq !== current.seq) return;
        cards.forEach(function (card) {
          var item = element("li", "pd-search__result");
          var link = element("a", "pd-search__title", card.title);
          link.href = siteRoot + "papers/" + encodeURIComponent(card.id) + "/";
          item.appendChild(link);
          var meta = [card.day, card.authors].filter(Boolean).join(" · ");
          if (meta) item.appendChild(element("div", "pd-meta", meta));
          if (card.snippet) item.appendChild(element("p", "pd-snippet", card.snippet));
          list.appendChild(item);
        });
        current.shown += page.length;
        more.hidden = current.shown >= current.docs.length;
      });
    }

    function run() {
      var query = input.value;
      var seq = ++current.seq;
      var url = new URL(window.location.href);
      if (query.trim()) url.searchParams.set("q", query); else url.searchParams.delete("q");
      window.history.replaceState(null, "", url);
      if (!query.trim()) {
        list.replaceChildren();
        status.textContent = "";
        more.hidden = true;
        return Promise.resolve();
      }
      status.textContent = "Searching…";
      return searcher.search(query).then(function (result) {
        if (seq !== current.seq) return;
        list.replaceChildren();
        current.docs = result.docs;
        current.shown = 0;
        if (!result.words.length) {
          status.textContent = "Type a word that is more than a common word such as “the”.";
          more.hidden = true;
          return;
        }
        var count = result.docs.length;
        status.textContent = count === 0 ? "No paper has all of these words." :
          count === 1 ? "1 paper" : count.toLocaleString("en") + " papers";
        return show(seq);
      }).catch(function (error) {
        if (seq === current.seq) status.textContent = "Search is unavailable: " + error.message;
      });
    }

    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      run();
    });
    more.addEventListener("click", function () { show(current.seq); });

    var initial = new URLSearchParams(window.location.search).get("q");
    if (initial) {
      input.value = initial;
      run();
    }
    input.focus();
  }

  var api = { fold: fold, stem: stem, terms: terms, parseQuery: parseQuery, Searcher: Searcher };
  global.PaperDigestSearch = api;

  if (typeof document !== "undefined" && document.currentScript) {
    // The script lives at <site root>/assets/search.js: the root is one folder up from it.
    var siteRoot = new URL("../", document.currentScript.src).href;
    var start = function () {
      var container = document.getElementById("pd-search");
      if (container) mount(container, siteRoot);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
