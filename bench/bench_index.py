"""Vector index build time, peak memory, recall@10 against exact search and query latency.

Sizes 10k, 100k and 1M. Vectors are 384-d unit vectors (the default model's dimension): at 10k/100k the
demo catalog's real embeddings plus small noise (like bench_search); at 1M clustered random unit vectors
(random centres plus noise, normalised), generated in memory so the run stays within minutes. Uniformly
random vectors are deliberately avoided: nothing real looks like them and every ANN index degrades on them.

Kinds: exact (IndexFlatIP), hnsw (IndexHNSWFlat M=32, efSearch 128), ivf_sq8 (IVF + 8-bit scalar
quantiser; nprobe swept) and ivf_pq (IVF + PQ48x8; nprobe swept). Each (size, kind) is built in its own
child process so its peak RSS is its own. Query latency is single-query, one thread, as in a request.
Embedding throughput per core (real model, one torch thread) is measured separately.

    python -m bench.bench_index [--sizes 10000 100000 1000000] [--kinds ...] [--hnsw-1m]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import threading
import time
from typing import Any

import numpy as np

from bench.common import machine, percentiles, print_table, write_report

DIM = 384
QUERIES = 200
NPROBES = (8, 16, 32, 64, 128)


def clustered_unit_vectors(count: int, dim: int = DIM, clusters: int = 2000, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = np.empty((count, dim), dtype=np.float32)
    for start in range(0, count, 100_000):  # in blocks: the noise array would double peak memory
        stop = min(count, start + 100_000)
        block = centres[rng.integers(0, clusters, stop - start)]
        block += rng.standard_normal((stop - start, dim), dtype=np.float32) * 0.045
        vectors[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def demo_like_vectors(count: int, seed: int = 11) -> np.ndarray:
    """Real demo-catalog embeddings plus noise, as in bench_search."""
    from bench.bench_search import demo_vectors, read_demo_products
    from fitguide.settings import Settings
    from guide.embedding import build_embedder

    settings = Settings()
    demo = demo_vectors(settings.embedding_model, lambda: build_embedder(settings), read_demo_products())
    rng = np.random.default_rng(seed)
    vectors = demo[rng.integers(0, len(demo), count)] + rng.normal(scale=0.02, size=(count, demo.shape[1]))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _child(size: int, kind: str, source: str, result: Any) -> None:
    from guide.vector_index import FaissVectorIndex, faiss, index_memory_bytes, set_threads

    vectors = clustered_unit_vectors(size) if source == "clustered" else demo_like_vectors(size)
    rng = np.random.default_rng(5)
    queries = vectors[rng.choice(size, QUERIES, replace=False)] + rng.normal(
        scale=0.03, size=(QUERIES, DIM)
    ).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    baseline = _current_rss_mb()
    peak = [baseline]
    sampling = threading.Event()

    def sample() -> None:  # ru_maxrss would include transient peaks from before the build
        while not sampling.wait(0.01):
            peak[0] = max(peak[0], _current_rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    if kind == "ivf_pq":
        nlist = max(64, min(1024, int(4 * np.sqrt(size))))
        quantizer = faiss.IndexFlatIP(DIM)
        raw = faiss.IndexIVFPQ(quantizer, DIM, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)
        raw.train(vectors[np.sort(rng.choice(size, min(size, 100 * nlist), replace=False))])
        raw.add(vectors)
        index = FaissVectorIndex(vectors, raw, "ivf_pq")
        index.kind = "ivf_pq"
    else:
        index = FaissVectorIndex.build(vectors, kind)  # type: ignore[arg-type]
    build_seconds = time.perf_counter() - started
    sampling.set()
    sampler.join()
    peak_mb = max(0.0, max(peak[0], _current_rss_mb()) - baseline)
    # Ground truth after the build, so the exact index's copy of the vectors is not in the peak above.
    truth = np.argpartition(-(queries @ vectors.T), 10, axis=1)[:, :10]
    set_threads(1)
    sweeps: list[dict[str, Any]] = []
    settings_to_try: list[int | None] = list(NPROBES) if kind.startswith("ivf") else [None]
    for nprobe in settings_to_try:
        params = faiss.SearchParametersIVF(nprobe=nprobe) if nprobe else None
        if kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=index.ef_search)
        latencies = []
        found = np.empty((QUERIES, 10), dtype=np.int64)
        for row, query in enumerate(queries):
            begin = time.perf_counter()
            _, ids = index.index.search(query[None, :], 10, params=params)
            latencies.append((time.perf_counter() - begin) * 1000)
            found[row] = ids[0]
        recall = float(np.mean([len(set(found[i]) & set(truth[i])) / 10 for i in range(QUERIES)]))
        sweeps.append({"nprobe": nprobe, "recall@10": round(recall, 4), "latency_ms": percentiles(latencies)})
    result.update(
        {
            "products": size,
            "kind": kind,
            "vectors": source,
            "build_seconds": round(build_seconds, 2),
            "index_mb": round(index_memory_bytes(index) / 2**20, 1),
            "build_peak_rss_increase_mb": round(peak_mb, 1),
            "sweeps": sweeps,
        }
    )


def run_one(size: int, kind: str, source: str) -> dict[str, Any]:
    with multiprocessing.Manager() as manager:
        result = manager.dict()
        process = multiprocessing.get_context("fork").Process(
            target=_child, args=(size, kind, source, result)
        )
        process.start()
        process.join()
        if process.exitcode != 0:
            return {"products": size, "kind": kind, "error": f"exit code {process.exitcode}"}
        return dict(result)


def embedding_throughput() -> dict[str, Any]:
    import torch

    from bench.bench_search import read_demo_products
    from fitguide.settings import Settings
    from guide.embedding import build_embedder
    from guide.index_manager import embedding_text

    texts = [embedding_text(p) for p in read_demo_products()[:512]]
    embedder = build_embedder(Settings())
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    embedder.encode(texts[:32])
    started = time.perf_counter()
    embedder.encode(texts)
    per_core = len(texts) / (time.perf_counter() - started)
    torch.set_num_threads(threads)
    return {"model": embedder.name, "texts": len(texts), "texts_per_s_one_core": round(per_core, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["exact", "hnsw", "ivf_sq8", "ivf_pq"])
    parser.add_argument("--hnsw-1m", action="store_true", help="also build HNSW at 1M (slow on 2 cores)")
    parser.add_argument("--skip-embedding", action="store_true")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    payload: dict[str, Any] = {"machine": machine(), "dim": DIM, "queries": QUERIES, "results": results}
    for size in args.sizes:
        for kind in args.kinds:
            if kind == "hnsw" and size >= 1_000_000 and not args.hnsw_1m:
                continue
            source = "clustered" if size >= 1_000_000 else "demo"
            result = run_one(size, kind, source)
            results.append(result)
            write_report("index", payload)  # after every case: a long run that is cut short keeps its figures
            sweeps = [(s["nprobe"], s["recall@10"], s["latency_ms"]["p50"]) for s in result.get("sweeps", [])]
            print(
                f"{size} {kind}: build {result.get('build_seconds')} s, index {result.get('index_mb')} MB, "
                f"(nprobe, recall@10, p50 ms) {sweeps}",
                flush=True,
            )
    rows = []
    for result in results:
        for sweep in result.get("sweeps", []):
            rows.append(
                [
                    result["products"],
                    result["kind"],
                    sweep["nprobe"] or "-",
                    result["build_seconds"],
                    result["build_peak_rss_increase_mb"],
                    result["index_mb"],
                    sweep["recall@10"],
                    sweep["latency_ms"]["p50"],
                    sweep["latency_ms"]["p99"],
                ]
            )
    print_table(
        "Vector index build and query (one thread per query)",
        ["products", "kind", "nprobe", "build s", "peak +MB", "index MB", "recall@10", "p50 ms", "p99 ms"],
        rows,
    )
    if not args.skip_embedding:
        payload["embedding"] = embedding_throughput()
        print(f"\nembedding: {payload['embedding']}")
    print(f"\nwrote {write_report('index', payload)}")


if __name__ == "__main__":
    main()
