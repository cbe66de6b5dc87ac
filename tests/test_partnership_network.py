"""The partnership network: metrics on a small hand-made graph, exports, views of a catalogue."""

from __future__ import annotations

import csv
import io

import networkx as nx
import pytest

from matcher import Catalogue, InvalidInputError
from matcher.analysis.network import (
    EDGE_COLUMNS,
    NODE_COLUMNS,
    Edge,
    Node,
    brokers,
    build_graph,
    edges_csv,
    metrics,
    nodes_csv,
    partnership_network,
    positions,
    to_graphml,
    without_international_tie,
)


def node(pid: str, country: str) -> Node:
    return Node(pid, pid.upper(), country, "Somewhere", "cluster organisation", ("Photonics",))


@pytest.fixture
def graph() -> nx.MultiGraph:
    """de1 - fr - de2 - jp (a path: fr and de2 broker), de2 - de3 (a German-only tie, twice:
    a tie and a shared network), de4 alone; an edge to an unknown node is dropped."""
    nodes = [node("de1", "DE"), node("fr", "FR"), node("de2", "DE"), node("jp", "JP"),
             node("de3", "DE"), node("de4", "DE")]
    edges = [Edge("de1", "fr", "bilateral", "agreement", 2015),
             Edge("fr", "de2", "co-membership", "co-membership", 2018, "net", "Net"),
             Edge("de2", "jp", "bilateral", "memorandum", None),
             Edge("de2", "de3", "bilateral", "exchange", 2020),
             Edge("de2", "de3", "co-membership", "co-membership", 2019, "net", "Net"),
             Edge("de1", "nobody", "bilateral", "agreement", 2015)]
    return build_graph(nodes, edges)


def test_metrics_on_a_hand_made_graph(graph: nx.MultiGraph) -> None:
    m = metrics(graph)
    assert {n: x.degree for n, x in m.items()} == {"de1": 1, "fr": 2, "de2": 3, "jp": 1, "de3": 1,
                                                   "de4": 0}
    # de2 lies on the shortest paths between {de1, fr} and {jp, de3} and between jp and de3:
    # 2*2 + 1 = 5 pairs of the 15, normalised by (n-1)(n-2)/2 = 10; fr on de1's 3 paths.
    assert m["de2"].betweenness == pytest.approx(0.5)
    assert m["fr"].betweenness == pytest.approx(0.3)
    assert m["de1"].betweenness == m["de4"].betweenness == 0.0
    assert brokers(m) == ["de2", "fr"]
    assert brokers(m, 1) == ["de2"]
    assert graph.number_of_edges() == 5  # the edge to an unknown node is dropped


def test_german_nodes_without_an_international_tie(graph: nx.MultiGraph) -> None:
    assert without_international_tie(graph) == ["de3", "de4"]


def test_positions_are_seeded_and_in_the_unit_square(graph: nx.MultiGraph) -> None:
    first, again = positions(graph), positions(graph)
    assert first == again and set(first) == set(graph)
    assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for x, y in first.values())
    assert positions(build_graph([], [])) == {}


def test_graphml_is_readable_by_networkx(graph: nx.MultiGraph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "network.graphml"
    path.write_bytes(to_graphml(graph, metrics(graph)))
    back = nx.read_graphml(path)
    assert isinstance(back, nx.MultiGraph)
    assert set(back) == set(graph) and back.number_of_edges() == 5
    assert back.nodes["de2"]["degree"] == 3 and back.nodes["de2"]["betweenness"] == pytest.approx(0.5)
    assert back.nodes["fr"]["german"] is False and back.nodes["de1"]["name"] == "DE1"
    kinds = sorted(d["kind"] for *_, d in back.edges(data=True))
    assert kinds == ["agreement", "co-membership", "co-membership", "exchange", "memorandum"]
    assert sorted(d.get("year") for *_, d in back.edges(data=True) if "year" in d) == [
        2015, 2018, 2019, 2020]


def test_csv_exports(graph: nx.MultiGraph) -> None:
    edges = list(csv.reader(io.StringIO(edges_csv(graph))))
    assert tuple(edges[0]) == EDGE_COLUMNS and len(edges) == 6
    assert ["de2", "jp", "bilateral", "memorandum", "", "", ""] in edges
    nodes = list(csv.DictReader(io.StringIO(nodes_csv(graph, metrics(graph)))))
    assert tuple(nodes[0]) == NODE_COLUMNS and len(nodes) == 6
    assert {r["id"]: r["german"] for r in nodes}["jp"] == "no"


# --- views of the test catalogue ---------------------------------------------------------------
def test_catalogue_view_edges_and_metrics(catalogue: Catalogue) -> None:
    net = partnership_network(catalogue)
    g = net.graph
    # every German profile, and every other profile with a relationship
    assert {"de-aero", "de-aero-home", "de-photonics", "fr-aero-oneside", "us-photonics",
            "jp-photonics-2", "kr-photonics"} == set(g)
    assert net.counts["bilateral"] == 2 and net.counts["co_membership"] == 3
    tie = g.get_edge_data("de-aero", "fr-aero-oneside")
    assert [(d["relation"], d["kind"], d.get("year")) for d in tie.values()] == [
        ("bilateral", "memorandum", 2018)]
    shared = g.get_edge_data("jp-photonics-2", "kr-photonics")
    assert [(d["kind"], d["network"], d.get("year")) for d in shared.values()] == [
        ("co-membership", "test-photonics-alliance", 2017)]
    assert net.brokers == ["de-photonics"]
    assert net.without_international_tie == ["de-aero-home"]
    data = net.to_dict()
    assert {e["relation"] for e in data["edges"]} == {"bilateral", "co-membership"}


def test_catalogue_view_filters(catalogue: Catalogue) -> None:
    asia = partnership_network(catalogue, world_regions=["Eastern Asia"])
    assert set(asia.graph) == {"de-aero", "de-aero-home", "de-photonics", "jp-photonics-2",
                               "kr-photonics"}  # German profiles always stay
    assert "de-aero" in asia.without_international_tie
    photonics = partnership_network(catalogue, fields=["Photonics"], edges="bilateral")
    assert set(photonics.graph) == {"de-photonics", "us-photonics"}
    assert photonics.counts["co_membership"] == 0


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"fields": ["Photonix"]}, "fields"),
    ({"world_regions": ["Atlantis"]}, "world_regions"),
    ({"edges": "some"}, "edges"),
])
def test_unknown_view_values_name_the_parameter(catalogue: Catalogue, kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInputError) as info:
        partnership_network(catalogue, **kwargs)
    assert info.value.field == field


def test_cli_network(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_cli import run

    code, out, _ = run(capsys, tmp_path, "network")
    assert code == 0
    assert out.startswith("7 profiles (3 German), 2 bilateral ties, 3 co-membership ties")
    assert "brokers (betweenness): de-photonics (" in out
    assert "without an international tie (1): de-aero-home" in out
    code, out, _ = run(capsys, tmp_path, "network", "--format", "graphml", "--out",
                       str(tmp_path / "n.graphml"))
    assert code == 0 and "wrote" in out
    assert nx.read_graphml(tmp_path / "n.graphml").number_of_edges() == 5
    code, out, _ = run(capsys, tmp_path, "network", "--format", "csv", "--table", "nodes",
                       "--field", "Photonics")
    assert code == 0 and out.splitlines()[0] == ",".join(NODE_COLUMNS) and len(out.splitlines()) == 5
    code, _, err = run(capsys, tmp_path, "network", "--world-region", "Atlantis")
    assert code == 2 and err.count("\n") == 1 and "world region" in err
