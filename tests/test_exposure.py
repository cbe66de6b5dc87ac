"""Exposed to the internet: what an outside probe found, each as a regression test.

The slow test runs ``clusterbridge serve`` with a low file limit and holds hundreds of idle and
half-sent connections open against it (loopback only, bounded in count and time).
"""

from __future__ import annotations

import base64
import json
import logging
import resource
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service import worldmap
from service.main import create_app
from service.querylinks import pack
from service.serving import OncePerInterval
from tests.servers import free_port
from tests.test_api import AUTH, TOKEN, assert_error, make_settings
from tests.test_scale_out import environment

#: The file limit of the served process, and how many connections the test holds against it.
FILE_LIMIT = 700
CAP = 100
HELD = 450


def test_a_repeated_log_record_passes_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("tests.exposure.accept")
    log.addFilter(OncePerInterval(60.0))
    with caplog.at_level(logging.ERROR, logger="tests.exposure.accept"):
        for _ in range(5000):
            log.error("socket.accept() out of system resource\nsocket: <socket fd=7>")
        log.error("another error")
    assert [r.getMessage().split("\n")[0] for r in caplog.records] == [
        "socket.accept() out of system resource", "another error"]


def test_a_token_in_the_url_is_not_written_to_the_access_log() -> None:
    from service.serving import RedactTokens

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5", "GET",
                               "/clusters/x/feed.atom?lang=de&token=cbt_abc.secret", "1.1", 200),
                               None)
    assert RedactTokens().filter(record)
    assert "secret" not in record.getMessage() and "token=***" in record.getMessage()


