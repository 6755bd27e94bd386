/* Paper Digest "papers like this": the catalog's nearest papers to a pasted text, by the TF-IDF of the related
 * papers, computed in the browser from the static index generator/similar_index.py writes (its docstring has the
 * file formats and the scoring).
 *
 * The tokenizer below is generator/terms.py `analyze` rule for rule (URLs and TeX out, NFC, lower case, words and
 * the marks between them, stop words, the plural rule), with Python's regular-expression classes spelled out
 * (Python's \w, \s and \b are Unicode-aware, JavaScript's are not): change both. Its word lists come from the
 * index's manifest, so they are the build's own. tests/test_similar.py runs both on the same texts.
 * A text downloads the manifest, the norms, the shards of its words and phrases and the cards of its results.
 */
(function (global) {
  "use strict";

  var FORMAT = 1; // generator/similar_index.py FORMAT
  var RESULTS = 10;
  var SHARED_TERMS = 3; // as the related papers show (generator/related.py shared_terms)

  // ---- generator/terms.py ---------------------------------------------------------------------------------

  var SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"; // str.isspace()
  var NOT_SPACE = "[^" + SPACE + "]";
  var WORD_CHAR = "[\\p{L}\\p{N}_]"; // Python's \w: str.isalnum() or "_"
  var BOUNDARY = "(?:(?<=" + WORD_CHAR + ")(?!" + WORD_CHAR + ")|(?<!" + WORD_CHAR + ")(?=" + WORD_CHAR + "))"; // \b
  var URL_RE = new RegExp("https?://" + NOT_SPACE + "+|HTTPS?://" + NOT_SPACE + "+|www\\." + NOT_SPACE + "+", "gu");
  // Python's IGNORECASE also takes "İ" and "ı" for "i"; no other letter of these endings has such a twin.
  function anyCase(word) {
    return word.split("").map(function (c) {
      return c === "i" ? "[iI\\u0130\\u0131]" : "[" + c + c.toUpperCase() + "]";
    }).join("");
  }
  var BARE_URL_RE = new RegExp(BOUNDARY + "[\\p{L}\\p{N}_.\\-]+\\.(?:" +
    ["com", "org", "net", "io", "ai", "edu"].map(anyCase).join("|") + "|" + anyCase("htm") + "[lL]?)" +
    BOUNDARY + "/?" + NOT_SPACE + "*", "gu");
  var BARE_URL_HINTS = [".com", ".org", ".net", ".io", ".ai", ".edu", ".htm"];
  var TEX_RE = /\$[^$]{0,300}\$|\\[A-Za-z]+|[{}^_\\~]/gu;
  var TEX_HINT = /[$\\{}^_~]/;
  var PIECE_RE = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*|[^\p{L}\p{N}_ \t]/gu;
  var IS_WORD_RE = /^(?:[\p{L}\p{Nl}\p{No}]|\p{Nd}+[\p{L}\p{Nl}\p{No}])/u; // a letter, or digits then a letter

  function length(text) { // in code points, as Python's len
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c < 0xd800 || c > 0xdbff || i + 1 >= text.length) { n++; continue; }
      var d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      n++;
    }
    return n;
  }

  function clean(text) {
    if (text.indexOf("://") >= 0 || text.indexOf("www.") >= 0) text = text.replace(URL_RE, " , ");
    if (BARE_URL_HINTS.some(function (hint) { return text.indexOf(hint) >= 0; })) text = text.replace(BARE_URL_RE, " , ");
    if (TEX_HINT.test(text)) text = text.replace(TEX_RE, " , ");
    return text;
  }

  function pieces(text) {
    text = clean(text);
    if (!/^[\x00-\x7f]*$/.test(text)) text = text.normalize("NFC").replace(/[\u2010\u2011]/g, "-");
    return text.toLowerCase().match(PIECE_RE) || [];
  }

  function wordOf(piece, stopWords) {
    return length(piece) > 1 && !stopWords.has(piece) && IS_WORD_RE.test(piece) ? piece : "";
  }

  /* The singulars terms.normal_form tries, in its order (generator/similar_index.py plural_candidates). */
  function pluralCandidates(word, irregular) {
    if (length(word) < 4 || !/[sane]$/.test(word)) return [];
    var cut = word.lastIndexOf("-");
    var head = cut >= 0 ? word.slice(0, cut + 1) : "", last = word.slice(cut + 1);
    if (Object.prototype.hasOwnProperty.call(irregular, last)) return [head + irregular[last]];
    if (!/s$/.test(last) || /(ss|us|is)$/.test(last)) return [];
    var out = [];
    if (/ies$/.test(last) && length(last) > 4) out.push(word.slice(0, -3) + "y");
    if (/es$/.test(last) && length(last) > 4) out.push(word.slice(0, -2));
    out.push(word.slice(0, -1));
    return out;
  }

  function normalForm(word, inLexicon, irregular) {
    var candidates = pluralCandidates(word, irregular);
    for (var i = 0; i < candidates.length; i++) if (inLexicon(candidates[i])) return candidates[i];
    return word;
  }

  /* terms.analyze: normal forms in order, "" wherever a phrase cannot continue. `lists`: the manifest's word lists
   * as {stopWords: Set, academicStopWords: Set, irregularPlurals: {plural: singular}}. */
  function analyze(text, inLexicon, lists) {
    return pieces(text).map(function (piece) {
      var word = wordOf(piece, lists.stopWords);
      if (!word) return "";
      word = normalForm(word, inLexicon, lists.irregularPlurals);
      return lists.academicStopWords.has(word) ? "" : word;
    });
  }

  /* tfidf.terms_of: every word, and every two words with no break between them. */
  function termsOf(words) {
    var out = words.filter(Boolean);
    for (var i = 0; i + 1 < words.length; i++) if (words[i] && words[i + 1]) out.push(words[i] + " " + words[i + 1]);
    return out;
  }

  /* FNV-1a, 32 bits, of the UTF-8 bytes: generator/similar_index.py fnv1a. */
  function fnv1a(text) {
    var hash = 0x811c9dc5;
    function add(byte) { hash = Math.imul(hash ^ byte, 16777619) >>> 0; }
    for (var i = 0; i < text.length; i++) {
      var c = text.codePointAt(i);
      if (c > 0xffff) i++;
      if (c < 0x80) { add(c); } else if (c < 0x800) { add(0xc0 | (c >> 6)); add(0x80 | (c & 63)); } else if (c < 0x10000) {
        add(0xe0 | (c >> 12)); add(0x80 | ((c >> 6) & 63)); add(0x80 | (c & 63));
      } else {
        add(0xf0 | (c >> 18)); add(0x80 | ((c >> 12) & 63)); add(0x80 | ((c >> 6) & 63)); add(0x80 | (c & 63));
      }
    }
    return hash >>> 0;
  }

  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  var B64_VALUE = new Int16Array(128).fill(-1);
  for (var b = 0; b < B64.length; b++) B64_VALUE[B64.charCodeAt(b)] = b;

  function base64Bytes(text) {
    var clean = text.replace(/=+$/, "");
    var out = new Uint8Array(Math.floor(clean.length * 3 / 4));
    var bits = 0, value = 0, at = 0;
    for (var i = 0; i < clean.length; i++) {
      value = (value << 6) | B64_VALUE[clean.charCodeAt(i)];
      bits += 6;
      if (bits >= 8) { bits -= 8; out[at++] = (value >> bits) & 255; }
    }
    return out;
  }

  /* Calls visit(doc, tf) for each posting of a term (the varints generator/similar_index.py writes). */
  function eachPosting(encoded, visit) {
    var bytes = base64Bytes(encoded);
    var at = 0, doc = 0;
    function next() {
      var value = 0, scale = 1, byte;
      do {
        byte = bytes[at++];
        value += (byte & 127) * scale;
        scale *= 128;
      } while (byte & 128);
      return value;
    }
    while (at < bytes.length) {
      var value = next();
      doc += Math.floor(value / 2);
      visit(doc, value % 2 ? next() + 2 : 1);
    }
  }

  // ---- the index ---------------------------------------------------------------------------------------------

  /* The "papers like this" index at `base` (the search index's folder, ending in "/"); `fetchJSON(url)` returns a
   * promise of parsed JSON. */
  function Similar(base, fetchJSON) {
    this.base = base;
    this.fetchJSON = fetchJSON;
    this.files = new Map();
    this.manifest = null;
  }

  Similar.prototype.load = function (name) {
    var self = this;
    if (!this.files.has(name)) {
      var loading = this.fetchJSON(this.base + name);
      loading.catch(function () { self.files.delete(name); }); // a failed download is tried again next time
      this.files.set(name, loading);
    }
    return this.files.get(name);
  };

  Similar.prototype.init = function () {
    var self = this;
    if (!this.manifest) {
      this.manifest = this.fetchJSON(this.base + "similar/manifest.json").then(function (manifest) {
        if (manifest.version !== FORMAT) throw new Error("unknown index version " + manifest.version);
        manifest.lists = {
          stopWords: new Set(manifest.stopWords),
          academicStopWords: new Set(manifest.academicStopWords),
          irregularPlurals: manifest.irregularPlurals,
        };
        return manifest;
      });
      this.manifest.catch(function () { self.manifest = null; });
    }
    return this.manifest;
  };

  Similar.prototype.shardName = function (manifest, term) {
    var bucket = (fnv1a(term) & (manifest.shards - 1)).toString(16);
    return "similar/" + manifest.folder + "/" + "0000".slice(bucket.length) + bucket + ".json";
  };

  /* term -> its entry ([df, postings], or 0 for a word with no weight of its own), for every term given. */
  Similar.prototype.entries = function (manifest, terms) {
    var self = this;
    var names = new Map();
    terms.forEach(function (term) { names.set(term, self.shardName(manifest, term)); });
    var unique = Array.from(new Set(names.values()));
    return Promise.all(unique.map(function (name) { return self.load(name); })).then(function (shards) {
      var byName = new Map(unique.map(function (name, i) { return [name, shards[i]]; }));
      var found = new Map();
      names.forEach(function (name, term) {
        var shard = byName.get(name);
        if (Object.prototype.hasOwnProperty.call(shard, term)) found.set(term, shard[term]);
      });
      return found;
    });
  };

  Similar.prototype.norms = function (manifest) {
    return this.load("similar/" + manifest.folder + "/" + manifest.norms).then(function (file) {
      if (!file.floats) {
        var bytes = base64Bytes(file.norms);
        var view = new DataView(bytes.buffer);
        file.floats = new Float64Array(bytes.length / 4);
        for (var i = 0; i < file.floats.length; i++) file.floats[i] = view.getFloat32(4 * i, true);
      }
      return file.floats;
    });
  };

  /* The text's terms and its nearest papers: {terms: {term: weight} of the vocabulary terms, tooFew: fewer than
   * minTerms of them, empty: the catalog has no vocabulary, docs: [{doc, score, shared: [term, ...]}], best first}. */
  Similar.prototype.query = function (text) {
    var self = this, manifest;
    return this.init().then(function (loaded) {
      manifest = loaded;
      if (!manifest.shards) return { empty: true, terms: {}, docs: [] };
      var lists = manifest.lists;
      var surface = pieces(text).map(function (piece) { return wordOf(piece, lists.stopWords); });
      var asked = new Set();
      surface.forEach(function (word) {
        if (!word) return;
        pluralCandidates(word, lists.irregularPlurals).forEach(function (c) { asked.add(c); });
        asked.add(word);
      });
      return self.entries(manifest, asked).then(function (known) {
        var inLexicon = function (word) { return known.has(word); };
        var words = surface.map(function (word) {
          if (!word) return "";
          word = normalForm(word, inLexicon, lists.irregularPlurals);
          return known.has(word) && !lists.academicStopWords.has(word) ? word : "";
        });
        var counts = new Map();
        termsOf(words).forEach(function (term) { counts.set(term, (counts.get(term) || 0) + 1); });
        var phrases = Array.from(counts.keys()).filter(function (term) { return term.indexOf(" ") >= 0; });
        return self.entries(manifest, phrases).then(function (found) {
          found.forEach(function (entry, term) { known.set(term, entry); });
          return self.score(manifest, counts, known);
        });
      });
    });
  };

  Similar.prototype.score = function (manifest, counts, known) {
    var n = manifest.papers;
    var weights = new Map(), idfs = new Map(), total = 0;
    counts.forEach(function (count, term) {
      var entry = known.get(term);
      if (!Array.isArray(entry)) return;
      var idf = Math.log((n + 1) / (entry[0] + 1)) + 1;
      var weight = (1 + Math.log(count)) * idf;
      idfs.set(term, idf);
      weights.set(term, weight);
      total += weight * weight;
    });
    var norm = Math.sqrt(total) || 1;
    var terms = {};
    weights.forEach(function (weight, term) { terms[term] = weight / norm; });
    if (weights.size < manifest.minTerms) return { tooFew: true, minTerms: manifest.minTerms, terms: terms, docs: [] };
    return this.norms(manifest).then(function (norms) {
      var scores = new Float64Array(n);
      var posted = [];
      weights.forEach(function (weight, term) {
        var postings = known.get(term)[1];
        if (!postings) return;
        posted.push(term);
        var factor = terms[term] * idfs.get(term);
        eachPosting(postings, function (doc, tf) { scores[doc] += factor * (1 + Math.log(tf)) / norms[doc]; });
      });
      var docs = [];
      for (var doc = 0; doc < n; doc++) if (scores[doc] > 0) docs.push(doc);
      docs.sort(function (a, b) { return (scores[b] - scores[a]) || (a - b); });
      docs = docs.slice(0, RESULTS);
      // the terms each result shares with the text, strongest first (related.py shared_terms)
      var products = new Map(docs.map(function (doc) { return [doc, new Map()]; }));
      posted.forEach(function (term) {
        var factor = terms[term] * idfs.get(term);
        eachPosting(known.get(term)[1], function (doc, tf) {
          var shared = products.get(doc);
          if (shared) shared.set(term, factor * (1 + Math.log(tf)) / norms[doc]);
        });
      });
      return {
        terms: terms,
        docs: docs.map(function (doc) { return { doc: doc, score: scores[doc], shared: sharedTerms(products.get(doc)) }; }),
      };
    });
  };

  function sharedTerms(products) {
    var hidden = new Set();
    products.forEach(function (unused, term) {
      if (term.indexOf(" ") >= 0) term.split(" ").forEach(function (part) { hidden.add(part); });
    });
    var ranked = Array.from(products.keys()).filter(function (term) { return products.get(term) > 0 && !hidden.has(term); });
    ranked.sort(function (a, b) { return (products.get(b) - products.get(a)) || (a < b ? -1 : a > b ? 1 : 0); });
    return ranked.slice(0, SHARED_TERMS);
  }

  /* The result cards of some documents (the search index's): {id, title, day, authors, snippet}. */
  Similar.prototype.cards = function (docs) {
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

  // ---- the search page's "papers like this" ------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function mount(container, similar, siteRoot) {
    var form = element("form", "pd-similar__form");
    var label = element("label", "pd-similar__label", "Text to match: an abstract, or any paragraph");
    label.htmlFor = "pd-similar-text";
    var input = element("textarea", "pd-similar__input");
    input.id = "pd-similar-text";
    input.name = "text";
    input.rows = 7;
    var button = element("button", "md-button md-button--primary pd-similar__go", "Find papers like this");
    button.type = "submit";
    form.append(label, input, button);
    var status = element("p", "pd-similar__status");
    status.setAttribute("aria-live", "polite");
    var list = element("ol", "pd-similar__results");
    container.replaceChildren(form, status, list);
    var seq = 0;

    function item(card, hit) {
      var node = element("li", "pd-similar__result");
      var link = element("a", "pd-similar__title", card.title);
      link.href = siteRoot + "papers/" + encodeURIComponent(card.id) + "/";
      node.append(link, " ");
      var why = hit.score.toFixed(2) + (hit.shared.length ? " · shared: " + hit.shared.join(", ") : "");
      node.appendChild(element("span", "pd-score", why));
      return node;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var mine = ++seq;
      var text = input.value;
      if (!text.trim()) {
        list.replaceChildren();
        status.textContent = "Paste a text first: an abstract works best.";
        return;
      }
      status.textContent = "Looking for papers like this…";
      similar.query(text).then(function (answer) {
        if (mine !== seq) return;
        var known = Object.keys(answer.terms).length;
        if (answer.empty || answer.tooFew) {
          list.replaceChildren();
          status.textContent = answer.empty ? "The catalog has too little text to compare with yet." :
            "Too few words of this text are in the catalog's vocabulary (" + known + " words and phrases, at least " +
            answer.minTerms + " needed): paste a longer text, such as a whole abstract.";
          return;
        }
        return similar.cards(answer.docs.map(function (hit) { return hit.doc; })).then(function (cards) {
          if (mine !== seq) return;
          list.replaceChildren.apply(list, cards.map(function (card, i) { return item(card, answer.docs[i]); }));
          status.textContent = answer.docs.length ?
            "The " + answer.docs.length + " nearest papers, by the words and phrases they share with your text (" +
            known + " of its words and phrases are in the catalog's vocabulary):" :
            "No paper shares a word with this text.";
          container.dispatchEvent(new CustomEvent("pd-similar-shown", { detail: { count: answer.docs.length } }));
        });
      }).catch(function (error) {
        if (mine === seq) status.textContent = "Papers like this is unavailable: " + error.message;
      });
    });
  }

  var api = {
    analyze: analyze, termsOf: termsOf, pieces: pieces, wordOf: wordOf, pluralCandidates: pluralCandidates,
    fnv1a: fnv1a, Similar: Similar,
  };
  global.PaperDigestSimilar = api;

  if (typeof document !== "undefined" && document.currentScript) {
    // The script lives at <site root>/assets/similar.js: the root is one folder up from it.
    var siteRoot = new URL("../", document.currentScript.src).href;
    var start = function () {
      var container = document.getElementById("pd-similar");
      if (!container) return;
      mount(container, new Similar(siteRoot + "search-index/", function (url) {
        return fetch(url).then(function (response) {
          if (!response.ok) throw new Error(response.status + " " + url);
          return response.json();
        });
      }), siteRoot);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
