"""Files shipped with the package: example rules, templates, JSON Schemas.

In the repository they live in top-level folders (``rules/``, ``templates/``,
``schemas/``) so they are easy to find and review; a wheel carries them under
``appraisal/_data/`` (see pyproject.toml).  This module finds them either way,
so an editable and a regular install behave the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from appraisal.errors import AppraisalError

Resource = Literal["rules", "templates", "schemas"]

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: Resource) -> Path:
    """The folder of a shipped resource."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise AppraisalError(f"the package's {name}/ folder is missing; reinstall appraisal")
