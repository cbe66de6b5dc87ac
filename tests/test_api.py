"""The service through its app (TestClient): every route, every error code, the write path."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.schemas import READ_ONLY_FIELDS, ProfileIn
from service.settings import Settings
from tests.apps import AUTH, TOKEN, assert_error, make_settings, new_profile, wait_for_report


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and all(ready["checks"].values())


def test_list_profiles_with_paging_filters_and_search(client: TestClient) -> None:
    page = client.get("/api/v1/profiles", params={"limit": 5, "offset": 0}).json()
    assert page["count"] == 13 and len(page["data"]) == 5
    rest = client.get("/api/v1/profiles", params={"limit": 50, "offset": 5}).json()
    assert len(rest["data"]) == 8
    assert {p["id"] for p in page["data"]}.isdisjoint({p["id"] for p in rest["data"]})
    german = client.get("/api/v1/profiles", params={"side": "german"}).json()
    assert german["count"] == 3 and all(p["country"] == "DE" for p in german["data"])
    asia = client.get("/api/v1/profiles", params={"world_region": "Eastern Asia"}).json()
    assert asia["count"] == 5
    named = client.get("/api/v1/profiles", params={"q": "montreal"}).json()
    assert [p["id"] for p in named["data"]] == ["ca-aero-mutual"]
    by_field = client.get("/api/v1/profiles", params={"field": "Medical Devices", "kind": "network"})
    assert [p["id"] for p in by_field.json()["data"]] == ["za-med"]


def test_list_rejects_unknown_filter_and_bad_paging(client: TestClient) -> None:
    error = assert_error(client.get("/api/v1/profiles", params={"field": "Photonix"}), 422)
    assert error["details"]["field"] == "field" and "Photonics" in error["message"]
    assert_error(client.get("/api/v1/profiles", params={"limit": 0}), 422)
    assert_error(client.get("/api/v1/profiles", params={"side": "martian"}), 422)


def test_one_profile_and_unknown_id(client: TestClient) -> None:
    profile = client.get("/api/v1/profiles/de-aero").json()
    assert profile["world_region"] == "Western Europe"
    assert profile["partners"] == ["fr-aero-oneside"]
    assert profile["version"] == 1
    error = assert_error(client.get("/api/v1/profiles/de-aerx"), 404)
    assert "de-aero" in error["details"]["closest"]


def test_matches_for_a_catalogue_profile(client: TestClient) -> None:
    body = client.get("/api/v1/profiles/de-aero/matches", params={"top": 3}).json()
    assert body["query"]["id"] == "de-aero"
    assert body["count"] == 3 and body["matches"][0]["id"] == "ca-aero-mutual"
    m = body["matches"][0]
    assert {"id", "name", "country", "region", "fields", "score", "explanation"} <= set(m)
    assert m["explanation"]["they_answer_our_needs"]
    # Known partners and co-members only with known=true, as on the cluster's page.
    filtered = client.get("/api/v1/profiles/de-photonics/matches",
                          params=[("country", "KR"), ("country", "US"), ("known", "true")]).json()
    assert {x["country"] for x in filtered["matches"]} == {"KR", "US"}
    assert client.get("/api/v1/profiles/de-photonics/matches",
                      params=[("country", "KR"), ("country", "US")]).json()["matches"] == []
    excluded = client.get("/api/v1/profiles/de-photonics/matches",
                          params={"exclude_partners": "true", "top": 20}).json()
    assert "us-photonics" not in {x["id"] for x in excluded["matches"]}
    plain = client.get("/api/v1/profiles/de-photonics/matches",
                       params={"diversity": "false", "top": 3}).json()
    assert {x["country"] for x in plain["matches"]} == {"JP"}


def test_matches_errors(client: TestClient) -> None:
    assert "closest" in assert_error(client.get("/api/v1/profiles/nope/matches"), 404)["details"]
    assert_error(client.get("/api/v1/profiles/de-aero/matches", params={"top": 0}), 422)
    assert_error(client.get("/api/v1/profiles/de-aero/matches", params={"top": 101}), 422)
    error = assert_error(client.get("/api/v1/profiles/de-aero/matches",
                                    params={"world_region": "Atlantis"}), 422)
    assert error["details"]["field"] == "world_region"


def test_ad_hoc_match(client: TestClient) -> None:
    body = {"profile": {"name": "Laser Net", "country": "DE", "description": "Laser makers.",
                        "fields": ["Optics and Photonics"],
                        "seeks": ["semiconductor fab access"]},
            "top": 3, "country": ["US", "JP"]}
    result = client.post("/api/v1/match", json=body).json()
    assert result["query"]["field_mappings"][0]["terms"] == ["Photonics"]
    assert {m["country"] for m in result["matches"]} <= {"US", "JP"}


def test_ad_hoc_match_can_hide_a_catalogue_profiles_relationships(client: TestClient) -> None:
    """An outsider's fresh description of de-aero: de-aero is no candidate and its tie to
    fr-aero-oneside is not shown; an unknown id is a 422 naming the field."""
    body = {"profile": {"name": "Aero Fresh", "country": "DE", "description": "Aircraft cabins.",
                        "fields": ["Aerospace Vehicles and Defense"]},
            "top": 20, "include_home": True}
    shown = client.post("/api/v1/match", json=body).json()["matches"]
    hidden = client.post("/api/v1/match", json={**body, "hide_relationships_of": "de-aero"}).json()
    assert "de-aero" not in {m["id"] for m in hidden["matches"]}
    assert "de-aero" in {m["id"] for m in shown}
    assert not any(m["explanation"]["existing_partner"] for m in hidden["matches"])
    error = assert_error(client.post("/api/v1/match", json={**body, "hide_relationships_of": "de-aeroo"}),
                         422)
    assert "hide_relationships_of" in error["message"] and "de-aero" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"profile": {"name": "X", "country": "DE"}}, "profile.description"),
        ({"profile": {"name": "X", "country": "ZZ", "description": "d"}}, "country"),
        ({"profile": {"name": "X", "country": "DE", "description": "d"}, "top": 500}, "top"),
        ({"profile": {"name": "X", "country": "DE", "description": "d", "nope": 1}}, "profile.nope"),
        ({"profile": {"name": "X" * 400, "country": "DE", "description": "d"}}, "profile.name"),
    ],
)
def test_ad_hoc_invalid_body_names_the_field(client: TestClient, body: dict, field: str) -> None:
    error = assert_error(client.post("/api/v1/match", json=body), 422)
    assert error["details"]["field"] == field


def test_writes_need_the_right_token(client: TestClient) -> None:
    assert_error(client.put("/api/v1/profiles/de-laser", json=new_profile()), 401)
    assert_error(client.put("/api/v1/profiles/de-laser", json=new_profile(),
                            headers={"Authorization": "Bearer wrong"}), 403)
    assert_error(client.put("/api/v1/profiles/de-laser", json=new_profile(),
                            headers={"Authorization": "Basic abc"}), 401)


def test_writes_disabled_without_configured_token(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, api_token=None))) as c:
        assert_error(c.put("/api/v1/profiles/de-laser", json=new_profile(), headers=AUTH), 403)


def test_write_validation_names_the_field(client: TestClient) -> None:
    error = assert_error(client.put("/api/v1/profiles/de-laser", json=new_profile(fields=["Lasers!"]),
                                    headers=AUTH), 422)
    assert error["details"]["field"] == "fields[0]"
    error = assert_error(client.put("/api/v1/profiles/Bad_Id", json=new_profile(), headers=AUTH), 422)
    assert error["details"]["field"] == "id"
    error = assert_error(client.put("/api/v1/profiles/de-laser", json=new_profile(id="other"),
                                    headers=AUTH), 422)
    assert error["details"]["field"] == "id"


def test_write_persists_survives_restart_and_shows_in_matches(settings: Settings) -> None:
    with TestClient(create_app(settings)) as c:
        created = c.put("/api/v1/profiles/de-laser", json=new_profile(), headers=AUTH)
        assert created.status_code == 201 and created.json()["version"] == 1
        assert created.headers["etag"] == '"1"'
        matches = c.get("/api/v1/profiles/de-laser/matches", params={"top": 3}).json()
        assert matches["matches"][0]["id"].startswith("jp-photonics")
        # An update of a candidate is visible in another profile's matches without a restart.
        # The profile as read goes back whole: the fields only the service writes are ignored.
        current = c.get("/api/v1/profiles/kr-photonics").json()
        assert current.keys() >= READ_ONLY_FIELDS
        updated = c.put("/api/v1/profiles/kr-photonics",
                        json={**current, "offers": ["laser system integration", "optical metrology"],
                              "partners": ["made-up"], "version": 99},
                        headers=AUTH)
        assert updated.status_code == 200 and updated.json()["version"] == 2
        assert c.get("/api/v1/profiles/kr-photonics").json()["partners"] == current["partners"]
        # Any other unknown field is still refused, by name.
        error = assert_error(c.put("/api/v1/profiles/kr-photonics", json={**current, "colour": "red"},
                                   headers=AUTH), 422)
        assert error["details"]["field"] == "colour"
    with TestClient(create_app(settings)) as c:  # a restart on the same database
        again = c.get("/api/v1/profiles/de-laser").json()
        assert again["name"] == "Test Laser Valley" and again["version"] == 1
        assert c.get("/api/v1/profiles/kr-photonics").json()["offers"][0] == "laser system integration"
        ids = [m["id"] for m in c.get("/api/v1/profiles/de-photonics/matches",
                                      params={"top": 20, "include_home": "true"}).json()["matches"]]
        assert "de-laser" in ids


def test_stale_version_gets_409(client: TestClient) -> None:
    ok = client.put("/api/v1/profiles/de-laser", json=new_profile(), headers={**AUTH, "If-Match": "0"})
    assert ok.status_code == 201
    stale = client.put("/api/v1/profiles/de-laser", json=new_profile(name="Other"),
                       headers={**AUTH, "If-Match": "0"})
    assert assert_error(stale, 409)["details"]["current_version"] == 1
    fresh = client.put("/api/v1/profiles/de-laser", json=new_profile(name="Other"),
                       headers={**AUTH, "If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh.json()["version"] == 2


def test_internal_errors_do_not_leak(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(client.app.state.service.matcher, "match", boom)  # type: ignore[attr-defined]
    error = assert_error(client.get("/api/v1/profiles/de-aero/matches"), 500)
    assert "secret" not in error["message"] and error["details"] == {}


def test_oversized_body_gets_413(client: TestClient) -> None:
    big = {"profile": {"name": "X", "country": "DE", "description": "d" * 70_000}}
    assert_error(client.post("/api/v1/match", json=big), 413)


def test_unknown_route_is_404_in_the_same_shape(client: TestClient) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404)


def test_openapi_documents_every_route(client: TestClient) -> None:
    """Every route in the schema is documented with each of its methods, and nothing else is."""
    from fastapi.routing import APIRoute

    paths = client.get("/openapi.json").json()["paths"]
    documented = {(path, method.upper()) for path, ops in paths.items() for method in ops}
    def api_routes(routes: list[Any]) -> list[APIRoute]:
        """The app's routes, those of included routers too (however FastAPI wraps them)."""
        out: list[APIRoute] = []
        for route in routes:
            if isinstance(route, APIRoute):
                out.append(route)
            inner = getattr(route, "original_router", None) or getattr(route, "router", None)
            if inner is not None and hasattr(inner, "routes"):
                out += api_routes(inner.routes)
        return out

    routes = [r for r in api_routes(client.app.routes) if r.include_in_schema]  # type: ignore[attr-defined]
    served = {(r.path, method) for r in routes for method in r.methods - {"HEAD"}}
    assert documented == served
    assert len({p for p, _ in served if p.startswith("/api/v1/")}) >= 14
    assert ("/api/v1/profiles/{profile_id}", "PUT") in documented


