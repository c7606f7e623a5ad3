"""Golden cases: rules, a handful of rows and hand-computed expectations, as YAML data.

Each ``tests/cases/*.yaml`` file is one case, readable without programming::

    name: commission_marginal_vs_step
    description: what it checks, and the arithmetic done by hand
    period: 2026Q3
    rules: {...}            # a rule file in the rule language (metadata may be left out)
    data: {staff: [...], orders: [...]}
    expect:
      scorecards:
        <scorecard id>:
          <subject id>: {values: {...}, scores: {...}, total: 87.5, tier: B, ...}
      segments:
        <segmentation id>:
          <client id>: {r: 5, f: 4, m: 3, rfm: 4, segment: champions}

Numbers are written as in the rules (``85%`` is allowed for fractions); ``n/a``
means not applicable.  Only the fields a case lists are checked, but the
subjects listed under a scorecard must be exactly the subjects appraised.  A
case may state ``engine_disagreement``: a known difference of the SQL engine,
whose agreement test is then a strict xfail.  Cases are parsed into frozen
models that refuse unknown keys, and names must be unique.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from appraisal.errors import IssueLevel
from appraisal.periods import Period
from appraisal.spec.models import RuleFile, RuleSet, Settings
from appraisal.spec.yaml_loader import LoadedDocument, load_yaml
from appraisal.validation.schema import check_document
from appraisal.validation.validator import validate_ruleset
from tests.reference import Dataset, ReferenceResult, SubjectResult

CASES_DIR = Path(__file__).parent / "cases"
NA = "n/a"


def _number(value: Any) -> Any:
    """85% → 0.85; ints and decimals stay; n/a stays."""
    if isinstance(value, str) and value.endswith("%") and value != NA:
        return Decimal(value[:-1]).scaleb(-2)
    if isinstance(value, bool | float):
        raise ValueError(f"write {value!r} as an exact number")
    return value


Number = Annotated[Decimal | Literal["n/a"], BeforeValidator(_number)]
"""An expected number, or ``n/a`` (not applicable)."""


class Frozen(BaseModel):
    """Frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class FollowUp(Frozen):
    """The follow-up of a plan item: indicator, target value and the period it is due."""

    indicator: str
    target: Number
    period: str


class ExpectedPlanItem(Frozen):
    """One improvement action expected for a subject."""

    rule: str
    owner: str | None
    due: date
    follow_up: FollowUp | None = None


class ExpectedSubject(Frozen):
    """What a scorecard says about one subject (only the fields given are checked)."""

    values: dict[str, Number] = {}
    targets: dict[str, Number] = {}
    scores: dict[str, Number] = {}
    sections: dict[str, Number] = {}
    total: Number | None = None
    tier_before_gates: str | None = None
    gates: tuple[str, ...] | None = None
    tier: str | None = None
    incentives: dict[str, Number] = {}
    awards: dict[str, int] | None = None
    """Every award the subject wins, with its rank (``{}``: none)."""
    plan: tuple[ExpectedPlanItem, ...] | None = None
    """Every improvement action, in rule order (``[]``: none)."""


class ExpectedSegment(Frozen):
    """A client's RFM scores and segment."""

    r: Number | None = None
    f: Number | None = None
    m: Number | None = None
    rfm: Number | None = None
    segment: str


class Expect(Frozen):
    """Expected results per scorecard and subject, and per segmentation and client."""

    scorecards: dict[str, dict[str, ExpectedSubject]] = {}
    segments: dict[str, dict[str, ExpectedSegment]] = {}


class GoldenCase(Frozen):
    """One golden case file."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    description: Annotated[str, Field(min_length=40)]
    period: str
    timezone: str = "Asia/Shanghai"
    rules: dict[str, Any]
    data: dict[str, list[dict[str, Any]]]
    expect: Expect
    engine_disagreement: str | None = None
    """A known difference of the SQL engine from this case, stated in words: its
    agreement test is then expected to fail (strictly) until the engine or the
    specification changes."""

    @property
    def the_period(self) -> Period:
        """The evaluated period."""
        return Period.parse(self.period)

    def ruleset(self) -> RuleSet:
        """The case's rules as a merged rule set (structure and model layers checked)."""
        return build_ruleset(self.name, self.rules)

    def validation_errors(self) -> list[str]:
        """Blocking issues of the semantic layer (a golden case must have none)."""
        results = validate_ruleset(self.ruleset())
        return [
            f"{i.code} {i.path}: {i.message}" for i in results.issues if i.level is IssueLevel.ERROR
        ]

    def dataset(self) -> Dataset:
        """The case's rows, typed."""
        return Dataset.from_plain(self.data)


def build_ruleset(name: str, rules: Mapping[str, Any]) -> RuleSet:
    """A rule set from a rule file's data, ``schema_version`` and ``metadata`` filled in."""
    document = dict(rules)
    document.setdefault("schema_version", "v1.0")
    document.setdefault(
        "metadata",
        {
            "id": name,
            "title": {"en": name.replace("_", " ")},
            "version": "1.0",
            "effective_from": "2020-01-01",
            "owner": "golden cases",
        },
    )
    schema_issues = check_document(LoadedDocument(name, document, {}, {}, {}))
    if schema_issues:
        raise ValueError(f"{name}: " + "; ".join(i.message for i in schema_issues))
    rule_file = RuleFile.model_validate(document)
    assert rule_file.metadata is not None
    return RuleSet(
        schema_version=rule_file.schema_version,
        metadata=rule_file.metadata,
        settings=rule_file.settings or Settings(),
        indicators=rule_file.indicators,
        targets=rule_file.targets,
        tier_tables=rule_file.tier_tables,
        scorecards=rule_file.scorecards,
        segmentations=rule_file.segmentations,
    )


