from __future__ import annotations

import pytest

from fitguide.errors import InvalidInput
from sizing.schemas import BodyInput, EstimateRequest, parse_bra_size, resolve_body


def test_resolves_string_units_and_words() -> None:
    body = resolve_body(
        BodyInput(height="1米7", weight="120斤", sex="女", waist_cm="28in", fit_preference="宽松")
    )
    assert body.height_cm == 170.0
    assert body.weight_kg == 60.0
    assert body.sex == "female"
    assert body.measured["waist"] == pytest.approx(71.12)
    assert body.fit_preference == "loose"


@pytest.mark.parametrize(
    ("raw", "sex"), [("f", "female"), ("women", "female"), ("M", "male"), ("男", "male")]
)
def test_sex_words(raw: str, sex: str) -> None:
    assert resolve_body(BodyInput(height_cm=170, weight_kg=60, sex=raw)).sex == sex


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_body(
            BodyInput(height_cm=-170, weight="500kg", sex="x", bra_size="huge", fit_preference="baggy")
        )
    columns = {issue.column for issue in caught.value.issues}
    assert columns == {"height_cm", "weight", "sex", "bra_size", "fit_preference"}
    assert "身体数据有误" in caught.value.localized("zh")


def test_height_and_weight_required() -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_body(BodyInput(sex="f"))
    assert {issue.column for issue in caught.value.issues} == {"height", "weight"}
    assert all(issue.code == "missing" for issue in caught.value.issues)


@pytest.mark.parametrize(("raw", "bust"), [("75B", 87.5), ("75 b", 87.5), ("34C", 93.98), ("36DD", 104.14)])
def test_bra_sizes(raw: str, bust: float) -> None:
    assert parse_bra_size(raw) == pytest.approx(bust, abs=0.01)


def test_bra_size_becomes_a_chest_observation() -> None:
    body = resolve_body(BodyInput(height_cm=165, weight_kg=55, sex="f", bra_size="80C"))
    value, sd = body.observations["chest"]
    assert value == pytest.approx(95.0)
    assert sd > 1.0


def test_a_number_in_the_height_field_can_be_metres_but_not_in_height_cm() -> None:
    assert resolve_body(BodyInput(height=1.75, weight=70)).height_cm == 175.0
    assert resolve_body(BodyInput(height=175, weight=70)).height_cm == 175.0
    assert resolve_body(BodyInput(height="1.75", weight="11 st")).weight_kg == pytest.approx(69.85)
    with pytest.raises(InvalidInput) as caught:
        resolve_body(BodyInput(height_cm=1.75, weight_kg=70))
    (issue,) = caught.value.issues
    assert issue.column == "height_cm" and issue.value == 1.75
    assert issue.reason.startswith("1.75 cm is outside")


def test_the_estimate_request_takes_a_merchant_for_reference_garments() -> None:
    request = EstimateRequest(height_cm=170, weight_kg=60, merchant_id="shop", reference={"size": "M"})
    assert request.merchant_id == "shop" and request.reference is not None
    assert EstimateRequest(height_cm=170, weight_kg=60).merchant_id is None
