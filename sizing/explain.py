"""Shopper-facing words for a size match, in English and Chinese, and the GB/T 号型 of a body."""

from __future__ import annotations

from sizing.body_model import BodyEstimate
from sizing.matching import DIMENSION_LABELS, VERDICT_LABELS, DimensionFit, SizeMatch
from sizing.schemas import AlternativeOut, DecidingInput, DimensionOut, NeighbourOut
from sizing.size_systems import body_type

ALTERNATIVE_MIN_PROBABILITY = 0.15


def dimension_label(dimension: str, lang: str) -> str:
    en, zh = DIMENSION_LABELS.get(dimension, (dimension, dimension))
    return zh if lang == "zh" else en


def haoxing(height_cm: float, estimate: BodyEstimate, group: str) -> str:
    """GB/T 1335 号型: height class (5 cm) / chest (4 cm, tops) or waist (2 cm, bottoms) + body type."""
    chest, waist = estimate.value("chest"), estimate.value("waist")
    letter = body_type(chest, waist, estimate.sex)
    height_class = int(round(height_cm / 5.0) * 5)
    if group == "bottom":
        return f"{height_class}/{int(round(waist / 2.0) * 2)}{letter}"
    return f"{height_class}/{int(round(chest / 4.0) * 4)}{letter}"


def _fmt_range(low: float, high: float) -> str:
    return f"{low:.0f}" if abs(high - low) < 0.05 else f"{low:.0f}-{high:.0f}"


_LABELS = {
    "en": {dimension: en for dimension, (en, _) in DIMENSION_LABELS.items()},
    "zh": {dimension: zh for dimension, (_, zh) in DIMENSION_LABELS.items()},
}
_VERDICT_WORDS = {"en": {verdict: verdict for verdict in VERDICT_LABELS}, "zh": VERDICT_LABELS}


def dimensions_out(fits: tuple[DimensionFit, ...], lang: str) -> list[DimensionOut]:
    labels = _LABELS["zh" if lang == "zh" else "en"]
    verdicts = _VERDICT_WORDS["zh" if lang == "zh" else "en"]
    # Positional arguments in DimensionOut's field order (this runs for every dimension of a result page).
    return [
        DimensionOut(
            fit.dimension,
            labels.get(fit.dimension, fit.dimension),
            fit.body_cm,
            fit.garment_cm,
            (fit.chart_low, fit.chart_high),
            fit.ease_cm,
            fit.target_ease_cm,
            fit.verdict,
            verdicts[fit.verdict],
            fit.measured,
            fit.weight,
        )
        for fit in fits
    ]


def beyond_range(match: SizeMatch) -> str | None:
    """'largest' when even the largest size is tight, 'smallest' when even the smallest is loose."""
    key = match.key
    if key is None:
        return None
    if match.index == len(match.chart.sizes) - 1 and key.verdict == "tight":
        return "largest"
    if match.index == 0 and key.verdict == "loose":
        return "smallest"
    return None


def alternatives(match: SizeMatch, lang: str) -> list[AlternativeOut]:
    """Neighbouring sizes with real probability, each with its trade-off (never one that fits worse
    in the direction the recommended size already misses)."""
    options = []
    best = match.index
    verdict = match.key.verdict if match.key else "good"
    for index in (best - 1, best + 1):
        if (index < best and verdict == "tight") or (index > best and verdict == "loose"):
            continue
        # The size that relieves a tight (or loose) key dimension is always worth naming.
        relieves = (index > best and verdict == "tight") or (index < best and verdict == "loose")
        likely = 0 <= index < len(match.chart.sizes) and match.rounded[index] >= ALTERNATIVE_MIN_PROBABILITY
        if 0 <= index < len(match.chart.sizes) and (likely or relieves):
            size = match.chart.sizes[index]
            larger = index > best
            if lang == "zh":
                text = f"{match.size} 合身，喜欢{'宽松' if larger else '修身'}选 {size}"
            else:
                text = f"{match.size} fits regular, {size} if you like it {'loose' if larger else 'fitted'}"
            options.append(
                AlternativeOut(
                    size=size,
                    probability=round(match.rounded[index], 3),
                    direction="larger" if larger else "smaller",
                    tradeoff=text,
                )
            )
    return sorted(options, key=lambda option: -option.probability)


