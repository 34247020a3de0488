"""Contracts between the size recommender and the components that plug into it.

``FitAdjuster`` is how learning from returns reaches recommendations: the fit-feedback model
(sizing/fit_model.py) says how a product runs relative to its chart, and SizingService shifts the
body estimate it matches against that product's chart by that amount.

``SizeGapSource`` is the way back: for feedback lines that carry the buyer's body, how many sizes the
chart alone says the buyer sits above the size they bought, so a "too large" from someone who bought
two sizes up is not blamed on the product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


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


# One feedback line as the size-gap source reads it: (sku, bought size label, stored body or None).
FeedbackSizing = tuple[str, str, Mapping[str, Any] | None]


class SizeGapSource(Protocol):
    """Body-based size gaps for feedback lines (SizingService implements it)."""

    def size_gaps(self, merchant_id: str, lines: Sequence[FeedbackSizing]) -> list[float]:
        """Per line: expected chart size index for the body (no fit adjustment) minus the bought size's
        index, in size steps; 0.0 when the line has no body, the product no chart or the size is not on it."""
        ...
