"""Merchants and their API keys. Keys are random tokens; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import ApiKey, Merchant, utcnow
from fitguide.errors import Conflict, InvalidInput, NotFound, Unauthorized

KEY_PREFIX = "fg_"
_MERCHANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    merchant_id: str
    key: str
    prefix: str


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:40] or "merchant"


def _new_key(session: Session, merchant: Merchant) -> IssuedKey:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    prefix = key[:10]
    session.add(ApiKey(merchant_id=merchant.id, key_hash=hash_key(key), prefix=prefix))
    return IssuedKey(merchant_id=merchant.id, key=key, prefix=prefix)


def create_merchant(
    session: Session, name: str, merchant_id: str | None = None, allowed_origins: list[str] | None = None
) -> IssuedKey:
    """Create a merchant with one API key; the key is returned once and never stored in clear."""
    name = name.strip()
    if not name:
        raise InvalidInput("Merchant name must not be empty.", "商家名称不能为空。")
    if merchant_id is None:
        base = _slug(name)
        merchant_id = base
        while session.get(Merchant, merchant_id) is not None:
            merchant_id = f"{base}-{secrets.token_hex(3)}"
    elif not _MERCHANT_ID.match(merchant_id):
        raise InvalidInput(
            "Merchant id must be 2-63 characters of a-z, 0-9, '-' or '_'.",
            "商家 ID 须为 2-63 个小写字母、数字、'-' 或 '_'。",
        )
    elif session.get(Merchant, merchant_id) is not None:
        raise Conflict(f"Merchant '{merchant_id}' already exists.", f"商家 '{merchant_id}' 已存在。")
    merchant = Merchant(id=merchant_id, name=name, allowed_origins=list(allowed_origins or []))
    session.add(merchant)
    session.flush()
    return _new_key(session, merchant)


def get_merchant(session: Session, merchant_id: str) -> Merchant:
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound(
            f"Unknown merchant '{merchant_id}'.", f"未知商家 '{merchant_id}'。", code="unknown_merchant"
        )
    return merchant


def authenticate(session: Session, key: str | None) -> Merchant:
    """The merchant owning an active key, or Unauthorized."""
    if not key:
        raise Unauthorized(
            "Missing API key: send 'Authorization: Bearer <merchant key>'.",
            "缺少 API 密钥：请发送 'Authorization: Bearer <商家密钥>'。",
            code="missing_key",
        )
    digest = hash_key(key)
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    # compare_digest keeps the final check constant-time even though the lookup is by hash.
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        raise Unauthorized("Invalid or revoked API key.", "API 密钥无效或已被吊销。", code="invalid_key")
    return row.merchant


def rotate_key(session: Session, merchant_id: str) -> IssuedKey:
    """Issue a new key and revoke every older one."""
    merchant = get_merchant(session, merchant_id)
    for key in merchant.api_keys:
        if key.revoked_at is None:
            key.revoked_at = utcnow()
    return _new_key(session, merchant)


def revoke_key(session: Session, merchant_id: str, prefix: str) -> int:
    """Revoke the merchant's active keys starting with ``prefix``; returns how many."""
    merchant = get_merchant(session, merchant_id)
    revoked = 0
    for key in merchant.api_keys:
        if key.revoked_at is None and key.prefix.startswith(prefix):
            key.revoked_at = utcnow()
            revoked += 1
    if revoked == 0:
        raise NotFound(f"No active key with prefix '{prefix}'.", f"没有以 '{prefix}' 开头的有效密钥。")
    return revoked


def set_allowed_origins(session: Session, merchant_id: str, origins: list[str]) -> Merchant:
    merchant = get_merchant(session, merchant_id)
    cleaned = []
    for origin in origins:
        origin = origin.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/]+$", origin):
            raise InvalidInput(
                f"'{origin}' is not an origin like https://shop.example.com.",
                f"'{origin}' 不是形如 https://shop.example.com 的来源。",
            )
        cleaned.append(origin)
    merchant.allowed_origins = cleaned
    return merchant


def bump_catalog_version(session: Session, merchant_id: str) -> int:
    merchant = get_merchant(session, merchant_id)
    merchant.catalog_version = (merchant.catalog_version or 0) + 1
    return merchant.catalog_version
