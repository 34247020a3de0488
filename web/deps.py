"""Small dependency getters: routes receive resources through these, never through globals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from catalog.merchants import authenticate
from catalog.models import Merchant
from fitguide.db import Database
from fitguide.settings import Settings


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.session() as session:
        yield session


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def get_current_merchant(request: Request, session: Annotated[Session, Depends(get_session)]) -> Merchant:
    return authenticate(session, _bearer(request))


def request_language(request: Request) -> str:
    """'zh' or 'en': a ``?lang=`` query parameter first, else whether the client prefers Chinese."""
    asked = request.query_params.get("lang", "").strip().lower()
    if asked in ("zh", "en"):
        return asked
    accept = request.headers.get("accept-language", "").lower()
    return "zh" if accept.startswith("zh") else "en"


AppSettings = Annotated[Settings, Depends(get_app_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
CurrentMerchant = Annotated[Merchant, Depends(get_current_merchant)]
Language = Annotated[str, Depends(request_language)]
