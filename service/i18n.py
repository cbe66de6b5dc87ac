"""Words of the web pages in English and German; the language comes from ``?lang=``, a cookie
or the browser's Accept-Language header. The API stays language-neutral.

Interface words are here; names of fields come from the taxonomy's vocabulary, names of
countries and world regions from CLDR (:mod:`matcher.languages`), numbers are written with the
language's decimal mark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Request

from matcher import messages
from matcher.catalogue.languages import INTERFACE_LANGUAGES as LANGUAGES
from matcher.catalogue.languages import country_name, format_number, region_name
from matcher.catalogue.profiles import FRESH_YEARS, Profile
from matcher.catalogue.relationships import Partnership, SharedNetwork
from matcher.catalogue.taxonomy import Taxonomy
from matcher.config import MAX_REPORT_TOP
from matcher.engine.explanation import Explanation, relationship_reasons
from matcher.engine.ranking import Match

STRINGS: dict[str, dict[str, str]] = {
    "title": {"en": "ClusterBridge", "de": "ClusterBridge"},
    "tagline": {"en": "Find complementary international partners for innovation clusters",
                "de": "Komplementäre internationale Partner für Innovationscluster finden"},
    "skip": {"en": "Skip to content", "de": "Zum Inhalt springen"},
    "search_label": {"en": "Find a cluster", "de": "Cluster suchen"},
    "search": {"en": "Search", "de": "Suchen"},
    "german_clusters": {"en": "German clusters", "de": "Deutsche Cluster"},
    "results_for": {"en": "Clusters matching", "de": "Cluster mit"},
    "no_results": {"en": "No cluster matches this name.", "de": "Kein Cluster passt zu diesem Namen."},
    "describe": {"en": "Or describe your own cluster", "de": "Oder beschreiben Sie Ihr eigenes Cluster"},
    "name": {"en": "Name", "de": "Name"},
    "country": {"en": "Country", "de": "Land"},
    "description": {"en": "Description", "de": "Beschreibung"},
    "fields_hint": {"en": "Fields (comma-separated, e.g. Photonics, Health)",
                    "de": "Themenfelder (durch Kommas getrennt, z. B. Photonik, Gesundheit)"},
    "offers_hint": {"en": "What you offer (one per line)", "de": "Was Sie bieten (eine Angabe pro Zeile)"},
    "seeks_hint": {"en": "What you seek (one per line)", "de": "Was Sie suchen (eine Angabe pro Zeile)"},
    "find_partners": {"en": "Find partners", "de": "Partner finden"},
    "profile": {"en": "Profile", "de": "Profil"},
    "fields": {"en": "Fields", "de": "Themenfelder"},
    "offers": {"en": "Offers", "de": "Bietet"},
    "seeks": {"en": "Seeks", "de": "Sucht"},
    "roles": {"en": "Value-chain roles", "de": "Rollen in der Wertschöpfungskette"},
    "members": {"en": "Members", "de": "Mitglieder"},
    "sources": {"en": "Sources", "de": "Quellen"},
    "website": {"en": "Website", "de": "Webseite"},
    "partners_known": {"en": "Known partners", "de": "Bekannte Partner"},
    "suggested": {"en": "Suggested partners", "de": "Vorgeschlagene Partner"},
    "filters": {"en": "Filters", "de": "Filter"},
    "world_region": {"en": "World region", "de": "Weltregion"},
    "any": {"en": "any", "de": "alle"},
    "field": {"en": "Field", "de": "Themenfeld"},
    "exclude_partners": {"en": "Exclude existing partners", "de": "Bestehende Partner ausblenden"},
    "include_home": {"en": "Include clusters from the same country",
                     "de": "Cluster aus demselben Land einbeziehen"},
    "seen_at_work": {"en": f"Only partners a source of the last {FRESH_YEARS} years shows at work",
                     "de": f"Nur Partner, die eine Quelle der letzten {FRESH_YEARS} Jahre aktiv "
                           "zeigt"},
    "diversity": {"en": "Spread over countries", "de": "Über Länder streuen"},
    "apply": {"en": "Apply filters", "de": "Filter anwenden"},
    "score": {"en": "score", "de": "Wert"},
    "where": {"en": "Where the suggestions are", "de": "Wo die Vorschläge liegen"},
    "none_pass": {"en": "No candidate passes these filters.",
                  "de": "Kein Kandidat erfüllt diese Filter."},
    "source": {"en": "source", "de": "Quelle"},
    "your_cluster": {"en": "Your cluster", "de": "Ihr Cluster"},
    "mapped": {"en": "Your fields were read as", "de": "Ihre Themenfelder wurden gelesen als"},
    "no_match_term": {"en": "no matching field", "de": "kein passendes Themenfeld"},
    "error": {"en": "Something is not right", "de": "Etwas stimmt nicht"},
    "back_home": {"en": "Back to the start page", "de": "Zurück zur Startseite"},
    "coverage": {"en": "Coverage and gaps", "de": "Abdeckung und Lücken"},
    "all_profiles": {"en": "All profiles", "de": "Alle Profile"},
    "cov.intro": {"en": "Fields in which German clusters work, by world region of the partners: "
                        "strong suggested matches (score at least {a}) / known partnerships. Green "
                        "cells have partnerships; blue cells have strong matches but none yet.",
                  "de": "Themenfelder deutscher Cluster nach Weltregion der Partner: starke "
                        "Vorschläge (Wert mindestens {a}) / bekannte Partnerschaften. Grüne Zellen "
                        "haben Partnerschaften, blaue nur starke Vorschläge."},
    "cov.continents": {"en": "Continents", "de": "Kontinente"},
    "cov.caption": {"en": "strong matches / partnerships per field and region",
                    "de": "starke Vorschläge / Partnerschaften je Feld und Region"},
    "cov.gaps": {"en": "Largest gaps", "de": "Größte Lücken"},
    "cov.strong": {"en": "strong matches", "de": "starke Vorschläge"},
    "cov.gap": {"en": "gap", "de": "Lücke"},
    "cov.partnerships": {"en": "partnerships", "de": "Partnerschaften"},
    "cov.unpartnered": {"en": "German clusters without an international partner, with their best options",
                        "de": "Deutsche Cluster ohne internationalen Partner, mit den besten Optionen"},
    "cov.untapped": {"en": "Strong international profiles no German cluster works with yet",
                     "de": "Starke internationale Profile ohne deutschen Partner"},
    "cov.single": {"en": "Fields whose partners are in one world region only",
                   "de": "Themenfelder mit Partnern in nur einer Weltregion"},
    # Reasons in plain words; {a} {b} are filled in by the page.
    "label.similar and complementary": {"en": "similar and complementary",
                                        "de": "ähnlich und komplementär"},
    "label.complementary": {"en": "complementary", "de": "komplementär"},
    "label.similar": {"en": "similar", "de": "ähnlich"},
    "label.weak fit": {"en": "weak fit", "de": "schwache Passung"},
    "since": {"en": "since", "de": "seit"},
    "networks": {"en": "Networks", "de": "Netzwerke"},
    "exclude_co_members": {"en": "Also exclude members of our networks",
                           "de": "Auch Mitglieder unserer Netzwerke ausblenden"},
    "kind.cluster organisation": {"en": "cluster organisation", "de": "Clusterorganisation"},
    "kind.network": {"en": "network", "de": "Netzwerk"},
    "kind.innovation region": {"en": "innovation region", "de": "Innovationsregion"},
    "kind.research campus": {"en": "research campus", "de": "Forschungscampus"},
    "kind.technology park": {"en": "technology park", "de": "Technologiepark"},
    "kind.agency": {"en": "agency", "de": "Agentur"},
    "kind.research institution": {"en": "research institution", "de": "Forschungseinrichtung"},
    "status.400": {"en": "The request cannot be read.", "de": "Die Anfrage ist nicht lesbar."},
    "status.401": {"en": "A token is required.", "de": "Ein Token ist erforderlich."},
    "status.403": {"en": "This is not allowed.", "de": "Das ist nicht erlaubt."},
    "status.404": {"en": "This page or profile does not exist.",
                   "de": "Diese Seite oder dieses Profil gibt es nicht."},
    "status.405": {"en": "This address cannot be used this way (for example, a form sent again "
                         "by reloading).",
                   "de": "Diese Adresse kann so nicht aufgerufen werden (zum Beispiel ein "
                         "Formular, das durch Neuladen erneut gesendet wurde)."},
    "status.409": {"en": "Someone else changed this in the meantime.",
                   "de": "Jemand anderes hat dies inzwischen geändert."},
    "status.413": {"en": "The request is too large.", "de": "Die Anfrage ist zu groß."},
    "status.422": {"en": "Some input is not valid.", "de": "Eine Eingabe ist ungültig."},
    "status.429": {"en": "Too many requests; please wait a moment.",
                   "de": "Zu viele Anfragen; bitte einen Moment warten."},
    "status.500": {"en": "Something went wrong on our side.",
                   "de": "Bei uns ist etwas schiefgegangen."},
    "status.503": {"en": "The service is not available right now.",
                   "de": "Der Dienst ist gerade nicht verfügbar."},
    "details": {"en": "Details", "de": "Details"},
    "nav": {"en": "main", "de": "Hauptmenü"},
    "nav.find": {"en": "Find partners", "de": "Partner finden"},
    "nav.api": {"en": "API", "de": "API"},
    "reports": {"en": "Reports", "de": "Berichte"},
    "search_placeholder": {"en": "e.g. Hamburg Aviation, München, Munich biotech, Photonik",
                           "de": "z. B. Hamburg Aviation, München, Munich biotech, Photonik"},
    "search_hint": {"en": "Searches names, places (German and English names), fields and "
                          "description words; every word must be found.",
                    "de": "Sucht in Namen, Orten (deutsche und englische Namen), Themenfeldern "
                          "und Beschreibungen; jedes Wort muss vorkommen."},
    "describe_hint": {"en": "Fields marked * are needed. The results page has a link you can "
                            "share or bookmark.",
                      "de": "Mit * markierte Felder sind nötig. Die Ergebnisseite hat einen Link "
                            "zum Teilen oder Merken."},
    "region": {"en": "Region", "de": "Region"},
    "members_n": {"en": "{n} members", "de": "{n} Mitglieder"},
    "members_hint": {"en": "Number of member organisations", "de": "Zahl der Mitgliedsorganisationen"},
    "at_most": {"en": "at most {n} characters", "de": "höchstens {n} Zeichen"},
    "busy": {"en": "Searching partners …", "de": "Partner werden gesucht …"},
    "err.form": {"en": "Please check the fields marked below; your input is kept.",
                 "de": "Bitte prüfen Sie die markierten Felder; Ihre Eingaben bleiben erhalten."},
    "err.too_long": {"en": "This has {n} characters; at most {limit} are read. Please shorten it.",
                     "de": "Hier stehen {n} Zeichen; gelesen werden höchstens {limit}. Bitte kürzen."},
    "err.number": {"en": "Please enter a whole number.", "de": "Bitte eine ganze Zahl eingeben."},
    "err.required": {"en": "Please fill this in.", "de": "Bitte ausfüllen."},
    "err.invalid": {"en": "This is not valid", "de": "Das ist ungültig"},
    "score.title": {"en": "how far this partner stands out among all candidates (0.5 = average)",
                    "de": "wie weit dieser Partner unter allen Kandidaten heraussticht (0,5 = Durchschnitt)"},
    "score.what": {"en": "Listed best first. The score (0 to 1) says how far a partner stands out "
                         "among all {n} candidates for this cluster: 0.5 is an average candidate, "
                         "close to 1 one that fits clearly better than the others. Its parts are "
                         "under \u201cHow the score is made\u201d on each card. A card's place "
                         "counts only the {pool} candidates this list draws from: no organisation "
                         "that has ended, no known partner or one from the same country unless "
                         "the filters ask for them, and only those that pass the filters set.",
                   "de": "Die besten zuerst. Der Wert (0 bis 1) sagt, wie weit ein Partner unter "
                         "allen {n} Kandidaten für dieses Cluster heraussticht: 0,5 ist ein "
                         "durchschnittlicher Kandidat, nahe 1 einer, der deutlich besser passt als "
                         "die anderen. Seine Teile stehen auf jeder Karte unter \u201eWie der Wert "
                         "entsteht\u201c. Der Platz auf einer Karte zählt nur die {pool} "
                         "Kandidaten, aus denen diese Liste wählt: keine beendete Organisation, "
                         "keine bekannten Partner und keine aus demselben Land, außer die Filter "
                         "verlangen sie, und nur solche, die die gesetzten Filter passieren."},
    "parts": {"en": "How the score is made", "de": "Wie der Wert entsteht"},
    "c.thematic": {"en": "Same topics", "de": "Gleiche Themen"},
    "c.lexical": {"en": "Shared specialist words", "de": "Gemeinsame Fachbegriffe"},
    "c.complementarity": {"en": "Needs and offers that fit both ways",
                          "de": "Bedarf und Angebot passen in beide Richtungen"},
    "c.relatedness": {"en": "Related fields", "de": "Verwandte Themenfelder"},
    "c.roles": {"en": "Roles we lack", "de": "Rollen, die uns fehlen"},
    "c.parity": {"en": "Similar size", "de": "Ähnliche Größe"},
    "contact": {"en": "Contact", "de": "Kontakt"},
    "contact.via": {"en": "Contact via {host}", "de": "Kontakt über {host}"},
    "at_work.title": {"en": "when the newest source seen showed the organisation at work",
                      "de": "wann die neueste gesichtete Quelle die Organisation bei der Arbeit "
                            "zeigte"},
    "no_website": {"en": "no website known yet", "de": "noch keine Webseite bekannt"},
    "introduction": {"en": "Introduction: {name}", "de": "Kontaktvermittlung: {name}"},
    "introduction.title": {
        "en": "No contact of this organisation is known yet: the German chamber of commerce "
              "abroad (AHK) that covers its country arranges business contacts",
        "de": "Noch kein Kontakt dieser Organisation bekannt: die deutsche "
              "Auslandshandelskammer (AHK) für ihr Land vermittelt Geschäftskontakte"},
    "ended": {"en": "No longer active since {year}: it is not suggested to anyone.",
              "de": "Seit {year} nicht mehr aktiv: wird niemandem vorgeschlagen."},
    "ended.successor": {"en": "Its work continues at {name}.",
                        "de": "Seine Arbeit führt {name} fort."},
    "ended.short": {"en": "(no longer active since {year})", "de": "(seit {year} nicht mehr aktiv)"},
    "show_more": {"en": "Show more (up to {n})", "de": "Mehr zeigen (bis zu {n})"},
    "by_region": {"en": "Suggestions by world region", "de": "Vorschläge nach Weltregion"},
    "several": {"en": "(several with Ctrl or ⌘)", "de": "(mehrere mit Strg oder ⌘)"},
    "show_known": {"en": "Show known partners and network co-members among the suggestions",
                   "de": "Bekannte Partner und Netzwerkmitglieder unter den Vorschlägen zeigen"},
    "known_title": {"en": "Already working together", "de": "Bereits in Zusammenarbeit"},
    "known_none": {"en": "No known partners or shared networks.",
                   "de": "Keine bekannten Partner oder gemeinsamen Netzwerke."},
    "edit_query": {"en": "Change this description", "de": "Beschreibung ändern"},
    "share": {"en": "Link to these results:", "de": "Link zu diesen Ergebnissen:"},
    "cov.lead": {"en": "Where German clusters already have partners abroad, and where strong "
                       "partners wait that nobody works with yet.",
                 "de": "Wo deutsche Cluster schon Partner im Ausland haben und wo starke Partner "
                       "warten, mit denen noch niemand zusammenarbeitet."},
    "cov.strong_def_title": {"en": "Strong match", "de": "Starker Vorschlag"},
    "cov.strong_def": {"en": "a German cluster and a partner abroad whose score is among the best "
                             "2% of all such pairs (score at least {a}).",
                       "de": "ein deutsches Cluster und ein Partner im Ausland, deren Wert zu den "
                             "besten 2 % aller solchen Paare gehört (Wert mindestens {a})."},
    "cov.gap_def_title": {"en": "Gap", "de": "Lücke"},
    "cov.gap_def": {"en": "how many fewer partnerships a field has in a region than its strong "
                          "matches would lead one to expect, in standard deviations (the "
                          "standardised residual); above 2 is a clear gap, below 0 more "
                          "partnerships than expected.",
                    "de": "wie viel weniger Partnerschaften ein Themenfeld in einer Region hat, "
                          "als seine starken Vorschläge erwarten ließen, in Standardabweichungen "
                          "(standardisiertes Residuum); über 2 ist eine deutliche Lücke, unter 0 "
                          "gibt es mehr Partnerschaften als erwartet."},
    "cov.map": {"en": "One field on the map", "de": "Ein Themenfeld auf der Karte"},
    "cov.show_map": {"en": "Show", "de": "Zeigen"},
    "cov.map_legend": {"en": "each region coloured by the size of its gap; the darker, the more "
                             "partnerships are missing",
                       "de": "jede Region nach der Größe ihrer Lücke gefärbt; je dunkler, desto "
                             "mehr Partnerschaften fehlen"},
    "cov.table": {"en": "All fields and regions", "de": "Alle Themenfelder und Regionen"},
    "rep.lead": {"en": "A batch report lists the suggested partners of every German cluster (or "
                       "those you choose) with the coverage and its gaps. Formats:",
                 "de": "Ein Sammelbericht listet die vorgeschlagenen Partner aller deutschen "
                       "Cluster (oder der gewählten) mit der Abdeckung und ihren Lücken. Formate:"},
    "rep.html": {"en": "HTML: one self-contained page with charts, for reading and sharing",
                 "de": "HTML: eine eigenständige Seite mit Grafiken, zum Lesen und Weitergeben"},
    "rep.pdf": {"en": "PDF: A4 pages for printing", "de": "PDF: A4-Seiten zum Drucken"},
    "rep.csv": {"en": "CSV: suggestions, partners and coverage as tables, numbers as numbers",
                "de": "CSV: Vorschläge, Partner und Abdeckung als Tabellen, Zahlen als Zahlen"},
    "rep.xlsx": {"en": "XLSX: the same tables as a workbook",
                 "de": "XLSX: dieselben Tabellen als Arbeitsmappe"},
    "rep.start": {"en": "Start a report", "de": "Bericht starten"},
    "rep.token": {"en": "Access token", "de": "Zugangstoken"},
    "rep.formats": {"en": "Formats", "de": "Formate"},
    "rep.top": {"en": f"Suggestions per cluster (1 to {MAX_REPORT_TOP})",
                "de": f"Vorschläge je Cluster (1 bis {MAX_REPORT_TOP})"},
    "rep.lang": {"en": "Language of HTML and PDF", "de": "Sprache von HTML und PDF"},
    "rep.clusters": {"en": "Clusters (none chosen = all German clusters)",
                     "de": "Cluster (keins gewählt = alle deutschen Cluster)"},
    "rep.go": {"en": "Start the report", "de": "Bericht starten"},
    "rep.starting": {"en": "Starting …", "de": "Wird gestartet …"},
    "rep.list": {"en": "Reports", "de": "Berichte"},
    "rep.none": {"en": "No reports yet.", "de": "Noch keine Berichte."},
    "rep.refresh": {"en": "This list updates itself while a report is being written.",
                    "de": "Diese Liste aktualisiert sich, solange ein Bericht entsteht."},
    "rep.n_clusters": {"en": "{a} clusters", "de": "{a} Cluster"},
    "rep.top_k": {"en": "top {a}", "de": "Top {a}"},
    "rep.status.running": {"en": "being written", "de": "wird erstellt"},
    "rep.status.done": {"en": "done", "de": "fertig"},
    "rep.status.failed": {"en": "failed", "de": "fehlgeschlagen"},
    "rep.problem.token": {"en": "This token is not valid for starting reports.",
                          "de": "Dieses Token gilt nicht zum Starten von Berichten."},
    "rep.problem.options": {
        "en": f"Please choose at least one format and 1 to {MAX_REPORT_TOP} suggestions.",
        "de": f"Bitte mindestens ein Format und 1 bis {MAX_REPORT_TOP} Vorschläge wählen."},
    "rep.problem.busy": {"en": "Several reports are already being written; please try again in "
                               "a minute.",
                         "de": "Es werden schon mehrere Berichte erstellt; bitte in einer Minute "
                               "erneut versuchen."},
}



# "Beyond your field" on the cluster page and the partnership network page.
STRINGS.update({
    "beyond": {"en": "Beyond your field", "de": "Über das eigene Themenfeld hinaus"},
    "beyond.intro": {
        "en": "Partners from other fields that are linked to yours, by measured relatedness (U.S. "
              "Cluster Mapping) or by partnerships between other organisations, ranked by how well "
              "needs and offers fit both ways and how closely the fields are linked: the partner "
              "that completes a value chain. Organisations whose offers would suit any cluster "
              "rank lower here, so that the list is about you.",
        "de": "Partner aus anderen Themenfeldern, die mit Ihren verbunden sind, durch gemessene "
              "Verwandtschaft (U.S. Cluster Mapping) oder durch Partnerschaften anderer "
              "Organisationen, geordnet danach, wie gut Bedarf und Angebot in beide Richtungen "
              "passen und wie eng die Felder verbunden sind: der Partner, der eine "
              "Wertschöpfungskette vervollständigt. Organisationen, deren Angebot zu jedem Cluster "
              "passen würde, stehen hier weiter unten, damit die Liste von Ihnen handelt."},
    "beyond.none": {"en": "No partner from a linked field passes these filters.",
                    "de": "Kein Partner aus einem verbundenen Themenfeld erfüllt diese Filter."},
    "network": {"en": "Partnership network", "de": "Partnerschaftsnetz"},
    "net.intro": {
        "en": "Profiles as points, bilateral ties (dark lines) and shared networks (light lines). "
              "German clusters are filled, partners abroad are open circles; the larger a point, "
              "the more profiles it is tied to. Partners outside Germany are shown when they have "
              "a tie in view; German clusters always.",
        "de": "Profile als Punkte, bilaterale Partnerschaften (dunkle Linien) und gemeinsame "
              "Netzwerke (helle Linien). Deutsche Cluster sind gefüllt, Partner im Ausland offene "
              "Kreise; je größer ein Punkt, desto mehr Verbindungen. Partner außerhalb "
              "Deutschlands erscheinen mit einer Verbindung in der Ansicht, deutsche Cluster immer."},
    "net.edges": {"en": "Ties", "de": "Verbindungen"},
    "net.edges.all": {"en": "bilateral ties and shared networks",
                      "de": "bilaterale Partnerschaften und gemeinsame Netzwerke"},
    "net.edges.bilateral": {"en": "bilateral ties only", "de": "nur bilaterale Partnerschaften"},
    "net.edges.co_membership": {"en": "shared networks only", "de": "nur gemeinsame Netzwerke"},
    "net.counts": {"en": "{a} profiles ({b} German clusters), {c} bilateral ties, {d} shared-network "
                         "ties",
                   "de": "{a} Profile ({b} deutsche Cluster), {c} bilaterale Partnerschaften, {d} "
                         "Verbindungen über gemeinsame Netzwerke"},
    "net.drawing": {"en": "Drawing of the partnership network", "de": "Zeichnung des Partnerschaftsnetzes"},
    "net.brokers": {"en": "Brokers: who links otherwise separate parts (betweenness)",
                    "de": "Vermittler: wer sonst getrennte Teile verbindet (Betweenness)"},
    "net.alone": {"en": "German clusters without any international tie in this view",
                  "de": "Deutsche Cluster ohne internationale Verbindung in dieser Ansicht"},
    "net.table": {"en": "All profiles in view", "de": "Alle Profile der Ansicht"},
    "net.degree": {"en": "ties", "de": "Verbindungen"},
    "net.betweenness": {"en": "betweenness", "de": "Betweenness"},
    "net.download": {"en": "Download", "de": "Herunterladen"},
    "net.csv_edges": {"en": "ties as CSV", "de": "Verbindungen als CSV"},
    "net.csv_nodes": {"en": "profiles as CSV", "de": "Profile als CSV"},
    "net.none": {"en": "none", "de": "keine"},
    "net.german": {"en": "German cluster", "de": "Deutsches Cluster"},
    "net.abroad": {"en": "partner abroad", "de": "Partner im Ausland"},
})


# Marking suggestions, following a cluster (Atom), and the outcomes page.
STRINGS.update({
    "fb.current": {"en": "Your status", "de": "Ihr Status"},
    "fb.interested": {"en": "interested", "de": "interessiert"},
    "fb.contacted": {"en": "contacted", "de": "kontaktiert"},
    "fb.meeting": {"en": "meeting held", "de": "Treffen fand statt"},
    "fb.agreement": {"en": "agreement or MoU signed", "de": "Vereinbarung oder MoU unterzeichnet"},
    "fb.not_relevant": {"en": "not relevant", "de": "nicht relevant"},
    "fb.reason.wrong_field": {"en": "wrong field", "de": "falsches Themenfeld"},
    "fb.reason.wrong_size": {"en": "wrong size", "de": "falsche Größe"},
    "fb.reason.already_working_together": {"en": "already working together",
                                           "de": "arbeiten bereits zusammen"},
    "fb.reason.other": {"en": "other", "de": "anderer Grund"},
    "fb.mark": {"en": "Mark this suggestion", "de": "Vorschlag bewerten"},
    "fb.status": {"en": "Status", "de": "Status"},
    "fb.reason": {"en": "Reason (if not relevant)", "de": "Grund (wenn nicht relevant)"},
    "fb.note": {"en": "Note (required for “other”)", "de": "Notiz (bei „anderer Grund“ nötig)"},
    "fb.token": {"en": "Cluster token", "de": "Cluster-Token"},
    "fb.save": {"en": "Save", "de": "Speichern"},
    "fb.follow": {"en": "Follow this cluster", "de": "Diesem Cluster folgen"},
    "fb.feed": {"en": "Follow new suggestions (Atom feed)",
                "de": "Neuen Vorschlägen folgen (Atom-Feed)"},
    "fb.signed_in": {"en": "Signed in with this cluster's token.",
                     "de": "Mit dem Token dieses Clusters angemeldet."},
    "fb.sign_out": {"en": "Sign out", "de": "Abmelden"},
    "fb.sign_in": {"en": "Cluster managers: sign in with your token to mark suggestions",
                   "de": "Clustermanagement: mit Ihrem Token anmelden, um Vorschläge zu bewerten"},
    "fb.sign_in_button": {"en": "Sign in", "de": "Anmelden"},
    "fb.hidden": {"en": "{a} suggestions marked not relevant are hidden.",
                  "de": "{a} als nicht relevant markierte Vorschläge sind ausgeblendet."},
    "fb.show_hidden": {"en": "Show them", "de": "Anzeigen"},
    "fb.token_who": {"en": "Tokens and sign-in links are issued by the programme staff "
                           "(ClusterBridge administrators); ask them if you manage this cluster.",
                     "de": "Tokens und Anmeldelinks vergibt das Programmteam "
                           "(ClusterBridge-Administration); fragen Sie dort, wenn Sie dieses "
                           "Cluster managen."},
    "fb.saved": {"en": "Saved: {a}.", "de": "Gespeichert: {a}."},
    "fb.err.token_missing": {"en": "Not saved: sign in or enter this cluster's token.",
                             "de": "Nicht gespeichert: Melden Sie sich an oder geben Sie das "
                                   "Token dieses Clusters ein."},
    "fb.err.token_wrong": {"en": "Not saved: this token is not valid for this cluster (wrong, "
                                 "revoked or another cluster's).",
                           "de": "Nicht gespeichert: Dieses Token gilt nicht für dieses Cluster "
                                 "(falsch, widerrufen oder das eines anderen Clusters)."},
    "fb.err.busy": {"en": "Not saved: too many marks in a minute; try again shortly.",
                    "de": "Nicht gespeichert: zu viele Bewertungen in einer Minute; bitte "
                          "gleich noch einmal."},
    "fb.err.reason_required": {"en": "Not saved: choose a reason for “not relevant”.",
                               "de": "Nicht gespeichert: Wählen Sie einen Grund für "
                                     "„nicht relevant“."},
    "fb.err.reason_only_dismissed": {"en": "Not saved: a reason goes only with “not relevant”.",
                                     "de": "Nicht gespeichert: Ein Grund gehört nur zu "
                                           "„nicht relevant“."},
    "fb.err.note_required": {"en": "Not saved: with the reason “other”, write a short note.",
                             "de": "Nicht gespeichert: Bei „anderer Grund“ bitte eine kurze "
                                   "Notiz schreiben."},
    "fb.err.invalid": {"en": "Not saved", "de": "Nicht gespeichert"},
    "fb.err.elsewhere": {"en": "Your mark was not saved; the suggestion is not in this list.",
                         "de": "Ihre Bewertung wurde nicht gespeichert; der Vorschlag steht "
                               "nicht in dieser Liste."},
    "signin.title": {"en": "Sign in as cluster manager", "de": "Als Clustermanagement anmelden"},
    "signin.intro": {"en": "The programme staff sent you this link to mark suggestions for {a}.",
                     "de": "Das Programmteam hat Ihnen diesen Link geschickt, damit Sie "
                           "Vorschläge für {a} bewerten können."},
    "signin.token": {"en": "Sign-in code (filled in from your link)",
                     "de": "Anmeldecode (aus Ihrem Link übernommen)"},
    "signin.once": {"en": "The link works once: signing in replaces it with a new token kept "
                          "only in this browser. For another browser, ask for a new link.",
                    "de": "Der Link gilt einmal: Die Anmeldung ersetzt ihn durch ein neues "
                          "Token, das nur dieser Browser kennt. Für einen anderen Browser "
                          "fragen Sie nach einem neuen Link."},
    "signin.back": {"en": "Back to {a}", "de": "Zurück zu {a}"},
    "wish.asked": {"en": "You asked for partners in {a}: among near-equal scores, candidates there "
                         "come first; none elsewhere is left out.",
                   "de": "Sie suchen Partner in {a}: Bei nahezu gleichen Werten kommen "
                         "Kandidaten dort zuerst; niemand anderswo wird ausgelassen."},
    "wish.only": {"en": "Show only {a}", "de": "Nur {a} zeigen"},
    "nav.admin": {"en": "Tokens", "de": "Tokens"},
    "admin.title": {"en": "Cluster tokens", "de": "Cluster-Tokens"},
    "admin.intro": {"en": "Programme staff: issue, list and revoke the tokens with which "
                          "cluster managers mark suggestions.",
                    "de": "Programmteam: Tokens vergeben, auflisten und widerrufen, mit denen "
                          "Clustermanager Vorschläge bewerten."},
    "admin.signin": {"en": "Administrator token", "de": "Administrator-Token"},
    "admin.signin_hint": {"en": "The service's configured API token (CLUSTERBRIDGE_API_TOKEN). "
                                "This sign-in is separate from a cluster's and lasts an hour.",
                          "de": "Das konfigurierte API-Token des Dienstes "
                                "(CLUSTERBRIDGE_API_TOKEN). Diese Anmeldung ist von der eines "
                                "Clusters getrennt und gilt eine Stunde."},
    "admin.signed_in": {"en": "Signed in as administrator.", "de": "Als Administrator angemeldet."},
    "admin.create": {"en": "Create a sign-in link", "de": "Anmeldelink erstellen"},
    "admin.cluster": {"en": "German cluster", "de": "Deutsches Cluster"},
    "admin.created": {"en": "Sign-in link for {a} (token {b}). It is shown only now; send it to "
                            "the cluster's manager. It works once.",
                      "de": "Anmeldelink für {a} (Token {b}). Er wird nur jetzt gezeigt; "
                            "schicken Sie ihn dem Clustermanagement. Er gilt einmal."},
    "admin.copy": {"en": "Copy link", "de": "Link kopieren"},
    "admin.copied": {"en": "Copied.", "de": "Kopiert."},
    "admin.list": {"en": "Tokens", "de": "Tokens"},
    "admin.none": {"en": "No tokens yet.", "de": "Noch keine Tokens."},
    "admin.id": {"en": "Id", "de": "Id"},
    "admin.created_at": {"en": "Created", "de": "Erstellt"},
    "admin.state": {"en": "State", "de": "Stand"},
    "admin.live": {"en": "live", "de": "gültig"},
    "admin.revoked": {"en": "revoked {a}", "de": "widerrufen {a}"},
    "admin.revoke": {"en": "Revoke", "de": "Widerrufen"},
    "admin.revoke_label": {"en": "Revoke token {a} of {b}", "de": "Token {a} von {b} widerrufen"},
    "admin.revoked_now": {"en": "Token {a} revoked.", "de": "Token {a} widerrufen."},
    "admin.err.token": {"en": "That is not the administrator token.",
                        "de": "Das ist nicht das Administrator-Token."},
    "admin.err.busy": {"en": "Too many changes in a minute; try again shortly.",
                       "de": "Zu viele Änderungen in einer Minute; bitte gleich noch einmal."},
    "admin.err.invalid": {"en": "Not done", "de": "Nicht ausgeführt"},
    "admin.sign_out": {"en": "Sign out", "de": "Abmelden"},
    "stage.suggested": {"en": "suggested", "de": "vorgeschlagen"},
    "stage.interested": {"en": "interested", "de": "interessiert"},
    "stage.contacted": {"en": "contacted", "de": "kontaktiert"},
    "stage.meeting": {"en": "meeting", "de": "Treffen"},
    "stage.agreement": {"en": "agreement", "de": "Vereinbarung"},
    "out.title": {"en": "Outcomes", "de": "Ergebnisse"},
    "out.intro": {
        "en": "What suggestions became: each pair of a German cluster and a suggested partner "
              "counts once, at the furthest stage its cluster manager marked. A pair is suggested "
              "once it was in the cluster's top 10; counts are cumulative (reached at least).",
        "de": "Was aus den Vorschlägen wurde: jedes Paar aus deutschem Cluster und "
              "vorgeschlagenem Partner zählt einmal, mit der weitesten Stufe, die das "
              "Clustermanagement markiert hat. Ein Paar gilt als vorgeschlagen, sobald es in den "
              "Top 10 des Clusters stand; die Zahlen sind kumulativ (mindestens erreicht)."},
    "out.funnel": {"en": "Pairs that reached each stage", "de": "Paare je erreichter Stufe"},
    "out.dismissed": {"en": "not relevant", "de": "nicht relevant"},
    "out.compare": {"en": "From meeting to agreement, beside the one public anchor",
                    "de": "Vom Treffen zur Vereinbarung, neben dem einzigen öffentlichen Vergleichswert"},
    "out.rate": {"en": "agreements per meeting", "de": "Vereinbarungen je Treffen"},
    "out.interval": {"en": "95% interval {a}–{b} %", "de": "95-%-Intervall {a}–{b} %"},
    "out.anchor_name": {"en": "EU “Clusters Go International”",
                        "de": "EU „Clusters Go International“"},
    "out.anchor_source": {
        "en": "Anchor: the EU action “Clusters Go International” reported 370 cluster-to-cluster "
              "meetings leading to 39 memoranda of understanding (10.5 %) and 45 projects.",
        "de": "Vergleichswert: Die EU-Maßnahme „Clusters Go International“ meldete 370 Treffen "
              "zwischen Clustern, aus denen 39 Absichtserklärungen (10,5 %) und 45 Projekte "
              "hervorgingen."},
    "out.verdict.no_meetings": {"en": "No meeting recorded yet: nothing to compare.",
                                "de": "Noch kein Treffen erfasst: nichts zu vergleichen."},
    "out.verdict.too_few": {
        "en": "Too few meetings to compare with the anchor (at least {a} needed): our rate is "
              "shown, but says little yet.",
        "de": "Zu wenige Treffen für einen Vergleich (mindestens {a} nötig): unsere Quote steht "
              "da, sagt aber noch wenig."},
    "out.verdict.consistent": {"en": "Consistent with the anchor: 10.5 % lies within our interval.",
                               "de": "Vereinbar mit dem Vergleichswert: 10,5 % liegen in "
                                     "unserem Intervall."},
    "out.verdict.above": {"en": "Above the anchor: our whole interval lies above 10.5 %.",
                          "de": "Über dem Vergleichswert: unser ganzes Intervall liegt über 10,5 %."},
    "out.verdict.below": {"en": "Below the anchor: our whole interval lies below 10.5 %.",
                          "de": "Unter dem Vergleichswert: unser ganzes Intervall liegt unter 10,5 %."},
    "out.by_field": {"en": "By field of the German cluster", "de": "Nach Themenfeld des deutschen Clusters"},
    "out.by_region": {"en": "By world region of the partner", "de": "Nach Weltregion des Partners"},
    "out.outside": {"en": "{a} marked pairs were never in a top-10 list and are not counted above.",
                    "de": "{a} markierte Paare standen nie in einer Top-10-Liste und zählen oben nicht."},
    "feed.title": {"en": "New partner suggestions for {a}", "de": "Neue Partnervorschläge für {a}"},
    "feed.subtitle": {"en": "ClusterBridge: new or moved-up suggestions after catalogue changes",
                      "de": "ClusterBridge: neue oder aufgestiegene Vorschläge nach Änderungen "
                            "des Katalogs"},
    "feed.new": {"en": "New suggestion: {a} (place {b})", "de": "Neuer Vorschlag: {a} (Platz {b})"},
    "feed.up": {"en": "Moved up: {a} (from place {b} to {c})",
                "de": "Aufgestiegen: {a} (von Platz {b} auf {c})"},
    "feed.summary": {"en": "{a} is now among the suggested partners of {c}, score {b}.",
                     "de": "{a} gehört jetzt zu den vorgeschlagenen Partnern von {c}, Wert {b}."},
})


# Issue #26: where a suggestion stands, the filters as chips, sharing, following, coverage words.
STRINGS.update({
    "label.broad fit": {"en": "broad fit", "de": "breite Passung"},
    "c.parity_unknown": {"en": "unknown (a member count is missing)",
                         "de": "unbekannt (eine Mitgliederzahl fehlt)"},
    "quoted": {"en": "\u201c{a}\u201d", "de": "\u201e{a}\u201c"},
    "copy": {"en": "Copy link", "de": "Link kopieren"},
    "copied": {"en": "Copied.", "de": "Kopiert."},
    "back_to": {"en": "Back to the suggestions for {a}", "de": "Zurück zu den Vorschlägen für {a}"},
    "profile.show": {"en": "Profile: description, fields, offers and needs",
                     "de": "Profil: Beschreibung, Themenfelder, Angebote und Bedarf"},
    "filters.active": {"en": "Active filters", "de": "Aktive Filter"},
    "filters.none": {"en": "No filters: all regions, countries and fields.",
                     "de": "Keine Filter: alle Regionen, Länder und Themenfelder."},
    "filters.clear": {"en": "Clear all filters", "de": "Alle Filter entfernen"},
    "filters.remove": {"en": "remove this filter", "de": "diesen Filter entfernen"},
    "filters.change": {"en": "Filter the suggestions", "de": "Vorschläge filtern"},
    "filters.places": {"en": "Where (several allowed)", "de": "Wo (mehrere möglich)"},
    "filters.all_of": {"en": "All of {a}", "de": "{a} insgesamt"},
    "filters.chip_known": {"en": "known partners shown", "de": "bekannte Partner gezeigt"},
    "filters.chip_home": {"en": "same country included", "de": "gleiches Land einbezogen"},
    "filters.chip_seen_at_work": {"en": f"active in the last {FRESH_YEARS} years",
                                  "de": f"aktiv in den letzten {FRESH_YEARS} Jahren"},
    "follow.link": {"en": "Follow new suggestions", "de": "Neuen Vorschlägen folgen"},
    "follow.title": {"en": "Follow {a}", "de": "{a} folgen"},
    "follow.what": {
        "en": "When the catalogue changes, this cluster may get new suggested partners, or a "
              "partner may move up its list. Following means being told of these changes, "
              "without visiting this site.",
        "de": "Wenn sich der Katalog ändert, kann dieses Cluster neue Partnervorschläge "
              "bekommen oder ein Partner in seiner Liste aufsteigen. Folgen heißt, davon zu "
              "erfahren, ohne diese Seite zu besuchen."},
    "follow.how": {
        "en": "The changes come as a news feed (Atom). Copy the address below into a feed "
              "reader (for example Outlook, Thunderbird or Feedly) or into a tool your team "
              "already uses; the reader checks it for you. Opened in a browser, the address "
              "shows the raw feed.",
        "de": "Die Änderungen kommen als Newsfeed (Atom). Kopieren Sie die Adresse unten in "
              "einen Feedreader (zum Beispiel Outlook, Thunderbird oder Feedly) oder in ein "
              "Werkzeug, das Ihr Team schon nutzt; der Reader prüft sie für Sie. Im Browser "
              "geöffnet zeigt die Adresse den rohen Feed."},
    "follow.address": {"en": "Feed address:", "de": "Adresse des Feeds:"},
    "follow.open": {"en": "Open the raw feed (XML)", "de": "Rohen Feed öffnen (XML)"},
    "cov.gap_plain": {
        "en": "A gap is a field and region where German clusters have many strong suggested "
              "partners but few actual partnerships: the larger the number, the more "
              "partnerships are missing.",
        "de": "Eine Lücke ist ein Themenfeld in einer Region, in der deutsche Cluster viele "
              "starke Vorschläge, aber wenige tatsächliche Partnerschaften haben: je größer die "
              "Zahl, desto mehr Partnerschaften fehlen."},
    "cov.gap_technical": {"en": "Technically", "de": "Genauer"},
    "cov.legend.none": {"en": "no strong match", "de": "kein starker Vorschlag"},
    "cov.legend.covered": {"en": "no gap (partnerships as expected or more)",
                           "de": "keine Lücke (Partnerschaften wie erwartet oder mehr)"},
    "cov.legend.small": {"en": "small gap (up to 1)", "de": "kleine Lücke (bis 1)"},
    "cov.legend.medium": {"en": "gap from 1 to 2", "de": "Lücke von 1 bis 2"},
    "cov.legend.large": {"en": "clear gap (above 2)", "de": "deutliche Lücke (über 2)"},
    "cov.close": {"en": "the suggestions that would close it",
                  "de": "die Vorschläge, die sie schließen würden"},
    "cov.counts": {
        "en": "Two counts of German clusters without partners abroad: {a} have no known bilateral "
              "partnership with a cluster abroad (coverage page); {b} have no tie abroad of any "
              "kind, neither a partnership nor a shared network (partnership network page, all "
              "fields and regions). A cluster that only shares a network with partners abroad "
              "counts in the first number but not in the second.",
        "de": "Zwei Zählungen deutscher Cluster ohne Partner im Ausland: {a} haben keine bekannte "
              "bilaterale Partnerschaft mit einem Cluster im Ausland (Seite Abdeckung); {b} haben "
              "keinerlei Verbindung ins Ausland, weder Partnerschaft noch gemeinsames Netzwerk "
              "(Seite Partnerschaftsnetz, alle Themenfelder und Regionen). Ein Cluster, das mit "
              "Partnern im Ausland nur ein Netzwerk teilt, zählt in der ersten Zahl, nicht in der "
              "zweiten."},
    "cell.intro": {
        "en": "The German clusters in this field, the partnerships they already have in this "
              "region, and the strong suggestions that would close the gap.",
        "de": "Die deutschen Cluster dieses Themenfelds, ihre bestehenden Partnerschaften in "
              "dieser Region und die starken Vorschläge, die die Lücke schließen würden."},
    "search.did_you_mean": {"en": "Did you mean", "de": "Meinten Sie"},
    "details.english": {"en": "Details", "de": "Technische Details (englisch)"},
    "docs.back": {"en": "Back to ClusterBridge", "de": "Zurück zu ClusterBridge"},
    "fb.hidden.one": {"en": "1 suggestion marked not relevant is hidden.",
                      "de": "1 als nicht relevant markierter Vorschlag ist ausgeblendet."},
})


def pick_language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **values: str) -> str:
        entry = STRINGS.get(key)
        text = entry.get(lang, entry["en"]) if entry else key
        return text.format(**values) if values else text

    return t


class Words:
    """The words of one page in one language, as helpers for the templates."""

    def __init__(self, lang: str, taxonomy: Taxonomy | None) -> None:
        self.lang = lang
        self.taxonomy = taxonomy
        self.t = translator(lang)

    def field(self, term: str) -> str:
        return self.taxonomy.name(term, self.lang) if self.taxonomy is not None else term

    def fields(self, terms: Iterable[str]) -> str:
        return ", ".join(self.field(t) for t in terms)

    def country(self, code: str, default: str | None = None) -> str:
        return country_name(code, self.lang, default)

    def region(self, name: str) -> str:
        return region_name(name, self.lang)

    def num(self, value: float, digits: int = 2) -> str:
        return format_number(value, self.lang, digits)

    def kind(self, kind: str) -> str:
        entry = STRINGS.get(f"kind.{kind}")
        return entry.get(self.lang, kind) if entry else kind

    def roles(self, roles: Iterable[str]) -> str:
        return messages.role_names(roles, self.lang)

    def reasons(self, explanation: Explanation) -> list[tuple[str, str]]:
        """The reasons of a suggestion as (kind, sentence), the label left to the card."""
        return [(r.kind, messages.sentence(r, self.lang, self.field))
                for r in explanation.reasons() if r.kind != "label"]

    def standing(self, match: Match) -> list[tuple[str, str]]:
        """Where a suggestion stands among the candidates and what lifted its score, as
        (kind, sentence); none for a match without a standing."""
        if match.standing is None:
            return []
        return [(r.kind, messages.sentence(r, self.lang, self.field))
                for r in match.standing.reasons()]

    def label(self, match: Match) -> str:
        """The card's label of a suggestion, in agreement with where it stands."""
        kind = match.explanation.label
        return self.t("label." + (match.standing.label(kind) if match.standing else kind))

    def at_work(self, profile: Profile) -> tuple[str, str] | None:
        """When a source last showed ``profile`` at work, as (kind, text) of
        :func:`matcher.messages.at_work`; None for a profile that ended (its notice says so)."""
        if profile.ended is not None:
            return None
        return messages.at_work(profile.confirmed, dt.date.today().year, self.lang)

    def relationship(self, tie: Partnership | None, networks: list[SharedNetwork]) -> str:
        return messages.summary(relationship_reasons(tie, networks), self.lang, self.field)

    def helpers(self) -> dict[str, Callable[..., Any]]:
        return {"t": self.t, "field": self.field, "fields": self.fields, "country": self.country,
                "region": self.region, "num": self.num, "kind": self.kind, "roles": self.roles,
                "reasons_of": self.reasons, "relationship": self.relationship,
                "standing_of": self.standing, "label_of": self.label, "at_work": self.at_work}
