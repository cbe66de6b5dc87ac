"""One-off migration (December 2026): split the old ``partnerships.csv`` into relationships as data.

The first catalogue stored every relationship as a pair row, so a multi-party network, a joint
EU project or a multi-cluster MoU became up to 29 pairwise "partnerships". This script reads that
file and writes three tables:

- ``partnerships.csv``: bilateral ties only (agreement, memorandum, joint project, exchange,
  affiliation), one row per pair; where several old rows named the same pair they are merged
  (earliest year, strongest kind, every source kept);
- ``networks.csv``: the multi-party networks the old rows came from;
- ``network_members.csv``: which profile belongs to which network, since when, and the
  sources (every old row's source is kept: space-separated URLs).

Every decision is written down below, read from the old rows' notes and sources. Run once::

    python scripts/migrate_relationships.py OLD_PARTNERSHIPS_CSV DATA_DIR

``tests/test_migration.py`` runs :func:`migrate` on the old file (kept as a fixture) and checks
that no relationship is lost and none is counted twice.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Networks: id -> (name, kind, since, until, defining source).
NETWORKS: dict[str, tuple[str, str, str, str, str]] = {
    "escp-4i-joint-mou-2019": (
        "Joint MoU of four ESCP-4i strategic cluster partnerships on China and US markets",
        "multi-party agreement", "2019", "",
        "https://clustercollaboration.eu/community-news/four-european-strategic-cluster-partnerships-escp-4i-join-forces-boost"),
    "elbe": (
        "European Leaders of Blue Energy (ELBE)", "alliance", "", "",
        "https://oceansupercluster.ca/collaborative-partnership-with-european-leaders-of-blue-energy/"),
    "osc-elbe-mou": (
        "Ocean Supercluster and ELBE memorandum on ocean renewables", "multi-party agreement", "",
        "", "https://oceansupercluster.ca/collaborative-partnership-with-european-leaders-of-blue-energy/"),
    "3bi-intercluster": (
        "3BI bioeconomy intercluster", "alliance", "2015", "",
        "https://www.bioeconomy.de/en/projekte/beechwood-international/"),
    "beechwood-international": (
        "BEECHWOOD INTERNATIONAL (BMBF internationalisation project)", "project consortium", "2017",
        "", "https://www.bioeconomy.de/en/projekte/beechwood-international/"),
    "french-health-clusters-network": (
        "Network of the French health competitiveness clusters", "national network", "", "",
        "http://www.eurobiomed.org/en/news/detail/News/the-seven-french-health-competitiveness-clusters-create-a-network/"),
    "eacn": (
        "European Automotive Cluster Network (EACN)", "alliance", "2016", "",
        "https://www.silesia-automotive.pl/partnerstwo-w-european-automotive-cluster-network-2273"),
    "silicon-europe-alliance": (
        "Silicon Europe Alliance", "alliance", "2015", "",
        "https://www.silicon-europe.eu/about/history/"),
    "silicon-europe-fp7": (
        "Silicon Europe (FP7 Regions of Knowledge project)", "project consortium", "2012", "2015",
        "https://maregionsud.up2europe.eu/european/projects/developing-a-leading-edge-european-micro-and-nanoelectronics-cluster-for-energy-efficient-ict_17983.html"),
    "fp7-aerospace-networking": (
        "Cross-cluster FP7 aerospace networking initiative", "project consortium", "2010", "",
        "https://fly-news.es/industria/el-cluster-aeroespacial-vasco-hegan-apuesta-por-europa/"),
    "bioxclusters-plus": (
        "bioXclusters PLUS", "strategic cluster partnership", "", "",
        "https://clustercollaboration.eu/community-news/bioxclusters-plus-partnership-and-australian-organisations-sign-international"),
    "bioxclusters-plus-south-australia-2016": (
        "bioXclusters PLUS business development agreement with South Australian organisations",
        "multi-party agreement", "2016", "",
        "http://healthindustries.sa.gov.au/news/european-and-australian-organisations-sign-international-super-cluster-agreement.html"),
    "bioxclusters-plus-osaka": (
        "bioXclusters PLUS cooperation agreement with Osaka", "multi-party agreement", "", "",
        "https://biotechinfo.fr/article/bioxclusters-plus-signe-un-accord-de-cooperation-avec-osaka-bio-headquarter/"),
    "ecri": (
        "ECRI (COSME cluster excellence project)", "project consortium", "2016", "",
        "https://biopmed.eu/progetti-strategici/ecri/"),
    "exxtra": (
        "EXXTRA (ESCP-4x railway cluster partnership)", "strategic cluster partnership", "2020", "",
        "https://censec.dk/blog/2020/06/23/exxtra/"),
    "microtechnics-alliance": (
        "Microtechnics Alliance", "alliance", "", "",
        "https://devicemed.fr/dossiers/actualites/centre-de-gravite-des-microtechniques-au-coeur-de-leurope/125"),
    "eacp": (
        "European Aerospace Cluster Partnership (EACP)", "alliance", "2009", "",
        "http://www.aerospace-cluster.com/actualites-association/aerospace-cluster-becomes-member-of-eacp/"),
    "eurosme": (
        "EuroSME (ESCP-S3 aerospace partnership)", "strategic cluster partnership", "2018", "",
        "https://daccampania.com/en/eurosme-2"),
    "adpack": (
        "AdPack (ESCP-4i on advanced smart packaging)", "strategic cluster partnership", "2016", "",
        "https://clustercollaboration.eu/community-news/adpack-escp-partners-created-european-meta-cluster"),
    "adpack2": (
        "AdPack² (ESCP-4i)", "strategic cluster partnership", "", "",
        "https://impr-0001-1260-partners.eccp.hosted-temp.com/community-news/adpack2-european-strategic-cluster-partnership-going-international-escp-4i-year?f%5B0%5D=profile_type%3Acluster_profile"),
    "recipe4mobility": (
        "RECiPE4Mobility (ESCP-4x urban mobility partnership)", "strategic cluster partnership",
        "2020", "", "https://www.mobilitylogistics.de/mobility/nachhaltige-mobilitaet/project-recipe4mobility"),
    "cosmenerg": (
        "COSMENERG (COSME cluster excellence project)", "project consortium", "2016", "",
        "http://www.archenerg.eu/index.php/en/home/434-cosme-programme-participants-met-in-novi-sad"),
    "medic-nest": (
        "MEDIC-NEST precision medicine meta-cluster", "strategic cluster partnership", "2022", "",
        "https://www.adrnordest.ro/en/medic-nest-meta-cluster-in-precision-medicine-was-officially-launched/"),
    "photonics4industry": (
        "Photonics4Industry cluster partnership", "strategic cluster partnership", "2022", "",
        "https://toolas.eu/projects/photonics4industry/"),
    "ce4big": (
        "CE4BIG (COSME personalised-medicine cluster project)", "project consortium", "2020", "",
        "https://lifescience.pl/?p=34576"),
    "eit-health-innolife": (
        "InnoLife consortium (EIT Health)", "project consortium", "2014", "",
        "https://www.gesundheitsindustrie-bw.de/en/article/press-release/biotech-cluster-rhine-neckar-biorn-leads-innolife-consortium-to-success"),
    "celis": (
        "CELIS (ESCP-4x life-science partnership)", "strategic cluster partnership", "2020", "",
        "https://biopeople.eu/biopeople-working-groups/show/denmark-biopeople-in-the-very-first-european-strategic-cluster-partnerships-for-excellence/"),
    "health-axis-europe": (
        "Health Axis Europe", "alliance", "2011", "",
        "https://www.gesundheitsindustrie-bw.de/fachbeitrag/pm/health-axis-europe-gegruendet"),
    "mobigoin": (
        "MobiGoIn (ESCP-4i smart mobility partnership)", "strategic cluster partnership", "2016", "",
        "https://key4biz.it/?p=148355"),
    "mexican-automotive-clusters": (
        "Network of Mexican automotive clusters", "national network", "", "",
        "https://www.tecma.com/automotive-manufacturing-clusters-in-guanajuato/"),
    "icool": (
        "iCool (internationalisation project for energy-efficient electronics)", "project consortium",
        "2017", "", "https://www.cool-silicon.de/en/projects/icool/"),
    "excite": (
        "EXCITE cluster partnership", "strategic cluster partnership", "2022", "",
        "https://silicon-saxony.de/en/excite-project-completion-mission-accomplished-the-work-continues-unabated/"),
    "discp": (
        "DISCP (ESCP-4i on Industry 4.0)", "strategic cluster partnership", "", "",
        "https://www.balticnet-plasmatec.org/eu-project-cosme-discp/"),
    "s3martmed": (
        "S3martMed (ESCP-S3 medtech partnership)", "strategic cluster partnership", "2018", "",
        "https://www.clustercollaboration.eu/escp-s3-profiles/s3martmed"),
    "software-cluster-offices": (
        "Software-Cluster and its regional coordination offices", "national network", "", "",
        "https://www.iese.fraunhofer.de/de/presse/softwarecluster/PM_2014_02_230514_sc-gocluster.html"),
    "inno-drop": (
        "INNO-DROP (COSME cluster excellence project)", "project consortium", "", "", ""),
    "blues": (
        "BLUES blue and eco industries cluster partnership", "strategic cluster partnership", "",
        "", ""),
    "reciprocity": (
        "RECIPROCITY (Horizon 2020 mobility replication project)", "project consortium", "2021",
        "", ""),
    "german-food-clusters": (
        "German Food Clusters", "national network", "2012", "", ""),
}

#: Old rows whose whole source describes one network.
NETWORK_BY_SOURCE: dict[str, str] = {
    "https://clustercollaboration.eu/community-news/four-european-strategic-cluster-partnerships-escp-4i-join-forces-boost": "escp-4i-joint-mou-2019",
    "http://www.eurobiomed.org/en/news/detail/News/the-seven-french-health-competitiveness-clusters-create-a-network/": "french-health-clusters-network",
    "https://www.silesia-automotive.pl/partnerstwo-w-european-automotive-cluster-network-2273": "eacn",
    "https://www.silicon-europe.eu/about/history/": "silicon-europe-alliance",
    "https://www.midasireland.ie/blog/silicon-europe-grows-to-cover-12-regions/": "silicon-europe-alliance",
    "https://maregionsud.up2europe.eu/european/projects/developing-a-leading-edge-european-micro-and-nanoelectronics-cluster-for-energy-efficient-ict_17983.html": "silicon-europe-fp7",
    "https://fly-news.es/industria/el-cluster-aeroespacial-vasco-hegan-apuesta-por-europa/": "fp7-aerospace-networking",
    "https://clustercollaboration.eu/community-news/bioxclusters-plus-partnership-and-australian-organisations-sign-international": "bioxclusters-plus",
    "http://healthindustries.sa.gov.au/news/european-and-australian-organisations-sign-international-super-cluster-agreement.html": "bioxclusters-plus-south-australia-2016",
    "https://biotechinfo.fr/article/bioxclusters-plus-signe-un-accord-de-cooperation-avec-osaka-bio-headquarter/": "bioxclusters-plus-osaka",
    "https://biopmed.eu/progetti-strategici/ecri/": "ecri",
    "https://censec.dk/blog/2020/06/23/exxtra/": "exxtra",
    "https://devicemed.fr/dossiers/actualites/centre-de-gravite-des-microtechniques-au-coeur-de-leurope/125": "microtechnics-alliance",
    "http://www.aerospace-cluster.com/actualites-association/aerospace-cluster-becomes-member-of-eacp/": "eacp",
    "https://www.hamburg-aviation.de/detail/details/news/mitgliederversammlung-der-european-aerospace-cluster-partnership-in-delft.html": "eacp",
    "https://aerospaceclustersweden.com/pa-den-europeiska-flygklusterkartan/": "eacp",
    "http://www.eacp-aero.eu/news-details/detail/News/eacp-general-assembly-2017-welcomed-49-cluster-representatives-from-20-countries-in-niedersachsen.html": "eacp",
    "http://www.eacp-aero.eu/news-details/detail/News/the-eacp-celebrates-its-10-year-anniversary-in-birmingham.html": "eacp",
    "https://daccampania.com/en/eurosme-2": "eurosme",
    "https://clustercollaboration.eu/community-news/adpack-escp-partners-created-european-meta-cluster": "adpack",
    "https://impr-0001-1260-partners.eccp.hosted-temp.com/community-news/adpack2-european-strategic-cluster-partnership-going-international-escp-4i-year?f%5B0%5D=profile_type%3Acluster_profile": "adpack2",
    "https://www.mobilitylogistics.de/mobility/nachhaltige-mobilitaet/project-recipe4mobility": "recipe4mobility",
    "http://www.archenerg.eu/index.php/en/home/434-cosme-programme-participants-met-in-novi-sad": "cosmenerg",
    "https://www.adrnordest.ro/en/medic-nest-meta-cluster-in-precision-medicine-was-officially-launched/": "medic-nest",
    "https://www.imago-mol.ro/medic-nest-precision-medicine-clusters-integrating-digital-technologies-for-new-ecosystems-in-healthcare/?lang=en": "medic-nest",
    "https://toolas.eu/projects/photonics4industry/": "photonics4industry",
    "https://lifescience.pl/?p=34576": "ce4big",
    "https://www.gesundheitsindustrie-bw.de/en/article/press-release/biotech-cluster-rhine-neckar-biorn-leads-innolife-consortium-to-success": "eit-health-innolife",
    "https://biopeople.eu/biopeople-working-groups/show/denmark-biopeople-in-the-very-first-european-strategic-cluster-partnerships-for-excellence/": "celis",
    "https://www.health-axis.eu/health-axis-europe/background/?PHPSESSID=a0d5a0609c0f6a7522a991da07282d61": "health-axis-europe",
    "https://www.gesundheitsindustrie-bw.de/fachbeitrag/pm/health-axis-europe-gegruendet": "health-axis-europe",
    "https://key4biz.it/?p=148355": "mobigoin",
    "https://www.tecma.com/automotive-manufacturing-clusters-in-guanajuato/": "mexican-automotive-clusters",
    "https://www.cool-silicon.de/en/projects/icool/": "icool",
    "https://silicon-saxony.de/en/excite-project-completion-mission-accomplished-the-work-continues-unabated/": "excite",
    "https://www.balticnet-plasmatec.org/eu-project-cosme-discp/": "discp",
    "https://www.clustercollaboration.eu/escp-s3-profiles/s3martmed": "s3martmed",
    "https://www.iese.fraunhofer.de/de/presse/softwarecluster/PM_2014_02_230514_sc-gocluster.html": "software-cluster-offices",
}

#: Old rows of the OSC/ELBE source: the alliance's members among themselves are ELBE; the
#: Ocean Supercluster's rows are its MoU with the alliance.
OSC_SOURCE = "https://oceansupercluster.ca/collaborative-partnership-with-european-leaders-of-blue-energy/"
#: Old rows of the bioeconomy source: the 2015 agreement rows are the 3BI intercluster, the 2017
#: rows the BEECHWOOD INTERNATIONAL project.
BIOECONOMY_SOURCE = "https://www.bioeconomy.de/en/projekte/beechwood-international/"

#: Single old rows that describe a membership in a network (pair -> network).
NETWORK_BY_PAIR: dict[frozenset[str], str] = {
    frozenset({"hamburg-aviation", "aerospace-lombardia"}): "eacp",
    frozenset({"hamburg-aviation", "bavairia"}): "eacp",
    frozenset({"hamburg-aviation", "bbaa"}): "eacp",
    frozenset({"bts-rail-saxony", "ditecfer"}): "exxtra",
    frozenset({"balticnet-plasmatec", "aqua-valley"}): "inno-drop",
    frozenset({"balticnet-plasmatec", "zinnae"}): "inno-drop",
    frozenset({"balticnet-plasmatec", "mazovia-cluster-ict"}): "blues",
    frozenset({"cluster-mobility-logistics", "business-upper-austria"}): "reciprocity",
    frozenset({"microtec-suedwest", "pole-des-microtechniques"}): "microtechnics-alliance",
    frozenset({"foodregio", "food-processing-initiative"}): "german-food-clusters",
    frozenset({"it-for-work", "cyberforum"}): "software-cluster-offices",
}

#: Pairs where one organisation runs, hosts, coordinates or is part of the other: a tie between
#: two organisations, but not a partnership to be predicted.
AFFILIATIONS: frozenset[frozenset[str]] = frozenset({
    frozenset({"ce3m", "maroc-cluster"}),
    frozenset({"e-mobil-bw", "em-sued-west"}),
    frozenset({"eeci", "eastern-economic-corridor-thailand"}),
    frozenset({"food-innopolis", "eeci"}),
    frozenset({"m4-personalised-medicine", "biom"}),
    frozenset({"mai-carbon", "composites-united"}),
    frozenset({"medicalmountains", "technologymountains"}),
    frozenset({"parque-tecnologico-sao-jose-dos-campos", "brazilian-aerospace-cluster"}),
    frozenset({"tssk-teknokent-defence-cluster", "odtu-teknokent"}),
    frozenset({"cool-silicon", "silicon-saxony"}),
    frozenset({"cluster-mecatronic-tunisie", "novation-city"}),
    frozenset({"basque-energy-cluster", "basque-hydrogen-corridor"}),
})

#: When a network member joined later than the network began (from the old rows' notes).
MEMBER_SINCE: dict[tuple[str, str], str] = {
    ("eacp", "bavairia"): "2009",
    ("eacp", "aca-izmir"): "2011",
    ("eacp", "aerospace-cluster-sweden"): "2015",
    ("eacp", "acstyria"): "2017",
    ("eacp", "weaf"): "2017",
    ("eacp", "shannon-iasc"): "2018",
    ("health-axis-europe", "brightlands-maastricht-health-campus"): "2015",
    ("silicon-europe-alliance", "mesap"): "2017",
    ("medic-nest", "basque-health-cluster"): "2024",
    ("medic-nest", "health-cluster-portugal"): "2024",
    ("medic-nest", "klaster-lifescience-krakow"): "2024",
}

#: Old kinds of bilateral rows -> the bilateral kinds. A "strategic partnership" between two
#: organisations without a signed document is a standing exchange.
KIND_MAP = {
    "agreement": "agreement",
    "memorandum": "memorandum",
    "joint project": "joint project",
    "funded internationalisation": "joint project",
    "strategic partnership": "exchange",
    "network membership": "exchange",
}
#: Kind precedence when old rows of one pair are merged (first wins).
KIND_ORDER = ("agreement", "memorandum", "joint project", "exchange", "affiliation")


@dataclass
class Bilateral:
    a: str
    b: str
    since: str
    kind: str
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict[str, str]:
        return {"a": self.a, "b": self.b, "since": self.since, "kind": self.kind,
                "source": " ".join(self.sources), "note": "; ".join(self.notes)}


@dataclass
class Result:
    partnerships: list[dict[str, str]]
    networks: list[dict[str, str]]
    members: list[dict[str, str]]
    #: old row number (0-based) -> ("bilateral", a|b) or ("network", network id)
    placed: dict[int, tuple[str, str]]


def network_of(row: Mapping[str, str]) -> str | None:
    """The network an old row belongs to, or None for a bilateral tie."""
    source, pair = row["source"], frozenset({row["a"], row["b"]})
    if source == OSC_SOURCE:
        return "osc-elbe-mou" if "ocean-supercluster" in pair else "elbe"
    if source == BIOECONOMY_SOURCE:
        return "3bi-intercluster" if row["kind"] == "agreement" else "beechwood-international"
    return NETWORK_BY_SOURCE.get(source) or NETWORK_BY_PAIR.get(pair)


def _earliest(a: str, b: str) -> str:
    years = [y for y in (a, b) if y]
    return min(years) if years else ""


def migrate(rows: Iterable[Mapping[str, str]]) -> Result:
    """Split old pair rows into bilateral ties, networks and memberships."""
    bilateral: dict[tuple[str, str], Bilateral] = {}
    members: dict[tuple[str, str], dict[str, str]] = {}
    placed: dict[int, tuple[str, str]] = {}
    for n, row in enumerate(rows):
        a, b = row["a"], row["b"]
        network = network_of(row)
        if network is not None:
            placed[n] = ("network", network)
            net_since = NETWORKS[network][2]
            for pid in (a, b):
                key = (network, pid)
                since = MEMBER_SINCE.get(key, net_since)
                if key not in members:
                    members[key] = {"network": network, "profile": pid, "since": since,
                                    "source": row["source"]}
                elif row["source"] not in members[key]["source"].split():
                    members[key]["source"] += " " + row["source"]
            continue
        pair = (min(a, b), max(a, b))
        placed[n] = ("bilateral", "|".join(pair))
        kind = "affiliation" if frozenset(pair) in AFFILIATIONS else KIND_MAP[row["kind"]]
        if pair not in bilateral:
            bilateral[pair] = Bilateral(pair[0], pair[1], row["since"], kind)
        tie = bilateral[pair]
        tie.since = _earliest(tie.since, row["since"])
        tie.kind = min(tie.kind, kind, key=KIND_ORDER.index)
        if row["source"] not in tie.sources:
            tie.sources.append(row["source"])
        if row.get("note"):
            tie.notes.append(row["note"])
    used = {net for net, _ in members}
    networks = [
        {"id": nid, "name": name, "kind": kind, "since": since, "until": until,
         "source": source or next(m["source"] for (net, _), m in members.items() if net == nid)}
        for nid, (name, kind, since, until, source) in sorted(NETWORKS.items()) if nid in used
    ]
    return Result(
        partnerships=[bilateral[k].row() for k in sorted(bilateral)],
        networks=networks,
        members=[members[k] for k in sorted(members)],
        placed=placed,
    )


def write_csv(path: Path, columns: list[str], rows: Iterable[Mapping[str, str]]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def main(argv: list[str]) -> int:
    old, data = Path(argv[0]), Path(argv[1])
    with open(old, newline="", encoding="utf-8") as f:
        result = migrate(list(csv.DictReader(f)))
    write_csv(data / "partnerships.csv", ["a", "b", "since", "kind", "source", "note"],
              result.partnerships)
    write_csv(data / "networks.csv", ["id", "name", "kind", "since", "until", "source"],
              result.networks)
    write_csv(data / "network_members.csv", ["network", "profile", "since", "source"],
              result.members)
    print(f"{len(result.partnerships)} bilateral ties, {len(result.networks)} networks, "
          f"{len(result.members)} memberships")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
