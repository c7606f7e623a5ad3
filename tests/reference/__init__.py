"""A deliberately naive, pure-Python reference evaluator of rule sets.

It is the oracle the SQL engine is checked against: the same rule set, period
and rows, computed one subject and one row at a time with Decimal arithmetic,
following the docstrings of :mod:`appraisal.spec.models` and
:mod:`appraisal.spec.enums` literally.  README.md records how each point the
docstrings leave open is read.
"""

from __future__ import annotations

from .data import Dataset, parse_row
from .evaluate import evaluate_reference
from .results import (
    ItemResult,
    PlanItem,
    ReferenceResult,
    ScorecardResult,
    SegmentResult,
    SubjectResult,
)

__all__ = [
    "Dataset",
    "ItemResult",
    "PlanItem",
    "ReferenceResult",
    "ScorecardResult",
    "SegmentResult",
    "SubjectResult",
    "evaluate_reference",
    "parse_row",
]
