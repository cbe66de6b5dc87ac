"""The service's "beyond your field" list and partnership network (TestClient, test catalogue)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import networkx as nx
from fastapi.testclient import TestClient

from tests.apps import assert_error


def test_cross_field_matches_api(client: TestClient) -> None:
    main = client.get("/api/v1/profiles/de-photonics/matches", params={"top": 20}).json()
    assert main["scope"] == "all"
    assert all(m["explanation"]["value_chain"] is None for m in main["matches"])
    cross = client.get("/api/v1/profiles/de-photonics/matches",
                       params={"scope": "cross_field", "top": 20}).json()
    assert cross["scope"] == "cross_field" and cross["count"] == len(cross["matches"]) > 0
    for m in cross["matches"]:
        assert "Photonics" not in m["fields"]
        chain = m["explanation"]["value_chain"]
        assert chain["links"][0]["ours"] == "Photonics"
        assert chain["links"][0]["theirs"] in m["fields"]
        assert chain["sentence"] in m["explanation"]["summary"]
    loose = client.get("/api/v1/profiles/de-photonics/matches",
                       params={"scope": "cross_field", "strict": "false", "top": 20,
                               "known": "true"}).json()
    assert "kr-photonics" in {m["id"] for m in loose["matches"]}
    error = assert_error(client.get("/api/v1/profiles/de-photonics/matches",
                                    params={"scope": "peers"}), 422)
    assert error["details"]["field"] == "scope"
    adhoc = client.post("/api/v1/match", json={
        "profile": {"name": "Laser Net", "country": "DE", "description": "Laser makers.",
                    "fields": ["Photonics"], "seeks": ["clinical trial networks in Africa"]},
        "scope": "cross_field"}).json()
    assert adhoc["scope"] == "cross_field"
    assert adhoc["matches"] and all("Photonics" not in m["fields"] for m in adhoc["matches"])


def test_network_api_json(client: TestClient) -> None:
    body = client.get("/api/v1/network").json()
    assert body["view"] == {"fields": [], "world_regions": [], "edges": "all"}
    assert body["counts"]["bilateral"] == 2 and body["counts"]["co_membership"] == 3
    by_id = {n["id"]: n for n in body["nodes"]}
    assert by_id["de-photonics"]["degree"] == 3 and by_id["de-photonics"]["german"] is True
    assert body["brokers"] == ["de-photonics"]
    assert body["without_international_tie"] == ["de-aero-home"]
    assert {"source": "de-aero", "target": "fr-aero-oneside", "relation": "bilateral",
            "kind": "memorandum", "year": 2018, "network": None, "network_name": None} in body["edges"]
    asia = client.get("/api/v1/network", params=[("world_region", "Eastern Asia"),
                                                 ("edges", "bilateral")]).json()
    assert asia["counts"]["bilateral"] == 0 and "de-photonics" in asia["without_international_tie"]
    field = assert_error(client.get("/api/v1/network", params={"field": "Photonix"}), 422)
    assert field["details"]["field"] == "field" and "Photonics" in field["message"]
    assert_error(client.get("/api/v1/network", params={"format": "pdf"}), 422)
    assert_error(client.get("/api/v1/network", params={"edges": "some"}), 422)


def test_network_downloads(client: TestClient, tmp_path: Path) -> None:
    graphml = client.get("/api/v1/network", params={"format": "graphml"})
    assert graphml.status_code == 200
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    assert "partnership-network.graphml" in graphml.headers["content-disposition"]
    (tmp_path / "n.graphml").write_bytes(graphml.content)
    graph = nx.read_graphml(tmp_path / "n.graphml")
    assert graph.number_of_edges() == 5 and graph.nodes["de-photonics"]["degree"] == 3
    edges = client.get("/api/v1/network", params={"format": "csv"})
    assert edges.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(edges.text)))
    assert len(rows) == 5 and {r["relation"] for r in rows} == {"bilateral", "co-membership"}
    nodes = client.get("/api/v1/network", params={"format": "csv", "table": "nodes",
                                                  "field": "Photonics"})
    ids = {r["id"] for r in csv.DictReader(io.StringIO(nodes.text))}
    assert ids == {"de-photonics", "us-photonics", "jp-photonics-2", "kr-photonics"}


def test_network_page_and_cluster_section(client: TestClient) -> None:
    page = client.get("/network")
    assert page.status_code == 200
    assert 'id="network-svg"' in page.text and page.text.count("<circle cx=") >= 7
    assert 'id="network-table"' in page.text and 'id="brokers"' in page.text
    assert "Test Aviation Bremen" in page.text.split('id="alone"')[1].split("</ul>")[0]
    assert "/api/v1/network?format=graphml" in page.text
    # Drawn on the server: no script draws it, nothing comes from another host.
    assert "cdn" not in page.text.lower() and not re.search(r"<script[^>]*src=\"?https?:", page.text)
    assert "<svg" in page.text
    german = client.get("/network", params={"lang": "de", "edges": "bilateral"})
    assert "Partnerschaftsnetz" in german.text and "Vermittler" in german.text
    assert "format=graphml&edges=bilateral" in german.text
    assert client.get("/network", params={"world_region": "Atlantis"}).status_code == 422
    cluster = client.get("/clusters/de-photonics", params={"lang": "en"})
    section = cluster.text.split('id="beyond"')[1]
    assert "Beyond your field" in section and "Value-chain link" in section
    assert 'data-fields="Photonics' not in section
    assert "Über das eigene Themenfeld hinaus" in client.get("/clusters/de-photonics",
                                                             params={"lang": "de"}).text


def test_network_filters_take_several_values_each_capped(client: TestClient) -> None:
    # The per-value length limit was applied to the list: at most 80 fields, each of any length.
    many = [("field", "Photonics")] * 90 + [("world_region", "Eastern Asia")] * 25
    assert client.get("/api/v1/network", params=many).status_code == 200
    error = assert_error(client.get("/api/v1/network", params=[("field", "x" * 5000)]), 422)
    assert error["details"]["field"] == "field.0"
    assert_error(client.get("/api/v1/network", params=[("field", "Photonics")] * 101), 422)
