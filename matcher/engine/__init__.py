"""The matching engine: from profile texts to ranked, explained suggestions.

In pipeline order: ``embedding`` -> ``lexical`` -> ``index`` -> ``bundle`` (the built artefact)
-> ``complementarity`` (pure array scoring) + ``value_chain`` -> ``filters`` -> ``explanation``
(structured reasons) -> ``ranking`` (``Matcher``, the thin tier). It imports only the catalogue,
``matcher.config``, ``matcher.errors`` and the message catalogue.
"""
