"""Finding profiles by what people type: names, places, fields and description words.

A query is split into words; a profile is found when every word begins a word of its search
text: name, id, city, region, the names of its NUTS regions (in the local language, so
"München" finds the Munich district), its country in English and German, its fields in English,
German and French, its offers and its description. Letters are compared without accents and
case ("Munchen" finds "München"). Profiles whose name holds the words come first.
"""

from __future__ import annotations

import bisect
import difflib
import re
import threading
import unicodedata
import weakref
from collections.abc import Sequence

from .catalogue import Catalogue
from .languages import INTERFACE_LANGUAGES, country_name
from .profiles import Profile

WORD = re.compile(r"\w+")
#: At most this many words of a query are used.
MAX_WORDS = 8
#: A mistyped word is read as a known word at least this similar (difflib's ratio).
CLOSE_WORD = 0.75


def fold(text: str) -> str:
    """Lower case without accents: "München" -> "munchen"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


class ProfileSearch:
    """Word-prefix search over a catalogue's profiles (built once per catalogue): a sorted list of
    every word, and for each word the profiles whose name or text holds it."""

    def __init__(self, catalogue: Catalogue) -> None:
        geo = catalogue.reference.geography
        vocabulary = catalogue.reference.taxonomy.vocabulary
        field_words = {term: " ".join([*vocabulary.synonyms_of(term), term])
                       for term in catalogue.reference.taxonomy.terms}
        self._in_name: dict[str, set[str]] = {}
        self._in_text: dict[str, set[str]] = {}
        for p in catalogue.profiles:
            places = [p.city or "", p.region]
            if p.nuts:
                # A NUTS code and its parents: DE21H -> DE2, DE21, DE21H.
                places += [geo.nuts.get(p.nuts[:n], "") for n in range(3, len(p.nuts) + 1)]
            places += [country_name(p.country, lang, geo.countries[p.country].name)
                       for lang in INTERFACE_LANGUAGES]
            for word in words(f"{p.name} {p.id}"):
                self._in_name.setdefault(word, set()).add(p.id)
            text = " ".join([*places, *(field_words[f] for f in p.fields), *p.offers,
                             p.description])
            for word in words(text):
                self._in_text.setdefault(word, set()).add(p.id)
        self._sorted = sorted(set(self._in_name) | set(self._in_text))

    def _found(self, prefix: str) -> tuple[set[str], set[str]]:
        """Profiles with a word starting with ``prefix`` in their name, and anywhere."""
        in_name: set[str] = set()
        anywhere: set[str] = set()
        for word in self._sorted[bisect.bisect_left(self._sorted, prefix):]:
            if not word.startswith(prefix):
                break
            in_name |= self._in_name.get(word, set())
            anywhere |= self._in_text.get(word, set())
        return in_name, anywhere | in_name

    def search(self, text: str, profiles: Sequence[Profile]) -> list[Profile]:
        """The ``profiles`` the query ``text`` finds, those matching by name first (each group in
        the given order); all of them for an empty query, none for one without a word."""
        query = words(text)[:MAX_WORDS]
        if not query:  # nothing typed: everything; only punctuation: nothing
            return list(profiles) if not text.strip() else []
        found = [self._found(q) for q in query]
        by_name = set.intersection(*(n for n, _ in found))
        anywhere = set.intersection(*(a for _, a in found))
        return ([p for p in profiles if p.id in by_name]
                + [p for p in profiles if p.id in anywhere and p.id not in by_name])

    def corrected(self, text: str) -> str | None:
        """The query with each word that begins no known word replaced by the closest known word
        ("Hamburg Aviaton" -> "hamburg aviation"); None when no word needs or finds a
        correction."""
        query = words(text)[:MAX_WORDS]
        out, changed = [], False
        for word in query:
            if any(self._found(word)):
                out.append(word)
                continue
            close = difflib.get_close_matches(word, self._sorted, n=1, cutoff=CLOSE_WORD)
            if not close:
                return None
            out.append(close[0])
            changed = True
        return " ".join(out) if changed else None

    def suggest(self, text: str, profiles: Sequence[Profile], n: int = 5) -> list[Profile]:
        """For a query that finds nothing: up to ``n`` profiles the corrected query
        (:meth:`corrected`) finds, else those whose name is closest to the query."""
        fixed = self.corrected(text)
        if fixed is not None:
            found = self.search(fixed, profiles)
            if found:
                return found[:n]
        names = {fold(p.name): p for p in profiles}
        close = difflib.get_close_matches(fold(text), list(names), n=n, cutoff=0.6)
        return [names[name] for name in close]


_SEARCHES: weakref.WeakKeyDictionary[Catalogue, ProfileSearch] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def search_for(catalogue: Catalogue) -> ProfileSearch:
    """The search of ``catalogue``, built on first use and kept while the catalogue lives."""
    with _LOCK:
        found = _SEARCHES.get(catalogue)
        if found is None:
            found = _SEARCHES[catalogue] = ProfileSearch(catalogue)
        return found
