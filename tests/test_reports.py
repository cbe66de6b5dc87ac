"""Batch reports: determinism, formula escaping, every format opens, atomic writing."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cli import main
from matcher import COMPONENTS, InvalidInputError, Matcher
from matcher.reports import collect, parse_formats, safe_cell, write_report
from matcher.reports.collect import relations as collect_relations
from tests.conftest import CATALOGUE_DIR


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+49 30", "'+49 30"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("plain", "plain"), (-1.5, -1.5), (3, 3)],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_csv_is_byte_identical_for_the_same_inputs(hashing_matcher: Matcher, tmp_path: Path) -> None:
    write_report(collect(hashing_matcher, top=5), tmp_path / "a", ["csv"])
    write_report(collect(hashing_matcher, top=5), tmp_path / "b", ["csv"])
    for name in ("suggestions.csv", "coverage.csv", "beyond_your_field.csv", "partners.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_every_format_opens(hashing_matcher: Matcher, tmp_path: Path) -> None:
    out = tmp_path / "report"
    names = write_report(collect(hashing_matcher, top=3), out)
    assert set(names) == {"suggestions.csv", "coverage.csv", "beyond_your_field.csv",
                          "known_partners.csv", "partners.csv", "suggestions.xlsx", "report.html",
                          "report.pdf", "manifest.json"}
    with open(out / "suggestions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * 3  # three German clusters, top 3 each
    assert rows[0]["cluster_id"] == "de-aero" and rows[0]["rank"] == "1"
    catalogue = hashing_matcher.catalogue
    for row in rows:  # the lists of the cluster pages: no known partner or co-member
        assert row["partner_id"] not in catalogue.relationships.related_to(row["cluster_id"])

    from openpyxl import load_workbook

    wb = load_workbook(out / "suggestions.xlsx", read_only=True)
    assert wb.sheetnames == ["summary", "suggestions", "partners", "beyond_your_field",
                             "known_partners", "coverage", "gaps", "unpartnered", "untapped"]
    sheet_rows = list(wb["suggestions"].iter_rows(values_only=True))
    assert len(sheet_rows) == 1 + 9 and sheet_rows[0][0] == "cluster_id"
    wb.close()

    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "Test Aero Montreal" in page
    assert "http://" not in page.split("<body>")[0]  # no external assets: opens offline

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["catalogue_hash"] == hashing_matcher.catalogue.data_hash()
    assert manifest["embedder"]["name"] == "hashing-384"
    assert set(manifest["weights"]) == set(COMPONENTS)

    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is not installed; make system-deps installs it")
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", "-gray",
                    str(out / "report.pdf"), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from matplotlib.image import imread

    pixels = imread(png)
    assert pixels.std() > 0.02, "the first PDF page is blank"
    assert pixels.shape[0] > pixels.shape[1]  # portrait A4


def test_formula_like_names_are_escaped(tmp_path: Path, reference) -> None:  # type: ignore[no-untyped-def]
    from matcher import HashingEmbedder, build_bundle, load_bundle, load_catalogue

    shutil.copytree(CATALOGUE_DIR, tmp_path / "cat")
    path = tmp_path / "cat" / "profiles" / "example.jsonl"
    path.write_text(path.read_text().replace('"Test Aero Montreal"', '"=HYPERLINK(\\"x\\")"'))
    catalogue = load_catalogue(tmp_path / "cat", reference)
    matcher = Matcher(load_bundle(build_bundle(catalogue, HashingEmbedder(), models_dir=tmp_path / "m"),
                                  reference=reference))
    write_report(collect(matcher, top=3), tmp_path / "out", ["csv", "xlsx"])
    text = (tmp_path / "out" / "suggestions.csv").read_text()
    assert "'=HYPERLINK" in text and ',=HYPERLINK' not in text
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "out" / "suggestions.xlsx")
    values = [c.value for row in wb["suggestions"].iter_rows() for c in row]
    assert "'=HYPERLINK(\"x\")" in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)


def test_interrupted_report_leaves_nothing_half_written(hashing_matcher: Matcher, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_report(collect(hashing_matcher, top=3), out, ["csv"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("matcher.reports.report.write_pdf", crash)
    with pytest.raises(KeyboardInterrupt):
        write_report(collect(hashing_matcher, top=5), out, ["csv", "pdf"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary left beside it


def test_unknown_format_is_named() -> None:
    with pytest.raises(Exception, match="docx"):
        parse_formats("csv,docx")


def test_report_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data", str(CATALOGUE_DIR), "--models", str(tmp_path / "m"), "--embedder",
                 "hashing-384", "report", "--out", str(tmp_path / "r"), "--format", "csv",
                 "--cluster", "de-photonics", "--top", "4"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "for 1 clusters" in printed and "suggestions, " in printed and "contact route" in printed
    with open(tmp_path / "r" / "suggestions.csv", newline="") as f:
        assert {r["cluster_id"] for r in csv.DictReader(f)} == {"de-photonics"}
    code = main(["--data", str(CATALOGUE_DIR), "--models", str(tmp_path / "m"), "--embedder",
                 "hashing-384", "report", "--out", str(tmp_path / "r"), "--cluster", "nope", "--quiet"])
    assert code == 2


def test_reports_in_german(hashing_matcher: Matcher, tmp_path: Path) -> None:
    out = tmp_path / "de"
    write_report(collect(hashing_matcher, top=3, lang="de"), out, ["html", "csv"])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<html lang='de'>" in page and "Vorschläge je Cluster" in page
    assert "Photonik" in page and "Kanada" in page  # field and country names in German
    assert "Begründung" in page and "Partner." in page  # German summaries
    assert json.loads((out / "manifest.json").read_text())["lang"] == "de"
    # CSV keeps English column names and plain numbers for analysts.
    header = (out / "suggestions.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("cluster_id,cluster_name,rank")
    with pytest.raises(InvalidInputError, match="language"):
        collect(hashing_matcher, top=3, lang="xx")


NOT_TEXT = "Ctrl\u000bCluster\u0001 \u0000\u001f\u007f\u0085 \ud800 \ufffe tab\tline\n="


def test_every_writer_is_safe_for_any_stored_text(hashing_matcher: Matcher, tmp_path: Path) -> None:
    """Text stored before control characters were refused must not break any format."""
    from dataclasses import replace

    from openpyxl import load_workbook

    from matcher import MatchResult

    data = collect(hashing_matcher, top=3)
    data.results = [MatchResult(replace(r.query, name=NOT_TEXT),
                                [replace(m, name=NOT_TEXT) for m in r.matches], r.field_mappings,
                                r.candidates) for r in data.results]
    data.sources = dict.fromkeys(data.sources, "https://example.org/\u0001\ud800")
    out = tmp_path / "out"
    names = write_report(data, out)
    assert "suggestions.xlsx" in names and "report.pdf" in names
    wb = load_workbook(out / "suggestions.xlsx", read_only=True)
    values = [v for row in wb["suggestions"].iter_rows(values_only=True) for v in row]
    wb.close()
    assert any(isinstance(v, str) and v.startswith("Ctrl") for v in values)
    for name in ("suggestions.csv", "report.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "Ctrl" in text and "\u000b" not in text and "\u0000" not in text


def test_reports_say_how_to_reach_each_partner(hashing_matcher: Matcher, tmp_path: Path) -> None:
    out = tmp_path / "reach"
    write_report(collect(hashing_matcher, top=5, clusters=["de-aero"]), out, ["csv", "html", "pdf"])
    with open(out / "suggestions.csv", newline="", encoding="utf-8") as f:
        rows = {r["partner_id"]: r for r in csv.DictReader(f)}
    assert rows["ca-aero-mutual"]["partner_website"] == "https://example.org/ca-aero-mutual"
    assert rows["ca-aero-mutual"]["partner_contact"] == "https://example.org/ca-aero-mutual/contact"
    assert rows["ca-aero-mutual"]["partner_source"].startswith("https://")
    assert rows["ca-aero-mutual"]["partner_active_in"] == "2025"  # its `confirmed`
    assert all(r["partner_active_in"] == "" for k, r in rows.items() if k != "ca-aero-mutual")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "href='https://example.org/ca-aero-mutual'>website</a>" in page
    # A route on the partner's own site is a "contact"; one elsewhere names the site it leads to.
    assert "href='https://example.org/ca-aero-mutual/contact'>contact</a>" in page
    eccp = "https://clustercollaboration.eu/cluster-organisations/us-photonics"
    assert rows["us-photonics"]["partner_contact"] == eccp
    assert f"href='{eccp}'>contact via clustercollaboration.eu</a>" in page
    # The one dated partner says when; each of the others (in every list it appears in) that no
    # source of the last 5 years showed it at work.
    assert page.count("active in 2025") == 1
    rows_of = {k: re.findall(rf"<tr><td>\d+</td><td>{re.escape(r['partner_name'])} .*?</tr>", page)
               for k, r in rows.items()}
    assert all(rows_of.values()), rows_of
    assert all(("not confirmed active in the last 5 years" in tr) == (k != "ca-aero-mutual")
               for k, trs in rows_of.items() for tr in trs)
    pdf = " ".join(_pdf_text(out / "report.pdf", 2).split())
    assert "contact via clustercollaboration.eu:" in pdf and "active in 2025" in pdf
    assert "not confirmed active in the last 5 years" in pdf
    # Without a contact route, the chamber abroad covering the partner's country is named.
    chambers = hashing_matcher.catalogue.reference.chambers
    named: set[bool] = set()
    for row in rows.values():
        chamber = None if row["partner_contact"] else chambers.covering(row["partner_country"])
        assert row["introduction_via"] == (chamber.website if chamber else "")
        if chamber:  # in an English report by the English name it goes by, where recorded
            name = chamber.name_in("en")
            assert f"href='{chamber.website}'>introduction: {name}</a>" in page
            assert f"introduction: {name}:" in pdf
            named.add(name != chamber.name)
    assert True in named  # at least one chamber of these lists goes by an English name


def test_partners_table_counts_each_partner_over_the_lists(hashing_matcher: Matcher,
                                                          tmp_path: Path) -> None:
    write_report(collect(hashing_matcher, top=5), tmp_path / "r", ["csv"])
    with open(tmp_path / "r" / "suggestions.csv", newline="", encoding="utf-8") as f:
        suggestions = list(csv.DictReader(f))
    with open(tmp_path / "r" / "partners.csv", newline="", encoding="utf-8") as f:
        partners = list(csv.DictReader(f))
    lists = {r["partner_id"]: [s for s in suggestions if s["partner_id"] == r["partner_id"]]
             for r in partners}
    assert set(lists) == {s["partner_id"] for s in suggestions}  # every partner, once
    assert max(int(r["suggested"]) for r in partners) > 1  # some partner is in several lists
    for row in partners:
        rows = lists[row["partner_id"]]
        assert int(row["suggested"]) == len(rows) == len({s["cluster_id"] for s in rows})
        assert int(row["best_rank"]) == min(int(s["rank"]) for s in rows)
        for column in ("partner_name", "partner_country", "partner_world_region",
                       "partner_website", "partner_contact", "introduction_via",
                       "partner_source", "partner_active_in"):
            assert row[column] == rows[0][column]
    order = [(-int(r["suggested"]), int(r["best_rank"]), r["partner_id"]) for r in partners]
    assert order == sorted(order)  # the most suggested first


def test_the_summary_counts_the_suggestions_a_reader_can_follow_up(hashing_matcher: Matcher,
                                                                   tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from matcher.reports.summary import summarise

    data = collect(hashing_matcher, top=5)
    write_report(data, tmp_path / "r", ["csv", "html", "xlsx"])
    with open(tmp_path / "r" / "suggestions.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    counted = {"suggestions": len(rows),
               "with_website": sum(1 for r in rows if r["partner_website"]),
               "with_contact": sum(1 for r in rows if r["partner_contact"]),
               "with_introduction": sum(1 for r in rows if r["introduction_via"])}
    assert 0 < counted["with_contact"] <= counted["with_website"] < counted["suggestions"]
    assert 0 < counted["with_introduction"] <= counted["suggestions"] - counted["with_contact"]
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["reach"] == counted
    summary = summarise(data)
    assert summary.reach == (f"Of the {counted['suggestions']} suggestions, {counted['with_website']} "
                             f"link the partner's website and {counted['with_contact']} a contact "
                             f"route; {counted['with_introduction']} without a contact route name "
                             "the German chamber of commerce abroad (AHK) that arranges "
                             "introductions in the partner's country; where neither website nor "
                             "contact route is known, the sources are linked.")
    assert summary.reach.replace("'", "&#39;") in (tmp_path / "r" / "report.html").read_text()
    ws = load_workbook(tmp_path / "r" / "suggestions.xlsx")["summary"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert summary.reach in cells and cells["What to do"].font.bold


def _pdf_text(path: Path, first: int = 1, last: int | None = None) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is not installed; make system-deps installs it")
    pages = ["-f", str(first)] + (["-l", str(last)] if last else [])
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_pdf_opens_on_a_summary_with_numbers_and_actions(hashing_matcher: Matcher,
                                                         tmp_path: Path) -> None:
    from matcher.reports.summary import summarise

    data = collect(hashing_matcher, top=3)
    out = tmp_path / "report"
    write_report(data, out, ["pdf"])
    pdf = out / "report.pdf"
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(pdf),
                    str(tmp_path / "first")], check=True)
    assert next(tmp_path.glob("first*.png")).stat().st_size > 2000
    summary = summarise(data)
    assert summary.actions, "the fixture has gaps: the summary must propose actions"
    first = " ".join(_pdf_text(pdf, 1, 1).split())
    assert "What to do" in first and "German clusters" in first
    for number in (summary.clusters, summary.suggestions, len(summary.unpartnered), summary.open_gaps):
        assert str(number) in first
    assert " ".join(summary.actions[0].headline.split()) in first
    rest = _pdf_text(pdf, 2)
    assert "Contents" in rest and "Test Aero Montreal" in rest  # contents, then the sections

    if shutil.which("qpdf") is None:
        pytest.fail("qpdf is not installed; make system-deps installs it")
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    outline = json.loads(subprocess.run(["qpdf", "--json", "--json-key=outlines", str(pdf)],
                                        check=True, capture_output=True, text=True).stdout)
    titles = [o["title"] for o in outline["outlines"]]
    assert "Summary" in titles and "Suggestions per cluster" in titles
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    fields = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in info.splitlines())}
    assert fields["Title"].startswith("ClusterBridge report") and fields["Author"] == "ClusterBridge"
    created = data.created()
    assert str(created.year) in next(line for line in info.splitlines() if line.startswith("CreationDate"))


def test_pdf_prints_chinese_japanese_and_korean_names(hashing_matcher: Matcher,
                                                      tmp_path: Path) -> None:
    from dataclasses import replace

    from matcher import MatchResult
    from matcher.reports.pdf import cjk_font

    if cjk_font() is None:
        pytest.fail("no CJK font is installed; make system-deps installs fonts-wqy-microhei")
    names = ["中关村科技园集群", "東京バイオクラスター", "서울바이오허브"]
    data = collect(hashing_matcher, top=3, clusters=["de-aero"])
    result = data.results[0]
    data.results = [MatchResult(result.query, [replace(m, name=n) for m, n in
                                               zip(result.matches, names, strict=True)],
                                result.field_mappings, result.candidates)]
    write_report(data, tmp_path / "cjk", ["pdf"])
    text = _pdf_text(tmp_path / "cjk" / "report.pdf")
    for name in names:
        assert name in text


def test_lists_follow_the_cluster_pages(hashing_matcher: Matcher, tmp_path: Path) -> None:
    """Known partners and co-members apart; a cluster's dismissals apply to its own list."""
    plain = collect(hashing_matcher, top=5, clusters=["de-aero", "de-photonics"])
    aero = plain.results[0]
    assert "fr-aero-oneside" not in [m.id for m in aero.matches]  # a known partner
    assert "fr-aero-oneside" in [k.id for k in plain.known["de-aero"]]
    assert plain.manifest["lists"]["dismissed"] == "not applied (no store given)"
    gone = aero.matches[0].id
    data = collect(hashing_matcher, top=5, clusters=["de-aero", "de-photonics"],
                   dismissed={"de-aero": {gone}, "de-photonics": set()})
    assert gone not in [m.id for m in data.results[0].matches]
    assert [m.id for m in data.results[1].matches] == [m.id for m in plain.results[1].matches]
    assert data.manifest["lists"]["dismissed"] == "applied"
    assert data.manifest["lists"]["dismissed_left_out"] == {"de-aero": [gone]}
    write_report(data, tmp_path / "out", ["csv", "html"])
    with open(tmp_path / "out" / "known_partners.csv", newline="", encoding="utf-8") as f:
        known = {(r["cluster_id"], r["partner_id"]) for r in csv.DictReader(f)}
    assert ("de-aero", "fr-aero-oneside") in known
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Known partners and network co-members" in page and "1 candidate(s)" in page