def ruleset_from_text(name: str, text: str) -> RuleSet:
    """A rule set from rule-file YAML text (read with the rule files' safe loader)."""
    document, issues = load_yaml(text, name)
    if document is None or issues:
        raise ValueError(f"{name}: " + "; ".join(i.message for i in issues))
    return build_ruleset(name, document.data)


def load_case(path: Path) -> GoldenCase:
    """Parse one case file with the rule files' safe YAML loader."""
    document, issues = load_yaml(path.read_text(encoding="utf-8"), path.name)
    if document is None or issues:
        raise ValueError(f"{path.name}: " + "; ".join(i.message for i in issues))
    try:
        return GoldenCase.model_validate(document.data)
    except ValidationError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


def load_cases(directory: Path = CASES_DIR) -> tuple[GoldenCase, ...]:
    """Every case of a folder, sorted by name; duplicate names are refused."""
    cases = [load_case(p) for p in sorted(directory.glob("*.yaml"))]
    names = [c.name for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate golden case names: {', '.join(duplicates)}")
    return tuple(cases)


# ── comparing results with expectations ─────────────────────────────────────────


def _same(expected: Decimal | str, actual: Decimal | None) -> bool:
    if expected == NA:
        return actual is None
    return actual is not None and Decimal(expected) == actual


def _show(value: object) -> str:
    if value is None:
        return NA
    return str(value)


def _numbers(
    where: str, expected: Mapping[str, Decimal | str], actual: Mapping[str, Decimal | None]
) -> Iterator[str]:
    for key, want in expected.items():
        if key not in actual:
            yield f"{where}.{key}: expected {want}, but there is no such value"
        elif not _same(want, actual[key]):
            yield f"{where}.{key}: expected {want}, got {_show(actual[key])}"


def subject_mismatches(where: str, want: ExpectedSubject, got: SubjectResult) -> list[str]:
    """Every difference between an expected and an actual subject result."""
    problems = list(_numbers(f"{where}.values", want.values, got.values))
    problems += _numbers(f"{where}.targets", want.targets, got.targets)
    scores = {i.indicator: i.score for i in got.items}
    problems += _numbers(f"{where}.scores", want.scores, scores)
    problems += _numbers(f"{where}.sections", want.sections, got.sections)
    problems += _numbers(f"{where}.incentives", want.incentives, got.incentives)
    singles: list[tuple[str, object, object]] = [
        ("tier", want.tier, got.tier),
        ("tier_before_gates", want.tier_before_gates, got.tier_before_gates),
    ]
    for name, expected, actual in singles:
        if expected is not None and (NA if actual is None else actual) != expected:
            problems.append(f"{where}.{name}: expected {expected}, got {_show(actual)}")
    if want.total is not None and not _same(want.total, got.total):
        problems.append(f"{where}.total: expected {want.total}, got {_show(got.total)}")
    if want.gates is not None and tuple(want.gates) != tuple(got.gates):
        problems.append(f"{where}.gates: expected {list(want.gates)}, got {list(got.gates)}")
    if want.awards is not None and dict(want.awards) != dict(got.awards):
        problems.append(f"{where}.awards: expected {want.awards}, got {dict(got.awards)}")
    if want.plan is not None:
        problems += _plan(where, want.plan, got)
    return problems


def _plan(where: str, want: Sequence[ExpectedPlanItem], got: SubjectResult) -> list[str]:
    actual = [
        (
            p.rule,
            p.owner,
            p.due,
            None
            if p.follow_up_indicator is None
            else (p.follow_up_indicator, p.follow_up_target, p.follow_up_period),
        )
        for p in got.plan
    ]
    expected = []
    for item in want:
        follow = None
        if item.follow_up is not None:
            target = None if item.follow_up.target == NA else item.follow_up.target
            follow = (item.follow_up.indicator, target, item.follow_up.period)
        expected.append((item.rule, item.owner, item.due, follow))
    if actual != expected:
        return [f"{where}.plan: expected {expected}, got {actual}"]
    return []


def mismatches(expect: Expect, result: ReferenceResult) -> list[str]:
    """Every difference between a case's expectations and a result."""
    problems: list[str] = []
    for card_id, subjects in expect.scorecards.items():
        card = result.scorecards.get(card_id)
        if card is None:
            problems.append(f"scorecard {card_id}: missing from the result")
            continue
        if set(subjects) != set(card.subjects):
            problems.append(
                f"scorecard {card_id}: expected subjects {sorted(subjects)}, "
                f"got {sorted(card.subjects)}"
            )
        for subject_id, want in subjects.items():
            if subject_id in card.subjects:
                where = f"{card_id}/{subject_id}"
                problems += subject_mismatches(where, want, card.subjects[subject_id])
    for seg_id, clients in expect.segments.items():
        found = result.segmentations.get(seg_id)
        if found is None:
            problems.append(f"segmentation {seg_id}: missing from the result")
            continue
        if set(clients) != set(found):
            problems.append(
                f"segmentation {seg_id}: expected clients {sorted(clients)}, got {sorted(found)}"
            )
        for client_id, seg in clients.items():
            if client_id not in found:
                continue
            got = found[client_id]
            where = f"{seg_id}/{client_id}"
            pairs = (("r", seg.r, got.r_score), ("f", seg.f, got.f_score))
            pairs += (("m", seg.m, got.m_score), ("rfm", seg.rfm, got.rfm_score))
            for name, expected, actual in pairs:
                if expected is not None and not _same(expected, actual):
                    problems.append(f"{where}.{name}: expected {expected}, got {_show(actual)}")
            if seg.segment != got.segment:
                problems.append(f"{where}.segment: expected {seg.segment}, got {got.segment}")
    return problems
