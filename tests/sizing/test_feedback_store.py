"""Feedback storage without a server: idempotency under concurrency (SQLite and PostgreSQL) and refresh."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from catalog.models import FitFeedback, Merchant
from fitguide.db import Database
from fitguide.settings import REPO_ROOT
from sizing.body_model import load_body_model
from sizing.feedback import FeedbackFitAdjuster, submit_feedback
from sizing.schemas import BodyInput
from sizing.service import SizingService
from tests.sizing.test_feedback_api import add_products

MERCHANT = "shop"


def _rows(ids: range, outcome: str = "too_small") -> list[tuple[int, dict[str, object]]]:
    return [(i, {"id": f"line-{i}", "sku": "TEE", "size": "M", "outcome": outcome}) for i in ids]


def _setup(database: Database) -> None:
    with database.session() as session:
        session.add(Merchant(id=MERCHANT, name="Shop"))
    add_products(database, MERCHANT)


def test_concurrent_overlapping_batches_count_each_line_once(database: Database) -> None:
    _setup(database)
    batches = [_rows(range(0, 60)), _rows(range(30, 90)), _rows(range(0, 90, 2)), _rows(range(45, 75))]
    reports: list[dict[str, int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(batches))

    def post(rows: list[tuple[int, dict[str, object]]]) -> None:
        barrier.wait()
        try:
            reports.append(submit_feedback(database, MERCHANT, rows))
        except BaseException as error:  # surfaced below; a thread cannot fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=post, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(report["accepted"] for report in reports) == 90
    assert sum(report["accepted"] + report["duplicates"] for report in reports) == sum(map(len, batches))
    with database.session() as session:
        assert session.scalar(select(func.count(FitFeedback.id))) == 90


def test_adjuster_refreshes_after_feedback_and_sees_other_processes(database: Database) -> None:
    _setup(database)
    adjuster = FeedbackFitAdjuster(database, check_seconds=0.0)
    assert adjuster.adjustment(MERCHANT, "TEE").offset_cm == 0.0
    submit_feedback(database, MERCHANT, _rows(range(30)), adjuster)
    tee = adjuster.adjustment(MERCHANT, "TEE")
    assert tee.strong and tee.offset_cm > 2.0 and tee.evidence_count == 30
    # Products without feedback borrow a little from their brand, never flagged.
    assert not adjuster.adjustment(MERCHANT, "TOP").strong
    # Another process changes the outcomes: the signature check notices without an explicit refresh.
    other_process = FeedbackFitAdjuster(database, check_seconds=0.0)
    submit_feedback(database, MERCHANT, _rows(range(30), outcome="kept"), other_process)
    assert not adjuster.adjustment(MERCHANT, "TEE").strong


def test_buyers_who_sized_up_do_not_make_a_product_run_large(database: Database) -> None:
    """Thirty buyers bought one size above where their bodies sit on the chart and found it too large: the
    product is true to its chart. Without the bodies the same outcomes read as 'runs large'."""
    _setup(database)
    body = {"height_cm": 168, "weight_kg": 56, "sex": "male"}
    sizing = SizingService(load_body_model(REPO_ROOT / "data"), database)
    on_chart = sizing.recommend(MERCHANT, "TEE", BodyInput(**body)).size
    assert on_chart is not None
    bought = {"S": "M", "M": "L", "L": "XL"}[on_chart]
    rows = [
        (i, {"id": f"line-{i}", "sku": "TEE", "size": bought, "outcome": "too_large", "body": body})
        for i in range(30)
    ]
    without_bodies = FeedbackFitAdjuster(database, check_seconds=0.0)
    with_bodies = FeedbackFitAdjuster(database, check_seconds=0.0, size_gap_source=sizing)
    submit_feedback(database, MERCHANT, rows, with_bodies)
    runs_large = without_bodies.adjustment(MERCHANT, "TEE")
    assert runs_large.strong and runs_large.offset_cm < -2.0
    explained = with_bodies.adjustment(MERCHANT, "TEE")
    assert not explained.strong and abs(explained.offset_cm) < abs(runs_large.offset_cm) / 2


def test_one_products_returns_do_not_move_other_products(database: Database) -> None:
    """Returns on one product cannot tell whether it, its brand or its category runs small: products
    without their own feedback keep their chart size until the brand's returns span two products."""
    with database.session() as session:
        session.add(Merchant(id=MERCHANT, name="Shop"))
    add_products(database, MERCHANT, skus=("TEE", "TOP", "TANK"))
    adjuster = FeedbackFitAdjuster(database, check_seconds=0.0)
    submit_feedback(database, MERCHANT, _rows(range(30)), adjuster)
    assert adjuster.adjustment(MERCHANT, "TEE").offset_cm > 2.0
    assert adjuster.adjustment(MERCHANT, "TANK").offset_cm == 0.0
    top_rows = [(i, {"id": f"top-{i}", "sku": "TOP", "size": "M", "outcome": "too_small"}) for i in range(30)]
    submit_feedback(database, MERCHANT, top_rows, adjuster)
    inherited = adjuster.adjustment(MERCHANT, "TANK")
    assert inherited.offset_cm > 0.0 and not inherited.strong
