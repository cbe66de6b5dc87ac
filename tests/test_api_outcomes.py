"""The outcome loop through the service: feedback by API and page, dismissed candidates hidden,
token scopes and revocation, alerts by API, Atom and webhook, and the outcomes funnel."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient

from cli import main as cli
from service.main import create_app
from service.settings import Settings
from tests.apps import AUTH, assert_error, make_settings, new_profile
from tests.test_alerts import SECRET, Receiver


def outcome_settings(tmp: Path, **changes: object) -> Settings:
    return make_settings(tmp, alert_delay_s=0.0, alert_min_score=0.0, alert_top=5, **changes)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return outcome_settings(tmp_path)


def issue_token(client: TestClient, cluster: str, capsys: pytest.CaptureFixture[str]) -> str:
    """A cluster token issued with the command line, on the database the service is using."""
    database = str(client.app.state.service.settings.database)  # type: ignore[attr-defined]
    assert cli(["token", "--database", database, "create", "--cluster", cluster]) == 0
    out, err = capsys.readouterr()
    assert "shown once" in err
    return out.strip()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def feedback(client: TestClient, cluster: str, headers: dict[str, str], **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/profiles/{cluster}/feedback", json=body, headers=headers)


def match_ids(client: TestClient, cluster: str, headers: dict[str, str] | None = None,
              **params: object) -> dict[str, object]:
    body = client.get(f"/api/v1/profiles/{cluster}/matches", params={"top": 20, **params},
                      headers=headers if headers is not None else AUTH).json()
    return {m["id"]: m["feedback"] for m in body["matches"]}


def test_feedback_round_trip_and_dismissed_candidates_hidden(client: TestClient) -> None:
    assert all(mark is None for mark in match_ids(client, "de-aero").values())
    created = feedback(client, "de-aero", AUTH, candidate="ca-aero-mutual", status="interested")
    assert created.status_code == 201, created.text
    assert created.json()["recorded"] and created.json()["by"] == "admin"
    repeat = feedback(client, "de-aero", AUTH, candidate="ca-aero-mutual", status="interested")
    assert repeat.status_code == 200 and not repeat.json()["recorded"]
    assert repeat.json()["at"] == created.json()["at"]  # idempotent: nothing new stored
    assert feedback(client, "de-aero", AUTH, candidate="ca-aero-mutual",
                    status="meeting").status_code == 201
    dismissed = feedback(client, "de-aero", AUTH, candidate="fr-aero-oneside",
                         status="not_relevant", reason="already_working_together")
    assert dismissed.status_code == 201
    shown = match_ids(client, "de-aero")
    assert shown["ca-aero-mutual"]["status"] == "meeting"  # type: ignore[index]
    assert "fr-aero-oneside" not in shown
    every = match_ids(client, "de-aero", include_dismissed="true", known="true")
    assert every["fr-aero-oneside"]["reason"] == "already_working_together"  # type: ignore[index]
    # Other clusters' lists are not affected.
    assert "fr-aero-oneside" in match_ids(client, "de-aero-home", known="true")
    listed = client.get("/api/v1/profiles/de-aero/feedback", headers=AUTH).json()
    assert [e["status"] for e in listed["history"]] == ["interested", "meeting", "not_relevant"]
    assert {e["candidate"]: e["status"] for e in listed["current"]} == {
        "ca-aero-mutual": "meeting", "fr-aero-oneside": "not_relevant"}


def test_marks_and_notes_are_read_only_with_the_clusters_or_the_admin_token(
        client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    aero = issue_token(client, "de-aero", capsys)
    photonics = issue_token(client, "de-photonics", capsys)
    assert feedback(client, "de-aero", bearer(aero), candidate="ca-aero-mutual",
                    status="contacted", note="met at the fair").status_code == 201
    # Anyone: the list, without marks; the marks themselves refused.
    for headers in ({}, bearer(photonics), bearer("wrong")):
        assert match_ids(client, "de-aero", headers)["ca-aero-mutual"] is None
    assert_error(client.get("/api/v1/profiles/de-aero/feedback"), 401)
    assert_error(client.get("/api/v1/profiles/de-aero/feedback", headers=bearer(photonics)), 403)
    # The cluster's own token and the admin token read them.
    for headers in (bearer(aero), AUTH):
        assert match_ids(client, "de-aero", headers)["ca-aero-mutual"]["note"] \
            == "met at the fair"  # type: ignore[index]
        listed = client.get("/api/v1/profiles/de-aero/feedback", headers=headers)
        assert listed.status_code == 200 and listed.json()["current"][0]["note"] == "met at the fair"
    # The page shows "Your status" only to the cluster signed in; the funnel stays aggregate.
    page = client.get("/clusters/de-aero").text
    assert "met at the fair" not in page and 'class="mark"' not in page
    client.cookies.set("cb_token", photonics)
    assert "met at the fair" not in client.get("/clusters/de-aero").text
    client.cookies.set("cb_token", aero)
    assert "met at the fair" in client.get("/clusters/de-aero").text
    client.cookies.clear()
    assert "met at the fair" not in client.get("/outcomes").text
    assert "met at the fair" not in client.get("/api/v1/outcomes").text


@pytest.mark.parametrize(("body", "field"), [
    ({"candidate": "ca-aero-mutual", "status": "liked"}, "status"),
    ({"candidate": "ca-aero-mutual", "status": "not_relevant"}, "reason"),
    ({"candidate": "ca-aero-mutual", "status": "not_relevant", "reason": "other"}, "note"),
    ({"candidate": "ca-aero-mutual", "status": "interested", "reason": "wrong_size"}, "reason"),
    ({"candidate": "nope-nope", "status": "interested"}, "candidate"),
    ({"candidate": "Bad Id", "status": "interested"}, "candidate"),
    ({"candidate": "de-aero", "status": "interested"}, "candidate"),
    ({"candidate": "ca-aero-mutual", "status": "interested", "note": "x" * 501}, "note"),
    ({"candidate": "ca-aero-mutual", "status": "interested", "extra": 1}, "extra"),
])
def test_invalid_feedback_names_the_field(client: TestClient, body: dict, field: str) -> None:  # type: ignore[type-arg]
    error = assert_error(feedback(client, "de-aero", AUTH, **body), 422)
    assert error["details"]["field"] == field


def test_feedback_needs_a_german_cluster_and_a_known_id(client: TestClient) -> None:
    body = {"candidate": "de-aero", "status": "interested"}
    assert assert_error(feedback(client, "ca-aero-mutual", AUTH, **body), 422)["details"]["field"] == "id"
    assert_error(feedback(client, "de-aerx", AUTH, **body), 404)


def test_token_scopes_and_revocation_without_restart(client: TestClient,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    aero = issue_token(client, "de-aero", capsys)
    photonics = issue_token(client, "de-photonics", capsys)
    body = {"candidate": "ca-aero-mutual", "status": "contacted"}
    written = feedback(client, "de-aero", bearer(aero), **body)
    assert written.status_code == 201 and written.json()["by"] == aero[4:16]
    # A cluster's token cannot write another cluster's feedback, nor anything else.
    error = assert_error(feedback(client, "de-aero", bearer(photonics), **body), 403)
    assert error["details"]["cluster"] == "de-photonics"
    assert_error(feedback(client, "de-photonics", bearer(aero),
                          candidate="kr-photonics", status="interested"), 403)
    assert_error(client.put("/api/v1/profiles/de-aero", json=new_profile(), headers=bearer(aero)), 403)
    assert_error(feedback(client, "de-aero", {}, **body), 401)
    assert_error(feedback(client, "de-aero", bearer(aero + "x"), **body), 403)
    assert_error(feedback(client, "de-aero", bearer("cbt_" + "0" * 12 + "." + "a" * 43), **body), 403)
    # Revoked from the command line while the service runs: refused at the next request.
    database = str(client.app.state.service.settings.database)  # type: ignore[attr-defined]
    assert cli(["token", "--database", database, "list"]) == 0
    listing = capsys.readouterr().out
    assert aero not in listing and aero[4:16] in listing and "live" in listing
    assert cli(["token", "--database", database, "revoke", aero[4:16]]) == 0
    capsys.readouterr()
    assert_error(feedback(client, "de-aero", bearer(aero),
                          candidate="ca-aero-mutual", status="meeting"), 403)
    assert cli(["token", "--database", database, "revoke", aero[4:16]]) == 2  # already revoked
    assert "no live token" in capsys.readouterr().err
    assert cli(["token", "--database", database, "create", "--cluster", "ca-aero-mutual"]) == 2
    assert "German clusters" in capsys.readouterr().err


def test_reads_with_a_required_token_accept_a_cluster_token(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    with TestClient(create_app(outcome_settings(tmp_path, read_token_required=True))) as c:
        token = issue_token(c, "de-aero", capsys)
        assert_error(c.get("/api/v1/profiles/de-aero/matches"), 401)
        assert c.get("/api/v1/profiles/de-aero/matches", headers=bearer(token)).status_code == 200


def test_feedback_round_trip_through_the_page(client: TestClient,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    token = issue_token(client, "de-aero", capsys)
    page = client.get("/clusters/de-aero")
    main_list = page.text.split('id="matches"')[1].split("</ol>")[0]
    # Every new suggestion (the known partner fr-aero-oneside is listed apart) has its form.
    assert main_list.count('class="feedback-form"') == main_list.count('class="match"') == 9
    assert 'id="signin"' in page.text and 'name="token"' in page.text
    assert 'href="/clusters/de-aero/feed.atom' in page.text
    # Without a token nothing is written.
    refused = client.post("/clusters/de-aero/feedback", data={"candidate": "ca-aero-mutual",
                                                               "status": "interested"})
    # Refused at its card, the page kept, with who issues tokens.
    assert refused.status_code == 401 and 'data-problem="token_missing"' in refused.text
    assert 'id="matches"' in refused.text and "programme staff" in refused.text
    # With the token in the form.
    sent = client.post("/clusters/de-aero/feedback", follow_redirects=False, data={
        "candidate": "ca-aero-mutual", "status": "contacted", "token": token, "lang": "en"})
    assert sent.status_code == 303
    # Back at the card, which confirms the saved mark.
    assert sent.headers["location"] == ("/clusters/de-aero?lang=en&saved=ca-aero-mutual"
                                        "#m-ca-aero-mutual")
    marked = client.get("/clusters/de-aero").text
    assert 'data-status="contacted"' not in marked  # not signed in: no marks shown
    client.cookies.set("cb_token", token)
    marked = client.get("/clusters/de-aero").text
    client.cookies.clear()
    assert re.search(r'data-status="contacted">Your status: <strong>contacted', marked)
    # Signed in with the token: remembered in an HttpOnly cookie, forms need no token field.
    signin = client.post("/clusters/de-aero/signin", data={"token": token}, follow_redirects=False)
    assert signin.status_code == 303
    cookie = signin.headers["set-cookie"]
    assert "cb_token=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    signed = client.get("/clusters/de-aero").text
    assert 'id="signout"' in signed and 'type="password" name="token"' not in signed
    dismissed = client.post("/clusters/de-aero/feedback", data={
        "candidate": "za-med", "status": "not_relevant", "reason": "wrong_size"})
    assert dismissed.status_code == 200  # the redirect was followed to the page
    assert 'data-id="za-med"' not in dismissed.text and 'id="dismissed-note"' in dismissed.text
    shown = client.get("/clusters/de-aero", params={"include_dismissed": "true", "lang": "de"}).text
    assert 'data-id="za-med"' in shown and "nicht relevant" in shown
    bad = client.post("/clusters/de-aero/feedback", data={"candidate": "ca-aero-mutual",
                                                           "status": "not_relevant"})
    assert bad.status_code == 422 and "reason" in bad.text
    # The cookie of another cluster's token does not sign in here.
    other = issue_token(client, "de-photonics", capsys)
    assert client.post("/clusters/de-aero/signin", data={"token": other}).status_code == 403
    client.post("/clusters/de-aero/signout")
    assert 'id="signin"' in client.get("/clusters/de-aero").text
    # The API sees what the page wrote.
    marks = match_ids(client, "de-aero", include_dismissed="true")
    assert marks["ca-aero-mutual"]["status"] == "contacted"  # type: ignore[index]
    # Ad-hoc results and non-German clusters get no forms.
    assert 'class="feedback-form"' not in client.get("/clusters/ca-aero-mutual").text


def test_alerts_feed_and_webhook_after_a_profile_write(tmp_path: Path) -> None:
    receiver = Receiver([503, 200])
    settings = outcome_settings(tmp_path, webhook_url=receiver.url, webhook_secret=SECRET,
                                webhook_backoff_s=0.05, webhook_allow_private=True)
    try:
        with TestClient(create_app(settings)) as c:
            state = c.app.state.service  # type: ignore[attr-defined]
            assert state.follow.settle(60)
            assert c.get("/api/v1/profiles/de-photonics/alerts").json() == {"data": [], "count": 0}
            written = c.put("/api/v1/profiles/tw-photonics", headers=AUTH, json=new_profile(
                name="Test Photonics Taiwan", country="TW", region="Hsinchu", nuts=None,
                description="Photonics cluster of optics and laser firms supplying optical "
                            "components and systems.",
                offers=["photonics component suppliers in Asia", "semiconductor fab access"],
                seeks=["laser system integration", "optical metrology"], roles=["production"]))
            assert written.status_code == 201
            assert state.follow.settle(60)
            alerts = c.get("/api/v1/profiles/de-photonics/alerts").json()
            assert alerts["count"] >= 1
            new = next(a for a in alerts["data"] if a["candidate"] == "tw-photonics")
            assert new["kind"] == "new" and new["candidate_name"] == "Test Photonics Taiwan"
            since = c.get("/api/v1/profiles/de-photonics/alerts",
                          params={"since": new["created_at"]}).json()
            assert since["count"] == 0
            before = c.get("/api/v1/profiles/de-photonics/alerts",
                           params={"since": "2000-01-01T00:00:00+02:00"}).json()
            assert before["count"] == alerts["count"]
            error = assert_error(c.get("/api/v1/profiles/de-photonics/alerts",
                                       params={"since": "yesterday"}), 422)
            assert error["details"]["field"] == "since"
            feed = c.get("/clusters/de-photonics/feed.atom")
            assert feed.headers["content-type"] == "application/atom+xml"
            parsed = feedparser.parse(feed.content)
            assert not parsed.bozo and parsed.version == "atom10"
            assert any("Test Photonics Taiwan" in e.title for e in parsed.entries)
            assert c.get("/clusters/nope/feed.atom").status_code == 404
            assert state.store.delivery(new["id"]) == "delivered"
    finally:
        receiver.close()
    assert len(receiver.requests) == 2  # a 503, then delivered on the retry
    headers, body = receiver.requests[-1]
    import json

    from service.follow import sign

    payload = json.loads(body)
    assert payload["event"] == "alerts"
    assert "tw-photonics" in {a["candidate"] for a in payload["alerts"]}
    assert headers["x-clusterbridge-signature"] == sign(SECRET.encode(),
                                                        headers["x-clusterbridge-timestamp"], body)


def test_a_webhook_needs_a_secret(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="webhook_secret"):
        outcome_settings(tmp_path, webhook_url="http://127.0.0.1:9/hook")


def test_outcomes_api_page_and_command(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    state = client.app.state.service  # type: ignore[attr-defined]
    assert state.follow.settle(60)
    feedback(client, "de-photonics", AUTH, candidate="jp-photonics-1", status="interested")
    feedback(client, "de-photonics", AUTH, candidate="jp-photonics-1", status="meeting")
    body = client.get("/api/v1/outcomes").json()
    assert body["overall"]["suggested"] == 15  # 3 German clusters x top 5
    assert body["overall"]["meeting"] == 1 and body["overall"]["agreement"] == 0
    assert body["by_field"]["Photonics"]["interested"] == 1
    assert body["by_world_region"]["Eastern Asia"]["meeting"] == 1
    assert body["meeting_to_agreement"]["verdict"] == "too_few"
    assert body["anchor"]["rate"] == 0.1054
    page = client.get("/outcomes")
    assert page.status_code == 200 and 'id="funnel"' in page.text
    assert "10.5&nbsp;%" in page.text and "Too few meetings" in page.text
    assert "Zu wenige Treffen" in client.get("/outcomes", params={"lang": "de"}).text
    assert cli(["outcomes", "--database", str(state.settings.database), "--json"]) == 0
    printed = capsys.readouterr().out
    import json

    assert json.loads(printed)["overall"] == body["overall"]
    assert cli(["outcomes", "--database", str(Path(state.settings.database).parent / "none.sqlite3")]) == 2
    assert "not found" in capsys.readouterr().err