def test_workbook_has_a_summary_filters_widths_and_links(hashing_matcher: Matcher,
                                                         tmp_path: Path) -> None:
    from openpyxl import load_workbook

    write_report(collect(hashing_matcher, top=5), tmp_path / "x", ["xlsx"])
    wb = load_workbook(tmp_path / "x" / "suggestions.xlsx")
    assert wb.sheetnames[0] == "summary"
    summary = [c.value for row in wb["summary"].iter_rows() for c in row if c.value is not None]
    assert "What to do" in summary and "German clusters" in summary
    ws = wb["suggestions"]
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    widths = {ws.cell(1, i).value: ws.column_dimensions[ws.cell(1, i).column_letter].width
              for i in range(1, ws.max_column + 1)}
    assert widths["reasons"] == 60 and 5 <= widths["rank"] < 10
    header = [c.value for c in ws[1]]
    website, contact = header.index("partner_website") + 1, header.index("partner_contact") + 1
    links = [ws.cell(r, website).hyperlink for r in range(2, ws.max_row + 1)]
    assert any(link is not None and link.target.startswith("https://") for link in links)
    assert any(ws.cell(r, contact).hyperlink is not None for r in range(2, ws.max_row + 1))
    for sheet in wb.sheetnames[1:]:
        assert wb[sheet].auto_filter.ref, sheet


