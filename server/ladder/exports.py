"""The evidence as files: CSV, JSON, XLSX and a PDF evidence pack.

Every format is made from the same `Evidence` that `evidence.gather` returns, so a row in the
spreadsheet, a number in the JSON and a bar in the PDF's chart always agree. Young people are
only ever counted (by age band), never named: the only names here are the staff who confirmed
or amended a decision. Text a spreadsheet could run as a formula is made plain text: in CSV
with a leading apostrophe (`csv_safe.neutralise`), in XLSX by storing every piece of text as a
string cell that Excel treats as text even after an edit.

The columns and sheets are documented in docs/evidence-schema.md.
"""

import functools
import io
import json
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from server import csv_safe
from server.ladder.decisions import NOT_GIVEN
from server.ladder.evidence import (
    AGE_BAND_LABELS,
    AGE_BANDS,
    FIELD_LABELS,
    AmendmentRow,
    DecisionRow,
    Evidence,
    Totals,
    evidence_data,
)
from server.ladder.evidence import describe_value as describe
from server.ladder.rungs import LUNDY_ELEMENTS, RUNGS, Rung

FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}
UNKNOWN_FORMAT = "Choose a format: csv, json, xlsx or pdf."
LIST_SEPARATOR = " | "


# ---------------------------------------------------------------- one row per decision


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


# (column, what it holds, the cell for a decision): the CSV's columns and the XLSX's
# "Decisions" sheet, in order.
Column = tuple[str, str, Callable[[DecisionRow], object]]
COLUMNS: list[Column] = [
    ("decision_id", "The decision's id (the same as `id` in the JSON).", lambda r: r.id),
    ("campaign", "The campaign's title.", lambda r: r.campaign),
    ("decision", "What was decided.", lambda r: r.title),
    ("decided_on", "The day it was decided (YYYY-MM-DD).", lambda r: _day(r.decided_on)),
    ("decided_by", "Young people, Young people with adults, or Adults.",
     lambda r: r.decided_by.label),
    ("decision_maker", "The stakeholder who made it, if recorded (a role, not a young person).",
     lambda r: r.decision_maker),
    ("rung", "Its rung on the participation ladder, like Sharing Power.",
     lambda r: r.rung.label),
    ("rung_rank", "The rung's place on the ladder: 1 (No Control) to 6 (Full Control).",
     lambda r: r.rung.rank),
    ("suggested_rung", "The rung suggested from how it was decided.",
     lambda r: r.suggested_rung.label),
    ("rung_reason", "Why the rung differs from the suggested one (empty when it does not).",
     lambda r: r.rung_reason),
    ("at_least_participation", "yes when the rung is Participation or above.",
     lambda r: _yes_no(r.at_least_participation)),
    ("confirmed", "yes when a youth worker or admin confirmed it and froze its evidence.",
     lambda r: _yes_no(r.frozen)),
    ("confirmed_on", "The day it was confirmed (empty until then).",
     lambda r: _day(r.confirmed_on)),
    ("confirmed_by", "The youth worker or admin who confirmed it.", lambda r: r.confirmed_by),
    ("young_people", "Distinct young people who voted in its polls or commented in its threads.",
     lambda r: r.young_people),
    ("ballots", "Young people's ballots in its linked polls.", lambda r: r.ballots),
    ("comments", "Young people's comments in its linked threads.", lambda r: r.comments),
    *[(f"age_{band}", (f"Of those young people, how many are in the age band "
                       f"{AGE_BAND_LABELS[band]}." if band != NOT_GIVEN
                       else "Of those young people, how many gave no age band."),
       (lambda b: lambda r: r.age_bands.get(b, 0))(band)) for band in AGE_BANDS],
    ("you_said", "What young people said.", lambda r: r.you_said),
    ("we_did", "What was done, once published (empty before).", lambda r: r.we_did),
    ("we_did_published_on", "The day \"we did\" was published.",
     lambda r: _day(r.we_did_published_on)),
    ("follow_up_on", "When young people should hear what was done.",
     lambda r: _day(r.follow_up_on)),
    *[column for element in LUNDY_ELEMENTS for column in (
        (f"lundy_{element}", f"Lundy model, {element.label}: yes, no, or empty when "
                             "not answered.",
         (lambda e: lambda r: _yes_no(r.lundy[str(e)]["met"]))(element)),
        (f"lundy_{element}_note", f"The note on {element.label}.",
         (lambda e: lambda r: r.lundy[str(e)]["note"])(element)))],
    ("amendments", "How many times it was amended after it was confirmed.",
     lambda r: len(r.amendments)),
    ("amendment_history", "Each amendment: when, who, why and what changed, oldest first, "
                          "separated by \" | \".",
     lambda r: LIST_SEPARATOR.join(a.summary for a in r.amendments)),
]
HEADER = [name for name, _meaning, _cell in COLUMNS]


