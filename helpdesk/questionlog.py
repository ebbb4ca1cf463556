"""What users asked and whether it helped: the staff loop's storage (SQLAlchemy Core).

One database holds the asked questions, the feedback on them and the staff accounts. The embedded
default is SQLite under `instance/` (created on first use); `HELPDESK_DATABASE_URL` (a SQLAlchemy
URL, e.g. `postgresql+psycopg://user@host/helpdesk`) lets several machines share one PostgreSQL.

Privacy: no IP address, no cookie, no user identifier is stored; a question is stored as the user
typed it after normalisation (NFKC, spaces collapsed, at most 500 characters) and deleted after
`HELPDESK_QUESTION_RETENTION_DAYS` days (`purge`).

Writes must never slow or fail an answer: `QuestionLog.record` catches every database error, logs
it and returns None; after a failure it stops trying for `PAUSE_AFTER_FAILURE` seconds, so an
outage costs one failed attempt per pause and not a timeout per question.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import re
import secrets
import threading
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 500
MAX_COMMENT_CHARS = 1000
PAUSE_AFTER_FAILURE = 30.0
ASK_ID = re.compile(r"^[A-Za-z0-9_-]{16,32}$")

metadata = MetaData()
schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))
questions = Table(
    "questions", metadata,
    Column("ask_id", String(32), primary_key=True),
    Column("asked_at", DateTime(timezone=True), nullable=False),
    Column("question", Text, nullable=False),
    Column("question_key", String(500), nullable=False),   # for grouping: case- and punctuation-folded
    Column("question_lang", String(2), nullable=False),
    Column("ui_lang", String(2), nullable=False),
    Column("partner", String(100)),
    Column("channel", String(10), nullable=False),           # api | page | widget
    Column("answered", Boolean, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("shown", Text, nullable=False),                   # JSON [[entry id, score], ...]
    Column("top_entry", String(200)),
    Column("generation", String(100)),
    Index("ix_questions_asked_at", "asked_at"),
    Index("ix_questions_key", "question_key"),
)
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ask_id", String(32), ForeignKey("questions.ask_id", ondelete="CASCADE"), nullable=False),
    Column("given_at", DateTime(timezone=True), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("entry_id", String(200)),
    Column("comment", Text),
    Index("ix_feedback_ask_id", "ask_id"),
)
staff_users = Table(
    "staff_users", metadata,
    Column("name", String(100), primary_key=True),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _migration_1(connection) -> None:
    for table in (questions, feedback, staff_users):
        table.create(connection, checkfirst=True)


# Each migration brings the schema from version N-1 to N; they run in order, once, at start-up
# (or with `flask --app wsgi db upgrade`), inside a transaction where the database allows it.
MIGRATIONS = [_migration_1]


def normalise_question(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()[:MAX_QUESTION_CHARS]


def question_key(text: str) -> str:
    """Questions that differ only in case, spacing or punctuation are one gap."""
    folded = normalise_question(text).casefold()
    return re.sub(r"[\s\W_]+", " ", folded).strip()[:500]


def new_ask_id() -> str:
    return secrets.token_urlsafe(16)   # 22 characters, unguessable: it also authorises the feedback


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)   # SQLite returns naive datetimes


class UnknownAsk(LookupError):
    """Feedback for an ask_id that was never recorded (or has been purged)."""


_INSERT_QUESTION = insert(questions)   # compiled once; record() binds each row's parameters


class QuestionLog:
    def __init__(self, url: str, retention_days: int = 180):
        self.url = url
        self.retention_days = retention_days
        self._engine: DbEngine | None = None
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._paused_until = 0.0
        self._purged_at = 0.0
        sqlite_file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
        self._sqlite_file = Path(sqlite_file) if sqlite_file and sqlite_file != ":memory:" else None
        self._write_lock_path = f"{self._sqlite_file}.lock" if self._sqlite_file else None

    # ------------------------------------------------------------ connection and schema

    @property
    def engine(self) -> DbEngine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._connect()
        return self._engine

    def _connect(self) -> DbEngine:
        if self.url.startswith("sqlite:///"):
            if self._sqlite_file:
                self._sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(self.url, connect_args={"timeout": 2})

            @event.listens_for(engine, "connect")
            def _sqlite_settings(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")     # readers never block the writer
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()
        else:
            engine = create_engine(self.url, pool_pre_ping=True, pool_size=4, max_overflow=4, pool_timeout=2,
                                   connect_args={"connect_timeout": 2} if self.url.startswith("postgresql") else {})
        self.migrate(engine)
        return engine

    def migrate(self, engine: DbEngine | None = None) -> int:
        """Apply the migrations not yet applied; returns the schema version."""
        engine = engine or self.engine
        # Every worker of every node migrates on its first write: one at a time, or two of them
        # create the same table at once (PostgreSQL: an advisory lock; SQLite: the writers' file lock).
        serial = self._file_lock() if self._write_lock_path else contextlib.nullcontext()
        with serial, engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(727050101)"))
            schema_version.create(connection, checkfirst=True)
            current = connection.execute(select(func.max(schema_version.c.version))).scalar() or 0
            for number, migration in enumerate(MIGRATIONS, start=1):
                if number > current:
                    migration(connection)
                    connection.execute(insert(schema_version).values(version=number))
                    log.info("database schema migrated to version %d", number)
        return len(MIGRATIONS)

    @contextlib.contextmanager
    def _writing(self):
        """SQLite allows one writer, and a waiting writer polls with sleeps of up to 100 ms: several
        worker processes then add long pauses to answers. Writers here queue on a lock instead (a
        thread lock, and a file lock across processes), which wakes the next one at once."""
        if self._write_lock_path is None:
            yield
            return
        _ = self.engine   # connects (and creates the folder) first
        with self._write_lock, self._file_lock():
            yield

    @contextlib.contextmanager
    def _file_lock(self):
        with open(self._write_lock_path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # ------------------------------------------------------------ writing (never fails the caller)

    def record(self, *, question: str, question_lang: str, ui_lang: str, partner: str | None, channel: str,
               answered: bool, confidence: float, shown: list, generation: str | None) -> str | None:
        """Store one asked question; returns its ask_id, or None when the database is unavailable."""
        if time.monotonic() < self._paused_until:
            return None
        ask_id = new_ask_id()
        row = {"ask_id": ask_id, "asked_at": utcnow(), "question": normalise_question(question),
               "question_key": question_key(question), "question_lang": question_lang, "ui_lang": ui_lang,
               "partner": (partner or None) and partner[:100], "channel": channel, "answered": answered,
               "confidence": float(confidence), "shown": json.dumps(shown),
               "top_entry": shown[0][0] if shown else None, "generation": generation}
        try:
            with self._writing(), self.engine.begin() as connection:
                connection.execute(_INSERT_QUESTION, row)
            self._maybe_purge()
        except (SQLAlchemyError, OSError) as exc:   # the database is down or unreachable: pause
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            log.error("question not recorded (database unavailable, next try in %.0f s): %s",
                      PAUSE_AFTER_FAILURE, str(exc).splitlines()[0][:300])
            return None
        except Exception:   # anything else about this one row: never fail the answer for it
            log.exception("question not recorded")
            return None
        return ask_id

    def add_feedback(self, ask_id: str, helpful: bool, entry_id: str | None = None, comment: str | None = None):
        """Store feedback on a recorded question; UnknownAsk if there is none with this id."""
        row = {"ask_id": ask_id, "given_at": utcnow(), "helpful": bool(helpful),
               "entry_id": entry_id[:200] if entry_id else None,
               "comment": comment.strip()[:MAX_COMMENT_CHARS] if comment and comment.strip() else None}
        with self._writing(), self.engine.begin() as connection:
            exists = connection.execute(select(questions.c.ask_id).where(questions.c.ask_id == ask_id)).first()
            if exists is None:
                raise UnknownAsk(ask_id)
            try:
                connection.execute(insert(feedback).values(**row))
            except IntegrityError:   # the question was purged in between
                raise UnknownAsk(ask_id) from None

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete questions (and their feedback) older than the retention period; returns how many."""
        cutoff = (now or utcnow()) - dt.timedelta(days=self.retention_days)
        with self._writing(), self.engine.begin() as connection:
            old = select(questions.c.ask_id).where(questions.c.asked_at < cutoff)
            connection.execute(delete(feedback).where(feedback.c.ask_id.in_(old)))
            result = connection.execute(delete(questions).where(questions.c.asked_at < cutoff))
        return result.rowcount or 0

    def _maybe_purge(self) -> None:
        if time.monotonic() - self._purged_at > 3600:
            self._purged_at = time.monotonic()
            removed = self.purge()
            if removed:
                log.info("purged %d questions older than %d days", removed, self.retention_days)

    # ------------------------------------------------------------ reading (staff)

    def questions_since(self, days: int, now: dt.datetime | None = None) -> list[dict]:
        since = (now or utcnow()) - dt.timedelta(days=days)
        with self.engine.connect() as connection:
            rows = connection.execute(select(questions).where(questions.c.asked_at >= since)
                                      .order_by(questions.c.asked_at)).mappings().all()
            votes = connection.execute(
                select(feedback.c.ask_id, feedback.c.helpful, feedback.c.entry_id, feedback.c.comment)
                .join(questions, questions.c.ask_id == feedback.c.ask_id)
                .where(questions.c.asked_at >= since)).mappings().all()
        by_ask = defaultdict(list)
        for vote in votes:
            by_ask[vote["ask_id"]].append(dict(vote))
        out = []
        for row in rows:
            item = dict(row)
            item["asked_at"] = _aware(item["asked_at"])
            item["shown"] = json.loads(item["shown"])
            item["feedback"] = by_ask.get(item["ask_id"], [])
            out.append(item)
        return out

    def gaps(self, days: int = 30, now: dt.datetime | None = None) -> list[dict]:
        """The gaps (see `gaps_of`) among the questions of the last `days` days."""
        return gaps_of(self.questions_since(days, now))

    # ------------------------------------------------------------ staff accounts

    def add_staff(self, name: str, password_hash: str) -> None:
        with self._writing(), self.engine.begin() as connection:
            if connection.execute(select(staff_users.c.name).where(staff_users.c.name == name)).first():
                connection.execute(update(staff_users).where(staff_users.c.name == name)
                                   .values(password_hash=password_hash))
            else:
                connection.execute(insert(staff_users).values(name=name, password_hash=password_hash,
                                                              created_at=utcnow()))

    def staff_password_hash(self, name: str) -> str | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(staff_users.c.password_hash).where(staff_users.c.name == name)).first()
        return row[0] if row else None