def suggested(page: str) -> list[str]:
    """The ids of the suggestion cards of a page (main list only)."""
    main_list = page.split('id="matches"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<li class="match" data-id="([^"]+)"', main_list)


def test_pages_render(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200 and "Test Aviation Hamburg" in home.text
    assert "Test Aero Montreal" in client.get("/", params={"q": "montreal"}).text
    page = client.get("/clusters/de-aero")
    assert page.status_code == 200 and "Test Aero Montreal" in page.text
    assert "Answers our need for" in page.text
    # Known partners and co-members are apart unless asked for among the suggestions.
    default = suggested(client.get("/clusters/de-photonics").text)
    assert not {"us-photonics", "kr-photonics", "jp-photonics-2"} & set(default)
    filtered = suggested(client.get("/clusters/de-photonics",
                                    params={"country": ["KR", "JP"], "known": "true"}).text)
    assert "kr-photonics" in filtered and {c.split("-")[0] for c in filtered} <= {"kr", "jp"}
    form = client.post("/match", data={"name": "Laser Net", "country": "DE",
                                       "description": "Laser makers.", "fields": "Optics and Photonics",
                                       "seeks": "semiconductor fab access"})
    assert form.status_code == 200 and "Photonics" in form.text
    missing = client.get("/clusters/de-aerx")
    assert missing.status_code == 404 and "de-aero" in missing.text
    assert client.get("/static/style.css").status_code == 200


def test_pages_and_answers_are_compressed_for_clients_that_accept_it(client: TestClient) -> None:
    """A cluster page (its inline map makes it large) and a list of matches come gzip-compressed
    when the client accepts it, at GZIP_LEVEL, and decompress to the uncompressed answer."""
    import gzip
    import zlib

    from service.main import GZIP_LEVEL

    for url in ("/clusters/de-aero", "/api/v1/profiles/de-aero/matches?top=10"):
        plain = client.get(url, headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers
        with client.stream("GET", url, headers={"accept-encoding": "gzip"}) as sent:
            assert sent.headers["content-encoding"] == "gzip"
            packed = b"".join(sent.iter_raw())
        assert zlib.decompress(packed, wbits=31) == plain.content
        assert len(packed) == len(gzip.compress(plain.content, compresslevel=GZIP_LEVEL))


def test_the_map_outlines_are_served_once_and_referred_to(client: TestClient) -> None:
    """A page's map refers to the shared outlines (one <use> per country, no inline outlines);
    the outlines are served at a versioned path, cached for a year, and hold every country the
    page refers to; another version is a 404 naming the current one."""
    from service import worldmap

    page = client.get("/clusters/de-aero").text
    hrefs = set(re.findall(r'<use href="([^"#]+)#([A-Z]{2})"', page))
    assert {href for href, _ in hrefs} == {worldmap.load().href}
    assert "<path" not in page.split('class="worldmap"', 1)[1].split("</svg>", 1)[0]
    outlines = client.get(worldmap.load().href)
    assert outlines.status_code == 200 and outlines.headers["content-type"] == "image/svg+xml"
    assert "immutable" in outlines.headers["cache-control"]
    ids = set(re.findall(r'<path id="([A-Z]{2})"', outlines.text))
    assert {code for _, code in hrefs} == ids and {"DE", "CA", "JP"} <= ids
    stale = client.get("/map/world-000000000000.svg")
    assert stale.status_code == 404 and worldmap.load().version in stale.text


def test_pages_in_german(client: TestClient) -> None:
    page = client.get("/clusters/de-aero", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert 'lang="de"' in page.text and "Vorgeschlagene Partner" in page.text
    english = client.get("/clusters/de-aero", params={"lang": "en"},
                         headers={"Accept-Language": "de"})
    assert 'lang="en"' in english.text
    # Field, country and region names in German; numbers with a decimal comma.
    assert "Luft- und Raumfahrzeuge und Verteidigung" in page.text
    assert "Kanada" in page.text and "Nördliches Amerika" in page.text
    assert ">Aerospace Vehicles and Defense" not in page.text  # only as a form value
    assert re.search(r'class="score"[^>]*>0,\d\d<', page.text)
    coverage = client.get("/coverage", params={"lang": "de"})
    assert "Photonik" in coverage.text and "Westeuropa" in coverage.text
    missing = client.get("/clusters/de-aerx", params={"lang": "de"})
    assert missing.status_code == 404
    assert "Diese Seite oder dieses Profil gibt es nicht." in missing.text
    wrong_method = client.put("/clusters/de-aero", params={"lang": "de"})
    assert wrong_method.status_code == 405 and "Neuladen" in wrong_method.text


def test_coverage_api_and_pages(client: TestClient) -> None:
    body = client.get("/api/v1/coverage").json()
    assert {"cells", "top_gaps", "unpartnered_german_clusters", "untapped_international_profiles",
            "single_region_fields"} <= set(body)
    assert body["unpartnered_german_clusters"][0]["id"] == "de-aero-home"
    cell = client.get("/api/v1/coverage", params={"field": "Photonics",
                                                  "region": "Northern America"}).json()
    assert cell["partnerships"] == [{"german": "de-photonics", "partner": "us-photonics"}]
    assert_error(client.get("/api/v1/coverage", params={"field": "Photonics"}), 422)
    assert_error(client.get("/api/v1/coverage", params={"level": "planet"}), 422)
    continents = client.get("/api/v1/coverage", params={"level": "continent"}).json()
    assert "Asia" in continents["regions"]
    page = client.get("/coverage")
    assert page.status_code == 200 and 'id="heatmap"' in page.text
    detail = client.get("/coverage/cell", params={"field": "Photonics", "region": "Northern America"})
    assert detail.status_code == 200 and "Test Optics Rochester" in detail.text


def test_report_api_runs_and_downloads_only_its_files(client: TestClient) -> None:
    assert_error(client.post("/api/v1/reports", json={}), 401)
    assert_error(client.post("/api/v1/reports", json={"formats": ["docx"]}, headers=AUTH), 422)
    assert_error(client.post("/api/v1/reports", json={"clusters": ["nope"]}, headers=AUTH), 404)
    started = client.post("/api/v1/reports", json={"top": 3, "formats": ["csv"]}, headers=AUTH)
    assert started.status_code == 202
    report_id = started.json()["id"]
    status = wait_for_report(client, report_id)
    assert status["status"] == "done" and "suggestions.csv" in status["files"]
    download = client.get(f"/api/v1/reports/{report_id}/files/suggestions.csv")
    assert download.status_code == 200 and download.text.startswith("cluster_id,")
    for name in ("..%2F..%2Fdb.sqlite3", "%2Fetc%2Fpasswd", "report.pdf", "manifest.json.bak", "%2E%2E"):
        assert_error(client.get(f"/api/v1/reports/{report_id}/files/{name}"), 404)
    assert client.get(f"/api/v1/reports/{report_id}/files/../../db.sqlite3").status_code == 404
    assert_error(client.get("/api/v1/reports/unknown"), 404)


def test_streamed_oversized_body_gets_413(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1024

    response = client.post("/api/v1/match", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert_error(response, 413)


def test_rebuild_switches_and_corrupt_reload_is_refused(client: TestClient, settings: Settings) -> None:
    assert_error(client.post("/api/v1/admin/rebuild"), 401)
    client.put("/api/v1/profiles/de-laser", json=new_profile(), headers=AUTH)
    before = client.post("/api/v1/admin/reload", headers=AUTH).json()["bundle"]
    rebuilt = client.post("/api/v1/admin/rebuild", headers=AUTH).json()
    assert rebuilt["bundle"] != before and rebuilt["profiles"] == 14
    target = settings.models_dir / "current" / "seek_vectors.npy"
    data = bytearray(target.read_bytes())
    data[-3] ^= 0xFF
    target.write_bytes(bytes(data))
    error = assert_error(client.post("/api/v1/admin/reload", headers=AUTH), 409)
    assert "seek_vectors.npy" in error["message"] and "checksum" in error["message"]
    # The old bundle keeps serving, with the written profile.
    ok = client.get("/api/v1/profiles/de-laser/matches")
    assert ok.status_code == 200 and ok.json()["matches"]


def test_token_is_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.DEBUG):
        client.put("/api/v1/profiles/de-laser", json=new_profile(), headers=AUTH)
        client.put("/api/v1/profiles/de-laser", json=new_profile(),
                   headers={"Authorization": "Bearer not-the-token"})
    assert TOKEN not in caplog.text and "not-the-token" not in caplog.text


def test_cors_is_closed_unless_configured(client: TestClient, tmp_path: Path) -> None:
    origin = {"Origin": "https://example.org"}
    assert "access-control-allow-origin" not in client.get("/api/v1/profiles", headers=origin).headers
    with TestClient(create_app(make_settings(tmp_path, cors_origins=["https://example.org"]))) as c:
        allowed = c.get("/api/v1/profiles", headers=origin)
        assert allowed.headers["access-control-allow-origin"] == "https://example.org"


def test_reads_can_require_the_token(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, read_token_required=True))) as c:
        assert_error(c.get("/api/v1/profiles"), 401)
        assert c.get("/api/v1/profiles", headers=AUTH).status_code == 200


def test_writes_are_rate_limited(tmp_path: Path) -> None:
    now = [600.0]  # the limiter's clock, moved by hand: no test waits for a minute to turn
    with TestClient(create_app(make_settings(tmp_path, writes_per_minute=3))) as c:
        c.app.state.write_limiter.clock = lambda: now[0]  # type: ignore[attr-defined]

        def put() -> int:
            return c.put("/api/v1/profiles/de-laser", json=new_profile(), headers=AUTH).status_code

        codes = [put() for _ in range(5)]
        now[0] = 659.9
        assert put() == 429  # still the same minute
        now[0] = 660.0
        assert put() == 200  # a new minute, a new count
    assert codes[:3] == [201, 200, 200] and codes[3:] == [429, 429]


def test_nothing_is_ever_unpickled() -> None:
    root = Path(__file__).resolve().parents[1]
    paths = [*root.glob("matcher/**/*.py"), *root.glob("service/*.py"), *root.glob("cli/*.py")]
    assert len(paths) > 60
    for path in paths:
        text = path.read_text()
        assert "import pickle" not in text and "joblib" not in text, path
        for line in text.splitlines():
            if "np.load(" in line:
                assert "allow_pickle=False" in line, (path, line)


def test_overlong_id_is_refused_at_once(client: TestClient) -> None:
    from tests.test_profiles import adversarial_id

    long_id = adversarial_id()
    for path in (f"/api/v1/profiles/{long_id}", f"/api/v1/profiles/{long_id}/matches"):
        error = assert_error(client.get(path), 404)
        assert error["details"]["closest"] == []  # no hint is computed for an impossible id
        assert len(error["message"]) < 300 and len(error["details"]["id"]) < 300
    assert client.get(f"/clusters/{long_id}").status_code == 404


@pytest.mark.parametrize("path_id", ["%20formula-1", "formula-1%0A", "formula-1%20", "%09formula-1"])
def test_put_refuses_an_id_that_is_not_canonical(client: TestClient, path_id: str) -> None:
    error = assert_error(client.put(f"/api/v1/profiles/{path_id}", json=new_profile(), headers=AUTH), 422)
    assert error["details"]["field"] == "id"
    assert_error(client.get("/api/v1/profiles/formula-1"), 404)  # nothing was written


def post_json(client: TestClient, url: str, body: object, method: str = "POST",
              headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Send ``body`` as JSON with \\u escapes, so that lone surrogates reach the server."""
    import json

    return client.request(method, url, content=json.dumps(body),
                          headers={"Content-Type": "application/json", **(headers or {})})


def test_control_characters_in_a_profile_get_422(client: TestClient) -> None:
    body = new_profile(name="Ctrl\u000bCluster\u0001")
    error = assert_error(client.put("/api/v1/profiles/ctrl-fr", json=body, headers=AUTH), 422)
    assert error["details"]["field"] == "name"
    assert_error(client.get("/api/v1/profiles/ctrl-fr"), 404)


@pytest.mark.parametrize("key", ["fields", "offers", "seeks"])
def test_lone_surrogate_in_an_ad_hoc_list_gets_422(client: TestClient, key: str) -> None:
    profile = {"name": "ab", "country": "FR", "description": "robotics", key: ["bio\ud800"]}
    error = assert_error(post_json(client, "/api/v1/match", {"profile": profile}), 422)
    assert error["details"]["field"] == f"{key}[0]"


@pytest.mark.parametrize("key", ["offers", "seeks", "sources"])
def test_lone_surrogate_in_a_written_list_gets_422(client: TestClient, key: str) -> None:
    body = new_profile(**{key: ["https://example.org/bio\ud800"]})
    error = assert_error(post_json(client, "/api/v1/profiles/surrogate-fr", body, "PUT", AUTH), 422)
    assert error["details"]["field"] == f"{key}[0]"


def test_lone_surrogate_in_report_clusters_gets_422(client: TestClient) -> None:
    error = assert_error(post_json(client, "/api/v1/reports", {"clusters": ["de-aero\ud800"]},
                                   headers=AUTH), 422)
    assert error["details"]["field"] == "clusters.0"


def test_text_stored_before_the_rule_does_not_break_start_or_reports(settings: Settings) -> None:
    """A database row and a bundle snapshot with control characters, as written before they
    were refused: the service starts, serves the profile and writes every report format."""
    import hashlib
    import json
    import sqlite3
    from dataclasses import replace

    from matcher import load_bundle

    with TestClient(create_app(settings)):
        pass
    legacy = "Ctrl\u000bCluster\u0001"
    db = sqlite3.connect(settings.database)
    body = json.loads(db.execute("SELECT body FROM profiles WHERE id = 'fr-aero-oneside'").fetchone()[0])
    db.execute("UPDATE profiles SET body = ? WHERE id = 'fr-aero-oneside'",
               (json.dumps({**body, "name": legacy}),))
    db.commit()
    db.close()
    bundle = load_bundle(settings.models_dir / "current")
    catalogue = bundle.catalogue.with_profile(replace(bundle.catalogue.get("fr-aero-oneside"),
                                                      name=legacy))
    snapshot = next((settings.models_dir / "current" / "catalogue" / "profiles").glob("*.jsonl"))
    snapshot.write_text(snapshot.read_text().replace(json.dumps(body["name"]), json.dumps(legacy)))
    manifest_path = settings.models_dir / "current" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["checksums"][f"catalogue/profiles/{snapshot.name}"] = hashlib.sha256(
        snapshot.read_bytes()).hexdigest()
    manifest["data_hash"] = catalogue.data_hash()
    manifest_path.write_text(json.dumps(manifest))
    with TestClient(create_app(settings)) as c:
        profile = c.get("/api/v1/profiles/fr-aero-oneside").json()
        assert profile["name"].startswith("Ctrl") and "\u000b" not in profile["name"]
        started = c.post("/api/v1/reports", json={"top": 3, "clusters": ["de-aero"]}, headers=AUTH)
        assert wait_for_report(c, started.json()["id"])["status"] == "done"



def test_filters_take_several_values_each_capped(client: TestClient) -> None:
    three = [("country", "FR"), ("country", "IT"), ("country", "ES")]
    for path in ("/api/v1/profiles", "/api/v1/profiles/de-aero/matches", "/clusters/de-aero"):
        assert client.get(path, params=three).status_code == 200, path
        assert client.get(path, params=[("country", "FRA")]).status_code == 422, path
        assert client.get(path, params=[("country", "FR")] * 301).status_code == 422, path
    error = assert_error(client.get("/api/v1/profiles", params=[("field", "x" * 81)]), 422)
    assert error["details"]["field"] == "field.0"
    body = {"profile": {"name": "X", "country": "DE", "description": "d"}, "country": ["FR", "IT", "ES"]}
    assert client.post("/api/v1/match", json=body).status_code == 200
    error = assert_error(client.post("/api/v1/match", json={**body, "field": ["x" * 5000]}), 422)
    assert error["details"]["field"] == "field.0"
    parameters = client.get("/openapi.json").json()["paths"]["/api/v1/profiles"]["get"]["parameters"]
    country = next(p for p in parameters if p["name"] == "country")["schema"]
    assert country["items"]["maxLength"] == 2 and country["maxItems"] >= 250


def test_host_header_never_reaches_a_page(client: TestClient) -> None:
    for path in ("/", "/clusters/de-aero", "/coverage", "/clusters/nope"):
        page = client.get(path, headers={"Host": "evil.example"})
        assert "evil.example" not in page.text, path
        assert 'href="/static/style.css"' in page.text, path


def test_the_query_embedder_is_loaded_and_warm_before_ready(settings: Settings,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher.engine.embedding import HashingEmbedder

    with TestClient(create_app(settings)):
        pass  # builds the bundle, so that the next start reuses it
    created: list[HashingEmbedder] = []
    encoded: list[int] = []
    init, encode = HashingEmbedder.__init__, HashingEmbedder.encode

    def counting_init(self: HashingEmbedder, *args: object, **kwargs: object) -> None:
        created.append(self)
        init(self, *args, **kwargs)  # type: ignore[arg-type]

    def counting_encode(self: HashingEmbedder, texts):  # type: ignore[no-untyped-def]
        encoded.append(len(texts))
        return encode(self, texts)

    monkeypatch.setattr(HashingEmbedder, "__init__", counting_init)
    monkeypatch.setattr(HashingEmbedder, "encode", counting_encode)
    with TestClient(create_app(settings)) as c:
        assert c.get("/readyz").status_code == 200
        assert len(created) == 1 and encoded, "the embedder must be loaded and used before ready"
        body = {"profile": {"name": "Laser Net", "country": "DE", "description": "Laser makers."}}
        assert c.post("/api/v1/match", json=body).status_code == 200
        before = len(encoded)
        assert c.post("/api/v1/match", json={**body, "top": 5}).status_code == 200
        assert len(encoded) == before, "a refined ad-hoc query reuses the texts' vectors"
        assert c.put("/api/v1/profiles/de-laser", json=new_profile(), headers=AUTH).status_code == 201
        assert len(created) == 1  # the same embedder serves every later request


def test_the_warm_up_takes_the_ad_hoc_path_and_reads_every_language_s_place_names(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher import Matcher
    from matcher.catalogue.places import _pattern

    records: list[dict[str, Any]] = []
    match_record = Matcher.match_record

    def counting(self: Matcher, record: dict[str, Any], **options: Any) -> Any:
        records.append(record)
        return match_record(self, record, **options)

    monkeypatch.setattr(Matcher, "match_record", counting)
    _pattern.cache_clear()
    with TestClient(create_app(settings)) as c:
        assert c.get("/readyz").status_code == 200
        assert [r["name"] for r in records] == ["warm-up"]
        assert _pattern.cache_info().currsize >= 3  # en, de, fr: none read by a user's request
        misses = _pattern.cache_info().misses
        body = {"profile": {"name": "Laser Net", "country": "DE",
                            "description": "Lasermacher aus Jena suchen Partner in Japan."}}
        assert c.post("/api/v1/match", json=body).status_code == 200
        assert _pattern.cache_info().misses == misses


def test_a_profile_that_ended_is_shown_as_such_and_never_suggested(client: TestClient) -> None:
    def suggested() -> list[str]:
        r = client.get("/api/v1/profiles/de-photonics/matches", params={"top": 20})
        return [m["id"] for m in r.json()["matches"]]

    assert "jp-photonics-1" in suggested()
    profile = client.get("/api/v1/profiles/jp-photonics-1").json()
    body = {k: v for k, v in profile.items() if k in ProfileIn.model_fields and v is not None}
    r = client.put("/api/v1/profiles/jp-photonics-1", headers=AUTH,
                   json={**body, "ended": 2019, "successor": "Test Optics Alliance"})
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/profiles/jp-photonics-1").json()["ended"] == 2019
    assert "jp-photonics-1" not in suggested()
    page = client.get("/clusters/jp-photonics-1", params={"lang": "en"}).text
    assert "No longer active since 2019" in page and "Its work continues at Test Optics" in page
    # A co-member that ended stays on the cluster's page as history, marked.
    member = client.get("/api/v1/profiles/jp-photonics-2").json()
    kept = {k: v for k, v in member.items() if k in ProfileIn.model_fields and v is not None}
    assert client.put("/api/v1/profiles/jp-photonics-2", headers=AUTH,
                      json={**kept, "ended": 2020}).status_code == 200
    assert "(no longer active since 2020)" in client.get("/clusters/de-photonics").text
    for bad, field in (({"ended": "last year"}, "ended"), ({"ended": 3000}, "ended"),
                       ({"successor": "Somebody"}, "successor")):
        r = client.put("/api/v1/profiles/jp-photonics-1", headers=AUTH, json={**body, **bad})
        assert r.status_code == 422 and field in r.text, r.text


def test_a_profile_says_when_a_source_last_showed_it_at_work_and_where_its_contact_leads(
        client: TestClient) -> None:
    profile = client.get("/api/v1/profiles/jp-photonics-1").json()
    body = {k: v for k, v in profile.items() if k in ProfileIn.model_fields and v is not None}
    this_year = dt.date.today().year
    # Before any source is dated, the page says that none of the last 5 years showed it at work.
    assert "confirmed" not in body
    page = client.get("/clusters/jp-photonics-1", params={"lang": "en"}).text
    assert '<span class="at-work unseen"' in page
    assert "not confirmed active in the last 5 years" in page
    german = client.get("/clusters/jp-photonics-1", params={"lang": "de"}).text
    assert "in den letzten 5 Jahren nicht als aktiv bestätigt" in german
    eccp = "https://clustercollaboration.eu/cluster-organisations/jp-photonics"
    r = client.put("/api/v1/profiles/jp-photonics-1", headers=AUTH,
                   json={**body, "confirmed": this_year - 1, "contact": eccp})
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/profiles/jp-photonics-1").json()["confirmed"] == this_year - 1
    page = client.get("/clusters/jp-photonics-1", params={"lang": "en"}).text
    assert f"active in {this_year - 1}" in page
    assert f'href="{eccp}" rel="noopener">Contact via clustercollaboration.eu</a>' in page
    german = client.get("/clusters/jp-photonics-1", params={"lang": "de"}).text
    assert f"aktiv {this_year - 1}" in german and "Kontakt über clustercollaboration.eu" in german
    cards = client.get("/clusters/de-photonics", params={"lang": "en"}).text
    assert "Contact via clustercollaboration.eu" in cards and f"active in {this_year - 1}" in cards
    # A contact page on its own site is just "Contact"; an old source is marked, not hidden.
    own = (body.get("website") or "https://jp-photonics.example").rstrip("/") + "/contact"
    r = client.put("/api/v1/profiles/jp-photonics-1", headers=AUTH,
                   json={**body, "website": own.removesuffix("/contact"), "contact": own,
                         "confirmed": this_year - 6})
    assert r.status_code == 200, r.text
    page = client.get("/clusters/jp-photonics-1", params={"lang": "en"}).text
    reach = re.search(r'<p class="reach" id="reach">(.*?)</p>', page, re.S)
    assert reach is not None, page
    assert f'href="{own}" rel="noopener">Contact</a>' in reach[1]
    assert f"not confirmed active since {this_year - 6}" in reach[1]
    assert "Contact via" not in reach[1] and f"active in {this_year - 6}" not in page
    for bad in ({"confirmed": this_year + 1}, {"confirmed": True},
                {"confirmed": 2020, "ended": 2019}):
        r = client.put("/api/v1/profiles/jp-photonics-1", headers=AUTH, json={**body, **bad})
        assert r.status_code == 422 and "confirmed" in r.text, r.text


def test_without_a_contact_route_page_and_api_name_the_chamber_abroad_that_arranges_introductions(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    chambers = client.app.state.service.reference.chambers  # type: ignore[attr-defined]
    shipped = chambers.covering("JP")
    assert shipped is not None
    # An English name beside the short German one (with "&", which pages must escape).
    chamber = replace(shipped, name_en="Japanese-German Chamber of Industry & Commerce",
                      name_en_source="https://japan.example/en/about")
    monkeypatch.setitem(chambers.by_country, "JP", chamber)
    profile = client.get("/api/v1/profiles/jp-photonics-1").json()
    body = {k: v for k, v in profile.items() if k in ProfileIn.model_fields and v is not None}
    assert "contact" not in body
    link = f'<a class="introduction" href="{chamber.website}"'
    for lang, word in (("en", "Introduction"), ("de", "Kontaktvermittlung")):
        page = client.get("/clusters/jp-photonics-1", params={"lang": lang}).text
        reach = re.search(r'<p class="reach" id="reach">(.*?)</p>', page, re.S)
        assert reach is not None and link in reach[1], page
        # The short German name for German readers, the chamber's own English name for others.
        assert f"{word}: {html.escape(chamber.name_in(lang))}</a>" in reach[1]
    cards = client.get("/clusters/de-photonics", params={"lang": "en"}).text
    assert link in cards
    # The API names it too: on the profile and on each suggestion, beside website and contact.
    named = {"name": chamber.name, "name_en": chamber.name_en, "website": chamber.website}
    assert profile["introduction"] == named

    def suggested() -> dict[str, Any]:
        matches = client.get("/api/v1/profiles/de-photonics/matches", params={"top": 20}).json()
        return next(m for m in matches["matches"] if m["id"] == "jp-photonics-1")

    match = suggested()
    assert (match["website"], match["contact"], match["introduction"]) == (
        profile["website"], None, named)
    # A known contact route is the way in: the chamber is no longer named.
    contact = "https://jp-photonics.example/contact"
    r = client.put("/api/v1/profiles/jp-photonics-1", headers=AUTH, json={**body, "contact": contact})
    assert r.status_code == 200, r.text
    assert link not in client.get("/clusters/jp-photonics-1").text
    assert client.get("/api/v1/profiles/jp-photonics-1").json()["introduction"] is None
    match = suggested()
    assert (match["contact"], match["introduction"]) == (contact, None)
    # No chamber is named for a German profile.
    assert 'class="introduction"' not in client.get("/clusters/de-photonics").text.split(
        'id="reach"')[1].split("</p>")[0]


def test_suggestions_can_be_kept_to_partners_seen_at_work_recently(client: TestClient) -> None:
    """``seen_at_work`` keeps the candidates a source of the last 5 years showed at work, in the
    catalogue's lists, the ad-hoc match and the cluster page (a checkbox and its chip)."""
    this_year = dt.date.today().year
    for pid, year in (("jp-photonics-1", this_year - 1), ("jp-photonics-3", this_year - 6)):
        profile = client.get(f"/api/v1/profiles/{pid}").json()
        body = {k: v for k, v in profile.items() if k in ProfileIn.model_fields and v is not None}
        assert client.put(f"/api/v1/profiles/{pid}", headers=AUTH,
                          json={**body, "confirmed": year}).status_code == 200
    url = "/api/v1/profiles/de-photonics/matches"
    everyone = [m["id"] for m in client.get(url, params={"top": 50}).json()["matches"]]
    recent = [m["id"] for m in client.get(url, params={"top": 50, "seen_at_work": "true"}).json()["matches"]]
    assert {"jp-photonics-1", "jp-photonics-3"} <= set(everyone)

    def seen_at_work(pid: str) -> bool:
        confirmed = client.get(f"/api/v1/profiles/{pid}").json().get("confirmed")
        return confirmed is not None and confirmed >= this_year - 5

    seen = {i for i in everyone if seen_at_work(i)}
    assert "jp-photonics-1" in recent and "jp-photonics-3" not in recent and set(recent) == seen
    ad_hoc = {"profile": {"name": "Laser Net", "country": "DE", "description": "Laser makers.",
                          "fields": ["Photonics"]}, "top": 50}
    kept = [m["id"] for m in client.post("/api/v1/match",
                                         json={**ad_hoc, "seen_at_work": True}).json()["matches"]]
    assert "jp-photonics-1" in kept and all(seen_at_work(i) for i in kept)
    assert len(kept) < len(client.post("/api/v1/match", json=ad_hoc).json()["matches"])
    page = client.get("/clusters/de-photonics", params={"lang": "en", "seen_at_work": "true"}).text
    assert 'id="seen_at_work" name="seen_at_work" value="true" checked' in page
    assert re.search(r'<a class="chip" href="[^"]*"><span>active in the last 5 years</span>', page)
    listed = re.findall(r'<li class="match" data-id="([^"]+)"',
                        page.split('id="matches"')[1].split("</ol>")[0])
    assert listed and set(listed) <= seen
    german = client.get("/clusters/de-photonics", params={"lang": "de", "seen_at_work": "true"}).text
    assert "Nur Partner, die eine Quelle der letzten 5 Jahre aktiv zeigt" in german
    assert "aktiv in den letzten 5 Jahren" in german


def test_a_profile_without_region_or_city_has_no_empty_place_on_its_page(
        client: TestClient) -> None:
    profile = client.get("/api/v1/profiles/za-med").json()
    body = {k: v for k, v in profile.items() if k in ProfileIn.model_fields and v is not None}
    body.pop("region", None)
    body.pop("city", None)
    r = client.put("/api/v1/profiles/za-med", headers=AUTH, json=body)
    assert r.status_code == 200, r.text
    page = client.get("/clusters/za-med", params={"lang": "en"}).text
    meta = re.search(r'<h1>.*?</h1>\s*(?:<p class="problem".*?</p>\s*)?<p class="muted">(.*?)</p>',
                     page, re.S)
    assert meta is not None, page
    assert "· ·" not in meta[1] and meta[1].count(" · ") == 2, meta[1]  # kind · country · region
