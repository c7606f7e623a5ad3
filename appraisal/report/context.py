"""What every view of one scorecard needs: the run, the rules, the language, the scope.

:class:`CardContext` caches lookups (indicators with their places, tier
labels) so building thousands of pages does not search the rules each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from urllib.parse import quote

from appraisal.report.audience import Scope
from appraisal.report.formatting import Formatter
from appraisal.report.i18n import labels
from appraisal.report.safety import safe_stem
from appraisal.report.source import Directory, StoredRun
from appraisal.spec.enums import Language, Unit
from appraisal.spec.fields import decimal_places
from appraisal.spec.models import AnyIndicator, RuleSet, Scorecard, TierTable, effective_rounding


def tier_tones(table: TierTable) -> dict[str, str]:
    """CSS tone of each tier: ``t0`` for the best band, ``t1`` next... (at most ``t4``)."""
    best_first = list(reversed(table.ascending()))
    return {band.code: f"t{min(k, 4)}" for k, band in enumerate(best_first)}


@dataclass(frozen=True)
class CardContext:
    """Everything needed to write one scorecard's views in one language."""

    run: StoredRun
    card: Scorecard
    fmt: Formatter
    scope: Scope
    directory: Directory

    @property
    def ruleset(self) -> RuleSet:
        """The run's rules."""
        return self.run.ruleset

    @property
    def language(self) -> Language:
        """The bundle's language."""
        return self.fmt.language

    @property
    def tiers(self) -> TierTable:
        """The scorecard's tier table."""
        return self.ruleset.tier_table(self.card.tiers)

    def tier_label(self, code: str | None) -> str:
        """The tier's label in the language (``未评级`` / ``Unrated`` for none)."""
        if code is None:
            return labels(self.language)["unrated"]
        return self._tier_labels.get(code, code)

    @cached_property
    def _indicators(self) -> dict[str, tuple[AnyIndicator, int]]:
        settings = self.ruleset.settings
        return {i.id: (i, effective_rounding(i, settings).places) for i in self.ruleset.indicators}

    @cached_property
    def _tier_labels(self) -> dict[str, str]:
        return {b.code: b.label.get(self.language) for b in self.tiers.bands}

    def indicator(self, indicator_id: str) -> AnyIndicator:
        """An indicator of the rules (KeyError when absent)."""
        return self._indicators[indicator_id][0]

    def unit_places(self, indicator_id: str) -> tuple[Unit, int]:
        """An indicator's unit and the places its values are written with."""
        indicator, places = self._indicators[indicator_id]
        return indicator.unit, places

    def value_text(self, indicator_id: str, value: Decimal | None) -> str:
        """A value of an indicator in its unit and declared places."""
        indicator, places = self._indicators[indicator_id]
        return self.fmt.value(value, indicator.unit, places)

    def target_text(self, indicator_id: str, target: Decimal | None) -> str:
        """A target in the indicator's unit, never rounded below its own places."""
        indicator, places = self._indicators[indicator_id]
        if target is not None:
            places = max(places, decimal_places(target))
        return self.fmt.value(target, indicator.unit, places)

    def person_name(self, staff_id: str | None, fallback: str) -> str:
        """A person's name when the bundle may name them, else ``fallback``."""
        entry = self.directory.get(staff_id)
        if entry is None or not self.scope.may_name(staff_id):
            return fallback
        return entry.name

    @property
    def score_places(self) -> int:
        """Places of scores and totals."""
        return self.ruleset.settings.score_rounding.places

    @property
    def money_places(self) -> int:
        """Places of money totals."""
        return self.ruleset.settings.money_rounding.places


def card_folder(card: Scorecard) -> str:
    """The folder of a scorecard's pages (its id made safe)."""
    return safe_stem(card.id, "scorecard")


def page_path(folder: str, stem: str) -> str:
    """A page's path (without extension), URL-quoted for links."""
    return quote(f"{folder}/{stem}")
