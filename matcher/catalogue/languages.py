"""Languages: detection, stop words, the field vocabulary in German, French and English, and the
names of countries and world regions per language.

Profiles and queries may be written in German, French or English; partners mostly describe
themselves in English. This module keeps every language-dependent word list in one place:

- :func:`detect` tells a text's language from its function words (no model, no network);
- :data:`STOP_WORDS` are the function words of the three languages, so that the lexical
  component never rewards two texts for sharing a language;
- :class:`Vocabulary` reads ``data/taxonomy_names.csv`` (German and French names of every
  taxonomy term and the synonyms users type in each language) and finds the terms a text speaks
  of, also inside German compounds ("Wasserstofftechnologien" -> Hydrogen and Fuel Cells);
- :func:`country_name`, :func:`region_name` give CLDR names (through ``babel``) of countries and
  UN M49 world regions and continents in a language.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

#: The languages whose texts are understood (detection, stop words, names of fields and places).
LANGUAGES = ("en", "de", "fr")
#: The languages of the interface: pages, messages, reports and feeds (the first is the default).
InterfaceLanguage = Literal["en", "de"]
INTERFACE_LANGUAGES: tuple[str, ...] = get_args(InterfaceLanguage)
WORD = re.compile(r"(?u)\b\w\w+\b")

# Function words (articles, pronouns, prepositions, conjunctions, auxiliaries, common adverbs),
# listed by us. They carry the language of a text, not its subject.
GERMAN = frozenset({
    "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "ander",
    "andere", "anderen", "anderer", "anderes", "auch", "auf", "aus", "bei", "beim", "bereits",
    "besonders", "bis", "bisher", "da", "dabei", "dadurch", "dafür", "daher", "damit", "dann",
    "darauf", "darin", "darüber", "das", "dass", "dazu", "dem", "den", "denen", "der", "deren",
    "des", "deshalb", "dessen", "die", "dies", "diese", "diesem", "diesen", "dieser", "dieses",
    "doch", "dort", "durch", "ebenfalls", "ein", "eine", "einem", "einen", "einer", "eines",
    "einige", "einigen", "einiger", "entlang", "er", "es", "etwa", "euch", "für", "gegen",
    "gemeinsam", "gibt", "habe", "haben", "hat", "hier", "hin", "hinaus", "ich", "ihm", "ihn",
    "ihnen", "ihr", "ihre", "ihrem", "ihren", "ihrer", "ihres", "im", "immer", "in", "indem",
    "ins", "ist", "je", "jede", "jedem", "jeden", "jeder", "jedes", "jedoch", "kann", "kein",
    "keine", "können", "könnte", "man", "mehr", "mehrere", "mit", "muss", "nach", "neben", "nicht",
    "noch", "nun", "nur", "ob", "oder", "ohne", "rund", "sehr", "sein", "seine", "seinem",
    "seinen", "seiner", "seit", "sich", "sie", "sind", "so", "sodass", "sollen", "sondern",
    "sowie", "sowohl", "über", "um", "und", "uns", "unser", "unsere", "unserem", "unseren",
    "unserer", "unter", "viel", "viele", "vom", "von", "vor", "während", "war", "waren", "was",
    "weil", "weiter", "weitere", "weiteren", "welche", "welchem", "welchen", "welcher", "wenn",
    "wer", "werden", "wie", "wieder", "will", "wir", "wird", "wo", "wurde", "wurden", "zu", "zum",
    "zur", "zwei", "zwischen",
})
FRENCH = frozenset({
    "afin", "ainsi", "alors", "au", "aucun", "aussi", "autre", "autres", "aux", "avec", "avoir",
    "bien", "car", "ce", "cela", "celle", "celles", "celui", "ceux", "ces", "cet", "cette",
    "chaque", "chez", "comme", "comment", "dans", "de", "des", "deux", "donc", "dont", "du",
    "elle", "elles", "en", "entre", "est", "et", "été", "être", "fait", "il", "ils", "jusqu", "la",
    "le", "les", "leur", "leurs", "lors", "lui", "mais", "même", "mes", "moins", "nos", "notre",
    "nous", "ou", "où", "par", "parmi", "pas", "pendant", "peut", "plus", "pour", "qu", "que",
    "quel", "quelle", "quelles", "quels", "qui", "sa", "sans", "se", "ses", "selon", "si", "son",
    "sont", "sous", "sur", "tant", "tous", "tout", "toute", "toutes", "très", "un", "une",
    "vers", "via", "vos", "votre", "vous",
})


@lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English, German and French function words."""
    return english_stop_words() | GERMAN | FRENCH


