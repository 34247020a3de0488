from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.merchants import create_merchant
from catalog.models import Merchant, Product, SizeChart, Variant
from catalog.service import import_catalog, parse_chart_upload, parse_product_upload
from fitguide.db import Database
from fitguide.errors import InvalidInput, NotFound
from fitguide.settings import REPO_ROOT
from sizing.body_model import BodyModel
from sizing.charts import parse_chart
from sizing.protocols import FitAdjuster, FitAdjustment
from sizing.schemas import BodyInput, Recommendation, ReferenceGarment, resolve_body
from sizing.service import MerchantCharts, SizingService, _brand_chart
from tests.sizing.conftest import BODY_TOP_ROWS, HAOXING_SHIRT_ROWS, MERCHANT

MAN = BodyInput(height_cm=175, weight_kg=70, sex="male")


def test_chart_resolution(service: SizingService) -> None:
    charts = service.merchant_charts(MERCHANT)
    assert charts.products["TEE1"].chart_id == "men-tee"  # its own chart
    assert charts.products["TEE2"].chart_id == "men-tee"  # same category + gender
    assert charts.products["JEAN1"].chart_id == "jeans"  # same brand + category + gender
    assert charts.products["SCARF"].chart_id is None
    sources = {sku: charts.products[sku].chart_source for sku in ("TEE1", "TEE2", "JEAN1", "SHIRT1")}
    assert sources == {"TEE1": "own", "TEE2": "shop", "JEAN1": "brand", "SHIRT1": "own"}


def test_a_product_sized_by_another_chart_says_so(service: SizingService) -> None:
    # Audit 4: a dress without a chart showed "S · 72%" and "in S's 86-91 cm range" from another brand's
    # chart, silently. The fallback stays; the answer says whose chart it is.
    results = service.recommend_batch(MERCHANT, ["TEE1", "TEE2", "JEAN1", "SCARF"], MAN)
    own, borrowed, brand = results["TEE1"], results["TEE2"], results["JEAN1"]
    assert (own.chart_is_own, borrowed.chart_is_own, brand.chart_is_own) == (True, False, False)
    assert results["SCARF"].chart_is_own is None
    assert "chart of its own" not in own.explanation
    # TEE1 and TEE2 share the chart and the size, not the note.
    assert borrowed.size == own.size and borrowed.chart_id == own.chart_id == "men-tee"
    assert borrowed.explanation.endswith(
        "This item has no size chart of its own; sizes are from the shop's t-shirt chart."
    )
    assert brand.explanation.endswith("Sized by the brand's jeans chart (this item has no chart of its own).")
    zh = service.recommend_batch(MERCHANT, ["TEE2", "JEAN1"], MAN, None, "zh")
    assert zh["TEE2"].explanation.endswith("这件商品没有自己的尺码表，尺码按店内T恤尺码表推荐。")
    assert zh["JEAN1"].explanation.endswith("尺码按该品牌的牛仔裤尺码表推荐（这件商品没有单独的尺码表）。")
    single = service.recommend(MERCHANT, "TEE2", MAN)
    assert single.chart_is_own is False and "chart of its own" in single.explanation


