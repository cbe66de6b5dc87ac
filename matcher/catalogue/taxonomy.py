"""The controlled vocabulary of technology fields and the measured relatedness between them.

The taxonomy starts from the 51 traded cluster categories of the U.S. Cluster Mapping Project
(also used by the European Cluster Collaboration Platform) and adds emerging industries and key
enabling technologies, each mapped to the categories it draws on. Relatedness between two terms is
the Cluster Mapping Project's measured relatedness of their categories (Delgado, Porter and Stern
2016), rescaled so that only above-median relatedness counts:
``phi = clip((percentile - 50) / 49, 0, 1)``, with 1 on the diagonal.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .languages import Vocabulary

#: Common free-text names mapped to taxonomy terms, for ad-hoc profiles.
ALIASES: dict[str, tuple[str, ...]] = {
    "aerospace": ("Aerospace Vehicles and Defense",),
    "aviation": ("Aerospace Vehicles and Defense",),
    "defence": ("Aerospace Vehicles and Defense",),
    "health": ("Medical Devices", "Biopharmaceuticals", "Digital Health"),
    "healthcare": ("Medical Devices", "Biopharmaceuticals", "Digital Health"),
    "life sciences": ("Biopharmaceuticals", "Biotechnology", "Medical Devices"),
    "medtech": ("Medical Devices",),
    "medical technology": ("Medical Devices",),
    "pharma": ("Biopharmaceuticals",),
    "electronics": ("Micro- and Nanoelectronics",),
    "semiconductors": ("Micro- and Nanoelectronics",),
    "microelectronics": ("Micro- and Nanoelectronics",),
    "optics": ("Photonics",),
    "optics and photonics": ("Photonics",),
    "laser": ("Photonics",),
    "ict": ("Digital Industries",),
    "it": ("Digital Industries",),
    "software": ("Digital Industries",),
    "ai": ("Artificial Intelligence",),
    "energy": ("Renewable Energy", "Electric Power Generation and Transmission"),
    "solar": ("Renewable Energy",),
    "photovoltaics": ("Renewable Energy",),
    "cleantech": ("Environmental Industries",),
    "logistics": ("Logistical Services", "Transportation and Logistics"),
    "maritime": ("Blue Growth Industries", "Water Transportation"),
    "automotive": ("Automotive",),
    "e-mobility": ("Mobility Technologies", "Batteries and Energy Storage"),
    "electromobility": ("Mobility Technologies", "Batteries and Energy Storage"),
    "manufacturing": ("Advanced Manufacturing",),
    "industry 4.0": ("Advanced Manufacturing",),
    "mechanical engineering": ("Production Technology and Heavy Machinery",),
    "chemistry": ("Upstream Chemical Products", "Downstream Chemical Products"),
    "chemicals": ("Upstream Chemical Products", "Downstream Chemical Products"),
    "materials": ("Advanced Materials",),
    "composites": ("Lightweight Materials and Composites",),
    "food": ("Food Processing and Manufacturing",),
    "agriculture": ("Agricultural Inputs and Services",),
    "hydrogen": ("Hydrogen and Fuel Cells",),
    # German and French names, for profiles written in those languages.
    "medizintechnik": ("Medical Devices",),
    "medizin": ("Medical Devices", "Biopharmaceuticals"),
    "gesundheit": ("Medical Devices", "Biopharmaceuticals", "Digital Health"),
    "gesundheitswirtschaft": ("Medical Devices", "Biopharmaceuticals", "Digital Health"),
    "biotechnologie": ("Biotechnology",),
    "photonik": ("Photonics",),
    "optik": ("Photonics",),
    "optische technologien": ("Photonics",),
    "elektronik": ("Micro- and Nanoelectronics",),
    "mikroelektronik": ("Micro- and Nanoelectronics",),
    "halbleiter": ("Micro- and Nanoelectronics",),
    "luftfahrt": ("Aerospace Vehicles and Defense",),
    "luft- und raumfahrt": ("Aerospace Vehicles and Defense", "Space Technologies"),
    "raumfahrt": ("Space Technologies",),
    "automobil": ("Automotive",),
    "automobilindustrie": ("Automotive",),
    "mobilität": ("Mobility Technologies",),
    "elektromobilität": ("Mobility Technologies", "Batteries and Energy Storage"),
    "logistik": ("Logistical Services", "Transportation and Logistics"),
    "energie": ("Renewable Energy", "Electric Power Generation and Transmission"),
    "erneuerbare energien": ("Renewable Energy",),
    "wasserstoff": ("Hydrogen and Fuel Cells",),
    "chemie": ("Upstream Chemical Products", "Downstream Chemical Products"),
    "kunststoffe": ("Plastics",),
    "werkstoffe": ("Advanced Materials",),
    "leichtbau": ("Lightweight Materials and Composites",),
    "maschinenbau": ("Production Technology and Heavy Machinery",),
    "produktion": ("Advanced Manufacturing",),
    "robotik": ("Robotics and Automation",),
    "automatisierung": ("Robotics and Automation",),
    "künstliche intelligenz": ("Artificial Intelligence",),
    "ki": ("Artificial Intelligence",),
    "digitalisierung": ("Digital Industries",),
    "informationstechnik": ("Digital Industries",),
    "lebensmittel": ("Food Processing and Manufacturing",),
    "ernährung": ("Food Processing and Manufacturing",),
    "landwirtschaft": ("Agricultural Inputs and Services",),
    "maritime wirtschaft": ("Blue Growth Industries", "Water Transportation"),
    "batterien": ("Batteries and Energy Storage",),
    "santé": ("Medical Devices", "Biopharmaceuticals", "Digital Health"),
    "aéronautique": ("Aerospace Vehicles and Defense",),
    "photonique": ("Photonics",),
    "énergie": ("Renewable Energy", "Electric Power Generation and Transmission"),
}


def normalise(text: str) -> str:
    """Lower-case, '&' as 'and', punctuation folded to spaces."""
    text = text.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w+.-]+", " ", text).split())


@dataclass(frozen=True)
class TermMapping:
    """How one free-text field name was mapped to taxonomy terms."""

    given: str
    terms: tuple[str, ...]
    method: str  # "exact", "synonym", "alias", "fuzzy" or "none"


class Taxonomy:
    """Field terms, their kinds, and the (T, T) relatedness matrix ``phi`` in [0, 1]."""

    def __init__(self, terms: Sequence[str], kinds: Sequence[str], phi: npt.NDArray[np.float32],
                 vocabulary: Vocabulary | None = None):
        self.terms = list(terms)
        self.kinds = list(kinds)
        self.index = {term: i for i, term in enumerate(self.terms)}
        self.phi = phi
        self.vocabulary = vocabulary or Vocabulary({}, {})
        self._by_norm = {normalise(t): t for t in self.terms}

    @classmethod
    def load(cls, data_dir: Path) -> Taxonomy:
        terms: list[str] = []
        kinds: list[str] = []
        codes: list[list[int]] = []
        with open(data_dir / "taxonomy.csv", newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                terms.append(row["term"])
                kinds.append(row["kind"])
                codes.append([int(c) for c in row["us_cluster_codes"].split(";") if c])
        pc: dict[tuple[int, int], float] = {}
        with open(data_dir / "reference" / "cluster_relatedness.csv", newline="") as f:
            for row in csv.DictReader(f):
                pc[(int(row["code_a"]), int(row["code_b"]))] = float(row["cr_all_pc"])
        n = len(terms)
        phi = np.zeros((n, n), dtype=np.float32)
        for i in range(n):
            for j in range(n):
                if i == j:
                    phi[i, j] = 1.0
                    continue
                best = 0.0
                for a in codes[i]:
                    for b in codes[j]:
                        value = 1.0 if a == b else (pc.get((a, b), 0.0) - 50.0) / 49.0
                        best = max(best, value)
                phi[i, j] = min(max(best, 0.0), 1.0)
        names = data_dir / "taxonomy_names.csv"
        return cls(terms, kinds, phi, Vocabulary.load(names) if names.exists() else None)

    def name(self, term: str, lang: str) -> str:
        """The name of ``term`` in ``lang`` (en, de, fr)."""
        return self.vocabulary.name(term, lang)

    def __contains__(self, term: object) -> bool:
        return term in self.index

    def closest(self, text: str, n: int = 3) -> list[str]:
        """The ``n`` terms whose names are closest to ``text`` (for error messages)."""
        return difflib.get_close_matches(text, self.terms, n=n, cutoff=0.0)

    def map_free_text(self, given: str) -> TermMapping:
        """Map a free-text field name to taxonomy terms, never rejecting it.

        Tries an exact match (ignoring case and punctuation), then the vocabulary's names and
        synonyms in English, German and French (also as the start or end of a compound), then the
        alias table of words that stand for several terms, then the closest term names; returns
        ``method="none"`` when nothing is close.
        """
        norm = normalise(given)
        if norm in self._by_norm:
            return TermMapping(given, (self._by_norm[norm],), "exact")
        term = self.vocabulary.term_of(given)
        if term is not None:
            return TermMapping(given, (term,), "synonym")
        if norm in ALIASES:
            return TermMapping(given, ALIASES[norm], "alias")
        hits = difflib.get_close_matches(norm, list(self._by_norm), n=1, cutoff=0.75)
        if hits:
            return TermMapping(given, (self._by_norm[hits[0]],), "fuzzy")
        words = set(norm.split())
        for alias, terms in ALIASES.items():
            if alias in words:
                return TermMapping(given, terms, "alias")
        return TermMapping(given, (), "none")

    def indicator(self, field_lists: Iterable[Sequence[str]]) -> npt.NDArray[np.float32]:
        """(n, T) float32 0/1 matrix: row r marks the fields of the r-th list."""
        lists = list(field_lists)
        out = np.zeros((len(lists), len(self.terms)), dtype=np.float32)
        for r, names in enumerate(lists):
            for name in names:
                out[r, self.index[name]] = 1.0
        return out
