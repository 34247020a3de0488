"""Shopper-facing words for a size match, in English and Chinese, and the GB/T 号型 of a body.

This runs for every product of a result page, so it is plain string work on the handful of per-dimension
fits ``sizing.matching`` already computed (the only chart look-up is the nearest size when the body lies
outside the recommended size's range). Every sentence is built in both languages from the same facts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from catalog.taxonomy import label as taxonomy_label
from sizing.body_model import BodyEstimate
from sizing.charts import ParsedChart
from sizing.matching import (
    DIMENSION_LABELS,
    GIRTHS,
    LENGTHS,
    PREFERENCE_SHIFT,
    VERDICTS,
    DimensionFit,
    SizeMatch,
)
from sizing.schemas import AlternativeOut, DecidingInput, DimensionOut, NeighbourOut
from sizing.size_systems import body_type

ALTERNATIVE_MIN_PROBABILITY = 0.15

# Verdict labels of the dimension list; lengths read short/long (a too-short sleeve is not "tight").
VERDICT_LABELS = {
    "en": {"tight": "tight", "snug": "snug", "good": "good", "loose": "loose"},
    "zh": {"tight": "紧", "snug": "偏紧", "good": "合适", "loose": "宽松"},
}
LENGTH_VERDICT_LABELS = {
    "en": {"tight": "too short", "snug": "a bit short", "good": "good", "loose": "long"},
    "zh": {"tight": "太短", "snug": "偏短", "good": "合适", "loose": "偏长"},
}
# The same verdicts inside a Chinese sentence ("腰围会太紧"), and in a card summary ("腰围太紧").
_ZH_SENTENCE_WORDS = {"tight": "太紧", "snug": "偏紧", "good": "合适", "loose": "偏松"}
# A girth verdict said to a shopper who asked for a slim or loose fit: verdicts are relative to the
# preference, so "loose" means roomier than the fit they asked for, not a roomy garment as such.
_RELATIVE_WORDS = {
    "en": {"roomier": "roomier than you prefer", "snugger": "snugger than you prefer"},
    "zh": {"roomier": "比你喜欢的更宽松", "snugger": "不够宽松"},
}
_EN_WHERE = {
    "chest": "at the chest",
    "waist": "at the waist",
    "hip": "at the hip",
    "shoulder": "across the shoulders",
    "neck": "at the neck",
    "length": "overall",
    "sleeve": "in the sleeves",
    "inseam": "in the leg",
    "height": "for your height",
    "weight": "for your weight",
}
_ZH_FOR_BODY = {"height": "按你的身高", "weight": "按你的体重"}
# The size against the shopper's weight (a body lighter than the size's range: the size is large for it).
_ZH_BODY_WORDS = {"weight": {"tight": "太小", "snug": "偏小", "good": "合适", "loose": "偏大"}}
# Worst first: too small hurts more than too big at the same distance from a good fit.
_SEVERITY = {"tight": 3, "snug": 2, "loose": 1, "good": 0}
# Dimensions a body can be "beyond the chart" in: girths and breadths (not lengths, not weight).
_BEYOND = frozenset({*GIRTHS, "shoulder", "neck"})
_PREFERENCE_WORDS = {"slim": ("slim", "修身"), "loose": ("loose", "宽松")}
# Dimensions the garment group does not weigh (weight 0) are listed with their verdicts but do not choose
# the size; the text still names the notable ones: a girth or breadth that is tight or loose, and a length
# off by more than these (cm; too short hurts sooner than long, which can be hemmed). Categories cut
# short on purpose are not nagged about their length.
LENGTH_MISFIT_CM = {"short": 5.0, "long": 10.0}
CROPPED_CATEGORIES = frozenset({"capris", "shorts"})
_YOUR_LENGTH = {
    "inseam": ("your leg", "你的腿"),
    "sleeve": ("your arm", "你的手臂"),
    "length": ("the length that suits your height", "适合你身高的衣长"),
}


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


def verdict_label(fit: DimensionFit, lang: str) -> str:
    return _LABEL_WORDS["zh" if lang == "zh" else "en"][fit.dimension, fit.verdict]


def _fmt_cm(value: float) -> str:
    """65 -> "65", 65.5 -> "65.5" (a chart's half centimetres are kept, never rounded to even)."""
    return f"{_as_written(value):g}"


def _as_written(value: float) -> float:
    return round(value, 1)


def _fmt_range(low: float, high: float) -> str:
    return _fmt_cm(low) if _fmt_cm(low) == _fmt_cm(high) else f"{_fmt_cm(low)}-{_fmt_cm(high)}"


_LABELS = {
    "en": {dimension: en for dimension, (en, _) in DIMENSION_LABELS.items()},
    "zh": {dimension: zh for dimension, (_, zh) in DIMENSION_LABELS.items()},
}


def dimensions_out(fits: tuple[DimensionFit, ...], lang: str) -> list[DimensionOut]:
    code = "zh" if lang == "zh" else "en"
    labels, verdicts, length_verdicts = _LABELS[code], VERDICT_LABELS[code], LENGTH_VERDICT_LABELS[code]
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
            (length_verdicts if fit.dimension in LENGTHS else verdicts)[fit.verdict],
            fit.measured,
            fit.weight,
        )
        for fit in fits
    ]


