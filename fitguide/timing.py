"""Where the time goes: a span recorder for one request and phase timings for start-up.

``span(name)`` costs one context-variable lookup when nothing records, so it can sit on hot paths.
Inside ``recording()`` every span adds its *exclusive* time (its own time minus that of spans nested in
it) to the recorder, so "retrieval" around a search that embeds its query does not count the embedding
twice. ``instrument`` wraps an existing function in a span from the outside; the benchmarks use it to
split a chat turn into phases without touching the code they measure.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

log = logging.getLogger("fitguide.startup")


class SpanRecorder:
    """Exclusive milliseconds per span name, for one request (or any block of work)."""

    def __init__(self) -> None:
        self.totals_ms: dict[str, float] = {}
        # One frame per open span: [name, started, time spent in nested spans].
        self._stack: list[list[Any]] = []

    def enter(self, name: str) -> None:
        self._stack.append([name, time.perf_counter(), 0.0])

    def exit(self) -> None:
        name, started, nested = self._stack.pop()
        elapsed = time.perf_counter() - started
        self.totals_ms[name] = self.totals_ms.get(name, 0.0) + (elapsed - nested) * 1000
        if self._stack:
            self._stack[-1][2] += elapsed


_recorder: ContextVar[SpanRecorder | None] = ContextVar("fitguide_span_recorder", default=None)


@contextmanager
def recording() -> Iterator[SpanRecorder]:
    """Record the spans of the work done inside the block (this thread / task only)."""
    recorder = SpanRecorder()
    token = _recorder.set(recorder)
    try:
        yield recorder
    finally:
        _recorder.reset(token)


@contextmanager
def span(name: str) -> Iterator[None]:
    recorder = _recorder.get()
    if recorder is None:
        yield
        return
    recorder.enter(name)
    try:
        yield
    finally:
        recorder.exit()


def instrument(owner: Any, attribute: str, name: str) -> Callable[[], None]:
    """Run every call of ``owner.attribute`` (a function of a class or module) inside ``span(name)``.

    Returns a function that puts the original back.
    """
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with span(name):
            return original(*args, **kwargs)

    setattr(owner, attribute, wrapper)
    return lambda: setattr(owner, attribute, original)


def process_age_seconds() -> float | None:
    """Seconds since this process started (Linux /proc); None where that is not available."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))


class StartupTimer:
    """Seconds per start-up phase; logged once as one line and exported as a gauge."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.finished: float | None = None  # total seconds, set by ``done``
        self._started = time.perf_counter()
        before = process_age_seconds()
        if before is not None:  # interpreter start and imports, before the app's start-up began
            self.seconds["imports"] = round(before, 3)
            self._started -= before

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - started, 3)

    def done(self) -> float:
        """Stop the clock and log one line with the total and every phase."""
        self.finished = round(time.perf_counter() - self._started, 3)
        log.info(
            "startup",
            extra={
                "fields": {"pid": os.getpid(), "total_seconds": self.finished, "phases": dict(self.seconds)}
            },
        )
        return self.finished