def gaps_of(rows: list[dict]) -> list[dict]:
    """Unanswered questions and answers marked unhelpful, grouped by normalised question.

    Most frequent first. Each group: question (the latest wording), count (times asked in the
    period), unanswered, not_helpful (asks with a "no" vote), helpful, languages, partners,
    last_asked, entry (the best entry shown the last time it was answered).
    """
    groups: dict[str, dict] = {}
    for row in rows:
        group = groups.setdefault(row["question_key"], {
            "question": row["question"], "count": 0, "unanswered": 0, "not_helpful": 0, "helpful": 0,
            "languages": set(), "partners": set(), "last_asked": row["asked_at"], "entry": None,
            "comments": []})
        group["count"] += 1
        group["unanswered"] += not row["answered"]
        votes = [v["helpful"] for v in row["feedback"]]
        group["not_helpful"] += any(v is False for v in votes)
        group["helpful"] += any(v is True for v in votes) and not any(v is False for v in votes)
        group["comments"] += [v["comment"] for v in row["feedback"] if v["comment"]]
        group["languages"].add(row["question_lang"])
        if row["partner"]:
            group["partners"].add(row["partner"])
        if row["asked_at"] >= group["last_asked"]:
            group["last_asked"], group["question"] = row["asked_at"], row["question"]
        if row["answered"] and row["top_entry"]:
            group["entry"] = row["top_entry"]
    out = []
    for group in groups.values():
        if group["unanswered"] or group["not_helpful"]:
            group["languages"] = sorted(group["languages"])
            group["partners"] = sorted(group["partners"])
            group["last_asked"] = group["last_asked"].isoformat(timespec="seconds")
            out.append(group)
    out.sort(key=lambda g: (-g["count"], -(g["unanswered"] + g["not_helpful"]), g["question"]))
    return out


def database_url(config) -> str:
    url = config.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(config['INSTANCE_DIR']) / 'helpdesk.sqlite3'}"