# ----- phrases shared by the explanation, the summary and the trade-offs -----


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _worst(fits: Iterable[DimensionFit], skip: Collection[str] = ()) -> list[DimensionFit]:
    """The weighted dimensions that share the worst verdict (empty when every weighted one is good)."""
    worst: list[DimensionFit] = []
    rank = 0
    for fit in fits:
        if fit.weight <= 0 or fit.verdict == "good" or fit.dimension in skip:
            continue
        severity = _SEVERITY[fit.verdict]
        if severity > rank:
            worst, rank = [fit], severity
        elif severity == rank:
            worst.append(fit)
    return worst


def _word_key(fit: DimensionFit, preference: str) -> str:
    """The verdict as worded for this shopper: a girth's loose (snug) reads "roomier (snugger) than you
    prefer" when they asked for a slim or loose fit."""
    if preference != "regular" and fit.dimension in GIRTHS:
        if fit.verdict == "loose":
            return "roomier"
        if fit.verdict == "snug" and preference == "loose":
            return "snugger"
    return fit.verdict


def _predicate(
    fits: Sequence[DimensionFit], lang: str, also: bool = False, preference: str = "regular"
) -> str:
    """en "tight at the waist and hip" (after "will be"); zh "腰围、臀围会太紧" (a whole clause)."""
    if len(fits) == 1:  # the usual case
        fit = fits[0]
        table = ("zh也会" if also else "zh会") if lang == "zh" else "en"
        return _PREDICATES[table][fit.dimension, _word_key(fit, preference)]
    if lang == "zh":
        verb = "也会" if also else "会"
        clauses: dict[str, list[str]] = {}
        for fit in fits:
            word = _zh_word(fit.dimension, _word_key(fit, preference))
            if fit.dimension in _ZH_FOR_BODY:
                clauses.setdefault(f"{_ZH_FOR_BODY[fit.dimension]}{verb}{word}", [])
            else:
                clauses.setdefault(word, []).append(dimension_label(fit.dimension, "zh"))
        return "，".join(
            f"{'、'.join(labels)}{verb}{word}" if labels else word for word, labels in clauses.items()
        )
    by_word: dict[str, tuple[list[str], list[str]]] = {}
    for fit in fits:
        word = _LABEL_WORDS["en"][fit.dimension, _word_key(fit, preference)]
        at, other = by_word.setdefault(word, ([], []))
        where = _en_where(fit.dimension)
        if where.startswith("at the "):
            at.append(where.removeprefix("at the "))
        else:
            other.append(where)
    return " and ".join(
        f"{word} {_and(([f'at the {_and(at)}'] if at else []) + other)}"
        for word, (at, other) in by_word.items()
    )


def _zh_word(dimension: str, verdict: str) -> str:
    if dimension == "weight":
        return _ZH_BODY_WORDS["weight"][verdict]
    if dimension in LENGTHS:
        return LENGTH_VERDICT_LABELS["zh"][verdict]
    return _RELATIVE_WORDS["zh"].get(verdict) or _ZH_SENTENCE_WORDS[verdict]


def _en_where(dimension: str) -> str:
    return _EN_WHERE.get(dimension) or f"in {dimension_label(dimension, 'en')}"


