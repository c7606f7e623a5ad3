"""The evaluation engine: a validated rule set and a period in, scored results out.

Stages, each a module with one job (see docs/architecture.md)::

    context   → EvaluationContext: rules, period, catalog, connection, time zone
    compile   → indicators → SQLAlchemy Core statements with descriptions (no data touched)
    measure   → runs them: one ValuesFrame (wide table, one row per subject) per scorecard
    score     → item scores, section scores, totals             (SQL over the frame)
    tiers     → tiers, gates                                    (SQL)
    incentives→ bonus, commission, pools, awards                (SQL; pools exactly)
    improve   → improvement plan items                          (SQL)
    segments  → client RFM scores and segments                  (SQL)
    persist   → evaluation run + results stored with INSERT ... SELECT
    results   → typed results for what is rendered; canonical JSON

Work stays in the database: Python never loops over source rows, and per-client
results are written by INSERT ... SELECT, never materialised as Python objects.
"""

from __future__ import annotations
