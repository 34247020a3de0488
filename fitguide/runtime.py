"""Process-level plumbing for serving with several workers: start-up lock, CPU threads, runtime metrics."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from fitguide.timing import StartupTimer


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Block until this process holds an exclusive lock on ``path`` (released on exit or death)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def configure_threads() -> int:
    """One CPU thread per worker for torch and faiss, unless OMP_NUM_THREADS says otherwise.

    A request embeds one short query and searches one vector: intra-op threads gain little there,
    while their spinning makes requests running side by side (threadpool, other workers, other
    processes) fight for the cores. Measured on the shared two-core machine: one query took ~40 ms with
    one thread and ~300-500 ms with two; even batch embedding ran twice as fast with one thread. On a
    dedicated machine with one worker, OMP_NUM_THREADS=<cores> speeds up index builds.
    """
    count = int(os.environ.get("OMP_NUM_THREADS") or 1)
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(count)
    if "faiss" in sys.modules:
        import faiss

        faiss.omp_set_num_threads(count)
    return count


def resident_bytes() -> int | None:
    """This process's resident memory (Linux /proc), shared pages such as memory-mapped vectors included."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class RuntimeCollector(Collector):
    """Start-up seconds per phase and query-embedding cache counters, read at scrape time."""

    def __init__(self, startup: StartupTimer, cache_stats: Callable[[], dict[str, Any]] | None) -> None:
        self.startup = startup
        self.cache_stats = cache_stats

    def collect(self) -> Iterable[Any]:
        # Behind ``--workers N`` each scrape reaches one worker: the pid tells their figures apart.
        info = GaugeMetricFamily("fitguide_worker_info", "The worker process answering", labels=["pid"])
        info.add_metric([str(os.getpid())], 1)
        yield info
        resident = resident_bytes()
        if resident is not None:
            memory = GaugeMetricFamily("fitguide_worker_resident_bytes", "Resident memory of this worker")
            memory.add_metric([], resident)
            yield memory
        phases = GaugeMetricFamily(
            "fitguide_startup_seconds", "Seconds each start-up phase took in this worker", labels=["phase"]
        )
        for phase, seconds in self.startup.seconds.items():
            phases.add_metric([phase], seconds)
        if self.startup.finished is not None:
            phases.add_metric(["total"], self.startup.finished)
        yield phases
        if self.cache_stats is None:
            return
        stats = self.cache_stats()
        hits = CounterMetricFamily(
            "fitguide_query_embedding_cache_hits", "Query embeddings served from the cache"
        )
        hits.add_metric([], stats.get("hits", 0))
        yield hits
        misses = CounterMetricFamily(
            "fitguide_query_embedding_cache_misses", "Query embeddings computed by the model"
        )
        misses.add_metric([], stats.get("misses", 0))
        yield misses
        size = GaugeMetricFamily("fitguide_query_embedding_cache_entries", "Cached query embeddings")
        size.add_metric([], stats.get("size", 0))
        yield size
