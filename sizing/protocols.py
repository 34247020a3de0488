"""Contracts between the size recommender and the components that plug into it.

``FitAdjuster`` is how learning from returns reaches recommendations: the fit-feedback model
(sizing/fit_model.py) says how a product runs relative to its chart, and SizingService shifts the
body estimate it matches against that product's chart by that amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class FitAdjustment:
    """How one product runs relative to its size chart.

    ``offset_cm`` is added to the shopper's body girths before matching: a product that runs small
    (buyers took one size up) has a positive offset, roughly one chart step (~4 cm) per size.
    ``strong`` says whether the evidence is strong enough to tell the shopper; only then are the
    ``message``/``message_zh`` lines shown ("runs small: most buyers took one size up").
    """

    offset_cm: float = 0.0
    strong: bool = False
    message: str | None = None
    message_zh: str | None = None
    evidence_count: int = 0


NO_ADJUSTMENT = FitAdjustment()


@runtime_checkable
class FitAdjuster(Protocol):
    """Per-product size adjustment learned from returns; must be cheap (called per product, per page)."""

    def adjustment(self, merchant_id: str, sku: str) -> FitAdjustment:
        """The adjustment for one product; ``NO_ADJUSTMENT`` when nothing is known."""
        ...


class NoFitAdjustment:
    """Default adjuster: every product runs true to its chart."""

    def adjustment(self, merchant_id: str, sku: str) -> FitAdjustment:
        return NO_ADJUSTMENT
