"""The rows of a rule-test case: checked strictly, then inserted into a scratch database.

Rows are typed by the data model's ``FieldInfo`` (the same declaration the
importer reads), so a test row means what an imported row would.  Unlike an
import, nothing is set aside: a bad value, an unknown column or a missing
required one is an error of the test file, reported with file, line and column.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.errors import Issue, IssueLevel, IssuesError
from appraisal.spec.yaml_loader import DocPath, LoadedDocument, render_path
from appraisal.store.schema import ENTITIES, field_info

DATA_ERROR = "T001"


class _Bad(ValueError):
    """A value that does not fit its column; the message says what was expected."""


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Bad(f"expected text, got {value!r}")
    return str(value)


def _date(value: Any) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Bad(f"expected a date written YYYY-MM-DD, got {value!r}")


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise _Bad(f"expected a number, got {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _Bad(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise _Bad(f"expected a finite number, got {value!r}")
    return number


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"expected a whole number, got {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {value!r}")
    return value


def _instant(zone: ZoneInfo) -> Callable[[Any], datetime]:
    def parse(value: Any) -> datetime:
        if isinstance(value, str):
            try:
                instant = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                return instant if instant.tzinfo else instant.replace(tzinfo=zone)
        raise _Bad(f"expected a date and time such as 2026-07-01T09:30:00+08:00, got {value!r}")

    return parse


def _converters(zone: ZoneInfo) -> Mapping[str, Callable[[Any], Any]]:
    return {
        "id": _text,
        "text": _text,
        "code": _text,
        "date": _date,
        "instant": _instant(zone),
        "money": _number,
        "integer": _integer,
        "decimal": _number,
        "boolean": _boolean,
    }


def _issue(
    document: LoadedDocument, path: DocPath, message: str, hint: str = "", key: bool = False
) -> Issue:
    span = document.key_span(path) if key else document.span(path)
    return Issue(IssueLevel.ERROR, DATA_ERROR, message, span, render_path(path), hint)


def _row_issues(
    table: sa.Table,
    row: Mapping[str, Any],
    path: DocPath,
    document: LoadedDocument,
    convert: Mapping[str, Callable[[Any], Any]],
) -> tuple[dict[str, Any], list[Issue]]:
    issues: list[Issue] = []
    clean: dict[str, Any] = {}
    for name, value in row.items():
        if name not in table.c:
            close = difflib.get_close_matches(name, table.c.keys(), n=1)
            known = (
                f"did you mean '{close[0]}'?" if close else "columns: " + ", ".join(table.c.keys())
            )
            issues.append(
                _issue(
                    document,
                    (*path, name),
                    f"'{table.name}' has no column '{name}'",
                    known,
                    key=True,
                )
            )
            continue
        if value is None:
            clean[name] = None
            continue
        try:
            clean[name] = convert[field_info(table.c[name]).kind](value)
        except _Bad as exc:
            issues.append(_issue(document, (*path, name), str(exc)))
    for column in table.c:
        if field_info(column).required and clean.get(column.name) is None:
            if column.name in row and row[column.name] is not None:
                continue  # already reported as a bad value
            issues.append(_issue(document, path, f"missing required column '{column.name}'"))
    return clean, issues


def case_rows(
    data: Mapping[str, Sequence[Mapping[str, Any]]],
    path: DocPath,
    document: LoadedDocument,
    timezone: str,
) -> dict[str, list[dict[str, Any]]]:
    """Typed rows per entity; raises :class:`IssuesError` listing every bad value."""
    convert = _converters(ZoneInfo(timezone))
    rows: dict[str, list[dict[str, Any]]] = {}
    issues: list[Issue] = []
    for entity, entity_rows in data.items():
        table = ENTITIES.get(entity)
        if table is None:
            close = difflib.get_close_matches(entity, list(ENTITIES), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "one of " + ", ".join(ENTITIES)
            where = (*path, entity)
            issues.append(_issue(document, where, f"unknown entity '{entity}'", hint, key=True))
            continue
        for index, row in enumerate(entity_rows):
            clean, row_issues = _row_issues(table, row, (*path, entity, index), document, convert)
            rows.setdefault(entity, []).append(clean)
            issues.extend(row_issues)
    if issues:
        raise IssuesError(issues)
    return rows


def insert_rows(conn: Connection, rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Insert typed rows, referenced entities first, one statement per entity."""
    for entity, table in ENTITIES.items():
        entity_rows = rows.get(entity)
        if entity_rows:
            names = [c.name for c in table.c]
            conn.execute(table.insert(), [{n: r.get(n) for n in names} for r in entity_rows])
