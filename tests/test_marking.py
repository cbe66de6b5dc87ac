"""Marking a suggestion from the cluster page: refusals beside the form with the page kept, the
confirmation at the card, dismissals only in the cluster's own view, and the admin page that
issues, lists and revokes tokens and their one-time sign-in links."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from tests.apps import TOKEN, make_settings


@pytest.fixture
def client(tmp_path: Path):  # type: ignore[no-untyped-def]
    with TestClient(create_app(make_settings(tmp_path))) as c:
        yield c


def admin_link(client: TestClient, cluster: str = "de-aero") -> tuple[str, str]:
    """Sign in on the admin page and create a sign-in link: (the link, the token in it)."""
    assert client.get("/admin").status_code == 200
    signin = client.post("/admin/signin", data={"token": TOKEN}, follow_redirects=False)
    assert signin.status_code == 303
    cookie = signin.headers["set-cookie"]
    assert "cb_admin=" in cookie and "HttpOnly" in cookie and "Path=/admin" in cookie
    created = client.post("/admin/tokens", data={"cluster": cluster})
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    link = re.search(r'id="signin-link"[^>]*value="([^"]+)"', created.text)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert urlsplit(url).path == f"/clusters/{cluster}/signin" and "token=" not in urlsplit(url).query
    return url, urlsplit(url).fragment.removeprefix("token=")


def test_refused_marks_stay_on_the_page_at_their_card(client: TestClient) -> None:
    form = {"candidate": "ca-aero-mutual", "status": "not_relevant", "lang": "en"}
    cases = [({}, 401, "token_missing"), ({"token": "wrong"}, 403, "token_wrong"),
             ({"token": TOKEN}, 422, "reason_required"),
             ({"token": TOKEN, "reason": "other", "note": ""}, 422, "note_required")]
    for extra, status, code in cases:
        answer = client.post("/clusters/de-aero/feedback", data={**form, **extra})
        assert answer.status_code == status, code
        page = answer.text
        assert f'data-problem="{code}"' in page and 'id="matches"' in page
        card = page.split('id="m-ca-aero-mutual"')[1].split("</details>")[0]
        assert "<details open>" in page.split('id="m-ca-aero-mutual"')[1][:200]
        assert 'role="alert"' in card
        assert '<option value="not_relevant" selected>' in card  # the values given are kept
    kept = client.post("/clusters/de-aero/feedback",
                       data={**form, "token": TOKEN, "reason": "wrong_size", "note": "too big",
                             "status": "interested"})
    assert kept.status_code == 422 and 'value="too big"' in kept.text
    assert '<option value="wrong_size" selected>' in kept.text


def test_a_saved_mark_is_confirmed_at_its_card(client: TestClient) -> None:
    _, token = admin_link(client)
    client.cookies.set("cb_token", token)
    sent = client.post("/clusters/de-aero/feedback", follow_redirects=False, data={
        "candidate": "ca-aero-mutual", "status": "contacted", "lang": "en"})
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location.endswith("#m-ca-aero-mutual") and "saved=ca-aero-mutual" in location
    page = client.get(location.split("#")[0]).text
    assert 'id="saved-ca-aero-mutual"' in page and "Saved: contacted." in page


def test_one_managers_dismissal_hides_nothing_from_other_visitors(client: TestClient) -> None:
    _, token = admin_link(client)
    client.cookies.set("cb_token", token)
    assert client.post("/clusters/de-aero/feedback", data={
        "candidate": "ca-aero-mutual", "status": "not_relevant",
        "reason": "wrong_field"}).status_code == 200
    mine = client.get("/clusters/de-aero").text
    assert 'data-id="ca-aero-mutual"' not in mine and 'id="dismissed-note"' in mine
    client.cookies.clear()
    public = client.get("/clusters/de-aero").text
    assert 'data-id="ca-aero-mutual"' in public and 'id="dismissed-note"' not in public
    api = client.get("/api/v1/profiles/de-aero/matches").json()
    assert "ca-aero-mutual" in {m["id"] for m in api["matches"]}
    own = client.get("/api/v1/profiles/de-aero/matches",
                     headers={"Authorization": f"Bearer {token}"}).json()
    assert "ca-aero-mutual" not in {m["id"] for m in own["matches"]}


def test_the_api_default_is_the_pages_list(client: TestClient) -> None:
    page = client.get("/clusters/de-aero").text
    listed = re.findall(r'<li class="match" data-id="([^"]+)"',
                        page.split('id="matches"')[1].split("</ol>")[0])
    api = client.get("/api/v1/profiles/de-aero/matches").json()
    assert [m["id"] for m in api["matches"]] == listed
    assert "fr-aero-oneside" not in listed  # the known partner, listed apart
    known = client.get("/api/v1/profiles/de-aero/matches", params={"known": "true"}).json()
    assert "fr-aero-oneside" in {m["id"] for m in known["matches"]}


def test_admin_page_issues_lists_and_revokes_and_the_link_works_once(
        client: TestClient) -> None:
    assert 'id="admin-signin"' in client.get("/admin").text
    wrong = client.post("/admin/signin", data={"token": "wrong"})
    assert wrong.status_code == 403 and 'id="admin-problem"' in wrong.text
    refused = client.post("/admin/tokens", data={"cluster": "de-aero"})  # not signed in
    assert refused.status_code == 401 and 'id="admin-problem"' in refused.text
    url, token = admin_link(client)
    listing = client.get("/admin").text
    token_id = token.split(".")[0].removeprefix("cbt_")
    assert f'data-token="{token_id}"' in listing and token not in listing
    abroad = client.post("/admin/tokens", data={"cluster": "ca-aero-mutual"})
    assert abroad.status_code == 422
    # The link's page posts the token once; the manager gets a fresh one, the link is spent.
    manager = TestClient(client.app)
    assert 'id="link-signin"' in manager.get(urlsplit(url).path).text
    used = manager.post("/clusters/de-aero/signin", data={"token": token, "link": "true"},
                        follow_redirects=False)
    assert used.status_code == 303
    fresh = manager.cookies.get("cb_token")
    assert fresh and fresh != token
    assert 'id="signout"' in manager.get("/clusters/de-aero").text
    again = TestClient(client.app).post("/clusters/de-aero/signin",
                                        data={"token": token, "link": "true"})
    assert again.status_code == 403
    # Revoked from the admin page: the manager is signed out at the next request.
    fresh_id = fresh.split(".")[0].removeprefix("cbt_")
    revoked = client.post(f"/admin/tokens/{fresh_id}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert 'id="revoked-note"' in client.get(revoked.headers["location"].split("#")[0]).text
    assert 'id="signin"' in manager.get("/clusters/de-aero").text
