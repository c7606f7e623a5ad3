"""appraisal: a rules-driven performance appraisal engine.

HR declares indicators, weights, SMART targets, tiers, incentives and improvement
rules as YAML data; the engine compiles them to SQL, evaluates them inside the
database and renders scorecards with improvement plans.

``appraisal.evaluate(rules, period, ...)`` runs an evaluation and returns typed
results (imported on first use, so ``import appraisal`` stays light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "evaluate"]

if TYPE_CHECKING:
    from appraisal.engine.evaluate import evaluate


def __getattr__(name: str) -> Any:
    if name == "evaluate":
        from appraisal.engine.evaluate import evaluate

        return evaluate
    raise AttributeError(f"module 'appraisal' has no attribute {name!r}")
