"""The catalogue: profiles, relationships, the taxonomy, geography and languages, loaded and checked.

Bottom of the domain: it imports only ``matcher.config`` and ``matcher.errors``. Modules:
``profiles`` (one record and its validation), ``relationships`` (ties, networks, memberships),
``taxonomy`` (fields and their relatedness), ``geography`` (countries, regions, NUTS),
``languages`` (the one ``LANGUAGES``, stop words, names in German and French), ``catalogue``
(loading and writing ``data/``), ``curation`` (the catalogue check) and ``search`` (by name).
"""

from ..config import default_data_dir
from .catalogue import (
    HOME_COUNTRY,
    LEARNED_WEIGHTS_FILE,
    Catalogue,
    Reference,
    load_catalogue,
    load_config,
    organisation_key,
    parse_query_profile,
)

__all__ = [
    "HOME_COUNTRY",
    "LEARNED_WEIGHTS_FILE",
    "Catalogue",
    "Reference",
    "default_data_dir",
    "load_catalogue",
    "load_config",
    "organisation_key",
    "parse_query_profile",
]
