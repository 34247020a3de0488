from __future__ import annotations

from collections.abc import Callable

import pytest

from fitguide.errors import InvalidInput
from sizing.units import parse_height, parse_length, parse_weight


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("165", 165.0),
        (165, 165.0),
        ("165cm", 165.0),
        ("165 厘米", 165.0),
        ("1.65m", 165.0),
        ("1.65", 165.0),
        ("1米65", 165.0),
        ("1米7", 170.0),
        ("一米七", 170.0),
        ("一米七五", 175.0),
        ("5'6\"", 167.64),
        ("5′6″", 167.64),
        ("5 ft 6 in", 167.64),
        ("5ft", 152.4),
        ("66in", 167.64),
        ("5.9ft", 179.83),  # decimal feet
        ("5.5 feet", 167.64),
        (1.75, 175.0),  # a number in metres
        (1, 100.0),
        (2.2, 220.0),
        (175, 175.0),
    ],
)
def test_heights(raw: str | float, expected: float) -> None:
    assert parse_height(raw) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("60kg", 60.0),
        ("60 kg", 60.0),
        ("60公斤", 60.0),
        ("110斤", 55.0),
        ("132 lb", 59.87),
        ("132lbs", 59.87),
        (60, 60.0),
        ("110jin", 55.0),
        ("110 jin", 55.0),
        ("11 st", 69.85),
        ("11stone", 69.85),
        ("11st 4lb", 71.67),
        ("11 st 4", 71.67),
        ("一百斤", 50.0),
        ("一百二十斤", 60.0),
        ("一百二斤", 60.0),  # colloquial: 一百二 is 120
        ("一百零五斤", 52.5),
        ("九十斤", 45.0),
        ("六十公斤", 60.0),
    ],
)
def test_weights(raw: str | int, expected: float) -> None:
    assert parse_weight(raw) == pytest.approx(expected, abs=0.01)


def test_girths_in_cm_and_inches() -> None:
    assert parse_length("88", "chest_cm") == 88.0
    assert parse_length("34in", "chest_cm") == pytest.approx(86.36)
    assert parse_length('34"', "chest_cm") == pytest.approx(86.36)


@pytest.mark.parametrize(
    ("parser", "raw", "code", "fragment", "fragment_zh"),
    [
        (parse_height, "-170", "out_of_range", "must be positive", "必须为正数"),
        (parse_height, "300cm", "out_of_range", "outside the plausible range", "超出合理范围"),
        (parse_height, "170 furlongs", "unknown_unit", "cannot read height", "无法识别的身高"),
        (parse_weight, "500kg", "out_of_range", "outside the plausible range", "超出合理范围"),
        (parse_weight, "10 bags", "unknown_unit", "cannot read weight", "无法识别的体重"),
        (parse_weight, "11st 15lb", "unknown_unit", "cannot read weight", "无法识别的体重"),
        (parse_weight, "一百十斤", "unknown_unit", "cannot read weight", "无法识别的体重"),
    ],
)
def test_errors_name_field_and_value(
    parser: Callable[[str], float], raw: str, code: str, fragment: str, fragment_zh: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parser(raw)
    issue = caught.value.issues[0]
    assert issue.value == raw
    assert issue.code == code
    assert fragment in issue.as_dict("en")["reason"]
    assert fragment_zh in issue.as_dict("zh")["reason"]
    assert issue.column in ("height", "weight")


def test_numbers_in_a_cm_field_are_cm() -> None:
    assert parse_height(175, "height_cm", numbers_in_cm=True) == 175.0
    with pytest.raises(InvalidInput) as caught:
        parse_height(1.75, "height_cm", numbers_in_cm=True)
    assert caught.value.issues[0].column == "height_cm"


@pytest.mark.parametrize(
    ("parser", "raw", "shown"),
    [
        # The value as given, never rounded (1.75 used to read "1.8 cm").
        (lambda raw: parse_height(raw, "height_cm", numbers_in_cm=True), 1.75, "1.75 cm is outside"),
        (parse_height, 2.6, "2.6 cm is outside"),
        (parse_height, 2.45, "2.45 (= 245 cm) is outside"),  # read as metres
        (parse_height, "300cm", "300cm is outside"),
        (parse_height, "300", "300 cm is outside"),
        (parse_weight, "600斤", "600斤 (= 300 kg) is outside"),
        (parse_weight, 250.5, "250.5 kg is outside"),
        (parse_weight, 300.0, "300 kg is outside"),
    ],
)
def test_range_errors_show_the_value_as_given(
    parser: Callable[[str | float], float], raw: str | float, shown: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parser(raw)
    issue = caught.value.issues[0]
    assert issue.value == raw
    assert issue.as_dict("en")["reason"].startswith(shown)
    assert issue.as_dict("zh")["reason"].startswith(shown.removesuffix(" is outside"))
