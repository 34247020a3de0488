"""Request and response shapes of the sizing API, and the normalisation of a shopper's body input.

Pydantic only checks shapes here; ``resolve_body`` reads units and checks plausibility so that every
problem comes back at once as an InvalidInput issue naming the field and value, in en and zh.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fitguide.errors import InvalidInput, Issue
from sizing.units import parse_height, parse_length, parse_weight

Number = float | int | str

_SEX_WORDS = {
    "female": "female",
    "f": "female",
    "woman": "female",
    "women": "female",
    "w": "female",
    "女": "female",
    "女性": "female",
    "女士": "female",
    "male": "male",
    "m": "male",
    "man": "male",
    "men": "male",
    "男": "male",
    "男性": "male",
    "男士": "male",
}
_FIT_WORDS = {
    "slim": "slim",
    "fitted": "slim",
    "tight": "slim",
    "修身": "slim",
    "紧身": "slim",
    "regular": "regular",
    "normal": "regular",
    "合身": "regular",
    "标准": "regular",
    "loose": "loose",
    "relaxed": "loose",
    "oversized": "loose",
    "宽松": "loose",
}
# Body shape -> (dimension, shift in residual sds) observed with a one-sd noise, i.e. a gentle nudge.
BODY_SHAPES: dict[str, tuple[tuple[str, float], ...]] = {
    "apple": (("waist", 1.0),),
    "pear": (("hip", 1.0),),
    "hourglass": (("waist", -0.8), ("hip", 0.5)),
    "athletic": (("chest", 0.7), ("waist", -0.5), ("shoulder", 0.7)),
    "rectangle": (),
    "average": (),
}
_SHAPE_WORDS = {
    "苹果型": "apple",
    "梨型": "pear",
    "沙漏型": "hourglass",
    "运动型": "athletic",
    "直筒型": "rectangle",
    "inverted triangle": "athletic",
    "triangle": "pear",
    "round": "apple",
}
MEASUREMENT_FIELDS: dict[str, str] = {
    "chest_cm": "chest",
    "bust_cm": "chest",
    "waist_cm": "waist",
    "hip_cm": "hip",
    "shoulder_cm": "shoulder",
    "neck_cm": "neck",
    "sleeve_cm": "sleeve",
    "arm_length_cm": "sleeve",
    "inseam_cm": "inseam",
}
# EU/CN cup letters: bust minus underbust, 10 cm for A, +2.5 cm a cup; US/UK: inches over the band.
_CUPS = ("AA", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K")
_US_CUP_ALIASES = {"DD": "E", "DDD": "F"}
BRA_BUST_SD_CM = 3.0


class ReferenceGarment(BaseModel):
    """'I wear M in brand X': a size in a chart FitGuide knows (by chart id, product sku or brand)."""

    size: str = Field(..., max_length=32)
    brand: str | None = Field(None, max_length=200)
    chart_id: str | None = Field(None, max_length=128)
    sku: str | None = Field(None, max_length=128)
    category: str | None = Field(None, max_length=100)


class BodyInput(BaseModel):
    """A shopper's body as given: height and weight are required, everything else refines."""

    model_config = ConfigDict(extra="forbid")

    height_cm: Number | None = None
    weight_kg: Number | None = None
    height: Number | None = Field(
        None,
        description='Height with a unit: "170cm", "1.70m", "1米7", "5\'7\\"" (number: cm; 1-2.5: m).',
    )
    weight: Number | None = Field(
        None, description='Weight with a unit: "60kg", "120斤", "132lb", "11st" (a number: kg).'
    )
    sex: str | None = Field(None, description="female|male (also f/m, women/men, 女/男).")
    age: float | None = None
    body_shape: str | None = Field(None, description="apple|pear|hourglass|athletic|rectangle")
    bra_size: str | None = Field(None, description='"75B" (EU/CN) or "34C" (US/UK).')
    chest_cm: Number | None = None
    bust_cm: Number | None = None
    waist_cm: Number | None = None
    hip_cm: Number | None = None
    shoulder_cm: Number | None = None
    neck_cm: Number | None = None
    sleeve_cm: Number | None = None
    arm_length_cm: Number | None = None
    inseam_cm: Number | None = None
    fit_preference: str | None = Field(None, description="slim|regular|loose")
    reference: ReferenceGarment | None = None


