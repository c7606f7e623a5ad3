"""Labels: both languages for every key, the same placeholders, every key used."""

from __future__ import annotations

import re
import string
from pathlib import Path

from appraisal.audit.follow_up import FollowUpStatus
from appraisal.report.i18n import LABEL_KEYS, labels
from appraisal.resources import resource_dir
from appraisal.spec.enums import IncentiveKind, Language, ScoreMeasure

PACKAGE = Path(__file__).resolve().parent.parent / "appraisal" / "report"

DYNAMIC = {
    *(f"kind_{k.value}" for k in IncentiveKind),
    *(f"status_{s.value}" for s in FollowUpStatus),
    "status_pending",
    "status_no_measure",
    *(f"measure_{m.value}" for m in ScoreMeasure),
}
"""Keys looked up with a computed name (``t[f"kind_{kind}"]``)."""


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_label_exists_in_both_languages_with_the_same_placeholders() -> None:
    zh, en = labels(Language.ZH), labels(Language.EN)
    assert set(zh) == set(en) == LABEL_KEYS
    for key in LABEL_KEYS:
        assert zh[key].strip() and en[key].strip(), key
        assert _fields(zh[key]) == _fields(en[key]), key


def test_templates_use_only_known_labels_and_every_label_is_used() -> None:
    templates = "".join(p.read_text(encoding="utf-8") for p in resource_dir("templates").iterdir())
    in_templates = set(re.findall(r"\bt\.([a-z_]+)", templates))
    assert in_templates - LABEL_KEYS == set()
    assert DYNAMIC <= LABEL_KEYS
    code = "".join(p.read_text(encoding="utf-8") for p in PACKAGE.glob("*.py"))
    unused = {k for k in LABEL_KEYS - in_templates - DYNAMIC if f'"{k}"' not in code}
    assert unused == set()


def test_only_symbols_read_the_same_in_both_languages() -> None:
    zh, en = labels(Language.ZH), labels(Language.EN)
    assert {k for k in LABEL_KEYS if zh[k] == en[k]} == {"none", "follow_up_none", "measure_value"}
