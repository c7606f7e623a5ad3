"""An impact report as Markdown, CSV or HTML.

Markdown and HTML hold the summary: what the incentives pay before and after
(the bonus pool change), one tier-movement matrix per scorecard (rows: tier
before, columns: tier after) and every subject.  CSV holds one row per subject
for spreadsheets, with text cells guarded against formula injection.  Nothing
here reads a clock: the same report renders to the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from appraisal.audit.canonical import decimal_text, short_hash
from appraisal.audit.impact import ImpactReport, SubjectImpact

UNRATED = "—"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def money(value: Decimal) -> str:
    """``1,234.50``: grouped, two places."""
    return format(value.quantize(Decimal("0.01")), ",.2f")


def signed_money(value: Decimal) -> str:
    """``+1,234.50``, ``-20.00``, ``0.00``."""
    text = money(value)
    return f"+{text}" if value > 0 else text


def number(value: Decimal | None) -> str:
    """A score as stored, normalised; ``—`` when unrated."""
    return UNRATED if value is None else decimal_text(value)


def fixed(value: Decimal | None, places: int) -> str:
    """A score at its declared places: ``67.20``; ``—`` when unrated."""
    return UNRATED if value is None else format(value.quantize(Decimal(1).scaleb(-places)), "f")


def signed(value: Decimal | None, places: int) -> str:
    """A change of score: ``+2.40``, ``-1.00``, ``0.00``; ``—`` when either side is unrated."""
    text = fixed(value, places)
    return f"+{text}" if value is not None and value > 0 else text


def tier(code: str | None) -> str:
    """A tier code, ``—`` for none."""
    return UNRATED if code is None else code


def matrix(report: ImpactReport, scorecard_id: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one scorecard's tier-movement matrix: rows are the tier before,
    columns the tier after, cells the number of subjects (``—``: unrated)."""
    moves = [m for m in report.moves if m.scorecard_id == scorecard_id]
    codes: list[str | None] = list(report.tiers_of(scorecard_id))
    for m in moves:
        for code in (m.tier_before, m.tier_after):
            if code is not None and code not in codes:
                codes.append(code)
    if any(m.tier_before is None or m.tier_after is None for m in moves):
        codes.append(None)
    counts = {(m.tier_before, m.tier_after): m.subjects for m in moves}
    header = ["before ↓ after →", *(tier(c) for c in codes)]
    rows = [[tier(a), *(str(counts.get((a, b), 0)) for b in codes)] for a in codes]
    return header, rows


def scorecards(report: ImpactReport) -> list[str]:
    """Scorecard ids with results, in id order."""
    return sorted({s.scorecard_id for s in report.subjects})


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |"]
    lines.append("|" + "---|" * len(header))
    lines.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows)
    return lines


SUBJECT_HEADER = (
    "scorecard",
    "subject",
    "name",
    "total before",
    "total after",
    "Δ total",
    "tier before",
    "tier after",
    "incentive before",
    "incentive after",
    "Δ incentive",
)


def subject_cells(s: SubjectImpact, places: tuple[int, int]) -> list[str]:
    """One subject's row as text, totals at the places each rule set declares."""
    return [
        s.scorecard_id,
        s.subject_id,
        s.name,
        fixed(s.total_before, places[0]),
        fixed(s.total_after, places[1]),
        signed(s.total_change, max(places)),
        tier(s.tier_before),
        tier(s.tier_after),
        money(s.incentive_before),
        money(s.incentive_after),
        signed_money(s.incentive_change),
    ]


def incentive_rows(report: ImpactReport) -> list[list[str]]:
    """The pool table: one row per incentive, then the total."""
    rows = [
        [
            i.scorecard_id,
            i.incentive_id,
            i.kind,
            money(i.before),
            money(i.after),
            signed_money(i.change),
        ]
        for i in report.incentives
    ]
    change = report.total_after - report.total_before
    rows.append(
        [
            "total",
            "",
            "",
            money(report.total_before),
            money(report.total_after),
            signed_money(change),
        ]
    )
    return rows


