"""`clusterbridge catalogue check` on a small catalogue with one of each problem."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from cli import main
from matcher.catalogue import load_catalogue
from matcher.catalogue.curation import (
    check_catalogue,
    closeness,
    format_report,
    mirror_host,
    name_variants,
    shared_runs,
    staging_host,
)

from .conftest import CATALOGUE_DIR

TODAY = dt.date(2026, 12, 1)


def test_name_variants_cover_acronyms_parts_and_ids() -> None:
    variants = name_variants("Consortium for Research and Innovation in Aerospace in Québec (CRIAQ)",
                             "criaq")
    assert {"CRIAQ", "criaq", "Consortium for Research and Innovation in Aerospace in Québec"} <= variants
    assert "AEROSPACE" not in name_variants("AICHI-NAGOYA AEROSPACE CONSORTIUM")  # a word
    assert "GmbH" not in name_variants("Business Upper Austria - OÖ Wirtschaftsagentur GmbH")
    # A year or a number is no name, wherever a network's name gives one.
    assert name_variants("Memorandum of technology parks (Astana, 2022)") == {
        "Memorandum of technology parks (Astana, 2022)", "Memorandum of technology parks", "Astana"}
    assert "Brazil" not in name_variants("Agreement with Biominas (Brazil)", places=frozenset({"brazil"}))


def test_staging_and_temporary_copies_are_told_from_sites_of_their_own() -> None:
    for url in ("http://test.pharmabiz.com/news/1", "https://forschungscampus2.staging.ptj.de/n",
                "https://stage.assolombarda.it/m", "https://a.eccp.hosted-temp.com/c",
                "https://preprod.emr-paysdelaloire.fr/x", "http://tu.dev.wallonia.be/fr",
                # caches' copies and pages served from a bare address, not the site's own name
                "https://www-pref-mie-lg-jp.cache.yimg.jp/common/05/c.htm",
                "http://webcachetest.london.gov.uk/decisions/md1", "http://18.195.164.189/wirtschaft/a",
                "http://[2001:db8::1]/a"):
        assert staging_host(url), url
    for url in ("https://test.de/a", "https://www.test.de/a", "https://dev.to/x",
                "https://www.stage-entertainment.de/", "https://www.pharmabiz.com/news/1",
                "https://cache.de/a", "https://www.london.gov.uk/decisions/md1"):
        assert not staging_host(url), url


def test_document_sharing_copies_and_wikipedia_mirrors_are_told_from_originals() -> None:
    for url in ("https://docslib.org/doc/1/cluster", "https://fr.scribd.com/document/2/x",
                "https://deploy.doczz.net/doc/3/y", "https://wikimili.com/en/Some_Cluster",
                "https://issuu.com/acluster/docs/annual_report_2023"):
        assert mirror_host(url), url
    for url in ("https://en.wikipedia.org/wiki/Some_Cluster", "https://www.docs.example.org/a",
                "https://notscribd.com/a", "https://example.org/docslib.org/a"):
        assert not mirror_host(url), url


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    root = tmp_path / "cat"
    shutil.copytree(CATALOGUE_DIR, root)
    path = root / "profiles" / "example.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in records}
    body = ("A photonics cluster of laser makers, optics firms and institutes in its home region, "
            "with shared clean rooms, a test centre for optical components and training for "
            "technicians; members work on laser processing, optical metrology and sensors for "
            "industry, and the cluster organises joint projects and trade fair stands for them. ")
    for r in records:
        r["description"] = body + r["id"]  # long enough, and one template for all
        r["website"] = "https://example.org/" + r["id"]
    by_id["de-photonics"]["description"] = (
        "Photonics network whose members work closely with Test Photonics Alliance partners and "
        "with Test Optics Rochester on laser research, organising delegations, joint demonstrators and "
        "a shared test centre for optical components, with training for technicians and "
        "engineers of the member companies and institutes, and many other activities. ")
    by_id["jp-photonics-1"]["description"] = "Too short."
    by_id["jp-photonics-3"]["checked"] = "2023-06-30"
    by_id["kr-photonics"]["kind"] = "innovation region"
    del by_id["kr-photonics"]["website"]
    by_id["us-photonics"]["sources"].append("https://test.example-news.com/article/1")
    by_id["jp-photonics-2"]["sources"].append("https://www.readkong.com/page/photonics-report-1")
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ties = root / "partnerships.csv"
    ties.write_text(ties.read_text(encoding="utf-8").replace(
        "us-photonics,,joint project,https://example.org/test-fixture",
        "us-photonics,,joint project,https://example.org/a https://x.staging.example.org/b"),
        encoding="utf-8")
    return root


def test_check_finds_each_kind_of_problem_with_file_row_and_field(messy: Path) -> None:
    report = check_catalogue(messy, today=TODAY)
    found = {(f.check, f.row, f.field) for f in report.errors}
    rows = {json.loads(line)["id"]: n for n, line in enumerate(
        (messy / "profiles" / "example.jsonl").read_text().splitlines(), start=1)}
    assert ("names-related", rows["de-photonics"], "description") in found
    named = " ".join(f.message for f in report.errors if f.check == "names-related")
    assert "Test Photonics Alliance" in named and "Test Optics Rochester" in named
    assert ("stub", rows["jp-photonics-1"], "description") in found
    assert ("stale", rows["jp-photonics-3"], "checked") in found
    assert ("stand-in", rows["kr-photonics"], "kind") in found
    assert any(c == "template" for c, _, _ in found)  # the shared body text
    assert ("staging", rows["us-photonics"], "sources") in found
    staged = [(f.file, f.row) for f in report.errors if f.check == "staging"]
    assert staged == [("example.jsonl", rows["us-photonics"]), ("partnerships.csv", 3)]
    assert report.with_website == report.profiles - 1
    # A mirror is a last resort, not an error: listed as a note and counted, never a warning.
    notes = [(f.check, f.row, f.field) for f in report.findings if f.severity == "note"]
    assert notes == [("mirror", rows["jp-photonics-2"], "sources")]
    assert report.mirror_profiles == 1 and len(report.warnings) == 1  # kr-photonics' website
    assert format_report(report).splitlines()[-1].endswith(
        "; 1 profiles cite a document-sharing copy or Wikipedia mirror")


def test_shared_runs_are_the_longest_runs_a_source_also_holds() -> None:
    source = ("Founded in 2009, the cluster brings together more than 100 firms of the region. "
              "Its members build wind turbines.")
    text = ("The association, founded in 2009 the Cluster brings together more than 100 firms, "
            "many of them small; its members build wind turbines and boilers.")
    assert shared_runs(text, [source]) == [
        "founded in 2009 the cluster brings together more than 100 firms"]
    assert shared_runs(text, [source], min_words=4) == [
        "founded in 2009 the cluster brings together more than 100 firms",
        "its members build wind turbines"]
    # A run never spans two pages, and a text in other words shares none.
    assert shared_runs("alpha beta gamma delta epsilon zeta",
                       ["alpha beta gamma", "delta epsilon zeta"]) == []
    assert shared_runs("A network of firms that make turbines for wind parks.", [source]) == []


def test_closeness_reads_each_offer_and_seek_on_its_own() -> None:
    profile = load_catalogue(CATALOGUE_DIR).get("ca-aero-mutual")
    page = ("An aviation cluster of aircraft manufacturers, suppliers and research institutes. "
            "Offers: cabin interior design expertise aircraft final assembly know-how.")
    runs = closeness(profile, [page])
    assert runs["description"] == [
        "aviation cluster of aircraft manufacturers suppliers and research institutes"]
    # The offer (4 words) and the seek (5) are each shorter than a run, though the page runs them
    # together: each item is read on its own.
    assert runs["offers"] == [] and runs["seeks"] == []
    assert closeness(profile, [page], min_words=4)["offers"] == ["cabin interior design expertise"]


def test_cli_closeness_measures_the_profile_or_a_proposed_rewording(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.txt"
    page.write_text("We are an aviation cluster of aircraft manufacturers, suppliers and research "
                    "institutes working on aircraft cabins.", encoding="utf-8")
    data = ["--data", str(CATALOGUE_DIR), "catalogue", "closeness"]
    assert main([*data, "ca-aero-mutual", str(page)]) == 0
    out = capsys.readouterr().out
    assert "description: 1 run(s) of 6+ words shared" in out
    assert "longest shared run: 13 words" in out
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({"description": "Firms and institutes that design cabins and "
                                     "light airframe parts work together here."}), encoding="utf-8")
    assert main([*data, "ca-aero-mutual", str(page), "--candidate", str(candidate), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["longest"] == 0 and body["runs"]["description"] == []
    # Bad input: one line naming the id, file or key at fault, exit 2.
    candidate.write_text(json.dumps({"descriptoin": "x"}), encoding="utf-8")
    for argv, named in (([*data, "no-such-id", str(page)], "'no-such-id'"),
                        ([*data, "ca-aero-mutual", str(tmp_path / "missing.txt")], "missing.txt"),
                        ([*data, "ca-aero-mutual", str(page), "--candidate", str(candidate)],
                         "'descriptoin'"),
                        ([*data, "ca-aero-mutual", str(page), "--min-words", "1"], "--min-words")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert named in err and err.count("\n") == 1, err


def test_cli_exits_non_zero_on_errors_and_zero_when_clean(messy: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "check"]) == 0  # the shipped catalogue
    assert "0 errors" in capsys.readouterr().out
    assert main(["--data", str(messy), "catalogue", "check"]) == 1
    out, err = capsys.readouterr()
    assert "example.jsonl:" in out and "[stub]" in out and "error(s)" in err
    assert main(["--data", str(messy), "catalogue", "check", "--json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["errors"] > 0 and {"website_share", "findings"} <= set(body)


def test_an_invalid_catalogue_is_one_finding_per_problem(tmp_path: Path) -> None:
    root = tmp_path / "cat"
    shutil.copytree(CATALOGUE_DIR, root)
    (root / "partnerships.csv").write_text(
        "a,b,since,kind,source,note\nde-aero,nobody,,agreement,https://example.org/x,\n")
    report = check_catalogue(root, today=TODAY)
    assert [(f.check, f.file, f.row, f.field) for f in report.errors] == [
        ("invalid", "partnerships.csv", 2, "b")]


def test_contact_routes_are_counted_for_international_profiles_only(tmp_path: Path) -> None:
    root = tmp_path / "cat"
    shutil.copytree(CATALOGUE_DIR, root)
    before = check_catalogue(root, today=TODAY)
    path = root / "profiles" / "example.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    german = next(r for r in records if r["country"] == "DE")
    abroad = next(r for r in records if r["country"] != "DE" and not r.get("contact"))
    german["contact"] = "https://example.org/de/kontakt"
    abroad["contact"] = "https://example.org/contact"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    after = check_catalogue(root, today=TODAY)
    assert after.international == before.international == sum(r["country"] != "DE" for r in records)
    assert after.with_contact == before.with_contact + 1  # the German contact does not count
    assert after.to_dict()["contact_share"] == round(after.with_contact / after.international, 4)


def test_contacts_elsewhere_and_profiles_seen_at_work_are_counted(tmp_path: Path) -> None:
    root = tmp_path / "cat"
    shutil.copytree(CATALOGUE_DIR, root)
    path = root / "profiles" / "example.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    abroad = [r for r in records if r["country"] != "DE"]
    abroad[0].update(website="https://www.one.example", contact="https://one.example/contact",
                     confirmed=TODAY.year - 5)  # own site; five years old is still fresh
    abroad[1].update(contact="https://clustercollaboration.eu/cluster-organisations/two",
                     confirmed=TODAY.year - 6)  # another site; too old to count
    abroad[2].update(confirmed=TODAY.year - 1, ended=TODAY.year)  # ended: not counted
    home = [r for r in records if r["country"] == "DE"]
    home[0].update(confirmed=TODAY.year)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = check_catalogue(root, today=TODAY)
    assert not [f for f in report.errors if f.check == "invalid"]
    assert report.contact_elsewhere == sum(  # the one set here and any in the fixture
        1 for r in abroad if r.get("contact", "").startswith("https://clustercollaboration.eu/"))
    assert report.contact_elsewhere >= 1
    assert report.active_international == len(abroad) - 1
    assert report.confirmed_at_work == 1
    line = format_report(report).splitlines()[-1]
    assert f"{report.contact_elsewhere} of them on another site" in line
    assert (report.active_german, report.german_at_work) == (len(home), 1)
    assert (f"shows 1 of {len(abroad) - 1} active international and 1 of {len(home)} German "
            "at work" in line)
