"""appraisal: a rules-driven performance appraisal engine.

HR declares indicators, weights, SMART targets, tiers, incentives and improvement
rules as YAML data; the engine compiles them to SQL, evaluates them inside the
database and renders scorecards with improvement plans.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
