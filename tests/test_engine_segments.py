"""Client RFM scores (quintiles with ties, bands) and first-matching segments, by hand."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.engine.results import stored_segments
from appraisal.engine.run_tables import RUN_SEGMENTS
from tests.engine_frames import Row, evaluate_rows, indicator, ruleset

SEGMENTATION = {
    "id": "rfm",
    "title": {"en": "RFM"},
    "rfm": {
        "recency": {"indicator": "rec", "method": "quintiles"},
        "frequency": {"indicator": "freq", "method": "quintiles"},
        "monetary": {
            "indicator": "mon",
            "method": "bands",
            "bands": [
                {"max": 10000, "score": 1},
                {"min": 10000, "max": 50000, "score": 2},
                {"min": 50000, "max": 150000, "score": 3},
                {"min": 150000, "max": 500000, "score": 4},
                {"min": 500000, "score": 5},
            ],
        },
        "weights": {"recency": 2, "frequency": 1, "monetary": 2},
    },
    "segments": [
        {
            "code": "champions",
            "label": {"en": "Champions"},
            "when": "r_score >= 4 and f_score >= 4 and m_score >= 4",
        },
        {
            "code": "high_potential",
            "label": {"en": "High potential"},
            "when": "tenure < 1 and clv >= 300000",
        },
        {"code": "at_risk", "label": {"en": "At risk"}, "when": "r_score <= 2 and m_score >= 3"},
        {"code": "loyal", "label": {"en": "Loyal"}, "when": "f_score >= 4"},
        {"code": "hibernating", "label": {"en": "Hibernating"}},
    ],
}


def _rules() -> Any:
    return ruleset(
        [
            indicator("rec", "days", "lower", "client"),
            indicator("freq", "count", "higher", "client"),
            indicator("mon", "money", "higher", "client"),
            indicator("clv", "money", "higher", "client"),
            indicator("tenure", "number", "higher", "client"),
        ],
        segmentations=[SEGMENTATION],
    )


#        client  recency frequency monetary    tenure clv
DATA = [
    ("c01", 5, 8, "600000", 5, 0),
    ("c02", 10, 8, "150000", 5, 0),
    ("c03", 10, 5, "149999.99", "0.5", 300000),
    ("c04", 30, 3, "10000", 5, 0),
    ("c05", 60, 3, "9999.99", 5, 0),
    ("c06", 90, 3, "50000", 5, 0),
    ("c07", 200, 2, "0", 5, 0),
    ("c08", 400, 1, "200000", 5, 0),
    ("c09", None, 1, None, 5, 0),
    ("c10", 15, None, "500000", 5, 0),
]


def _rows() -> list[Row]:
    return [
        Row(
            c,
            {
                "rec": rec,
                "freq": freq,
                "mon": None if mon is None else D(mon),
                "tenure": D(str(tenure)),
                "clv": clv,
            },
            role=None,
        )
        for c, rec, freq, mon, tenure, clv in DATA
    ]


def test_rfm_scores_and_segments(engine: Engine) -> None:
    result = evaluate_rows(engine, _rules(), _rows())
    t = RUN_SEGMENTS
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                t.c.subject_id, t.c.r_score, t.c.f_score, t.c.m_score, t.c.rfm_score, t.c.segment
            )
            .where(t.c.run_id == result.run.run_id)
            .order_by(t.c.subject_id)
        ).all()
    got = {
        r[0]: (r[1], r[2], r[3], None if r[4] is None else D(str(r[4])).normalize(), r[5])
        for r in rows
    }
    # recency (lower is better): 1 + floor(5 × clients with a higher value / 9)
    # frequency: 1 + floor(5 × clients with a lower value / 9); equal values share a score
    assert got == {
        "c01": (5, 4, 5, D("4.8"), "champions"),
        "c02": (4, 4, 4, D("4"), "champions"),
        "c03": (4, 4, 3, D("3.6"), "high_potential"),
        "c04": (3, 2, 2, D("2.4"), "hibernating"),
        "c05": (2, 2, 1, D("1.6"), "hibernating"),
        "c06": (2, 2, 3, D("2.4"), "at_risk"),
        "c07": (1, 2, 1, D("1.2"), "hibernating"),
        "c08": (1, 1, 4, D("2.2"), "at_risk"),
        "c09": (None, 1, None, None, "hibernating"),
        "c10": (3, None, 5, None, "hibernating"),
    }
    with engine.connect() as conn:
        stored = stored_segments(conn, result.run.run_id, _rules(), "rfm", ["c01", "c09"])
    assert [(c.subject_id, c.r_score, c.rfm_score, c.segment) for c in stored] == [
        ("c01", 5, D("4.80"), "champions"),
        ("c09", None, None, "hibernating"),
    ]
    (segmentation,) = result.segmentations
    assert segmentation.clients == 10
    assert dict(segmentation.segments) == {
        "champions": 2,
        "high_potential": 1,
        "at_risk": 2,
        "loyal": 0,
        "hibernating": 5,
    }
