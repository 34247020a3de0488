"""Feedback storage without a server: idempotency under concurrency (SQLite and PostgreSQL) and refresh."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from catalog.models import FitFeedback, Merchant
from fitguide.db import Database
from sizing.feedback import FeedbackFitAdjuster, submit_feedback
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