def detect(text: str) -> str:
    """The language of ``text`` (``en``, ``de`` or ``fr``) by the share of its words that are
    function words of each language; English when nothing decides."""
    words = WORD.findall(text.casefold())
    if not words:
        return "en"
    counts = {
        "en": sum(w in english_stop_words() for w in words),
        "de": sum(w in GERMAN for w in words),
        "fr": sum(w in FRENCH for w in words),
    }
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] > 0 else "en"


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w+]+", " ", text.casefold()).split())


@dataclass(frozen=True)
class Vocabulary:
    """Names and synonyms of the taxonomy terms in English, German and French."""

    names: dict[str, dict[str, str]]  # language -> term -> name
    synonyms: dict[str, str]  # folded synonym (any language) -> term

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        names: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        synonyms: dict[str, str] = {}
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                term = row["term"]
                names["en"][term] = term
                names["de"][term] = row["de"]
                names["fr"][term] = row["fr"]
                for lang in LANGUAGES:
                    for value in (row[lang] if lang != "en" else term,
                                  *row[f"synonyms_{lang}"].split("|")):
                        if value.strip():
                            synonyms.setdefault(_fold(value), term)
        return cls(names, synonyms)

    def name(self, term: str, lang: str) -> str:
        """The name of ``term`` in ``lang`` (the English term when there is none)."""
        return self.names.get(lang, {}).get(term, term)

    def synonyms_of(self, term: str) -> list[str]:
        """Every name and synonym of ``term`` in the three languages (folded)."""
        return [synonym for synonym, t in self.synonyms.items() if t == term]

    def term_of(self, given: str) -> str | None:
        """The term a free-text field name stands for: a synonym in any language, or a compound
        that ends or begins with one ("Wasserstofftechnologie", "Medizintechnikcluster")."""
        folded = _fold(given)
        if folded in self.synonyms:
            return self.synonyms[folded]
        if " " in folded:
            return None
        best: tuple[int, str] | None = None
        for synonym, term in self.synonyms.items():
            compound = len(synonym) >= 6 and " " not in synonym and synonym != folded and (
                folded.startswith(synonym) or folded.endswith(synonym))
            if compound and (best is None or len(synonym) > best[0]):
                best = (len(synonym), term)
        return best[1] if best else None

    def terms_in(self, text: str) -> list[str]:
        """Every term whose name or synonym occurs in ``text`` (as words, or as the start or end
        of a compound word), in order of first occurrence."""
        folded = f" {_fold(text)} "
        found: dict[str, None] = {}
        words = folded.split()
        for synonym, term in self.synonyms.items():
            if f" {synonym} " in folded:
                found.setdefault(term, None)
        for word in words:
            compound = self.term_of(word) if len(word) >= 8 else None
            if compound:
                found.setdefault(compound, None)
        return list(found)


# --- countries and world regions ----------------------------------------------------------------
#: UN M49 codes of the sub-regions and continents used as world regions; CLDR names them in every
#: language.
M49 = {
    "Northern Africa": "015", "Eastern Africa": "014", "Middle Africa": "017",
    "Southern Africa": "018", "Western Africa": "011", "Sub-Saharan Africa": "202",
    "Caribbean": "029", "Central America": "013", "South America": "005",
    "Northern America": "021", "Latin America and the Caribbean": "419",
    "Central Asia": "143", "Eastern Asia": "030", "South-eastern Asia": "035",
    "Southern Asia": "034", "Western Asia": "145",
    "Eastern Europe": "151", "Northern Europe": "154", "Southern Europe": "039",
    "Western Europe": "155",
    "Australia and New Zealand": "053", "Melanesia": "054", "Micronesia": "057",
    "Polynesia": "061",
    "Africa": "002", "Americas": "019", "Asia": "142", "Europe": "150", "Oceania": "009",
    "North America": "003",
}


@lru_cache(maxsize=8)
def _territories(lang: str) -> dict[str, str]:
    from babel import Locale

    return dict(Locale.parse(lang).territories)


def country_name(code: str, lang: str, default: str | None = None) -> str:
    """The CLDR name of the country ``code`` (ISO 3166-1 alpha-2) in ``lang``."""
    return _territories(lang).get(code, default or code)


def language_name(code: str) -> str:
    """The name of the language ``code`` in that language (CLDR): "English", "Deutsch"."""
    from babel import Locale

    return str(Locale.parse(code).get_display_name(code))


def region_name(region: str, lang: str) -> str:
    """The CLDR name of a UN M49 world region or continent (given by its English name)."""
    code = M49.get(region)
    if code is None or lang == "en":
        return region
    return _territories(lang).get(code, region)


def format_number(value: float, lang: str, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals in the language's notation (decimal comma in German),
    rounded as Python rounds the float (``f"{value:.2f}"``), so every language shows the same
    digits."""
    from babel.numbers import format_decimal

    return str(format_decimal(round(value, digits), format="0." + "0" * digits if digits else "0",
                              locale=lang))
