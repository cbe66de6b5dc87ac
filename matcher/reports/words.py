"""The words of the HTML and PDF reports, per language.

CSV and XLSX keep English column names, so that analysts' scripts read both. A language of
:data:`~matcher.catalogue.languages.LANGUAGES` without its own table here is written with the
English words (its field, country and region names and its reasons are still its own).
Entries with ``{placeholders}`` are filled with :meth:`str.format`.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "report": "ClusterBridge report",
        "subtitle": "International partners for German innovation clusters",
        "created": "Created", "catalogue": "catalogue", "model": "model", "top": "top",
        "summary": "Summary",
        "covers": "This report suggests international partners for {clusters} German clusters, "
                  "the {top} best for each, from a catalogue of {profiles} profiles. Each "
                  "cluster's known partners and network co-members are listed apart, not "
                  "suggested. {dismissals} The gaps compare strong matches with known "
                  "partnerships for all {german} German clusters.",
        "dismissals_applied": "Candidates a cluster dismissed are left out of its list.",
        "dismissals_not_applied": "Dismissals were not applied (no database given).",
        "n_clusters": "German clusters", "n_suggestions": "suggested partners",
        "n_unpartnered": "clusters without an international partner",
        "n_gaps": "field–region pairs with strong matches and no partnership",
        "reach": "Of the {suggestions} suggestions, {website} link the partner's website and "
                 "{contact} a contact route; {introduction} without a contact route name the "
                 "German chamber of commerce abroad (AHK) that arranges introductions in the "
                 "partner's country; where neither website nor contact route is known, the "
                 "sources are linked.",
        "largest_gaps": "Largest gaps",
        "actions": "What to do",
        "actions_none": "The data support no action yet: no strong match lacks a partnership.",
        "action_gap": "{field} ↔ {region}: {strong} strong matches, {partnerships} "
                      "partnerships",
        "first_contacts": "suggested first contacts",
        "action_unpartnered": "{cluster} has no international partner yet",
        "best_options": "best options",
        "for": "for",
        "see": "see",
        "page": "page",
        "contents": "Contents",
        "coverage": "Coverage", "gaps": "Gaps: where strong matches lack partnerships",
        "gap_chart": "The largest gaps by field and world region",
        "gap_legend": "Colour shows the gap: red where strong matches exist but partnerships do "
                      "not, blue where there are more partnerships than the matches suggest, "
                      "white where the two agree. Numbers: strong matches / partnerships. The gap "
                      "is the standardised residual (expected − known partnerships) / √expected, "
                      "expecting partnerships in proportion to strong matches. A strong match is "
                      "a pair among the best {share}% of scores (score ≥ {threshold}).",
        "gap_low": "more partnerships than matches", "gap_high": "strong matches, no partnerships",
        "field": "field", "region": "region", "strong": "strong matches",
        "partnerships": "partnerships", "gap": "gap", "clusters": "German clusters",
        "unpartnered": "German clusters without an international partner",
        "unpartnered_none": "Every cluster of this report has an international partner.",
        "untapped": "Strong international profiles no German cluster works with",
        "suggestions": "Suggestions per cluster", "partner": "partner", "country": "country",
        "score": "score", "why": "why", "source": "source", "website": "website",
        "contact": "contact", "contact_via": "contact via {host}",
        "introduction": "introduction: {name}",
        "by_region": "Suggestions by world region",
        "no_suggestions": "No suggestion passes the filters.",
        "heatmap": "Appendix: the full coverage matrix",
        "heatmap_lead": "Every field (row) against every world region (column); colours and "
                        "numbers as in the gap chart.",
        "beyond": "Beyond your field: partners from linked fields",
        "no_beyond": "No partner from a linked field.",
        "known": "Known partners and network co-members",
        "no_known": "No known partner or co-member in the catalogue.",
        "partner_since": "partner", "since": "since", "network": "network",
        "affiliation": "affiliated",
        "dismissed": "{count} candidate(s) this cluster dismissed are left out.",
    },
    "de": {
        "report": "ClusterBridge-Bericht",
        "subtitle": "Internationale Partner für deutsche Innovationscluster",
        "created": "Erstellt", "catalogue": "Katalog", "model": "Modell", "top": "Top",
        "summary": "Zusammenfassung",
        "covers": "Dieser Bericht schlägt für {clusters} deutsche Cluster internationale Partner "
                  "vor, je die {top} besten, aus einem Katalog von {profiles} Profilen. Bekannte "
                  "Partner und Netzwerk-Mitglieder eines Clusters stehen gesondert und werden "
                  "nicht vorgeschlagen. {dismissals} Die Lücken vergleichen starke Vorschläge "
                  "mit bekannten Partnerschaften aller {german} deutschen Cluster.",
        "dismissals_applied": "Von einem Cluster abgelehnte Kandidaten fehlen in seiner Liste.",
        "dismissals_not_applied": "Ablehnungen wurden nicht berücksichtigt (keine Datenbank "
                                  "angegeben).",
        "n_clusters": "deutsche Cluster", "n_suggestions": "vorgeschlagene Partner",
        "n_unpartnered": "Cluster ohne internationalen Partner",
        "n_gaps": "Feld-Region-Paare mit starken Vorschlägen und ohne Partnerschaft",
        "reach": "Von den {suggestions} Vorschlägen verweisen {website} auf die Webseite des "
                 "Partners und {contact} auf einen Kontaktweg; {introduction} ohne Kontaktweg "
                 "nennen die deutsche Auslandshandelskammer (AHK), die im Land des Partners "
                 "Kontakte vermittelt; wo Webseite und Kontaktweg fehlen, stehen die Quellen "
                 "dabei.",
        "largest_gaps": "Größte Lücken",
        "actions": "Was zu tun ist",
        "actions_none": "Die Daten stützen noch keine Maßnahme: jeder starke Vorschlag hat eine "
                        "Partnerschaft.",
        "action_gap": "{field} ↔ {region}: {strong} starke Vorschläge, {partnerships} "
                      "Partnerschaften",
        "first_contacts": "erste Kontakte",
        "action_unpartnered": "{cluster} hat noch keinen internationalen Partner",
        "best_options": "beste Optionen",
        "for": "für",
        "see": "siehe",
        "page": "Seite",
        "contents": "Inhalt",
        "coverage": "Abdeckung", "gaps": "Lücken: starke Vorschläge ohne Partnerschaften",
        "gap_chart": "Die größten Lücken nach Themenfeld und Weltregion",
        "gap_legend": "Die Farbe zeigt die Lücke: rot, wo es starke Vorschläge, aber keine "
                      "Partnerschaften gibt, blau, wo es mehr Partnerschaften gibt, als die "
                      "Vorschläge erwarten lassen, weiß, wo beides übereinstimmt. Zahlen: starke "
                      "Vorschläge / Partnerschaften. Die Lücke ist das standardisierte Residuum "
                      "(erwartete − bekannte Partnerschaften) / √erwartete, wobei Partnerschaften "
                      "im Verhältnis zu starken Vorschlägen erwartet werden. Ein starker Vorschlag "
                      "gehört zu den besten {share} % aller Paare (Wert ≥ {threshold}).",
        "gap_low": "mehr Partnerschaften als Vorschläge",
        "gap_high": "starke Vorschläge, keine Partnerschaften",
        "field": "Themenfeld", "region": "Region", "strong": "starke Vorschläge",
        "partnerships": "Partnerschaften", "gap": "Lücke", "clusters": "deutsche Cluster",
        "unpartnered": "Deutsche Cluster ohne internationalen Partner",
        "unpartnered_none": "Jeder Cluster dieses Berichts hat einen internationalen Partner.",
        "untapped": "Starke internationale Profile ohne deutschen Partner",
        "suggestions": "Vorschläge je Cluster", "partner": "Partner", "country": "Land",
        "score": "Wert", "why": "Begründung", "source": "Quelle", "website": "Webseite",
        "contact": "Kontakt", "contact_via": "Kontakt über {host}",
        "introduction": "Kontaktvermittlung: {name}",
        "by_region": "Vorschläge nach Weltregion",
        "no_suggestions": "Kein Vorschlag erfüllt die Filter.",
        "heatmap": "Anhang: die vollständige Abdeckungsmatrix",
        "heatmap_lead": "Jedes Themenfeld (Zeile) gegen jede Weltregion (Spalte); Farben und "
                        "Zahlen wie in der Lückengrafik.",
        "beyond": "Über das eigene Feld hinaus: Partner aus verbundenen Feldern",
        "no_beyond": "Kein Partner aus einem verbundenen Feld.",
        "known": "Bekannte Partner und Netzwerk-Mitglieder",
        "no_known": "Kein bekannter Partner und kein Netzwerk-Mitglied im Katalog.",
        "partner_since": "Partner", "since": "seit", "network": "Netzwerk",
        "affiliation": "verbunden",
        "dismissed": "{count} von diesem Cluster abgelehnte(r) Kandidat(en) fehlen.",
    },
}


def words_for(lang: str) -> dict[str, str]:
    """The word table of ``lang``, English where the reports have none of their own."""
    return WORDS.get(lang, WORDS["en"])
