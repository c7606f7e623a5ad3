"""The rule registry: immutable versions, maker-checker approval, official runs."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from appraisal.audit.audit_log import read_log, verify_log
from appraisal.audit.canonical import content_hash, ruleset_canonical, short_hash
from appraisal.audit.registry import (
    ImmutableVersionError,
    MakerCheckerError,
    NotOfficialError,
    RegistryError,
    VersionRef,
    approve,
    list_versions,
    load_ruleset,
    publish,
    require_official,
    retire,
)
from appraisal.audit.tables import rule_versions
from appraisal.cli import cli
from appraisal.periods import Period
from appraisal.spec.enums import RuleStatus
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import parse_ruleset

FIXTURES = Path(__file__).parent / "fixtures" / "audit"
MINI = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
T2 = datetime(2026, 3, 3, 11, 45, tzinfo=UTC)
REF = VersionRef("mini", "1.0")


def ruleset(tmp_path: Path, text: str = MINI, name: str = "mini.yaml") -> RuleSet:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    build = parse_ruleset(path)
    assert build.ruleset is not None, [i.render() for i in build.issues]
    return build.ruleset


def test_publish_stores_a_draft_once(engine: Engine, tmp_path: Path) -> None:
    rules = ruleset(tmp_path)
    with engine.begin() as conn:
        first = publish(conn, rules, author="王芳", note="first", now=T0)
        again = publish(conn, rules, author="someone else", now=T1)
    assert first.created and not again.created
    stored = first.version
    assert stored.ref == REF
    assert stored.state is RuleStatus.DRAFT
    assert stored.content_hash == content_hash(rules)
    assert (stored.effective_from, stored.effective_to) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (stored.author, stored.note, stored.published_at) == ("王芳", "first", T0)
    assert again.version == stored
    with engine.connect() as conn:
        assert [(r.seq, r.kind, r.actor, r.subject) for r in read_log(conn)] == [
            (1, "publish", "王芳", "mini@1.0")
        ]
        assert read_log(conn)[0].payload["content_hash"] == content_hash(rules)
        assert ruleset_canonical(load_ruleset(conn, REF)) == ruleset_canonical(rules)


def test_a_published_version_is_immutable(engine: Engine, tmp_path: Path) -> None:
    rules = ruleset(tmp_path)
    edited = ruleset(
        tmp_path,
        MINI.replace("weight: 60", "weight: 65").replace("weight: 40", "weight: 35"),
        "b.yaml",
    )
    with engine.begin() as conn:
        publish(conn, rules, author="王芳", now=T0)
    with pytest.raises(ImmutableVersionError) as caught, engine.begin() as conn:
        publish(conn, edited, author="王芳", now=T1)
    assert str(caught.value) == (
        f"mini@1.0 is already published with different content (sha256 "
        f"{short_hash(content_hash(rules))}, this is {short_hash(content_hash(edited))}); "
        "a published version is immutable — bump the version (metadata.version) and "
        "publish again"
    )
    bumped = ruleset(
        tmp_path,
        MINI.replace("weight: 60", "weight: 65")
        .replace("weight: 40", "weight: 35")
        .replace('version: "1.0"', 'version: "1.1"'),
        "c",
    )
    with engine.begin() as conn:
        assert publish(conn, bumped, author="王芳", now=T1).created
        assert [str(v.ref) for v in list_versions(conn)] == ["mini@1.0", "mini@1.1"]
        assert ruleset_canonical(load_ruleset(conn, REF)) == ruleset_canonical(rules)


def test_self_approval_is_refused(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        publish(conn, ruleset(tmp_path), author="Wang Fang", now=T0)
    for same in ("Wang Fang", " wang  fang ", "ＷＡＮＧ ＦＡＮＧ"):
        with pytest.raises(MakerCheckerError) as caught, engine.begin() as conn:
            approve(conn, REF, approver=same, now=T1)
        assert str(caught.value) == (
            "mini@1.0 was published by Wang Fang; it must be approved by someone else "
            "(maker-checker: the approver cannot be the author)"
        )
    with engine.begin() as conn:
        stored = approve(conn, REF, approver="Li Ming", note="committee 03/02", now=T1)
    assert stored.state is RuleStatus.APPROVED
    assert [(s.step, s.state, s.actor, s.changed_at) for s in stored.history] == [
        (1, RuleStatus.DRAFT, "Wang Fang", T0),
        (2, RuleStatus.APPROVED, "Li Ming", T1),
    ]


def test_life_cycle_transitions(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        publish(conn, ruleset(tmp_path), author="A", now=T0)
        approve(conn, REF, approver="B", now=T1)
    with pytest.raises(RegistryError, match=r"^mini@1.0 is already approved$"), engine.begin() as c:
        approve(c, REF, approver="C")
    with engine.begin() as conn:
        assert retire(conn, REF, actor="C", note="superseded", now=T2).state is RuleStatus.RETIRED
    with (
        pytest.raises(RegistryError, match="is retired and cannot be approved"),
        engine.begin() as c,
    ):
        approve(c, REF, approver="D")
    with (
        pytest.raises(
            RegistryError, match=r"^mini@9.9 is not in the registry \(published: mini@1.0\)$"
        ),
        engine.begin() as conn,
    ):
        approve(conn, VersionRef("mini", "9.9"), approver="D")
    with engine.connect() as conn:
        assert [r.kind for r in read_log(conn)] == ["publish", "approve", "retire"]
        assert verify_log(conn).ok


def test_stored_content_edited_outside_is_refused(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        publish(conn, ruleset(tmp_path), author="A", now=T0)
        text = conn.execute(sa.select(rule_versions.c.canonical)).scalar_one()
        conn.execute(sa.update(rule_versions).values(canonical=text.replace('"60"', '"65"')))
    message = "the stored rules no longer match their hash"
    with pytest.raises(RegistryError, match=message), engine.connect() as conn:
        load_ruleset(conn, REF)
    with pytest.raises(RegistryError, match=message), engine.begin() as conn:
        approve(conn, REF, approver="B")


def test_require_official(engine: Engine, tmp_path: Path) -> None:
    rules = ruleset(tmp_path)
    digest = content_hash(rules)
    q2 = Period.parse("2026Q2")
    with pytest.raises(NotOfficialError, match="are not in the registry"), engine.begin() as c:
        require_official(c, digest, q2)
    with engine.begin() as conn:
        publish(conn, rules, author="A", now=T0)
    with pytest.raises(NotOfficialError) as caught, engine.begin() as conn:
        require_official(conn, digest, q2)
    assert str(caught.value) == (
        "mini@1.0 is draft; an official run needs an approved version "
        "(appraisal rules approve mini@1.0 --approver NAME)"
    )
    with engine.begin() as conn:
        approve(conn, REF, approver="B", now=T1)
        assert require_official(conn, digest, q2).ref == REF
        assert require_official(conn, digest, Period.parse("2026Q4")).ref == REF
    with pytest.raises(NotOfficialError) as caught, engine.begin() as conn:
        require_official(conn, digest, Period.parse("2027Q1"))
    assert str(caught.value) == (
        "mini@1.0 is effective 2026-01-01 – 2026-12-31, which does not cover 2027Q1 "
        "(2027-01-01 – 2027-03-31)"
    )
    later = ruleset(
        tmp_path,
        MINI.replace('version: "1.0"', 'version: "1.1"').replace(
            "effective_from: 2026-01-01", "effective_from: 2026-04-01"
        ),
        "later.yaml",
    )
    with engine.begin() as conn:
        publish(conn, later, author="A", now=T1)
        approve(conn, VersionRef("mini", "1.1"), approver="B", now=T2)
        assert require_official(conn, digest, Period.parse("2026Q1")).ref == REF
    with pytest.raises(NotOfficialError) as caught, engine.begin() as conn:
        require_official(conn, digest, q2)
    assert str(caught.value) == (
        "mini@1.0 is superseded for 2026Q2 by mini@1.1, approved and effective from 2026-04-01"
    )


# ── the commands ───────────────────────────────────────────────────────────────


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules").mkdir()
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "rules" / "mini.yaml")
    return tmp_path


def run(db_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", db_url, *args])
    return result.exit_code, result.output


def mask_times(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "<time>", text)


def test_commands_publish_approve_retire_log(db_url: str, workspace: Path) -> None:
    digest = short_hash(content_hash(ruleset(workspace / "rules", MINI)))
    effective = "effective 2026-01-01 – 2026-12-31"
    assert run(db_url, "rules", "publish", "rules/mini.yaml", "--author", "王芳") == (
        0,
        f"Published mini@1.0 as draft (sha256 {digest}, {effective}, not in git)\n",
    )
    assert run(db_url, "rules", "publish", "rules", "--author", "王芳") == (
        0,
        f"mini@1.0 is already published with this content (sha256 {digest}, draft); "
        "nothing to do\n",
    )
    assert run(db_url, "rules", "approve", "mini@1.0", "--approver", "王芳") == (
        1,
        "Error: mini@1.0 was published by 王芳; it must be approved by someone else "
        "(maker-checker: the approver cannot be the author)\n",
    )
    assert run(
        db_url, "rules", "approve", "mini@1.0", "--approver", "李明", "--note", "委员会"
    ) == (
        0,
        f"Approved mini@1.0 (sha256 {digest}, {effective}) by 李明\n",
    )
    assert run(db_url, "rules", "approve", "mini", "--approver", "李明") == (
        1,
        "Error: 'mini' is not a registry reference: expected ID@VERSION, e.g. "
        "sales-rep-quarterly@1.1 (see: appraisal rules log)\n",
    )
    code, output = run(db_url, "rules", "log")
    assert (code, mask_times(output)) == (
        0,
        f"mini@1.0  approved  sha256 {digest}  {effective}\n"
        "  source rules/mini.yaml (not in git)\n"
        "  draft     <time>  by 王芳\n"
        "  approved  <time>  by 李明  — 委员会\n",
    )
    assert run(db_url, "rules", "retire", "mini@1.0", "--by", "赵六") == (
        0,
        "Retired mini@1.0 by 赵六\n",
    )
    code, output = run(db_url, "rules", "log", "mini", "--format", "json")
    assert code == 0
    assert '"state": "retired"' in output and '"actor": "赵六"' in output
    assert run(db_url, "rules", "log", "other") == (
        0,
        "No published rule versions for 'other' (appraisal rules publish RULES --author NAME)\n",
    )


def test_publish_refuses_invalid_rules(db_url: str, workspace: Path) -> None:
    (workspace / "rules" / "mini.yaml").write_text(
        MINI.replace("weight: 60", "weight: 70"), encoding="utf-8"
    )
    code, output = run(db_url, "rules", "publish", "rules/mini.yaml", "--author", "A")
    assert code == 1
    assert output.startswith("Error: rules/mini.yaml:")
    assert "sum to 110" in output
    assert run(db_url, "rules", "log") == (
        0,
        "No published rule versions (appraisal rules publish RULES --author NAME)\n",
    )


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def test_publish_records_the_git_commit(db_url: str, workspace: Path) -> None:
    git(workspace, "init", "-q")
    git(workspace, "add", "rules")
    git(workspace, "commit", "-q", "-m", "rules")
    head = git(workspace, "rev-parse", "HEAD")
    code, output = run(db_url, "rules", "publish", "rules/mini.yaml", "--author", "A")
    assert code == 0 and output.endswith(f"git {head[:12]} clean)\n"), output
    (workspace / "rules" / "mini.yaml").write_text(
        MINI.replace('version: "1.0"', 'version: "1.1"'), encoding="utf-8"
    )
    code, output = run(db_url, "rules", "publish", "rules/mini.yaml", "--author", "A")
    assert code == 0 and output.endswith(f"git {head[:12]} with local changes)\n"), output
    code, output = run(db_url, "rules", "log", "--format", "json")
    assert f'"git_commit": "{head}"' in output
