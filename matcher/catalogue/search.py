"""Finding profiles by what people type: names, places, fields and description words.

A query is split into words; a profile is found when every word begins a word of its search
text: name, id, city, region, the names of its NUTS regions (in the local language, so
"München" finds the Munich district), its country in English and German, its fields in English,
German and French, its offers and its description. Letters are compared without accents and
case ("Munchen" finds "München"). Profiles whose name holds the words come first.
"""

from __future__ import annotations

import bisect
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


_SEARCHES: weakref.WeakKeyDictionary[Catalogue, ProfileSearch] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def search_for(catalogue: Catalogue) -> ProfileSearch:
    """The search of ``catalogue``, built on first use and kept while the catalogue lives."""
    with _LOCK:
        found = _SEARCHES.get(catalogue)
        if found is None:
            found = _SEARCHES[catalogue] = ProfileSearch(catalogue)
        return found
