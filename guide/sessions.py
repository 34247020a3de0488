"""Chat sessions in the database: they survive a restart and expire after ``session_ttl_seconds`` idle."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

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
            row = session.execute(
                select(ChatSession.merchant_id, ChatSession.state, ChatSession.expires_at).where(
                    ChatSession.id == session_id
                )
            ).first()
        if row is None or row.merchant_id != merchant_id or _aware(row.expires_at) <= now:
            return None
        return dict(row.state or {})

    def save(
        self, merchant_id: str, session_id: str, state: dict[str, Any], now: datetime | None = None
    ) -> None:
        """Store the state and push the expiry out: one UPDATE for a known session, else an INSERT."""
        now = now or datetime.now(UTC)
        values = {"state": state, "updated_at": now, "expires_at": now + self.ttl}
        with self.database.session() as session:
            updated = session.execute(
                update(ChatSession)
                .where(ChatSession.id == session_id, ChatSession.merchant_id == merchant_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if not getattr(updated, "rowcount", 0):
                # A new id (a taken id of another merchant fails here on the primary key).
                session.add(ChatSession(id=session_id, merchant_id=merchant_id, **values))

    def purge_expired(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        with self.database.session() as session:
            result = session.execute(delete(ChatSession).where(ChatSession.expires_at <= now))
            return int(getattr(result, "rowcount", 0) or 0)