def _hold(port: int, kind: int) -> socket.socket:
    """A connection that sends nothing (0), half its headers (1), or a body it announced only in
    part (2)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if kind == 1:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    elif kind == 2:
        sock.sendall(b"POST /api/v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 5000\r\n\r\n{\"profile\": ")
    return sock


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(0.05)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


@pytest.mark.slow
def test_idle_and_half_sent_connections_do_not_take_the_server_down(tmp_path: Path) -> None:
    env = environment(tmp_path, str(tmp_path / "db.sqlite3"), CLUSTERBRIDGE_REQUEST_TIMEOUT_S="3",
                      CLUSTERBRIDGE_MAX_CONNECTIONS=str(CAP))
    port = free_port()
    log = tmp_path / "serve.log"

    def low_file_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))

    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port),
                                    "--workers", "1"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, preexec_fn=low_file_limit)
    base = f"http://127.0.0.1:{port}"
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()[-2000:]
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server not ready"
            time.sleep(0.1)
        for i in range(HELD):  # more than the file limit allows
            held.append(_hold(port, i % 3))
        time.sleep(0.5)
        took = []
        with httpx.Client(timeout=5) as client:
            for _ in range(5):
                start = time.monotonic()
                assert client.get(base + "/healthz", headers={"Connection": "close"}) \
                    .status_code == 200
                took.append(time.monotonic() - start)
        assert max(took) < 1.0, took
        # The held connections are closed: by the cap at once, or after the request timeout.
        time.sleep(3.5)
        assert sum(_closed(s) for s in held) == len(held)
        assert httpx.get(base + "/healthz", timeout=2).status_code == 200
        assert log.stat().st_size < 50_000, log.read_text()[-2000:]
    finally:
        for s in held:
            s.close()
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


#: Every kind of route that shows data (GET unless a method is given).
DATA_ROUTES = ["/", "/?q=photonics", "/clusters/de-aero", "/clusters/de-aero/feed.atom",
               "/outcomes", "/network", "/coverage",
               "/coverage/cell?field=Photonics&region=Eastern%20Asia",
               "/match?p=" + pack({"name": "X", "country": "FR", "description": "Lasers."}),
               "/reports", "/openapi.json", "/docs", "/api/v1/profiles", "/api/v1/outcomes",
               "/api/v1/network", "/api/v1/coverage", "/api/v1/profiles/de-aero/matches"]


def test_the_read_token_covers_every_route_that_shows_data(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, read_token_required=True))) as c:
        for path in DATA_ROUTES:
            assert c.get(path).status_code == 401, path
            assert c.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 403, path
            assert c.get(path, headers=AUTH).status_code == 200, path
        assert c.post("/match", data={"name": "X", "country": "FR"}).status_code == 401
        assert c.post("/reports", data={"token": "x"}).status_code == 401
        # A feed reader puts the token in the URL; a browser signed in sends the cookie.
        assert c.get("/clusters/de-aero/feed.atom", params={"token": TOKEN}).status_code == 200
        c.cookies.set("cb_token", TOKEN)
        assert c.get("/clusters/de-aero").status_code == 200
        c.cookies.clear()
        # Health, static assets (the map's outlines among them) and the forms that carry their
        # own token stay open.
        for path in ("/healthz", "/readyz", "/static/style.css", "/docs-assets/swagger-ui.css",
                     worldmap.load().href,
                     "/admin", "/clusters/de-aero/signin"):  # sign-in forms, no data
            assert c.get(path).status_code == 200, path
        assert c.post("/clusters/de-aero/signin", data={"token": "wrong"}).status_code == 403
        assert c.post("/clusters/de-aero/feedback", data={
            "candidate": "ca-aero-mutual", "status": "interested"}).status_code == 401


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path_factory.mktemp("exposure"))),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_alerts_since_out_of_range_is_422(client: TestClient, since: str) -> None:
    error = assert_error(client.get("/api/v1/profiles/de-aero/alerts", params={"since": since}),
                         422)
    assert error["details"]["field"] == "since"


@pytest.mark.parametrize("record", [
    {"fields": [1, 2]}, {"name": "\ud800"}, {"offers": "not a list"}, {"members": [1]},
    {"name": {"x": 1}}, {"fields": ["ok", None]},
])
def test_a_crafted_edit_or_results_link_is_422(client: TestClient, record: dict[str, Any]) -> None:
    raw = json.dumps(record).encode()  # \ud800 stays escaped: json.loads makes it a lone surrogate
    packed = base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")
    edit = client.get("/", params={"edit": packed})
    assert edit.status_code == 422 and "edit" in edit.text
    assert client.get("/match", params={"p": packed}).status_code == 422


@pytest.mark.parametrize("q", ["%", ".*", "...", "%%%", "-"])
def test_a_search_of_only_punctuation_finds_nothing(client: TestClient, q: str) -> None:
    assert client.get("/api/v1/profiles", params={"q": q}).json()["count"] == 0
    assert 'class="found"' not in client.get("/", params={"q": q}).text
    assert client.get("/api/v1/profiles", params={"q": ""}).json()["count"] > 0


def test_a_profile_read_carries_its_etag_and_if_match_star_is_accepted(client: TestClient) -> None:
    body = {"name": "Lyon Photonics Valley", "country": "FR", "fields": ["Photonics"],
            "description": "Laser sources and optical metrology for precision manufacturing."}
    missing = client.put("/api/v1/profiles/fr-etag", json=body, headers={**AUTH, "If-Match": "*"})
    assert_error(missing, 409)  # * means "the current version", and there is none
    created = client.put("/api/v1/profiles/fr-etag", json=body, headers=AUTH)
    read = client.get("/api/v1/profiles/fr-etag")
    assert read.headers["etag"] == created.headers["etag"] == f'"{read.json()["version"]}"'
    again = client.put("/api/v1/profiles/fr-etag", json=body,
                       headers={**AUTH, "If-Match": read.headers["etag"]})
    assert again.status_code == 200
    star = client.put("/api/v1/profiles/fr-etag", json=body, headers={**AUTH, "If-Match": "*"})
    assert star.status_code == 200 and star.json()["version"] == again.json()["version"] + 1
    assert_error(client.put("/api/v1/profiles/fr-etag", json=body,
                            headers={**AUTH, "If-Match": read.headers["etag"]}), 409)


def test_country_filters_take_lower_case_and_name_the_parameter(client: TestClient) -> None:
    lower = client.get("/api/v1/profiles", params={"country": "fr"})
    assert lower.status_code == 200
    assert lower.json()["count"] == client.get("/api/v1/profiles",
                                               params={"country": "FR"}).json()["count"] > 0
    assert client.get("/api/v1/profiles/de-aero/matches", params={"country": "fr"}).status_code \
        == 200
    error = assert_error(client.get("/api/v1/profiles", params={"country": "xq"}), 422)
    assert error["details"]["field"] == "country"
    body = {"profile": {"name": "X", "country": "FR", "description": "Laser optics."},
            "country": ["xq"]}
    assert assert_error(client.post("/api/v1/match", json=body), 422)["details"]["field"] \
        == "country"
    assert assert_error(client.get("/api/v1/profiles", params={"world_region": "Eastern Asai"}),
                        422)["details"]["field"] == "world_region"


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/match", {"profile": {"name": "X", "country": "FR", "description": "Lasers."},
                       "top": 11111111111111111111}),
    ("/api/v1/reports", {"top": 11111111111111111111, "formats": ["csv"]}),
])
def test_a_huge_top_is_422(client: TestClient, path: str, body: dict[str, Any]) -> None:
    error = assert_error(client.post(path, json=body, headers=AUTH), 422)
    assert error["details"]["field"] == "top"


def test_marks_only_for_international_candidates_that_were_suggested(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path, alert_top=1, alert_delay_s=0.0)
    with TestClient(create_app(settings)) as c:
        german = c.post("/api/v1/profiles/de-aero/feedback", headers=AUTH,
                        json={"candidate": "de-photonics", "status": "interested"})
        assert assert_error(german, 422)["details"]["field"] == "candidate"
        state = c.app.state.service  # type: ignore[attr-defined]
        assert state.follow.settle(60)
        monkeypatch.setattr("service.state.MARKABLE_TOP", 2)  # short lists: most are never shown
        suggested = state.suggested_to("de-aero")
        international = {p.id for p in state.matcher.catalogue.profiles if p.country != "DE"}
        never = sorted(international - suggested)[0]
        refused = c.post("/api/v1/profiles/de-aero/feedback", headers=AUTH,
                         json={"candidate": never, "status": "interested"})
        assert assert_error(refused, 422)["details"]["field"] == "candidate"
        assert "never suggested" in refused.json()["error"]["message"]
        followed = {v for k, v in state.store.suggested_pairs() if k == "de-aero"}
        assert followed and followed <= suggested
        for candidate in sorted(suggested):
            assert c.post("/api/v1/profiles/de-aero/feedback", headers=AUTH, json={
                "candidate": candidate, "status": "interested"}).status_code == 201


def test_sign_in_takes_only_the_clusters_own_token_and_is_secure_over_https(
        client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_api_outcomes import issue_token

    refused = client.post("/clusters/de-aero/signin", data={"token": TOKEN},
                          follow_redirects=False)
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    token = issue_token(client, "de-aero", capsys)
    plain = client.post("/clusters/de-aero/signin", data={"token": token}, follow_redirects=False)
    assert plain.status_code == 303 and "secure" not in plain.headers["set-cookie"].lower()
    https = TestClient(client.app, base_url="https://testserver")  # no second lifespan
    secure = https.post("/clusters/de-aero/signin", data={"token": token},
                        follow_redirects=False)
    assert secure.status_code == 303 and "; secure" in secure.headers["set-cookie"].lower()


#: GET routes with concrete paths (every dynamic route of the app with GET; see the test).
GET_PATHS = ["/", "/clusters/de-aero", "/clusters/de-aero/feed.atom", "/outcomes", "/network",
             "/coverage", "/coverage/cell?field=Photonics&region=Eastern%20Asia",
             "/match?p=" + pack({"name": "X", "country": "FR", "description": "Lasers."}),
             "/reports", "/admin", "/clusters/de-aero/signin", "/openapi.json", "/docs",
             "/healthz", "/readyz", "/api/v1/profiles",
             "/api/v1/profiles/de-aero", "/api/v1/profiles/de-aero/matches",
             "/api/v1/profiles/de-aero/alerts", "/api/v1/outcomes", "/api/v1/coverage",
             "/api/v1/network"]


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    answers = [client.get(p) for p in ("/", "/clusters/de-aero", "/api/v1/profiles",
                                       "/static/style.css", "/nope", "/api/v1/profiles/nope")]
    answers.append(client.post("/api/v1/match", content=b"x" * 70_000,
                               headers={"Content-Type": "application/json"}))  # 413
    answers.append(client.put("/api/v1/profiles/x", json={}))  # 401
    for answer in answers:
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff", answer.url
        assert headers["referrer-policy"] == "same-origin"
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src" not in csp or "unsafe-inline" not in csp.split("script-src")[1]
    assert {a.status_code for a in answers} >= {200, 404, 413, 401}
    # The pages hold no inline script, <style> element or event handler the policy would block.
    for path in ("/", "/clusters/de-aero", "/coverage", "/network", "/outcomes", "/reports"):
        page = client.get(path).text
        assert "<script>" not in page and "<style" not in page and " onclick=" not in page
    # The docs page around the Swagger UI loads its scripts from files: no inline script allowed.
    docs = client.get("/docs")
    assert "<script>" not in docs.text
    assert "unsafe-inline" not in docs.headers["content-security-policy"].split("style-src")[0]


def test_an_unexpected_error_carries_the_security_headers_too(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    state = client.app.state.service  # type: ignore[attr-defined]

    def broken() -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(state, "outcomes", broken)
    answer = client.get("/api/v1/outcomes")
    assert answer.status_code == 500 and "internal detail" not in answer.text
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_head_is_answered_wherever_get_is(client: TestClient) -> None:
    from fastapi.routing import APIRoute

    with_get = {r.path for r in client.app.routes  # type: ignore[attr-defined]
                if isinstance(r, APIRoute) and "GET" in r.methods}
    covered = {p.split("?")[0] for p in GET_PATHS}
    assert {p for p in with_get if "{" not in p} <= covered
    for path in GET_PATHS:
        get, head = client.get(path), client.head(path)
        assert get.status_code == 200, path
        assert head.status_code == 200 and head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"]
    assert client.head("/api/v1/profiles/nope").status_code == 404
    assert client.head("/clusters/de-aero/signout").status_code == 405  # POST only


def test_no_redirect_reflects_the_host_header(client: TestClient) -> None:
    for path in ("/docs/", "/api/v1/profiles/", "/clusters/de-aero/", "/outcomes/"):
        answer = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
        assert "evil.example" not in answer.headers.get("location", ""), path
        assert answer.status_code == 404, path
