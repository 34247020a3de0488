"""Chat sessions in the database: they survive a restart and expire after ``session_ttl_seconds`` idle."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete

from catalog.models import ChatSession
from fitguide.db import Database


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SessionStore:
    def __init__(self, database: Database, ttl_seconds: int) -> None:
        self.database = database
        self.ttl = timedelta(seconds=ttl_seconds)

    def load(self, merchant_id: str, session_id: str, now: datetime | None = None) -> dict[str, Any] | None:
        """The stored state, or None when the session is unknown, expired or another merchant's."""
        now = now or datetime.now(UTC)
        with self.database.session() as session:
            row = session.get(ChatSession, session_id)
            if row is None or row.merchant_id != merchant_id or _aware(row.expires_at) <= now:
                return None
            return dict(row.state or {})

    def save(
        self, merchant_id: str, session_id: str, state: dict[str, Any], now: datetime | None = None
    ) -> None:
        now = now or datetime.now(UTC)
        with self.database.session() as session:
            row = session.get(ChatSession, session_id)
            if row is None:
                row = ChatSession(id=session_id, merchant_id=merchant_id)
                session.add(row)
            elif row.merchant_id != merchant_id:
                raise ValueError("session id belongs to another merchant")
            row.state = state
            row.updated_at = now
            row.expires_at = now + self.ttl

    def purge_expired(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        with self.database.session() as session:
            result = session.execute(delete(ChatSession).where(ChatSession.expires_at <= now))
            return int(getattr(result, "rowcount", 0) or 0)