@dataclass
class ResolvedBody:
    """Body input in cm/kg with canonical words, after every check passed."""

    sex: str | None
    height_cm: float
    weight_kg: float
    age: float | None = None
    measured: dict[str, float] = field(default_factory=dict)
    observations: dict[str, tuple[float, float]] = field(default_factory=dict)
    shape_shifts: tuple[tuple[str, float], ...] = ()
    fit_preference: str | None = None
    reference: ReferenceGarment | None = None

    def cache_key(self) -> tuple[Any, ...]:
        return (
            self.sex,
            self.height_cm,
            self.weight_kg,
            self.age,
            tuple(sorted(self.measured.items())),
            tuple(sorted(self.observations.items())),
            self.shape_shifts,
        )


def _issue(column: str, value: object, reason: str, reason_zh: str, code: str = "invalid") -> Issue:
    return Issue(reason=reason, reason_zh=reason_zh, column=column, value=value, code=code)


def parse_sex(raw: str | None) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    return _SEX_WORDS.get(str(raw).strip().lower())


def parse_fit_preference(raw: str | None) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    return _FIT_WORDS.get(str(raw).strip().lower())


def parse_bra_size(raw: str) -> float | None:
    """Bust girth (cm) implied by a bra size: '75B' -> 87.5, '34C' -> 94.0; None if unreadable."""
    match = re.fullmatch(r"\s*(\d{2,3})\s*([A-Ka-k]{1,3})\s*", raw)
    if not match:
        return None
    band, cup = int(match.group(1)), match.group(2).upper()
    if band >= 60:  # EU/CN: band is the underbust in cm
        cup = _US_CUP_ALIASES.get(cup, cup)
        if cup not in _CUPS or band > 130:
            return None
        return band + 7.5 + 2.5 * _CUPS.index(cup)
    if 28 <= band <= 50:  # US/UK: band in inches, each cup one more inch of bust
        cup = _US_CUP_ALIASES.get(cup, cup)
        if cup not in _CUPS:
            return None
        return (band + _CUPS.index(cup)) * 2.54
    return None


def resolve_body(body: BodyInput, fit_preference: str | None = None) -> ResolvedBody:
    """Read units and check plausibility; raises one InvalidInput listing every problem."""
    issues: list[Issue] = []

    def attempt(fn: Callable[..., float], *args: Any) -> float | None:
        try:
            return fn(*args)
        except InvalidInput as error:
            issues.extend(error.issues)
            return None

    height = attempt(parse_height, body.height_cm, "height_cm", True) if body.height_cm is not None else None
    if height is None and body.height is not None:
        height = attempt(parse_height, body.height, "height")
    weight = attempt(parse_weight, body.weight_kg, "weight_kg") if body.weight_kg is not None else None
    if weight is None and body.weight is not None:
        weight = attempt(parse_weight, body.weight, "weight")
    if body.height_cm is None and body.height is None:
        issues.append(_issue("height", None, "height is required", "必须提供身高", "missing"))
    if body.weight_kg is None and body.weight is None:
        issues.append(_issue("weight", None, "weight is required", "必须提供体重", "missing"))

    sex = parse_sex(body.sex)
    if body.sex is not None and str(body.sex).strip() and sex is None:
        issues.append(_issue("sex", body.sex, "sex must be female or male", "性别应为女或男"))
    if body.age is not None and not (12 <= body.age <= 100):
        issues.append(
            _issue(
                "age", body.age, "age must be between 12 and 100", "年龄应在 12 到 100 岁之间", "out_of_range"
            )
        )

    measured: dict[str, float] = {}
    for field_name, dimension in MEASUREMENT_FIELDS.items():
        raw = getattr(body, field_name)
        if raw is not None:
            value = attempt(parse_length, raw, field_name)
            if value is not None:
                measured[dimension] = value

    observations: dict[str, tuple[float, float]] = {}
    if body.bra_size:
        bust = parse_bra_size(body.bra_size)
        if bust is None:
            issues.append(
                _issue(
                    "bra_size",
                    body.bra_size,
                    "bra size must look like 75B or 34C",
                    "文胸尺码应写成 75B 或 34C 的形式",
                )
            )
        elif "chest" not in measured:
            observations["chest"] = (bust, BRA_BUST_SD_CM)

    shape_shifts: tuple[tuple[str, float], ...] = ()
    if body.body_shape:
        word = body.body_shape.strip().lower()
        shape = _SHAPE_WORDS.get(word, word)
        if shape not in BODY_SHAPES:
            issues.append(
                _issue(
                    "body_shape",
                    body.body_shape,
                    f"body shape must be one of {', '.join(BODY_SHAPES)}",
                    "体型应为 苹果型、梨型、沙漏型、运动型 或 直筒型",
                )
            )
        else:
            shape_shifts = BODY_SHAPES[shape]

    preference_raw = fit_preference or body.fit_preference
    preference = parse_fit_preference(preference_raw)
    if preference_raw and preference is None:
        issues.append(
            _issue(
                "fit_preference",
                preference_raw,
                "fit preference must be slim, regular or loose",
                "版型偏好应为 修身、合身 或 宽松",
            )
        )

    if issues:
        raise InvalidInput(
            "The body measurements are invalid: " + "; ".join(f"{i.column}: {i.reason}" for i in issues),
            "身体数据有误：" + "；".join(f"{i.column}：{i.reason_zh}" for i in issues),
            issues=issues,
            code="invalid_body",
        )
    assert height is not None and weight is not None
    return ResolvedBody(
        sex=sex,
        height_cm=height,
        weight_kg=weight,
        age=body.age,
        measured=measured,
        observations=observations,
        shape_shifts=shape_shifts,
        fit_preference=preference,
        reference=body.reference,
    )