def neighbours(match: SizeMatch, lang: str) -> list[NeighbourOut]:
    """The sizes either side of the recommended one with their per-dimension fit, in chart order."""
    return [
        NeighbourOut(
            size=match.chart.sizes[index],
            probability=match.rounded[index],
            dimensions=dimensions_out(fits, lang),
        )
        for index, fits in match.neighbours
    ]


def deciding_input(match: SizeMatch, lang: str, has_reference: bool) -> DecidingInput | None:
    if not match.close_call:
        return None
    if match.deciding_dimension is not None:
        dimension = match.deciding_dimension
        label = (
            f"你的{dimension_label(dimension, 'zh')}"
            if lang == "zh"
            else f"your {dimension_label(dimension, 'en')}"
        )
        if dimension in ("chest", "waist", "hip", "neck"):
            label += "（厘米）" if lang == "zh" else " girth"
        return DecidingInput(field=f"{dimension}_cm", label=label)
    if not has_reference:
        label = "你在熟悉的品牌穿的尺码" if lang == "zh" else "the size you wear in a brand you know"
        return DecidingInput(field="reference", label=label)
    return None


def explanation(match: SizeMatch, lang: str, estimated_from_basics: bool) -> tuple[str, str]:
    """(explanation, one-line fit summary for a product card)."""
    size, percent = match.size, round(match.confidence * 100)
    garment = match.chart.kind == "garment"
    key = match.key
    edge = beyond_range(match)
    parts: list[str] = []
    if lang == "zh":
        summary = f"建议 {size} · {VERDICT_LABELS[key.verdict] if key else '合适'}（{percent}%）"
        parts.append(f"推荐 {size} 码（把握 {percent}%）。")
        if edge == "largest":
            parts.append(f"{size} 已是最大码，可能仍然偏紧。")
        elif edge == "smallest":
            parts.append(f"{size} 已是最小码，可能仍然偏大。")
        if key is not None:
            label = dimension_label(key.dimension, "zh")
            if garment:
                parts.append(
                    f"成衣{label} {(key.chart_low + key.chart_high) / 2:.0f} 厘米，"
                    f"比你的{label} {key.body_cm:.0f} 厘米多 {key.ease_cm:+.0f} 厘米，"
                    f"{VERDICT_LABELS[key.verdict]}。"
                )
            else:
                parts.append(
                    f"你的{label}约 {key.body_cm:.0f} 厘米，"
                    f"{size} 码为 {_fmt_range(key.chart_low, key.chart_high)} 厘米"
                    f"（{VERDICT_LABELS[key.verdict]}）。"
                )
        if estimated_from_basics and key is not None and not key.measured:
            parts.append("身体尺寸由身高体重估算。")
        if match.adjustment.strong and match.adjustment.message_zh:
            parts.append(match.adjustment.message_zh)
        return "".join(parts), summary
    summary = f"{size} · {key.verdict if key else 'good'} fit ({percent}%)"
    parts.append(f"{size} is the best match ({percent}% likely).")
    if edge == "largest":
        parts.append("It is the largest size and may still be tight.")
    elif edge == "smallest":
        parts.append("It is the smallest size and may still be loose.")
    if key is not None:
        label = dimension_label(key.dimension, "en")
        if garment:
            parts.append(
                f"Its {label} of {(key.chart_low + key.chart_high) / 2:.0f} cm gives {key.ease_cm:+.0f} cm "
                f"over your {key.body_cm:.0f} cm ({key.verdict})."
            )
        else:
            inside = key.chart_low - 0.5 <= key.body_cm <= key.chart_high + 0.5
            parts.append(
                f"Your {label} of about {key.body_cm:.0f} cm {'is in' if inside else 'is closest to'} "
                f"{size}'s "
                f"{_fmt_range(key.chart_low, key.chart_high)} cm range ({key.verdict})."
            )
    if estimated_from_basics and key is not None and not key.measured:
        parts.append("Body measurements are estimated from your height and weight.")
    if match.adjustment.strong and match.adjustment.message:
        parts.append(match.adjustment.message)
    return " ".join(parts), summary
