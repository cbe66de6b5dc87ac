"""Places named in an ad-hoc query become a preference: found in English, German and French,
preferred among near-equal scores only, and shown on the results page with a filter link."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from matcher.catalogue.geography import Geography
from matcher.catalogue.places import PlacesNamed, places_named
from matcher.engine.ranking import prefer_places
from service.main import create_app
from service.querylinks import pack
from tests.apps import make_settings

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


@pytest.fixture(scope="module")
def geography() -> Geography:
    return Geography.load(REFERENCE)


@pytest.mark.parametrize(("text", "expected"), [
    ("Wir suchen Partner in Asien und Nordamerika, etwa in Japan.",
     PlacesNamed(("Asia", "North America"), (), ("JP",))),
    ("We look for partners in North America and South Korea.",
     PlacesNamed(("North America",), (), ("KR",))),
    ("Nous cherchons des partenaires en Asie et au Japon.", PlacesNamed(("Asia",), (), ("JP",))),
    ("partenaires en Asie du Sud-Est", PlacesNamed((), ("South-eastern Asia",), ())),
    ("An island economy with a harbour.", PlacesNamed()),  # the German name of Iceland
    ("Kooperation mit Island und den USA", PlacesNamed((), (), ("IS", "US"))),
])
def test_places_named_in_three_languages(geography: Geography, text: str,
                                         expected: PlacesNamed) -> None:
    assert places_named(text, geography) == expected


def test_a_query_s_own_country_is_not_a_wish(geography: Geography) -> None:
    found = places_named("Wir in Frankreich suchen Partner in Japan.", geography)
    assert found.without("FR") == PlacesNamed((), (), ("JP",))
    assert found.covers("JP", geography) and not found.without("JP").covers("JP", geography)


def test_preference_decides_only_among_near_equal_scores() -> None:
    scores = np.array([0.90, 0.85, 0.40], dtype=np.float32)
    wished = np.array([False, True, True])
    preferred = prefer_places(scores, wished, margin=0.1)
    assert np.argmax(preferred) == 1  # 0.05 behind: ahead with the preference
    assert preferred[2] < preferred[0]  # 0.5 behind: stays behind
    assert np.array_equal(prefer_places(scores, np.zeros(3, dtype=bool)), scores)


def test_the_page_says_which_places_were_asked_for(tmp_path: Path) -> None:
    record = {"name": "Nordlicht Photonik", "country": "DE",
              "description": "Netzwerk für Optik und Photonik; wir suchen Partner in Asien.",
              "seeks": ["Märkte in Japan"]}
    with TestClient(create_app(make_settings(tmp_path))) as client:
        page = client.get("/match", params={"p": pack(record), "lang": "en"}).text
        assert 'id="place-wish"' in page and "You asked for partners in Asia, Japan" in page
        assert "continent=Asia" in page and "country=JP" in page
        plain = {**record, "description": "Netzwerk für Optik und Photonik.", "seeks": []}
        assert 'id="place-wish"' not in client.get("/match", params={"p": pack(plain)}).text
