"""POST /api/chat through the real app: index manager with the hash embedder, sizing, sessions in the DB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from catalog.models import ChatSession, Merchant, Product, SizeChart, Variant
from fitguide.db import Database
from fitguide.settings import Settings
from guide.sessions import SessionStore
from tests.conftest import make_settings
from web.app import create_app

XSS_TITLE = "<img src=x onerror=alert(1)>"
CHART_ROWS = [
    {"size": "S", "measurements": {"chest": [80, 84], "waist": [62, 66], "hip": [86, 90]}},
    {"size": "M", "measurements": {"chest": [84, 88], "waist": [66, 70], "hip": [90, 94]}},
    {"size": "L", "measurements": {"chest": [88, 92], "waist": [70, 74], "hip": [94, 98]}},
    {"size": "XL", "measurements": {"chest": [92, 96], "waist": [74, 78], "hip": [98, 102]}},
]
PRODUCTS: list[dict[str, Any]] = [
    {
        "sku": "D1",
        "title": "Red floral dress",
        "title_zh": "红色碎花连衣裙",
        "price": 299,
        "category": "dress",
        "color": "red",
        "material": "polyester",
    },
    {
        "sku": "D2",
        "title": "Black wrap dress",
        "price": 459,
        "category": "dress",
        "color": "black",
        "material": "cotton",
    },
    {
        "sku": "D3",
        "title": XSS_TITLE,
        "price": 199,
        "category": "dress",
        "color": "white",
        "material": "cotton",
    },
    {
        "sku": "D4",
        "title": "Blue linen dress",
        "price": 520,
        "category": "dress",
        "color": "blue",
        "material": "linen",
        "stock": {"L": 0},
    },
    {
        "sku": "K1",
        "title": "Long down jacket",
        "price": 799,
        "category": "down_jacket",
        "color": "black",
        "material": "down",
    },
]


def seed_catalog(client: TestClient, merchant_id: str) -> None:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        session.add(
            SizeChart(
                merchant_id=merchant_id,
                chart_id="women-dress",
                name="Dresses",
                category="dress",
                gender="women",
                rows=CHART_ROWS,
            )
        )
        session.add(
            SizeChart(
                merchant_id=merchant_id,
                chart_id="women-outer",
                name="Outerwear",
                category="down_jacket",
                gender="women",
                rows=CHART_ROWS,
            )
        )
        for item in PRODUCTS:
            data = dict(item)
            stock: dict[str, int] = data.pop("stock", {})
            chart = "women-dress" if data["category"] == "dress" else "women-outer"
            product = Product(
                merchant_id=merchant_id, gender="women", size_chart_id=chart, currency="CNY", **data
            )
            product.variants = [
                Variant(size_label=s, position=i, stock=stock.get(s, 5))
                for i, s in enumerate(["S", "M", "L", "XL"])
            ]
            session.add(product)
        session.execute(update(Merchant).where(Merchant.id == merchant_id).values(catalog_version=1))


@pytest.fixture
def shop(client: TestClient, merchant: dict[str, str]) -> str:
    seed_catalog(client, merchant["id"])
    return merchant["id"]


def chat(
    client: TestClient, merchant_id: str, message: str, session_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/chat", json={"merchant_id": merchant_id, "session_id": session_id, "message": message, **extra}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_conversation(client: TestClient, shop: str) -> None:
    first = chat(client, shop, "连衣裙 不要红色")
    assert first["intent"] == "search" and first["filters"] == {
        "categories": ["dress"],
        "exclude_colors": ["red"],
    }
    assert first["products"] and all(p["color"] != "red" for p in first["products"])
    assert first["reply"].startswith("为你找到") and first["suggestions"] and first["lang"] == "zh"
    card = first["products"][0]
    assert {
        "sku",
        "title",
        "price",
        "currency",
        "image_url",
        "url",
        "recommended_size",
        "size_confidence",
        "fit_summary",
        "in_stock_in_size",
    } <= set(card)
    sized = chat(client, shop, "165cm 50kg", first["session_id"])
    assert sized["session_id"] == first["session_id"] and sized["intent"] == "size"
    assert all(p["recommended_size"] for p in sized["products"])
    later = chat(client, shop, "500以内", first["session_id"])
    assert later["filters"]["price_max"] == 500
    assert all(p["price"] <= 500 and p["recommended_size"] for p in later["products"])


def test_profile_from_the_widget_gives_sizes(client: TestClient, shop: str) -> None:
    reply = chat(client, shop, "dresses", profile={"height": "165cm", "weight": "110斤"})
    assert reply["products"] and all(p["recommended_size"] for p in reply["products"])
    assert all(p["size_confidence"] is not None for p in reply["products"])


@pytest.mark.parametrize(
    ("message", "body_text"),
    [
        ("身高1.70 体重60kg", "身高170cm、体重60kg"),
        ("1.70 60kg", "170cm, 60kg"),
        ("1.70 and 60 kg", "170cm, 60kg"),
        ("5.6ft 9.5 st", "171cm, 60.5kg"),
        ("5'7\" 133 lbs", "170cm, 60.5kg"),
    ],
)
def test_audited_body_forms_give_sizes_with_rounded_values(
    client: TestClient, shop: str, message: str, body_text: str
) -> None:
    first = chat(client, shop, "dresses for women")
    answer = chat(client, shop, message, first["session_id"])
    assert answer["intent"] == "size" and body_text in answer["reply"], answer["reply"]
    assert all(p["recommended_size"] for p in answer["products"])


def test_bigger_size_names_the_next_size_of_each_shown_product(client: TestClient, shop: str) -> None:
    first = chat(client, shop, "连衣裙 身高165 55公斤")
    step = chat(client, shop, "有没有大一点的码", first["session_id"])
    assert step["intent"] == "size" and step["reply"].startswith("推荐的尺码已经按身高165cm、体重55kg")
    assert [p["sku"] for p in step["products"]] == [p["sku"] for p in first["products"]]
    sizes = ["S", "M", "L", "XL"]
    for product in step["products"]:
        size = product["recommended_size"]
        if size == "XL":
            assert "XL 已经是最大的码" in step["reply"]
        else:
            assert f"大一码是 {sizes[sizes.index(size) + 1]}" in step["reply"]
    assert "喜欢宽松一点" in step["suggestions"], step["reply"]


def test_reply_carries_the_body_it_sized_with(client: TestClient, shop: str) -> None:
    first = chat(client, shop, "dresses for women")
    assert first["body"] == {}
    sized = chat(client, shop, "I'm 165cm and 110斤", first["session_id"])
    assert sized["body"]["height_cm"] == 165.0 and sized["body"]["weight_kg"] == 55.0
    assert sized["body"]["sex"] == "female"


def test_a_body_beyond_the_chart_is_flagged_on_the_card(client: TestClient, shop: str) -> None:
    reply = chat(client, shop, "dresses", profile={"height": "165cm", "weight": "110kg", "sex": "female"})
    assert reply["products"] and all(p["size_warning"] for p in reply["products"])
    fitting = chat(client, shop, "dresses", profile={"height": "165cm", "weight": "55kg", "sex": "female"})
    assert not any(p["size_warning"] for p in fitting["products"])


def test_relaxed_results_name_the_constraint(client: TestClient, shop: str) -> None:
    reply = chat(client, shop, "500以内的羽绒服")
    assert reply["relaxed"] == [{"field": "price_max", "original": 500.0, "replacement": 800.0}]
    assert reply["reply"].startswith("没有500元以内的羽绒服，这些是800元以内的")
    english = chat(client, shop, "down jackets under 500")
    assert english["reply"].startswith("No down jackets under ¥500; these are under ¥800")


def test_merchant_text_never_becomes_markup(client: TestClient, shop: str) -> None:
    first = chat(client, shop, "white dress")
    assert any(p["title"] == XSS_TITLE for p in first["products"])  # raw in JSON; the widget renders text
    position = next(i for i, p in enumerate(first["products"]) if p["title"] == XSS_TITLE) + 1
    for message in (
        f"what is item {position} made of?",
        "compare the first two",
        "what size should I get?",
        "165cm 50kg",
    ):
        reply = chat(client, shop, message, first["session_id"])["reply"]
        assert "<img" not in reply and "<" not in reply


def test_chinese_titles_for_chinese_shoppers(client: TestClient, shop: str) -> None:
    zh = chat(client, shop, "红色连衣裙")
    assert zh["products"][0]["title"] == "红色碎花连衣裙"
    en = chat(client, shop, "red dress")
    assert en["products"][0]["title"] == "Red floral dress"


def test_compare_returns_a_comparison(client: TestClient, shop: str) -> None:
    first = chat(client, shop, "dresses", profile={"height_cm": 165, "weight_kg": 52})
    compared = chat(client, shop, "compare the first two", first["session_id"])
    assert compared["intent"] == "compare"
    assert [p["sku"] for p in compared["comparison"]] == [p["sku"] for p in first["products"][:2]]
    assert all(p["recommended_size"] for p in compared["comparison"])


def test_unknown_merchant_is_404(client: TestClient) -> None:
    response = client.post("/api/chat", json={"merchant_id": "no-such-shop", "message": "hi"})
    assert response.status_code == 404


@pytest.mark.parametrize("message", ["", "   ", "x" * 501])
def test_bad_messages_are_422_naming_the_field(client: TestClient, shop: str, message: str) -> None:
    response = client.post("/api/chat", json={"merchant_id": shop, "message": message})
    assert response.status_code == 422
    assert response.json()["issues"][0]["column"] == "message"


def test_bad_profile_is_422_naming_the_field(client: TestClient, shop: str) -> None:
    response = client.post(
        "/api/chat",
        json={"merchant_id": shop, "message": "dresses", "profile": {"height": "tall", "weight": "60kg"}},
    )
    assert response.status_code == 422
    assert response.json()["issues"][0]["column"] == "height"


def test_session_survives_a_restart(settings: Settings, tmp_path: Path) -> None:
    from catalog.merchants import create_merchant

    with TestClient(create_app(settings)) as first_app:
        with first_app.app.state.db.session() as session:  # type: ignore[attr-defined]
            create_merchant(session, "Shop", "restart-shop", [])
        seed_catalog(first_app, "restart-shop")
        first = chat(first_app, "restart-shop", "red dresses under 500")
    with TestClient(create_app(make_settings(tmp_path))) as second_app:
        resumed = chat(second_app, "restart-shop", "cheaper", first["session_id"])
    assert resumed["session_id"] == first["session_id"]
    assert resumed["filters"]["categories"] == ["dress"]


def test_expired_sessions_start_fresh(client: TestClient, shop: str) -> None:
    first = chat(client, shop, "red dresses")
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        session.execute(
            update(ChatSession)
            .where(ChatSession.id == first["session_id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    again = chat(client, shop, "cheaper", first["session_id"])
    assert again["session_id"] != first["session_id"]
    assert again["filters"] == {}


def test_a_session_is_bound_to_its_merchant(client: TestClient, shop: str) -> None:
    from catalog.merchants import create_merchant

    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        create_merchant(session, "Other", "other-shop", [])
    first = chat(client, shop, "red dresses")
    other = chat(client, "other-shop", "cheaper", first["session_id"])
    assert other["session_id"] != first["session_id"] and other["filters"] == {}


def test_session_store_on_each_database(database: Database) -> None:
    from catalog.merchants import create_merchant

    with database.session() as session:
        create_merchant(session, "Shop A", "shop-a", [])
        create_merchant(session, "Shop B", "shop-b", [])
    store = SessionStore(database, ttl_seconds=60)
    start = datetime.now(UTC)
    store.save("shop-a", "session-0001", {"filters": {"categories": ["dress"]}}, now=start)
    store.save("shop-a", "session-0001", {"filters": {"categories": ["jeans"]}}, now=start)
    assert store.load("shop-a", "session-0001", now=start) == {"filters": {"categories": ["jeans"]}}
    assert store.load("shop-b", "session-0001", now=start) is None
    assert store.load("shop-a", "session-0001", now=start + timedelta(seconds=61)) is None
    assert store.purge_expired(now=start + timedelta(seconds=61)) == 1
    assert store.load("shop-a", "session-0001", now=start) is None
