"""Read the topic taxonomy (topics.yml) and tag each paper with the topics it is about."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import yaml

from generator.model import Paper, Topic

DEFAULT_TAXONOMY = Path(__file__).resolve().parent.parent / "topics.yml"

# Scoring: a phrase in the title says far more about a paper than one in the abstract,
# and the caps stop a long abstract that repeats a field's vocabulary from drowning
# a short, precise title.
TITLE_WEIGHT = 3
ABSTRACT_WEIGHT = 1
TITLE_CAP = 2  # distinct title phrases that count
ABSTRACT_CAP = 3  # distinct abstract phrases that count
REPEAT_WEIGHT = 0.5  # each further mention in the abstract: repetition is evidence, with saturation
REPEAT_CAP = 4  # further mentions that count
THRESHOLD = 3  # one title phrase, three distinct abstract phrases, or one phrase said five times
SECONDARY = 2  # once a paper has a topic, others need less: two distinct abstract phrases, or one said three times
FALLBACK_MIN = 1.5  # the best topic below THRESHOLD is still given when it has this much evidence (a phrase said twice)
MAX_TOPICS = 5

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_KEYS = frozenset({"slug", "name", "description", "include", "title_include", "exclude", "catch_all", "aliases"})
_WORD = re.compile(r"[a-z0-9]+")


class TaxonomyError(ValueError):
    """topics.yml is unusable; the message is one line: `file:line: what is wrong`."""


# ---------------------------------------------------------------- loading


class _Map(dict):
    """A YAML mapping that remembers where it and each of its keys start (1-based)."""

    line = 0
    key_lines: dict


class _Seq(list):
    """A YAML sequence that remembers where each item starts (1-based)."""

    line = 0
    item_lines: list


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry line numbers for error messages, and that refuses aliases: a
    taxonomy never needs one, and nested aliases ("billion laughs") expand a small file into gigabytes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _Located(self.peek_event().start_mark.line + 1, "YAML aliases (*name) are not allowed in a taxonomy")
        return super().compose_node(parent, index)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = loader.construct_object(key_node, deep=True)
        try:
            seen = key in out
        except TypeError:
            raise _Located(line, f"unhashable key {key!r}") from None
        if seen:
            # PyYAML keeps the last value silently; a repeated key in a taxonomy is a typo.
            raise _Located(line, f"duplicate key {key!r}")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class _Located(Exception):
    """Internal: a problem at a line, turned into a TaxonomyError once the source is known."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def load_taxonomy(path: str | os.PathLike = DEFAULT_TAXONOMY) -> tuple[Topic, ...]:
    """The topics defined in the YAML file at `path`, in file order."""
    source = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{source}: cannot read taxonomy: {exc}") from None
    return parse_taxonomy(text, source)


