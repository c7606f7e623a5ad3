"""Workspace configuration and the DuckDB memory cap of evaluations."""

from __future__ import annotations

from pathlib import Path

import pytest

from appraisal.errors import ConfigError
from appraisal.store.database import connect
from appraisal.workspace import CONFIG_NAME, init_workspace, load_workspace


def _memory_limit(url: str, memory_limit: str | None) -> str:
    engine = connect(url, memory_limit=memory_limit)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar())
    finally:
        engine.dispose()


def test_a_new_workspace_caps_evaluation_memory(tmp_path: Path) -> None:
    space = init_workspace(tmp_path / "w")
    assert space.evaluation_memory == "256MB"
    text = (tmp_path / "w" / CONFIG_NAME).read_text(encoding="utf-8")
    assert 'evaluation_memory = "256MB"' in text


def test_evaluation_memory_is_read_and_checked(tmp_path: Path) -> None:
    config = tmp_path / CONFIG_NAME
    config.write_text('[database]\nevaluation_memory = "1.5GB"\n', encoding="utf-8")
    assert load_workspace(tmp_path).evaluation_memory == "1.5GB"
    config.write_text('[database]\nevaluation_memory = "lots"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_workspace(tmp_path)
    assert str(caught.value) == (
        f"{config}: evaluation_memory 'lots' is not a size (expected e.g. '256MB' or '2GB')"
    )


def test_duckdb_takes_the_cap_unless_the_url_sets_one(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'a.duckdb'}"
    # DuckDB reports the limit in binary units: 100 MB = 95.3 MiB.
    assert _memory_limit(url, "100MB") == "95.3 MiB"
    assert _memory_limit(f"{url}?memory_limit=200MB", "100MB") == "190.7 MiB"


def test_other_backends_ignore_the_cap(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'a.sqlite'}", memory_limit="100MB")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_a_capped_engine_shares_the_file_with_others(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'a.duckdb'}"
    plain, capped = connect(url), connect(url, memory_limit="100MB")
    try:
        with plain.connect() as a, capped.connect() as b:
            assert a.exec_driver_sql("SELECT 1").scalar() == b.exec_driver_sql("SELECT 1").scalar()
    finally:
        capped.dispose()
        plain.dispose()


def test_a_cap_that_is_not_a_size_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        connect("duckdb:///:memory:", memory_limit="100'; DROP TABLE staff; --")
    assert "is not a size (expected e.g. '256MB')" in str(caught.value)