def heading_lines(report: ImpactReport) -> list[str]:
    """Which rules, which period, which data."""
    return [
        f"Period {report.period}; data fingerprint {short_hash(report.data_fingerprint)}.",
        f"Old rules: {report.old_label} — version {report.old_version}, "
        f"sha256 {short_hash(report.old_hash)}.",
        f"New rules: {report.new_label} — version {report.new_version}, "
        f"sha256 {short_hash(report.new_hash)}.",
    ]


def moved_count(report: ImpactReport) -> int:
    """Subjects whose tier changed."""
    return sum(m.subjects for m in report.moves if m.tier_before != m.tier_after)


def summary(report: ImpactReport) -> str:
    """One sentence: how many subjects, how many change tier, what is paid."""
    change = report.total_after - report.total_before
    return (
        f"{len(report.subjects)} subjects; {moved_count(report)} change tier; incentives "
        f"{money(report.total_before)} → {money(report.total_after)} ({signed_money(change)})."
    )


def render_markdown(report: ImpactReport) -> str:
    """The whole report as Markdown."""
    lines = [f"# Impact of {report.old_label} → {report.new_label}, {report.period}", ""]
    lines.extend(f"{line}  " for line in heading_lines(report))
    lines.extend(
        [
            "",
            summary(report),
            "",
            "## Incentives (bonus pool)",
            "",
            *_md_table(
                ("scorecard", "incentive", "kind", "before", "after", "change"),
                incentive_rows(report),
            ),
        ]
    )
    for card in scorecards(report):
        header, rows = matrix(report, card)
        lines.extend(["", f"## Tier movement: {card}", "", *_md_table(header, rows)])
    lines.extend(
        [
            "",
            "## Subjects",
            "",
            *_md_table(
                SUBJECT_HEADER, [subject_cells(s, report.score_places) for s in report.subjects]
            ),
        ]
    )
    return "\n".join(lines) + "\n"


def _guard(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


CSV_HEADER = (
    "scorecard_id",
    "subject_kind",
    "subject_id",
    "name",
    "total_before",
    "total_after",
    "total_change",
    "tier_before",
    "tier_after",
    "incentive_before",
    "incentive_after",
    "incentive_change",
)


def _plain(value: Decimal | None, places: int) -> str:
    return "" if value is None else fixed(value, places)


def render_csv(report: ImpactReport) -> str:
    """One row per subject; numbers plain (no grouping), empty when unrated."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for s in report.subjects:
        writer.writerow(
            [
                _guard(s.scorecard_id),
                s.subject_kind,
                _guard(s.subject_id),
                _guard(s.name),
                _plain(s.total_before, report.score_places[0]),
                _plain(s.total_after, report.score_places[1]),
                _plain(s.total_change, max(report.score_places)),
                _guard(s.tier_before or ""),
                _guard(s.tier_after or ""),
                format(s.incentive_before.quantize(Decimal("0.01")), "f"),
                format(s.incentive_after.quantize(Decimal("0.01")), "f"),
                format(s.incentive_change.quantize(Decimal("0.01")), "f"),
            ]
        )
    return out.getvalue()


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("appraisal.audit", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_html(report: ImpactReport) -> str:
    """A self-contained HTML page (no scripts, no external files)."""
    matrices = [(card, *matrix(report, card)) for card in scorecards(report)]
    return (
        _environment()
        .get_template("impact.html")
        .render(
            title=f"Impact of {report.old_label} → {report.new_label}, {report.period}",
            heading=heading_lines(report),
            summary=summary(report),
            incentive_header=("scorecard", "incentive", "kind", "before", "after", "change"),
            incentive_rows=incentive_rows(report),
            matrices=matrices,
            subject_header=SUBJECT_HEADER,
            subject_rows=[subject_cells(s, report.score_places) for s in report.subjects],
        )
    )
