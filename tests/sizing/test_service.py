from __future__ import annotations

import pytest

from fitguide.db import Database
from fitguide.errors import InvalidInput, NotFound
from sizing.body_model import BodyModel
from sizing.protocols import FitAdjuster, FitAdjustment
from sizing.schemas import BodyInput, ReferenceGarment
from sizing.service import SizingService
from tests.sizing.conftest import BODY_TOP_ROWS, MERCHANT

MAN = BodyInput(height_cm=175, weight_kg=70, sex="male")


def test_chart_resolution(service: SizingService) -> None:
    charts = service.merchant_charts(MERCHANT)
    assert charts.products["TEE1"].chart_id == "men-tee"  # its own chart
    assert charts.products["TEE2"].chart_id == "men-tee"  # same category + gender
    assert charts.products["JEAN1"].chart_id == "jeans"  # same brand + category + gender
    assert charts.products["SCARF"].chart_id is None


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
    from catalog.models import Merchant, Product

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


def test_reference_estimate_follows_a_reloaded_chart_set(service: SizingService) -> None:
    body = MAN.model_copy(update={"reference": ReferenceGarment(size="185/100A", brand="Hx")})
    before = service.recommend(MERCHANT, "TEE1", body)
    first = service.merchant_charts(MERCHANT)
    service.invalidate(MERCHANT)
    reloaded = service.merchant_charts(MERCHANT)
    assert reloaded is not first and reloaded.serial != first.serial
    # The estimate conditioned on the old chart set is not reused for the new one (even at the same address).
    again = service.recommend(MERCHANT, "TEE1", body)
    assert again.probabilities == before.probabilities
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