def test_html_opens_on_the_summary(hashing_matcher: Matcher, tmp_path: Path) -> None:
    for lang, words in (("en", ("Summary", "What to do", "Contents")),
                        ("de", ("Zusammenfassung", "Was zu tun ist", "Inhalt"))):
        write_report(collect(hashing_matcher, top=3, lang=lang), tmp_path / lang, ["html"])
        page = (tmp_path / lang / "report.html").read_text(encoding="utf-8")
        positions = [page.index(word) for word in words]
        assert positions == sorted(positions)
        assert "href='#gap-1'" in page and "id='gap-1'" in page
        from matcher.reports.summary import summarise

        for action in summarise(collect(hashing_matcher, top=3, lang=lang)).actions:
            assert f"href='#{action.anchor}'" in page and f"id='{action.anchor}'" in page
        assert "<script" not in page


def test_contents_over_several_pages_give_the_right_page_numbers(hashing_matcher: Matcher,
                                                                 tmp_path: Path) -> None:
    data = collect(hashing_matcher, top=2)
    data.results = data.results * 40  # 120 sections: the contents take three pages
    write_report(data, tmp_path / "many", ["pdf"])
    pdf = tmp_path / "many" / "report.pdf"
    contents = _pdf_text(pdf, 2, 4)
    assert contents.count(data.results[0].query.name) == 40
    appendix = int(next(line for line in contents.splitlines()
                        if line.startswith("Appendix")).split()[-1])
    assert "Appendix: the full coverage matrix" in _pdf_text(pdf, appendix, appendix)
    last_cluster = int(next(line for line in reversed(contents.splitlines())
                            if line.strip().startswith(data.results[-1].query.name)).split()[-1])
    assert data.results[-1].query.name in _pdf_text(pdf, last_cluster, last_cluster)


