/* Paper Digest search: queries the sharded index the generator writes (generator/search.py) in the browser.
 *
 * A query downloads the manifest, the term shards holding its words and the result cards it shows, nothing else.
 * The word rules below (folding, tokens, stop words, the plural rule) mirror generator/search.py: change both.
 * Every word must match; the last one also matches as a prefix while it is being typed ("transf" finds
 * "transformer"); ranking: exact matches, then title phrase, then title words, then BM25 (compareHits).
 * Loaded on every page (extra_javascript): it gives the header's box (form.pd-search-form) its list of results,
 * and fills the search page's #pd-search.
 */
(function (global) {
  "use strict";

  var STOP_WORDS = new Set(("a an and are as at be been but by can for from has have in into is it its of on or our " +
    "than that the their these this those to via was we were which while with").split(" "));
  var TOKEN_RE = /[\p{L}\p{N}]+/gu;
  var MIN_PREFIX = 3; // a shorter last word matches only whole words: "a" would fetch half the index
  var MAX_PREFIX_SHARDS = 6;
  var PAGE_SIZE = 10;
  var FORMAT = 2; // generator/search.py FORMAT
  var SCORE_LIMIT = 4096; // a posting's value is title positions * SCORE_LIMIT + score (generator/search.py)

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

  /* What a query asks for. `words`: whole words that must all match, in query order; `typed`: the word still being
   * typed (the query ends in it) when it has MIN_PREFIX letters or more, which matches every word it starts and its
   * singular ("models" -> "model"); `soft`: a shorter word still being typed, taken whole and not required (it only
   * ranks) unless it is the only word, so "diffusion mo" keeps the results of "diffusion" instead of finding nothing.
   * A stop word is skipped whole or typed ("the" finds nothing rather than "theory", "them" and "there").
   * `order`: the query's words and the typed word in query order, repeats kept: the title phrase to look for.
   * `typing`: the query ends in a word. */
  function parseQuery(query) {
    var folded = fold(query);
    var tokens = folded.match(TOKEN_RE) || [];
    var typing = tokens.length > 0 && /[\p{L}\p{N}]$/u.test(folded);
    var last = typing ? tokens.pop() : "";
    var order = tokens.filter(indexed).map(stem);
    var words = [];
    order.forEach(function (term) { if (words.indexOf(term) < 0) words.push(term); });
    var typed = null, soft = null;
    if (last && indexed(last)) {
      if (last.length >= MIN_PREFIX) {
        typed = { start: last, word: stem(last) };
        order.push(typed.word);
      } else if (words.indexOf(stem(last)) < 0) {
        soft = stem(last);
      }
    }
    return { words: words, typed: typed, soft: soft, order: order, typing: typing };
  }

  /* A searcher over the index at `base` (a URL ending in "/"); `fetchJSON(url)` returns a promise of parsed JSON. */
  function Searcher(base, fetchJSON) {
    this.base = base;
    this.fetchJSON = fetchJSON;
    this.files = new Map();
    this.manifest = null;
  }

  Searcher.prototype.load = function (name) {
    var self = this;
    if (!this.files.has(name)) {
      var loading = this.fetchJSON(this.base + name);
      loading.catch(function () { self.files.delete(name); });  // a failed download is tried again next time
      this.files.set(name, loading);
    }
    return this.files.get(name);
  };

  Searcher.prototype.init = function () {
    var self = this;
    if (!this.manifest) {
      this.manifest = this.fetchJSON(this.base + "manifest.json").then(function (manifest) {
        if (manifest.version !== FORMAT) throw new Error("unknown search index version " + manifest.version);
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

  /* doc -> {score, title: bit mask of the title positions, exact: matched the word itself, not only a word it starts}
   * of one whole word, or of the word being typed (the best score among the words it matches, all their positions). */
  Searcher.prototype.postingsOf = function (manifest, word, typed) {
    var shards = manifest.shards;
    if (!shards.length) return Promise.resolve(new Map());
    var wanted = [shardFor(shards, typed ? typed.start : word)];
    if (typed) {
      for (var i = wanted[0] + 1; i < shards.length && wanted.length < MAX_PREFIX_SHARDS && shards[i][0].startsWith(typed.start); i++) {
        wanted.push(i);
      }
      if (wanted.indexOf(shardFor(shards, typed.word)) < 0) wanted.push(shardFor(shards, typed.word));
    }
    var self = this;
    return Promise.all(wanted.map(function (i) { return self.load(shards[i][1]); })).then(function (loaded) {
      var merged = new Map();
      var seen = new Set();
      loaded.forEach(function (shard) {
        Object.keys(shard).forEach(function (term) {
          var exact = typed ? term === typed.word || term === typed.start : term === word;
          if (seen.has(term) || !(exact || (typed && term.startsWith(typed.start)))) return;
          seen.add(term);
          var encoded = shard[term];
          var doc = 0;
          for (var j = 0; j < encoded.length; j += 2) {
            doc += encoded[j];
            var score = encoded[j + 1] % SCORE_LIMIT, title = Math.floor(encoded[j + 1] / SCORE_LIMIT);
            var hit = merged.get(doc);
            if (!hit) {
              merged.set(doc, { score: score, title: title, exact: exact });
            } else {
              hit.score = Math.max(hit.score, score);
              hit.title |= title;
              hit.exact = hit.exact || exact;
            }
          }
        });
      });
      return merged;
    });
  };

  /* How a matching document ranks, best first: a match of every word as typed before one that needs a longer word
   * ("transformer" itself before "transformerbased"), then the query's words in order in the title, then more of them
   * in the title, then BM25, then the newer paper. */
  function compareHits(a, b) {
    return (b.exact - a.exact) || (b.phrase - a.phrase) || (b.inTitle - a.inTitle) || (b.score - a.score) || (a.doc - b.doc);
  }

  /* Every matching document, best first: {docs: [doc number, ...], words: what was looked for, typing: the query
   * ends in a word, soft: all it asked was a short word still being typed}. */
  Searcher.prototype.search = function (query) {
    var parsed = parseQuery(query);
    var self = this;
    var asked = parsed.words.concat(parsed.typed ? [parsed.typed.start] : []);
    var soft = parsed.soft, onlySoft = false;
    if (!asked.length && soft) { asked = [soft]; parsed.words = [soft]; parsed.order = [soft]; soft = null; onlySoft = true; }
    if (!asked.length) return Promise.resolve({ docs: [], words: [], typing: parsed.typing, soft: false });
    var manifest;
    return this.init().then(function (loaded) {
      manifest = loaded;
      var lists = parsed.words.map(function (word) { return self.postingsOf(manifest, word, null); });
      lists.push(parsed.typed ? self.postingsOf(manifest, null, parsed.typed) : Promise.resolve(null));
      lists.push(soft ? self.postingsOf(manifest, soft, null) : Promise.resolve(null));
      return Promise.all(lists);
    }).then(function (lists) {
      var softList = lists.pop(), typedList = lists.pop();
      var required = lists.concat(typedList ? [typedList] : []);
      var slots = parsed.words.concat(parsed.typed ? [parsed.typed.word] : []);
      var orderSlots = parsed.order.map(function (term) {
        return parsed.typed && term === parsed.typed.word ? required.length - 1 : parsed.words.indexOf(term);
      });
      var smallest = required.reduce(function (a, b) { return a.size <= b.size ? a : b; });
      var hits = [];
      smallest.forEach(function (unused, doc) {
        var score = 0, inTitle = 0, masks = [];
        for (var i = 0; i < required.length; i++) {
          var hit = required[i].get(doc);
          if (hit === undefined) return;
          score += hit.score;
          if (hit.title) inTitle++;
          masks.push(hit.title);
        }
        var extra = softList && softList.get(doc);
        if (extra) score += extra.score;
        // the title holds the words in query order: some position p for the first, p + 1 for the next, ...
        var phrase = 0;
        if (inTitle === slots.length) {
          var at = masks[orderSlots[0]];
          for (var k = 1; k < orderSlots.length && at; k++) at = (at << 1) & masks[orderSlots[k]];
          phrase = at ? 1 : 0;
        }
        var exact = typedList ? (typedList.get(doc).exact ? 1 : 0) : 1;
        hits.push({ doc: doc, score: score, inTitle: inTitle, phrase: phrase, exact: exact });
      });
      hits.sort(compareHits);
      return self.titleFirst(parsed, hits.map(function (hit) { return hit.doc; }), hits);
    }).then(function (docs) {
      return { docs: docs, words: asked, typing: parsed.typing, soft: onlySoft };
    });
  };

  /* Among the first page, a paper whose title is exactly the query goes first: its card is downloaded anyway. */
  Searcher.prototype.titleFirst = function (parsed, docs, hits) {
    var top = hits.slice(0, PAGE_SIZE).filter(function (hit) { return hit.phrase && hit.exact; });
    if (top.length < 2) return Promise.resolve(docs);
    var wanted = parsed.order.join(" ");
    return this.cards(top.map(function (hit) { return hit.doc; })).then(function (cards) {
      var same = top.filter(function (hit, i) { return terms(cards[i].title).join(" ") === wanted; })
        .map(function (hit) { return hit.doc; });
      if (!same.length) return docs;
      return same.concat(docs.filter(function (doc) { return same.indexOf(doc) < 0; }));
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

  // ---- the search page and the header box ----------------------------------------------------------

  var DROPDOWN_SIZE = 8;
  var COMMON_WORD = "Type a word that is more than a common word such as “the”.";
  var NO_MATCH = "No paper has all of these words.";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function countText(count) {
    return count === 0 ? NO_MATCH : count === 1 ? "1 paper" : count.toLocaleString("en") + " papers";
  }

  function paperURL(siteRoot, id) {
    return siteRoot + "papers/" + encodeURIComponent(id) + "/";
  }

  /* Runs queries and hands `onResult(result, cards of its first `size` results, query)` only the answer to the newest
   * query, once its cards are in: an answer that arrives after a newer query was typed is dropped, so a list is
   * only ever replaced by a newer one (no flicker of older or half-loaded lists). A query still being typed that
   * asks nothing yet ("d", "the") or only a short word no paper has ("di") leaves the shown list as it is. */
  function latest(searcher, size, onResult, onError, onPending) {
    var seq = 0;
    var run = function (query) {
      var mine = ++seq;
      return searcher.search(query).then(function (result) {
        if (mine !== seq) return;
        if (result.typing && (!result.words.length || (result.soft && !result.docs.length))) {
          if (onPending) onPending();
          return;
        }
        return searcher.cards(result.docs.slice(0, size)).then(function (cards) {
          if (mine === seq) onResult(result, cards, query);
        });
      }).catch(function (error) {
        if (mine === seq) onError(error);
      });
    };
    run.cancel = function () { seq++; };
    run.current = function () { return seq; };
    return run;
  }

  function announce(input, query, count) {
    // for tests and benchmarks: which query's results are now shown
    input.dispatchEvent(new CustomEvent("pd-search-shown", { detail: { query: query, count: count } }));
  }

  function mountPage(container, searcher, siteRoot) {
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

    var current = { docs: [], shown: 0, loading: false };

    function items(cards) {
      return cards.map(function (card) {
        var item = element("li", "pd-search__result");
        var link = element("a", "pd-search__title", card.title);
        link.href = paperURL(siteRoot, card.id);
        item.appendChild(link);
        var meta = [card.day, card.authors].filter(Boolean).join(" · ");
        if (meta) item.appendChild(element("div", "pd-meta", meta));
        if (card.snippet) item.appendChild(element("p", "pd-snippet", card.snippet));
        return item;
      });
    }

    function showing(docs, shown) {
      current.docs = docs;
      current.shown = shown;
      more.hidden = shown >= docs.length;
    }

    var search = latest(searcher, PAGE_SIZE, function (result, cards, query) {
      list.replaceChildren.apply(list, items(cards));
      status.textContent = result.words.length ? countText(result.docs.length) : COMMON_WORD;
      showing(result.docs, cards.length);
      announce(input, query, result.docs.length);
    }, function (error) {
      status.textContent = "Search is unavailable: " + error.message;
    }, function () {
      if (!list.childElementCount) status.textContent = "Keep typing…";
    });

    function run() {
      var query = input.value;
      var url = new URL(window.location.href);
      if (query.trim()) url.searchParams.set("q", query); else url.searchParams.delete("q");
      window.history.replaceState(null, "", url);
      if (!query.trim()) {
        search.cancel();
        list.replaceChildren();
        status.textContent = "";
        showing([], 0);
        return Promise.resolve();
      }
      if (!list.childElementCount) status.textContent = "Searching…";
      return search(query);
    }

    input.addEventListener("input", run);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
    more.addEventListener("click", function () {
      if (current.loading) return;
      var seq = search.current();
      var docs = current.docs;
      current.loading = true;
      searcher.cards(docs.slice(current.shown, current.shown + PAGE_SIZE)).then(function (cards) {
        current.loading = false;
        if (seq !== search.current()) return;
        list.append.apply(list, items(cards));
        showing(docs, current.shown + cards.length);
      }, function () { current.loading = false; });
    });

    var initial = new URLSearchParams(window.location.search).get("q");
    if (initial) {
      input.value = initial;
      run();
    }
    input.focus();
  }

  /* The header's box: results under it as the visitor types (a combobox with a listbox: arrows move through the
   * papers, Enter opens the chosen one, or the search page when none is chosen, Escape closes the list). */
  function mountBox(form, searcher, siteRoot) {
    var input = form.querySelector("input");
    var listbox = element("ul", "pd-search-popup");
    listbox.id = "pd-search-popup";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Matching papers");
    listbox.hidden = true;
    form.appendChild(listbox);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    var state = { options: [], active: -1 };

    function setActive(index) {
      state.active = index;
      state.options.forEach(function (option, i) { option.node.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", state.options[index].node.id);
        state.options[index].node.scrollIntoView({ block: "nearest" });
      }
    }

    function open(show) {
      listbox.hidden = !(show && state.options.length);
      input.setAttribute("aria-expanded", listbox.hidden ? "false" : "true");
      if (listbox.hidden) setActive(-1);
    }

    function option(index, url, title, meta, className) {
      var node = element("li", "pd-search-popup__option" + (className ? " " + className : ""));
      node.id = "pd-search-option-" + index;
      node.setAttribute("role", "option");
      node.setAttribute("aria-selected", "false");
      node.appendChild(element("span", "pd-search-popup__title", title));
      if (meta) node.appendChild(element("span", "pd-search-popup__meta", meta));
      node.addEventListener("click", function () { window.location.href = url; });
      return { node: node, url: url };
    }

    var search = latest(searcher, DROPDOWN_SIZE, function (result, cards, query) {
      var options = cards.map(function (card, i) {
        return option(i, paperURL(siteRoot, card.id), card.title, [card.day, card.authors].filter(Boolean).join(" · "));
      });
      var all = siteRoot + "search/?q=" + encodeURIComponent(query);
      var count = result.docs.length;
      var summary = !result.words.length ? COMMON_WORD : count === 0 ? NO_MATCH + " Open the search page" :
        count > cards.length ? "All " + countText(count) + " on the search page" : "Open the search page";
      options.push(option(options.length, all, summary, "", "pd-search-popup__all"));
      state.options = options;
      listbox.replaceChildren.apply(listbox, options.map(function (o) { return o.node; }));
      setActive(-1);
      open(document.activeElement === input);
      announce(input, query, count);
    }, function () { open(false); });

    input.addEventListener("focus", function () {
      searcher.init().catch(function () {});  // the manifest, before the first keystroke needs it
      open(input.value.trim() !== "");
    });
    input.addEventListener("input", function () {
      if (!input.value.trim()) {
        search.cancel();
        state.options = [];
        listbox.replaceChildren();
        open(false);
        return;
      }
      search(input.value);
    });
    input.addEventListener("keydown", function (event) {
      var count = state.options.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!count) return;
        event.preventDefault();
        if (listbox.hidden) { open(true); }
        var step = event.key === "ArrowDown" ? 1 : -1;
        setActive(state.active < 0 ? (step > 0 ? 0 : count - 1) : (state.active + step + count) % count);
      } else if (event.key === "Enter") {
        if (!listbox.hidden && state.active >= 0) {
          event.preventDefault();
          window.location.href = state.options[state.active].url;
        }
      } else if (event.key === "Escape") {
        if (!listbox.hidden) {
          event.preventDefault();
          open(false);
        }
      }
    });
    listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the focus in the box
    input.addEventListener("blur", function () { open(false); });
  }

  function mount(siteRoot) {
    var searcher = new Searcher(siteRoot + "search-index/", function (url) {
      return fetch(url).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + url);
        return response.json();
      });
    });
    var container = document.getElementById("pd-search");
    if (container) mountPage(container, searcher, siteRoot);
    var form = document.querySelector("form.pd-search-form");
    if (form && form.querySelector("input")) mountBox(form, searcher, siteRoot);
  }

  var api = { fold: fold, stem: stem, terms: terms, parseQuery: parseQuery, Searcher: Searcher };
  global.PaperDigestSearch = api;

  if (typeof document !== "undefined" && document.currentScript) {
    // The script lives at <site root>/assets/search.js: the root is one folder up from it.
    var siteRoot = new URL("../", document.currentScript.src).href;
    var start = function () { mount(siteRoot); };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
