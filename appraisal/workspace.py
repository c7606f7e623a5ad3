"""A workspace: a folder holding rules/, data/ and appraisal.toml (the database URL).

The database URL is chosen by, in order: the ``--db`` option, the
``APPRAISAL_DATABASE_URL`` environment variable, ``appraisal.toml``, and the
default embedded DuckDB file ``data/appraisal.duckdb``.  File-based URLs
(DuckDB, SQLite) with relative paths are resolved against the workspace folder,
so a workspace can be moved or cloned as a whole.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appraisal.errors import ConfigError

CONFIG_NAME = "appraisal.toml"
ENV_DATABASE_URL = "APPRAISAL_DATABASE_URL"
DEFAULT_DATABASE_URL = "duckdb:///data/appraisal.duckdb"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_CURRENCY = "CNY"
DEFAULT_EVALUATION_MEMORY = "256MB"
"""DuckDB's memory cap during an evaluation (it spills to disk beyond it): enough for
a company of 2,000 staff at little cost in time; larger ones raise it (bench/RESULTS.md)."""
MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
"""A memory size as DuckDB reads it: ``256MB``, ``1.5GB``, ``512MiB``."""

CONFIG_TEMPLATE = """\
# appraisal workspace configuration
[database]
# Any SQLAlchemy URL. Relative DuckDB/SQLite paths are relative to this folder.
# Overridden by --db or the {env} environment variable.
url = "{url}"
# DuckDB memory cap while evaluating (it spills to disk beyond it).
evaluation_memory = "{memory}"

[business]
# Calendar dates are in this time zone; instants are stored in UTC.
timezone = "{timezone}"
currency = "{currency}"
"""


@dataclass(frozen=True)
class Workspace:
    """Where a company's rules and data live, and how to reach its database."""

    root: Path
    database_url: str
    timezone: str = DEFAULT_TIMEZONE
    currency: str = DEFAULT_CURRENCY
    evaluation_memory: str = DEFAULT_EVALUATION_MEMORY
    """DuckDB's memory limit for evaluations (a ``memory_limit`` in the URL wins)."""

    @property
    def rules_dir(self) -> Path:
        """Folder of the workspace's rule sets."""
        return self.root / "rules"

    @property
    def data_dir(self) -> Path:
        """Folder of import files and the embedded database."""
        return self.root / "data"

    @property
    def zone(self) -> ZoneInfo:
        """The business time zone as a ZoneInfo."""
        return ZoneInfo(self.timezone)


def resolve_database_url(url: str, root: Path) -> str:
    """Make relative file paths of DuckDB/SQLite URLs absolute against ``root``."""
    import sqlalchemy as sa  # here, not at the top: `appraisal --help` does not need it

    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"database URL {url!r} is not valid: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend in ("duckdb", "sqlite") and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_absolute():
            return parsed.set(database=str((root / path).resolve())).render_as_string(
                hide_password=False
            )
    return url


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding appraisal.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def _read_config(path: Path) -> dict[str, dict[str, object]]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def _text(section: dict[str, object], key: str, default: str, where: Path) -> str:
    value = section.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value


def load_workspace(directory: Path | None = None, database_url: str | None = None) -> Workspace:
    """Find and read the workspace at or above ``directory`` (default: current folder)."""
    start = directory or Path.cwd()
    root = find_root(start) or start.resolve()
    config_path = root / CONFIG_NAME
    config = _read_config(config_path) if config_path.is_file() else {}
    database = config.get("database", {})
    business = config.get("business", {})
    url = (
        database_url
        or os.environ.get(ENV_DATABASE_URL)
        or _text(database, "url", DEFAULT_DATABASE_URL, config_path)
    )
    timezone = _text(business, "timezone", DEFAULT_TIMEZONE, config_path)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"{config_path}: unknown time zone {timezone!r} (expected e.g. Asia/Shanghai, UTC)"
        ) from exc
    memory = _text(database, "evaluation_memory", DEFAULT_EVALUATION_MEMORY, config_path)
    if not MEMORY_SIZE.match(memory):
        raise ConfigError(
            f"{config_path}: evaluation_memory {memory!r} is not a size (expected e.g. "
            f"{DEFAULT_EVALUATION_MEMORY!r} or '2GB')"
        )
    return Workspace(
        root=root,
        database_url=resolve_database_url(url, root),
        timezone=timezone,
        currency=_text(business, "currency", DEFAULT_CURRENCY, config_path),
        evaluation_memory=memory,
    )


def init_workspace(
    directory: Path,
    database_url: str = DEFAULT_DATABASE_URL,
    timezone: str = DEFAULT_TIMEZONE,
    currency: str = DEFAULT_CURRENCY,
) -> Workspace:
    """Scaffold rules/, data/ and appraisal.toml; an existing config is kept as it is."""
    directory.mkdir(parents=True, exist_ok=True)
    for sub in ("rules", "data"):
        (directory / sub).mkdir(exist_ok=True)
    config = directory / CONFIG_NAME
    if not config.exists():
        config.write_text(
            CONFIG_TEMPLATE.format(
                url=database_url,
                timezone=timezone,
                currency=currency,
                env=ENV_DATABASE_URL,
                memory=DEFAULT_EVALUATION_MEMORY,
            ),
            encoding="utf-8",
        )
    return load_workspace(directory)
