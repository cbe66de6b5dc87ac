"""The partnership network for programme staff: who is tied to whom, who brokers, who is alone.

Nodes are profiles: every German profile and every other profile with a relationship in view.
Edges, in a :class:`networkx.MultiGraph` (two profiles may have a bilateral tie and several shared
networks), are of two relations: ``bilateral`` (``kind`` the tie's: agreement, memorandum, joint
project, exchange, affiliation; ``year`` the tie's) and ``co-membership`` (``kind`` is
``co-membership``; ``network`` and ``network_name`` name the network; ``year`` is when both were
members). A view keeps the profiles holding one of ``fields`` and, of the other profiles, those in
one of ``world_regions`` (German profiles stay whatever the region: the network is the German
clusters'); ``edges`` picks the relations.

Metrics are those of networkx on the view's simple graph (one edge per pair of profiles):
``degree`` counts distinct neighbours, ``betweenness`` is the normalised betweenness centrality
(Brandes), and the brokers are the profiles with the highest betweenness. The positions for the
drawing come from a seeded spring layout, so the same view is always drawn the same way.

Pure functions work on graphs (tested on small hand-made ones); :func:`partnership_network`
resolves a catalogue to a graph.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..catalogue.catalogue import HOME_COUNTRY, Catalogue
from ..engine.filters import Filters, check_filters
from ..errors import InvalidInputError

#: Which relations a view shows.
EDGE_SETS: dict[str, tuple[str, ...]] = {
    "all": ("bilateral", "co-membership"),
    "bilateral": ("bilateral",),
    "co_membership": ("co-membership",),
}
NODE_COLUMNS = ("id", "name", "country", "world_region", "german", "kind", "fields", "degree",
                "betweenness")
EDGE_COLUMNS = ("source", "target", "relation", "kind", "year", "network", "network_name")


@dataclass(frozen=True)
class Node:
    """A profile as a node."""

    id: str
    name: str
    country: str
    world_region: str
    kind: str
    fields: tuple[str, ...]

    @property
    def german(self) -> bool:
        return self.country == HOME_COUNTRY


@dataclass(frozen=True)
class Edge:
    """One bilateral tie or one shared network between two profiles."""

    source: str
    target: str
    relation: str  # "bilateral" or "co-membership"
    kind: str
    year: int | None
    network: str = ""
    network_name: str = ""


# --- pure tier ---------------------------------------------------------------------------------
def build_graph(nodes: Iterable[Node], edges: Iterable[Edge]) -> nx.MultiGraph:
    """A multigraph of ``nodes`` (in the given order) and those ``edges`` whose ends are nodes.

    Node attributes: name, country, world_region, kind, german (bool), fields ("; "-joined);
    edge attributes: relation, kind, year (absent when unknown), network, network_name."""
    graph = nx.MultiGraph()
    for n in nodes:
        graph.add_node(n.id, name=n.name, country=n.country, world_region=n.world_region,
                       kind=n.kind, german=n.german, fields="; ".join(n.fields))
    for e in edges:
        if e.source in graph and e.target in graph:
            attrs: dict[str, Any] = {"relation": e.relation, "kind": e.kind,
                                     "network": e.network, "network_name": e.network_name}
            if e.year is not None:
                attrs["year"] = e.year
            graph.add_edge(e.source, e.target, **attrs)
    return graph


def simple(graph: nx.MultiGraph) -> nx.Graph:
    """The graph with one edge per pair of nodes (the node attributes kept)."""
    out = nx.Graph()
    out.add_nodes_from(graph.nodes(data=True))
    out.add_edges_from(graph.edges())
    return out


@dataclass(frozen=True)
class NodeMetrics:
    degree: int
    betweenness: float


def metrics(graph: nx.MultiGraph) -> dict[str, NodeMetrics]:
    """Degree (distinct neighbours) and normalised betweenness centrality of every node."""
    plain = simple(graph)
    betweenness = nx.betweenness_centrality(plain, normalized=True)
    return {n: NodeMetrics(int(plain.degree(n)), round(float(betweenness[n]), 6)) for n in plain}


def brokers(node_metrics: dict[str, NodeMetrics], n: int = 10) -> list[str]:
    """The ``n`` nodes with the highest betweenness above 0, highest first (ties by id)."""
    ranked = sorted((-m.betweenness, node) for node, m in node_metrics.items() if m.betweenness > 0)
    return [node for _, node in ranked[:n]]


def without_international_tie(graph: nx.MultiGraph) -> list[str]:
    """German nodes (``german`` attribute) with no edge to a node outside Germany, in order."""
    return [n for n, data in graph.nodes(data=True)
            if data["german"] and not any(not graph.nodes[m]["german"] for m in graph.neighbors(n))]


def positions(graph: nx.MultiGraph, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Node positions in [0, 1]² from a seeded spring layout (the same graph, the same drawing)."""
    plain = simple(graph)
    if plain.number_of_nodes() == 0:
        return {}
    if plain.number_of_nodes() == 1:
        return {next(iter(plain)): (0.5, 0.5)}
    raw = nx.spring_layout(plain, seed=seed, k=2.5 / plain.number_of_nodes() ** 0.5,
                           iterations=100)
    xs = [float(p[0]) for p in raw.values()]
    ys = [float(p[1]) for p in raw.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return {str(n): ((float(p[0]) - min(xs)) / span_x, (float(p[1]) - min(ys)) / span_y)
            for n, p in raw.items()}


def to_graphml(graph: nx.MultiGraph, node_metrics: dict[str, NodeMetrics] | None = None) -> bytes:
    """The graph as GraphML (UTF-8), with degree and betweenness on the nodes when given."""
    out = graph.copy()
    for node, m in (node_metrics or {}).items():
        out.nodes[node]["degree"] = m.degree
        out.nodes[node]["betweenness"] = m.betweenness
    return "\n".join(nx.generate_graphml(out, encoding="utf-8")).encode("utf-8") + b"\n"


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def edges_csv(graph: nx.MultiGraph) -> str:
    """One row per edge (:data:`EDGE_COLUMNS`), in the graph's order."""
    return _csv(EDGE_COLUMNS, ([a, b, d["relation"], d["kind"], d.get("year", ""), d["network"],
                                d["network_name"]] for a, b, d in graph.edges(data=True)))


def nodes_csv(graph: nx.MultiGraph, node_metrics: dict[str, NodeMetrics]) -> str:
    """One row per node (:data:`NODE_COLUMNS`), in the graph's order."""
    return _csv(NODE_COLUMNS, ([n, d["name"], d["country"], d["world_region"],
                                "yes" if d["german"] else "no", d["kind"], d["fields"],
                                node_metrics[n].degree, node_metrics[n].betweenness]
                               for n, d in graph.nodes(data=True)))


# --- thin tier ---------------------------------------------------------------------------------
@dataclass
class PartnershipNetwork:
    """A view of the partnership network with its metrics."""

    graph: nx.MultiGraph
    metrics: dict[str, NodeMetrics]
    brokers: list[str]
    without_international_tie: list[str]
    fields: tuple[str, ...] = ()
    world_regions: tuple[str, ...] = ()
    edges: str = "all"
    counts: dict[str, int] = field(default_factory=dict)
    _positions: dict[str, tuple[float, float]] | None = field(default=None, repr=False)

    def positions(self) -> dict[str, tuple[float, float]]:
        """The seeded layout of :func:`positions`, computed once per view."""
        if self._positions is None:
            self._positions = positions(self.graph)
        return self._positions

    def to_dict(self) -> dict[str, Any]:
        g = self.graph
        return {
            "view": {"fields": list(self.fields), "world_regions": list(self.world_regions),
                     "edges": self.edges},
            "counts": self.counts,
            "nodes": [{"id": n, "name": d["name"], "country": d["country"],
                       "world_region": d["world_region"], "german": d["german"], "kind": d["kind"],
                       "fields": d["fields"].split("; ") if d["fields"] else [],
                       "degree": self.metrics[n].degree,
                       "betweenness": self.metrics[n].betweenness}
                      for n, d in g.nodes(data=True)],
            "edges": [{"source": a, "target": b, "relation": d["relation"], "kind": d["kind"],
                            "year": d.get("year"), "network": d["network"] or None,
                            "network_name": d["network_name"] or None}
                           for a, b, d in g.edges(data=True)],
            "brokers": self.brokers,
            "without_international_tie": self.without_international_tie,
        }


def catalogue_edges(catalogue: Catalogue) -> list[Edge]:
    """Every bilateral tie and every pair of co-members of each network, as edges."""
    rel = catalogue.relationships
    out = [Edge(x.a, x.b, "bilateral", x.kind, x.since) for x in rel.partnerships]
    for network in rel.networks.values():
        members = {m.profile: m for m in rel.memberships if m.network == network.id}
        for a, b in itertools.combinations(sorted(members), 2):
            years = [y for y in (members[a].since, members[b].since) if y is not None]
            out.append(Edge(a, b, "co-membership", "co-membership", max(years) if years else None,
                            network.id, network.name))
    return out


def partnership_network(catalogue: Catalogue, *, fields: Collection[str] = (),
                        world_regions: Collection[str] = (), edges: str = "all",
                        brokers_shown: int = 10) -> PartnershipNetwork:
    """The view of ``catalogue``'s network (see the module docstring); unknown field, world
    region or edge set raise :class:`InvalidInputError` naming the parameter."""
    if edges not in EDGE_SETS:
        raise InvalidInputError(f"edges must be one of {', '.join(EDGE_SETS)}", field="edges")
    check_filters(catalogue, Filters(fields=tuple(fields), world_regions=tuple(world_regions)))
    geo = catalogue.reference.geography
    wanted_fields, wanted_regions = set(fields), set(world_regions)
    kept = [p for p in catalogue.profiles
            if (not wanted_fields or wanted_fields & set(p.fields))
            and (not wanted_regions or p.country == HOME_COUNTRY
                 or geo.world_region(p.country) in wanted_regions)]
    relations = EDGE_SETS[edges]
    graph = build_graph(
        (Node(p.id, p.name, p.country, geo.world_region(p.country), p.kind, p.fields) for p in kept),
        (e for e in catalogue_edges(catalogue) if e.relation in relations))
    graph.remove_nodes_from([n for n, d in graph.nodes(data=True)
                             if not d["german"] and graph.degree(n) == 0])
    node_metrics = metrics(graph)
    alone = without_international_tie(graph)
    counts = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
              "bilateral": sum(1 for *_, d in graph.edges(data=True) if d["relation"] == "bilateral"),
              "co_membership": sum(1 for *_, d in graph.edges(data=True)
                                   if d["relation"] == "co-membership"),
              "german": sum(1 for _, d in graph.nodes(data=True) if d["german"]),
              "german_without_international_tie": len(alone)}
    return PartnershipNetwork(graph, node_metrics, brokers(node_metrics, brokers_shown), alone,
                              tuple(fields), tuple(world_regions), edges, counts)
