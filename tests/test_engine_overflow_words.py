"""Every backend's wording of a number too large to compute exactly is a user error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from appraisal.engine.evaluate import OVERFLOW, exact_or_refused
from appraisal.errors import UserError


@pytest.mark.parametrize(
    "message",
    [
        "integer overflow",  # SQLite
        "Conversion Error: Type INT128 with value 1e20 can't be cast to type INT64",  # DuckDB
        "Out of Range Error: Overflow in multiplication of INT64",  # DuckDB
        "numeric field overflow",  # PostgreSQL
        "value out of range for type bigint",  # PostgreSQL
    ],
)
def test_overflow_wordings_become_a_user_error(message: str) -> None:
    with pytest.raises(UserError) as caught, exact_or_refused():
        raise sa.exc.DBAPIError("SELECT 1", {}, Exception(message))
    assert str(caught.value) == OVERFLOW


def test_other_database_errors_pass_through() -> None:
    with pytest.raises(sa.exc.DBAPIError), exact_or_refused():
        raise sa.exc.DBAPIError("SELECT 1", {}, Exception("relation does not exist"))
