"""Heights, weights and girths as shoppers write them, converted to cm and kg.

Accepted: ``165``, ``165cm``, ``1.65m`` (also the number 1.65 in a field that is not in cm), ``1米65``,
``一米七``, ``5'6"``, ``5 ft 6 in``, ``5.9ft`` (decimal feet), ``66in``; ``60kg``, ``60公斤``, ``110斤`` or
``110jin`` (1 斤 = 0.5 kg), ``一百二十斤``, ``132 lb``, ``11 st`` or ``11st 4lb`` (1 stone = 14 lb); girths in
cm or inches. Anything else, and values outside a plausible human range, raise InvalidInput naming the field
and the value as given.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fitguide.errors import InvalidInput, Issue

INCH_CM = 2.54
POUND_KG = 0.45359237
JIN_KG = 0.5
STONE_KG = 14 * POUND_KG
# A bare number in this range, in a height field that is not in cm, is metres (1.75 -> 175 cm).
METRES_RANGE = (1.0, 2.5)

HEIGHT_RANGE_CM = (100.0, 230.0)
WEIGHT_RANGE_KG = (25.0, 250.0)
# Generous bounds for girths and lengths in cm; only absurd values are refused.
GIRTH_RANGE_CM = (20.0, 250.0)

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUMBER = r"(\d+(?:\.\d+)?)"


def invalid(field: str, value: object, reason: str, reason_zh: str, code: str = "invalid") -> InvalidInput:
    """An InvalidInput for one body field, with the same text in the message and the issue."""
    return InvalidInput(
        f"{field}: {reason}",
        f"{field}：{reason_zh}",
        issues=[Issue(reason=reason, reason_zh=reason_zh, column=field, value=value, code=code)],
        code="invalid_body",
    )


def _cn_number(text: str) -> int | None:
    """Chinese numerals up to 999: 七 -> 7, 六十五 -> 65, 十 -> 10, 一百零五 -> 105, 一百二十 and the
    colloquial 一百二 -> 120."""
    if not text:
        return None
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    if "百" in text:
        hundreds_text, _, rest = text.partition("百")
        hundreds = _CN_DIGITS.get(hundreds_text)
        if not hundreds:
            return None
        if not rest:
            return hundreds * 100
        if rest[0] in "零〇":
            ones = _CN_DIGITS.get(rest[1:])
            return None if ones is None else hundreds * 100 + ones
        if len(rest) == 1 and rest in _CN_DIGITS:
            return hundreds * 100 + _CN_DIGITS[rest] * 10  # 一百二 is 120
        tens = _cn_number(rest) if "十" in rest and not rest.startswith("十") else None
        return None if tens is None else hundreds * 100 + tens
    if "十" in text:
        tens_text, _, ones_text = text.partition("十")
        tens = _CN_DIGITS.get(tens_text) if tens_text else 1
        ones = _CN_DIGITS.get(ones_text) if ones_text else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    return None


def _normalise(raw: str) -> str:
    text = raw.strip().lower()
    for fancy, plain in (
        ("′", "'"),
        ("’", "'"),
        ("″", '"'),
        ("”", '"'),
        ("“", '"'),
        ("''", '"'),
        ("，", ","),
    ):
        text = text.replace(fancy, plain)
    return text


def _height_cm(text: str) -> float | None:
    compact = text.replace(" ", "")
    if match := re.fullmatch(_NUMBER + r"(cm|厘米|公分)?", compact):
        value = float(match.group(1))
        # A bare number below 3 is metres ("1.65"); otherwise cm.
        return value * 100 if match.group(2) is None and value < 3 else value
    if match := re.fullmatch(_NUMBER + r"(m|米)", compact):
        return float(match.group(1)) * 100
    if match := re.fullmatch(_NUMBER + r"(in|inch|inches|\")", compact):
        return float(match.group(1)) * INCH_CM
    # 1米65 / 1m65 / 一米七 / 一米六五
    if match := re.fullmatch(
        r"(\d|[一二两])(?:米|m)(\d{1,2}|[零〇一二三四五六七八九十]{1,3})?(?:cm|厘米)?", compact
    ):
        metres = int(match.group(1)) if match.group(1).isdigit() else _cn_number(match.group(1))
        rest = match.group(2) or ""
        if rest.isdigit():
            centimetres = int(rest) * (10 if len(rest) == 1 else 1)
        else:
            number = _cn_number(rest) if rest else 0
            if number is None:
                return None
            # 一米七 is 170 cm, 一米七五 is 175 cm: a single digit means tens of cm.
            centimetres = number * 10 if len(rest) == 1 and rest != "十" else number
        return float((metres or 0) * 100 + centimetres)
    # 5.9ft: decimal feet (5'6" is the feet-and-inches form below)
    if match := re.fullmatch(r"(\d\.\d+)(?:ft|feet|foot)", compact):
        return float(match.group(1)) * 12 * INCH_CM
    # 5'6", 5' 6, 5ft6in, 5 ft 6 in, 5 feet 6 inches
    feet_inches = r"(\d)\s*(?:'|ft|feet|foot)\s*(?:(\d{1,2}(?:\.\d+)?)\s*(?:\"|in|inch|inches)?)?"
    if match := re.fullmatch(feet_inches, text.strip()):
        inches = float(match.group(2)) if match.group(2) else 0.0
        if inches >= 12:
            return None
        return (int(match.group(1)) * 12 + inches) * INCH_CM
    return None


def _weight_kg(text: str) -> float | None:
    compact = text.replace(" ", "")
    # 11st, 11 stone, 11st 4lb, 11st4
    if match := re.fullmatch(_NUMBER + r"(?:st|stone|stones)(?:(\d{1,2}(?:\.\d+)?)(?:lb|lbs)?)?", compact):
        pounds = float(match.group(2)) if match.group(2) else 0.0
        return float(match.group(1)) * STONE_KG + pounds * POUND_KG if pounds < 14 else None
    # 一百二十斤, 六十公斤
    if match := re.fullmatch(r"([零〇一二两三四五六七八九十百]+)(斤|公斤|千克)", compact):
        number = _cn_number(match.group(1))
        if number is None:
            return None
        return number * JIN_KG if match.group(2) == "斤" else float(number)
    match = re.fullmatch(_NUMBER + r"(kg|kgs|千克|公斤|斤|jin|lb|lbs|pound|pounds|磅)?", compact)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    if unit in ("斤", "jin"):
        return value * JIN_KG
    if unit in ("lb", "lbs", "pound", "pounds", "磅"):
        return value * POUND_KG
    return value


def _length_cm(text: str) -> float | None:
    compact = text.replace(" ", "")
    match = re.fullmatch(_NUMBER + r"(cm|厘米|公分|in|inch|inches|\"|寸)?", compact)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    if unit in ("in", "inch", "inches", '"'):
        return value * INCH_CM
    if unit == "寸":  # Chinese market 寸 for waist: 1 寸 = 3.33 cm
        return value * 10 / 3
    return value


def _as_given(raw: object, value: float, unit: str) -> str:
    """The value as the shopper wrote it, and what it was read as when that differs: '1.75 cm',
    '600斤 (= 300 kg)'. Never rounded: a rounded 1.75 would read as 1.8."""
    given = str(raw).strip()
    if isinstance(raw, float) and given.endswith(".0"):
        given = given[:-2]
    read_as = f"{given} (= {round(value, 2):g} {unit})"
    if not isinstance(raw, str):  # a number is in the field's unit unless it was read as metres
        return f"{given} {unit}" if float(given) == value else read_as
    leading = re.match(_NUMBER, given)
    if leading is None or float(leading.group()) != value:
        return read_as
    return given if given[leading.end() :].strip() else f"{given} {unit}"


def _check_range(field: str, raw: object, value: float, bounds: tuple[float, float], unit: str) -> float:
    low, high = bounds
    if not (low <= value <= high):
        shown = _as_given(raw, value, unit)
        raise invalid(
            field,
            raw,
            f"{shown} is outside the plausible range {low:g}-{high:g} {unit}",
            f"{shown} 超出合理范围 {low:g}-{high:g} {unit}",
            code="out_of_range",
        )
    return round(value, 2)


def _parse(field: str, raw: str | float | int, parser: Callable[[str], float | None], kind: str) -> float:
    if isinstance(raw, bool):
        raise invalid(field, raw, "expected a number with a unit", "应为带单位的数字")
    if isinstance(raw, int | float):
        return float(raw)
    text = _normalise(str(raw))
    if text.startswith("-"):
        raise invalid(field, raw, "must be positive", "必须为正数", code="out_of_range")
    value = parser(text)
    if value is None:
        raise invalid(
            field,
            raw,
            f"cannot read {kind} '{raw}': use e.g. {_EXAMPLES[kind][0]}",
            f"无法识别的{_EXAMPLES[kind][2]} '{raw}'，请写成例如 {_EXAMPLES[kind][1]}",
            code="unknown_unit",
        )
    return float(value)


_EXAMPLES = {
    "height": ("170cm, 1.70m, 5'7\"", "170cm、1米7、1.70m", "身高"),
    "weight": ("60kg, 132lb", "60kg、120斤", "体重"),
    "length": ("88cm, 34in", "88cm、34in", "尺寸"),
}


def parse_height(raw: str | float | int, field: str = "height", numbers_in_cm: bool = False) -> float:
    """Height in cm from a number or a string with a unit (a bare number below 3 in a string is metres).

    A number is cm, or metres between 1.0 and 2.5 unless ``numbers_in_cm`` (a field named in cm, where
    1.75 is refused as 1.75 cm rather than guessed)."""
    value = _parse(field, raw, _height_cm, "height")
    if not numbers_in_cm and not isinstance(raw, str) and METRES_RANGE[0] <= value <= METRES_RANGE[1]:
        value *= 100
    return _check_range(field, raw, value, HEIGHT_RANGE_CM, "cm")


def parse_weight(raw: str | float | int, field: str = "weight") -> float:
    """Weight in kg from a number (kg) or a string with a unit (kg, 公斤, 斤/jin, lb, stone)."""
    return _check_range(field, raw, _parse(field, raw, _weight_kg, "weight"), WEIGHT_RANGE_KG, "kg")


def parse_length(raw: str | float | int, field: str) -> float:
    """A girth or body length in cm from a number (cm) or a string in cm or inches."""
    return _check_range(field, raw, _parse(field, raw, _length_cm, "length"), GIRTH_RANGE_CM, "cm")
