"""Property: whatever mix of good and bad rows, every row is accounted for exactly once,
the table holds exactly the good rows, and a second import changes nothing."""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from appraisal.importing import Counts, import_files
from appraisal.store.schema import ENTITIES

HEADER = ["order_id", "customer_id", "ordered_on", "amount", "status"]
DEFECTS = (
    "bad_date",
    "negative_amount",
    "unknown_customer",
    "bad_status",
    "empty_amount",
    "three_decimals",
    "positive_refund",
    "short_row",
    "long_row",
)
RAGGED = ("short_row", "long_row")


@dataclass(frozen=True)
class Row:
    order_id: str
    customer: str
    day: int
    cents: int
    status: str
    defects: frozenset[str]

    def fields(self) -> list[str]:
        amount = f"{self.cents / 100:.2f}"
        fields = [self.order_id, self.customer, f"2026-03-{self.day:02d}", amount, self.status]
        if "bad_date" in self.defects:
            fields[2] = f"2026-02-{self.day + 28:02d}"
        if "negative_amount" in self.defects and self.status != "refund":
            fields[3] = "-" + amount
        if "positive_refund" in self.defects:
            fields[3:5] = [amount, "refund"]
        if "unknown_customer" in self.defects:
            fields[1] = "C404"
        if "bad_status" in self.defects:
            fields[4] = "shipped"
        if "empty_amount" in self.defects:
            fields[3] = ""
        if "three_decimals" in self.defects:
            fields[3] = amount + "5"
        if "short_row" in self.defects:
            fields = fields[:-1]
        if "long_row" in self.defects:
            fields = [*fields, "extra"]
        return fields

    @property
    def effective_defects(self) -> frozenset[str]:
        """Defects that really break the row (a negative refund is fine)."""
        if self.status == "refund" or "positive_refund" in self.defects:
            return self.defects - {"negative_amount"}
        return self.defects

    def typed(self) -> tuple[object, ...]:
        sign = -1 if self.status == "refund" else 1
        return (
            self.order_id,
            self.customer,
            date(2026, 3, self.day),
            Decimal(sign * self.cents).scaleb(-2),
            self.status,
        )


rows = st.builds(
    Row,
    order_id=st.sampled_from([f"{i:05d}" for i in range(1, 16)]),
    customer=st.sampled_from(["C1", "C2"]),
    day=st.integers(1, 9),
    cents=st.integers(1, 99_999),
    status=st.sampled_from(["open", "delivered", "cancelled", "refund"]),
    defects=st.frozensets(st.sampled_from(DEFECTS), max_size=2).filter(
        lambda d: len(d & set(RAGGED)) < 2
    ),
)


def render(batch: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in batch:
        fields = row.fields()
        if row.status == "refund" and "positive_refund" not in row.defects:
            fields[3] = fields[3] if fields[3].startswith("-") or not fields[3] else "-" + fields[3]
        writer.writerow(fields)
    return out.getvalue().encode()


def good_rows(batch: list[Row]) -> list[Row]:
    regular = [row for row in batch if not row.defects & set(RAGGED)]
    repeated = {key for key, n in Counter(row.order_id for row in regular).items() if n > 1}
    return [row for row in regular if not row.effective_defects and row.order_id not in repeated]


def stored(engine: Engine) -> set[tuple[object, ...]]:
    orders = ENTITIES["orders"]
    columns = [orders.c[name] for name in ("order_id", "customer_id", "ordered_on", "amount",
                                            "status")]  # fmt: skip
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(sa.select(*columns))}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(rows, max_size=25))
def test_every_row_is_accounted_for_and_only_good_rows_load(
    engine: Engine, tmp_path: Path, batch: list[Row]
) -> None:
    with engine.begin() as conn:
        for table in (ENTITIES["orders"], ENTITIES["customers"]):
            if sa.inspect(conn).has_table(table.name):
                conn.execute(sa.delete(table))
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "customers.csv").write_text(
        "customer_id,name,acquired_on\nC1,甲,2026-01-01\nC2,乙,2026-01-01\n", encoding="utf-8"
    )
    (folder / "orders.csv").write_bytes(render(batch))
    paths = [folder / "orders.csv", folder / "customers.csv"]
    expected = good_rows(batch)
    first = {e.entity: e.counts for e in import_files(engine, paths, timezone="UTC").entities}
    rejected = len(batch) - len(expected)
    assert first["orders"] == Counts(read=len(batch), inserted=len(expected), rejected=rejected)
    assert stored(engine) == {row.typed() for row in expected}
    quarantine = folder / "orders.rejected.csv"
    if rejected:
        lines = list(csv.reader(io.StringIO(quarantine.read_bytes().decode("utf-8-sig"))))
        assert len(lines) == 1 + rejected
        assert all(line[1] for line in lines[1:])
    else:
        assert not quarantine.exists()
    second = {e.entity: e.counts for e in import_files(engine, paths, timezone="UTC").entities}
    assert second["orders"] == Counts(read=len(batch), unchanged=len(expected), rejected=rejected)
    assert stored(engine) == {row.typed() for row in expected}