# Phrases per (dimension, verdict), built once: text is made for every product of a result page.
_LABEL_WORDS = {
    lang: {
        **{
            (dimension, verdict): (LENGTH_VERDICT_LABELS if dimension in LENGTHS else VERDICT_LABELS)[lang][
                verdict
            ]
            for dimension in DIMENSION_LABELS
            for verdict in VERDICTS
        },
        **{(girth, key): word for girth in GIRTHS for key, word in _RELATIVE_WORDS[lang].items()},
    }
    for lang in ("en", "zh")
}
_WORD_KEYS = [*(key for key in VERDICTS if key != "good"), *_RELATIVE_WORDS["en"]]
# One dimension's predicate: en "tight at the chest", zh "胸围会太紧" / "胸围也会太紧".
_PREDICATES = {
    "en": {
        (d, v): f"{_LABEL_WORDS['en'][d, v]} {_en_where(d)}"
        for d in DIMENSION_LABELS
        for v in _WORD_KEYS
        if (d, v) in _LABEL_WORDS["en"]
    },
    **{
        f"zh{verb}": {
            (d, v): f"{_ZH_FOR_BODY.get(d, DIMENSION_LABELS[d][1])}{verb}{_zh_word(d, v)}"
            for d in DIMENSION_LABELS
            for v in _WORD_KEYS
            if (d, v) in _LABEL_WORDS["zh"]
        }
        for verb in ("会", "也会")
    },
}
# A dimension in the card summary: "chest good", "too short for your height"; "胸围合适", "按身高太短".
_SUMMARY_PARTS = {
    "en": {
        (d, v): f"{_LABEL_WORDS['en'][d, v]} for your {DIMENSION_LABELS[d][0]}"
        if d in _ZH_FOR_BODY
        else f"{DIMENSION_LABELS[d][0]} {_LABEL_WORDS['en'][d, v]}"
        for d in DIMENSION_LABELS
        for v in VERDICTS
    },
    # "肩宽太紧", "按你的身高偏短", "按你的体重偏大" (the terse list labels 紧/宽松 read clipped here).
    "zh": {
        (d, v): f"{'按' if d in _ZH_FOR_BODY else ''}{DIMENSION_LABELS[d][1]}{_zh_word(d, v)}"
        for d in DIMENSION_LABELS
        for v in VERDICTS
    },
}


def _size_words(size: str) -> str:
    """zh "推荐 M 码" but "推荐 165/88A" (a 号型 is not followed by 码)."""
    return size if "/" in size or "码" in size else f"{size} 码"


# ----- dimensions that did not choose the size -----


def length_misfit_cm(fit: DimensionFit) -> float:
    """Garment minus what suits the body (cm; negative: too short/small): the garment's slack against the
    ease it is cut with, or on a body chart how far the body lies outside the size's range."""
    if fit.ease_cm is not None and fit.target_ease_cm is not None:
        return fit.ease_cm - fit.target_ease_cm
    if fit.body_cm > fit.chart_high:
        return fit.chart_high - fit.body_cm
    if fit.body_cm < fit.chart_low:
        return fit.chart_low - fit.body_cm
    return 0.0


def unweighted_notes(match: SizeMatch) -> tuple[list[DimensionFit], list[tuple[DimensionFit, float]]]:
    """(tight or loose girths and breadths, (length, misfit cm) beyond LENGTH_MISFIT_CM) among the
    dimensions that did not choose the size."""
    girths: list[DimensionFit] = []
    lengths: list[tuple[DimensionFit, float]] = []
    cropped = match.chart.category in CROPPED_CATEGORIES
    for fit in match.dimensions:
        if fit.weight > 0:
            continue
        if fit.dimension in _BEYOND and fit.verdict in ("tight", "loose"):
            girths.append(fit)
        elif fit.dimension in LENGTHS and not cropped:
            misfit = length_misfit_cm(fit)
            if misfit <= -LENGTH_MISFIT_CM["short"] or misfit >= LENGTH_MISFIT_CM["long"]:
                lengths.append((fit, misfit))
    return girths, lengths


def _unweighted_sentences(
    size: str, girths: list[DimensionFit], lengths: list[tuple[DimensionFit, float]], lang: str
) -> list[str]:
    sentences = []
    if girths:
        predicate = _predicate(girths, lang)
        sentences.append(
            f"未用于选码：{predicate}。"
            if lang == "zh"
            else f"Not used to choose the size: {size} will be {predicate}."
        )
    for fit, misfit in lengths:
        amount = round(abs(misfit))
        en_yours, zh_yours = _YOUR_LENGTH.get(fit.dimension, ("your height", "你的身高"))
        if lang == "zh":
            label = dimension_label(fit.dimension, "zh")
            sentences.append(
                f"{label}比{zh_yours}{'短' if misfit < 0 else '长'}约 {amount} 厘米（未用于选码）。"
            )
        else:
            label = dimension_label(fit.dimension, "en")
            sentences.append(
                f"The {label} is about {amount} cm {'shorter' if misfit < 0 else 'longer'} than {en_yours} "
                "(not used to choose the size)."
            )
    return sentences


