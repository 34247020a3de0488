"""Start-up lock across processes, thread settings and the runtime metrics collector."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from fitguide.runtime import RuntimeCollector, configure_threads, exclusive_lock
from fitguide.timing import StartupTimer


def _hold_lock(lock_path: str, journal: str, name: str) -> None:
    with exclusive_lock(Path(lock_path)):
        with open(journal, "a") as handle:
            handle.write(f"{name} in\n")
        time.sleep(0.2)
        with open(journal, "a") as handle:
            handle.write(f"{name} out\n")


def test_exclusive_lock_serialises_processes(tmp_path: Path) -> None:
    journal = tmp_path / "journal.txt"
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_hold_lock, args=(str(tmp_path / "x.lock"), str(journal), name))
        for name in "ab"
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    lines = journal.read_text().split("\n")[:4]
    # Each holder's "in" is followed by its own "out": the sections never overlap.
    assert lines[0].split()[0] == lines[1].split()[0] and lines[2].split()[0] == lines[3].split()[0]
    assert [line.split()[1] for line in lines] == ["in", "out", "in", "out"]


def test_configure_threads_honours_omp_num_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert configure_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert configure_threads() == 2


def test_runtime_collector_exports_startup_cache_and_worker() -> None:
    timer = StartupTimer()
    with timer.phase("index"):
        pass
    timer.done()
    registry = CollectorRegistry()
    registry.register(RuntimeCollector(timer, lambda: {"hits": 3, "misses": 1, "size": 1}))
    text = generate_latest(registry).decode()
    assert 'fitguide_startup_seconds{phase="index"}' in text
    assert 'fitguide_startup_seconds{phase="total"}' in text
    assert "fitguide_query_embedding_cache_hits_total 3.0" in text
    assert "fitguide_query_embedding_cache_misses_total 1.0" in text
    assert "fitguide_worker_info{pid=" in text
    assert "fitguide_worker_resident_bytes" in text
