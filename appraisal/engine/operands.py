"""Values-frame columns as exact numbers (:class:`~appraisal.engine.exact.Fixed`).

A frame's value column holds the indicator's value rounded to its declared
places, so it is read back at exactly those places.  A target column holds the
target at its own places (a count's target may be 2.5: the indicator's
precision rounds values, not targets); its type says how many
(:func:`~appraisal.engine.frame_types.frame_places`), and it is read back at
exactly those.  A frame built with other column types (by hand, in tests) has
its targets read with :data:`TARGET_PLACES` places (money: to the cent).
Money columns typed ``Money``/``ExprMoney`` hold cents on SQLite, as the store
does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.exact import Fixed, of_cents, of_column
from appraisal.engine.frame import ValuesFrame
from appraisal.engine.frame_types import frame_places
from appraisal.expr.sqltypes import ExprMoney
from appraisal.spec.enums import Unit
from appraisal.spec.models import AnyIndicator, Settings, effective_rounding
from appraisal.store.types import MONEY_SCALE, Money

TARGET_PLACES = 6
"""Decimal places a non-money target is read with when its column type does not say."""

MONEY_TARGET_PLACES = 2
"""Decimal places a money target is read with when its column type does not say."""


def holds_cents(col: ColumnElement[Any], dialect: str) -> bool:
    """True when the column keeps money as integer cents (SQLite)."""
    return dialect == "sqlite" and isinstance(col.type, Money | ExprMoney)


def stored(col: ColumnElement[Any], places: int, dialect: str) -> Fixed:
    """A stored number with at most ``places`` places, in whichever form the column keeps it."""
    if holds_cents(col, dialect):
        return of_cents(col, max(places, MONEY_SCALE))
    return of_column(col, places)


def value_places(indicator: AnyIndicator, settings: Settings) -> int:
    """Places of an indicator's value (its declared or default rounding)."""
    return effective_rounding(indicator, settings).places


def target_places(col: ColumnElement[Any], indicator: AnyIndicator) -> int:
    """Places a target column is read with: those its type holds."""
    places = frame_places(col.type)
    if places is not None:
        return places
    return MONEY_TARGET_PLACES if indicator.unit is Unit.MONEY else TARGET_PLACES


def value_of(
    frame: ValuesFrame, indicator: AnyIndicator, settings: Settings, dialect: str
) -> Fixed:
    """An indicator's value for every subject of the frame (NULL: not applicable)."""
    try:
        col = frame.value(indicator.id)
    except KeyError:
        raise KeyError(
            f"values frame {frame.scorecard_id!r} has no value of indicator {indicator.id!r}"
        ) from None
    return stored(col, value_places(indicator, settings), dialect)


def target_of(frame: ValuesFrame, indicator: AnyIndicator, dialect: str) -> Fixed:
    """An indicator's target for every subject (NULL when the frame has none)."""
    if indicator.id not in frame.targeted:
        return Fixed.null()
    col = frame.target(indicator.id)
    return stored(col, target_places(col, indicator), dialect)