def test_batch_recommendation_and_no_chart_answer(service: SizingService) -> None:
    results = service.recommend_batch(MERCHANT, ["TEE1", "SHIRT1", "SCARF", "MISSING"], MAN, None, "en")
    assert set(results) == {"TEE1", "SHIRT1", "SCARF"}
    tee = results["TEE1"]
    assert tee.status == "ok" and tee.size in tee.probabilities
    assert sum(tee.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert tee.fit_summary and tee.explanation and tee.haoxing
    assert results["SHIRT1"].size is not None and results["SHIRT1"].size.endswith("A")
    scarf = results["SCARF"]
    assert scarf.status == "no_chart" and scarf.size is None
    assert "no size chart" in scarf.explanation


def test_chinese_text_and_tradeoff(service: SizingService) -> None:
    result = service.recommend(MERCHANT, "SHIRT1", MAN, None, "zh")
    assert "推荐" in result.explanation
    assert result.haoxing is not None and "/" in result.haoxing
    if result.alternatives:
        assert "合身" in result.alternatives[0].tradeoff


def test_close_call_names_the_deciding_input(service: SizingService) -> None:
    result = service.recommend(MERCHANT, "SHIRT1", MAN)
    assert result.confidence is not None
    if result.confidence < 0.6:
        assert result.deciding_input is not None
        assert result.deciding_input.field in ("chest_cm", "shoulder_cm", "reference")
    measured = service.recommend(
        MERCHANT, "TEE1", BodyInput(height_cm=175, weight_kg=70, sex="m", chest_cm=94)
    )
    assert measured.size == "L" and measured.confidence is not None and measured.confidence > 0.8


def test_reference_garment_narrows_the_estimate(service: SizingService) -> None:
    plain = service.recommend(MERCHANT, "TEE1", MAN)
    with_reference = service.recommend(
        MERCHANT, "TEE1", MAN.model_copy(update={"reference": ReferenceGarment(size="185/100A", brand="Hx")})
    )
    assert with_reference.size is not None and plain.size is not None
    order = list(plain.probabilities)
    assert order.index(with_reference.size) >= order.index(plain.size)
    with pytest.raises(InvalidInput) as caught:
        service.recommend(
            MERCHANT, "TEE1", MAN.model_copy(update={"reference": ReferenceGarment(size="M", brand="Nobody")})
        )
    assert caught.value.issues[0].column == "reference"


def test_reference_with_only_a_size_says_what_is_missing(service: SizingService) -> None:
    body = MAN.model_copy(update={"reference": ReferenceGarment(size="M")})
    with pytest.raises(InvalidInput) as caught:
        service.recommend(MERCHANT, "TEE1", body)
    error = caught.value
    assert "None" not in str(error) and "brand, chart_id or sku" in str(error)
    assert "None" not in error.message_zh and "品牌" in error.message_zh
    assert (error.issues[0].column, error.issues[0].code) == ("reference.brand", "missing")
    with pytest.raises(InvalidInput):
        service.estimate(body, merchant_id=MERCHANT)


def test_estimate_explains_tops_and_bottoms_in_both_languages(service: SizingService) -> None:
    body = BodyInput(height_cm=170, weight_kg=60, sex="f")
    english, chinese = service.estimate(body, "en"), service.estimate(body, "zh")
    for estimate in (english, chinese):
        assert estimate.haoxing_top in estimate.explanation
        assert estimate.haoxing_bottom in estimate.explanation
    assert "(tops)" in english.explanation and "(bottoms)" in english.explanation


def test_unknown_merchant_and_sku(service: SizingService) -> None:
    with pytest.raises(NotFound):
        service.recommend("nobody", "TEE1", MAN)
    with pytest.raises(NotFound):
        service.recommend(MERCHANT, "NOPE", MAN)


def test_sex_defaults_to_product_gender(service: SizingService) -> None:
    result = service.recommend(MERCHANT, "JEAN1", BodyInput(height="165cm", weight="110斤"))
    assert result.status == "ok"


class RunsSmall:
    def adjustment(self, merchant_id: str, sku: str) -> FitAdjustment:
        if sku == "SHIRT1":
            return FitAdjustment(
                4.0, True, "runs small: most buyers took one size up", "偏小：多数买家选大一码", 40
            )
        return FitAdjustment()


def test_fit_adjuster_moves_size_and_shows_strong_evidence(
    body_model: BodyModel, sizing_db: Database
) -> None:
    adjuster: FitAdjuster = RunsSmall()
    plain = SizingService(body_model, sizing_db).recommend(MERCHANT, "SHIRT1", MAN)
    adjusted = SizingService(body_model, sizing_db, adjuster).recommend(MERCHANT, "SHIRT1", MAN)
    sizes = list(plain.probabilities)
    assert plain.size is not None and adjusted.size is not None
    assert sizes.index(adjusted.size) == sizes.index(plain.size) + 1
    assert adjusted.fit_note == "runs small: most buyers took one size up"
    assert "runs small" in adjusted.explanation
    assert plain.fit_note is None


def test_cache_follows_catalog_version(service: SizingService, sizing_db: Database) -> None:
    service.merchant_charts(MERCHANT)
    with sizing_db.session() as session:
        session.add(
            Product(merchant_id=MERCHANT, sku="TEE3", title="Tee 3", category="tshirt", gender="men", price=1)
        )
        merchant = session.get(Merchant, MERCHANT)
        assert merchant is not None
        merchant.catalog_version += 1
    service.invalidate(MERCHANT)
    assert service.merchant_charts(MERCHANT).products["TEE3"].chart_id == "men-tee"


def test_estimate_needs_sex(service: SizingService) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.estimate(BodyInput(height_cm=170, weight_kg=60))
    assert caught.value.issues[0].column == "sex"
    estimate = service.estimate(BodyInput(height_cm=170, weight_kg=60, sex="f", waist_cm=70), "zh")
    waist = next(m for m in estimate.measurements if m.dimension == "waist")
    assert waist.measured and waist.estimate_cm == 70.0
    assert estimate.haoxing_top.startswith("170/")
    assert "号型" in estimate.explanation


def test_single_recommendation_has_neighbour_sizes_with_their_fit(service: SizingService) -> None:
    result = service.recommend(MERCHANT, "SHIRT1", MAN, None, "en")
    chart = service.merchant_charts(MERCHANT).charts[result.chart_id or ""]
    best = chart.sizes.index(result.size or "")
    expected = [chart.sizes[i] for i in (best - 1, best + 1) if 0 <= i < len(chart.sizes)]
    assert [n.size for n in result.neighbours] == expected
    for neighbour in result.neighbours:
        assert neighbour.probability == pytest.approx(result.probabilities[neighbour.size], abs=1e-4)
        assert [d.dimension for d in neighbour.dimensions] == [d.dimension for d in result.dimensions]
        index = chart.sizes.index(neighbour.size)
        chest = next(d for d in neighbour.dimensions if d.dimension == "chest")
        k = chart.dimensions.index("chest")
        assert chest.chart_range_cm == (chart.low[k, index], chart.high[k, index])
        # The same body: a bigger garment has more ease, a smaller one less.
        recommended_chest = next(d for d in result.dimensions if d.dimension == "chest")
        assert chest.body_cm == recommended_chest.body_cm
        assert chest.ease_cm is not None and recommended_chest.ease_cm is not None  # a garment chart
        assert (chest.ease_cm > recommended_chest.ease_cm) == (index > best)
    # A result page does not carry them.
    assert service.recommend_batch(MERCHANT, ["SHIRT1"], MAN)["SHIRT1"].neighbours == []


def test_products_sharing_a_chart_get_their_own_sku(service: SizingService) -> None:
    results = service.recommend_batch(MERCHANT, ["TEE1", "TEE2"], MAN)
    assert results["TEE1"].sku == "TEE1" and results["TEE2"].sku == "TEE2"
    assert results["TEE1"].size == results["TEE2"].size


def test_reference_estimate_follows_a_reloaded_chart_set(service: SizingService, sizing_db: Database) -> None:
    body = MAN.model_copy(update={"reference": ReferenceGarment(size="185/100A", brand="Hx")})
    before = service.recommend(MERCHANT, "TEE1", body)
    first = service.merchant_charts(MERCHANT)
    service.invalidate(MERCHANT)
    reloaded = service.merchant_charts(MERCHANT)
    assert reloaded is not first and reloaded.serial != first.serial
    assert service.recommend(MERCHANT, "TEE1", body).probabilities == before.probabilities
    # The estimate is keyed by what the reference says on the charts, so a changed chart is read anew.
    with sizing_db.session() as session:
        chart = session.scalars(select(SizeChart).where(SizeChart.chart_id == "shirt-hx")).one()
        chart.rows = [
            {**row, "measurements": {"chest": row["measurements"]["chest"] + 12.0}} for row in chart.rows
        ]
        _bump(session)
    service.invalidate(MERCHANT)
    after = service.recommend(MERCHANT, "TEE1", body)
    assert list(after.probabilities.values()) != list(before.probabilities.values())
    assert len({key[-1] for key in service._estimates if key[-1] is not None}) == 2


def test_size_gaps_place_the_buyer_on_the_chart_relative_to_the_bought_size(service: SizingService) -> None:
    body = {"height_cm": 175, "weight_kg": 72, "sex": "male"}
    chart_size = service.recommend(MERCHANT, "TEE1", BodyInput(**body)).size
    assert chart_size is not None
    sizes = [row["size"] for row in BODY_TOP_ROWS]
    index = sizes.index(chart_size)
    on_size, one_up, no_body, off_chart, no_chart = service.size_gaps(
        MERCHANT,
        [
            ("TEE1", chart_size, body),
            ("TEE1", sizes[index + 1], body),
            ("TEE1", chart_size, None),
            ("TEE1", "9XL", body),
            ("SCARF", "M", body),
        ],
    )
    assert abs(on_size) < 0.5
    assert one_up == pytest.approx(on_size - 1.0, abs=1e-3)
    assert no_body == off_chart == no_chart == 0.0


# ----- sizes a product is sold in -----


def _bump(session: Session) -> None:
    merchant = session.get(Merchant, MERCHANT)
    assert merchant is not None
    merchant.catalog_version += 1


def _add_products(database: Database, products: Mapping[str, tuple[str, Sequence[str]]]) -> None:
    """Products (sku -> (chart id, sizes sold)) in the shop; the category follows the chart."""
    kinds = {"men-tee": ("tshirt", "men"), "shirt-hx": ("shirt", "men"), "jeans": ("jeans", "women")}
    with database.session() as session:
        for sku, (chart_id, sizes) in products.items():
            category, gender = kinds[chart_id]
            product = Product(
                merchant_id=MERCHANT,
                sku=sku,
                title=sku,
                category=category,
                gender=gender,
                price=1,
                size_chart_id=chart_id,
            )
            product.variants = [Variant(size_label=size, position=i) for i, size in enumerate(sizes)]
            session.add(product)
        _bump(session)


def _sizes_shown(result: Recommendation) -> set[str | None]:
    return {
        result.size,
        *result.probabilities,
        *(a.size for a in result.alternatives),
        *(n.size for n in result.neighbours),
    }


def test_products_are_matched_on_the_chart_sizes_they_are_sold_in(
    service: SizingService, sizing_db: Database
) -> None:
    sizes = [row["size"] for row in BODY_TOP_ROWS]
    _add_products(
        sizing_db,
        {
            "TEE_SL": ("men-tee", ["S", "L", "XL"]),
            "TEE_sl": ("men-tee", ["xl", "s", "Large"]),  # labels are compared normalised
            "TEE_ALL": ("men-tee", sizes),
            "TEE_FREE": ("men-tee", ["One Size"]),  # none on the chart: no chart to match on
            "TEE_PART": ("men-tee", ["M", "9XL"]),  # only the sizes on the chart count
        },
    )
    charts = service.merchant_charts(MERCHANT)
    whole = charts.charts["men-tee"]
    restricted = charts.products["TEE_SL"].chart
    assert restricted is not None and restricted.sizes == ("S", "L", "XL")
    # One restricted chart per (chart, sizes), shared by the products sold in those sizes.
    assert charts.products["TEE_sl"].chart is restricted is charts.restricted[("men-tee", ("S", "L", "XL"))]
    assert charts.products["TEE_SL"].chart_id == "men-tee"
    for sku in ("TEE1", "TEE_ALL"):
        assert charts.products[sku].chart is whole
    free = charts.products["TEE_FREE"]
    assert free.chart is None and free.chart_id == "men-tee" and free.sizes_off_chart == ("One Size",)
    part = charts.products["TEE_PART"].chart
    assert part is not None and part.sizes == ("M",)
    assert set(charts.restricted) == {("men-tee", ("S", "L", "XL")), ("men-tee", ("M",))}


def test_sizes_spelled_otherwise_than_the_chart_are_matched_and_answered_in_the_products_labels(
    service: SizingService, sizing_db: Database
) -> None:
    # Audit 3: 170/88 on a chart of 170/88A..., W30 on a chart of 30... fell back to the whole chart.
    _add_products(
        sizing_db,
        {
            "SHIRT2": ("shirt-hx", ["170/88", "175/92"]),
            "JEANS_W": ("jeans", ["W28", "W30", "W32"]),
            "JEANS_WL": ("jeans", ['27"', "W28 L32", "W28 L34", "29W"]),
        },
    )
    charts = service.merchant_charts(MERCHANT)
    assert charts.products["SHIRT2"].chart is not None
    assert charts.products["SHIRT2"].chart.sizes == ("170/88", "175/92")
    assert charts.products["JEANS_WL"].chart is not None
    assert charts.products["JEANS_WL"].chart.sizes == ('27"', "W28 L32 / W28 L34", "29W")
    for height, weight in ((165, 60), (175, 70), (185, 90)):
        body = BodyInput(height_cm=height, weight_kg=weight, sex="male")
        shirt = service.recommend(MERCHANT, "SHIRT2", body)
        assert shirt.status == "ok" and list(shirt.probabilities) == ["170/88", "175/92"]
        assert _sizes_shown(shirt) <= {"170/88", "175/92"}
    for height, weight in ((160, 50), (168, 62), (175, 80)):
        body = BodyInput(height_cm=height, weight_kg=weight, sex="female")
        jeans = service.recommend(MERCHANT, "JEANS_W", body, lang="zh")
        assert list(jeans.probabilities) == ["W28", "W30", "W32"]
        assert _sizes_shown(jeans) <= {"W28", "W30", "W32"}


def test_a_product_none_of_whose_sizes_is_on_its_chart_gets_an_honest_no_chart_answer(
    service: SizingService, sizing_db: Database
) -> None:
    _add_products(sizing_db, {"TEE_FREE": ("men-tee", ["One Size"])})
    body = BodyInput(height_cm=175, weight_kg=70, sex="male")
    en = service.recommend(MERCHANT, "TEE_FREE", body)
    assert en.status == "no_chart" and en.size is None and not en.probabilities
    assert en.chart_id == "men-tee" and en.haoxing and en.haoxing in en.explanation
    assert "One Size" in en.explanation and "not on its size chart men-tee" in en.explanation
    zh = service.recommend_batch(MERCHANT, ["TEE_FREE", "TEE1"], body, lang="zh")
    assert zh["TEE_FREE"].status == "no_chart" and "不在它的尺码表" in zh["TEE_FREE"].explanation
    assert zh["TEE1"].status == "ok"


def test_a_size_the_product_is_not_sold_in_is_never_recommended(
    service: SizingService, sizing_db: Database
) -> None:
    _add_products(sizing_db, {"TEE_SL": ("men-tee", ["S", "L", "XL"])})
    # Chest and height in M's range, on S's side of its middle.
    body = BodyInput(height_cm=166, weight_kg=58, sex="male", chest_cm=89)
    page = service.recommend_batch(MERCHANT, ["TEE1", "TEE_SL"], body)
    # The same chart with other sizes sold is not a shared answer.
    assert page["TEE1"].size == "M" and page["TEE_SL"].size == "S"
    assert page["TEE_SL"].chart_id == "men-tee" and list(page["TEE_SL"].probabilities) == ["S", "L", "XL"]
    larger = BodyInput(height_cm=169, weight_kg=62, sex="male", chest_cm=91)
    single = service.recommend(MERCHANT, "TEE_SL", larger)
    assert single.size == "L"
    assert sum(single.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert [n.size for n in single.neighbours] == ["S", "XL"]
    assert _sizes_shown(single) <= {"S", "L", "XL"}


def test_the_largest_size_sold_is_recommended_over_a_larger_chart_size(
    service: SizingService, sizing_db: Database
) -> None:
    sold = [row["size"] for row in HAOXING_SHIRT_ROWS][1:-1]  # 165/84A .. 185/100A
    _add_products(sizing_db, {"SHIRT_TO_185": ("shirt-hx", sold)})
    body = BodyInput(height_cm=185, weight_kg=95, sex="male")
    assert service.recommend(MERCHANT, "SHIRT1", body).size == "190/104A"
    result = service.recommend(MERCHANT, "SHIRT_TO_185", body)
    assert result.size == "185/100A" and list(result.probabilities) == sold
    assert _sizes_shown(result) <= set(sold)


def test_every_size_shown_is_one_the_product_is_sold_in(service: SizingService, sizing_db: Database) -> None:
    offered = {
        "TEE_A": ("men-tee", ("S", "L", "XL")),
        "TEE_B": ("men-tee", ("M",)),
        "TEE_C": ("men-tee", ("XL", "3XL")),
        "SHIRT_A": ("shirt-hx", ("165/84A", "175/92A", "185/100A")),
        "JEAN_A": ("jeans", ("28", "30", "32")),
    }
    _add_products(sizing_db, offered)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        height=st.floats(150.0, 200.0),
        weight=st.floats(42.0, 130.0),
        sex=st.sampled_from(["male", "female"]),
        preference=st.sampled_from([None, "slim", "loose"]),
        sku=st.sampled_from(sorted(offered)),
    )
    def check(height: float, weight: float, sex: str, preference: str | None, sku: str) -> None:
        body = BodyInput(height_cm=height, weight_kg=weight, sex=sex)
        page = service.recommend_batch(MERCHANT, ["TEE1", *offered], body, preference)
        for each, result in page.items():
            if each in offered:
                assert _sizes_shown(result) <= set(offered[each][1])
        single = service.recommend(MERCHANT, sku, body, preference)
        assert _sizes_shown(single) <= set(offered[sku][1])
        assert single.size == page[sku].size

    check()


def _demo_merchant(database: Database, skus: set[str], brands: Sequence[str] = ()) -> str:
    """The demo catalog's rows for these products, their charts and every chart of ``brands``."""
    demo = REPO_ROOT / "data" / "demo"
    products = list(csv.reader(io.StringIO((demo / "products.csv").read_text(encoding="utf-8"))))
    charts = list(csv.reader(io.StringIO((demo / "size_charts.csv").read_text(encoding="utf-8"))))
    chart_column = products[0].index("size_chart")
    kept = [row for row in products[1:] if row[0] in skus]
    wanted = {row[chart_column] for row in kept}
    brand_column = charts[0].index("brand")
    chart_rows = [row for row in charts[1:] if row[0] in wanted or row[brand_column] in brands]

    def text(rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode("utf-8")

    with database.session() as session:
        merchant_id = create_merchant(session, "Demo-like", "demo-like").merchant_id
    import_catalog(
        database,
        merchant_id,
        charts=parse_chart_upload(text([charts[0], *chart_rows]), filename="charts.csv"),
        products=parse_product_upload(text([products[0], *kept]), filename="products.csv") if kept else None,
    )
    return merchant_id


def test_demo_catalog_products_get_only_sizes_they_are_sold_in(
    service: SizingService, sizing_db: Database
) -> None:
    """The audit's examples from the shipped demo catalog."""
    shop = _demo_merchant(sizing_db, {"MYN-1578", "MYN-17150", "MYN-5768"})
    tee = service.recommend(shop, "MYN-1578", BodyInput(height_cm=178, weight_kg=76, sex="male"))
    assert tee.size in ("S", "L") and _sizes_shown(tee) <= {"S", "L", "XL"}
    jacket = service.recommend(shop, "MYN-17150", BodyInput(height_cm=185, weight_kg=95, sex="male"))
    assert jacket.size == "185/100A"
    assert _sizes_shown(jacket) <= {"165/84A", "170/88A", "175/92A", "180/96A", "185/100A"}
    for height, weight in ((155, 45), (160, 50), (165, 58), (170, 70)):
        jeans = service.recommend(shop, "MYN-5768", BodyInput(height_cm=height, weight_kg=weight, sex="f"))
        assert _sizes_shown(jeans) <= {"28", "30", "32"}


# ----- reference garments -----


def _letters(dimension: str, start: float, sizes: Sequence[str], step: float = 4.0) -> list[dict[str, Any]]:
    return [
        {"size": size, "measurements": {dimension: [start + step * i, start + step * (i + 1)]}}
        for i, size in enumerate(sizes)
    ]


ACME = MerchantCharts(
    1,
    0.0,
    {
        chart_id: parse_chart(chart_id, rows, brand=brand, category=category, gender=gender)
        for chart_id, brand, category, gender, rows in (
            # Alphabetically first: the chart a man's "M" used to be read on.
            ("acme-capris-women", "Acme", "capris", "women", _letters("waist", 60.0, ("XS", "S", "M", "L"))),
            ("acme-hoodie", "Acme", "sweatshirt", "unisex", _letters("chest", 90.0, ("M", "L", "XL", "3XL"))),
            ("acme-jeans-men", "Acme", "jeans", "men", _letters("waist", 72.0, ("S", "M", "L", "XL"))),
            ("acme-shirt-men", "Acme", "shirt", "men", _letters("chest", 86.0, ("M", "L", "XL"))),
            ("acme-tee-men", "Acme", "tshirt", "men", _letters("chest", 84.0, ("S", "M", "L", "XL", "2XL"))),
            ("acme-tee-women", "Acme", "tshirt", "women", _letters("chest", 78.0, ("XS", "S", "M", "L"))),
            ("other-tee-women", "Other", "tshirt", "women", _letters("chest", 80.0, ("S", "M"))),
        )
    },
    {},
)


def _chosen(size: str, sex: str, category: str | None = None, context: str | None = None) -> str | None:
    reference = ReferenceGarment(size=size, brand="acme", category=category)
    chart = _brand_chart(reference, ACME, sex, context)
    return chart.chart_id if chart is not None else None


@pytest.mark.parametrize(
    ("size", "sex", "category", "context", "chart_id"),
    [
        ("M", "male", None, None, "acme-tee-men"),  # tops first, T-shirts first among tops
        ("M", "female", None, None, "acme-tee-women"),
        ("M", "female", "tshirt", None, "acme-tee-women"),  # not the men's T-shirt chart
        ("M", "male", "T恤", None, "acme-tee-men"),  # category words in either language
        ("M", "male", None, "jeans", "acme-jeans-men"),  # the kind of product asked about
        ("M", "male", None, "trousers", "acme-jeans-men"),  # ... or of its garment group
        ("M", "male", None, "shirt", "acme-shirt-men"),
        ("M", "male", "shirt", "jeans", "acme-shirt-men"),  # what the shopper said wins
        ("2XL", "male", None, "jeans", "acme-tee-men"),  # the size decides among the rest
        ("3XL", "male", None, None, "acme-hoodie"),  # unisex charts fit both
        ("3XL", "female", None, None, "acme-hoodie"),
        ("M", "male", "sweatshirt", None, "acme-hoodie"),
    ],
)
def test_reference_brand_chart_follows_sex_category_and_size(
    size: str, sex: str, category: str | None, context: str | None, chart_id: str
) -> None:
    assert _chosen(size, sex, category, context) == chart_id


def test_reference_size_or_category_the_brand_lacks_is_a_clear_error() -> None:
    assert _brand_chart(ReferenceGarment(size="M", brand="Nobody"), ACME, "male", None) is None
    with pytest.raises(InvalidInput) as caught:
        _chosen("XS", "male")  # only on women's charts
    (issue,) = caught.value.issues
    assert (issue.column, issue.value, caught.value.code) == (
        "reference.size",
        "XS",
        "unknown_reference_size",
    )
    assert "acme (men)" in str(caught.value) and "S, M, L, XL, 2XL" in issue.reason
    with pytest.raises(InvalidInput) as caught:
        _chosen("M", "male", "dress")
    assert caught.value.issues[0].column == "reference.category"
    with pytest.raises(InvalidInput) as caught:
        _brand_chart(ReferenceGarment(size="M", brand="Other"), ACME, "male", None)
    assert caught.value.issues[0].column == "reference" and "no size chart for men" in str(caught.value)


def test_reference_by_brand_alone_is_read_per_product_category(
    service: SizingService, sizing_db: Database
) -> None:
    with sizing_db.session() as session:
        session.add_all(
            [
                SizeChart(
                    merchant_id=MERCHANT,
                    chart_id="denimco-men",
                    name="Denimco men jeans",
                    brand="Denimco",
                    category="jeans",
                    gender="men",
                    rows=_letters("waist", 70.0, ("S", "M", "L", "XL")),
                ),
                SizeChart(
                    merchant_id=MERCHANT,
                    chart_id="denimco-tee",
                    name="Denimco men tees",
                    brand="Denimco",
                    category="tshirt",
                    gender="men",
                    rows=_letters("chest", 84.0, ("S", "M", "L", "XL")),
                ),
            ]
        )
        _bump(session)
    service.invalidate(MERCHANT)
    body = MAN.model_copy(update={"reference": ReferenceGarment(size="M", brand="Denimco")})
    service.recommend_batch(MERCHANT, ["TEE1", "SHIRT1"], body)
    charts = service.merchant_charts(MERCHANT)
    # A tee and a shirt both read "M" on the brand's tee chart (chest); nothing else was resolved.
    assert {key[2]: obs[0] for key, obs in charts.references.items()} == {"tshirt": "chest", "shirt": "chest"}
    resolved = resolve_body(body)
    jeans_body = service.estimate_body(resolved, "male", charts, "jeans")
    assert charts.references[(body.reference.model_dump_json(), "male", "jeans")][0] == "waist"  # type: ignore[union-attr]
    assert jeans_body.value("waist") != service.estimate_body(resolved, "male", None).value("waist")


def test_demo_brand_reference_is_read_on_a_chart_for_the_shopper(
    service: SizingService, sizing_db: Database
) -> None:
    shop = _demo_merchant(sizing_db, set(), ["ADIDAS"])
    charts = service.merchant_charts(shop)
    # The audit's man saying "M in ADIDAS" was read on the women's capris chart.
    for sex, category, context, chart_id in (
        ("male", None, None, "adidas-tshirt-men-letter"),
        ("male", None, "track_pants", "adidas-track-pants-men-letter"),
        ("female", "tshirt", None, "adidas-tshirt-women-letter"),
        ("female", None, "jacket", "adidas-jacket-women-letter"),
    ):
        reference = ReferenceGarment(size="M", brand="ADIDAS", category=category)
        chart = _brand_chart(reference, charts, sex, context)
        assert chart is not None and chart.chart_id == chart_id


def test_size_gaps_find_a_bought_size_spelled_otherwise_than_the_chart(
    service: SizingService, sizing_db: Database
) -> None:
    _add_products(sizing_db, {"JEANS_W": ("jeans", ["W28", "W30", "W32"])})
    body = {"height_cm": 165, "weight_kg": 58, "sex": "female"}
    spelled, plain = service.size_gaps(MERCHANT, [("JEANS_W", "W30", body), ("JEANS_W", "30", body)])
    assert spelled == plain != 0.0
