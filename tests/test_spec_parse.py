"""Rule files become one rule set: includes merged, every issue located in its own file."""

from __future__ import annotations

from pathlib import Path

from appraisal.spec.parse import expand_paths, parse_ruleset
from appraisal.validation.validator import check_ruleset

MAIN = """\
schema_version: v1.0
include:
  - parts/indicators.yaml
metadata:
  id: main
  title: {en: Main}
  version: "1.0"
  effective_from: 2026-07-01
  owner: HR
indicators:
  - id: new_customers
    kind: aggregate
    title: {en: New customers}
    unit: count
    direction: higher
    subject: person
    aggregate: count
    entity: customers
    link: owner_id
    window: {mode: in_period, column: acquired_on}
"""

PART = """\
schema_version: v1.0
indicators:
  - id: sales_amount
    kind: aggregate
    title: {en: Sales}
    unit: count
    direction: higher
    subject: person
    aggregate: sum
    entity: orders
    measure: amount
    link: staff_id
    window: {mode: in_period, column: ordered_on}
"""


def write(root: Path, main: str = MAIN, part: str = PART) -> Path:
    (root / "parts").mkdir(exist_ok=True)
    (root / "parts" / "indicators.yaml").write_text(part, encoding="utf-8")
    path = root / "main.yaml"
    path.write_text(main, encoding="utf-8")
    return path


def test_included_sections_are_merged_after_the_main_file(tmp_path: Path) -> None:
    result = parse_ruleset(write(tmp_path))
    assert result.issues == ()
    assert result.ruleset is not None
    assert [i.id for i in result.ruleset.indicators] == ["new_customers", "sales_amount"]
    assert [Path(f).name for f in result.files] == ["main.yaml", "indicators.yaml"]


def test_issues_in_included_files_point_into_them(tmp_path: Path) -> None:
    report = check_ruleset(write(tmp_path))
    [issue] = report.results.issues
    assert issue.code == "V006"
    assert issue.span is not None
    assert issue.span.file.endswith("parts/indicators.yaml")
    assert (issue.span.line, issue.span.column) == (6, 11)
    assert issue.path == "indicators[0].unit"  # the index within the included file


def test_metadata_belongs_in_the_main_file(tmp_path: Path) -> None:
    metadata = MAIN[MAIN.index("metadata:") : MAIN.index("indicators:")]
    part = PART.replace("indicators:", metadata + "indicators:", 1)
    result = parse_ruleset(write(tmp_path, part=part))
    assert [(i.code, i.span.line if i.span else 0) for i in result.issues] == [("F003", 2)]
    assert result.ruleset is None


def test_a_file_without_metadata_is_not_a_rule_set(tmp_path: Path) -> None:
    path = tmp_path / "part.yaml"
    path.write_text(PART, encoding="utf-8")
    result = parse_ruleset(path)
    assert [i.code for i in result.issues] == ["S002"]
    assert "metadata" in result.issues[0].message


def test_include_cycles_and_missing_files_are_reported(tmp_path: Path) -> None:
    main = MAIN.replace("  - parts/indicators.yaml\n", "  - main.yaml\n  - nowhere.yaml\n")
    result = parse_ruleset(write(tmp_path, main=main))
    assert [(i.code, i.message) for i in result.issues] == [
        ("F002", "'main.yaml' includes itself (an include cycle)"),
        ("F002", "included file 'nowhere.yaml' does not exist"),
    ]


def test_unreadable_files_are_issues(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("schema_version: v1.0\n# caf\xe9\n".encode("latin-1"))
    result = parse_ruleset(path)
    assert [(i.code, i.hint) for i in result.issues] == [("F001", "save the file as UTF-8")]
    missing = parse_ruleset(tmp_path / "none.yaml")
    assert [i.message for i in missing.issues] == ["no such rule file"]


def test_folders_expand_to_their_rule_files_only(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "b.yml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in expand_paths([tmp_path])] == ["b.yml", "main.yaml"]
    assert expand_paths([tmp_path / "main.yaml"]) == (tmp_path / "main.yaml",)
