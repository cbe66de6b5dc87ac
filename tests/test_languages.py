"""Languages: detection, stop words, the field vocabulary, CLDR names, German summaries."""

from __future__ import annotations

from matcher import Reference, messages
from matcher.catalogue.languages import country_name, detect, format_number, region_name, stop_words
from matcher.engine.explanation import Pair, RelatedField, Tie, reasons
from matcher.engine.lexical import LexicalModel


def test_detect_tells_german_french_and_english_apart() -> None:
    assert detect("Das Netzwerk verbindet Unternehmen und Hochschulen in der Region.") == "de"
    assert detect("Le pôle rassemble des entreprises et des laboratoires de la région.") == "fr"
    assert detect("The cluster connects companies and universities in the region.") == "en"
    assert detect("") == "en"


def test_the_lexical_component_ignores_the_function_words_of_every_language() -> None:
    german = "Die Firmen und die Institute in der Region arbeiten mit den Kliniken zusammen."
    other_german = "Der Verband und die Mitglieder in der Stadt sind mit den Partnern vernetzt."
    english = "Hydrogen electrolysers and fuel cell stacks for heavy trucks."
    _, rows = LexicalModel.fit_transform([german, other_german, english])
    # The two German texts share only function words: no similarity between them.
    assert float((rows[0] @ rows[1].T).toarray()[0, 0]) == 0.0
    assert {"die", "und", "der", "mit", "le", "des", "the"} <= stop_words()


def test_german_and_french_field_names_and_compounds_map_to_taxonomy_terms() -> None:
    taxonomy = Reference.load().taxonomy
    cases = {
        "Brennstoffzellen": "Hydrogen and Fuel Cells",
        "Wasserstoff": "Hydrogen and Fuel Cells",
        "Wasserstofftechnologien": "Hydrogen and Fuel Cells",
        "Umwelttechnik": "Environmental Industries",
        "Medizintechnik": "Medical Devices",
        "Leichtbau": "Lightweight Materials and Composites",
        "Lebensmittelverarbeitung": "Food Processing and Manufacturing",
        "Faserverbundwerkstoffe": "Lightweight Materials and Composites",
        "Photonique": "Photonics",
    }
    for given, term in cases.items():
        mapping = taxonomy.map_free_text(given)
        assert mapping.terms == (term,), given
        assert mapping.method == "synonym"
    assert taxonomy.name("Medical Devices", "de") == "Medizintechnik"
    assert taxonomy.name("Photonics", "fr") == "Photonique"


def test_every_term_has_german_and_french_names() -> None:
    taxonomy = Reference.load().taxonomy
    for term in taxonomy.terms:
        assert taxonomy.name(term, "de") and taxonomy.name(term, "fr"), term


def test_country_and_region_names_and_numbers_follow_the_language() -> None:
    assert country_name("FR", "de") == "Frankreich"
    assert country_name("DE", "en") == "Germany"
    assert region_name("Western Europe", "de") == "Westeuropa"
    assert region_name("Eastern Asia", "de") == "Ostasien"
    assert region_name("Eastern Asia", "en") == "Eastern Asia"
    assert format_number(0.4567, "de") == "0,46" and format_number(0.4567, "en") == "0.46"


def test_a_summary_reads_in_german() -> None:
    said = reasons("complementary", [Pair("Kabinentests", "cabin test rig", 0.6)], [],
                   ["Photonics"], [RelatedField("Space Technologies", "Photonics", 0.7)],
                   ["testing"], Tie("agreement", 2013))
    text = messages.summary(said, "de", {"Photonics": "Photonik",
                                         "Space Technologies": "Raumfahrttechnologien"}.get)
    assert text.startswith("Komplementärer Partner.")
    assert "Gemeinsames Themenfeld: Photonik." in text
    assert "Arbeitet in Raumfahrttechnologien, verwandt mit unserem Feld Photonik." in text
    assert "Ergänzt die Rolle Test-Infrastruktur." in text
    assert "Bereits Partner (Vereinbarung seit 2013)." in text