def decision_cells(row: DecisionRow) -> list[object]:
    return [cell(row) for _name, _meaning, cell in COLUMNS]


def to_csv(evidence: Evidence) -> str:
    """One row per decision, oldest first, with a byte order mark so Excel reads UTF-8."""
    return csv_safe.csv_text(HEADER, (decision_cells(row) for row in evidence.decisions),
                             bom=True)


# ---------------------------------------------------------------- JSON


def to_json(evidence: Evidence) -> str:
    return json.dumps(evidence_data(evidence), indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- XLSX


def totals_rows(totals: Totals) -> list[tuple[str, object]]:
    """The totals as (what, number) rows: the "Rung totals" sheet and the PDF's tables."""
    return [
        *[(rung.label, totals.per_rung[rung]) for rung in reversed(RUNGS)],
        ("Decisions", totals.decisions),
        ("At Participation or above", totals.at_least_participation),
        ("Share at Participation or above", totals.share_text),
        ("Young people (distinct)", totals.young_people),
        *[(f"Age: {AGE_BAND_LABELS[band]}", totals.age_bands.get(band, 0))
          for band in AGE_BANDS],
    ]


def _xlsx_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, int | float):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _append(sheet: Worksheet, cells: Sequence[object], *, bold: bool = False) -> None:
    sheet.append([_xlsx_value(cell) for cell in cells])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            # Text is text: never a formula, even when it starts with "=", and Excel keeps it
            # text (quote prefix) if someone edits the cell.
            cell.data_type = "s"
            if cell.value.startswith(csv_safe.DANGEROUS_STARTS):
                cell.quotePrefix = True
        if bold:
            cell.font = Font(bold=True)


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for column, width in zip(sheet.iter_cols(min_row=1, max_row=1), widths, strict=False):
        sheet.column_dimensions[column[0].column_letter].width = width


def to_xlsx(evidence: Evidence) -> bytes:
    """Sheets "Decisions" (the CSV's columns), "Rung totals" and "Campaigns"."""
    book = Workbook()
    decisions = book.active
    assert decisions is not None
    decisions.title = "Decisions"
    _append(decisions, HEADER, bold=True)
    for row in evidence.decisions:
        _append(decisions, decision_cells(row))
    decisions.freeze_panes = "A2"
    for column in decisions.iter_cols(min_row=1, max_row=1):
        name = str(column[0].value)
        wide = name in ("decision", "you_said", "we_did", "amendment_history", "rung_reason")
        decisions.column_dimensions[column[0].column_letter].width = 40 if wide else 14
    for line in decisions.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    totals = book.create_sheet("Rung totals")
    _append(totals, [evidence.organisation], bold=True)
    _append(totals, [f"Period: {evidence.filter.period}"])
    if evidence.filter.campaign_title:
        _append(totals, [f"Campaign: {evidence.filter.campaign_title}"])
    _append(totals, [f"Generated: {evidence.generated_at:%Y-%m-%d %H:%M} UTC"])
    _append(totals, [])
    _append(totals, ["What", "Number"], bold=True)
    for what, number in totals_rows(evidence.totals):
        _append(totals, [what, number])
    _widths(totals, [34, 14])

    campaigns = book.create_sheet("Campaigns")
    _append(campaigns, ["campaign_id", "campaign", "decisions",
                        *[f"rung_{rung}" for rung in RUNGS], "at_least_participation",
                        "share_at_least_participation", "young_people",
                        *[f"age_{band}" for band in AGE_BANDS]], bold=True)
    for campaign in evidence.campaigns:
        t = campaign.totals
        _append(campaigns, [campaign.campaign_id, campaign.title, t.decisions,
                            *[t.per_rung[rung] for rung in RUNGS], t.at_least_participation,
                            t.share_text, t.young_people,
                            *[t.age_bands.get(band, 0) for band in AGE_BANDS]])
    _widths(campaigns, [12, 34])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- PDF

