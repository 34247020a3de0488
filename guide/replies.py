"""Reply text and product cards for one dialogue turn, in the shopper's language.

The reply is rendered from jinja2 templates (guide/templates/reply_{en,zh}.jinja) with autoescape on,
so a product title such as ``<img src=x onerror=alert(1)>`` reaches the reply only HTML-escaped; the
product fields in the JSON cards stay raw for the widget to render as text.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from catalog import taxonomy
from fitguide.errors import InvalidInput
from guide.dialogue import Card, Turn
from guide.schemas import ChatResponse, ProductCard, Relaxation
from sizing.schemas import BodyInput, resolve_body

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_CURRENCY_SIGNS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "JPY": "¥", "HKD": "HK$"}
_FIT_LABELS = {
    "en": {"slim": "slim", "regular": "regular", "loose": "loose"},
    "zh": {"slim": "修身", "regular": "常规", "loose": "宽松"},
}
_SPACES = re.compile(r"\s+")


def money(amount: float, currency: str, lang: str) -> str:
    number = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    if currency == "CNY" and lang == "zh":
        return f"{number}元"
    sign = _CURRENCY_SIGNS.get(currency)
    return f"{sign}{number}" if sign else f"{number} {currency}"


def _plural(word: str) -> str:
    if word.endswith("s") and not word.endswith("ss"):
        return word  # jeans, shorts, trousers
    return word + ("es" if word.endswith(("ss", "sh", "ch", "x")) else "s")


def _what(categories: list[str], lang: str) -> str:
    if not categories:
        return "商品" if lang == "zh" else "products"
    if lang == "zh":
        return "或".join(taxonomy.label("category", c, "zh") for c in categories)
    names = [taxonomy.label("category", c, "en") for c in categories]
    return " or ".join(_plural(n if n.startswith("T-") else n.lower()) for n in names)


def _labels(field: str, values: list[str], lang: str) -> str:
    joiner = "或" if lang == "zh" else " or "
    words = [taxonomy.label(field, v, lang) for v in values]
    return joiner.join(words if lang == "zh" else [w.lower() for w in words])


def _price_phrase(low: float | None, high: float | None, currency: str, lang: str) -> str:
    if low is not None and high is not None:
        return (
            f"{money(low, currency, lang)}-{money(high, currency, lang)}"
            if lang == "zh"
            else f"between {money(low, currency, 'en')} and {money(high, currency, 'en')}"
        )
    if high is not None and not float(high).is_integer():
        # A stepped-down bound sits just below a shown price (e.g. 68.99): say "under 69".
        below = money(float(math.ceil(high)), currency, lang)
        return f"低于{below}" if lang == "zh" else f"under {below}"
    if high is not None:
        return (
            f"{money(high, currency, lang)}以内" if lang == "zh" else f"under {money(high, currency, 'en')}"
        )
    if low is not None:
        return f"{money(low, currency, lang)}以上" if lang == "zh" else f"over {money(low, currency, 'en')}"
    return ""


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def constraint_phrases(filters: dict[str, Any], currency: str, lang: str) -> list[str]:
    """Human phrases for the hard constraints (without the category, which is the noun)."""
    zh = lang == "zh"
    phrases: list[str] = []
    if filters.get("gender") in ("men", "women"):
        phrases.append(
            ("男款" if filters["gender"] == "men" else "女款") if zh else f"for {filters['gender']}"
        )
    if filters.get("colors"):
        phrases.append(
            _labels("color", filters["colors"], lang)
            if zh
            else f"in {_labels('color', filters['colors'], lang)}"
        )
    if filters.get("materials"):
        phrases.append(
            _labels("material", filters["materials"], lang)
            if zh
            else f"in {_labels('material', filters['materials'], lang)}"
        )
    # Seasons and occasions are hard filters too, so the reply names them ("for summer", "适合运动").
    if filters.get("seasons"):
        words = _labels("season", filters["seasons"], lang)
        phrases.append(words if zh else f"for {words}")
    if filters.get("occasions"):
        words = _labels("occasion", filters["occasions"], lang)
        phrases.append(f"适合{words}" if zh else f"for {words} wear")
    if filters.get("brands"):
        phrases.append("/".join(filters["brands"]) if zh else f"by {' or '.join(filters['brands'])}")
    price = _price_phrase(filters.get("price_min"), filters.get("price_max"), currency, lang)
    if price:
        phrases.append(price)
    if filters.get("size_in_stock"):
        size = filters["size_in_stock"]
        phrases.append(f"{size}码有货" if zh else f"with {size} in stock")
    if filters.get("exclude_colors"):
        colors = (
            "、".join(taxonomy.label("color", c, lang) for c in filters["exclude_colors"])
            if zh
            else _or_list([taxonomy.label("color", c, lang).lower() for c in filters["exclude_colors"]])
        )
        phrases.append(f"不要{colors}" if zh else f"not {colors}")
    if filters.get("exclude_materials"):
        materials = (
            "、".join(taxonomy.label("material", m, lang) for m in filters["exclude_materials"])
            if zh
            else _or_list([taxonomy.label("material", m, lang).lower() for m in filters["exclude_materials"]])
        )
        phrases.append(f"不含{materials}" if zh else f"no {materials}")
    if filters.get("exclude_brands"):
        brands = "、".join(filters["exclude_brands"])
        phrases.append(f"不要{brands}" if zh else f"not by {brands}")
    return phrases


def relaxation_phrase(field: str, value: Any, currency: str, lang: str) -> str:
    """How a relaxed constraint reads: 'under ¥500' / '500元以内', 'in red' / '红色'."""
    zh = lang == "zh"
    if field == "price_max":
        return _price_phrase(None, value, currency, lang)
    if field == "price_min":
        return _price_phrase(value, None, currency, lang)
    if field == "size_in_stock":
        return f"有{value}码" if zh else f"with {value} in stock"
    if field in ("colors", "materials", "seasons", "occasions"):
        taxonomy_field = {
            "colors": "color",
            "materials": "material",
            "seasons": "season",
            "occasions": "occasion",
        }[field]
        words = _labels(taxonomy_field, list(value or []), lang)
        return words if zh else f"in {words}"
    if field == "brands":
        return "/".join(value or []) if zh else f"by {' or '.join(value or [])}"
    if field == "gender":
        return ("男款" if value == "men" else "女款") if zh else f"for {value}"
    if field == "categories":
        return _what(list(value or []), lang)
    return ""


def _body_text(body: dict[str, Any], lang: str) -> str:
    """Height to the whole cm and weight to the half kg: converted inputs (5'4", 11 st) would otherwise
    read as 162.56cm, 74.84kg, a precision nobody gave. Halves round up (190.5 -> 191), not to even."""
    height = body.get("height_cm", body.get("height"))
    weight = body.get("weight_kg", body.get("weight"))
    parts = []
    if height is not None:
        value = f"{math.floor(float(height) + 0.5):d}cm" if isinstance(height, int | float) else str(height)
        parts.append(f"身高{value}" if lang == "zh" else value)
    if weight is not None:
        value = (
            f"{math.floor(float(weight) * 2 + 0.5) / 2:g}kg"
            if isinstance(weight, int | float)
            else str(weight)
        )
        parts.append(f"体重{value}" if lang == "zh" else value)
    return ("、" if lang == "zh" else ", ").join(parts)


def _canonical_or_raw(field: str, value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    return taxonomy.canonical(field, value), value


def _display(field: str, name: str | None, raw: str | None, lang: str) -> str | None:
    if not name:
        return raw
    shown = taxonomy.label(field, name, lang)
    return shown if lang == "zh" else shown.lower()


class ReplyRenderer:
    """Turns a dialogue Turn into the ChatResponse: reply text from the templates, cards, chips."""

    def __init__(self) -> None:
        self._templates = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def _card(self, card: Card, lang: str) -> ProductCard:
        product = card.product
        advice = card.advice
        return ProductCard(
            sku=product.sku,
            title=product.title_zh if lang == "zh" and product.title_zh else product.title,
            price=product.price,
            currency=product.currency,
            image_url=product.image_url,
            url=product.url,
            brand=product.brand,
            color=product.color,
            material=product.material,
            fit=product.fit,
            sizes=list(product.sizes),
            recommended_size=advice.size if advice else None,
            size_confidence=advice.confidence if advice else None,
            fit_summary=advice.fit_summary if advice else None,
            alternatives=list(advice.alternatives) if advice else [],
            in_stock_in_size=card.in_stock_in_size,
            size_warning=advice.tight if advice else False,
        )

    def _template_card(self, card: Card, position: int, lang: str) -> dict[str, Any]:
        product, advice = card.product, card.advice
        material_name, material_raw = _canonical_or_raw("material", product.material)
        color_name, color_raw = _canonical_or_raw("color", product.color)
        return {
            "position": position,
            "title": product.title_zh if lang == "zh" and product.title_zh else product.title,
            "price": money(product.price, product.currency, lang),
            "size": advice.size if advice else None,
            "confidence": round(advice.confidence * 100)
            if advice and advice.confidence is not None
            else None,
            "fit_summary": advice.fit_summary if advice else None,
            "in_stock": card.in_stock_in_size,
            "material": _display("material", material_name, material_raw, lang),
            "material_name": material_name,
            "color": _display("color", color_name, color_raw, lang),
            "color_name": color_name,
            "fit": _FIT_LABELS[lang].get(product.fit or "", product.fit) if product.fit else None,
            "brand": product.brand,
        }

    def render(self, turn: Turn) -> str:
        state, lang = turn.state, turn.state.lang
        currency = turn.cards[0].product.currency if turn.cards else "CNY"
        filters = turn.context.get("filters", state.filters)
        positions = {sku: index + 1 for index, sku in enumerate(state.shown)}
        steps = turn.context.get("steps", {})
        cards = [
            {
                **self._template_card(card, positions.get(card.product.sku, i + 1), lang),
                "step": steps.get(card.product.sku),
            }
            for i, card in enumerate(turn.cards)
        ]
        context: dict[str, Any] = {
            "kind": turn.reply,
            "total": 0,
            "offset": 0,
            "note": None,
            "count": len(turn.cards),
            "what": _what(state.current_filters().categories, lang),
            "constraints": constraint_phrases(filters, currency, lang),
            "relaxations": [],
            "cards": cards,
            "sized": any(c.advice and c.advice.size for c in turn.cards),
            "body_text": _body_text(state.body, lang),
            "attribute": None,
            "asked": None,
            "asked_label": "",
            "in_stock_sizes": [],
            "searched": state.searched,
            "direction": None,
            "fit_preference": state.fit_preference,
        }
        context.update(
            {
                k: v
                for k, v in turn.context.items()
                if k
                in (
                    "total",
                    "offset",
                    "note",
                    "attribute",
                    "asked",
                    "in_stock_sizes",
                    "searched",
                    "direction",
                )
            }
        )
        if turn.context.get("asked") and context["attribute"] in ("material", "color"):
            field = "material" if context["attribute"] == "material" else "color"
            context["asked_label"] = taxonomy.label(field, turn.context["asked"], lang)
        if turn.relaxed:
            context["relaxations"] = [
                {
                    "field": r["field"],
                    "original": relaxation_phrase(r["field"], r["original"], currency, lang),
                    "replacement": relaxation_phrase(r["field"], r["replacement"], currency, lang)
                    if r["replacement"] is not None
                    else None,
                }
                for r in turn.relaxed
            ]
        template = self._templates.get_template(f"reply_{lang}.jinja")
        return _SPACES.sub(" ", template.render(context)).strip()

    def response(self, session_id: str, turn: Turn) -> ChatResponse:
        lang = turn.state.lang
        return ChatResponse(
            session_id=session_id,
            reply=self.render(turn),
            lang=lang,
            intent=turn.intent,
            products=[self._card(card, lang) for card in turn.cards],
            suggestions=turn.suggestions,
            filters=turn.state.current_filters().as_dict(),
            preferences={
                k: v
                for k, v in {
                    "fit": turn.state.fit,
                    "fit_preference": turn.state.fit_preference,
                }.items()
                if v
            },
            comparison=[self._card(card, lang) for card in turn.comparison] if turn.comparison else None,
            relaxed=[Relaxation(**r) for r in turn.relaxed] if turn.relaxed else None,
            body=_resolved_body(turn.state.body, turn.state.sex),
        )


def _resolved_body(body: dict[str, Any], sex: str | None) -> dict[str, Any]:
    """Height (cm), weight (kg) and sex the guide sizes with; empty until the chat has both numbers."""
    if not body:
        return {}
    try:
        resolved = resolve_body(BodyInput(**body))
    except (InvalidInput, ValueError):
        return {}
    out: dict[str, Any] = {
        "height_cm": round(resolved.height_cm, 1),
        "weight_kg": round(resolved.weight_kg, 1),
    }
    if resolved.sex or sex:
        out["sex"] = resolved.sex or sex
    return out
