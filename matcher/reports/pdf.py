"""The report as A4 pages for printing and for reading on screen.

Page 1 is the summary (:mod:`~matcher.reports.summary`): what the report covers, the headline
numbers and the actions, each a link to its section. Then the contents with page numbers, the
gaps (chart, legend and table), the clusters without an international partner, a section per
cluster (its suggestions with short reasons, website and contact; its partners from linked
fields; its known partners and co-members), and the full coverage matrix as an appendix. Every
section is a PDF bookmark; pages after the first carry a running header and a page number.

Text is set in DejaVu Sans (shipped with matplotlib) with a CJK font as fallback for Chinese,
Japanese and Korean names: the first of :data:`CJK_FONTS` that exists (``make system-deps``
installs fonts-wqy-microhei). Without one, those characters cannot be printed; the writer logs a
warning and the manifest says so.
"""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path
from typing import Any

from ..engine.ranking import Match
from .collect import ReportData, printable
from .summary import Summary, contact_text

logger = logging.getLogger(__name__)

#: CJK fonts fpdf2 can embed, (path, index in a collection), the first that exists is used.
CJK_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # no Hangul
)
FONT, BOLD, CJK = "DejaVu", "DejaVuBold", "CJK"
#: Partners from linked fields shown per cluster (as on the cluster page).
CROSS_FIELD_SHOWN = 5
BLUE = (11, 92, 173)
GREY = (91, 102, 117)
BLACK = (27, 36, 48)
TOC_LINE = 5.5
#: About how many characters of a suggestion's reasons the PDF shows.
REASONS_SHOWN = 320
TOC_TITLE = 10
#: The running header's height on pages after the first.
HEADER_HEIGHT = 8


def short(reasons: str, limit: int = REASONS_SHOWN) -> str:
    """The first sentences of ``reasons`` up to about ``limit`` characters (the HTML, CSV and
    XLSX keep them whole)."""
    if len(reasons) <= limit:
        return reasons
    end = reasons.rfind(". ", 0, limit)
    return reasons[:end + 1] if end > 0 else reasons[:limit].rstrip() + "…"


def cjk_font() -> tuple[str, int] | None:
    """The CJK font the PDF embeds, None when none is installed."""
    for path, number in CJK_FONTS:
        if Path(path).is_file():
            return path, number
    return None


def report_pdf(data: ReportData) -> Any:
    """An A4 FPDF document with the report's fonts, header and footer; every text passes
    :func:`~matcher.reports.collect.printable`."""
    import matplotlib
    from fpdf import FPDF

    class ReportPDF(FPDF):
        running = ""  # the section named in the running header

        def normalize_text(self, text: str) -> str:  # every cell and multi_cell passes here
            return str(super().normalize_text(printable(text)))

        def header(self) -> None:
            if self.page_no() == 1:
                return
            toc = self.toc_placeholder
            in_toc = toc is not None and toc.start_page <= self.page < toc.start_page + toc.pages
            running = data.word("contents") if in_toc else self.running
            self.set_font(FONT, size=7)
            self.set_text_color(*GREY)
            self.cell(self.epw / 2, 5, data.word("report"))
            self.cell(self.epw / 2, 5, running[:80], align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(216, 221, 228)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(HEADER_HEIGHT - 5)
            self.set_text_color(*BLACK)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, size=7)
            self.set_text_color(*GREY)
            self.cell(0, 5, f"{data.word('page')} {self.page_no()}", align="C")
            self.set_text_color(*BLACK)

    pdf = ReportPDF(format="A4", unit="mm")
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf.add_font(FONT, fname=str(fonts / "DejaVuSans.ttf"))
    # Bold as a family of its own: fpdf2's fallback fonts fail on a bold style (2.8).
    pdf.add_font(BOLD, fname=str(fonts / "DejaVuSans-Bold.ttf"))
    cjk = cjk_font()
    if cjk is not None:
        pdf.add_font(CJK, fname=cjk[0], collection_font_number=cjk[1])
        pdf.set_fallback_fonts([CJK])
    else:
        logger.warning("no CJK font found (%s); Chinese, Japanese and Korean names cannot be "
                       "printed in the PDF; `make system-deps` installs one",
                       ", ".join(p for p, _ in CJK_FONTS))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(16, 14, 16)
    created = data.created()
    pdf.set_title(f"{data.word('report')} – {data.date()}")
    pdf.set_author("ClusterBridge")
    pdf.set_subject(data.word("subtitle"))
    pdf.set_creator(f"ClusterBridge {data.manifest['software']['clusterbridge']}")
    pdf.set_keywords(["clusters", "partners", "international cooperation"])
    pdf.set_lang(data.lang)
    pdf.set_creation_date(created)
    return pdf


