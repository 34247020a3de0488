"""Read helpers other domains use (sizing, guide, web console): always scoped to one merchant."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Product, SizeChart
from fitguide.errors import NotFound


def list_products(session: Session, merchant_id: str) -> list[Product]:
    """Every product of the merchant with its variants loaded, ordered by sku."""
    statement = (
        select(Product)
        .where(Product.merchant_id == merchant_id)
        .options(selectinload(Product.variants))
        .order_by(Product.sku)
    )
    return list(session.scalars(statement))


def search_products(
    session: Session, merchant_id: str, q: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[int, list[Product]]:
    """(total matching, one page) with a case-insensitive substring filter on sku, titles and brand."""
    condition = Product.merchant_id == merchant_id
    if q:
        needle = q.strip().lower()
        # autoescape: a '%' or '_' typed by the merchant is matched literally.
        condition = condition & or_(
            func.lower(Product.sku).contains(needle, autoescape=True),
            func.lower(Product.title).contains(needle, autoescape=True),
            func.lower(func.coalesce(Product.title_zh, "")).contains(needle, autoescape=True),
            func.lower(func.coalesce(Product.brand, "")).contains(needle, autoescape=True),
        )
    total = session.scalar(select(func.count()).select_from(Product).where(condition)) or 0
    page = session.scalars(
        select(Product)
        .where(condition)
        .options(selectinload(Product.variants))
        .order_by(Product.sku)
        .offset(offset)
        .limit(limit)
    )
    return total, list(page)


def get_product(session: Session, merchant_id: str, sku: str) -> Product:
    """The merchant's product; another merchant's sku is indistinguishable from a missing one."""
    product = session.scalars(
        select(Product)
        .where(Product.merchant_id == merchant_id, Product.sku == sku)
        .options(selectinload(Product.variants))
    ).first()
    if product is None:
        raise NotFound(f"No product with sku '{sku}'.", f"没有 SKU 为“{sku}”的商品。", code="unknown_sku")
    return product


def get_charts(session: Session, merchant_id: str) -> list[SizeChart]:
    return list(
        session.scalars(
            select(SizeChart).where(SizeChart.merchant_id == merchant_id).order_by(SizeChart.chart_id)
        )
    )


def get_chart(session: Session, merchant_id: str, chart_id: str) -> SizeChart:
    chart = session.scalars(
        select(SizeChart).where(SizeChart.merchant_id == merchant_id, SizeChart.chart_id == chart_id)
    ).first()
    if chart is None:
        raise NotFound(
            f"No size chart with id '{chart_id}'.", f"没有 ID 为“{chart_id}”的尺码表。", code="unknown_chart"
        )
    return chart


def skus_using_chart(session: Session, merchant_id: str, chart_id: str) -> list[str]:
    return list(
        session.scalars(
            select(Product.sku)
            .where(Product.merchant_id == merchant_id, Product.size_chart_id == chart_id)
            .order_by(Product.sku)
        )
    )


def count_products(session: Session, merchant_id: str) -> int:
    return (
        session.scalar(select(func.count()).select_from(Product).where(Product.merchant_id == merchant_id))
        or 0
    )


def count_charts(session: Session, merchant_id: str) -> int:
    statement = select(func.count()).select_from(SizeChart).where(SizeChart.merchant_id == merchant_id)
    return session.scalar(statement) or 0