# ----- API request and response shapes -----

Lang = Literal["en", "zh"]


class EstimateRequest(BodyInput):
    lang: Lang | None = None
    merchant_id: str | None = Field(
        None, max_length=64, description="Whose brand size charts a `reference` garment is read on."
    )


class RecommendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: str = Field(..., max_length=64)
    sku: str = Field(..., max_length=128)
    body: BodyInput
    fit_preference: str | None = None
    lang: Lang | None = None


class BatchRecommendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: str = Field(..., max_length=64)
    skus: list[str] = Field(..., min_length=1, max_length=200)
    body: BodyInput
    fit_preference: str | None = None
    lang: Lang | None = None


class MeasurementOut(BaseModel):
    dimension: str
    label: str
    estimate_cm: float
    low_cm: float
    high_cm: float
    measured: bool


class EstimateResponse(BaseModel):
    sex: str
    height_cm: float
    weight_kg: float
    measurements: list[MeasurementOut]
    haoxing_top: str
    haoxing_bottom: str
    body_type: str
    interval: float = 0.8
    explanation: str


# Recommendation parts are plain dataclasses: a result page builds hundreds of them per request,
# and FastAPI still documents and serialises them.


@dataclass(slots=True)
class DimensionOut:
    dimension: str
    label: str
    body_cm: float
    garment_cm: float | None
    chart_range_cm: tuple[float, float]
    ease_cm: float | None
    target_ease_cm: float | None
    verdict: str  # tight | snug | good | loose
    verdict_label: str
    measured: bool
    weight: float


@dataclass(slots=True)
class AlternativeOut:
    size: str
    probability: float
    direction: Literal["smaller", "larger"]
    tradeoff: str


@dataclass(slots=True)
class NeighbourOut:
    """A size next to the recommended one, with its per-dimension fit (the widget's fit view)."""

    size: str
    probability: float
    dimensions: list[DimensionOut]


@dataclass(slots=True)
class DecidingInput:
    field: str
    label: str


@dataclass(slots=True)
class Recommendation:
    sku: str
    status: Literal["ok", "no_chart"]
    explanation: str
    fit_summary: str
    size: str | None = None
    probabilities: dict[str, float] = field(default_factory=dict)
    confidence: float | None = None
    alternatives: list[AlternativeOut] = field(default_factory=list)
    dimensions: list[DimensionOut] = field(default_factory=list)
    haoxing: str | None = None
    deciding_input: DecidingInput | None = None
    chart_id: str | None = None
    # False when the product has no size chart of its own and is sized by a chart of its brand or shop for
    # its category and gender (the explanation says which); None without a chart.
    chart_is_own: bool | None = None
    fit_note: str | None = None
    neighbours: list[NeighbourOut] = field(default_factory=list)  # single-product answers only


class BatchRecommendResponse(BaseModel):
    results: dict[str, Recommendation]
    unknown_skus: list[str] = Field(default_factory=list)