RUNG_COLOURS = {
    Rung.no_control: colors.HexColor("#9e9e9e"),
    Rung.information: colors.HexColor("#7fa7c9"),
    Rung.consultation: colors.HexColor("#4f81bd"),
    Rung.participation: colors.HexColor("#2e8b57"),
    Rung.sharing_power: colors.HexColor("#d48a1c"),
    Rung.full_control: colors.HexColor("#b03a2e"),
}
# A font that draws every letter people write (Welsh ŵ and ŷ, accents, most scripts), where
# the system has one; otherwise the PDF's built-in Helvetica, which draws Latin-1 only.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts/dejavu"))
FONT = "EvidenceSans"


@functools.cache
def fonts() -> tuple[str, str]:
    """The regular and bold font the evidence pack is written in."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(f"{FONT}-Bold", str(bold)))
            registerFontFamily(FONT, normal=FONT, bold=f"{FONT}-Bold", italic=FONT,
                               boldItalic=f"{FONT}-Bold")
            return FONT, f"{FONT}-Bold"
    return "Helvetica", "Helvetica-Bold"


def _grid() -> TableStyle:
    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("FONTNAME", (0, 0), (-1, -1), fonts()[0]),
        ("FONTNAME", (0, 0), (-1, 0), fonts()[1]),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])


class _Styles:
    def __init__(self) -> None:
        sheet = getSampleStyleSheet()
        regular, bold = fonts()
        self.title = ParagraphStyle("title", parent=sheet["Title"], fontName=bold)
        self.h1 = ParagraphStyle("h1", parent=sheet["Heading1"], fontName=bold)
        self.h2 = ParagraphStyle("h2", parent=sheet["Heading2"], fontName=bold)
        self.h3 = ParagraphStyle("h3", parent=sheet["Heading3"], fontName=bold)
        self.body = ParagraphStyle("body", parent=sheet["BodyText"], fontName=regular)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8, leading=10)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10,
                                    textColor=colors.HexColor("#444444"))


def _text(value: object) -> str:
    """Plain text for a Paragraph (which reads a little markup): escaped, line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


def _para(value: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_text(value), style)


def _number_table(header: Sequence[str], rows: Sequence[Sequence[object]],
                  widths: Sequence[float] | None = None) -> Table:
    table = Table([list(header), *[[str(c) for c in row] for row in rows]],
                  colWidths=widths, hAlign="LEFT", repeatRows=1)
    table.setStyle(_grid())
    return table