def test_without_a_cjk_font_the_pdf_is_written_and_says_so(hashing_matcher: Matcher, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("matcher.reports.pdf.CJK_FONTS", (("/nonexistent/cjk.ttf", 0),))
    write_report(collect(hashing_matcher, top=2), tmp_path / "plain", ["pdf"])
    assert json.loads((tmp_path / "plain" / "manifest.json").read_text())["pdf_cjk_font"] is None
    assert "no CJK font found" in caplog.text
    assert "What to do" in _pdf_text(tmp_path / "plain" / "report.pdf", 1, 1)


def test_a_language_without_report_words_gets_the_english_ones(hashing_matcher: Matcher,
                                                               tmp_path: Path) -> None:
    from matcher.catalogue.languages import LANGUAGES

    for lang in LANGUAGES:
        out = tmp_path / lang
        write_report(collect(hashing_matcher, top=2, lang=lang), out, ["html"])
        assert f"<html lang='{lang}'>" in (out / "report.html").read_text(encoding="utf-8")


def test_known_partners_say_when_a_tie_was_confirmed_and_a_partner_ended(
        hashing_matcher: Matcher, tmp_path: Path) -> None:
    from dataclasses import replace

    from matcher import Relationships

    catalogue = hashing_matcher.catalogue
    rel = catalogue.relationships
    ties = [replace(t, confirmed=2024) if (t.a, t.b) == ("de-aero", "fr-aero-oneside") else t
            for t in rel.partnerships]
    ended = replace(catalogue.get("fr-aero-oneside"), ended=2025)
    changed = catalogue.with_relationships(
        Relationships(ties, rel.networks.values(), rel.memberships)).with_profile(ended)
    data = collect(hashing_matcher, top=3)
    data.known = {**data.known, "de-aero": collect_relations(changed, "de-aero")}
    write_report(data, tmp_path / "r", ["csv"])
    with open(tmp_path / "r" / "known_partners.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["partner_id"] == "fr-aero-oneside"]
    assert [(r["tie"], r["since"], r["confirmed"], r["partner_ended"]) for r in rows] == [
        ("memorandum", "2018", "2024", "2025")]