def parse_taxonomy(text: str, source: str = "topics.yml") -> tuple[Topic, ...]:
    """The topics defined by YAML `text`; `source` names it in error messages."""
    try:
        return _parse(text)
    except _Located as exc:
        raise TaxonomyError(f"{source}:{max(exc.line, 1)}: {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise TaxonomyError(f"{source}:{line}: YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{source}:1: YAML error: {' '.join(str(exc).split())}") from None
    except TaxonomyError:
        raise
    except (ValueError, TypeError, RecursionError) as exc:  # a date such as 2025-02-30, a 5,000-digit number, deep nesting
        raise TaxonomyError(f"{source}:1: cannot read: {' '.join(str(exc).split())[:200]}") from None


def _parse(text: str) -> tuple[Topic, ...]:
    doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    if not isinstance(doc, _Map) or "topics" not in doc:
        line = doc.line if isinstance(doc, (_Map, _Seq)) else 1
        raise _Located(line, "expected a mapping with a 'topics:' list")
    for key in doc:
        if key != "topics":
            raise _Located(doc.key_lines[key], f"unknown top-level key {key!r}")
    entries = doc["topics"]
    if not isinstance(entries, _Seq) or not entries:
        raise _Located(doc.key_lines["topics"], "'topics:' must be a non-empty list of topics")

    topics: list[Topic] = []
    seen: dict[str, int] = {}
    aliases: dict[str, int] = {}
    catch_all_line = 0
    for number, (entry, line) in enumerate(zip(entries, entries.item_lines), start=1):
        topic = _parse_topic(entry, line, number)
        if topic.slug in seen:
            raise _Located(line, f"topic {topic.slug!r}: duplicate slug (first defined on line {seen[topic.slug]})")
        seen[topic.slug] = line
        for alias in topic.aliases:
            if alias in seen or alias in aliases:
                first = seen.get(alias) or aliases[alias]
                raise _Located(line, f"topic {topic.slug!r}: alias {alias!r} is already a slug or alias (line {first})")
            aliases[alias] = line
        if topic.catch_all:
            if catch_all_line:
                raise _Located(
                    line, f"topic {topic.slug!r}: a second catch_all topic (the first is on line {catch_all_line})"
                )
            catch_all_line = line
        topics.append(topic)
    for topic, line in zip(topics, entries.item_lines):
        if topic.slug in aliases:
            raise _Located(line, f"topic {topic.slug!r}: slug is also an alias (line {aliases[topic.slug]})")
    return tuple(topics)


def _parse_topic(entry: object, line: int, number: int) -> Topic:
    if not isinstance(entry, _Map):
        raise _Located(line, f"topic #{number}: expected a mapping with slug, name and include")
    slug = entry.get("slug")
    label = f"topic {slug!r}" if isinstance(slug, str) else f"topic #{number}"
    for key in entry:
        if key not in _KEYS:
            raise _Located(entry.key_lines[key], f"{label}: unknown key {key!r}")
    if "slug" not in entry:
        raise _Located(entry.line, f"{label}: missing 'slug'")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise _Located(
            entry.key_lines["slug"], f"{label}: bad slug {slug!r} (use lowercase a-z, 0-9 and single hyphens)"
        )
    if "name" not in entry:
        raise _Located(entry.line, f"{label}: missing 'name'")
    name = _one_line(entry, "name", label, required=True)
    description = _one_line(entry, "description", label, required=False)

    catch_all = entry.get("catch_all", False)
    if not isinstance(catch_all, bool):
        raise _Located(entry.key_lines["catch_all"], f"{label}: catch_all must be true or false")
    # The catch-all collects what nothing else claims, so it may have no phrases of its own.
    if "include" not in entry and not catch_all:
        raise _Located(entry.line, f"{label}: missing 'include'")
    include = _phrases(entry, "include", label, required=not catch_all)
    exclude = _phrases(entry, "exclude", label, required=False)
    title_include = _phrases(entry, "title_include", label, required=False)
    aliases = _phrases(entry, "aliases", label, required=False)
    for alias, alias_line in zip(aliases, entry["aliases"].item_lines if "aliases" in entry else ()):
        if not _SLUG.match(alias) or alias == slug:
            raise _Located(alias_line, f"{label}: bad alias {alias!r} (an old slug: lowercase a-z, 0-9 and single hyphens)")
    return Topic(
        slug=slug,
        name=name,
        description=description,
        include=include,
        title_include=title_include,
        exclude=exclude,
        catch_all=catch_all,
        aliases=aliases,
    )


def _one_line(entry: _Map, key: str, label: str, *, required: bool) -> str:
    value = entry.get(key, "")
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _Located(entry.key_lines.get(key, entry.line), f"{label}: {key!r} must be a non-empty string")
    return " ".join(value.split())


def _phrases(entry: _Map, key: str, label: str, *, required: bool) -> tuple[str, ...]:
    if key not in entry:
        return ()
    value = entry[key]
    line = entry.key_lines[key]
    if value is None:
        value = _Seq()
    if not isinstance(value, _Seq):
        raise _Located(line, f"{label}: {key!r} must be a list of phrases")
    if required and not value:
        raise _Located(line, f"{label}: {key!r} is empty")
    out: list[str] = []
    for item, item_line in zip(value, value.item_lines):
        if not isinstance(item, str):
            raise _Located(item_line, f"{label}: {key} phrase {item!r} is not a string (quote it)")
        phrase = " ".join(item.split())
        if not re.search(r"[^\W_]", phrase):
            raise _Located(item_line, f"{label}: {key} phrase {item!r} has no letters or digits")
        if phrase.lower() not in (p.lower() for p in out):
            out.append(phrase)
    return tuple(out)


# ---------------------------------------------------------------- matching
#
# Each phrase's meaning is its regex (_phrase_pattern). Running one alternation per topic
# over every text is the obvious design, but Python's re tries every branch at every
# character: minutes for a 50,000-paper archive (BENCHMARKS.md). Instead
# all phrases go into one index: a text is split into words once, one-word phrases are
# found by set intersection and two-word phrases by adjacent word pairs, and only longer or
# unusual phrases whose first words are present run their regex. The result is the same
# (tests/test_topics.py checks it against the regexes) at a small fraction of the cost.


def _phrase_pattern(phrase: str) -> str:
    """Regex source for one phrase, matched against lowercased text.

    Spaces and hyphens are interchangeable (or absent), so "text to speech" also finds
    "Text-To-Speech" and "pre-training" finds "pretraining"; a trailing plural is tolerated.
    """
    parts = _parts(phrase)
    stem, suffix = _tail_pattern(parts[-1])
    chunks = [*map(re.escape, parts[:-1]), stem]
    # Word boundaries by hand (\b counts "_" as a letter; these agree with _WORD). The
    # left one sits after the first literal, not before it: a pattern that opens with a
    # literal lets re skip ahead to candidates, about 25 times faster than a leading lookbehind.
    chunks[0] += f"(?<![a-z0-9]{chunks[0]})"
    return r"[\s\-]*".join(chunks) + suffix + "(?![a-z0-9])"


def _parts(phrase: str) -> list[str]:
    return re.split(r"[\s\-]+", phrase.lower().strip(" -"))


def _tail_pattern(last: str) -> tuple[str, str]:
    """(literal stem, plural suffix) for a phrase's last word."""
    if re.search(r"[^aeiou]y\Z", last):
        return re.escape(last[:-1]), "(?:y|ies)"
    if last[-1:].isalpha():
        return re.escape(last), "(?:e?s)?"
    return re.escape(last), ""


def _tail_forms(word: str, last_part: str) -> frozenset[str]:
    """Every spelling of a phrase's final word that _tail_pattern accepts."""
    if re.search(r"[^aeiou]y\Z", last_part):
        return frozenset({word, word[:-1] + "ies"})
    if last_part[-1:].isalpha():
        return frozenset({word, word + "s", word + "es"})
    return frozenset({word})


@dataclass(frozen=True)
class _Loose:
    """A phrase spelling with characters other than letters, digits, spaces and hyphens ("image+text")."""

    phrase: int
    middle: frozenset[str]  # words other than the first and last, all required
    last: frozenset[str]  # acceptable spellings of the last word; empty for a one-word spelling


@dataclass(frozen=True)
class _Index:
    """Every include and exclude phrase of a taxonomy, keyed for fast lookup by word."""

    patterns: tuple[re.Pattern, ...]  # phrase id -> its exact regex
    includes: tuple[tuple[int, ...], ...]  # phrase id -> indexes of topics it puts a paper in
    credits: tuple[tuple[tuple[int, str], ...], ...]  # phrase id -> (topic index, phrase sans separators)
    abstract_credits: tuple[tuple[tuple[int, str], ...], ...]  # the same without title-only phrases
    within: dict[int, tuple[int, ...]]  # phrase id -> longer include phrases containing it
    excludes: tuple[tuple[int, ...], ...]  # phrase id -> indexes of topics it keeps a paper out of
    excluding: frozenset[int]  # phrase ids that exclude some topic
    words: dict[str, tuple[int, ...]]  # word -> phrases that are exactly that word (maybe none)
    pairs: dict[tuple[str, str], tuple[int, ...]]  # two words -> two-word phrases
    longer: dict[tuple[str, str], tuple[int, ...]]  # first two words -> longer phrases (regex confirms)
    loose: dict[str, tuple[_Loose, ...]]  # first word -> unusual phrases (regex confirms)
    unkeyed: tuple[int, ...]  # phrases with no ASCII letter or digit, or very long: regex always
    word_keys: frozenset[str]  # keys of words and of loose
    pair_keys: frozenset[tuple[str, str]]
    pair_firsts: frozenset[str]  # first words of pair_keys


def _spellings(phrase: str) -> list[tuple[list[str], bool]]:
    """(words, simple) for each way the phrase can be written: "pre-training" is
    ["pre", "training"] or ["pretraining"]. `simple` means only letters and digits."""
    parts = _parts(phrase)
    out = []
    for mask in range(2 ** (len(parts) - 1)):  # each gap between parts joined or not
        groups = [parts[0]]
        for i, part in enumerate(parts[1:]):
            if mask >> i & 1:
                groups[-1] += part
            else:
                groups.append(part)
        words = [w for g in groups for w in _WORD.findall(g)]
        out.append((words, all(_WORD.fullmatch(g) for g in groups)))
    return out


def topic_index(topics: Sequence[Topic]) -> _Index:
    """What tagging needs of a taxonomy, prepared once (a fraction of a second for the bundled one): pass it to
    `tag_papers`, `assign_topics` and `topic_for_label` when calling them more than once."""
    topics = tuple(topics)
    ids: dict[str, int] = {}
    includes: list[list[int]] = []
    excludes: list[list[int]] = []
    patterns: list[re.Pattern] = []
    words: dict[str, list[int]] = {}
    pairs: dict[tuple[str, str], list[int]] = {}
    longer: dict[tuple[str, str], list[int]] = {}
    loose: dict[str, list[_Loose]] = {}
    unkeyed: list[int] = []

    def phrase_id(phrase: str) -> int:
        key = " ".join(_parts(phrase))
        if key in ids:
            return ids[key]
        pid = ids[key] = len(patterns)
        patterns.append(re.compile(_phrase_pattern(phrase)))
        includes.append([])
        excludes.append([])
        parts = _parts(phrase)
        if len(parts) > 6:  # 2**(n-1) spellings; a phrase this long is rare enough to just search for
            unkeyed.append(pid)
            return pid
        for spelled, simple in _spellings(phrase):
            if not spelled:  # no ASCII letters or digits ("é"): nothing to key it by
                unkeyed.append(pid)
                continue
            last = _tail_forms(spelled[-1], parts[-1] if simple else spelled[-1])
            if simple and len(spelled) == 1:
                for form in last:
                    words.setdefault(form, []).append(pid)
            elif simple and len(spelled) == 2:
                for second in last:
                    pairs.setdefault((spelled[0], second), []).append(pid)
            elif simple:
                longer.setdefault((spelled[0], spelled[1]), []).append(pid)
            else:
                entry = _Loose(pid, frozenset(spelled[1:-1]), last if len(spelled) > 1 else frozenset())
                for first in last if len(spelled) == 1 else {spelled[0]}:
                    loose.setdefault(first, []).append(entry)
        return pid

    title_only: set[tuple[int, int]] = set()  # (phrase, topic) that counts in titles only
    for t, topic in enumerate(topics):
        for phrase in topic.include:
            pid = phrase_id(phrase)
            if t not in includes[pid]:
                includes[pid].append(t)
        for phrase in topic.title_include:
            pid = phrase_id(phrase)
            if t not in includes[pid]:
                includes[pid].append(t)
                title_only.add((pid, t))
        for phrase in topic.exclude:
            pid = phrase_id(phrase)
            if t not in excludes[pid]:
                excludes[pid].append(t)
    keys = list(ids)
    counted_as = {(phrase_id(short), t): " ".join(_parts(long)) for t, topic in enumerate(topics)
                  for short, long in _acronyms((*topic.include, *topic.title_include))}
    return _Index(
        words={w: tuple(dict.fromkeys(words.get(w, ()))) for w in [*words, *loose]},
        pairs={w: tuple(dict.fromkeys(p)) for w, p in pairs.items()},
        longer={w: tuple(dict.fromkeys(p)) for w, p in longer.items()},
        loose={w: tuple(dict.fromkeys(p)) for w, p in loose.items()},
        unkeyed=tuple(dict.fromkeys(unkeyed)),
        word_keys=frozenset(words) | frozenset(loose),
        pair_keys=frozenset(pairs) | frozenset(longer),
        pair_firsts=frozenset(first for first, _ in [*pairs, *longer]),
        patterns=tuple(patterns),
        includes=tuple(map(tuple, includes)),
        # "multimodal" also matches where "multi-modal" does: one phrase for counting.
        # An acronym and its expansion ("LLM", "large language model") are one phrase too.
        credits=tuple(tuple((t, counted_as.get((pid, t), key).replace(" ", "")) for t in ts)
                      for pid, (key, ts) in enumerate(zip(keys, includes))),
        abstract_credits=tuple(tuple((t, counted_as.get((pid, t), key).replace(" ", "")) for t in ts
                                     if (pid, t) not in title_only)
                               for pid, (key, ts) in enumerate(zip(keys, includes))),
        within=_within(keys, includes),
        excludes=tuple(map(tuple, excludes)),
        excluding=frozenset(pid for pid, topics_ in enumerate(excludes) if topics_),
    )


_ACRONYM = re.compile(r"(?:[A-Z][a-z]?)*[A-Z]s?\Z")  # LLM, MoE, NeRF, GNNs; not SentEval or DreamBooth


def _acronyms(phrases: Sequence[str]) -> list[tuple[str, str]]:
    """(acronym, expansion) pairs among one topic's phrases: "LLM" and "large language model", "MoE" and "mixture of
    experts", "NeRF" and "neural radiance field". A paper writes both when it introduces the acronym ("large language
    models (LLMs)"), which is one mention of one idea, not two pieces of evidence."""
    out = []
    for short in phrases:
        if not _ACRONYM.match(short) or sum(c.isupper() for c in short) < 2:
            continue
        letters = short[:-1] if short.endswith("s") else short
        forms = {letters.lower(), "".join(c for c in letters if c.isupper()).lower()}
        for long in phrases:
            parts = _parts(long)
            if len(parts) > 1 and "".join(part[0] for part in parts) in forms:
                out.append((short, long))
                break
    return out


def _within(keys: list[str], includes: list[list[int]]) -> dict[int, tuple[int, ...]]:
    """For each include phrase, the longer include phrases (of any topic) that contain it: a mention of "representation"
    inside "document representation" is a mention of the longer phrase only (the longest match wins)."""
    phrases = [pid for pid, topics in enumerate(includes) if topics]
    out: dict[int, list[int]] = {}
    for short in phrases:
        for long in phrases:
            if long != short and f" {keys[short]} " in f" {keys[long]} ":
                out.setdefault(short, []).append(long)
    return {pid: tuple(longs) for pid, longs in out.items()}


# Lowercased ASCII text to words: spaces and hyphens separate words and any other character
# becomes a "|" token, so two words count as adjacent only where a phrase's regex
# ([\s\-]* between words) would also match them. bytes.translate plus split is several
# times faster than re.findall here.
_TO_WORDS = bytes(
    c if _WORD.fullmatch(chr(c)) else 32 if chr(c).isspace() or chr(c) == "-" else 124 for c in range(256)
)
_WORDS_AND_BREAKS = re.compile(r"[a-z0-9]+|[^a-z0-9\s\-]+")  # the same split for non-ASCII text


def _tokens(text: str) -> list[str]:
    if text.isascii():
        return text.encode("ascii").translate(_TO_WORDS).replace(b"|", b" | ").decode("ascii").split()
    return _WORDS_AND_BREAKS.findall(text)


def _found(index: _Index, text: str) -> set[int]:
    """Ids of the phrases that occur in `text` (already lowercased)."""
    return set(_matches(index, text))


def _matches(index: _Index, text: str) -> dict[int, int]:
    """Phrase id -> how often it occurs in `text` (already lowercased), for the phrases that occur.

    Counts come from the words and word pairs where they can (a phrase spelled several ways, "pre-training" and
    "pretraining", adds up its spellings), and from the phrase's regex where the regex had to confirm the match.
    """
    tokens = _tokens(text)
    counts: dict[int, int] = {}
    by_regex: set[int] = set()
    # Set operations and list.count run in C; the Python loops below only see words and word pairs that
    # actually start a phrase.
    words: set[str] | None = None
    for word in index.word_keys.intersection(tokens):
        n = tokens.count(word)
        for pid in index.words[word]:
            counts[pid] = counts.get(pid, 0) + n
        for entry in index.loose.get(word, ()):
            words = words or set(tokens)
            if (
                entry.phrase not in by_regex
                and entry.middle <= words
                and (not entry.last or not entry.last.isdisjoint(words))
                and index.patterns[entry.phrase].search(text)
            ):
                by_regex.add(entry.phrase)
    # Hashing every adjacent pair costs more than testing each first word against a set.
    firsts = index.pair_firsts
    pairs = [(a, b) for a, b in zip(tokens, tokens[1:]) if a in firsts]
    for pair in index.pair_keys.intersection(pairs):
        if pair in index.pairs:
            n = pairs.count(pair)
            for pid in index.pairs[pair]:
                counts[pid] = counts.get(pid, 0) + n
        for pid in index.longer.get(pair, ()):
            # Only the first two words are known to be adjacent; the regex checks the rest.
            if pid not in by_regex and index.patterns[pid].search(text):
                by_regex.add(pid)
    for pid in index.unkeyed:
        if index.patterns[pid].search(text):
            by_regex.add(pid)
    for pid in by_regex:  # the regex finds every spelling at once
        counts[pid] = len(index.patterns[pid].findall(text))
    return counts


def _scores(index: _Index, title: str, abstract: str) -> tuple[dict[int, float], set[int], set[int]]:
    """(topic index -> score for topics that match and are not excluded, phrase ids found, of them in the title).

    Texts are lowercased. A topic's score is TITLE_WEIGHT per distinct phrase in the title (at most TITLE_CAP of
    them), plus its abstract evidence: 1 per distinct phrase (at most ABSTRACT_CAP) and REPEAT_WEIGHT for each
    further mention of any of its phrases (at most REPEAT_CAP of them), so a paper that keeps saying "video" is about
    video while one stray mention stays below the bar.
    """
    in_title = _matches(index, title)
    in_abstract = _matches(index, abstract)
    found = in_title.keys() | in_abstract.keys()
    excluded = set(chain.from_iterable(map(index.excludes.__getitem__, found & index.excluding)))
    title_distinct, _ = _evidence(index, in_title, index.credits)
    distinct, mentions = _evidence(index, in_abstract, index.abstract_credits)
    return {
        t: TITLE_WEIGHT * min(title_distinct.get(t, 0), TITLE_CAP)
        + ABSTRACT_WEIGHT * min(distinct.get(t, 0), ABSTRACT_CAP)
        + REPEAT_WEIGHT * min(mentions.get(t, 0) - distinct.get(t, 0), REPEAT_CAP)
        for t in (title_distinct.keys() | distinct.keys()) - excluded
    }, found, set(in_title)


def _evidence(index: _Index, counts: dict[int, int], credits) -> tuple[dict[int, int], dict[int, int]]:
    """(topic -> distinct phrases, topic -> mentions) of the phrases found in a text (`counts`: phrase id -> mentions).

    A mention inside a longer include phrase ("representation" in "document representation") belongs to the longer
    one only; spellings of one phrase ("multimodal", "multi-modal") are one phrase.
    """
    distinct: dict[int, int] = {}
    mentions: dict[int, int] = {}
    if not counts:
        return distinct, mentions
    per_phrase: dict[tuple[int, str], int] = {}
    within = index.within
    for pid, n in counts.items():
        longer = within.get(pid)
        if longer:
            # max, not sum: "contrastive" inside both "contrastive learning" and "contrastive loss" is rarely both.
            n -= max([counts.get(other, 0) for other in longer])
            if n <= 0:
                continue
        for credit in credits[pid]:
            if n > per_phrase.get(credit, 0):
                per_phrase[credit] = n
    for (t, _), n in per_phrase.items():
        distinct[t] = distinct.get(t, 0) + 1
        mentions[t] = mentions.get(t, 0) + n
    return distinct, mentions


def _occurrences(index: _Index, t: int, found: set[int], text: str) -> int:
    """How often topic `t`'s phrases among `found` occur in `text`: a tie-breaker, rarely needed."""
    return sum(len(index.patterns[pid].findall(text)) for pid in found if t in index.includes[pid])


@dataclass(frozen=True)
class Tagging:
    """One paper's topics and the evidence for them (what `python -m generator topics` reports on)."""

    tags: tuple[str, ...]  # best first
    scores: tuple[tuple[str, float], ...]  # every topic with any evidence, best first
    fallback: bool = False  # the tags are the fallback's best guess below THRESHOLD, or the catch-all


def tag_papers(
    papers: Sequence[Paper],
    topics: Sequence[Topic],
    forced: Mapping[str, Sequence[str]] | None = None,
    max_topics: int = MAX_TOPICS,
    index: _Index | None = None,
) -> dict[str, Tagging]:
    """Each paper's Tagging, keyed by `paper.id`: `assign_topics` with the evidence.

    A paper gets every topic scoring at least THRESHOLD and, if it got any, every other topic scoring at least
    SECONDARY, at most `max_topics` (best first); failing that its single best topic if that scores at least
    FALLBACK_MIN (ties go to the topic whose phrases occur most often, then slug); failing that
    the catch-all (if the taxonomy has one). `forced` (paper id -> slugs, e.g. from a dump manifest's topic) come
    first and count toward `max_topics`; slugs not in `topics` are ignored here, and an exclude phrase does not
    remove a forced topic, since a person asked for it.
    """
    if max_topics < 1:
        raise ValueError(f"max_topics must be at least 1, not {max_topics}")
    topics = tuple(topics)
    index = index if index is not None else topic_index(topics)
    slugs = [t.slug for t in topics]
    forced = forced or {}
    catch_all = next((t.slug for t in topics if t.catch_all), None)
    result: dict[str, Tagging] = {}
    for paper in papers:
        title = paper.title.lower()
        abstract = paper.abstract.lower()
        scores, found, _ = _scores(index, title, abstract)
        ranked = sorted((-score, slugs[t], t) for t, score in scores.items())
        picked = [slug for neg, slug, _ in ranked if -neg >= THRESHOLD]
        if picked:
            # A paper placed with confidence is also about what its abstract keeps returning to.
            picked += [slug for neg, slug, _ in ranked if SECONDARY <= -neg < THRESHOLD]
        fallback = False
        if not picked and ranked and -ranked[0][0] >= FALLBACK_MIN:
            top = [(slug, t) for neg, slug, t in ranked if neg == ranked[0][0]]
            if len(top) > 1:
                # Below the bar one stray phrase often ties several topics; the topic
                # mentioned most often is a better guess than the alphabetically first.
                text = f"{title}\n{abstract}"
                top.sort(key=lambda st: (-_occurrences(index, st[1], found, text), st[0]))
            picked = [top[0][0]]
            fallback = True
        chosen = [s for s in dict.fromkeys(forced.get(paper.id, ())) if s in slugs][:max_topics]
        for slug in picked:
            if len(chosen) >= max_topics:
                break
            if slug not in chosen:
                chosen.append(slug)
        if not chosen and catch_all is not None:
            chosen.append(catch_all)
            fallback = True
        result[paper.id] = Tagging(
            tags=tuple(chosen),
            scores=tuple((slug, -neg) for neg, slug, _ in ranked),
            fallback=fallback and not forced.get(paper.id),
        )
    return result


def assign_topics(
    papers: Sequence[Paper],
    topics: Sequence[Topic],
    forced: Mapping[str, Sequence[str]] | None = None,
    max_topics: int = MAX_TOPICS,
    index: _Index | None = None,
) -> dict[str, tuple[str, ...]]:
    """Topic slugs for each paper, keyed by `paper.id`, best first (score descending, then slug): see `tag_papers`."""
    return {pid: tagging.tags for pid, tagging in tag_papers(papers, topics, forced, max_topics, index).items()}


def topic_for_label(label: str, topics: Sequence[Topic], index: _Index | None = None) -> str | None:
    """The slug a manifest's topic or query string means, or None.

    Tried in order: the slug itself ("retrieval", or "Model merging" for model-merging), an
    alias (an old slug), a topic name (case-insensitive), then the topic whose phrases match the label best.
    """
    text = " ".join(label.split()).lower()
    if not text:
        return None
    topics = tuple(topics)
    as_slug = "-".join(_WORD.findall(text))
    for topic in topics:
        if topic.slug in (text, as_slug):
            return topic.slug
    for topic in topics:
        if as_slug in topic.aliases:  # a merged or renamed topic's old slug
            return topic.slug
    for topic in topics:
        if topic.name.lower() == text:
            return topic.slug
    # A label is as short and pointed as a title, so score it as one.
    scores, _, _ = _scores(index if index is not None else topic_index(topics), text, "")
    if not scores:
        return None
    return min((-score, topics[t].slug) for t, score in scores.items())[1]