class Writer:
    """Lays out one report on a :func:`report_pdf` document."""

    def __init__(self, data: ReportData, summary: Summary) -> None:
        self.data, self.summary, self.w = data, summary, data.word
        self.pdf = report_pdf(data)
        self.links: dict[str, int] = {}
        self.toc_pages: list[int] = []

    def link(self, anchor: str) -> int:
        if anchor not in self.links:
            self.links[anchor] = self.pdf.add_link()
        return self.links[anchor]

    def land(self, anchor: str) -> None:
        """Make the links to ``anchor`` point here."""
        self.pdf.set_link(self.link(anchor), page=self.pdf.page, y=self.pdf.get_y())

    def text(self, body: str, size: float = 9, bold: bool = False, color: tuple[int, int, int] = BLACK,
             height: float | None = None, link: int | str | None = None) -> None:
        pdf = self.pdf
        pdf.set_font(BOLD if bold else FONT, size=size)
        pdf.set_text_color(*color)
        pdf.multi_cell(0, height or size * 0.5, body, new_x="LMARGIN", new_y="NEXT", link=link,
                       align="L")
        pdf.set_text_color(*BLACK)

    def section(self, title: str, level: int, anchor: str | None = None, new_page: bool = True) -> None:
        pdf = self.pdf
        if level == 0:
            pdf.running = title
        if new_page or pdf.get_y() > pdf.h - 60:
            pdf.add_page()
        pdf.start_section(printable(title), level)
        if anchor:
            self.land(anchor)
        self.text(title, size=15 if level == 0 else 12, bold=True, color=BLUE,
                  height=8 if level == 0 else 6.5)
        pdf.ln(1)

    # --- page 1 ---------------------------------------------------------------------------------
    def summary_page(self) -> None:
        pdf, w, s, data = self.pdf, self.w, self.summary, self.data
        pdf.add_page()
        pdf.start_section(w("summary"), 0)
        self.text(w("report"), size=20, bold=True, color=BLUE, height=10)
        self.text(f"{w('subtitle')} · {w('created')} {data.date()}", size=9, color=GREY)
        pdf.ln(3)
        self.text(s.covers, size=9.5, height=5)
        pdf.ln(3)
        numbers = [(s.clusters, w("n_clusters")), (s.suggestions, w("n_suggestions")),
                   (len(s.unpartnered), w("n_unpartnered")), (s.open_gaps, w("n_gaps"))]
        box, top = pdf.epw / len(numbers), pdf.get_y()
        for i, (value, label) in enumerate(numbers):
            x = pdf.l_margin + i * box
            pdf.set_draw_color(216, 221, 228)
            pdf.rect(x, top, box - 3, 25)
            pdf.set_xy(x + 2, top + 2)
            pdf.set_font(BOLD, size=18)
            pdf.set_text_color(*BLUE)
            pdf.cell(box - 7, 9, str(value))
            pdf.set_xy(x + 2, top + 12)
            pdf.set_font(FONT, size=7.5)
            pdf.set_text_color(*BLACK)
            pdf.multi_cell(box - 7, 3.5, label, align="L")
        pdf.set_xy(pdf.l_margin, top + 29)
        self.text(s.reach, size=9, height=4.8)
        pdf.ln(1.5)
        if s.gaps:
            gaps = "; ".join(f"{data.field_name(g.cell.field)} ↔ {data.region(g.cell.region)}"
                             for g in s.gaps[:3])
            self.text(f"{w('largest_gaps')}: {gaps}", size=9, height=4.8)
        pdf.ln(3)
        self.text(w("actions"), size=13, bold=True, color=BLUE, height=7)
        if not s.actions:
            self.text(w("actions_none"), size=9)
        for i, action in enumerate(s.actions, start=1):
            self.text(f"{i}. {action.headline}", size=9, bold=True, height=4.6,
                      link=self.link(action.anchor))
            pdf.set_x(pdf.l_margin + 4)
            pdf.set_font(FONT, size=8)
            pdf.multi_cell(pdf.epw - 4, 3.9, action.detail, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(1.2)
        pdf.ln(2)
        m = data.manifest
        self.text(f"{w('catalogue')} {m['catalogue_hash'][:12]} · {w('model')} "
                  f"{m['embedder']['name']} · {w('top')} {m['top']}", size=7, color=GREY)

    # --- contents -------------------------------------------------------------------------------
    def contents_pages(self) -> list[int]:
        """How many entries each page of the contents holds (the first also has the title)."""
        pdf = self.pdf
        entries = 5 + len(self.data.results) + (1 if self.data.coverage.untapped else 0)
        top = pdf.t_margin + HEADER_HEIGHT
        first = math.floor((pdf.page_break_trigger - top - TOC_TITLE) / TOC_LINE) - 1
        later = math.floor((pdf.page_break_trigger - top) / TOC_LINE) - 1
        pages = [min(entries, first)]
        while sum(pages) < entries:
            pages.append(min(later, entries - sum(pages)))
        return pages

    def contents(self, following: str) -> None:
        """Reserve the pages of the contents, rendered when the document is complete; the page
        after them starts the section ``following``."""
        pdf = self.pdf
        pdf.running = self.w("contents")
        pdf.add_page()
        self.toc_pages = self.contents_pages()
        pdf.running = following
        pdf.insert_toc_placeholder(self.render_contents, pages=len(self.toc_pages))

    def render_contents(self, pdf: Any, outline: list[Any]) -> None:
        pdf.set_x(pdf.l_margin)
        self.text(self.w("contents"), size=15, bold=True, color=BLUE, height=TOC_TITLE - 2)
        pdf.ln(2)
        items = [item for item in outline if item.level <= 1]
        start = 0
        for page, count in enumerate(self.toc_pages):
            if page:
                pdf.add_page()  # the next reserved page, its header drawn when reserved
                pdf.set_y(pdf.t_margin + HEADER_HEIGHT)
            for item in items[start:start + count]:
                indent = 6 * item.level
                link = pdf.add_link(page=item.page_number)
                pdf.set_font(BOLD if item.level == 0 else FONT, size=9 if item.level == 0 else 8.5)
                room = pdf.epw - indent - 14
                name = item.name
                while pdf.get_string_width(name) > room and len(name) > 4:
                    name = name[:-2].rstrip() + "…"
                pdf.set_x(pdf.l_margin + indent)
                pdf.cell(pdf.epw - indent - 14, TOC_LINE, name, link=link)
                pdf.cell(14, TOC_LINE, str(item.page_number), align="R", link=link,
                         new_x="LMARGIN", new_y="NEXT")
            start += count

    # --- sections -------------------------------------------------------------------------------
    def gaps(self, chart: bytes) -> None:
        pdf, w, data = self.pdf, self.w, self.data
        self.section(w("gaps"), 0, new_page=False)  # the page after the contents
        pdf.image(io.BytesIO(chart), w=pdf.epw, h=min(115.0, pdf.h - pdf.get_y() - 80),
                  keep_aspect_ratio=True)
        self.text(data.gap_legend(),
                  size=7.5, color=GREY, height=3.6)
        pdf.ln(2)
        for gap in self.summary.gaps:
            cell = gap.cell
            if pdf.get_y() > pdf.h - 35:
                pdf.add_page()
            self.land(gap.anchor)
            self.text(f"{gap.rank}. " + w("action_gap", field=data.field_name(cell.field),
                                           region=data.region(cell.region),
                                           strong=cell.strong_matches,
                                           partnerships=cell.partnerships)
                      + f" · {w('gap')} {data.num(cell.gap)}", size=8.5, bold=True, height=4.4)
            for contact in gap.contacts:
                pdf.set_x(pdf.l_margin + 4)
                pdf.set_font(FONT, size=8)
                pdf.multi_cell(pdf.epw - 4, 3.8, f"→ {contact_text(data, contact)}",
                               new_x="LMARGIN", new_y="NEXT", align="L",
                               link=self.link(f"cluster-{contact.cluster}")
                               if contact.cluster in self.reported else None)
            pdf.ln(1)

    @property
    def reported(self) -> set[str]:
        return {r.query.id for r in self.data.results}

    def unpartnered(self) -> None:
        pdf, w, data = self.pdf, self.w, self.data
        self.section(w("unpartnered"), 0)
        if not self.summary.unpartnered:
            self.text(w("unpartnered_none"), size=9)
        for u in self.summary.unpartnered:
            self.text(str(u["name"]), size=9, bold=True, height=4.6, link=self.link(f"cluster-{u['id']}"))
            options = "; ".join(f"{o['name']} ({data.country(o['country'])}, {data.num(o['score'])})"
                                for o in u["best_options"])  # type: ignore[attr-defined]
            pdf.set_x(pdf.l_margin + 4)
            pdf.set_font(FONT, size=8)
            pdf.multi_cell(pdf.epw - 4, 3.9, f"{w('best_options')}: {options}", new_x="LMARGIN",
                           new_y="NEXT", align="L")
            pdf.ln(1)
        if data.coverage.untapped:
            pdf.ln(3)
            self.section(w("untapped"), 1, new_page=False)
            for x in data.coverage.untapped[:25]:
                self.text(f"{x['name']} ({data.country(x['country'])}): {x['strong_matches']} "
                          f"{w('strong')}", size=8, height=3.9)

    def match(self, rank: int, m: Match) -> None:
        """One suggestion: name, country and score, the reasons, website and contact."""
        pdf, data = self.pdf, self.data
        if pdf.get_y() > pdf.h - 30:
            pdf.add_page()
        self.text(f"{rank}. {m.name} ({data.country(m.country)}) · {self.w('score')} "
                  f"{data.num(m.score, 3)}", size=9, bold=True, height=4.6)
        pdf.set_x(pdf.l_margin + 4)
        pdf.set_font(FONT, size=7.5)
        pdf.multi_cell(pdf.epw - 4, 3.5, short(data.summary(m)), new_x="LMARGIN", new_y="NEXT",
                       align="L")
        self.reach(m.id)
        pdf.ln(1.2)

    def reach(self, profile_id: str) -> None:
        """A partner's website and contact route (naming the site a route elsewhere leads to) or,
        without a route, the chamber abroad that arranges introductions, and the year a source
        last showed it at work."""
        pdf, data = self.pdf, self.data
        links = [(data.websites.get(profile_id, ""), self.w("website")),
                 (data.contacts.get(profile_id, ""), data.contact_word(profile_id)),
                 data.introduction(profile_id)]
        links = [(url, label) for url, label in links if url.startswith(("https://", "http://"))]
        pdf.set_x(pdf.l_margin + 4)
        pdf.set_font(FONT, size=7.5)
        for i, (url, label) in enumerate(links):
            pdf.set_text_color(*GREY)
            pdf.write(3.6, (" · " if i else "") + f"{label}: ")
            pdf.set_text_color(*BLUE)
            pdf.write(3.6, url, link=printable(url))
        pdf.set_text_color(*GREY)
        pdf.write(3.6, (" · " if links else "") + data.at_work(profile_id))
        pdf.set_text_color(*BLACK)
        pdf.ln(3.6)

    def clusters(self) -> None:
        pdf, w, data = self.pdf, self.w, self.data
        cross = {r.query.id: r for r in data.cross_field}
        # The running header names the cluster of the page, from the first one on.
        pdf.running = data.results[0].query.name if data.results else w("suggestions")
        pdf.add_page()
        pdf.start_section(w("suggestions"), 0)
        first = True
        for result in data.results:
            q = result.query
            pdf.running = q.name
            if not first:
                pdf.add_page()
            first = False
            pdf.start_section(printable(q.name), 1)
            self.land(f"cluster-{q.id}")
            self.text(q.name, size=13, bold=True, color=BLUE, height=6.5)
            counts = ", ".join(f"{data.region(r)} {n}" for r, n in result.by_world_region())
            if counts:
                self.text(f"{w('by_region')}: {counts}", size=7.5, color=GREY, height=3.8)
            pdf.ln(2)
            if not result.matches:
                self.text(w("no_suggestions"), size=8.5)
            for rank, m in enumerate(result.matches, start=1):
                self.match(rank, m)
            if data.dismissed.get(q.id):
                self.text(w("dismissed", count=len(data.dismissed[q.id])), size=7.5, color=GREY)
            beyond = cross.get(q.id)
            if beyond is not None and beyond.matches:
                pdf.ln(1)
                self.text(w("beyond"), size=10, bold=True, height=5.5)
                for rank, m in enumerate(beyond.matches[:CROSS_FIELD_SHOWN], start=1):
                    self.match(rank, m)
            pdf.ln(1)
            known = data.known.get(q.id, [])
            self.text(w("known") + f" ({len(known)})", size=10, bold=True, height=5.5)
            if not known:
                self.text(w("no_known"), size=8, color=GREY)
            for k in known:
                self.text(f"{k.name} ({data.country(k.country)}) — {data.relation_text(k)}", size=7.5,
                          height=3.7)

    def appendix(self, matrix: bytes) -> None:
        pdf, w = self.pdf, self.w
        pdf.running = w("heatmap")
        pdf.add_page()
        pdf.start_section(w("heatmap"), 0)
        self.land("appendix")
        self.text(w("heatmap"), size=15, bold=True, color=BLUE, height=8)
        self.text(w("heatmap_lead"), size=8, color=GREY)
        pdf.image(io.BytesIO(matrix), w=pdf.epw, h=pdf.h - pdf.get_y() - pdf.b_margin - 2,
                  keep_aspect_ratio=True)


def write_pdf(path: Path, data: ReportData, summary: Summary, gap_chart: bytes, matrix: bytes) -> None:
    writer = Writer(data, summary)
    writer.summary_page()
    writer.contents(following=data.word("gaps"))
    writer.gaps(gap_chart)
    writer.unpartnered()
    writer.clusters()
    writer.appendix(matrix)
    writer.pdf.output(str(path))