def _rung_chart(totals: Totals, width: float) -> Drawing:
    drawing = Drawing(width, 170)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 30, width - 50, 120
    chart.data = [[totals.per_rung[rung] for rung in RUNGS]]
    chart.categoryAxis.categoryNames = [rung.label for rung in RUNGS]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(1, max(totals.per_rung.values(), default=0))
    chart.valueAxis.valueStep = max(1, chart.valueAxis.valueMax // 5)
    chart.valueAxis.labels.fontSize = 7
    for place, rung in enumerate(RUNGS):
        chart.bars[(0, place)].fillColor = RUNG_COLOURS[rung]
    drawing.add(chart)
    return drawing


def _months_chart(months: Sequence[tuple[str, dict[Rung, int]]], width: float) -> Drawing:
    drawing = Drawing(width, 200)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 45, width - 170, 130
    chart.data = [[counts[rung] for _month, counts in months] for rung in RUNGS]
    chart.categoryAxis.categoryNames = [month for month, _counts in months]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    highest = max((sum(counts.values()) for _month, counts in months), default=0)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(1, highest)
    chart.valueAxis.valueStep = max(1, highest // 5)
    chart.valueAxis.labels.fontSize = 7
    for place, rung in enumerate(RUNGS):
        chart.bars[place].fillColor = RUNG_COLOURS[rung]
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 125, 170
    legend.fontSize = 7
    legend.alignment = "right"
    legend.colorNamePairs = [(RUNG_COLOURS[rung], rung.label) for rung in reversed(RUNGS)]
    drawing.add(legend)
    return drawing


def changed(amendment: AmendmentRow) -> str:
    """What an amendment changed, field by field, in words."""
    return "; ".join(f"{FIELD_LABELS.get(name, name)}: {describe(name, old)} -> "
                     f"{describe(name, new)}" for name, (old, new) in amendment.changes.items())


def _story(row: DecisionRow, s: _Styles) -> list[Flowable]:
    parts: list[Flowable] = [
        Paragraph(_text(row.title), s.h3),
        _para(f"{row.campaign} - decided on {row.decided_on:%d %B %Y} by "
              f"{row.decided_by.label.lower()}"
              + (f" ({row.decision_maker})" if row.decision_maker else ""), s.small),
        _para(f"Rung: {row.rung.label} (suggested: {row.suggested_rung.label})", s.body),
    ]
    if row.rung_reason:
        parts.append(_para(f"Why this rung: {row.rung_reason}", s.body))
    parts += [
        Paragraph("<b>You said:</b> " + _text(row.you_said or "(not recorded)"), s.body),
        Paragraph("<b>We did:</b> " + _text(row.we_did or "(not published yet)"), s.body),
        _para(f"Young people: {row.young_people}; ballots: {row.ballots}; comments: "
              f"{row.comments}. "
              + ("Confirmed on " + f"{row.confirmed_on:%d %B %Y}"
                 + (f" by {row.confirmed_by}" if row.confirmed_by else "")
                 + ": these counts are frozen."
                 if row.confirmed_on else "Not confirmed yet: these counts are as of now."),
              s.small),
    ]
    lundy = [[element.label, _yes_no(row.lundy[str(element)]["met"]) or "not answered",
              _para(row.lundy[str(element)]["note"], s.cell)] for element in LUNDY_ELEMENTS]
    parts.append(Paragraph("Lundy model", s.small))
    table = Table([["Element", "Met", "Note"], *lundy], colWidths=[25 * mm, 25 * mm, 120 * mm],
                  hAlign="LEFT")
    table.setStyle(_grid())
    parts.append(table)
    if row.amendments:
        parts.append(Paragraph("Amendments", s.small))
        rows = [[f"{a.at:%Y-%m-%d %H:%M}", _para(a.by, s.cell), _para(a.reason, s.cell),
                 _para(changed(a), s.cell)]
                for a in row.amendments]
        amended = Table([["When", "Who", "Why", "What changed"], *rows],
                        colWidths=[28 * mm, 30 * mm, 50 * mm, 62 * mm], hAlign="LEFT")
        amended.setStyle(_grid())
        parts.append(amended)
    parts.append(Spacer(1, 6 * mm))
    return [KeepTogether(parts[:4]), *parts[4:]]


def to_pdf(evidence: Evidence) -> bytes:
    """The evidence pack: a cover, the charts with their numbers, the totals, the table of
    decisions, and each decision's "you said, we did" story."""
    s = _Styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm,
                            title=f"Evidence of young people's influence: "
                                  f"{evidence.organisation}",
                            author=evidence.organisation)
    width = A4[0] - 36 * mm
    totals = evidence.totals
    story: list[Flowable] = [
        Spacer(1, 40 * mm),
        _para("Evidence of young people's influence", s.title),
        _para(evidence.organisation, s.h1),
        _para(f"Period: {evidence.filter.period}", s.h2),
    ]
    if evidence.filter.campaign_title:
        story.append(_para(f"Campaign: {evidence.filter.campaign_title}", s.h2))
    story += [
        _para(f"Generated on {evidence.generated_at:%d %B %Y at %H:%M} UTC", s.body),
        Spacer(1, 10 * mm),
        _para(f"{totals.decisions} decisions; {totals.share_text} at Participation or above; "
              f"{totals.young_people} young people took part.", s.body),
        _para("Young people are counted here, never named.", s.small),
        PageBreak(),
        _para("Decisions per rung", s.h1),
        _rung_chart(totals, width),
        _number_table(["Rung", "Decisions"],
                      [(rung.label, totals.per_rung[rung]) for rung in reversed(RUNGS)],
                      [50 * mm, 25 * mm]),
    ]
    if evidence.months:
        story += [
            _para("Rungs by month", s.h1),
            _months_chart(evidence.months, width),
            _number_table(["Month", *[rung.label for rung in RUNGS], "Total"],
                          [(month, *[counts[rung] for rung in RUNGS], sum(counts.values()))
                           for month, counts in evidence.months]),
        ]
    story += [
        _para("Totals", s.h1),
        _para(f"Share of decisions at Participation or above: {totals.share_text} "
              f"({totals.at_least_participation} of {totals.decisions}).", s.body),
        _para("Distinct young people by age band, each counted once however many decisions "
              "they took part in:", s.body),
        _number_table(["What", "Number"], totals_rows(totals)[len(RUNGS):],
                      [70 * mm, 25 * mm]),
    ]
    if len(evidence.campaigns) > 1:
        story += [
            _para("By campaign", s.h2),
            _number_table(["Campaign", "Decisions", "At Participation or above", "Share",
                           "Young people"],
                          [(c.title, c.totals.decisions, c.totals.at_least_participation,
                            c.totals.share_text, c.totals.young_people)
                           for c in evidence.campaigns]),
        ]
    story += [PageBreak(), _para("Decisions", s.h1)]
    if evidence.decisions:
        rows = [[row.decided_on.isoformat(), _para(row.campaign, s.cell),
                 _para(row.title, s.cell), row.rung.label, _yes_no(row.frozen),
                 str(row.young_people)] for row in evidence.decisions]
        table = Table([["Date", "Campaign", "Decision", "Rung", "Confirmed", "Young people"],
                       *rows], colWidths=[20 * mm, 35 * mm, 60 * mm, 25 * mm, 17 * mm, 17 * mm],
                      hAlign="LEFT", repeatRows=1)
        table.setStyle(_grid())
        story.append(table)
        story += [PageBreak(), _para("You said, we did", s.h1)]
        for row in evidence.decisions:
            story += _story(row, s)
    else:
        story.append(_para("No decisions in this period.", s.body))
    doc.build(story)
    return out.getvalue()


# ---------------------------------------------------------------- one download


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def filename(evidence: Evidence, fmt: str) -> str:
    """Like evidence-riverside-youth-club-2026-01-01-to-2026-11-23.csv: the organisation, the
    campaign when one is chosen, and the period (to the day it was made when open-ended)."""
    wanted = evidence.filter
    first = wanted.date_from or min((row.decided_on for row in evidence.decisions),
                                    default=None)
    last = wanted.date_to or evidence.generated_at.date()
    period = f"{first.isoformat()}-to-{last.isoformat()}" if first else f"to-{last.isoformat()}"
    parts = ["evidence", _slug(evidence.organisation), _slug(wanted.campaign_title), period]
    return "-".join(part for part in parts if part) + "." + FORMATS[fmt][1]


RENDERERS: dict[str, Callable[[Evidence], str | bytes]] = {
    "csv": to_csv, "json": to_json, "xlsx": to_xlsx, "pdf": to_pdf,
}


def export(evidence: Evidence, fmt: str) -> tuple[bytes, str, str]:
    """The file's bytes, media type and name. `fmt` is one of FORMATS."""
    made = RENDERERS[fmt](evidence)
    body = made.encode("utf-8") if isinstance(made, str) else made
    return body, FORMATS[fmt][0], filename(evidence, fmt)


def attachment(name: str) -> dict[str, str]:
    """The header that makes a browser save the file under its name."""
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def read_format(value: Any, default: str = "json") -> str | None:
    """The format asked for, or None when it is not one we make."""
    typed = str(value or "").strip().lower() or default
    return typed if typed in FORMATS else None
