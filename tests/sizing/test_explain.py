"""Shopper-facing words: each audit finding as a regression test, plus properties over many bodies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sizing.body_model import BodyModel
from sizing.charts import ParsedChart, parse_chart
from sizing.explain import (
    LENGTH_VERDICT_LABELS,
    alternatives,
    deciding_input,
    dimensions_out,
    explanation,
)
from sizing.matching import LENGTHS, BodyVector, SizeMatch, match, match_many
from sizing.protocols import FitAdjustment
from tests.sizing.conftest import BODY_TOP_ROWS, HAOXING_SHIRT_ROWS

BODY_TOPS = parse_chart("men-tee", BODY_TOP_ROWS, kind="body", category="tshirt")
SHIRTS = parse_chart("shirt-hx", HAOXING_SHIRT_ROWS, kind="garment", fit="regular", category="shirt")
# Men's trousers body chart, waist and hip ranges sharing their boundaries (76-81, 81-86, ...).
TROUSER_ROWS: list[dict[str, Any]] = [
    {"size": str(size), "measurements": {"waist": [waist, waist + 5], "hip": [hip, hip + 5]}}
    for size, waist, hip in ((30, 71, 88), (32, 76, 93), (34, 81, 98), (36, 86, 103), (38, 91, 108))
]
TROUSERS = parse_chart("trousers", TROUSER_ROWS, kind="body", category="trousers")
# Women's dresses, garment chart with 号型 labels up to 180/100A.
DRESSES = parse_chart(
    "dress-hx",
    [
        {"size": f"{h}/{g}A", "measurements": {"bust": g + 10, "waist": g - 6, "hip": g + 12}}
        for h, g in ((160, 84), (165, 88), (170, 92), (175, 96), (180, 100))
    ],
    kind="garment",
    category="dress",
)
JACKETS = parse_chart(
    "jacket",
    [
        {"size": s, "measurements": {"chest": c, "length": 60 + 2 * i, "sleeve": 58 + 1.5 * i}}
        for i, (s, c) in enumerate((("S", 96), ("M", 100), ("L", 104), ("XL", 108)))
    ],
    kind="garment",
    category="jacket",
)
BODY_CHARTS: dict[str, tuple[ParsedChart, str]] = {
    "tops": (BODY_TOPS, "top"),
    "trousers": (TROUSERS, "bottom"),
}


def vector(model: BodyModel, sex: str, height: float, weight: float, **measured: float) -> BodyVector:
    estimate = model.estimate(sex, height, weight, 30, measured=measured or None)
    return BodyVector.from_estimate(estimate, height, weight)


def texts(result: SizeMatch) -> tuple[str, str, str, str]:
    (en, en_summary), (zh, zh_summary) = explanation(result, "en", True), explanation(result, "zh", True)
    return en, en_summary, zh, zh_summary


# ----- 1. the size quoted for the key dimension is the one whose range is nearest -----


def test_the_size_quoted_holds_the_body_value_even_when_another_size_is_recommended(
    body_model: BodyModel,
) -> None:
    # Audit: "Your waist of about 86 cm is closest to 32's 76-81 cm range" (86 lies in 34's 81-86).
    result = match(TROUSERS, vector(body_model, "male", 170, 80, waist=80.0, hip=100.0), "bottom")
    assert result.size == "34"  # the hip (in 34's range, tight in 32) pulls the pooled answer up
    en, _, zh, _ = texts(result)
    assert "Your waist of about 80 cm is in 32's 76-81 cm range, but 34 is the better overall match" in en
    assert "for your hip." in en and "closest to" not in en
    assert "你的腰围约 80 厘米，在 32 的 76-81 厘米范围内，但综合你的臀围，34 更合适。" in zh
    # The slim preference pulls the other way; the waist is judged on the preference-shifted body.
    slim = match(TROUSERS, vector(body_model, "male", 170, 85, waist=82.0, hip=95.0), "bottom", "slim")
    assert slim.size == "32"
    en, summary, zh, _ = texts(slim)
    assert "Your waist of about 82 cm is in 34's 81-86 cm range, but 32 is the better overall match" in en
    assert "your preference for a slim fit" in en and summary == "32 · good fit"
    assert "综合你的臀围和修身偏好，32 更合适。" in zh


def test_a_value_on_a_shared_boundary_is_told_about_the_recommended_size(body_model: BodyModel) -> None:
    result = match(TROUSERS, vector(body_model, "male", 175, 80, waist=86.0), "bottom")
    assert result.size == "34"
    assert "Your waist of about 86 cm is in 34's 81-86 cm range (good)." in texts(result)[0]


_NAMED = re.compile(r"Your (?:[a-z ]+) of about (\d+) cm (?:is in|matches|is closest to) (\S+)'s")


@settings(max_examples=80, deadline=None)
@given(
    chart_name=st.sampled_from(sorted(BODY_CHARTS)),
    waist=st.floats(60, 110),
    hip=st.floats(80, 120),
    chest=st.floats(75, 125),
    preference=st.sampled_from(["slim", "regular", "loose"]),
    offset=st.sampled_from([0.0, 4.0, -4.0]),
)
def test_no_size_named_is_further_from_the_body_than_another(
    body_model: BodyModel,
    chart_name: str,
    waist: float,
    hip: float,
    chest: float,
    preference: str,
    offset: float,
) -> None:
    chart, group = BODY_CHARTS[chart_name]
    body = vector(body_model, "male", 175, 75, chest=chest, waist=waist, hip=hip)
    adjustment = FitAdjustment(offset_cm=offset, strong=bool(offset), evidence_count=20)
    result = match(chart, body, group, preference, adjustment)
    named = _NAMED.search(texts(result)[0])
    assert named is not None and result.key is not None
    value, size = int(named.group(1)), named.group(2)
    k = chart.dimensions.index(result.key.dimension)

    def distance(index: int) -> int:  # on the numbers as the shopper reads them
        return max(round(chart.low[k, index]) - value, value - round(chart.high[k, index]), 0)

    assert distance(chart.sizes.index(size)) == min(distance(i) for i in range(len(chart.sizes)))


# ----- 2. the worst weighted dimension is never hidden -----


def test_a_tight_waist_is_named_next_to_a_good_chest(body_model: BodyModel) -> None:
    # Audit: a dress said "chest +8 cm (good)" while its waist was 7 cm below the body's.
    result = match(DRESSES, vector(body_model, "female", 168, 62, chest=88.0, waist=84.0, hip=96.0), "dress")
    verdicts = {fit.dimension: fit.verdict for fit in result.dimensions}
    assert verdicts["chest"] == "good" and verdicts["waist"] == "tight", verdicts
    en, en_summary, zh, zh_summary = texts(result)
    assert "The chest fits well, but it will be tight at the waist." in en
    assert en_summary == f"{result.size} · chest good, waist tight"
    assert "胸围合适，但腰围会太紧。" in zh
    assert zh_summary == f"建议 {result.size} · 胸围合适，腰围太紧"


# ----- 3. trade-offs follow the shopper's preference and the neighbours' own verdicts -----


def _tradeoff_texts(result: SizeMatch) -> list[str]:
    return [option.tradeoff for lang in ("en", "zh") for option in alternatives(result, lang)]


def test_tradeoff_describes_the_recommended_size_against_the_preference(body_model: BodyModel) -> None:
    body = vector(body_model, "male", 178, 75)
    slim = match_many([(SHIRTS, "top", FitAdjustment())], body, "slim", neighbours=True)[0]
    en = [option.tradeoff for option in alternatives(slim, "en")]
    zh = [option.tradeoff for option in alternatives(slim, "zh")]
    assert en and all(text.startswith(f"{slim.size} gives the slim fit you prefer; ") for text in en)
    assert all(text.startswith(f"{slim.size} 修身，合你的偏好；") for text in zh)
    loose = match_many([(SHIRTS, "top", FitAdjustment())], body, "loose", neighbours=True)[0]
    assert all("loose fit you prefer" in option.tradeoff for option in alternatives(loose, "en"))
    for text in _tradeoff_texts(slim) + _tradeoff_texts(loose):
        assert "if you like it" not in text and "喜欢宽松选" not in text and "喜欢修身选" not in text


def test_a_tight_neighbour_is_called_tight_not_fitted(body_model: BodyModel) -> None:
    # Audit: "30 if you like it fitted" where 30 would already be tight.
    body = vector(body_model, "male", 178, 75)
    result = match_many([(SHIRTS, "top", FitAdjustment())], body, "slim", neighbours=True)[0]
    smaller = [option for option in alternatives(result, "en") if option.direction == "smaller"]
    assert smaller, "the smaller size has real probability here"
    fits = dict(result.neighbours)[result.index - 1]
    # Verdicts are relative to the slim fit asked for: the chest is snug against it, the shoulder tight.
    assert {fit.dimension: fit.verdict for fit in fits} == {"chest": "snug", "shoulder": "tight"}
    assert smaller[0].tradeoff.endswith(f"{smaller[0].size} would be tight across the shoulders")
    zh = [option for option in alternatives(result, "zh") if option.direction == "smaller"]
    assert zh[0].tradeoff.endswith(f"{smaller[0].size} 肩宽会太紧")


def test_result_pages_without_neighbours_only_say_where_a_size_sits(body_model: BodyModel) -> None:
    result = match(SHIRTS, vector(body_model, "male", 175, 70, chest=97.0), "top")
    for option in alternatives(result, "en"):
        assert option.tradeoff.endswith(
            f"{option.size} is one size {'up' if option.direction == 'larger' else 'down'}"
        )
    for option in alternatives(result, "zh"):
        assert option.tradeoff.endswith(f"{option.size} {'大' if option.direction == 'larger' else '小'}一码")


@settings(max_examples=60, deadline=None)
@given(
    height=st.floats(155, 195),
    weight=st.floats(45, 120),
    preference=st.sampled_from(["slim", "regular", "loose"]),
    chart=st.sampled_from([SHIRTS, DRESSES, JACKETS]),
)
def test_every_tradeoff_matches_the_verdicts_it_describes(
    body_model: BodyModel, height: float, weight: float, preference: str, chart: ParsedChart
) -> None:
    group = {"shirt-hx": "top", "dress-hx": "dress", "jacket": "outerwear"}[chart.chart_id]
    body = vector(body_model, "female" if group == "dress" else "male", height, weight)
    result = match_many([(chart, group, FitAdjustment())], body, preference, neighbours=True)[0]
    neighbour_fits = dict(result.neighbours)
    for option in alternatives(result, "en"):
        ours, theirs = option.tradeoff.split("; ")
        index = result.chart.sizes.index(option.size)
        # Tightness is named unless the other size is tight there too (the key dimension always).
        also_tight = {f.dimension for f in neighbour_fits[index] if f.verdict == "tight"}
        recommended_tight = any(
            f.weight > 0
            and f.verdict == "tight"
            and (
                f.dimension not in also_tight
                or (result.key is not None and f.dimension == result.key.dimension)
            )
            for f in result.dimensions
        )
        assert ours.startswith(f"{result.size} will be ") == recommended_tight
        # Misfits the recommended size shares do not tell the two apart and are not named.
        shared = {(f.dimension, f.verdict) for f in result.dimensions}
        weighted = [
            f for f in neighbour_fits[index] if f.weight > 0 and (f.dimension, f.verdict) not in shared
        ]
        if all(f.verdict == "good" for f in weighted):
            assert theirs.startswith(f"{option.size} also fits")
        else:
            assert theirs.startswith(f"{option.size} would be ")
            worst = max(weighted, key=lambda f: {"tight": 3, "snug": 2, "loose": 1, "good": 0}[f.verdict])
            word = LENGTH_VERDICT_LABELS["en"][worst.verdict] if worst.dimension in LENGTHS else worst.verdict
            if preference != "regular" and worst.dimension in ("chest", "waist", "hip"):
                # Relative to the fit asked for: never "loose" as a drawback to someone who wants loose.
                word = {"loose": "roomier than you prefer", "snug": "snug"}.get(word, word)
                if preference == "loose" and worst.verdict == "snug":
                    word = "snugger than you prefer"
            assert word in theirs


# ----- 4. the largest size is not a promise -----


def test_even_the_largest_size_is_tight_in_every_girth_that_is(body_model: BodyModel) -> None:
    # Audit: "180/100A at 100% likely" with bust snug, waist and hip tight, and no warning.
    body = vector(body_model, "female", 170, 95, chest=105.0, waist=98.0, hip=112.0)
    result = match(DRESSES, body, "dress")
    verdicts = {fit.dimension: fit.verdict for fit in result.dimensions}
    assert result.size == "180/100A" and verdicts == {"chest": "snug", "waist": "tight", "hip": "tight"}
    en, en_summary, zh, zh_summary = texts(result)
    assert en.startswith("We recommend 180/100A (100% chance it is the best of the sizes offered).")
    assert "Even the largest size, 180/100A, will be tight at the waist and hip." in en
    assert "likely" not in en
    assert en_summary == "180/100A · tight even in the largest size"
    assert zh.startswith("推荐 180/100A（在现有尺码中最合适的概率为 100%）。")
    assert "即使是最大的 180/100A，腰围、臀围也会太紧。" in zh
    assert zh_summary == "建议 180/100A · 最大码仍偏紧"


def test_even_the_smallest_size_is_loose(body_model: BodyModel) -> None:
    result = match(BODY_TOPS, vector(body_model, "male", 160, 48, chest=76.0), "top")
    assert result.size == "S"
    en, _, zh, _ = texts(result)
    assert "Even the smallest size, S, will be loose at the chest." in en
    assert "即使是最小的 S，胸围也会偏松。" in zh


# ----- 5. lengths are short or long, never tight -----


def test_lengths_read_short_and_long(body_model: BodyModel) -> None:
    # Audit: a 160 cm woman was told jacket length "紧".
    result = match(JACKETS, vector(body_model, "female", 160, 52), "outerwear")
    lengths = [fit for fit in result.dimensions if fit.dimension in LENGTHS]
    assert {fit.dimension for fit in lengths} == {"length", "sleeve"}
    for lang, allowed in (
        ("en", {"too short", "a bit short", "good", "long"}),
        ("zh", {"太短", "偏短", "合适", "偏长"}),
    ):
        for out in dimensions_out(result.dimensions, lang):
            if out.dimension in LENGTHS:
                assert out.verdict_label in allowed
                assert out.verdict in ("tight", "snug", "good", "loose")  # the API codes stay the same
    tall = match(JACKETS, vector(body_model, "male", 195, 75), "outerwear")
    assert "tight in" not in texts(tall)[0] and "紧" not in "".join(
        out.verdict_label for out in dimensions_out(tall.dimensions, "zh") if out.dimension in LENGTHS
    )


# ----- 6. Chinese that reads naturally -----


def test_chinese_differences_use_big_and_small_without_signs(body_model: BodyModel) -> None:
    for chest in (80.0, 92.0, 110.0):
        result = match(SHIRTS, vector(body_model, "male", 175, 70, chest=chest), "top")
        en, _, zh, _ = texts(result)
        assert not re.search(r"(?<![\d])[+-]\d", zh) and not re.search(r"(?<![\d])[+-]\d", en)
        assert "多 " not in zh
        assert re.search(r"成衣(大|小) \d+ 厘米|两者相同", zh)
        assert re.search(
            r"\d+ cm (larger|smaller) than your chest of about \d+ cm|the same as your chest", en
        )
        assert f"推荐 {result.size}（" in zh and "码（" not in zh


def test_letter_sizes_keep_ma_and_deciding_inputs_all_carry_units(body_model: BodyModel) -> None:
    result = match(BODY_TOPS, vector(body_model, "male", 175, 70), "top")
    assert f"推荐 {result.size} 码（" in texts(result)[2]
    for dimension in ("chest", "shoulder", "sleeve", "inseam"):
        close = SizeMatch(
            chart=result.chart,
            probabilities=result.probabilities,
            index=result.index,
            dimensions=result.dimensions,
            deciding_dimension=dimension,
            close_call=True,
            adjustment=result.adjustment,
            key=result.key,
            rounded=result.rounded,
        )
        zh, en = deciding_input(close, "zh", False), deciding_input(close, "en", False)
        assert zh is not None and en is not None
        assert zh.label.startswith("你的") and zh.label.endswith("（厘米）")
        assert en.label.startswith("your ") and en.label.endswith(" (cm)")


# ----- 7. learning from returns is not counted twice -----


def test_runs_small_says_the_recommendation_already_moved(body_model: BodyModel) -> None:
    runs_small = FitAdjustment(
        offset_cm=4.0,
        strong=True,
        message="Runs small: 18 of 24 buyers found it too small; consider one size up.",
        message_zh="偏小：24 位买家中有 18 位觉得偏小，建议选大一个码。",
        evidence_count=24,
    )
    result = match(BODY_TOPS, vector(body_model, "male", 175, 70, chest=95.0), "top", "regular", runs_small)
    assert (result.unadjusted_index, result.size) == (BODY_TOPS.sizes.index("L"), "XL")
    en, _, zh, _ = texts(result)
    assert "Your chest of about 95 cm is in L's 92-96 cm range." in en
    assert "This style runs small (24 buyers' feedback), so we recommend XL rather than L." in en
    assert "consider" not in en and "closest to XL" not in en
    assert "根据 24 位买家的反馈，这款偏小，所以推荐 XL 而不是 L。" in zh and "建议选大" not in zh


def test_runs_small_that_did_not_move_the_size_says_it_still_wins(body_model: BodyModel) -> None:
    adjustment = FitAdjustment(offset_cm=1.0, strong=True, message="consider one size up", evidence_count=12)
    result = match(BODY_TOPS, vector(body_model, "male", 175, 70, chest=94.0), "top", "regular", adjustment)
    assert result.unadjusted_index == result.index
    en, _, zh, _ = texts(result)
    assert "This style runs small (12 buyers' feedback); with that taken into account, L is still" in en
    assert "already allows" not in en
    assert "根据 12 位买家的反馈，这款偏小；考虑到这一点后，L 码仍是最合适的。" in zh
    largest = match(BODY_TOPS, vector(body_model, "male", 190, 110), "top", "regular", adjustment)
    assert largest.size == BODY_TOPS.sizes[-1]
    assert "is already the largest size: it may still feel small." in texts(largest)[0]
    quiet = match(
        BODY_TOPS, vector(body_model, "male", 175, 70, chest=94.0), "top", "regular", FitAdjustment(4.0)
    )
    assert "runs small" not in texts(quiet)[0]  # weak evidence is not told


# Audit 3: a chart with 身高/体重 columns next to the girths (zh_body_top).
ZH_BODY_TOP = parse_chart(
    "zh_body_top",
    [
        {
            "size": size,
            "measurements": {
                "chest": [c, c + 4],
                "waist": [c - 14, c - 10],
                "height": [h, h + 5],
                "weight": [w, w + 7],
            },
        }
        for size, c, h, w in (
            ("S", 84, 160, 50),
            ("M", 88, 165, 57),
            ("L", 92, 170, 64),
            ("XL", 96, 175, 71),
            ("2XL", 100, 180, 78),
        )
    ],
    kind="body",
    category="tshirt",
)


@pytest.mark.parametrize("offset_cm, moved_to", [(4.0, "XL"), (-4.0, "M")])
def test_a_learned_offset_moves_the_size_on_a_chart_with_height_and_weight(
    body_model: BodyModel, offset_cm: float, moved_to: str
) -> None:
    # Before: the offset moved only chest and waist; height and weight rows (sharp, measured) kept L, and the
    # text said "the recommended size already allows for it".
    body = vector(body_model, "male", 172, 66)
    plain = match(ZH_BODY_TOP, body, "top")
    assert plain.size == "L"
    adjustment = FitAdjustment(offset_cm=offset_cm, strong=True, evidence_count=17)
    result = match(ZH_BODY_TOP, body, "top", "regular", adjustment)
    assert (result.size, result.unadjusted_index) == (moved_to, ZH_BODY_TOP.sizes.index("L"))
    assert all(fit.verdict == "good" for fit in result.dimensions)  # every dimension moved by one size
    en, _, zh, _ = texts(result)
    assert f"so we recommend {moved_to} rather than L." in en and "already allows" not in en
    assert f"所以推荐 {moved_to} 而不是 L。" in zh


# ----- en and zh say the same things -----


@settings(max_examples=60, deadline=None)
@given(
    chart=st.sampled_from([BODY_TOPS, TROUSERS, SHIRTS, DRESSES, JACKETS]),
    sex=st.sampled_from(["male", "female"]),
    height=st.floats(150, 200),
    weight=st.floats(40, 130),
    preference=st.sampled_from(["slim", "regular", "loose"]),
    offset=st.sampled_from([0.0, 4.0, -4.0]),
)
def test_english_and_chinese_are_parallel(
    body_model: BodyModel,
    chart: ParsedChart,
    sex: str,
    height: float,
    weight: float,
    preference: str,
    offset: float,
) -> None:
    group = {"trousers": "bottom", "dress-hx": "dress", "jacket": "outerwear"}.get(chart.chart_id, "top")
    adjustment = FitAdjustment(offset_cm=offset, strong=bool(offset), evidence_count=15)
    result = match_many(
        [(chart, group, adjustment)], vector(body_model, sex, height, weight), preference, True
    )[0]
    en, _, zh, _ = texts(result)
    assert en.count(". ") + 1 == zh.count("。"), (en, zh)
    assert [o.size for o in alternatives(result, "en")] == [o.size for o in alternatives(result, "zh")]
    for option in alternatives(result, "en") + alternatives(result, "zh"):
        assert "if you like it" not in option.tradeoff and "喜欢宽松选" not in option.tradeoff


def test_a_garment_bigger_than_the_body_says_why_it_is_still_tight(body_model: BodyModel) -> None:
    result = match(JACKETS, vector(body_model, "male", 180, 80, chest=100.0), "outerwear")
    en, _, zh, _ = texts(result)
    assert (
        "Its chest is 108 cm, 8 cm larger than your chest of about 100 cm "
        "(tight: this cut is made about 14 cm larger than the body)." in en
    )
    assert (
        "成衣胸围 108 厘米，你的胸围约 100 厘米，成衣大 8 厘米（紧：这个版型一般比身体大约 14 厘米）。" in zh
    )


def test_the_reason_for_another_size_names_what_pulls_towards_it(body_model: BodyModel) -> None:
    # A tall, slim shopper: the chest is in S's range, the height pulls the body chart to M.
    result = match(BODY_TOPS, vector(body_model, "male", 190, 68, chest=86.0), "top")
    en, en_summary, zh, zh_summary = texts(result)
    assert (
        "Your chest of about 86 cm is in S's 84-88 cm range, "
        "but M is the better overall match for your height." in en
    )
    assert "M will be too short for your height." in en
    assert en_summary == "M · chest good, too short for your height"
    assert (
        "你的胸围约 86 厘米，在 S 的 84-88 厘米范围内，但综合你的身高，M 更合适。M 按你的身高会太短。" in zh
    )
    assert zh_summary == "建议 M · 胸围合适，按身高太短"


# ----- audit 3: reasons and summaries -----

_INCH = 2.54
US_DRESSES = parse_chart(
    "us_women_dress",
    [
        {
            "size": size,
            "measurements": {
                "chest": [a * _INCH, b * _INCH],
                "waist": [c * _INCH, d * _INCH],
                "hip": [e * _INCH, f * _INCH],
            },
        }
        for size, a, b, c, d, e, f in (
            ("XS", 31, 32, 24, 25, 34, 35),
            ("S", 33, 34, 26, 27, 36, 37),
            ("M", 35, 36, 28, 29, 38, 39),
            ("L", 37.5, 39, 30.5, 32, 40.5, 42),
            ("XL", 40.5, 42, 33.5, 35, 43.5, 45),
        )
    ],
    kind="body",
    category="dress",
)


def test_only_dimensions_beyond_the_key_sizes_range_are_named_as_reasons(body_model: BodyModel) -> None:
    # Audit 3: "... in S's 83.8-86.4 cm range, but M is the better overall match for your waist and hip"
    # while the hip (93.6) lies inside S's hip range (91.4-94).
    result = match(US_DRESSES, vector(body_model, "female", 165, 55), "dress")
    hip = next(fit for fit in result.dimensions if fit.dimension == "hip")
    assert result.size == "M" and 91.4 <= hip.body_cm <= 94.0
    en, _, zh, _ = texts(result)
    assert "in S's 83.8-86.4 cm range, but M is the better overall match for your waist." in en
    assert "hip" not in en.split("better overall match")[1].split(".")[0]
    assert "但综合你的腰围，M 更合适" in zh


def test_the_english_card_summary_names_the_dimension_as_the_chinese_does(body_model: BodyModel) -> None:
    # Audit 3: en "L · snug fit" next to zh "胸围偏紧".
    result = match(US_DRESSES, vector(body_model, "female", 165, 55), "dress")
    _, en_summary, _, zh_summary = texts(result)
    assert (en_summary, zh_summary) == ("M · chest loose", "建议 M · 胸围偏松")
