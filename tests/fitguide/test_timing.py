"""Span recorder and start-up timer on a fake clock: exclusive times add up, nothing records outside
``recording``."""

from __future__ import annotations

import types

import pytest

import fitguide.timing
from fitguide.timing import StartupTimer, instrument, recording, span


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(fitguide.timing, "time", types.SimpleNamespace(perf_counter=fake.perf_counter))
    return fake


def test_nested_spans_record_exclusive_time(clock: FakeClock) -> None:
    with recording() as recorder:
        with span("retrieval"):
            clock.advance(0.020)
            with span("embedding"):
                clock.advance(0.030)
        with span("retrieval"):
            clock.advance(0.005)
    assert recorder.totals_ms == pytest.approx({"retrieval": 25.0, "embedding": 30.0})


def test_span_without_recording_is_a_no_op(clock: FakeClock) -> None:
    with span("anything"):
        clock.advance(1.0)
    with recording() as recorder:
        pass
    assert recorder.totals_ms == {}


def test_instrument_wraps_and_restores(clock: FakeClock) -> None:
    def work(x: int) -> int:
        clock.advance(0.002)
        return x * 2

    module = types.SimpleNamespace(work=work)
    restore = instrument(module, "work", "phase")
    with recording() as recorder:
        assert module.work(21) == 42
    assert recorder.totals_ms == pytest.approx({"phase": 2.0})
    restore()
    assert module.work is work


def test_startup_timer_phases_and_total(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fitguide.timing, "process_age_seconds", lambda: 1.5)
    timer = StartupTimer()
    with timer.phase("database"):
        clock.advance(0.25)
    clock.advance(0.25)
    assert timer.done() == pytest.approx(2.0)  # imports before the timer + phases + the rest
    assert timer.seconds == pytest.approx({"imports": 1.5, "database": 0.25})
    assert timer.finished == pytest.approx(2.0)