# ----- beyond the chart -----


def beyond_range(match: SizeMatch) -> tuple[str, list[DimensionFit]] | None:
    """("largest", the tight weighted girths) when even the largest size is tight somewhere that matters;
    ("smallest", the loose ones) when even the smallest size is loose."""
    last = len(match.chart.sizes) - 1
    if match.index == last:
        tight = [
            f for f in match.dimensions if f.weight > 0 and f.dimension in _BEYOND and f.verdict == "tight"
        ]
        if tight:
            return "largest", tight
    if match.index == 0:
        loose = [
            f for f in match.dimensions if f.weight > 0 and f.dimension in _BEYOND and f.verdict == "loose"
        ]
        if loose:
            return "smallest", loose
    return None


# ----- how the recommended size feels against the shopper's preference -----


def _feel(match: SizeMatch) -> str:
    """'as_wanted', 'tighter' or 'looser' than the shopper's preferred fit, in the key dimension: its verdict,
    which matching reads on the body moved by the preference and the learned adjustment, as the
    probabilities do."""
    key = match.key
    if key is None or key.verdict == "good":
        return "as_wanted"
    return "looser" if key.verdict == "loose" else "tighter"


_FEEL_WORDS = {
    # (feel, preference): (en after the size, zh after the size)
    ("as_wanted", "regular"): ("fits well", "合身"),
    ("as_wanted", "slim"): ("gives the slim fit you prefer", "修身，合你的偏好"),
    ("as_wanted", "loose"): ("gives the loose fit you prefer", "宽松，合你的偏好"),
    ("tighter", "regular"): ("is a little snug", "略偏紧"),
    ("tighter", "slim"): ("is closer-fitting than even a slim fit", "比修身还要紧一些"),
    ("tighter", "loose"): ("is not as loose as you prefer", "没有你喜欢的那么宽松"),
    ("looser", "regular"): ("is a little loose", "略宽松"),
    ("looser", "slim"): ("is roomier than the slim fit you prefer", "比你喜欢的修身效果宽松"),
    ("looser", "loose"): ("is even roomier than you prefer", "比你想要的还要宽松"),
}


def _recommended_phrase(match: SizeMatch, lang: str, other: tuple[DimensionFit, ...] | None = None) -> str:
    """The recommended size described against the shopper's own preference (tightness always named, but
    not where the ``other`` size is tight too, unless it is the key dimension: a shared misfit does not
    tell the two apart)."""
    shared = {f.dimension for f in other or () if f.verdict == "tight"}
    key = match.key.dimension if match.key is not None else None
    tight = [
        f
        for f in match.dimensions
        if f.weight > 0 and f.verdict == "tight" and (f.dimension not in shared or f.dimension == key)
    ]
    if tight:
        return (
            f"{match.size} {_predicate(tight, 'zh')}"
            if lang == "zh"
            else (f"{match.size} will be {_predicate(tight, 'en')}")
        )
    preference = match.fit_preference if match.fit_preference in PREFERENCE_SHIFT else "regular"
    en, zh = _FEEL_WORDS[(_feel(match), preference)]
    return f"{match.size} {zh}" if lang == "zh" else f"{match.size} {en}"


def _neighbour_phrase(
    size: str, larger: bool, fits: tuple[DimensionFit, ...] | None, match: SizeMatch, lang: str
) -> str:
    """A neighbour described by its own verdicts, leaving out misfits the recommended size shares (they do
    not tell the two apart); without verdicts (result pages) only where it sits."""
    if fits is None:
        if lang == "zh":
            return f"{size} 大一码" if larger else f"{size} 小一码"
        return f"{size} is one size {'up' if larger else 'down'}"
    recommended = {(f.dimension, f.verdict) for f in match.dimensions}
    worst = _worst(fits, skip=[f.dimension for f in fits if (f.dimension, f.verdict) in recommended])
    if worst:
        return (
            f"{size} {_predicate(worst, 'zh', preference=match.fit_preference)}"
            if lang == "zh"
            else (f"{size} would be {_predicate(worst, 'en', preference=match.fit_preference)}")
        )
    if lang == "zh":
        return f"{size} 也合适，{'更宽松' if larger else '更贴身'}一些"
    return f"{size} also fits, {'with a little more room' if larger else 'a little closer'}"


