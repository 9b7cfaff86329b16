"""The relational store behind the feedback rows and the question log.

One SQLAlchemy engine per app. By default it is the SQLite file the feedback store always used
(``<var_dir>/feedback.sqlite3``), so an existing deployment keeps its rows; ``IPQA_DATABASE_URL`` points it at a
server (PostgreSQL via psycopg) that several machines share. Only SQLAlchemy Core is used: two flat tables need no ORM.

Times are stored as epoch seconds (a float, UTC), the column type the SQLite-only store had: the old files stay
readable as they are, and every backend compares and indexes a float the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.schema import CreateIndex, CreateTable

from core.settings import Settings

SQLITE_FILE = "feedback.sqlite3"
# Serializes the CREATE ... IF NOT EXISTS of workers starting together on one PostgreSQL database: concurrent
# creations of the same table can still collide in PostgreSQL's catalog. Any constant works; this one spells "ipqa".
_SCHEMA_LOCK_KEY = 0x69707161

metadata = MetaData()

feedback_table = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    Column("created", Float, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),  # the citations the rated answer carried, as JSON
    Column("rating", Integer, nullable=False),
    Column("comment", Text),
    Index("feedback_created", "created"),
)

questions_table = Table(
    "questions", metadata,
    Column("id", Integer, primary_key=True),
    Column("created", Float, nullable=False),
    Column("question", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("abstained", Boolean, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("chunk_ids", Text, nullable=False),  # JSON list, in citation order
    Column("latency_ms", Float),
    Index("questions_created", "created"),
)


def default_url(var_dir: Path) -> str:
    return f"sqlite:///{var_dir / SQLITE_FILE}"


def to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def to_epoch(moment: datetime) -> float:
    # A moment without a zone is read as UTC, the zone every stored and returned time is in.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def since_epoch(moment: datetime) -> float:
    """The lower bound for "at or after ``moment``". Times are shown to the microsecond, rounded from the stored float,
    so a row's own shown time can lie just above its stored one; half a microsecond of slack keeps that row in."""
    return to_epoch(moment) - 5e-7


class Database:
    """An engine plus the schema, created if missing (existing tables are left as they are)."""

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        self.engine = self._engine(self.url)
        self._create_schema()

    @classmethod
    def for_settings(cls, settings: Settings) -> Database:
        url = settings.database_url.get_secret_value() if settings.database_url else ""
        return cls(url.strip() or default_url(settings.var_dir))

    @classmethod
    def sqlite_file(cls, path: Path) -> Database:
        return cls(f"sqlite:///{path}")

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def __repr__(self) -> str:
        # The URL's own rendering hides a password.
        return f"Database({self.url!r})"

    @staticmethod
    def _engine(url: URL) -> Engine:
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            # Server workers are separate processes writing one file: only SQLite's lock keeps them apart, and a
            # writer waits for it (up to 30 s) instead of failing with "database is locked".
            return create_engine(url, connect_args={"timeout": 30})
        # A database server restarted under a running app leaves dead pooled connections; pre-ping replaces them
        # instead of failing the next request.
        return create_engine(url, pool_pre_ping=True)

    def _create_schema(self) -> None:
        with self.engine.begin() as conn:
            if self.backend == "sqlite":
                # WAL lets readers (the staff page, the admin API) run while a worker writes; it is a property of
                # the file, so setting it once per start is enough.
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            elif self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
            for table in metadata.sorted_tables:
                conn.execute(CreateTable(table, if_not_exists=True))
                for index in table.indexes:
                    conn.execute(CreateIndex(index, if_not_exists=True))

    def dispose(self) -> None:
        self.engine.dispose()