def alternatives(match: SizeMatch, lang: str) -> list[AlternativeOut]:
    """Neighbouring sizes with real probability, each with its trade-off (never one that fits worse
    in the direction the recommended size already misses)."""
    tight = loose = False
    for fit in match.dimensions:
        if fit.weight > 0 and fit.dimension not in LENGTHS:
            tight = tight or fit.verdict == "tight"
            loose = loose or fit.verdict == "loose"
    options = []
    best = match.index
    for index in (best - 1, best + 1):
        larger = index > best
        if not 0 <= index < len(match.chart.sizes):
            continue
        if (not larger and tight and not loose) or (larger and loose and not tight):
            continue
        # The size that relieves a tight (or loose) dimension is always worth naming.
        relieves = (larger and tight) or (not larger and loose)
        if match.rounded[index] < ALTERNATIVE_MIN_PROBABILITY and not relieves:
            continue
        size = match.chart.sizes[index]
        fits = next((fits for i, fits in match.neighbours if i == index), None) if match.neighbours else None
        recommended = _recommended_phrase(match, lang, fits)
        other = _neighbour_phrase(size, larger, fits, match, lang)
        options.append(
            AlternativeOut(
                size=size,
                probability=round(match.rounded[index], 3),
                direction="larger" if larger else "smaller",
                tradeoff=f"{recommended}；{other}" if lang == "zh" else f"{recommended}; {other}",
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
        if lang == "zh":
            label = f"你的{dimension_label(dimension, 'zh')}（厘米）"
        else:
            girth = " girth" if dimension in ("chest", "waist", "hip", "neck") else ""
            label = f"your {dimension_label(dimension, 'en')}{girth} (cm)"
        return DecidingInput(field=f"{dimension}_cm", label=label)
    if not has_reference:
        label = "你在熟悉的品牌穿的尺码" if lang == "zh" else "the size you wear in a brand you know"
        return DecidingInput(field="reference", label=label)
    return None


# ----- learning from returns -----


def adjustment_note(match: SizeMatch, lang: str) -> str | None:
    """What a strong learned fit adjustment did to this recommendation (None without one). The shopper is
    never told to go up (or down) again: the size either moved ("so we recommend XL rather than L"), is the
    end of the range it would move towards, or still wins with the adjustment applied (said as such, not as
    "already allows for it", which read as if the size had moved)."""
    adjustment = match.adjustment
    if not adjustment.strong or not adjustment.offset_cm:
        return None
    small = adjustment.offset_cm > 0
    count = adjustment.evidence_count
    before = match.unadjusted_index
    moved = before is not None and before != match.index
    at_end = match.index == (len(match.chart.sizes) - 1 if small else 0)
    size = match.size
    if lang == "zh":
        runs = "偏小" if small else "偏大"
        source = f"根据 {count} 位买家的反馈，" if count else "根据买家反馈，"
        if moved and before is not None:
            return f"{source}这款{runs}，所以推荐 {size} 而不是 {match.chart.sizes[before]}。"
        if at_end:
            extreme = "最大" if small else "最小"
            return f"{source}这款{runs}，而 {size} 已是{extreme}的尺码，可能仍会{runs}。"
        return f"{source}这款{runs}；考虑到这一点后，{_size_words(size)}仍是最合适的。"
    runs = "small" if small else "large"
    source = f" ({count} buyers' feedback)" if count else " (buyers' feedback)"
    if moved and before is not None:
        instead = match.chart.sizes[before]
        return f"This style runs {runs}{source}, so we recommend {size} rather than {instead}."
    if at_end:
        extreme = "largest" if small else "smallest"
        return (
            f"This style runs {runs}{source} and {size} is already the {extreme} size: "
            f"it may still feel {runs}."
        )
    return f"This style runs {runs}{source}; with that taken into account, {size} is still the best match."


# ----- the explanation and the one-line summary -----


def _nearest_size(match: SizeMatch, key: DimensionFit) -> tuple[int, float, float, bool]:
    """The size whose key range, as written, is nearest the body value as written: (index, low, high,
    whether the value is in it). The recommended size wins ties, so a body on a shared boundary is told
    about the size recommended."""
    value = round(key.body_cm)
    best, low, high = match.index, key.chart_low, key.chart_high
    if _as_written(low) <= value <= _as_written(high):
        return best, low, high, True
    # Ranges and value as the sentence writes them: what it says must hold for the shopper reading it.
    # Rounding moves a distance by at most 1 cm at each end, so only sizes within 2 cm (in true cm) of the
    # nearest can be nearest as written.
    gap = max(_as_written(low) - value, value - _as_written(high))
    k = match.chart.dimensions.index(key.dimension)
    lows, highs = match.chart.low[k].tolist(), match.chart.high[k].tolist()
    body = key.body_cm
    true_gaps = [
        lo - body if lo > body else body - hi if body > hi else 0.0
        for lo, hi in zip(lows, highs, strict=True)
    ]
    within = min(true_gaps) + 2.0
    for index, true_gap in enumerate(true_gaps):
        if true_gap <= within:
            other_low, other_high = lows[index], highs[index]
            other_gap = max(_as_written(other_low) - value, value - _as_written(other_high), 0)
            if other_gap < gap:
                best, low, high, gap = index, other_low, other_high, other_gap
    return best, low, high, gap == 0


def _body_chart_sentence(match: SizeMatch, key: DimensionFit, lang: str) -> tuple[str, bool]:
    """Where the key body value sits on the chart; (sentence, whether it was about the recommended size)."""
    nearest, low, high, inside = _nearest_size(match, key)
    size, span = match.chart.sizes[nearest], _fmt_range(low, high)
    point = "-" not in span
    value = round(key.body_cm)
    if lang == "zh":
        label = dimension_label(key.dimension, "zh")
        where = (
            (f"与 {size} 的 {span} 厘米一致" if point else f"在 {size} 的 {span} 厘米范围内")
            if inside
            else f"最接近 {size} 的 {span} 厘米"
        )
        sentence = f"你的{label}约 {value} 厘米，{where}"
    else:
        label = dimension_label(key.dimension, "en")
        where = f"{size}'s {span} cm" if point else f"{size}'s {span} cm range"
        relation = ("matches" if point else "is in") if inside else "is closest to"
        sentence = f"Your {label} of about {value} cm {relation} {where}"
    if nearest == match.index:
        verdict = verdict_label(key, lang)
        return (f"{sentence}（{verdict}）。" if lang == "zh" else f"{sentence} ({verdict})."), True
    before = match.unadjusted_index
    if before is not None and before != match.index:
        # The learned adjustment moved the size; its sentence follows and says so.
        return (f"{sentence}。" if lang == "zh" else f"{sentence}."), False
    return sentence + _other_reasons(match, key, nearest, lang), False


def _other_reasons(match: SizeMatch, key: DimensionFit, nearest: int, lang: str) -> str:
    """Why the recommended size is not the one holding the key value: the other dimensions it suits, and
    the shopper's preference when it points the same way."""
    points_down = nearest > match.index
    # A dimension points to the recommended size only when the body lies beyond the key size's range on the
    # recommended size's side (a waist above S's range pulls towards M; a hip inside S's range does not,
    # even though M is fine there).
    chart = match.chart
    supporting = []
    for fit in match.dimensions:
        if fit.weight <= 0 or fit.dimension == key.dimension:
            continue
        k = chart.dimensions.index(fit.dimension)
        if points_down:
            beyond = fit.body_cm < float(chart.low[k, nearest])
        else:
            beyond = fit.body_cm > float(chart.high[k, nearest])
        if beyond:
            supporting.append(fit.dimension)
    preference = _PREFERENCE_WORDS.get(match.fit_preference)
    if preference and (match.fit_preference == "slim") != points_down:
        preference = None
    if lang == "zh":
        reasons = ["你的" + "、".join(dimension_label(d, "zh") for d in supporting)] if supporting else []
        if preference:
            reasons.append(f"{preference[1]}偏好")
        basis = f"综合{'和'.join(reasons)}" if reasons else "综合来看"
        return f"，但{basis}，{match.size} 更合适。"
    reasons = [f"your {_and([dimension_label(d, 'en') for d in supporting])}"] if supporting else []
    if preference:
        reasons.append(f"your preference for a {preference[0]} fit")
    return f", but {match.size} is the better overall match" + (f" for {_and(reasons)}." if reasons else ".")


def _garment_sentence(key: DimensionFit, lang: str) -> str:
    """The garment's value against the body's, with whole numbers that add up as written."""
    garment = round(key.garment_cm if key.garment_cm is not None else (key.chart_low + key.chart_high) / 2)
    body = round(key.body_cm)
    difference = garment - body
    length = key.dimension in LENGTHS
    verdict = verdict_label(key, lang)
    if lang == "zh":
        label = dimension_label(key.dimension, "zh")
        yours = "适合你身高的衣长" if key.dimension == "length" else f"你的{label}"
        if difference == 0:
            compare = "两者相同"
        else:
            bigger = ("长" if difference > 0 else "短") if length else ("大" if difference > 0 else "小")
            compare = f"成衣{bigger} {abs(difference)} 厘米"
        note = _cut_note(key, lang)
        return f"成衣{label} {garment} 厘米，{yours}约 {body} 厘米，{compare}（{verdict}{note}）。"
    label = dimension_label(key.dimension, "en")
    yours = "the length that suits your height" if key.dimension == "length" else f"your {label}"
    if difference == 0:
        compare = f"the same as {yours} of about {body} cm"
    else:
        bigger = (
            ("longer" if difference > 0 else "shorter")
            if length
            else ("larger" if difference > 0 else "smaller")
        )
        compare = f"{abs(difference)} cm {bigger} than {yours} of about {body} cm"
    return f"Its {label} is {garment} cm, {compare} ({verdict}{_cut_note(key, lang)})."


def _cut_note(key: DimensionFit, lang: str) -> str:
    """Why a garment bigger than the body can still be tight: the ease this cut is made with."""
    if key.verdict == "good" or key.target_ease_cm is None or key.dimension in LENGTHS:
        return ""
    ease = round(key.target_ease_cm)
    if lang == "zh":
        if ease == 0:
            return "：这个版型按身体尺寸裁剪"
        return f"：这个版型一般比身体{'大' if ease > 0 else '小'}约 {abs(ease)} 厘米"
    if ease == 0:
        return ": this cut is made to body size"
    return f": this cut is made about {abs(ease)} cm {'larger' if ease > 0 else 'smaller'} than the body"


def _summary_words(
    match: SizeMatch, edge: tuple[str, list[DimensionFit]] | None, others: list[DimensionFit], lang: str
) -> str:
    """A few words for a product card; ``others`` are the worst weighted dimensions besides the key one."""
    key = match.key
    if edge is not None:
        if lang == "zh":
            return "最大码仍偏紧" if edge[0] == "largest" else "最小码仍偏松"
        return "tight even in the largest size" if edge[0] == "largest" else "loose even in the smallest size"
    if key is None:
        return "合适" if lang == "zh" else "good fit"
    if others and others[0].verdict != key.verdict and _SEVERITY[others[0].verdict] >= _SEVERITY[key.verdict]:
        # Name the worse dimensions next to the key one: "chest good, length and sleeve too short".
        parts = _SUMMARY_PARTS["zh" if lang == "zh" else "en"]
        if len(others) == 1:
            other = others[0]
            separator = "，" if lang == "zh" else ", "
            return f"{parts[key.dimension, key.verdict]}{separator}{parts[other.dimension, other.verdict]}"
        by_word: dict[str, list[str]] = {}
        body_wide: list[str] = []  # height and weight: the garment is short (tight) for them
        for fit in others:
            if fit.dimension in _ZH_FOR_BODY:
                body_wide.append(parts[fit.dimension, fit.verdict])
            else:
                word = _zh_word(fit.dimension, fit.verdict) if lang == "zh" else verdict_label(fit, "en")
                by_word.setdefault(word, []).append(dimension_label(fit.dimension, lang))
        if lang == "zh":
            words = [f"{'、'.join(labels)}{word}" for word, labels in by_word.items()]
            return "，".join([parts[key.dimension, key.verdict], *words, *body_wide])
        words = [f"{_and(labels)} {word}" for word, labels in by_word.items()]
        return ", ".join([parts[key.dimension, key.verdict], *words, *body_wide])
    if lang == "zh":
        # "合适", "腰围偏紧" (a bare "偏紧" does not say where).
        return "合适" if key.verdict == "good" else _SUMMARY_PARTS["zh"][key.dimension, key.verdict]
    # "chest snug", as zh "胸围偏紧": both name where.
    return "good fit" if key.verdict == "good" else _SUMMARY_PARTS["en"][key.dimension, key.verdict]


def explanation(match: SizeMatch, lang: str, estimated_from_basics: bool) -> tuple[str, str]:
    """(explanation, one-line fit summary for a product card).

    The percentage is the probability that the size is the best of the sizes offered, never a promise
    that it fits: when even the largest (smallest) size is tight (loose) the text says so first."""
    zh = lang == "zh"
    preference = match.fit_preference
    size, percent = match.size, round(match.confidence * 100)
    key = match.key
    edge = beyond_range(match)
    parts: list[str] = []
    if len(match.chart.sizes) == 1:
        parts.append(f"只有一个尺码：{size}。" if zh else f"{size} is the only size offered.")
    elif zh:
        parts.append(f"推荐 {_size_words(size)}（在现有尺码中最合适的概率为 {percent}%）。")
    else:
        parts.append(f"We recommend {size} ({percent}% chance it is the best of the sizes offered).")
    mentioned: set[str] = set()
    if edge is not None:
        which, fits = edge
        mentioned.update(f.dimension for f in fits)
        if zh:
            extreme = "最大" if which == "largest" else "最小"
            parts.append(f"即使是{extreme}的 {size}，{_predicate(fits, 'zh', True, preference)}。")
        else:
            predicate = _predicate(fits, "en", preference=preference)
            parts.append(f"Even the {which} size, {size}, will be {predicate}.")
    key_stated = False
    if key is not None:
        if match.chart.kind == "garment":
            parts.append(_garment_sentence(key, lang))
            key_stated = True
        else:
            sentence, key_stated = _body_chart_sentence(match, key, lang)
            parts.append(sentence)
        if key_stated:
            mentioned.add(key.dimension)
    note = adjustment_note(match, lang)
    if note:
        parts.append(note)
    others = _worst(match.dimensions, skip=(key.dimension,) if key is not None else ())
    if edge is not None:
        worst = _worst(match.dimensions, skip=mentioned)
    else:
        worst = others if key_stated else _worst(match.dimensions)
    if worst:
        predicate = _predicate(worst, lang, preference=preference)
        if not key_stated:
            parts.append(f"{size} {predicate}。" if zh else f"{size} will be {predicate}.")
        elif key is not None and key.verdict == "good":
            label = dimension_label(key.dimension, lang)
            if zh:
                parts.append(f"{label}合适，但{predicate}。")
            else:
                parts.append(f"The {label} fits well, but it will be {predicate}.")
        else:
            parts.append(f"另外，{predicate}。" if zh else f"It will also be {predicate}.")
    girths, lengths = unweighted_notes(match)
    parts.extend(_unweighted_sentences(size, girths, lengths, lang))
    if estimated_from_basics and key is not None and not key.measured:
        parts.append(
            "身体尺寸由身高体重估算。"
            if zh
            else "Body measurements are estimated from your height and weight."
        )
    # The card names the notable dimensions that did not choose the size when the chosen ones are all
    # fine, and a length far too short always.
    short = [fit for fit, misfit in lengths if misfit < 0]
    words = _summary_words(match, edge, [*others, *short] if others else [*girths, *short], lang)
    if zh:
        return "".join(parts), f"建议 {size} · {words}"
    return " ".join(parts), f"{size} · {words}"


def borrowed_chart_note(chart: ParsedChart, source: str, lang: str) -> str | None:
    """What a product without its own size chart is sized by (None for its own chart).

    ``source`` is "brand" (the chart of the product's brand for its category and gender: a lighter note)
    or "shop" (another chart of the shop for the category and gender, possibly another brand's)."""
    if source not in ("brand", "shop"):
        return None
    kind = taxonomy_label("category", chart.category, lang) if chart.category else ""
    if lang == "zh":
        if source == "brand":
            return f"尺码按该品牌的{kind}尺码表推荐（这件商品没有单独的尺码表）。"
        brand = f" {chart.brand} " if chart.brand else ""
        return f"这件商品没有自己的尺码表，尺码按店内{brand}{kind}尺码表推荐。"
    kind = kind[:1].lower() + kind[1:]
    if source == "brand":
        named = " ".join(part for part in ("the brand's", kind, "chart") if part)
        return f"Sized by {named} (this item has no chart of its own)."
    named = " ".join(part for part in ("the shop's", chart.brand, kind, "chart") if part)
    return f"This item has no size chart of its own; sizes are from {named}."
